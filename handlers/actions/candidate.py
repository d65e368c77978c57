"""Buttons on the recruiter's and the hiring manager's cards (value = candidate public id)."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import payloads, rendering
from bot.ids import Action, View
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def _where(actor: Actor, action: dict) -> tuple[str, str, str]:
    return actor.team_id, actor.user_id, payloads.value(action)


def not_a_fit_clicked(
    actor: Actor, action: dict, body: dict, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    locale = svc.members.recruiter(team_id=team_id, user_id=user_id).locale
    client.views_open(
        trigger_id=body["trigger_id"],
        view=rendering.reason_modal(locale, View.NOT_A_FIT, candidate),
    )


def reach_out_clicked(
    actor: Actor, action: dict, body: dict, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    form = svc.outreach.form(team_id=team_id, actor_id=user_id, candidate=candidate)
    client.views_open(trigger_id=body["trigger_id"], view=rendering.reach_out_modal(form))


def followup_sent_clicked(actor: Actor, action: dict, svc: Services) -> None:
    team_id, user_id, candidate = _where(actor, action)
    svc.outreach.followed_up(team_id=team_id, actor_id=user_id, candidate=candidate)


def replied_clicked(actor: Actor, action: dict, svc: Services) -> None:
    team_id, user_id, candidate = _where(actor, action)
    svc.outreach.replied(team_id=team_id, actor_id=user_id, candidate=candidate)


def snooze_clicked(
    actor: Actor, action: dict, body: dict, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    locale = svc.members.recruiter(team_id=team_id, user_id=user_id).locale
    view = rendering.snooze_modal(locale, candidate, svc.snoozes.default_preset(team_id=team_id))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def archive_clicked(actor: Actor, action: dict, svc: Services) -> None:
    team_id, user_id, candidate = _where(actor, action)
    svc.candidates.archive(team_id=team_id, actor_id=user_id, candidate=candidate)


def reactivate_clicked(actor: Actor, action: dict, svc: Services) -> None:
    team_id, user_id, candidate = _where(actor, action)
    svc.candidates.reactivate(team_id=team_id, actor_id=user_id, candidate=candidate)


def stage_chosen(actor: Actor, action: dict, svc: Services) -> None:
    candidate, _, stage = payloads.chosen(action).partition(":")
    svc.candidates.move(
        team_id=actor.team_id, actor_id=actor.user_id, candidate=candidate, stage=stage
    )


def hm_interested_clicked(actor: Actor, action: dict, svc: Services) -> None:
    team_id, user_id, candidate = _where(actor, action)
    svc.candidates.hm_answer(
        team_id=team_id, actor_id=user_id, candidate=candidate, interested=True, reason=None
    )


def hm_pass_clicked(
    actor: Actor, action: dict, body: dict, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    locale = svc.members.locale(team_id=team_id, user_id=user_id)
    client.views_open(
        trigger_id=body["trigger_id"], view=rendering.reason_modal(locale, View.HM_PASS, candidate)
    )


def register(app: App) -> None:
    for action, clicked in (
        (Action.CANDIDATE_NOT_A_FIT, not_a_fit_clicked),
        (Action.CANDIDATE_REACH_OUT, reach_out_clicked),
        (Action.FOLLOWUP_SENT, followup_sent_clicked),
        (Action.FOLLOWUP_REPLIED, replied_clicked),
        (Action.CANDIDATE_SNOOZE, snooze_clicked),
        (Action.CANDIDATE_ARCHIVE, archive_clicked),
        (Action.CANDIDATE_REACTIVATE, reactivate_clicked),
        (Action.CANDIDATE_STAGE, stage_chosen),
        (Action.HM_INTERESTED, hm_interested_clicked),
        (Action.HM_PASS, hm_pass_clicked),
    ):
        app.action(action)(ack=button_acked, lazy=[replying(clicked)])
