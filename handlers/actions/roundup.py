"""Role roundups (issue 17): "Refer someone" on a roundup, the admin modal's way to the roundup
settings, and the Home tab's roundup choices."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import rendering
from bot.ids import Action
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def roundup_refer_clicked(
    actor: Actor, action: dict, body: dict, client: WebClient, svc: Services
) -> None:
    form = svc.referrals.form(team_id=actor.team_id, user_id=actor.user_id, role=action["value"])
    client.views_open(trigger_id=body["trigger_id"], view=rendering.referral_modal(form))


def admin_roundups_clicked(actor: Actor, body: dict, client: WebClient, svc: Services) -> None:
    view = svc.roundups.settings_view(team_id=actor.team_id, actor_id=actor.user_id)
    client.views_push(trigger_id=body["trigger_id"], view=rendering.roundup_settings_modal(view))


def roundup_dm_clicked(actor: Actor, body: dict, client: WebClient, svc: Services) -> None:
    choices = svc.roundups.choices(team_id=actor.team_id, user_id=actor.user_id)
    client.views_open(trigger_id=body["trigger_id"], view=rendering.roundup_dm_modal(choices))


def roundup_stop_clicked(actor: Actor, client: WebClient, svc: Services) -> None:
    svc.roundups.unsubscribe(team_id=actor.team_id, user_id=actor.user_id)
    republish_home(actor, client, svc)


def thanks_name_clicked(actor: Actor, action: dict, client: WebClient, svc: Services) -> None:
    named = action.get("value") == "show"
    svc.roundups.name_me(team_id=actor.team_id, user_id=actor.user_id, named=named)
    republish_home(actor, client, svc)


def republish_home(actor: Actor, client: WebClient, svc: Services) -> None:
    state = svc.home.state(team_id=actor.team_id, user_id=actor.user_id)
    client.views_publish(user_id=actor.user_id, view=rendering.home(state))


def register(app: App) -> None:
    for action, listener in (
        (Action.ROUNDUP_REFER, roundup_refer_clicked),
        (Action.ADMIN_ROUNDUPS, admin_roundups_clicked),
        (Action.HOME_ROUNDUP_DM, roundup_dm_clicked),
        (Action.HOME_ROUNDUP_STOP, roundup_stop_clicked),
        (Action.HOME_THANKS_NAME, thanks_name_clicked),
    ):
        app.action(action)(ack=button_acked, lazy=[replying(listener)])
