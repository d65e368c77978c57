"""The referral modal, its confirmation, the recruiter's and hiring manager's cards and the
referrer's status updates."""

from typing import Any

from bot import i18n
from bot.ids import Action, ReferralInput, View
from bot.rendering.ats import ats_card_line, ats_send_button
from bot.rendering.blocks import (
    MESSAGE_BLOCKS,
    Block,
    Message,
    actions,
    button,
    checkboxes,
    context,
    file_input,
    header,
    input_block,
    message,
    modal,
    option,
    plain_text,
    radio_buttons,
    section,
    static_select,
    text_input,
)
from bot.rendering.steps import step_button
from bot.services.candidates import MOVABLE
from bot.services.cards import CandidateCard, ReferrerUpdate
from bot.services.cvs import FILETYPES
from bot.services.next_step import Step
from bot.services.referrals import RELATIONSHIPS, ReferralFormView, ReferralResult
from bot.services.sourcing import ActiveSession
from storage.types import CandidateStatus

ACTIVE = {
    CandidateStatus.NEW,
    CandidateStatus.REVIEWING,
    CandidateStatus.CONTACTED,
    CandidateStatus.INTERVIEWING,
}


def _label(locale: str, key: str) -> str:
    return i18n.plain(locale, "referral/labels", key=key)


def intro_offer_modal(form: ReferralFormView) -> dict[str, Any]:
    """`/intro`: who, for which role, and the intro the employee would write."""
    view = referral_modal(form)
    t = form.locale
    keep = {
        ReferralInput.NAME,
        ReferralInput.EMAIL,
        ReferralInput.PROFILE_URL,
        ReferralInput.ROLE,
        ReferralInput.RELATIONSHIP,
        ReferralInput.CANDIDATE_KNOWS,  # offering an intro says nothing about what they know
        ReferralInput.NOTE,
    }
    blocks = [b for b in view["blocks"] if b["block_id"] in keep]
    for block in blocks:
        if block["block_id"] == ReferralInput.NOTE:
            block["label"] = plain_text(_label(t, "intro_note"), 2000)
    return modal(
        View.INTRO_REQUEST,
        _label(t, "intro_title"),
        blocks,
        submit=_label(t, "intro_submit"),
        close=_label(t, "close"),
    )


def referral_modal(
    form: ReferralFormView, *, session: str | None = None, offer: ActiveSession | None = None
) -> dict[str, Any]:
    """The referral modal; with `session`, it adds a contact to that sourcing session."""
    t, p = form.locale, form.prefill
    blocks = [
        input_block(
            ReferralInput.NAME, _label(t, "name"), text_input(initial=p.name, max_length=120)
        ),
        input_block(
            ReferralInput.EMAIL,
            _label(t, "email"),
            text_input(initial=p.email),
            optional=True,
            hint=_label(t, "contact_hint"),
        ),
        input_block(
            ReferralInput.PROFILE_URL,
            _label(t, "profile_url"),
            text_input(initial=p.profile_url),
            optional=True,
        ),
    ]
    if form.roles:  # an empty select is invalid Block Kit: no roles, no question
        roles = [
            option(
                r.title + (f" ({_label(t, 'role_upcoming')})" if r.status == "upcoming" else ""),
                r.public_id,
            )
            for r in form.roles
        ]
        # A role chosen already (a roundup's "Refer someone") comes first: a select shows
        # 100 options at most, and its initial option must be one of them.
        roles.sort(key=lambda o: o["value"] != p.role)
        blocks.append(
            input_block(
                ReferralInput.ROLE,
                _label(t, "role"),
                static_select(roles, initial=p.role, placeholder=_label(t, "role_placeholder")),
                optional=True,
            )
        )
    blocks += [
        input_block(
            ReferralInput.RELATIONSHIP,
            _label(t, "relationship"),
            static_select([option(_label(t, r), r) for r in RELATIONSHIPS]),
            optional=True,
        ),
        input_block(
            ReferralInput.STRENGTH,
            _label(t, "strength"),
            radio_buttons([option(_label(t, s), s) for s in ("strong", "good", "some")]),
            optional=True,
        ),
        # Required and with nothing pre-selected: an answer left at a default would speak for
        # the referrer (and could make a lead look like someone who already knows).
        input_block(
            ReferralInput.CANDIDATE_KNOWS,
            _label(t, "candidate_knows"),
            radio_buttons([option(_label(t, "yes"), "yes"), option(_label(t, "no"), "no")]),
        ),
        input_block(
            ReferralInput.CAN_INTRO,
            _label(t, "can_intro"),
            checkboxes([option(_label(t, "can_intro_yes"), "yes")]),
            optional=True,
        ),
        input_block(
            ReferralInput.NOTE,
            _label(t, "note"),
            text_input(initial=p.note, multiline=True, max_length=2000),
            optional=True,
        ),
        input_block(
            ReferralInput.CV,
            _label(t, "cv"),
            file_input(FILETYPES, max_files=1),
            optional=True,
            hint=_label(t, "cv_hint"),
        ),
    ]
    if session is not None:  # the session's role is the role, and its summary has no CVs
        blocks = [b for b in blocks if b["block_id"] not in (ReferralInput.ROLE, ReferralInput.CV)]
    metadata = f"session:{session}" if session else ""
    if offer is not None:  # /refer in a channel running a session: offer to count it there
        label = i18n.plain(t, "referral/labels", key="in_session")
        blocks.insert(
            0,
            input_block(
                ReferralInput.IN_SESSION,
                label,
                checkboxes([option(offer.role_title or label, "yes")], initial=["yes"]),
                optional=True,
            ),
        )
        metadata = f"offer:{offer.public_id}"
    return modal(
        View.REFERRAL,
        _label(t, "session_title" if session else "title"),
        blocks,
        submit=_label(t, "session_submit" if session else "submit"),
        close=_label(t, "close"),
        private_metadata=metadata,
    )


