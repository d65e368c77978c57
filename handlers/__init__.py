"""Thin Bolt listeners grouped by Slack surface. Only `bot.app` imports this package."""

from slack_bolt import App

from handlers import commands, home


def register(app: App) -> None:
    for surface in (commands, home):
        surface.register(app)
