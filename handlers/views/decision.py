"""`not_a_fit_submit` and `hm_pass_submit`: a decision with its private reason."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import ReasonInput, View
from bot.payloads import Actor
from bot.services import Services
from handlers.state import read_state


def not_a_fit_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    result = svc.candidates.not_a_fit(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate=view["private_metadata"],
        reason=read_state(view).get(ReasonInput.REASON),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack()


def hm_pass_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    result = svc.candidates.hm_answer(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate=view["private_metadata"],
        interested=False,
        reason=read_state(view).get(ReasonInput.REASON),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack()


def register(app: App) -> None:
    app.view(View.NOT_A_FIT)(not_a_fit_submitted)
    app.view(View.HM_PASS)(hm_pass_submitted)
