"""Thin Bolt listeners grouped by Slack surface. Only `bot.app` imports this package."""

from slack_bolt import App

from handlers import actions, commands, home, installs, outsiders, shortcuts, views


def register(app: App) -> None:
    # Outsiders first: Bolt runs the first listener whose matchers pass.
    for surface in (outsiders, commands, shortcuts, actions, views, home, installs):
        surface.register(app)
