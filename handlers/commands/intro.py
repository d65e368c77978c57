"""`/intro`: offer to introduce someone you know to the recruiting team."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import rendering
from bot.ids import Command
from bot.services import Services
from bot.slack_errors import replying


def intro_acked(ack: Ack) -> None:
    ack()


def intro_invoked(command: dict, client: WebClient, svc: Services) -> None:
    form = svc.referrals.form(
        team_id=command["team_id"], user_id=command["user_id"], text=command.get("text", "")
    )
    client.views_open(trigger_id=command["trigger_id"], view=rendering.intro_offer_modal(form))


def register(app: App) -> None:
    app.command(Command.INTRO)(ack=intro_acked, lazy=[replying(intro_invoked)])
