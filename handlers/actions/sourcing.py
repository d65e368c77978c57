"""The session card's buttons: add a contact, end the session."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import rendering
from bot.ids import Action
from bot.services import Services
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def add_contact_clicked(body: dict, client: WebClient, svc: Services) -> None:
    form = svc.referrals.form(team_id=body["team"]["id"], user_id=body["user"]["id"])
    view = rendering.referral_modal(form, session=body["actions"][0]["value"])
    client.views_open(trigger_id=body["trigger_id"], view=view)


def end_clicked(body: dict, respond: Respond, svc: Services) -> None:
    locale = svc.sourcing.end(
        team_id=body["team"]["id"], actor_id=body["user"]["id"], session=body["actions"][0]["value"]
    )
    respond(**rendering.sourcing_note(locale, "ended"))


def register(app: App) -> None:
    app.action(Action.SOURCING_ADD_CONTACT)(ack=button_acked, lazy=[replying(add_contact_clicked)])
    app.action(Action.SOURCING_END)(ack=button_acked, lazy=[replying(end_clicked)])
