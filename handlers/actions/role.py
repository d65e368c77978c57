"""`role_open`: an upcoming role opens (recruiters); its pool is sent to its recruiter."""

from slack_bolt import Ack, App

from bot import payloads
from bot.ids import Action
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def role_open_clicked(actor: Actor, action: dict, svc: Services) -> None:
    svc.roles.open(team_id=actor.team_id, actor_id=actor.user_id, role=payloads.value(action))


def register(app: App) -> None:
    app.action(Action.ROLE_OPEN)(ack=button_acked, lazy=[replying(role_open_clicked)])
