"""Thin Bolt listeners grouped by Slack surface. Only `bot.app` imports this package."""

from slack_bolt import App

from handlers import actions, ats, commands, home, installs, outsiders, shortcuts, views


def register(app: App) -> None:
    # Outsiders first: Bolt runs the first listener whose matchers pass. Then by how often a
    # burst comes (each listener's matchers run for every request until one passes): commands,
    # then submissions (referrals in a sourcing session) before the many buttons.
    for surface in (outsiders, commands, views, shortcuts, actions, home, installs, ats):
        surface.register(app)
