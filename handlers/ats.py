"""`/refbot ats` (admins): the ATS modal, its submission and the recruiter's "Send to ATS".

The credentials are checked with a real call to the ATS, which may take longer than Slack's
3 seconds and must not run in an ack: the ack shows "checking…" (response_action update) and
the lazy listener makes the call, then updates the same view with the outcome. The admin's role
is read again at each step; no secret is ever put back in a view."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import payloads, rendering
from bot.ids import Action, AtsInput, View
from bot.payloads import Actor
from bot.services import Services
from bot.services.ats import AtsForm
from bot.services.ats_stages import STAGE_BLOCK
from bot.slack_errors import replying
from handlers.state import read_state


def _form(view: dict) -> AtsForm:
    state = read_state(view)
    return AtsForm(
        kind=state.get(AtsInput.ATS),
        client_id=state.get(AtsInput.CLIENT_ID),
        secret=state.get(AtsInput.SECRET),
        user_id=state.get(AtsInput.USER_ID),
        webhook_secret=state.get(AtsInput.WEBHOOK_SECRET),
        mode=state.get(AtsInput.MODE),
        push=state.get(AtsInput.PUSH),
    )


def ats_requested(actor: Actor, command: dict, client: WebClient, svc: Services) -> None:
    """`/refbot ats` (called by handlers.commands.refbot after its ack)."""
    form = svc.ats.form(team_id=actor.team_id, actor_id=actor.user_id)
    client.views_open(trigger_id=command["trigger_id"], view=rendering.ats_modal(form))


def ats_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    form = _form(view)
    check = svc.ats.check(team_id=actor.team_id, actor_id=actor.user_id, form=form)
    if check.errors:
        ack(response_action="errors", errors=rendering.field_errors(check.locale, check.errors))
    elif check.saved is not None:  # disconnected: nothing to check
        ack(response_action="update", view=rendering.ats_saved(check.saved))
    else:
        ack(response_action="update", view=rendering.ats_checking(check.locale, str(form.kind)))


def ats_checked(actor: Actor, view: dict, client: WebClient, svc: Services) -> None:
    """After the ack: the real call to the ATS, then the outcome in the same view."""
    result = svc.ats.connect(team_id=actor.team_id, actor_id=actor.user_id, form=_form(view))
    if result.saved is not None:
        client.views_update(view_id=view["id"], view=rendering.ats_saved(result.saved))
    elif result.refused is not None:
        client.views_update(view_id=view["id"], view=rendering.ats_modal(result.refused))


def button_acked(ack: Ack) -> None:
    ack()


def send_to_ats_clicked(actor: Actor, action: dict, respond: Respond, svc: Services) -> None:
    result = svc.ats.request_push(
        team_id=actor.team_id, actor_id=actor.user_id, candidate=payloads.value(action)
    )
    respond(**rendering.ats_push_requested(result))


def stage_map_clicked(actor: Actor, body: dict, client: WebClient, svc: Services) -> None:
    """ "Stage mapping" in the `/refbot ats` modal: the mapping opens over it."""
    view = svc.ats_stages.view(team_id=actor.team_id, actor_id=actor.user_id)
    client.views_push(trigger_id=body["trigger_id"], view=rendering.ats_stages_modal(view))


def stages_submitted(ack: Ack, actor: Actor, view: dict, svc: Services) -> None:
    chosen = {k: v for k, v in read_state(view).items() if k.startswith(STAGE_BLOCK)}
    result = svc.ats_stages.save(
        team_id=actor.team_id,
        actor_id=actor.user_id,
        metadata=view.get("private_metadata") or "",
        chosen=chosen,
    )
    if result.errors:
        ack(response_action="errors", errors=rendering.field_errors(result.locale, result.errors))
    else:
        ack(response_action="update", view=rendering.ats_stages_saved(result))


def register(app: App) -> None:
    app.view(View.ATS)(ack=ats_submitted, lazy=[replying(ats_checked)])
    app.view(View.ATS_STAGES)(stages_submitted)
    app.action(Action.ATS_STAGE_MAP)(ack=button_acked, lazy=[replying(stage_map_clicked)])
    app.action(Action.CANDIDATE_SEND_TO_ATS)(ack=button_acked, lazy=[replying(send_to_ats_clicked)])
