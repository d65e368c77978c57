"""The "Refer someone" shortcut, global or on a message (which pre-fills the form)."""

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import rendering, slack_text
from bot.ids import Shortcut
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def shortcut_acked(ack: Ack) -> None:
    ack()


def refer_shortcut_used(actor: Actor, shortcut: dict, client: WebClient, svc: Services) -> None:
    form = svc.referrals.form(team_id=actor.team_id, user_id=actor.user_id)
    client.views_open(trigger_id=shortcut["trigger_id"], view=rendering.referral_modal(form))


def refer_from_message_used(actor: Actor, shortcut: dict, client: WebClient, svc: Services) -> None:
    message = shortcut.get("message") or {}
    form = svc.referrals.form(
        team_id=actor.team_id,
        user_id=actor.user_id,
        message=slack_text.message_text(message),
        permalink=_permalink(client, shortcut, message),
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=rendering.referral_modal(form))


def _permalink(client: WebClient, shortcut: dict, message: dict[str, Any]) -> str | None:
    """A link back to the message, a bonus: in a DM, a group DM or a private channel refbot is
    not in, Slack answers channel_not_found, and the modal opens without it."""
    channel, ts = (shortcut.get("channel") or {}).get("id"), message.get("ts")
    if not channel or not ts:
        return None
    # No retries and a short timeout: the trigger_id expires 3 s after the click
    # (https://api.slack.com/interactivity/handling#modal_responses), the modal comes first.
    quick = WebClient(token=client.token, base_url=client.base_url, timeout=2, retry_handlers=[])
    try:
        return quick.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except (SlackApiError, OSError):
        return None


def register(app: App) -> None:
    app.global_shortcut(Shortcut.REFER)(ack=shortcut_acked, lazy=[replying(refer_shortcut_used)])
    app.message_shortcut(Shortcut.REFER_FROM_MESSAGE)(
        ack=shortcut_acked, lazy=[replying(refer_from_message_used)]
    )
