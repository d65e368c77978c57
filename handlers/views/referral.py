"""`referral_submit` (and `/intro`'s `intro_request_submit`): a referral, or a contact added to
a sourcing session, checked in the ack and saved right after it; or what to fix on which field."""

from typing import Any

from slack_bolt import Ack, App

from bot import payloads, rendering
from bot.ids import ReferralInput as F
from bot.ids import View
from bot.payloads import Actor
from bot.services import Services
from bot.services.cvs import CvUpload
from bot.services.referrals import ReferralForm
from bot.services.submissions import Use
from handlers.state import read_state


def _form(view: dict[str, Any]) -> ReferralForm:
    form = read_state(view)
    return ReferralForm(
        name=form.get(F.NAME),
        email=form.get(F.EMAIL),
        profile_url=form.get(F.PROFILE_URL),
        role=form.get(F.ROLE),
        relationship=form.get(F.RELATIONSHIP),
        strength=form.get(F.STRENGTH),
        # Unanswered stays unknown: nothing is assumed for the referrer.
        candidate_knows={"yes": True, "no": False}.get(form.get(F.CANDIDATE_KNOWS) or ""),
        can_intro="yes" in (form.get(F.CAN_INTRO) or []),
        note=form.get(F.NOTE),
        cvs=tuple(_cv(f) for f in form.get(F.CV) or []),
    )


def _cv(file: dict[str, Any]) -> CvUpload:
    """A file object of Slack's signed view_submission (id, name, filetype, mimetype, size,
    user) as plain values; the service decides whether it is acceptable."""
    size = file.get("size")
    return CvUpload(
        file_id=str(file.get("id") or ""),
        name=str(file.get("name") or file.get("title") or ""),
        filetype=str(file.get("filetype") or ""),
        mimetype=file.get("mimetype") or None,
        size=size if isinstance(size, int) else 0,
        user=file.get("user") or None,
    )


def referral_submitted(ack: Ack, actor: Actor, view: dict, body: dict, svc: Services) -> None:
    """Checked and queued in the ack, saved right after it (bot.services.submissions): the
    modal says "saving…" until the outcome replaces it."""
    kind, _, session = view.get("private_metadata", "").partition(":")
    counted = kind == "session" or (
        kind == "offer" and "yes" in (read_state(view).get(F.IN_SESSION) or [])
    )
    # /intro's modal is the referral modal with the intro already offered.
    use = (
        Use.SESSION
        if counted
        else Use.INTRO
        if view["callback_id"] == View.INTRO_REQUEST
        else Use.REFER
    )
    accepted = svc.submissions.accept(
        team_id=actor.team_id,
        user_id=actor.user_id,
        use=use,
        session=session if counted else "",
        form=_form(view),
        view_id=view["id"],
        submitted=view,
        request=payloads.request_key(body) or "",
    )
    if accepted.errors:
        ack(
            response_action="errors",
            errors=rendering.field_errors(accepted.locale, accepted.errors),
        )
    else:
        ack(response_action="update", view=rendering.saving(accepted.locale, view))


def register(app: App) -> None:
    app.view(View.REFERRAL)(referral_submitted)
    app.view(View.INTRO_REQUEST)(referral_submitted)
