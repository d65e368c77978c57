"""`/refbot <subcommand>`: help, roles, and a friendly usage for anything unknown."""

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import rendering, slack_text, user_input
from bot.ids import Command, Subcommand
from bot.payloads import Actor
from bot.rendering.blocks import Message
from bot.services import Services
from bot.services.members import Audience
from bot.slack_errors import replying
from handlers import ats
from handlers.actions import rewards

ANSWERED_IN_ACK = {"", Subcommand.HELP}  # plus any unknown word: text-only answers


def _subcommand(command: dict) -> str:
    return slack_text.command_text(command).split(" ", 1)[0].lower()


def _rest(command: dict) -> str:
    """What follows the subcommand, as typed (`<mailto:…|…>` read back as the address)."""
    return slack_text.command_text(command).partition(" ")[2].strip()


def answerable_in_ack(actor: Actor | None, command: dict, svc: Services) -> bool:
    """Help needs only the user's language; when this process knows it, answer in the ack."""
    sub = _subcommand(command)
    text_only = sub in ANSWERED_IN_ACK or sub not in set(Subcommand)
    if actor is None:  # matched outside a request (tests ask the listeners what they answer)
        return False
    known = svc.members.known_locale(team_id=actor.team_id, user_id=actor.user_id)
    return text_only and known is not None


def refbot_answered(ack: Ack, actor: Actor, command: dict, svc: Services) -> None:
    locale = svc.members.known_locale(team_id=actor.team_id, user_id=actor.user_id)
    audience = svc.members.audience(team_id=actor.team_id, user_id=actor.user_id)
    ack(**_text_answer(command, locale or svc.members.default_locale, audience))


def refbot_acked(ack: Ack) -> None:
    ack()


def refbot_invoked(
    actor: Actor, command: dict, client: WebClient, respond: Respond, svc: Services
) -> None:
    team_id, user_id, sub = actor.team_id, actor.user_id, _subcommand(command)
    if sub == Subcommand.ROLE:
        form = svc.roles.form(team_id=team_id, actor_id=user_id)
        client.views_open(trigger_id=command["trigger_id"], view=rendering.role_modal(form))
    elif sub in (Subcommand.FOLLOWUPS, Subcommand.SNOOZED):
        svc.members.recruiter(team_id=team_id, user_id=user_id)
        desk = svc.desks.desk(team_id=team_id, recruiter_id=user_id)
        kind = "follow_ups" if sub == Subcommand.FOLLOWUPS else "snoozes"
        respond(**rendering.desk_list(desk, kind))
    elif sub == Subcommand.FIND:
        result = svc.search.find(team_id=team_id, actor_id=user_id, text=_rest(command))
        respond(**rendering.search_results(result))
    elif sub == Subcommand.STATS:
        # "stats 30" or "--days 30"; only ASCII digits make a number ("²" passes isdigit()).
        found = (user_input.whole_number(w) for w in _rest(command).split())
        days = next((d for d in found if d is not None), 90)
        report = svc.stats.report(team_id=team_id, actor_id=user_id, days=min(days, 3650))
        respond(**rendering.stats_message(report))
    elif sub == Subcommand.FORGET:
        preview = svc.privacy.preview(team_id=team_id, actor_id=user_id, key=_rest(command))
        if preview.errors:
            respond(**rendering.forget_refused(preview))
        else:
            client.views_open(
                trigger_id=command["trigger_id"], view=rendering.forget_modal(preview)
            )
    elif sub == Subcommand.EXPORT:
        filename, content = svc.admin.export(team_id=team_id, actor_id=user_id)
        # Personal data goes to the admin's DM only, never to the channel the command was in.
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(channel=dm, content=content, filename=filename, title=filename)
        respond(**rendering.export_sent(svc.members.locale(team_id=team_id, user_id=user_id)))
    elif sub == Subcommand.ADMIN:
        view = svc.admin.view(team_id=team_id, actor_id=user_id)
        client.views_open(trigger_id=command["trigger_id"], view=rendering.admin_modal(view))
    elif sub == Subcommand.ROLES:
        respond(**rendering.roles_list(svc.roles.board(team_id=team_id, actor_id=user_id)))
    elif sub == Subcommand.ATS:
        ats.ats_requested(actor, command, client, svc)
    elif sub == Subcommand.REWARDS and svc.rewards is not None:
        if _rest(command).lower() == "export":
            rewards.payroll_sent(actor, client, respond, svc)
        else:
            respond(**rendering.rewards_list(svc.rewards.board(team_id=team_id, actor_id=user_id)))
    else:
        locale = svc.members.locale(team_id=team_id, user_id=user_id)
        audience = svc.members.audience(team_id=team_id, user_id=user_id)
        respond(**_text_answer(command, locale, audience))


def _text_answer(command: dict, locale: str, audience: Audience) -> Message:
    """Help lists only the commands this person may use."""
    sub = _subcommand(command)
    if sub in ANSWERED_IN_ACK:
        return rendering.help_message(locale, audience)
    return rendering.unknown_subcommand(locale, sub, audience)


def register(app: App) -> None:
    # The first listener whose matchers pass handles the request: the fast path comes first.
    app.command(Command.REFBOT, matchers=[answerable_in_ack])(refbot_answered)
    app.command(Command.REFBOT)(ack=refbot_acked, lazy=[replying(refbot_invoked)])
