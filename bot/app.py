"""The composition root: settings -> database -> services -> Bolt app (+ scheduler).

The only module that imports `handlers`. Nothing runs at import time.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.request import BoltRequest
from sqlalchemy import Engine

import handlers
from bot import clock as default_clock
from bot import metrics
from bot.clock import Clock
from bot.config import Settings
from bot.scheduler import Scheduler
from bot.services import Services
from bot.services.home import Home
from bot.services.members import Members
from bot.slack import SlackDirectory, web_client
from bot.slack_errors import reply
from storage.db import make_engine, make_sessions

log = logging.getLogger("refbot")


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    services: Services
    bolt: App
    scheduler: Scheduler | None = None
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def sweep(self) -> None:
        """The periodic pass: deliveries due now and anything missed (see bot.dispatcher)."""

    def close(self) -> None:
        if self.scheduler:
            self.scheduler.shutdown()
        self.engine.dispose()


def build(
    settings: Settings, *, clock: Clock = default_clock.now, scheduler: bool = True
) -> Runtime:
    """Wire refbot for one process. `scheduler=False` for web replicas beside a `refbot worker`."""
    engine = make_engine(settings.database_url)
    sessions = make_sessions(engine)
    client = web_client(settings.slack_bot_token, settings.slack_api_url)
    members = Members(
        sessions=sessions,
        directory=SlackDirectory(client),
        clock=clock,
        recruiters=settings.refbot_recruiters,
        default_locale=settings.refbot_locale,
        default_tz=settings.refbot_timezone,
    )
    services = Services(members=members, home=Home(sessions=sessions, members=members))
    bolt = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        # Ack as soon as the listener acks; the Slack calls run after, in lazy listeners.
        process_before_response=True,
        # No auth.test at start: the server comes up (and /healthz answers) without Slack.
        token_verification_enabled=False,
        logger=logging.getLogger("refbot.bolt"),
    )
    _install_middleware(bolt, services, settings)
    handlers.register(bolt)
    runtime = Runtime(settings=settings, engine=engine, services=services, bolt=bolt)
    if scheduler:
        runtime.scheduler = Scheduler(
            sweep=runtime.sweep, every_seconds=settings.refbot_sweep_seconds, clock=clock
        )
    return runtime


def _install_middleware(bolt: App, services: Services, settings: Settings) -> None:
    @bolt.middleware
    def provide_services(
        request: BoltRequest, context: BoltContext, next: Callable[[], Any]
    ) -> Any:
        metrics.SLACK_REQUESTS.labels(kind=_kind(request.body)).inc()
        context["svc"] = services
        context["locale"] = settings.refbot_locale
        return next()

    @bolt.error
    def polite_error(error: Exception, body: dict[str, Any], context: BoltContext) -> None:
        reply(error, body=body, respond=context.get("respond"), locale=settings.refbot_locale)


def _kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return "command"
    kind = body.get("type", "unknown")
    return body.get("event", {}).get("type", kind) if kind == "event_callback" else kind
