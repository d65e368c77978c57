from slack_bolt import App

from handlers.views import (
    admin,
    decision,
    privacy,
    reach_out,
    referral,
    role,
    roundup,
    snooze,
    sourcing,
)


def register(app: App) -> None:
    referral.register(app)
    decision.register(app)
    role.register(app)
    snooze.register(app)
    reach_out.register(app)
    admin.register(app)
    privacy.register(app)
    sourcing.register(app)
    roundup.register(app)
