"""The dispatcher: claims due deliveries, sends them once, records the outcome (DESIGN.md §6).

Exactly once, across restarts, crashes and replicas:
- a row is leased before it is sent (storage.repositories.deliveries.claim_due);
- every message carries Slack metadata naming its deliveries;
- a row whose lease lapsed, or whose last send ended without an answer, is looked for in the
  recipient's recent history before it is sent again.
"""

import logging
import os
import random
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot import metrics, rendering
from bot.clock import Clock
from bot.composer import Composer
from bot.messenger import Messenger, SendError
from bot.outbox import Due, Outbox, text_notice
from bot.rendering.blocks import Message
from bot.services.members import Members
from bot.timecalc import describe_lateness
from storage.db import UNREACHABLE, Sessions
from storage.models import Delivery
from storage.repositories import deliveries as repo
from storage.repositories import members as members_repo
from storage.types import DeliveryStatus

log = logging.getLogger("refbot.dispatcher")

GROUP_AT = 5  # this many due for one person in one sweep become one message
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
UNCERTAIN = "uncertain: "  # last_error prefix: the send may have reached Slack


@dataclass
class SweepReport:
    sent: int = 0
    found_in_history: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0

    def add(self, other: "SweepReport") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Outcomes:
    settled: list[dict[str, Any]] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    failures: list[tuple[Due, str]] = field(default_factory=list)
    report: SweepReport = field(default_factory=SweepReport)


