"""`reach_out_submit`: draft the message and schedule the follow-ups. After the ack, the list
item or App Home it was opened from shows it (handlers.views.opened_from)."""

from slack_bolt import Ack, App

from bot import rendering
from bot.ids import ReachOutInput as F
from bot.ids import View
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying
from handlers.state import read_state
from handlers.views.opened_from import shown_after


def reach_out_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = read_state(view)
    result = svc.outreach.reach_out(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        candidate=rendering.opener(view["private_metadata"]).candidate,
        template=form.get(F.TEMPLATE),
        channel=form.get(F.CHANNEL),
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack(response_action="update", view=rendering.reach_out_done(result))


def register(app: App) -> None:
    app.view(View.REACH_OUT)(ack=reach_out_submitted, lazy=[replying(shown_after("reach_out"))])
