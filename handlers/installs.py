"""`app_uninstalled` and `tokens_revoked`: the workspace is gone, or its tokens are."""

from slack_bolt import App

from bot.ids import Event
from bot.services import Services


def uninstalled(context: dict, svc: Services) -> None:
    svc.workspaces.uninstalled(team_id=context["team_id"])


def tokens_revoked(event: dict, context: dict, svc: Services) -> None:
    tokens = event.get("tokens", {})
    svc.workspaces.tokens_revoked(
        team_id=context["team_id"], bot=bool(tokens.get("bot")), user_ids=tokens.get("oauth", [])
    )


def register(app: App) -> None:
    # Database work only, done before Slack gets its answer (events are acked by Bolt).
    app.event(Event.APP_UNINSTALLED)(uninstalled)
    app.event(Event.TOKENS_REVOKED)(tokens_revoked)
