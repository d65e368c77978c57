"""`/sourcing [start|end]`: team sourcing sessions in a channel."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import rendering
from bot.ids import Command
from bot.services import Services
from bot.slack_errors import replying


def sourcing_acked(ack: Ack) -> None:
    ack()


def sourcing_invoked(command: dict, client: WebClient, respond: Respond, svc: Services) -> None:
    team_id, user_id, channel_id = command["team_id"], command["user_id"], command["channel_id"]
    action = command.get("text", "").strip().split(" ", 1)[0].lower()
    locale = svc.members.locale(team_id=team_id, user_id=user_id)
    if action == "start":
        # Slack refuses to post the card where refbot was never invited: say so up front.
        if not client.conversations_info(channel=channel_id)["channel"].get("is_member", True):
            respond(**rendering.sourcing_note(locale, "invite"))
            return
        form = svc.sourcing.start_form(team_id=team_id, actor_id=user_id, channel_id=channel_id)
        client.views_open(
            trigger_id=command["trigger_id"], view=rendering.session_start_modal(form)
        )
    elif action == "end":
        svc.sourcing.end(team_id=team_id, actor_id=user_id, channel_id=channel_id)
        respond(**rendering.sourcing_note(locale, "ended"))
    else:
        respond(**rendering.sourcing_usage(locale, svc.sourcing.running(team_id=team_id)))


def register(app: App) -> None:
    app.command(Command.SOURCING)(ack=sourcing_acked, lazy=[replying(sourcing_invoked)])
