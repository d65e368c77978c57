from slack_bolt import App

from handlers.actions import admin, candidate, home, intro, rewards, role, roundup, sourcing


def register(app: App) -> None:
    home.register(app)
    candidate.register(app)
    intro.register(app)
    sourcing.register(app)
    role.register(app)
    admin.register(app)
    roundup.register(app)
    rewards.register(app)
