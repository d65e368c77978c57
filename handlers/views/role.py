"""`role_submit`: save a new or edited role (recruiters only); an edit refreshes the
`/refbot roles` list it came from, after the ack."""

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond

from bot import rendering
from bot.ids import RoleInput as F
from bot.ids import View
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying
from handlers.state import read_state


def role_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = read_state(view)
    team_id, user_id = actor.team_id, actor.user_id
    editing, _ = rendering.role_target(view)
    fields = {
        "title": form.get(F.TITLE),
        "team_name": form.get(F.TEAM),
        "hiring_manager_id": form.get(F.HIRING_MANAGER),
        "recruiter_id": form.get(F.RECRUITER),
        "status": form.get(F.STATUS),
        "ideal_profile": form.get(F.IDEAL_PROFILE),
        "reward": rendering.reward_fields(form),  # None: no reward inputs (not an admin)
    }
    if editing:
        result = svc.roles.edit(team_id=team_id, actor_id=user_id, role=editing, **fields)
    else:
        result = svc.roles.create(team_id=team_id, actor_id=user_id, **fields)
    locale = svc.members.locale(team_id=team_id, user_id=user_id)
    if result.role is None:
        ack(response_action="errors", errors=rendering.field_errors(locale, result.errors))
    else:
        view = rendering.role_created(locale, result.role, edited=result.edited)
        ack(response_action="update", view=view)


def role_list_refreshed(actor: Actor, view: dict, svc: Services) -> None:
    editing, reply_to = rendering.role_target(view)
    if not editing or not reply_to:
        return
    change = svc.roles.last_edit(team_id=actor.team_id, actor_id=actor.user_id, role=editing)
    board = svc.roles.board(team_id=actor.team_id, actor_id=actor.user_id, change=change)
    Respond(response_url=reply_to)(**rendering.roles_list(board))


def register(app: App) -> None:
    app.view(View.ROLE)(ack=role_submitted, lazy=[replying(role_list_refreshed)])
