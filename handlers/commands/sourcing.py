"""`/sourcing [start|end]`: team sourcing sessions in a channel."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import rendering, slack_text
from bot.ids import Command
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def sourcing_acked(ack: Ack) -> None:
    ack()


def sourcing_invoked(
    actor: Actor, command: dict, client: WebClient, respond: Respond, svc: Services
) -> None:
    team_id, user_id, channel_id = actor.team_id, actor.user_id, command["channel_id"]
    action = slack_text.command_text(command).split(" ", 1)[0].lower()
    locale = svc.members.locale(team_id=team_id, user_id=user_id)
    if action == "start":
        form = svc.sourcing.start_form(team_id=team_id, actor_id=user_id, channel_id=channel_id)
        if not form.allowed:  # no modal that could only end in "not allowed": say who can
            respond(**rendering.sourcing_note(locale, "start_denied"))
            return
        # Slack refuses to post the card where refbot was never invited: say so up front.
        if not _refbot_is_in(client, channel_id):
            respond(**rendering.sourcing_note(locale, "invite"))
            return
        if not form.roles:  # a session is for a role: nothing to pick, nothing to start
            respond(**rendering.sourcing_note(locale, "no_roles"))
            return
        client.views_open(
            trigger_id=command["trigger_id"], view=rendering.session_start_modal(form)
        )
    elif action == "end":
        ended = svc.sourcing.end(team_id=team_id, actor_id=user_id, channel_id=channel_id)
        respond(**rendering.session_ended(ended))
    else:
        active = svc.sourcing.running(team_id=team_id)
        may_start = svc.sourcing.may_start(team_id=team_id, actor_id=user_id)
        respond(**rendering.sourcing_usage(locale, active, may_start=may_start))


def _refbot_is_in(client: WebClient, channel_id: str) -> bool:
    """Whether refbot can post in the channel: a public channel it was never invited to says
    is_member false; a private channel, DM or group DM it is not in does not exist for it."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as error:
        if error.response.get("error") == "channel_not_found":
            return False
        raise
    return bool(channel.get("is_member", True))


def register(app: App) -> None:
    app.command(Command.SOURCING)(ack=sourcing_acked, lazy=[replying(sourcing_invoked)])
