"""`not_a_fit_submit` and `hm_pass_submit`: a decision with its private reason. The cards and
prompts it answers are edited by the outbox; App Home, when the modal came from there, is
published again after the ack."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import rendering
from bot.ids import ReasonInput, View
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying
from handlers.state import read_state


def not_a_fit_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    candidate, _ = rendering.opener(view["private_metadata"])
    result = svc.candidates.not_a_fit(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate=candidate,
        reason=read_state(view).get(ReasonInput.REASON),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    elif result.outdated:  # someone decided while the modal was open: say what, change nothing
        ack(response_action="update", view=rendering.decision_outdated(result, View.NOT_A_FIT))
    else:
        ack()


def hm_pass_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    candidate, _ = rendering.opener(view["private_metadata"])
    result = svc.candidates.hm_answer(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate=candidate,
        interested=False,
        reason=read_state(view).get(ReasonInput.REASON),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    elif result.outdated:
        ack(response_action="update", view=rendering.decision_outdated(result, View.HM_PASS))
    else:
        ack()


def home_refreshed(actor: Actor, view: dict, client: WebClient, svc: Services) -> None:
    """After the ack: App Home shows the decision, when the modal was opened from there."""
    if rendering.opener(view["private_metadata"])[1]:
        state = svc.home.state(team_id=actor.team_id, user_id=actor.user_id)
        client.views_publish(user_id=actor.user_id, view=rendering.home(state))


def register(app: App) -> None:
    app.view(View.NOT_A_FIT)(ack=not_a_fit_submitted, lazy=[replying(home_refreshed)])
    app.view(View.HM_PASS)(ack=hm_pass_submitted, lazy=[replying(home_refreshed)])
