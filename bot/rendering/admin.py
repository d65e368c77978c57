"""The admin modal: workspace defaults and outreach wording."""

from typing import Any

from bot import i18n
from bot.ids import AdminInput, View
from bot.rendering.blocks import (
    Message,
    header,
    input_block,
    message,
    modal,
    option,
    section,
    static_select,
    text_input,
)
from bot.services.admin import BOUNDS, AdminView


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "admin/labels", key=key)


def admin_modal(view: AdminView) -> dict[str, Any]:
    t = view.locale
    numbers = [
        input_block(
            name,
            _label(t, name),
            {
                "type": "number_input",
                "is_decimal_allowed": False,
                "initial_value": str(view.values[name]),
                "min_value": str(low),
                "max_value": str(high),
            },
        )
        for name, (low, high) in BOUNDS.items()
    ]
    templates = [option(i18n.plain(t, "outreach/labels", key=k), k) for k in view.templates]
    return modal(
        View.ADMIN,
        _label(t, "title"),
        [
            header(_label(t, "defaults")),
            *numbers,
            header(_label(t, "templates")),
            section(i18n.mrkdwn(t, "admin/template_help")),
            input_block(
                AdminInput.TEMPLATE, _label(t, "template"), static_select(templates), optional=True
            ),
            input_block(
                AdminInput.TEMPLATE_BODY,
                _label(t, "template_body"),
                text_input(multiline=True, max_length=3000),
                optional=True,
            ),
        ],
        submit=_label(t, "submit"),
        close=_label(t, "close"),
    )


def admin_saved(locale: str) -> dict[str, Any]:
    return modal(
        View.ADMIN,
        _label(locale, "title"),
        [section(i18n.mrkdwn(locale, "admin/saved"))],
        close=_label(locale, "done"),
    )


def export_sent(locale: str) -> Message:
    text = i18n.mrkdwn(locale, "admin/exported")
    return message(text, [section(text)], response_type="ephemeral")
