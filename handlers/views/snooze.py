"""`snooze_submit`: snooze the candidate until the chosen day, with a note for later."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import SnoozeInput as F
from bot.ids import View
from bot.payloads import Actor
from bot.services import Services
from handlers.state import read_state


def snooze_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = read_state(view)
    result = svc.snoozes.snooze(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate_id=view["private_metadata"],
        until=form.get(F.UNTIL),
        on_day=form.get(F.DATE),
        note=form.get(F.NOTE),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack(response_action="update", view=rendering.snooze_done(result))


def register(app: App) -> None:
    app.view(View.SNOOZE)(snooze_submitted)
