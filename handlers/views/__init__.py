from slack_bolt import App

from handlers.views import decision, referral, role


def register(app: App) -> None:
    referral.register(app)
    decision.register(app)
    role.register(app)
