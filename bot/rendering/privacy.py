"""Forgetting someone: the confirmation modal and the answers."""

from typing import Any

from bot import i18n
from bot.ids import View
from bot.rendering.blocks import Message, message, modal, section
from bot.services.privacy import ForgetDone, ForgetPreview


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "privacy/labels", key=key)


def forget_modal(preview: ForgetPreview) -> dict[str, Any]:
    assert preview.candidate is not None
    t = preview.locale
    text = i18n.mrkdwn(t, "privacy/confirm", name=preview.name, cvs=preview.cvs, ats=preview.ats)
    return modal(
        View.FORGET,
        _label(t, "title"),
        [section(text)],
        submit=_label(t, "submit"),
        close=_label(t, "close"),
        private_metadata=preview.candidate,
    )


def forget_done(done: ForgetDone) -> dict[str, Any]:
    locale = done.locale
    return modal(
        View.FORGET,
        _label(locale, "title"),
        [section(i18n.mrkdwn(locale, "privacy/done", ats=done.ats))],
        close=_label(locale, "done"),
    )


def forget_refused(preview: ForgetPreview) -> Message:
    text = i18n.mrkdwn(preview.locale, "privacy/refused", code=next(iter(preview.errors.values())))
    return message(text, [section(text)], response_type="ephemeral")
