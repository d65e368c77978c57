"""The polite no for people outside the installing workspace (Slack Connect partners)."""

from typing import Any

from bot import i18n
from bot.rendering.blocks import Message, message, modal, section


def _text(locale: str, key: str) -> str:
    return i18n.plain(locale, "common/outside_workspace", key=key)


def outside_message(locale: str) -> Message:
    """An ephemeral answer (a command's ack, a click's response_url)."""
    text = i18n.mrkdwn(locale, "common/outside_workspace", key="text")
    return message(text, [section(text)], response_type="ephemeral")


def outside_modal(locale: str, callback_id: str) -> dict[str, Any]:
    """The same answer where a modal was asked for or submitted (nothing to submit)."""
    text = i18n.mrkdwn(locale, "common/outside_workspace", key="text")
    return modal(callback_id, _text(locale, "title"), [section(text)], close=_text(locale, "close"))
