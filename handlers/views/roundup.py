"""`roundup_settings_submit` (admins only: the service checks) and `roundup_dm_submit` (anyone,
for themselves)."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import rendering
from bot.ids import RoundupDmInput, RoundupInput, View
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying
from handlers.actions.roundup import republish_home
from handlers.state import read_state


def roundup_settings_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = read_state(view)
    result = svc.roundups.save_settings(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        channels=form.get(RoundupInput.CHANNELS) or [],
        weekday=form.get(RoundupInput.WEEKDAY),
        hour=form.get(RoundupInput.HOUR),
        announce="yes" in (form.get(RoundupInput.ANNOUNCE) or []),
        recognition_channel=form.get(RoundupInput.RECOGNITION_CHANNEL),
        timezone=form.get(RoundupInput.TIMEZONE),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack(response_action="update", view=rendering.roundup_settings_saved(result))


def roundup_dm_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = read_state(view)
    svc.roundups.subscribe(
        team_id=actor.team_id,
        user_id=actor.user_id,
        team_name=form.get(RoundupDmInput.TEAM),
        keywords=form.get(RoundupDmInput.KEYWORDS),
    )
    ack()


def home_refreshed(actor: Actor, client: WebClient, svc: Services) -> None:
    republish_home(actor, client, svc)


def register(app: App) -> None:
    app.view(View.ROUNDUP_SETTINGS)(roundup_settings_submitted)
    app.view(View.ROUNDUP_DM)(ack=roundup_dm_submitted, lazy=[replying(home_refreshed)])
