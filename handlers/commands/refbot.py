"""`/refbot <subcommand>`: help, and a friendly usage for anything unknown."""

from slack_bolt import Ack, App, Respond

from bot import rendering
from bot.ids import Command, Subcommand
from bot.rendering.blocks import Message
from bot.services import Services
from bot.slack_errors import replying


def answerable_in_ack(command: dict, svc: Services) -> bool:
    """Help needs only the user's language; when this process knows it, answer in the ack."""
    return (
        svc.members.known_locale(team_id=command["team_id"], user_id=command["user_id"]) is not None
    )


def refbot_answered(ack: Ack, command: dict, svc: Services) -> None:
    locale = svc.members.known_locale(team_id=command["team_id"], user_id=command["user_id"])
    ack(**_answer(command, locale or svc.members.default_locale))


def refbot_acked(ack: Ack) -> None:
    ack()


def refbot_invoked(command: dict, respond: Respond, svc: Services) -> None:
    locale = svc.members.locale(team_id=command["team_id"], user_id=command["user_id"])
    respond(**_answer(command, locale))


def _answer(command: dict, locale: str) -> Message:
    subcommand = command.get("text", "").strip().split(" ", 1)[0].lower()
    if subcommand in ("", Subcommand.HELP):
        return rendering.help_message(locale)
    return rendering.unknown_subcommand(locale, subcommand)


def register(app: App) -> None:
    # The first listener whose matchers pass handles the request: the fast path comes first.
    app.command(Command.REFBOT, matchers=[answerable_in_ack])(refbot_answered)
    app.command(Command.REFBOT)(ack=refbot_acked, lazy=[replying(refbot_invoked)])
