"""The only code that builds Block Kit. Functions take results and a locale, return payloads."""

from bot.rendering.deliveries import digest, grouped, late, notice
from bot.rendering.help import help_message, unknown_subcommand
from bot.rendering.home import home

__all__ = ["digest", "grouped", "help_message", "home", "late", "notice", "unknown_subcommand"]
