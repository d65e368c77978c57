"""`referral_submit` (and `/intro`'s `intro_request_submit`): record the referral, or add the
contact to a sourcing session, or show what to fix on the right fields."""

from typing import Any

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import ReferralInput as F
from bot.ids import View
from bot.payloads import Actor
from bot.services import Services
from bot.services.cvs import CvUpload
from bot.services.referrals import ReferralForm
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


def referral_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    team_id, user_id = actor.team_id, actor.user_id
    kind, _, session = view.get("private_metadata", "").partition(":")
    counted = kind == "session" or (
        kind == "offer" and "yes" in (read_state(view).get(F.IN_SESSION) or [])
    )
    if counted:
        added = svc.sourcing.add(
            team_id=team_id, contributor_id=user_id, session=session, form=_form(view)
        )
        if added.referral is not None and added.referral.errors:
            errors = rendering.field_errors(added.locale, added.referral.errors)
            ack(response_action="errors", errors=errors)
        else:
            ack(response_action="update", view=rendering.contact_added(added.locale, added))
        return
    # /intro's modal is the referral modal with the intro already offered.
    use_case = (
        svc.intros.offer if view["callback_id"] == View.INTRO_REQUEST else svc.referrals.refer
    )
    result = use_case(team_id=team_id, referrer_id=user_id, form=_form(view))
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack(response_action="update", view=rendering.referral_done(result))


def register(app: App) -> None:
    app.view(View.REFERRAL)(referral_submitted)
    app.view(View.INTRO_REQUEST)(referral_submitted)
