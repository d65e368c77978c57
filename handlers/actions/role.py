"""`/refbot roles` buttons (recruiters): Open it (an upcoming role opens; its pool goes to its
recruiter), Edit (the role modal, prefilled), Close (after Slack's confirmation dialog). The
list clicked in becomes the list as it now is, saying what was done, by whom and when."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import payloads, rendering
from bot.ids import Action
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def role_open_clicked(actor: Actor, action: dict, respond: Respond, svc: Services) -> None:
    change = svc.roles.open(
        team_id=actor.team_id, actor_id=actor.user_id, role=payloads.value(action)
    )
    board = svc.roles.board(team_id=actor.team_id, actor_id=actor.user_id, change=change)
    respond(**rendering.roles_list(board))


def role_close_clicked(actor: Actor, action: dict, respond: Respond, svc: Services) -> None:
    change = svc.roles.close(
        team_id=actor.team_id, actor_id=actor.user_id, role=payloads.value(action)
    )
    board = svc.roles.board(team_id=actor.team_id, actor_id=actor.user_id, change=change)
    respond(**rendering.roles_list(board))


def role_edit_clicked(
    actor: Actor, action: dict, body: dict, client: WebClient, svc: Services
) -> None:
    form = svc.roles.form(
        team_id=actor.team_id, actor_id=actor.user_id, role=payloads.value(action)
    )
    # Once saved, the list the Edit came from is refreshed through its response_url.
    view = rendering.role_modal(form, reply_to=str(body.get("response_url") or ""))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App) -> None:
    app.action(Action.ROLE_OPEN)(ack=button_acked, lazy=[replying(role_open_clicked)])
    app.action(Action.ROLE_CLOSE)(ack=button_acked, lazy=[replying(role_close_clicked)])
    app.action(Action.ROLE_EDIT)(ack=button_acked, lazy=[replying(role_edit_clicked)])