class Dispatcher:
    def __init__(
        self,
        *,
        sessions: Sessions,
        messenger: Messenger,
        composer: Composer,
        members: Members,
        outbox: Outbox,
        clock: Clock,
        lease: timedelta = timedelta(seconds=60),
        batch_size: int = 200,
        max_attempts: int = 12,  # backoff 10 s doubling to 1 h: about 2 to 3.5 hours of tries
        threads: int = 8,
    ) -> None:
        self.sessions = sessions
        self.messenger = messenger
        self.composer = composer
        self.members = members
        self.outbox = outbox
        self.clock = clock
        self.lease = lease
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._senders = ThreadPoolExecutor(threads, thread_name_prefix="refbot-send")
        self._kicker = ThreadPoolExecutor(1, thread_name_prefix="refbot-kick")
        self._kick_queued = threading.Event()
        self._sweeping = threading.Lock()
        self._stopping = threading.Event()

    # -- entry points ----------------------------------------------------------------------------

    def sweep(self) -> SweepReport:
        """Deliver everything due now; returns what happened."""
        total = SweepReport()
        with self._sweeping:
            while not self._stopping.is_set():
                now = self.clock()
                with self.sessions.begin() as s:
                    claimed = [
                        self._due(row, lapsed, now)
                        for row, lapsed in repo.claim_due(
                            s,
                            now=now,
                            owner=self.owner,
                            lease_until=now + self.lease,
                            limit=self.batch_size,
                        )
                    ]
                if not claimed:
                    break
                outcomes = self._deliver(claimed)
                self._record(outcomes)
                total.add(outcomes.report)
                if len(claimed) < self.batch_size and not outcomes.released:
                    break
            self._observe_queue()
        return total

    def kick(self) -> None:
        """Sweep soon, off the caller's thread (used right after a commit queued a notice)."""
        if self._stopping.is_set() or self._kick_queued.is_set():
            return  # a queued sweep will see this commit too
        self._kick_queued.set()
        self._kicker.submit(self._kicked)

    def stop(self) -> None:
        """Finish the send in flight, give every other lease back, accept no more work."""
        self._stopping.set()
        with self._sweeping:  # waits for the in-flight batch to be recorded
            pass
        self._kicker.shutdown(wait=False, cancel_futures=True)
        self._senders.shutdown(wait=True)

    # -- one batch -------------------------------------------------------------------------------

    def _kicked(self) -> None:
        self._kick_queued.clear()
        try:
            self.sweep()
        except Exception:
            log.exception("dispatch after commit failed; the sweep will retry")

    def _due(self, row: Delivery, lapsed: bool, now: datetime) -> Due:
        return Due(
            id=row.id,
            team_id=row.team_id,
            kind=row.kind,
            subject=row.subject,
            recipient=row.recipient,
            due_at=row.due_at,
            payload=dict(row.payload),
            attempts=row.attempts,
            uncertain=lapsed or (row.last_error or "").startswith(UNCERTAIN),
            late_by=describe_lateness(row.due_at, now),
        )

    def _deliver(self, claimed: list[Due]) -> _Outcomes:
        by_recipient: dict[tuple[str, str], list[Due]] = {}
        for due in claimed:
            by_recipient.setdefault((due.team_id, due.recipient), []).append(due)
        locales: dict[tuple[str, str], str] = {}
        for team_id in {team for team, _ in by_recipient}:
            people = [user for team, user in by_recipient if team == team_id]
            known = self.members.cached_locales(team_id=team_id, user_ids=people)
            locales.update({(team_id, user): locale for user, locale in known.items()})
        merged = _Outcomes()
        work = [(dues, locales.get(key)) for key, dues in by_recipient.items()]
        for outcome in self._senders.map(lambda job: self._deliver_to(*job), work):
            merged.settled += outcome.settled
            merged.released += outcome.released
            merged.failures += outcome.failures
            merged.report.add(outcome.report)
        return merged

    def _deliver_to(self, dues: list[Due], locale: str | None) -> _Outcomes:
        """Everything due for one recipient, in order; one message when there are many."""
        out = _Outcomes()
        if self._stopping.is_set():
            out.released = [d.id for d in dues]
            return out
        team_id, recipient = dues[0].team_id, dues[0].recipient
        waiting = list(dues)
        try:
            channel = self.messenger.channel_for(team_id, recipient)
            uncertain = [d.id for d in waiting if d.uncertain]
            if uncertain:
                for delivery_id, ts in self.messenger.delivered(
                    team_id, channel, uncertain
                ).items():
                    done = next(d for d in waiting if d.id == delivery_id)
                    waiting.remove(done)
                    out.settled.append(self._sent(done, channel, ts))
                    out.report.found_in_history += 1
            locale = locale or self._locale(team_id, recipient)
            for due in [d for d in waiting if d.payload.get("edit")]:
                out.settled.append(self._edit(due, locale))
                waiting.remove(due)
            ready: list[tuple[Due, Message]] = []
            for due in waiting:
                composed = self.composer.compose(due, locale)
                if composed is None:
                    out.settled.append(self._finished(due, DeliveryStatus.CANCELLED))
                    out.report.cancelled += 1
                elif due.late_by:
                    ready.append((due, _late(locale, due, composed)))
                else:
                    ready.append((due, composed))
            # Late ones first, as one grouped message when there are many (after downtime);
            # what is on time goes out one by one.
            ready.sort(key=lambda item: item[0].late_by is None)
            late = sum(1 for due, _ in ready if due.late_by is not None)
            waiting = [due for due, _ in ready]
            while ready:
                if late >= GROUP_AT:
                    message, count = rendering.grouped(locale, [m for _, m in ready[:late]])
                    late -= count
                else:
                    message, count = ready[0][1], 1
                    late = max(late - 1, 0)
                batch = [due for due, _ in ready[:count]]
                started = time.perf_counter()
                ts = self.messenger.post(team_id, channel, message, [d.id for d in batch])
                metrics.SEND_SECONDS.observe(time.perf_counter() - started)
                for due in batch:
                    out.settled.append(self._sent(due, channel, ts))
                    waiting.remove(due)
                    metrics.DELIVERIES_SENT.labels(kind=due.kind.value).inc()
                out.report.sent += len(batch)
                ready = ready[count:]
        except SendError as error:
            for position, due in enumerate(waiting):
                self._failed_send(out, due, error, tried=position == 0)
        except UNREACHABLE:
            # The database went away between the claim and the composing: not the rows' fault.
            log.warning("database unreachable while composing %s", [d.id for d in waiting])
            for due in waiting:
                self._failed_send(
                    out, due, SendError("transient", "database unreachable"), tried=False
                )
        except Exception:
            # A bug (a composer, a template) would fail the same way again: stop, say so.
            log.exception("composing deliveries %s failed", [d.id for d in waiting])
            for due in waiting:
                self._failed_send(out, due, SendError("permanent", "internal error"), tried=True)
        return out

    def _edit(self, due: Due, locale: str) -> dict[str, Any]:
        """Bring an earlier message up to date; if it has not gone out yet, it will be current
        when it does, so there is nothing to do."""
        with self.sessions() as s:
            original = repo.by_dedupe_key(s, due.payload["edit"])
        composed = self.composer.compose(due, locale)
        if original is None or original.sent_ts is None or composed is None:
            return self._finished(due, DeliveryStatus.CANCELLED)
        assert original.channel_id is not None
        self.messenger.update(due.team_id, original.channel_id, original.sent_ts, composed)
        return self._sent(due, original.channel_id, original.sent_ts)

    def _failed_send(self, out: _Outcomes, due: Due, error: SendError, *, tried: bool) -> None:
        now = self.clock()
        attempts = due.attempts + (1 if tried and error.kind != "rate_limited" else 0)
        if error.kind == "permanent" or attempts >= self.max_attempts:
            out.settled.append(self._finished(due, DeliveryStatus.FAILED, error.reason, attempts))
            out.failures.append((due, error.reason))
            out.report.failed += 1
            metrics.DELIVERIES_FAILED.labels(kind=due.kind.value).inc()
            return
        if error.kind == "rate_limited":
            retry_at = now + timedelta(seconds=max(error.retry_after, 1.0))
        else:
            ceiling = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
            retry_at = now + ceiling * random.uniform(0.5, 1.0)  # jitter spreads replicas apart
        note = (UNCERTAIN if error.kind == "uncertain" else "") + error.reason
        out.settled.append(
            _outcome(due, DeliveryStatus.PENDING, attempts=attempts, next_at=retry_at, error=note)
        )
        out.report.retried += 1
        metrics.DELIVERIES_RETRIED.labels(reason=error.kind).inc()

    def _sent(self, due: Due, channel: str, ts: str) -> dict[str, Any]:
        return _outcome(
            due,
            DeliveryStatus.SENT,
            attempts=due.attempts + 1,
            channel=channel,
            ts=ts,
            sent_at=self.clock(),
        )

    def _finished(
        self,
        due: Due,
        status: DeliveryStatus,
        error: str | None = None,
        attempts: int | None = None,
    ) -> dict[str, Any]:
        return _outcome(
            due, status, attempts=due.attempts if attempts is None else attempts, error=error
        )

    def _record(self, outcomes: _Outcomes) -> None:
        with self.sessions.begin() as s:
            repo.settle(s, self.owner, outcomes.settled)
            repo.release(s, self.owner, outcomes.released, at=self.clock())
            for due, reason in outcomes.failures:
                self._tell_admins(s, due, reason)

    def _tell_admins(self, s: Session, due: Due, reason: str) -> None:
        log.warning("delivery %s (%s) failed: %s", due.id, due.kind.value, reason)
        if due.payload.get("template") == "notices/delivery_failed":
            return  # never alert about an alert: that could loop
        for admin in members_repo.admins(s, due.team_id):
            self.outbox.notice(
                s,
                team_id=due.team_id,
                recipient=admin,
                subject=f"delivery:{due.id}",
                dedupe_key=f"delivery-failed:{due.id}:{admin}",
                payload=text_notice(
                    "notices/delivery_failed",
                    kind=due.kind.value,
                    recipient=due.recipient,
                    reason=reason,
                ),
            )

    def _locale(self, team_id: str, recipient: str) -> str:
        if recipient[:1] in ("U", "W"):  # a person, or the first of a group DM
            return self.members.locale(team_id=team_id, user_id=recipient.split(",")[0])
        return self.members.default_locale

    def _observe_queue(self) -> None:
        now = self.clock()
        with self.sessions() as s:
            depth, oldest = repo.queue_stats(s, now=now)
        metrics.QUEUE_DEPTH.set(depth)
        metrics.OLDEST_DUE_SECONDS.set((now - oldest).total_seconds() if oldest else 0)


def _late(locale: str, due: Due, message: Message) -> Message:
    assert due.late_by is not None
    return {**message, "blocks": [rendering.late(locale, due.late_by), *message.get("blocks", [])]}


def _outcome(
    due: Due,
    status: DeliveryStatus,
    *,
    attempts: int,
    next_at: datetime | None = None,
    channel: str | None = None,
    ts: str | None = None,
    sent_at: datetime | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "id": due.id,
        "status": status,
        "attempts": attempts,
        "next_attempt_at": next_at,
        "channel_id": channel,
        "sent_ts": ts,
        "sent_at": sent_at,
        "last_error": error,
    }
