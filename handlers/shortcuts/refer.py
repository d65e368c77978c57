"""The "Refer someone" shortcut, global or on a message (which pre-fills the note)."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import rendering
from bot.ids import Shortcut
from bot.services import Services
from bot.slack_errors import replying


def shortcut_acked(ack: Ack) -> None:
    ack()


def refer_shortcut_used(shortcut: dict, client: WebClient, svc: Services) -> None:
    form = svc.referrals.form(team_id=shortcut["team"]["id"], user_id=shortcut["user"]["id"])
    client.views_open(trigger_id=shortcut["trigger_id"], view=rendering.referral_modal(form))


def refer_from_message_used(shortcut: dict, client: WebClient, svc: Services) -> None:
    message = shortcut.get("message", {})
    permalink = client.chat_getPermalink(
        channel=shortcut["channel"]["id"], message_ts=message["ts"]
    ).get("permalink")
    form = svc.referrals.form(
        team_id=shortcut["team"]["id"],
        user_id=shortcut["user"]["id"],
        message=message.get("text", ""),
        permalink=permalink,
    )
    client.views_open(trigger_id=shortcut["trigger_id"], view=rendering.referral_modal(form))


def register(app: App) -> None:
    app.global_shortcut(Shortcut.REFER)(ack=shortcut_acked, lazy=[replying(refer_shortcut_used)])
    app.message_shortcut(Shortcut.REFER_FROM_MESSAGE)(
        ack=shortcut_acked, lazy=[replying(refer_from_message_used)]
    )
