"""Buttons about one candidate (value = its public id): on the recruiter's and the hiring
manager's cards, on the prompts (follow-ups, snoozes that ended), on lists (digest, session
summary, role pools, search results) and on App Home.

After the ack: the decision, then what the person sees change. An outdated button says so
instead of acting; a list's item shows what was done; cards and prompts are edited by the
outbox, every copy at once; App Home is published again."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import payloads, rendering
from bot.ids import Action, View
from bot.payloads import Actor
from bot.services import Services
from bot.services.changes import Decision
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def _where(actor: Actor, action: dict) -> tuple[str, str, str]:
    return actor.team_id, actor.user_id, payloads.value(action)


def _shown(action: dict) -> rendering.Shown:
    return rendering.shown(str(action.get("block_id") or ""))


def _on_home(body: dict) -> bool:
    view = body.get("view")
    return isinstance(view, dict) and view.get("type") == "home"


def answered(
    actor: Actor,
    action: dict,
    body: dict,
    respond: Respond,
    client: WebClient,
    svc: Services,
    decision: Decision,
) -> None:
    """Show the person what their click did (or why it did nothing)."""
    if body.get("response_url"):  # a message: App Home has none
        original = body.get("message")
        for reply in rendering.click_replies(decision, action=action, original=original):
            respond(**reply)
    if _on_home(body):
        state = svc.home.state(team_id=actor.team_id, user_id=actor.user_id)
        client.views_publish(user_id=actor.user_id, view=rendering.home(state))


def not_a_fit_clicked(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    check = svc.candidates.check(
        team_id=team_id, actor_id=user_id, candidate=candidate, action="not_a_fit"
    )
    if check.outdated:
        return answered(actor, action, body, respond, client, svc, check)
    item = rendering.clicked_item(body, action)
    view = rendering.reason_modal(
        check.locale, View.NOT_A_FIT, candidate, home=_on_home(body), item=item
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def reach_out_clicked(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    check = svc.candidates.check(
        team_id=team_id, actor_id=user_id, candidate=candidate, action="reach_out"
    )
    if check.outdated:
        return answered(actor, action, body, respond, client, svc, check)
    form = svc.outreach.form(team_id=team_id, actor_id=user_id, candidate=candidate)
    item = rendering.clicked_item(body, action)
    metadata = rendering.opened_from(candidate, home=_on_home(body), item=item)
    view = rendering.reach_out_modal(form, metadata=metadata)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def followup_sent_clicked(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    decision = svc.outreach.followed_up(
        team_id=team_id, actor_id=user_id, candidate=candidate, step=_shown(action).step
    )
    answered(actor, action, body, respond, client, svc, decision)


def replied_clicked(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    decision = svc.outreach.replied(team_id=team_id, actor_id=user_id, candidate=candidate)
    answered(actor, action, body, respond, client, svc, decision)


def snooze_clicked(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    check = svc.candidates.check(
        team_id=team_id,
        actor_id=user_id,
        candidate=candidate,
        action="snooze",
        shown=_shown(action).status,
    )
    if check.outdated:  # a stale prompt: no modal for a candidate who moved on
        return answered(actor, action, body, respond, client, svc, check)
    preset = svc.snoozes.default_preset(team_id=team_id)
    item = rendering.clicked_item(body, action)
    metadata = rendering.opened_from(candidate, home=_on_home(body), item=item)
    view = rendering.snooze_modal(check.locale, metadata, preset)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def archive_clicked(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    decision = svc.candidates.archive(
        team_id=team_id, actor_id=user_id, candidate=candidate, shown=_shown(action).status
    )
    answered(actor, action, body, respond, client, svc, decision)


def reactivate_clicked(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    decision = svc.candidates.reactivate(
        team_id=team_id, actor_id=user_id, candidate=candidate, shown=_shown(action).status
    )
    answered(actor, action, body, respond, client, svc, decision)


def take_clicked(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    decision = svc.candidates.take(
        team_id=team_id, actor_id=user_id, candidate=candidate, shown_owner=_shown(action).owner
    )
    answered(actor, action, body, respond, client, svc, decision)


def stage_chosen(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    candidate, _, stage = payloads.chosen(action).partition(":")
    decision = svc.candidates.move(
        team_id=actor.team_id, actor_id=actor.user_id, candidate=candidate, stage=stage
    )
    answered(actor, action, body, respond, client, svc, decision)


def hm_interested_clicked(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    decision = svc.candidates.hm_answer(
        team_id=team_id, actor_id=user_id, candidate=candidate, interested=True, reason=None
    )
    answered(actor, action, body, respond, client, svc, decision)


def hm_pass_clicked(
    actor: Actor, action: dict, body: dict, respond: Respond, client: WebClient, svc: Services
) -> None:
    team_id, user_id, candidate = _where(actor, action)
    check = svc.candidates.check(
        team_id=team_id, actor_id=user_id, candidate=candidate, action="hm_pass"
    )
    if check.outdated:  # passed already, or no longer in process
        return answered(actor, action, body, respond, client, svc, check)
    item = rendering.clicked_item(body, action)
    view = rendering.reason_modal(
        check.locale, View.HM_PASS, candidate, home=_on_home(body), item=item
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: App) -> None:
    for action, clicked in (
        (Action.CANDIDATE_NOT_A_FIT, not_a_fit_clicked),
        (Action.CANDIDATE_REACH_OUT, reach_out_clicked),
        (Action.FOLLOWUP_SENT, followup_sent_clicked),
        (Action.FOLLOWUP_REPLIED, replied_clicked),
        (Action.CANDIDATE_SNOOZE, snooze_clicked),
        (Action.CANDIDATE_ARCHIVE, archive_clicked),
        (Action.CANDIDATE_REACTIVATE, reactivate_clicked),
        (Action.CANDIDATE_TAKE, take_clicked),
        (Action.CANDIDATE_STAGE, stage_chosen),
        (Action.HM_INTERESTED, hm_interested_clicked),
        (Action.HM_PASS, hm_pass_clicked),
    ):
        app.action(action)(ack=button_acked, lazy=[replying(clicked)])
