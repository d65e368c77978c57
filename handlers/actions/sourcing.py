"""The session card's buttons: add a contact, end the session."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import payloads, rendering
from bot.ids import Action
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def add_contact_clicked(
    actor: Actor, action: dict, body: dict, client: WebClient, svc: Services
) -> None:
    form = svc.referrals.form(team_id=actor.team_id, user_id=actor.user_id)
    view = rendering.referral_modal(form, session=payloads.value(action))
    client.views_open(trigger_id=body["trigger_id"], view=view)


def end_clicked(actor: Actor, action: dict, respond: Respond, svc: Services) -> None:
    ended = svc.sourcing.end(
        team_id=actor.team_id, actor_id=actor.user_id, session=payloads.value(action)
    )
    respond(**rendering.session_ended(ended))


def register(app: App) -> None:
    app.action(Action.SOURCING_ADD_CONTACT)(ack=button_acked, lazy=[replying(add_contact_clicked)])
    app.action(Action.SOURCING_END)(ack=button_acked, lazy=[replying(end_clicked)])
