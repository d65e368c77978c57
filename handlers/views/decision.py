"""`not_a_fit_submit` and `hm_pass_submit`: a decision with its private reason. The cards and
prompts it answers are edited by the outbox; after the ack, the list item or App Home it was
opened from shows it (handlers.views.opened_from)."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import ReasonInput, View
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying
from handlers.state import read_state
from handlers.views.opened_from import shown_after


def not_a_fit_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    result = svc.candidates.not_a_fit(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate=rendering.opener(view["private_metadata"]).candidate,
        reason=read_state(view).get(ReasonInput.REASON),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    elif result.outdated:  # someone decided while the modal was open: say what, change nothing
        ack(response_action="update", view=rendering.decision_outdated(result, View.NOT_A_FIT))
    else:
        ack()


def hm_pass_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    result = svc.candidates.hm_answer(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate=rendering.opener(view["private_metadata"]).candidate,
        interested=False,
        reason=read_state(view).get(ReasonInput.REASON),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    elif result.outdated:
        ack(response_action="update", view=rendering.decision_outdated(result, View.HM_PASS))
    else:
        ack()


def register(app: App) -> None:
    app.view(View.NOT_A_FIT)(ack=not_a_fit_submitted, lazy=[replying(shown_after("not_a_fit"))])
    app.view(View.HM_PASS)(ack=hm_pass_submitted, lazy=[replying(shown_after("hm_pass"))])
