"""The snooze modal, its confirmation, and the DM when a snooze ends."""

from typing import Any

from bot import i18n
from bot.ids import Action, SnoozeInput, View
from bot.rendering.blocks import (
    Message,
    actions,
    button,
    context,
    header,
    input_block,
    message,
    modal,
    option,
    radio_buttons,
    section,
    text_input,
)
from bot.services.snoozes import PRESETS, SnoozeDue, SnoozeResult


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "snooze/labels", key=key)


def snooze_modal(locale: str, candidate: str, preset: str) -> dict[str, Any]:
    presets = [option(_label(locale, p), p) for p in PRESETS]
    presets.append(option(_label(locale, "on_date"), "date"))
    return modal(
        View.SNOOZE,
        _label(locale, "title"),
        [
            input_block(
                SnoozeInput.UNTIL, _label(locale, "until"), radio_buttons(presets, initial=preset)
            ),
            input_block(
                SnoozeInput.DATE,
                _label(locale, "date"),
                {"type": "datepicker"},
                optional=True,
                hint=_label(locale, "date_hint"),
            ),
            input_block(
                SnoozeInput.NOTE,
                _label(locale, "note"),
                text_input(
                    multiline=True, max_length=1000, placeholder=_label(locale, "note_placeholder")
                ),
                optional=True,
            ),
        ],
        submit=_label(locale, "submit"),
        close=_label(locale, "close"),
        private_metadata=candidate,
    )


def snooze_done(result: SnoozeResult) -> dict[str, Any]:
    assert result.until is not None
    # A modal: Slack renders no <!date> there, so the day is written in the reader's zone.
    text = i18n.mrkdwn(
        result.locale, "snooze/done", name=result.candidate_name, until=result.until, tz=result.tz
    )
    return modal(
        View.SNOOZE,
        _label(result.locale, "title"),
        [section(text)],
        close=_label(result.locale, "done"),
    )


def snooze_due_dm(locale: str, due: SnoozeDue) -> Message:
    card, value = due.card, due.card.public_id
    text = i18n.mrkdwn(locale, "snooze/due", due=due, tz=due.tz)
    history = i18n.mrkdwn(locale, "snooze/history", history=due.history[-10:], tz=due.tz)
    title = _label(locale, "due_title")
    return message(
        i18n.titled(locale, title, card.name),
        [
            header(title),
            section(text),
            context(history),
            actions(
                button(
                    _label(locale, "reactivate"),
                    Action.CANDIDATE_REACTIVATE,
                    value=value,
                    style="primary",
                ),
                button(_label(locale, "snooze_again"), Action.CANDIDATE_SNOOZE, value=value),
                button(_label(locale, "archive"), Action.CANDIDATE_ARCHIVE, value=value),
                block_id=f"snooze:{value}",
            ),
        ],
    )
