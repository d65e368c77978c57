"""The referral modal, its confirmation, the recruiter's and hiring manager's cards and the
referrer's status updates."""

from typing import Any

from bot import i18n
from bot.ids import Action, ReferralInput, View
from bot.rendering.blocks import (
    Message,
    actions,
    button,
    checkboxes,
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
from bot.services.candidates import MOVABLE
from bot.services.cards import CandidateCard, ReferrerUpdate
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
        blocks.append(
            input_block(
                ReferralInput.ROLE,
                _label(t, "role"),
                static_select(roles, placeholder=_label(t, "role_placeholder")),
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
        input_block(
            ReferralInput.CANDIDATE_KNOWS,
            _label(t, "candidate_knows"),
            radio_buttons(
                [option(_label(t, "yes"), "yes"), option(_label(t, "no"), "no")], initial="yes"
            ),
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
    ]
    if session is not None:  # the session's role is the role: don't ask
        blocks = [b for b in blocks if b["block_id"] != ReferralInput.ROLE]
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
        t, "referral/done", name=result.candidate_name, duplicate=result.duplicate, lead=result.lead
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
    if status in ACTIVE:
        first = (
            button(
                label("request_intro"), Action.CANDIDATE_REQUEST_INTRO, value=value, style="primary"
            )
            if card.lead
            else button(
                label("reach_out"), Action.CANDIDATE_REACH_OUT, value=value, style="primary"
            )
        )
        buttons = [
            first,
            button(label("snooze"), Action.CANDIDATE_SNOOZE, value=value),
            button(label("not_a_fit"), Action.CANDIDATE_NOT_A_FIT, value=value),
            button(label("archive"), Action.CANDIDATE_ARCHIVE, value=value),
            _stage_select(locale, card),
        ]
    elif status in (CandidateStatus.SNOOZED, CandidateStatus.NOT_A_FIT, CandidateStatus.ARCHIVED):
        buttons = [button(label("reactivate"), Action.CANDIDATE_REACTIVATE, value=value)]
    blocks = [header(label("new_referral")), section(text)]
    if buttons:
        blocks.append(actions(*buttons, block_id=f"card:{value}"))
    return message(f"{label('new_referral')}: {i18n.escape_mrkdwn(card.name)}", blocks)


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
    """The card again, with a nudge on top: this referral is waiting for a first look."""
    nudge = i18n.mrkdwn(locale, "cards/sla_nudge", name=card.name)
    full = recruiter_card(locale, card)
    return {**full, "text": nudge, "blocks": [section(nudge), *full["blocks"][1:]]}


def hm_card(locale: str, card: CandidateCard) -> Message:
    label = lambda key: i18n.plain(locale, "cards/labels", key=key)  # noqa: E731
    text = i18n.mrkdwn(locale, "cards/hm", card=card)
    return message(
        f"{label('hm_title')}: {i18n.escape_mrkdwn(card.name)}",
        [
            header(label("hm_title")),
            section(text),
            actions(
                button(
                    label("interested"), Action.HM_INTERESTED, value=card.public_id, style="primary"
                ),
                button(label("pass"), Action.HM_PASS, value=card.public_id),
                block_id=f"hm:{card.public_id}",
            ),
        ],
    )


def referrer_update(locale: str, update: ReferrerUpdate) -> Message:
    text = i18n.mrkdwn(locale, "updates/referrer", update=update)
    return message(text, [section(text)])
