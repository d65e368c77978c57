"""`forget_submit`: the admin confirmed; erase the person."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import View
from bot.payloads import Actor
from bot.services import Services


def forget_confirmed(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    done = svc.privacy.forget(
        team_id=actor.team_id, actor_id=actor.user_id, candidate=view["private_metadata"]
    )
    ack(response_action="update", view=rendering.forget_done(done))


def register(app: App) -> None:
    app.view(View.FORGET)(forget_confirmed)
