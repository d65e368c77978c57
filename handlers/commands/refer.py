"""`/refer [name, email or link]`: open the referral modal, pre-filled with what was typed."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import rendering, slack_text
from bot.ids import Command
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def refer_acked(ack: Ack) -> None:
    ack()


def refer_invoked(actor: Actor, command: dict, client: WebClient, svc: Services) -> None:
    team_id = actor.team_id
    form = svc.referrals.form(
        team_id=team_id, user_id=actor.user_id, text=slack_text.command_text(command)
    )
    offer = svc.sourcing.active(team_id=team_id, channel_id=command["channel_id"])
    view = rendering.referral_modal(form, offer=offer)
    client.views_open(trigger_id=command["trigger_id"], view=view)


def register(app: App) -> None:
    app.command(Command.REFER)(ack=refer_acked, lazy=[replying(refer_invoked)])
