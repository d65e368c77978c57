from slack_bolt import App

from handlers.commands import refbot


def register(app: App) -> None:
    refbot.register(app)
