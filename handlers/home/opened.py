"""`app_home_opened`: publish the person's Home tab."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import rendering
from bot.ids import Event
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def home_acked(ack: Ack) -> None:
    ack()


def home_opened(actor: Actor, event: dict, client: WebClient, svc: Services) -> None:
    if event.get("tab", "home") != "home":
        return
    state = svc.home.state(team_id=actor.team_id, user_id=actor.user_id)
    client.views_publish(user_id=actor.user_id, view=rendering.home(state))


def register(app: App) -> None:
    app.event(Event.APP_HOME_OPENED)(ack=home_acked, lazy=[replying(home_opened)])
