"""Introductions: the recruiter asks (from a lead's card); the referrer answers. The answered
DM says what was done, by whom and when; a second answer, or a second ask, says what stands
instead of acting."""

from slack_bolt import Ack, App, Respond

from bot import payloads, rendering
from bot.ids import Action
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def request_intro_clicked(actor: Actor, action: dict, respond: Respond, svc: Services) -> None:
    asked = svc.intros.request(
        team_id=actor.team_id, recruiter_id=actor.user_id, candidate=payloads.value(action)
    )
    respond(**rendering.intro_asked(asked))


def intro_answered(actor: Actor, action: dict, respond: Respond, svc: Services) -> None:
    team_id, user_id = actor.team_id, actor.user_id
    intro = svc.intros.answer(
        team_id=team_id,
        referrer_id=user_id,
        intro=payloads.value(action),
        accept=action["action_id"] == Action.INTRO_ACCEPT,
    )
    locale = svc.members.locale(team_id=team_id, user_id=user_id)
    for reply in rendering.intro_answered(locale, intro):
        respond(**reply)


def register(app: App) -> None:
    app.action(Action.CANDIDATE_REQUEST_INTRO)(
        ack=button_acked, lazy=[replying(request_intro_clicked)]
    )
    for action in (Action.INTRO_ACCEPT, Action.INTRO_DECLINE):
        app.action(action)(ack=button_acked, lazy=[replying(intro_answered)])
