"""What refbot reads from any Slack request before routing it: whether it is well formed, who
is acting (the `Actor`), the listener it is for (a metrics label from refbot's own ids, so its
cardinality stays bounded), the key that makes a retry recognisable, and the team and user ids
the logs carry.

Everything here accepts any JSON value: a signed request may still be malformed, and reading it
must never raise (Sentry's Slack integration does the same in its `requests/` classes: one
validated request object per payload kind, the team read in one place).
"""

from dataclasses import dataclass
from typing import Any

from bot.ids import Action, Command, Event, Shortcut, Subcommand, View

_KNOWN = frozenset(str(i) for ids in (Action, Command, Event, Shortcut, View) for i in ids)
_SUBCOMMANDS = frozenset(str(s) for s in Subcommand)
_INTERACTIVE = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
    }
)


class Malformed(ValueError):
    """A signed request refbot cannot read; the message says what is wrong (never its data)."""


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which workspace.

    `team_id` is the installing workspace, the tenancy of every row refbot reads or writes: in
    a Slack Connect channel the payload's `team.id` may be the partner organisation's, so it
    comes from Bolt's context (`view.app_installed_team_id`, then the authorization's team).
    `user_team_id` is the workspace the user belongs to, as the payload says; refbot serves the
    people of the installing workspace only (`member`).
    """

    team_id: str
    user_id: str
    enterprise_id: str | None = None
    user_team_id: str | None = None

    @property
    def member(self) -> bool:
        """Whether the user belongs to the installing workspace (unknown counts as yes: some
        events do not say, and those carry no candidate data)."""
        return self.user_team_id is None or self.user_team_id == self.team_id


def check(body: Any) -> None:
    """Raise Malformed when a request lacks what Slack always sends for its kind (and what
    Bolt and refbot's listeners read without looking)."""
    if not isinstance(body, dict):
        raise Malformed("not a JSON object")
    kind = body.get("type")
    if "command" in body:
        for name in ("command", "user_id", "channel_id", "trigger_id"):
            _text(body, name)
    elif kind == "event_callback":
        event = _object(body, "event")
        _text(event, "type")
    elif kind in _INTERACTIVE:
        _text(_object(body, "user"), "id")
        if kind == "block_actions":
            _text(body, "trigger_id")
            actions = body.get("actions")
            if not isinstance(actions, list) or not actions:
                raise Malformed("actions: expected a non-empty list")
            for action in actions:
                if not isinstance(action, dict):
                    raise Malformed("actions: expected objects")
                _text(action, "action_id")
        elif kind in ("view_submission", "view_closed"):
            view = _object(body, "view")
            for name in ("id", "type", "callback_id", "private_metadata"):
                _text(view, name)
            _state(view)
        elif kind == "block_suggestion":
            _text(body, "action_id")
        else:  # shortcuts
            _text(body, "callback_id")
            _text(body, "trigger_id")
            if kind == "message_action":
                _text(_object(body, "channel"), "id")
                _text(_object(body, "message"), "ts")
    elif not isinstance(kind, str):
        raise Malformed("neither a command nor a typed payload")


def actor(body: dict[str, Any], *, team_id: str | None, enterprise_id: str | None) -> Actor | None:
    """The Actor of a well-formed request in the installing workspace `team_id` (None when the
    request has no user: app_uninstalled, tokens_revoked...)."""
    user_id = user(body)
    if not team_id or not user_id:
        return None
    return Actor(
        team_id=team_id,
        user_id=user_id,
        enterprise_id=enterprise_id,
        user_team_id=_user_team(body),
    )


def _user_team(body: dict[str, Any]) -> str | None:
    """The workspace the user belongs to: `user.team_id` (interactivity), `team_id` (slash
    commands), `event.user_team` (events that say)."""
    if "command" in body:
        return _str(body.get("team_id"))
    if body.get("type") == "event_callback":
        event = body.get("event")
        return _str(event.get("user_team")) if isinstance(event, dict) else None
    found = body.get("user")
    return _str(found.get("team_id")) if isinstance(found, dict) else None


def listener(body: Any) -> str:
    """ "/refbot find", "referral_submit", "candidate_snooze", "app_home_opened"... or "other"."""
    if not isinstance(body, dict):
        return "other"
    if "command" in body:
        command = str(body["command"])
        word = str(body.get("text") or "").split(maxsplit=1)[:1]
        if command == Command.REFBOT and word and word[0].lower() in _SUBCOMMANDS:
            return f"{command} {word[0].lower()}"
        name = command
    elif body.get("type") == "event_callback":
        name = str(_get(body, "event", "type"))
    elif body.get("type") in ("view_submission", "view_closed"):
        name = str(_get(body, "view", "callback_id"))
    elif body.get("type") in ("block_actions", "block_suggestion"):
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions else body
        name = str(first.get("action_id")) if isinstance(first, dict) else "other"
    else:
        name = str(body.get("callback_id"))
    return name if name in _KNOWN else "other"


def request_key(body: Any) -> str | None:
    """The id every copy of one request shares: the event id, else the trigger id."""
    if not isinstance(body, dict):
        return None
    key = body.get("event_id") or body.get("trigger_id")
    return str(key) if key else None


# What a second copy could do twice: Slack retries events (HTTP and Socket Mode), and a
# submission or a click changes state. A command or a shortcut only opens a modal or answers,
# and Slack never retries them: recording those would cost a write on every ack for nothing.
_ONCE = frozenset({"event_callback", "view_submission", "block_actions"})


def dedupe_key(body: Any) -> str | None:
    """The key under which a request is handled once, for the requests that need it."""
    return request_key(body) if isinstance(body, dict) and body.get("type") in _ONCE else None


def team(body: Any) -> str | None:
    """The workspace a request is about, for logs: the installing one where the payload says
    it (a modal opened in a Slack Connect channel, an event's authorization), else the team."""
    if not isinstance(body, dict):
        return None
    authorizations = body.get("authorizations")
    first = authorizations[0] if isinstance(authorizations, list) and authorizations else None
    return (
        _str(_get(body, "view", "app_installed_team_id"))
        or _str(first.get("team_id") if isinstance(first, dict) else None)
        or _str(body.get("team_id"))
        or _str(_get(body, "team", "id"))
        or _str(_get(body, "user", "team_id"))
        or _str(_get(body, "view", "team_id"))
    )


def user(body: Any) -> str | None:
    """The acting user's id, wherever the payload kind puts it."""
    if not isinstance(body, dict):
        return None
    found = body.get("user_id") or body.get("user") or _get(body, "event", "user")
    return _str(found.get("id") if isinstance(found, dict) else found)


def _get(body: dict[str, Any], outer: str, inner: str) -> Any:
    value = body.get(outer)
    return value.get(inner) if isinstance(value, dict) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _object(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    if not isinstance(value, dict):
        raise Malformed(f"{name}: expected an object")
    return value


def _state(view: dict[str, Any]) -> None:
    """A modal's input values: {block_id: {action_id: {"type": ..., ...}}} (handlers.state)."""
    state = view.get("state", {})
    values = state.get("values", {}) if isinstance(state, dict) else None
    if not isinstance(values, dict) or not all(
        isinstance(block, dict) and all(isinstance(element, dict) for element in block.values())
        for block in values.values()
    ):
        raise Malformed("view.state.values: expected objects of objects")


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise Malformed(f"{name}: expected a string")
    return value


def value(action: dict[str, Any]) -> str:
    """A button's value ("" when the button has none: the service then finds nothing)."""
    return _str(action.get("value")) or ""


def chosen(action: dict[str, Any]) -> str:
    """A select's chosen option value ("" when none)."""
    option = action.get("selected_option")
    return (_str(option.get("value")) if isinstance(option, dict) else None) or ""
