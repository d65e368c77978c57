"""Thin Bolt listeners grouped by Slack surface. Only `bot.app` imports this package."""

from slack_bolt import App

from handlers import actions, ats, commands, home, installs, outsiders, shortcuts, views


def register(app: App) -> None:
    # Bolt tries each listener in turn until one's matchers pass, so every listener before the
    # one a request is for costs it a matcher call or two. Each kind's refusal of outsiders goes
    # right before the first surface with listeners of that kind (not all six before all), and
    # the surfaces come by how often a burst comes: the submissions (referrals in a sourcing
    # session, referral first), the commands, then the many buttons.
    outsiders.refuse_submissions(app)
    views.register(app)
    outsiders.refuse_commands(app)
    commands.register(app)
    outsiders.refuse_shortcuts(app)
    shortcuts.register(app)
    outsiders.refuse_clicks_and_events(app)
    for surface in (actions, home, installs, ats):
        surface.register(app)
