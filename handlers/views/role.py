"""`role_submit`: save a role (recruiters only)."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import RoleInput as F
from bot.ids import View
from bot.payloads import Actor
from bot.services import Services
from handlers.state import read_state


def role_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = read_state(view)
    team_id, user_id = actor.team_id, actor.user_id
    result = svc.roles.create(
        team_id=team_id,
        actor_id=user_id,
        title=form.get(F.TITLE),
        team_name=form.get(F.TEAM),
        hiring_manager_id=form.get(F.HIRING_MANAGER),
        recruiter_id=form.get(F.RECRUITER),
        status=form.get(F.STATUS),
        ideal_profile=form.get(F.IDEAL_PROFILE),
    )
    locale = svc.members.locale(team_id=team_id, user_id=user_id)
    if result.role is None:
        ack(response_action="errors", errors=rendering.field_errors(locale, result.errors))
    else:
        ack(response_action="update", view=rendering.role_created(locale, result.role))


def register(app: App) -> None:
    app.view(View.ROLE)(role_submitted)
