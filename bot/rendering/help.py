"""Help text for `/refbot help` and unknown subcommands: only the commands the reader may use."""

from functools import cache

from bot import i18n
from bot.rendering.blocks import Message, message, section
from bot.services.members import Audience

EVERYONE = Audience()


@cache  # a few kilobytes per language and audience; callers never mutate payloads
def help_message(locale: str, audience: Audience = EVERYONE) -> Message:
    text = i18n.mrkdwn(locale, "help/message", who=audience)
    return message(i18n.plain(locale, "help/fallback"), [section(text)], response_type="ephemeral")


def unknown_subcommand(locale: str, subcommand: str, audience: Audience = EVERYONE) -> Message:
    intro = i18n.mrkdwn(locale, "help/unknown", subcommand=subcommand)
    return message(
        intro,
        [section(intro), section(i18n.mrkdwn(locale, "help/message", who=audience))],
        response_type="ephemeral",
    )
