from slack_bolt import App

from handlers.views import referral


def register(app: App) -> None:
    referral.register(app)