def field_errors(locale: str, errors: dict[str, str]) -> dict[str, str]:
    """`response_action: errors` for a modal: each block's message, in the user's language."""
    return {
        block: i18n.plain(locale, "forms/errors", code=code)[:150] for block, code in errors.items()
    }


def referral_done(result: ReferralResult) -> dict[str, Any]:
    t = result.locale
    text = i18n.mrkdwn(
        t,
        "referral/done",
        name=result.candidate_name,
        duplicate=result.duplicate,
        lead=result.lead,
        yours=result.yours,
        noted=result.noted,
    )
    return modal(
        View.REFERRAL, _label(t, "done_title"), [section(text)], close=_label(t, "done_close")
    )


def recruiter_card(locale: str, card: CandidateCard) -> Message:
    text = i18n.mrkdwn(locale, "cards/recruiter", card=card)
    label = lambda key: i18n.plain(locale, "cards/labels", key=key)  # noqa: E731
    value = card.public_id
    status = CandidateStatus(card.status)
    buttons: list[dict[str, Any]] = []
    step = card.next_step  # the same first button as Home, search and role pools show
    if status in ACTIVE:
        buttons = [step_button(locale, step, value)] if step else []
        # An offered intro stays one click away, until one was made.
        if card.introducers and step == Step.REACH_OUT and not card.introduced:
            buttons.append(step_button(locale, Step.REQUEST_INTRO, value, primary=False))
        if step != Step.SNOOZE:
            buttons.append(button(label("snooze"), Action.CANDIDATE_SNOOZE, value=value))
        buttons += [
            button(label("not_a_fit"), Action.CANDIDATE_NOT_A_FIT, value=value),
            button(label("archive"), Action.CANDIDATE_ARCHIVE, value=value),
            _stage_select(locale, card),
        ]
    elif status == CandidateStatus.HIRED:  # a hire can be undone (the person didn't start)
        buttons = [_stage_select(locale, card)]
    elif step is not None:  # resting: Reactivate
        buttons = [step_button(locale, step, value, primary=False)]
    if card.may_take:  # a general referral every recruiter got: who owns it, and "Take it"
        take = button(label("take"), Action.CANDIDATE_TAKE, value=value)
        buttons.insert(1 if buttons else 0, take)
    if send := ats_send_button(locale, card.ats, value):
        buttons.append(send)
    title = card_title(locale, card)
    blocks = [header(title), section(text), *_referrer_blocks(locale, card)]
    blocks.append(context(i18n.mrkdwn(locale, "cards/owner", card=card)))
    ats = ats_card_line(locale, card.ats)
    if ats is not None and len(blocks) < REFERRERS_SHOWN + 3:  # room left for the buttons
        blocks.append(ats)
    if buttons:
        # The owner it showed rides along: "Take it" from a copy someone else took since is
        # an outdated button (handlers.actions.candidate reads it back).
        blocks.append(actions(*buttons, block_id=f"card:{value}:{card.owner_id or ''}"))
    return message(i18n.titled(locale, title, card.name), blocks)


