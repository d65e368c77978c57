"""Block Kit primitives that respect Slack's limits by truncating, never by failing.

Limits: https://api.slack.com/reference/block-kit/blocks (3000 chars a section text, 150 a
header, 75 a button label, 50 blocks a message, 100 a view, 24 a modal title).
"""

from collections.abc import Sequence
from typing import Any

Block = dict[str, Any]
Message = dict[str, Any]

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_LIMIT = 75
FALLBACK_LIMIT = 3000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MODAL_TITLE = 24


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn_text(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}


def plain_text(text: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def section(text: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn_text(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain_text(text, HEADER_LIMIT)}


def context(text: str) -> Block:
    return {"type": "context", "elements": [mrkdwn_text(text)]}


def divider() -> Block:
    return {"type": "divider"}


def button(
    label: str, action_id: str, *, value: str | None = None, style: str | None = None
) -> Block:
    element: Block = {
        "type": "button",
        "text": plain_text(label, BUTTON_LIMIT),
        "action_id": action_id,
    }
    if value is not None:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def message(text: str, blocks: list[Block] | None = None, **extra: Any) -> Message:
    """A chat message payload: `text` is the notification and screen-reader fallback."""
    payload: Message = {"text": clip(text, FALLBACK_LIMIT), **extra}
    if blocks is not None:
        payload["blocks"] = blocks[:MESSAGE_BLOCKS]
    return payload


def home_view(blocks: list[Block]) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}


# -- modals -------------------------------------------------------------------------------------

OPTION_LIMIT = 100  # options in one select
OPTION_TEXT = 75
METADATA_LIMIT = 3000


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(label, OPTION_TEXT), "value": value}


def input_block(
    block_id: str, label: str, element: Block, *, optional: bool = False, hint: str | None = None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label, 2000),
        "element": {**element, "action_id": block_id},  # block_id = action_id (DESIGN.md §4)
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint, 2000)
    return block


def file_input(filetypes: Sequence[str], *, max_files: int) -> Block:
    """Slack's file_input (modals only, in an input block; up to 10 files of 10 MB). Its
    `filetypes` only filters the picker: the service checks each file itself."""
    return {"type": "file_input", "filetypes": list(filetypes), "max_files": max_files}


def text_input(
    *,
    initial: str | None = None,
    multiline: bool = False,
    max_length: int | None = None,
    placeholder: str | None = None,
) -> Block:
    element: Block = {"type": "plain_text_input", "multiline": multiline}
    if initial:
        element["initial_value"] = initial[:max_length] if max_length else initial
    if max_length:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = plain_text(placeholder, 150)
    return element


def static_select(
    options: list[dict[str, Any]], *, initial: str | None = None, placeholder: str | None = None
) -> Block:
    element: Block = {"type": "static_select", "options": options[:OPTION_LIMIT]}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    if placeholder:
        element["placeholder"] = plain_text(placeholder, 150)
    return element


def radio_buttons(options: list[dict[str, Any]], *, initial: str | None = None) -> Block:
    element: Block = {"type": "radio_buttons", "options": options[:10]}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def checkboxes(options: list[dict[str, Any]], *, initial: list[str] | None = None) -> Block:
    element: Block = {"type": "checkboxes", "options": options[:10]}
    chosen = [o for o in options if o["value"] in (initial or [])]
    if chosen:
        element["initial_options"] = chosen
    return element


def users_select(*, initial: str | None = None) -> Block:
    element: Block = {"type": "users_select"}
    if initial:
        element["initial_user"] = initial
    return element


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    close: str | None = None,
    private_metadata: str = "",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain_text(title, MODAL_TITLE),
        "blocks": blocks[:VIEW_BLOCKS],
        "private_metadata": private_metadata[:METADATA_LIMIT],
    }
    if submit:
        view["submit"] = plain_text(submit, MODAL_TITLE)
    if close:
        view["close"] = plain_text(close, MODAL_TITLE)
    return view
