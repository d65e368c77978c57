"""`snooze_submit`: snooze the candidate until the chosen day, with a note for later. The cards
and prompts it answers are edited by the outbox; after the ack, the list item or App Home it
was opened from shows it (handlers.views.opened_from)."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import SnoozeInput as F
from bot.ids import View
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying
from handlers.state import read_state
from handlers.views.opened_from import shown_after


def snooze_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = read_state(view)
    result = svc.snoozes.snooze(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate_id=rendering.opener(view["private_metadata"]).candidate,
        until=form.get(F.UNTIL),
        on_day=form.get(F.DATE),
        note=form.get(F.NOTE),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack(response_action="update", view=rendering.snooze_done(result))


def register(app: App) -> None:
    app.view(View.SNOOZE)(ack=snooze_submitted, lazy=[replying(shown_after("snooze"))])
