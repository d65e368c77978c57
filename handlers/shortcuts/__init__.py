from slack_bolt import App

from handlers.shortcuts import refer


def register(app: App) -> None:
    refer.register(app)
