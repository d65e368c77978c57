from slack_bolt import App

from handlers.commands import intro, refbot, refer, sourcing


def register(app: App) -> None:
    refbot.register(app)
    refer.register(app)
    intro.register(app)
    sourcing.register(app)
