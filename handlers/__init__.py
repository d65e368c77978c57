"""Thin Bolt listeners grouped by Slack surface. Only `bot.app` imports this package."""

from slack_bolt import App

from handlers import actions, ats, commands, home, installs, outsiders, shortcuts, views


def register(app: App) -> None:
    # Outsiders first: Bolt runs the first listener whose matchers pass. Then by how often a
    # burst comes (each listener's matchers run for every request until one passes): the
    # submissions (referrals in a sourcing session, referral first), the commands, then the
    # many buttons.
    for surface in (outsiders, views, commands, shortcuts, actions, home, installs, ats):
        surface.register(app)
