"""App Home buttons."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import rendering
from bot.ids import Action
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def home_refer_clicked(actor: Actor, body: dict, client: WebClient, svc: Services) -> None:
    form = svc.referrals.form(team_id=actor.team_id, user_id=actor.user_id)
    client.views_open(trigger_id=body["trigger_id"], view=rendering.referral_modal(form))


def register(app: App) -> None:
    app.action(Action.HOME_REFER)(ack=button_acked, lazy=[replying(home_refer_clicked)])
