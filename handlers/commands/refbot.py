"""`/refbot <subcommand>`: help, and a friendly usage for anything unknown."""

from slack_bolt import Ack, App, Respond

from bot import rendering
from bot.ids import Command, Subcommand
from bot.services import Services
from bot.slack_errors import replying


def refbot_acked(ack: Ack) -> None:
    ack()


def refbot_invoked(command: dict, respond: Respond, svc: Services) -> None:
    subcommand = command.get("text", "").strip().split(" ", 1)[0].lower()
    locale = svc.members.locale(team_id=command["team_id"], user_id=command["user_id"])
    if subcommand in ("", Subcommand.HELP):
        respond(**rendering.help_message(locale))
    else:
        respond(**rendering.unknown_subcommand(locale, subcommand))


def register(app: App) -> None:
    app.command(Command.REFBOT)(ack=refbot_acked, lazy=[replying(refbot_invoked)])
