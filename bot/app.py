"""The composition root: settings -> database -> services -> Bolt app (+ scheduler).

The only module that imports `handlers`. Nothing runs at import time.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware import Middleware
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

import handlers
from bot import clock as default_clock
from bot import logs, metrics, payloads, rendering
from bot.clock import Clock
from bot.composer import Composer, composed
from bot.config import Settings
from bot.dispatcher import PATIENCE, Dispatcher, SweepReport
from bot.foreground import Foreground
from bot.ids import BOT_SCOPES, View
from bot.outbox import Outbox, after_commit_due
from bot.scheduler import Scheduler
from bot.services import Services
from bot.services.admin import Admin
from bot.services.ats import Ats, AtsUrls, env_connection
from bot.services.ats_history import AtsHistory
from bot.services.ats_pull import AtsPull
from bot.services.ats_stages import AtsStages
from bot.services.ats_writeback import AtsWriteBack
from bot.services.candidates import Candidates
from bot.services.cards import Cards
from bot.services.cvs import Cvs
from bot.services.desk import Desks
from bot.services.digests import Digests
from bot.services.home import Home
from bot.services.intros import Intros
from bot.services.members import Members
from bot.services.outreach import Outreaches
from bot.services.privacy import Privacy
from bot.services.recognition import RECOGNITION, Recognition
from bot.services.referrals import Referrals
from bot.services.requests import AlreadyHandled, Requests
from bot.services.retention import Retention
from bot.services.rewards import NOTE as REWARD_NOTE
from bot.services.rewards import Rewards
from bot.services.roles import Roles
from bot.services.roundups import PERSONAL, ROUNDUP, Roundups
from bot.services.search import Search
from bot.services.snoozes import Snoozes
from bot.services.sourcing import Sourcing
from bot.services.stats import Stats
from bot.services.submissions import Submissions
from bot.services.workspaces import Workspaces
from bot.slack import (
    InstalledBotAuthorize,
    SingleBotAuthorize,
    SlackDirectory,
    SlackMessenger,
    TeamClients,
    dispatch_client,
    web_client,
)
from bot.slack_errors import locale_of, reply
from bot.slack_files import SlackFileApi
from bot.slack_views import SlackModals
from storage import installations as oauth_stores
from storage.db import Checkpoints, make_engine, make_sessions
from storage.encryption import Secrets
from storage.notify import Listener, Notifier
from storage.types import DeliveryKind

log = logging.getLogger("refbot")
ATS_JOBS_SECONDS = 3600  # the ATS poll's interval when REFBOT_ATS_POLL_SECONDS is 0
ANNOUNCE_SECONDS = 60  # how soon a role that opened is announced in the roundup channels


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    services: Services
    bolt: App
    dispatcher: Dispatcher
    foreground: Foreground
    checkpoints: Checkpoints
    identity: SingleBotAuthorize | None = None  # single-workspace mode
    scheduler: Scheduler | None = None
    listener: Listener | None = None
    notifier: Notifier | None = None

    def sweep(self) -> SweepReport:
        """Deliver what is due now, overdue rows included (tests call this after moving time)."""
        return self.dispatcher.sweep()

    def listen_for_due(self) -> None:
        """`refbot worker` on PostgreSQL: send at once what web replicas that hand their sends
        off (`build(hand_off=True)`) commit, instead of at the next sweep."""
        if self.engine.dialect.name == "postgresql" and self.listener is None:
            self.listener = Listener(self.engine, self.dispatcher.kick).start()

    def answer_slack(self) -> None:
        """This process will answer Slack's requests: learn the bot's identity now (auth.test,
        single-workspace mode), so that no ack waits on Slack for it."""
        if self.identity:
            self.identity.start()

    def close(self) -> None:
        """Stop cleanly: no new sweep, the in-flight send finishes, leases are given back."""
        if self.identity:
            self.identity.stop()
        if self.listener:
            self.listener.stop()
        if self.notifier:
            self.notifier.stop()
        self.dispatcher.stop()  # first, so that a running sweep ends after its current batch
        if self.scheduler:
            self.scheduler.shutdown()
        self.services.members.close()
        self.services.ats.close()
        self.checkpoints.stop()
        self.engine.dispose()


def build(
    settings: Settings,
    *,
    clock: Clock = default_clock.now,
    scheduler: bool = True,
    hand_off: bool = False,
) -> Runtime:
    """Wire refbot for one process. `scheduler=False` for web replicas beside a `refbot worker`;
    `hand_off=True` (PostgreSQL only) leaves even what is due now to that worker, woken by
    NOTIFY, so that this process spends its CPU on acks."""
    engine = make_engine(settings.database_url)
    sessions = make_sessions(engine)
    installations = (
        oauth_stores.installation_store(
            settings.slack_client_id, engine, Secrets(settings.secret_keys)
        )
        if settings.slack_client_id
        else None
    )
    oauth_states = oauth_stores.state_store(engine, clock) if installations else None
    clients = TeamClients(
        partial(web_client, base_url=settings.slack_api_url),
        token=settings.slack_bot_token,
        installations=installations,
    )
    # No automatic retries for the dispatcher: it decides (see dispatch_client).
    dispatch_clients = TeamClients(
        partial(dispatch_client, base_url=settings.slack_api_url),
        token=settings.slack_bot_token,
        installations=installations,
    )
    members = Members(
        sessions=sessions,
        directory=SlackDirectory(clients),
        clock=clock,
        recruiters=settings.refbot_recruiters,
        default_locale=settings.refbot_locale,
        default_tz=settings.refbot_timezone,
    )
    outbox = Outbox(clock=clock)
    # CVs attached to referrals: shared into recruiters' DMs, deleted after a forget, attached
    # to the person in the ATS (after the ack only: the dispatcher's clients).
    messenger = SlackMessenger(dispatch_clients)
    cvs = Cvs(
        sessions=sessions,
        files=SlackFileApi(dispatch_clients, messenger),
        outbox=outbox,
        clock=clock,
    )
    ats = Ats(
        sessions=sessions,
        members=members,
        outbox=outbox,
        clock=clock,
        directory=SlackDirectory(dispatch_clients),  # after the ack only: the dispatcher's client
        urls=AtsUrls(
            greenhouse_api=settings.greenhouse_api_url,
            greenhouse_auth=settings.greenhouse_auth_url,
            lever_api=settings.lever_api_url,
        ),
        secrets=Secrets(settings.secret_keys) if settings.secret_keys else None,
        env=env_connection(settings),
        cvs=cvs,
    )
    desks = Desks(sessions=sessions, members=members, clock=clock)
    rewards = Rewards(sessions=sessions, members=members, outbox=outbox, clock=clock)
    digests = Digests(
        sessions=sessions,
        outbox=outbox,
        clock=clock,
        default_tz=settings.refbot_timezone,
        desks=desks,
        rewards=rewards,
    )
    roles = Roles(sessions=sessions, members=members, outbox=outbox, clock=clock)
    cards = Cards(sessions=sessions, ats_line=ats.line)
    referrals = Referrals(
        sessions=sessions,
        members=members,
        roles=roles,
        outbox=outbox,
        clock=clock,
        ats_auto_push=ats.auto_push,
        ats_cv=ats.queue_cv,
    )
    intros = Intros(
        sessions=sessions, members=members, referrals=referrals, outbox=outbox, clock=clock
    )
    # Slack edits of candidates in the ATS go back there (it takes the ATS_STATUS rows of `ats`).
    write_back = AtsWriteBack(sessions=sessions, ats=ats, outbox=outbox, clock=clock)
    candidates = Candidates(
        sessions=sessions,
        members=members,
        outbox=outbox,
        clock=clock,
        rewards=rewards,
        write_back=write_back.queue,
    )
    privacy = Privacy(sessions=sessions, members=members, outbox=outbox, clock=clock)
    roundups = Roundups(sessions=sessions, members=members, outbox=outbox, clock=clock)
    requests = Requests(sessions=sessions, clock=clock)
    sourcing = Sourcing(
        sessions=sessions,
        members=members,
        roles=roles,
        referrals=referrals,
        outbox=outbox,
        clock=clock,
    )
    # Referral modals are saved after their ack; it takes the SUBMISSION rows (dispatcher).
    submissions = Submissions(
        sessions=sessions,
        outbox=outbox,
        clock=clock,
        members=members,
        requests=requests,
        referrals=referrals,
        intros=intros,
        sourcing=sourcing,
        modals=SlackModals(messenger),
    )
    services = Services(
        members=members,
        ats=ats,
        ats_stages=AtsStages(sessions=sessions, members=members, ats=ats, clock=clock),
        home=Home(
            sessions=sessions,
            members=members,
            desks=desks,
            roles=roles,
            roundups=roundups,
            rewards=rewards,
        ),
        desks=desks,
        admin=Admin(sessions=sessions, members=members, clock=clock),
        search=Search(sessions=sessions, members=members),
        workspaces=Workspaces(
            sessions=sessions,
            clock=clock,
            outbox=outbox,
            installations=installations,
            token_caches=(clients, dispatch_clients),
        ),
        stats=Stats(sessions=sessions, members=members, clock=clock),
        privacy=privacy,
        cvs=cvs,
        sourcing=sourcing,
        submissions=submissions,
        outbox=outbox,
        retention=Retention(sessions=sessions, clock=clock),
        requests=requests,
        digests=digests,
        roles=roles,
        referrals=referrals,
        cards=cards,
        intros=intros,
        candidates=candidates,
        outreach=Outreaches(
            sessions=sessions, members=members, candidates=candidates, outbox=outbox, clock=clock
        ),
        snoozes=Snoozes(
            sessions=sessions, members=members, candidates=candidates, outbox=outbox, clock=clock
        ),
        roundups=roundups,
        recognition=Recognition(sessions=sessions, members=members, outbox=outbox, clock=clock),
        # Webhooks and polling; it takes the ATS_PULL rows of `ats` (after the ack).
        ats_pull=AtsPull(
            sessions=sessions,
            ats=ats,
            candidates=candidates,
            privacy=privacy,
            roles=roles,
            outbox=outbox,
            clock=clock,
            people=SlackDirectory(dispatch_clients),
            poll_seconds=settings.refbot_ats_poll_seconds,
        ),
        rewards=rewards,
    )
    # Rediscovery: the poll job also pulls the ATS's past candidates, a page per ATS_HISTORY row.
    AtsHistory(
        sessions=sessions, ats=ats, pull=services.ats_pull, roles=roles, outbox=outbox, clock=clock
    )
    composer = Composer()
    composer.register(DeliveryKind.REWARD, composed(rewards.note, rendering.reward_note))
    composer.register_notice(REWARD_NOTE, composed(rewards.note, rendering.reward_note))
    composer.register(DeliveryKind.DIGEST, composed(digests.content, rendering.digest))
    composer.register_notice("recruiter_card", composed(cards.card, rendering.recruiter_card))
    composer.register_notice("hm_card", composed(cards.card, rendering.hm_card))
    composer.register_notice("sla_card", composed(cards.card, rendering.sla_nudge))
    composer.register_notice("settled", composed(cards.settled, rendering.settled_prompt))
    composer.register_notice("intro_request", composed(intros.view, rendering.intro_request))
    composer.register(DeliveryKind.INTRO_NUDGE, composed(intros.view, rendering.intro_request))
    composer.register(DeliveryKind.SLA_NUDGE, composed(cards.unreviewed, rendering.sla_nudge))
    composer.register(
        DeliveryKind.FOLLOW_UP, composed(services.outreach.due, rendering.followup_dm)
    )
    composer.register(
        DeliveryKind.SNOOZE_END, composed(services.snoozes.due, rendering.snooze_due_dm)
    )
    composer.register_notice("role_pool", composed(roles.pool, rendering.role_pool))
    composer.register_notice(
        "session_card", composed(services.sourcing.card, rendering.session_card)
    )
    composer.register(
        DeliveryKind.SESSION_END, composed(services.sourcing.summary, rendering.session_end)
    )
    composer.register_notice(
        "referrer_update", composed(cards.referrer_update, rendering.referrer_update)
    )
    composer.register_notice(ROUNDUP, composed(services.roundups.post, rendering.roundup))
    composer.register_notice(PERSONAL, composed(services.roundups.personal, rendering.roundup))
    composer.register_notice(
        RECOGNITION, composed(services.recognition.thanks, rendering.recognition)
    )
    foreground = Foreground()
    dispatcher = Dispatcher(
        sessions=sessions,
        messenger=messenger,
        ats=ats,
        files=cvs,
        submissions=submissions,
        composer=composer,
        members=members,
        outbox=outbox,
        clock=clock,
        foreground=foreground,
    )
    # A web replica beside `refbot worker` (PostgreSQL) wakes it instead of sending itself.
    notifier = (
        Notifier(engine).start() if hand_off and engine.dialect.name == "postgresql" else None
    )
    after_commit_due(sessions, notifier.poke if notifier else dispatcher.kick)
    # Single-workspace mode: the bot's identity from one auth.test made off the requests, in
    # the background; the server comes up (and /healthz answers) without Slack.
    identity = (
        None
        if installations
        else SingleBotAuthorize(
            web_client(settings.slack_bot_token, settings.slack_api_url, quiet=True)
        )
    )
    bolt = _ObservedApp(
        # The template of the per-request clients Bolt hands to listeners (same base URL); the
        # authorization gives each its token.
        client=web_client(None, settings.slack_api_url),
        signing_secret=settings.slack_signing_secret,
        # Ack as soon as the listener acks; the Slack calls run after, in lazy listeners.
        process_before_response=True,
        logger=_bolt_logger(),
        **(
            _oauth(settings, installations, oauth_states, services.workspaces)
            or {"authorize": identity}
        ),
    )
    _install_middleware(bolt, services, settings)
    handlers.register(bolt)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        services=services,
        bolt=bolt,
        dispatcher=dispatcher,
        foreground=foreground,
        checkpoints=Checkpoints(engine).start(),  # SQLite's WAL, off the requests' commits
        identity=identity,
        notifier=notifier,
    )
    if scheduler:
        runtime.scheduler = Scheduler(
            # Requests first, never past the next interval (the health check's staleness).
            sweep=lambda: dispatcher.sweep_in_turn(min(PATIENCE, settings.refbot_sweep_seconds)),
            every_seconds=settings.refbot_sweep_seconds,
            clock=clock,
            hourly=[
                services.digests.queue_due,
                services.roundups.queue_due,
                services.recognition.queue_due,
            ],
            daily=[
                services.retention.purge,
                services.privacy.purge,
                services.requests.purge,
                *([oauth_states.purge] if oauth_states else []),  # installs never finished
            ],
            # 0 turns polling off for webhook connections; jobs still sync, hourly.
            every=[
                (services.roundups.announce_opened, ANNOUNCE_SECONDS),
                *(
                    [(services.ats_pull.poll, settings.refbot_ats_poll_seconds or ATS_JOBS_SECONDS)]
                    if services.ats_pull
                    else []
                ),
            ],
        )
    return runtime


class _TokenFromClient(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, then warns
    that the token "will be unused": the client holds that very token (or, with OAuth, each
    installation's), so the warning would only alarm the operator at every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_TOKEN_FROM_CLIENT = _TokenFromClient()


def _bolt_logger() -> logging.Logger:
    bolt_log = logging.getLogger("refbot.bolt")
    bolt_log.addFilter(_TOKEN_FROM_CLIENT)  # once: addFilter ignores a filter already there
    return bolt_log


def _oauth(
    settings: Settings,
    installations: InstallationStore | None,
    states: OAuthStateStore | None,
    workspaces: Workspaces,
) -> dict[str, Any]:
    """Bolt's OAuth flow (GET /slack/install, /slack/oauth_redirect) in multi-workspace mode."""
    if installations is None or states is None:
        return {}

    def installed(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        if installation.team_id and installation.user_id:
            workspaces.installed(team_id=installation.team_id, user_id=installation.user_id)
        return args.default.success(args)

    def failed(args: FailureArgs) -> BoltResponse:
        log.warning("install failed: %s", args.reason)
        return args.default.failure(args)

    return {
        "oauth_settings": OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=installations,
            installation_store_bot_only=True,
            state_store=states,
            callback_options=CallbackOptions(success=installed, failure=failed),
            logger=logging.getLogger("refbot.oauth"),
        ),
        "installation_store_bot_only": True,
        "authorize": InstalledBotAuthorize(installations),
        # Before any installation is found there is no user language to speak: English.
        "user_facing_authorize_error_message": (
            "refbot is not installed in this workspace any more. "
            "Ask a Slack admin to install refbot again."
        ),
    }


