"""`admin_submit`: workspace defaults, recruiters and admins, outreach wording (admins only)."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import AdminInput, View
from bot.payloads import Actor
from bot.services import Services
from bot.services.admin import BOUNDS
from handlers.state import read_state


def admin_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = read_state(view)
    # The wording the box was filled with, else (an older modal) what the selects say.
    template, language = rendering.wording_target(view)
    result = svc.admin.save(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        values={name: form.get(name) for name in BOUNDS},
        template=template or form.get(AdminInput.TEMPLATE),
        template_locale=language or form.get(AdminInput.TEMPLATE_LOCALE),
        template_body=form.get(AdminInput.TEMPLATE_BODY),
        recruiters=form.get(AdminInput.RECRUITERS),
        admins=form.get(AdminInput.ADMINS),
        reward=rendering.reward_fields(form),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack(response_action="update", view=rendering.admin_saved(result))


def register(app: App) -> None:
    app.view(View.ADMIN)(admin_submitted)
