"""`/refbot rewards` buttons (admins only; the service re-checks): Mark paid, and the payroll
CSV, uploaded to the admin's DM like `/refbot export` (never to a channel)."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import payloads, rendering
from bot.ids import Action
from bot.payloads import Actor
from bot.services import Services
from bot.slack_errors import replying


def button_acked(ack: Ack) -> None:
    ack()


def mark_paid_clicked(actor: Actor, action: dict, respond: Respond, svc: Services) -> None:
    assert svc.rewards is not None
    board = svc.rewards.mark_paid(
        team_id=actor.team_id, actor_id=actor.user_id, reward=payloads.value(action)
    )
    respond(**rendering.rewards_list(board))


def export_clicked(actor: Actor, client: WebClient, respond: Respond, svc: Services) -> None:
    payroll_sent(actor, client, respond, svc)


def payroll_sent(actor: Actor, client: WebClient, respond: Respond, svc: Services) -> None:
    """The payable rewards as CSV, in the admin's DM (the service refuses anyone else)."""
    assert svc.rewards is not None
    filename, content = svc.rewards.payroll(team_id=actor.team_id, actor_id=actor.user_id)
    dm = client.conversations_open(users=actor.user_id)["channel"]["id"]
    client.files_upload_v2(channel=dm, content=content, filename=filename, title=filename)
    respond(
        **rendering.rewards_exported(
            svc.members.locale(team_id=actor.team_id, user_id=actor.user_id)
        )
    )


def register(app: App) -> None:
    app.action(Action.REWARD_MARK_PAID)(ack=button_acked, lazy=[replying(mark_paid_clicked)])
    app.action(Action.REWARD_EXPORT)(ack=button_acked, lazy=[replying(export_clicked)])
