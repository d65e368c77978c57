"""Reading Slack view state: the one place that knows Block Kit's input value shapes."""

from typing import Any

from bot.user_input import without_controls


def read_state(view: dict[str, Any]) -> dict[str, Any]:
    """A flat dict keyed by block_id: text, selected value(s), date, user or conversation(s);
    None when empty."""
    values: dict[str, Any] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for element in actions.values():
            values[block_id] = _value(element)
    return values


def _value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = element.get("selected_option")
        return option["value"] if option else None
    if kind == "checkboxes":
        return [o["value"] for o in element.get("selected_options") or []]
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind == "conversations_select":
        return element.get("selected_conversation")
    if kind == "multi_conversations_select":
        return element.get("selected_conversations") or []
    if kind == "file_input":  # the uploaded files, as Slack's file objects
        return [f for f in element.get("files") or [] if isinstance(f, dict)]
    value = element.get("value")
    if not isinstance(value, str):
        return value
    # NUL and other invisible control characters pasted into a field: PostgreSQL refuses NUL
    # (a DataError), so no text reaches a service with them.
    return without_controls(value).strip() or None
