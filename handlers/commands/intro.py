"""`/intro`: offer to introduce someone you know to the recruiting team."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import rendering, slack_text
from bot.ids import Command
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def intro_acked(ack: Ack) -> None:
    ack()


def intro_invoked(actor: Actor, command: dict, client: WebClient, svc: Services) -> None:
    form = svc.referrals.form(
        team_id=actor.team_id, user_id=actor.user_id, text=slack_text.command_text(command)
    )
    client.views_open(trigger_id=command["trigger_id"], view=rendering.intro_offer_modal(form))


def register(app: App) -> None:
    app.command(Command.INTRO)(ack=intro_acked, lazy=[replying(intro_invoked)])
