"""`forget_submit`: the admin confirmed; erase the person."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import View
from bot.services import Services


def forget_confirmed(ack: Ack, body: dict, view: dict, svc: Services) -> None:
    locale = svc.privacy.forget(
        team_id=body["team"]["id"], actor_id=body["user"]["id"], candidate=view["private_metadata"]
    )
    ack(response_action="update", view=rendering.forget_done(locale))


def register(app: App) -> None:
    app.view(View.FORGET)(forget_confirmed)
