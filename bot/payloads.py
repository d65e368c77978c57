"""What refbot reads from any Slack request before routing it: the listener it is for (a
metrics label from refbot's own ids, so its cardinality stays bounded), the key that makes a
retry recognisable, and the team and user ids the logs carry."""

from typing import Any

from bot.ids import Action, Command, Event, Shortcut, Subcommand, View

_KNOWN = frozenset(str(i) for ids in (Action, Command, Event, Shortcut, View) for i in ids)
_SUBCOMMANDS = frozenset(str(s) for s in Subcommand)


def listener(body: dict[str, Any]) -> str:
    """ "/refbot find", "referral_submit", "candidate_snooze", "app_home_opened"... or "other"."""
    if "command" in body:
        command = str(body["command"])
        word = str(body.get("text") or "").split(maxsplit=1)[:1]
        if command == Command.REFBOT and word and word[0].lower() in _SUBCOMMANDS:
            return f"{command} {word[0].lower()}"
        name = command
    elif body.get("type") == "event_callback":
        name = str(body.get("event", {}).get("type"))
    elif body.get("type") in ("view_submission", "view_closed"):
        name = str(body.get("view", {}).get("callback_id"))
    elif body.get("type") in ("block_actions", "block_suggestion"):
        actions = body.get("actions") or [body]
        name = str(actions[0].get("action_id"))
    else:
        name = str(body.get("callback_id"))
    return name if name in _KNOWN else "other"


def request_key(body: dict[str, Any]) -> str | None:
    """The id every copy of one request shares: the event id, else the trigger id."""
    key = body.get("event_id") or body.get("trigger_id")
    return str(key) if key else None


# What a second copy could do twice: Slack retries events (HTTP and Socket Mode), and a
# submission or a click changes state. A command or a shortcut only opens a modal or answers,
# and Slack never retries them: recording those would cost a write on every ack for nothing.
_ONCE = frozenset({"event_callback", "view_submission", "block_actions"})


def dedupe_key(body: dict[str, Any]) -> str | None:
    """The key under which a request is handled once, for the requests that need it."""
    return request_key(body) if body.get("type") in _ONCE else None


def team(body: dict[str, Any]) -> str | None:
    return body.get("team_id") or (body.get("team") or {}).get("id")


def user(body: dict[str, Any]) -> str | None:
    found = body.get("user_id") or body.get("user") or body.get("event", {}).get("user")
    return found.get("id") if isinstance(found, dict) else found