def card_title(locale: str, card: CandidateCard) -> str:
    """The card's header follows the candidate's status ("New referral" only while new)."""
    return i18n.plain(locale, "cards/title", status=card.status)


# Header, summary, "and N more", the buttons, and room for a line about the last action.
REFERRERS_SHOWN = MESSAGE_BLOCKS - 6


def _referrer_blocks(locale: str, card: CandidateCard) -> list[Block]:
    """One section per referrer, so each keeps every note they wrote (a section holds 3,000
    characters; a note 2,000): who wrote it, then their words, escaped."""
    blocks: list[Block] = [
        section(i18n.mrkdwn(locale, "cards/referrer", r=r))
        for r in card.referrers[:REFERRERS_SHOWN]
    ]
    if len(card.referrers) > REFERRERS_SHOWN:
        more = len(card.referrers) - REFERRERS_SHOWN
        blocks.append(context(i18n.mrkdwn(locale, "cards/referrers_more", count=more)))
    return blocks


def _stage_select(locale: str, card: CandidateCard) -> dict[str, Any]:
    label = lambda key: i18n.plain(locale, "cards/labels", key=key)  # noqa: E731
    return {
        "type": "static_select",
        "action_id": Action.CANDIDATE_STAGE,
        "placeholder": plain_text(label("move_to")),
        # The candidate rides in each option's value: a select's action has no button value.
        "options": [option(label(s), f"{card.public_id}:{s}") for s in MOVABLE if s != card.status],
    }


def sla_nudge(locale: str, card: CandidateCard) -> Message:
    """The card again, with a nudge on top while this referral waits for a first look (the
    nudge is kept current like the card: once someone acted, it is the card as it is now)."""
    full = recruiter_card(locale, card)
    if card.status != "new" or card.owner_id not in (None, card.viewer):
        return full
    nudge = i18n.mrkdwn(locale, "cards/sla_nudge", name=card.name)
    return {**full, "text": nudge, "blocks": [section(nudge), *full["blocks"][1:]]}


def hm_card(locale: str, card: CandidateCard) -> Message:
    """The hiring manager's copy: the candidate, their profile, what each referrer says of
    them; Interested / Pass, then their answer (when) and the other one, should they change
    their mind. Someone no longer in process has no buttons, and the card says why."""
    label = lambda key: i18n.plain(locale, "cards/labels", key=key)  # noqa: E731
    text = i18n.mrkdwn(locale, "cards/hm", card=card)
    blocks = [header(label("hm_title")), section(text), *_referrer_blocks(locale, card)]
    if state := i18n.mrkdwn(locale, "cards/hm_state", card=card):
        blocks.append(context(state))
    answer = card.answer.what if card.answer else None
    buttons = []
    if card.in_process and answer != "interested":
        buttons.append(
            button(label("interested"), Action.HM_INTERESTED, value=card.public_id, style="primary")
        )
    if card.in_process and answer != "passed":
        buttons.append(button(label("pass"), Action.HM_PASS, value=card.public_id))
    if buttons:
        blocks.append(actions(*buttons, block_id=f"hm:{card.public_id}"))
    return message(i18n.titled(locale, label("hm_title"), card.name), blocks)


def referrer_update(locale: str, update: ReferrerUpdate) -> Message:
    text = i18n.mrkdwn(locale, "updates/referrer", update=update)
    return message(text, [section(text)])
