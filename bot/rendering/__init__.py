"""The only code that builds Block Kit. Functions take results and a locale, return payloads."""

from bot.rendering.help import help_message, unknown_subcommand
from bot.rendering.home import home

__all__ = ["help_message", "home", "unknown_subcommand"]
