"""Thin Bolt listeners grouped by Slack surface. Only `bot.app` imports this package."""

from slack_bolt import App

from handlers import actions, commands, home, installs, shortcuts, views


def register(app: App) -> None:
    for surface in (commands, shortcuts, actions, views, home, installs):
        surface.register(app)
