"""The reach-out modal, the draft to copy, and the follow-up DMs."""

from typing import Any
from zoneinfo import ZoneInfo

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
from bot.services.outreach import FollowUpDue, ReachOutForm, ReachOutResult
from storage.types import OutreachChannel


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "outreach/labels", key=key)


def reach_out_modal(form: ReachOutForm) -> dict[str, Any]:
    t = form.locale
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
        private_metadata=form.candidate,
    )


def reach_out_done(result: ReachOutResult) -> dict[str, Any]:
    t, zone = result.locale, ZoneInfo(result.tz)
    days = [d.astimezone(zone).strftime("%a %d %b %H:%M") for d in result.follow_ups]
    text = i18n.mrkdwn(
        t, "outreach/done", name=result.candidate_name, draft=result.draft, days=days
    )
    return modal(View.REACH_OUT, _label(t, "title"), [section(text)], close=_label(t, "done"))


def followup_dm(locale: str, due: FollowUpDue) -> Message:
    value = due.card.public_id
    title = _label(locale, "followup_title")
    text = i18n.mrkdwn(
        locale, "outreach/followup_due", due=due, channel=_label(locale, due.channel)
    )
    return message(
        f"{title}: {i18n.escape_mrkdwn(due.card.name)}",
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
