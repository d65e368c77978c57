"""`role_open`: an upcoming role opens (recruiters); its pool is sent to its recruiter."""

from slack_bolt import Ack, App

from bot.ids import Action
from bot.services import Services
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def role_open_clicked(body: dict, svc: Services) -> None:
    svc.roles.open(
        team_id=body["team"]["id"], actor_id=body["user"]["id"], role=body["actions"][0]["value"]
    )


def register(app: App) -> None:
    app.action(Action.ROLE_OPEN)(ack=button_acked, lazy=[replying(role_open_clicked)])
