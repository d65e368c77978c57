"""`referral_submit`: record the referral, or show what to fix on the right fields."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import ReferralInput as F
from bot.ids import View
from bot.services import Services
from bot.services.referrals import ReferralForm
from handlers.state import read_state


def referral_submitted(ack: Ack, body: dict, view: dict, svc: Services) -> None:
    form = read_state(view)
    # /intro's modal is the referral modal with the intro already offered.
    use_case = (
        svc.intros.offer if view["callback_id"] == View.INTRO_REQUEST else svc.referrals.refer
    )
    result = use_case(
        team_id=body["team"]["id"],
        referrer_id=body["user"]["id"],
        form=ReferralForm(
            name=form.get(F.NAME),
            email=form.get(F.EMAIL),
            profile_url=form.get(F.PROFILE_URL),
            role=form.get(F.ROLE),
            relationship=form.get(F.RELATIONSHIP),
            strength=form.get(F.STRENGTH),
            candidate_knows=form.get(F.CANDIDATE_KNOWS) != "no",
            can_intro="yes" in (form.get(F.CAN_INTRO) or []),
            note=form.get(F.NOTE),
        ),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack(response_action="update", view=rendering.referral_done(result))


def register(app: App) -> None:
    app.view(View.REFERRAL)(referral_submitted)
    app.view(View.INTRO_REQUEST)(referral_submitted)
