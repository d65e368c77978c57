"""`sourcing_start_submit`: start the session; its card appears in the channel."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import SessionInput as F
from bot.ids import View
from bot.payloads import Actor
from bot.services import Services
from handlers.state import read_state


def session_start_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = read_state(view)
    result = svc.sourcing.start(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        channel_id=view["private_metadata"],
        role=form.get(F.ROLE),
        duration=form.get(F.DURATION),
        goal=form.get(F.GOAL),
        prompt=form.get(F.PROMPT),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack(response_action="clear")


def register(app: App) -> None:
    app.view(View.SOURCING_START)(session_start_submitted)
