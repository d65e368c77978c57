"""Modals asking for the private reason of a decision."""

from typing import Any

from bot import i18n
from bot.ids import ReasonInput, View
from bot.rendering.blocks import input_block, modal, text_input


def reason_modal(locale: str, view: View, candidate: str) -> dict[str, Any]:
    label = lambda key: i18n.plain(locale, "cards/reason", key=key, view=view.value)  # noqa: E731
    return modal(
        view,
        label("title"),
        [
            input_block(
                ReasonInput.REASON,
                label("label"),
                text_input(multiline=True, max_length=2000),
                hint=label("hint"),
            )
        ],
        submit=label("submit"),
        close=label("close"),
        private_metadata=candidate,
    )
