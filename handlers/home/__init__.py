from slack_bolt import App

from handlers.home import opened


def register(app: App) -> None:
    opened.register(app)
