"""Sourcing sessions: the start modal, the channel card, the thank-you, the summaries."""

from typing import Any

from bot import i18n
from bot.ids import Action, SessionInput, View
from bot.rendering.blocks import (
    MESSAGE_BLOCKS,
    Block,
    Message,
    actions,
    button,
    context,
    divider,
    header,
    input_block,
    message,
    modal,
    option,
    section,
    static_select,
    text_input,
)
from bot.rendering.steps import step_button
from bot.services.next_step import Step
from bot.services.sourcing import (
    DURATIONS,
    ActiveSession,
    AddResult,
    Contact,
    EndResult,
    SessionCard,
    SessionSummary,
    StartForm,
)


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "sourcing/labels", key=key)


def session_start_modal(form: StartForm) -> dict[str, Any]:
    """The start modal; `form.roles` is never empty (with no role to pick, the command says how
    to create one instead: Slack refuses a modal whose inputs have no submit button)."""
    t = form.locale
    roles = [
        option(
            r.title + (f" ({_label(t, 'upcoming')})" if r.status == "upcoming" else ""), r.public_id
        )
        for r in form.roles
    ]
    durations = [option(_label(t, d), d) for d in DURATIONS]
    blocks: list[Block] = [
        input_block(SessionInput.ROLE, _label(t, "role"), static_select(roles)),
        input_block(
            SessionInput.DURATION, _label(t, "duration"), static_select(durations, initial="1h")
        ),
        input_block(
            SessionInput.GOAL,
            _label(t, "goal"),
            {
                "type": "number_input",
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": "1000",
            },
            optional=True,
        ),
        input_block(
            SessionInput.PROMPT,
            _label(t, "prompt"),
            text_input(max_length=300, placeholder=_label(t, "prompt_placeholder")),
            optional=True,
        ),
    ]
    return modal(
        View.SOURCING_START,
        _label(t, "title"),
        blocks,
        submit=_label(t, "submit"),
        close=_label(t, "close"),
        private_metadata=form.channel_id,
    )


def session_card(locale: str, card: SessionCard) -> Message:
    """The channel's card: role, goal and progress, contributors. Never a candidate."""
    text = i18n.mrkdwn(locale, "sourcing/card", card=card, bar=_bar(card.progress))
    blocks: list[Block] = [header(_label(locale, "card_title")), section(text)]
    if not card.ended:
        blocks.append(
            actions(
                button(
                    _label(locale, "add"),
                    Action.SOURCING_ADD_CONTACT,
                    value=card.public_id,
                    style="primary",
                ),
                button(_label(locale, "end"), Action.SOURCING_END, value=card.public_id),
                block_id=f"session:{card.public_id}",
            )
        )
    return message(i18n.titled(locale, _label(locale, "card_title"), card.role_title), blocks)


def session_thanks(locale: str, card: SessionCard) -> Message:
    text = i18n.mrkdwn(locale, "sourcing/thanks", card=card)
    return message(text, [section(text)])


def session_summary(locale: str, summary: SessionSummary) -> Message:
    """Every contact with its details and the reader's decisions about them."""
    title = _label(locale, "summary_title")
    blocks: list[Block] = [
        header(title),
        section(i18n.mrkdwn(locale, "sourcing/summary", card=summary.card)),
    ]
    room = (MESSAGE_BLOCKS - len(blocks) - 1) // 3  # divider, contact, buttons
    for n, contact in enumerate(summary.contacts[:room]):
        blocks += [
            divider(),
            section(i18n.mrkdwn(locale, "sourcing/contact", c=contact)),
        ]
        # A DM to the recruiter or the hiring manager (the channel gets counts only): the
        # decisions are one click away, and the clicked one then says what was done.
        if buttons := _decisions(locale, summary, contact):
            blocks.append(actions(*buttons, block_id=f"contact:{n}"))
    if len(summary.contacts) > room:
        blocks.append(
            context(i18n.mrkdwn(locale, "sourcing/more", count=len(summary.contacts) - room))
        )
    return message(i18n.titled(locale, title, summary.card.role_title), blocks)


def _decisions(locale: str, summary: SessionSummary, contact: Contact) -> list[Block]:
    """The hiring manager's Interested / Pass, or the recruiter's next step and Not a fit."""
    value = contact.candidate
    if summary.for_hiring_manager:
        interested = _label(locale, "interested")
        return [
            button(interested, Action.HM_INTERESTED, value=value, style="primary"),
            button(_label(locale, "pass"), Action.HM_PASS, value=value),
        ]
    if contact.step is None:  # interviewing or hired: nothing to decide from here
        return []
    first = step_button(locale, contact.step, value)
    if contact.step == Step.REACTIVATE:  # someone the team had set aside
        return [first]
    not_a_fit = i18n.plain(locale, "cards/labels", key="not_a_fit")
    return [first, button(not_a_fit, Action.CANDIDATE_NOT_A_FIT, value=value)]


def contact_added(locale: str, added: AddResult) -> dict[str, Any]:
    name = added.referral.candidate_name if added.referral else ""
    noted = added.referral.noted if added.referral else False  # "has your note" only if true
    text = i18n.mrkdwn(locale, "sourcing/added", outcome=added.outcome, name=name, noted=noted)
    return modal(
        View.REFERRAL, _label(locale, "card_title"), [section(text)], close=_label(locale, "done")
    )


def _bar(percent: int) -> str:
    full = percent // 10
    return "▰" * full + "▱" * (10 - full)


def session_end(locale: str, found: SessionSummary | SessionCard) -> Message:
    """The end of a session: the channel's thank-you, or a person's summary."""
    if isinstance(found, SessionSummary):
        return session_summary(locale, found)
    return session_thanks(locale, found)


def sourcing_usage(locale: str, active: list[ActiveSession], *, may_start: bool) -> Message:
    """`/sourcing`: what runs now; start and end only for those who may start a session."""
    text = i18n.mrkdwn(locale, "sourcing/usage", active=active, may_start=may_start)
    return message(text, [section(text)], response_type="ephemeral")


def session_ended(result: EndResult) -> Message:
    """`/sourcing end` or End session: ended, ended already, or nothing running (what to do)."""
    text = i18n.mrkdwn(
        result.locale, "sourcing/ended", outcome=result.outcome, may_start=result.may_start
    )
    return message(text, [section(text)], response_type="ephemeral")


def sourcing_note(locale: str, template: str) -> Message:
    """A short ephemeral answer: who may start a session, how to invite refbot, or that there
    is no role to source for."""
    text = i18n.mrkdwn(locale, f"sourcing/{template}")
    return message(text, [section(text)], response_type="ephemeral")