def _install_middleware(bolt: App, services: Services, settings: Settings) -> None:
    bolt.use(_ProvideServices(services, settings))

    @bolt.error
    def polite_error(
        error: Exception, body: dict[str, Any], context: BoltContext
    ) -> BoltResponse | None:
        if isinstance(error, AlreadyHandled):  # a later copy of a submission already saved
            log.info("duplicate of a handled request ignored")
            context[_OUTCOME] = "duplicate"
            return BoltResponse(status=200, body="")
        context[_OUTCOME] = "error"
        respond, locale = context.get("respond"), locale_of(context, body)
        return reply(error, body=body, respond=respond, locale=locale, in_ack=True)


_OUTCOME = "refbot_outcome"


class _ProvideServices(Middleware):
    """The one global middleware, after Bolt's signature check and authorization: refuses a
    malformed request (400, one log line, no traceback), builds the typed `Actor`, drops a
    retry of a request already handled, and puts the services on the context.

    A Middleware subclass rather than a function: Bolt builds a function middleware's
    arguments from the payload (its first action, its view's type...), which raises on a
    malformed one before the function could refuse it."""

    def __init__(self, services: Services, settings: Settings) -> None:
        self.services = services
        self.locale = settings.refbot_locale

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body, context = req.body, req.context
        try:
            payloads.check(body)
        except payloads.Malformed as error:
            return _malformed(context, body, str(error))
        team = _installing_team(body, context)
        actor = payloads.actor(body, team_id=team, enterprise_id=context.enterprise_id)
        if actor is None and payloads.user(body):  # someone acts, but in no workspace
            return _malformed(context, body, "no workspace")
        key = payloads.dedupe_key(body)
        # A referral's ack writes one row, keyed by this key (Submissions.accept): no write of
        # its own here; a later copy raises AlreadyHandled there (polite_error).
        if (
            key
            and team
            and not _keyed_by_its_row(body)
            and not _first_time(self.services, team, key)
        ):
            log.info("duplicate of a handled request ignored (retry %s)", _retry(req))
            context[_OUTCOME] = "duplicate"
            return BoltResponse(status=200, body="")
        context["svc"] = self.services
        context["locale"] = self.locale
        context["actor"] = actor
        return next()


