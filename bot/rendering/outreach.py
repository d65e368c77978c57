"""The reach-out modal, the draft to copy, and the follow-up DMs."""

from typing import Any

from bot import i18n
from bot.ids import Action, ReachOutInput, View
from bot.rendering.blocks import (
    Message,
    actions,
    button,
    header,
    input_block,
    message,
    modal,
    option,
    radio_buttons,
    section,
    static_select,
)
from bot.services.outreach import FollowUpDue, ReachOutForm, ReachOutResult, Running
from storage.types import OutreachChannel


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "outreach/labels", key=key)


def reach_out_modal(form: ReachOutForm, *, metadata: str | None = None) -> dict[str, Any]:
    """`metadata`: where it was opened (rendering.opened_from); the candidate alone if not given."""
    t = form.locale
    if form.running is not None:  # one sequence at a time: say so instead of drafting another
        return _running(t, form.candidate_name, form.running, form.tz)
    templates = [option(_label(t, key), key) for key in form.templates]
    channels = [option(_label(t, c.value), c.value) for c in OutreachChannel]
    return modal(
        View.REACH_OUT,
        _label(t, "title"),
        [
            section(i18n.mrkdwn(t, "outreach/intro", name=form.candidate_name)),
            input_block(
                ReachOutInput.TEMPLATE,
                _label(t, "template"),
                static_select(templates, initial=form.suggested),
            ),
            input_block(
                ReachOutInput.CHANNEL,
                _label(t, "channel"),
                radio_buttons(channels, initial=OutreachChannel.EMAIL.value),
            ),
        ],
        submit=_label(t, "submit"),
        close=_label(t, "close"),
        private_metadata=metadata or form.candidate,
    )


def reach_out_done(result: ReachOutResult) -> dict[str, Any]:
    t = result.locale
    if result.running is not None:  # someone started a sequence while this modal was open
        return _running(t, result.candidate_name, result.running, result.tz)
    # A modal: Slack renders no <!date> there, so the dates are written in the reader's zone.
    text = i18n.mrkdwn(
        t,
        "outreach/done",
        name=result.candidate_name,
        draft=result.draft,
        follow_ups=result.follow_ups,
        channel=result.channel,
        tz=result.tz,
    )
    return modal(View.REACH_OUT, _label(t, "title"), [section(text)], close=_label(t, "done"))


def _running(locale: str, name: str, running: Running, tz: str) -> dict[str, Any]:
    # A modal: Slack renders no <!date> there, so the dates are written in the reader's zone.
    text = i18n.mrkdwn(locale, "outreach/running", name=name, running=running, tz=tz)
    return modal(
        View.REACH_OUT, _label(locale, "title"), [section(text)], close=_label(locale, "done")
    )


def followup_dm(locale: str, due: FollowUpDue) -> Message:
    value = due.card.public_id
    title = _label(locale, "followup_title")
    text = i18n.mrkdwn(locale, "outreach/followup_due", due=due, tz=due.tz)
    return message(
        i18n.titled(locale, title, due.card.name),
        [
            header(title),
            section(text),
            actions(
                button(_label(locale, "sent"), Action.FOLLOWUP_SENT, value=value, style="primary"),
                button(_label(locale, "replied"), Action.FOLLOWUP_REPLIED, value=value),
                button(_label(locale, "snooze"), Action.CANDIDATE_SNOOZE, value=value),
                button(_label(locale, "archive"), Action.CANDIDATE_ARCHIVE, value=value),
                block_id=f"followup:{value}:{due.step}",
            ),
        ],
    )
