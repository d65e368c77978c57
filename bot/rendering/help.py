"""Help text for `/refbot help` and unknown subcommands."""

from functools import cache

from bot import i18n
from bot.rendering.blocks import Message, message, section


@cache  # the same few kilobytes for everyone of a language; callers never mutate payloads
def help_message(locale: str) -> Message:
    text = i18n.mrkdwn(locale, "help/message")
    return message(i18n.plain(locale, "help/fallback"), [section(text)], response_type="ephemeral")


def unknown_subcommand(locale: str, subcommand: str) -> Message:
    intro = i18n.mrkdwn(locale, "help/unknown", subcommand=subcommand)
    return message(
        intro,
        [section(intro), section(i18n.mrkdwn(locale, "help/message"))],
        response_type="ephemeral",
    )
