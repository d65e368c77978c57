from slack_bolt import App

from handlers.actions import home


def register(app: App) -> None:
    home.register(app)
