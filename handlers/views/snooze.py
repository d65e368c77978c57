"""`snooze_submit`: snooze the candidate until the chosen day, with a note for later. The cards
and prompts it answers are edited by the outbox; App Home, when the modal came from there, is
published again after the ack."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import rendering
from bot.ids import SnoozeInput as F
from bot.ids import View
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying
from handlers.state import read_state


def snooze_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = read_state(view)
    result = svc.snoozes.snooze(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate_id=rendering.opener(view["private_metadata"])[0],
        until=form.get(F.UNTIL),
        on_day=form.get(F.DATE),
        note=form.get(F.NOTE),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack(response_action="update", view=rendering.snooze_done(result))


def home_refreshed(actor: Actor, view: dict, client: WebClient, svc: Services) -> None:
    """After the ack: App Home shows the snooze, when the modal was opened from there."""
    if rendering.opener(view["private_metadata"])[1]:
        state = svc.home.state(team_id=actor.team_id, user_id=actor.user_id)
        client.views_publish(user_id=actor.user_id, view=rendering.home(state))


def register(app: App) -> None:
    app.view(View.SNOOZE)(ack=snooze_submitted, lazy=[replying(home_refreshed)])