# Submissions whose ack writes one row (bursts of them come from sourcing sessions): that row
# is keyed by the request's retry key (bot.services.submissions.Submissions.accept).
_KEYED_BY_ITS_ROW = frozenset({View.REFERRAL, View.INTRO_REQUEST})


def _keyed_by_its_row(body: dict[str, Any]) -> bool:
    view = body.get("view")
    return (
        body.get("type") == "view_submission"
        and isinstance(view, dict)
        and view.get("callback_id") in _KEYED_BY_ITS_ROW
    )


def _installing_team(body: dict[str, Any], context: BoltContext) -> str | None:
    """The workspace refbot is installed in, never a Slack Connect partner's: a modal's
    `app_installed_team_id`, else the authorization's team (auth.test's in single-workspace
    mode, the stored installation's in OAuth mode), else Bolt's team (an org-wide install,
    whose payloads have `team: null`, authorizes an enterprise, not a team)."""
    view = body.get("view")
    installed = view.get("app_installed_team_id") if isinstance(view, dict) else None
    authorized = context.authorize_result
    return (
        (installed if isinstance(installed, str) and installed else None)
        or (authorized.team_id if authorized is not None else None)
        or context.team_id
    )


def _malformed(context: BoltContext, body: dict[str, Any], reason: str) -> BoltResponse:
    # Slack never sends these: a bug or a forgery with a valid signature. One line, no data.
    log.warning("malformed request refused (%s): %s", payloads.listener(body), reason)
    context[_OUTCOME] = "malformed"
    return BoltResponse(status=400, body="")


