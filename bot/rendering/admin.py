"""The admin modal: workspace defaults, who is recruiter and admin, and the outreach wording
(one message in one language at a time, its current text in the box)."""

import json
from typing import Any

from bot import i18n
from bot.ids import AdminInput, View
from bot.rendering.blocks import (
    Block,
    Message,
    context,
    header,
    input_block,
    message,
    modal,
    option,
    section,
    static_select,
    text_input,
)
from bot.rendering.rewards import reward_inputs
from bot.rendering.roundups import roundup_settings_button
from bot.services.admin import BOUNDS, FOLLOWUP, AdminResult, AdminView

BODY_LIMIT = 3000  # a plain_text_input's max_length


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "admin/labels", key=key)


def wording_label(locale: str, key: str, *, short: bool = False) -> str:
    if key == FOLLOWUP:
        return _label(locale, "followup_short" if short else "followup_wording")
    return i18n.plain(locale, "outreach/labels", key=key)


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
    people = [
        input_block(
            AdminInput.RECRUITERS,
            _label(t, "recruiters"),
            _people(view.recruiters),
            hint=_label(t, "recruiters_hint"),
        ),
        input_block(
            AdminInput.ADMINS,
            _label(t, "admins"),
            _people(view.admins),
            hint=_label(t, "admins_hint"),
        ),
    ]
    return modal(
        View.ADMIN,
        _label(t, "title"),
        [
            header(_label(t, "defaults")),
            *numbers,
            *reward_inputs(t, view.reward, default=True),
            header(_label(t, "people")),
            *people,
            roundup_settings_button(t),  # pushes a modal of its own (bot.rendering.roundups)
            header(_label(t, "templates")),
            section(i18n.mrkdwn(t, "admin/template_help")),
            *_wording(view),
        ],
        submit=_label(t, "submit"),
        close=_label(t, "close"),
        private_metadata=_metadata(view),
    )


def _people(users: tuple[str, ...]) -> Block:
    element: Block = {"type": "multi_users_select"}
    if users:
        element["initial_users"] = list(users)
    return element


def _wording(view: AdminView) -> list[Block]:
    """Which message, which language, and the box with that wording as it is now. Picking
    another message or language refills the box (dispatch_action: handlers/actions/admin.py)."""
    t, wording = view.locale, view.wording
    if wording is None:
        return []
    messages = [option(wording_label(t, key), key) for key in view.templates]
    languages = [option(_label(t, f"language_{code}"), code) for code in view.locales]
    box = input_block(
        AdminInput.TEMPLATE_BODY,
        _label(t, "template_body"),
        text_input(initial=wording.text, multiline=True, max_length=BODY_LIMIT),
        optional=True,
    )
    # A new action_id per message and language: on views.update Slack keeps what a person
    # typed in an input whose block_id and action_id are unchanged, and would not show the
    # new text (https://api.slack.com/surfaces/modals#updating_views).
    box["element"]["action_id"] = f"{AdminInput.TEMPLATE_BODY}.{wording.key}.{wording.locale}"
    status = "custom" if wording.custom else "default"
    return [
        {
            **input_block(
                AdminInput.TEMPLATE,
                _label(t, "template"),
                static_select(messages, initial=wording.key),
            ),
            "dispatch_action": True,
        },
        {
            **input_block(
                AdminInput.TEMPLATE_LOCALE,
                _label(t, "template_locale"),
                static_select(languages, initial=wording.locale),
                hint=_label(t, "template_locale_hint"),
            ),
            "dispatch_action": True,
        },
        context(i18n.mrkdwn(t, "admin/wording_status", status=status)),
        box,
    ]


def _metadata(view: AdminView) -> str:
    """The wording the box holds: what a save rewrites (not whatever the selects say, if the
    box could not be refilled)."""
    wording = view.wording
    if wording is None:
        return ""
    return json.dumps({"template": wording.key, "locale": wording.locale})


def wording_target(view: dict[str, Any]) -> tuple[str | None, str | None]:
    """(message, language) of the wording in a submitted admin modal's box."""
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None, None
    if not isinstance(found, dict):
        return None, None
    key, locale = found.get("template"), found.get("locale")
    return (key if isinstance(key, str) else None), (locale if isinstance(locale, str) else None)


def admin_saved(result: AdminResult) -> dict[str, Any]:
    t = result.locale
    wording = result.wording
    text = i18n.mrkdwn(
        t,
        "admin/saved",
        grants=result.grants,
        wording=wording,
        wording_name=wording_label(t, wording.key, short=True) if wording else "",
    )
    return modal(View.ADMIN, _label(t, "title"), [section(text)], close=_label(t, "done"))


def export_sent(locale: str) -> Message:
    text = i18n.mrkdwn(locale, "admin/exported")
    return message(text, [section(text)], response_type="ephemeral")
