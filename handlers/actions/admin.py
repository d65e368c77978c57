"""In the admin modal, picking another message or language refills the wording box with
that wording as drafts use it now."""

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import payloads, rendering
from bot.ids import AdminInput, View
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying
from handlers.state import read_state


def in_admin_modal(body: dict[str, Any]) -> bool:
    # "template" is also the reach-out modal's input: only the admin modal's dispatches.
    return (body.get("view") or {}).get("callback_id") == View.ADMIN


def choice_acked(ack: Ack) -> None:
    ack()


def wording_chosen(
    actor: Actor, action: dict, body: dict, client: WebClient, svc: Services
) -> None:
    view = body["view"]
    template, language = rendering.wording_target(view)
    state = read_state(view)  # what the person sees in both selects now
    template = state.get(AdminInput.TEMPLATE) or template
    language = state.get(AdminInput.TEMPLATE_LOCALE) or language
    if action["action_id"] == AdminInput.TEMPLATE:
        template = payloads.chosen(action) or template
    else:
        language = payloads.chosen(action) or language
    admin = svc.admin.view(
        team_id=actor.team_id, actor_id=actor.user_id, wording=template, wording_locale=language
    )
    # No hash: the person's own choice wins over anything in flight, and Slack keeps what
    # they typed in the other inputs (same block and action ids).
    client.views_update(view_id=view["id"], view=rendering.admin_modal(admin))


def register(app: App) -> None:
    for action in (AdminInput.TEMPLATE, AdminInput.TEMPLATE_LOCALE):
        app.action(action, matchers=[in_admin_modal])(
            ack=choice_acked, lazy=[replying(wording_chosen)]
        )