class _ObservedApp(App):
    """Bolt's App, observed around its public `dispatch` (HTTP and Socket Mode alike): every
    request is logged with its ids, counted by listener and outcome, and its ack timed.
    A global middleware cannot do it: Bolt runs the listener after the middleware returns."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started, body = time.perf_counter(), req.body
        key = payloads.request_key(body)
        ids = {"request_id": key, "team": payloads.team(body), "user": payloads.user(body)}
        with logs.request_context(**ids):
            try:
                response = super().dispatch(req)
            finally:
                if svc := req.context.get("svc"):
                    svc.requests.answered()  # this thread's next request starts clean
            outcome = req.context.get(_OUTCOME) or ("error" if response.status >= 500 else "ok")
            dedupe = payloads.dedupe_key(body)
            if dedupe and response.status >= 500 and (svc := req.context.get("svc")):
                _forget(svc, dedupe)  # Slack's retry may succeed where this copy failed
        listener = payloads.listener(body)
        metrics.SLACK_REQUESTS.labels(listener=listener, outcome=outcome).inc()
        metrics.SLACK_ACK_SECONDS.labels(listener=listener).observe(time.perf_counter() - started)
        return response


def _first_time(services: Services, team_id: str, key: str) -> bool:
    try:
        return services.requests.first_time(team_id=team_id, key=key)
    except SQLAlchemyError:
        return True  # the database is down: the listener will meet it and say so politely


def _forget(services: Services, key: str) -> None:
    try:
        services.requests.failed(key=key)
    except SQLAlchemyError:
        log.warning("could not forget a failed request")


def _retry(request: BoltRequest) -> str:
    return ",".join(request.headers.get("x-slack-retry-num", [])) or "none"
