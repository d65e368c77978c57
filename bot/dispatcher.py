"""The dispatcher: claims due deliveries, sends them once, records the outcome (DESIGN.md §6).

Exactly once, across restarts, crashes and replicas:
- a row is leased before it is sent (storage.repositories.deliveries.claim_due), and the lease
  is checked right before each post: a worker whose lease lapsed (a slow batch) posts nothing
  more, since another worker may have claimed the row; a batch starts no post or edit after
  half its lease and gives the rest back, so the lease outlasts every post it starts;
- every message carries Slack metadata naming its deliveries;
- a row whose lease lapsed, or whose last send ended without an answer, is looked for in the
  recipient's history (back to when it could first have been posted) before it is sent again;
  when history cannot be read, the row waits and is looked for again, never sent blind.

A workspace whose token does not work (revoked, uninstalled) keeps its schedule: its rows wait,
retried every PARK_RECHECK without counting attempts, until a reinstall (Workspaces.installed)
or a send that works again resumes them; they go out marked late and admins are told.
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
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot import i18n, metrics, rendering
from bot.clock import Clock
from bot.composer import Composer
from bot.foreground import Foreground
from bot.messenger import Messenger, SendError
from bot.outbox import Due, Outbox, text_notice
from bot.rendering.blocks import Message
from bot.services.members import Members, Reader
from bot.timecalc import describe_lateness
from storage.db import UNREACHABLE, Sessions
from storage.models import Delivery
from storage.repositories import deliveries as repo
from storage.repositories import members as members_repo
from storage.repositories.ats import ATS_KINDS, WAITING_FOR_ATS
from storage.repositories.deliveries import WAITING_FOR_TOKEN
from storage.types import DeliveryKind, DeliveryStatus

log = logging.getLogger("refbot.dispatcher")

GROUP_AT = 5  # this many due for one person in one sweep become one message
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
UNKNOWN_ERROR_ATTEMPTS = 3  # an error code refbot does not know fails after this many tries
PARK_RECHECK = timedelta(minutes=15)  # a workspace without a working token is tried this often
UNCERTAIN = "uncertain: "  # last_error prefix: the send may have reached Slack
# After a sender's lease ends it posts nothing more; one post started under it may still land
# within the dispatch client's timeout (10 s). An edit waiting on that post looks until then.
POST_MARGIN = timedelta(seconds=15)
# In a web process, messages give way to requests (bot.foreground) for this many seconds at
# most: a burst's cards follow it. Kept well under the scheduler's staleness bound (3 sweep
# intervals), as the scheduler's sweep waits too.
PATIENCE = 20.0
PACE = 0.02  # seconds a message still waits for a lull once patience has run out
CHANNEL_PACE = 1.0  # seconds between two paced posts to one channel
PACED_CHANNELS = 10_000  # channels remembered for pacing
ALERT_TEMPLATE = "notices/delivery_failed"
ATS_ALERT_TEMPLATE = "ats/failed"
# Slack calls that are not messages (a CV copied into a recruiter's DM, a copy deleted after a
# forget): carried out by the file sender (bot.services.cvs) like ATS calls, one by one, with
# the same retries; the sender looks for an earlier try's copy before uploading again.
FILE_KINDS = (DeliveryKind.CV_SHARE, DeliveryKind.CV_DELETE)
# A referral modal saved after its ack, its outcome shown in the modal (bot.services.submissions).
CALL_KINDS = (*ATS_KINDS, *FILE_KINDS, DeliveryKind.SUBMISSION)


class CallSender(Protocol):
    """Carries out a delivery that is a call, not a message (the ATS: bot.services.ats; CV files:
    bot.services.cvs): False when it no longer applies; raises SendError classified like a
    Slack send."""

    def send(self, due: Due) -> bool: ...


class AtsSender(Protocol):
    """Carries out ATS deliveries (bot.services.ats): False when one no longer applies; raises
    SendError (AtsError) classified like a Slack send."""

    def send(self, due: Due) -> bool: ...


@dataclass
class SweepReport:
    sent: int = 0
    found_in_history: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    waiting: int = 0  # parked: the workspace has no working token
    taken_over: int = 0  # another worker claimed the row after this one's lease lapsed

    def add(self, other: "SweepReport") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Outcomes:
    settled: list[dict[str, Any]] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    failures: list[tuple[Due, str]] = field(default_factory=list)
    resumed_by: dict[str, int] = field(default_factory=dict)  # team -> waiting rows now sent
    report: SweepReport = field(default_factory=SweepReport)

    def merge(self, other: "_Outcomes") -> None:
        self.settled += other.settled
        self.released += other.released
        self.failures += other.failures
        for team, count in other.resumed_by.items():
            self.resumed_by[team] = self.resumed_by.get(team, 0) + count
        self.report.add(other.report)


class _Lane:
    """One kind of work, swept apart: its own lock, kick and sender threads."""

    def __init__(self, name: str, threads: int) -> None:
        self.senders = ThreadPoolExecutor(threads, thread_name_prefix=f"refbot-{name}")
        self.kicker = ThreadPoolExecutor(1, thread_name_prefix=f"refbot-kick-{name}")
        self.kick_queued = threading.Event()
        self.sweeping = threading.Lock()


class _Crashed(Exception):
    """A composer failed on one row (a bug): that row fails, its neighbours go on."""


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
        # Longer than a post can take (the dispatch client's 10 s timeout), so a post started
        # under a freshly renewed lease ends before anyone else may claim its row.
        lease: timedelta = timedelta(seconds=60),
        batch_size: int = 200,
        max_attempts: int = 12,  # backoff 10 s doubling to 1 h: about 2 to 3.5 hours of tries
        threads: int = 8,
        ats: AtsSender | None = None,
        files: CallSender | None = None,
        submissions: CallSender | None = None,
        foreground: Foreground | None = None,
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
        self.ats = ats
        self.files = files
        self.submissions = submissions
        self.foreground = foreground or Foreground()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        # Calls first (a save queues the cards it makes), each lane with its own threads: half
        # as many for calls, which hold a database connection for most of their time.
        self._calls = _Lane("calls", max(1, threads // 2))
        self._messages = _Lane("messages", threads)
        self._stopping = threading.Event()
        # Workspaces whose token failed during the current messages sweep: their other rows
        # wait without another call to Slack.
        self._unauthorized: dict[str, str] = {}
        self._started = False
        self._patient_until = 0.0  # time.monotonic(): see sweep()
        self._last_paced: dict[tuple[str, str], float] = {}  # (team, channel) -> monotonic
        self._pace_lock = threading.Lock()

    # -- entry points ----------------------------------------------------------------------------

    def sweep(self, *, patient_until: float = 0.0) -> SweepReport:
        """Deliver everything due now; returns what happened. Until `patient_until` (a
        time.monotonic()) each message waits for a lull between requests; after, it is paced."""
        total = SweepReport()
        for lane in (self._calls, self._messages):
            total.add(self._sweep_lane(lane, patient_until=patient_until))
        return total

    def sweep_in_turn(self, patience: float = PATIENCE) -> SweepReport:
        """The background sweep (the scheduler's): requests first. It waits for a lull for up to
        `patience` seconds before it claims (a burst's cards are then claimed and settled
        together after it), and each message for what is left."""
        until = time.monotonic() + patience
        self.foreground.lull(at_most=patience)
        return self.sweep(patient_until=until)

    def kick(self) -> None:
        """Sweep soon, off the caller's thread (used right after a commit queued something).
        Each lane on its own: a modal waiting for its outcome (a call) never waits for a
        recipient's messages, which go out one after another."""
        for lane in (self._calls, self._messages):
            if self._stopping.is_set() or lane.kick_queued.is_set():
                continue  # a queued sweep of that lane will see this commit too
            lane.kick_queued.set()
            lane.kicker.submit(self._kicked, lane)

    def stop(self) -> None:
        """Finish the sends in flight, give every other lease back, accept no more work."""
        self._stopping.set()
        self.foreground.stop_waiting()
        for lane in (self._calls, self._messages):
            with lane.sweeping:  # waits for the lane's batch in flight to be recorded
                pass
            lane.kicker.shutdown(wait=False, cancel_futures=True)
            lane.senders.shutdown(wait=True)

    def _sweep_lane(self, lane: "_Lane", *, patient_until: float) -> SweepReport:
        total = SweepReport()
        with lane.sweeping:
            if lane is self._messages:
                self._patient_until = patient_until
                self._unauthorized = {}
            if not self._started:  # this process may run with a new token: try it at once
                with self.sessions.begin() as s:
                    repo.wake_waiting(s, now=self.clock())
                self._started = True
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
                            kinds=CALL_KINDS,
                            other_kinds=lane is self._messages,
                        )
                    ]
                if not claimed:
                    break
                # A batch starts no post after half its lease: what is left goes back, to be
                # claimed again under a fresh lease (time-bounded batches).
                outcomes = self._deliver(lane, claimed, deadline=now + self.lease / 2)
                self._record(outcomes)
                total.add(outcomes.report)
                if len(claimed) < self.batch_size and not outcomes.released:
                    break
            self._observe_queue()
        return total

    # -- one batch -------------------------------------------------------------------------------

    def _kicked(self, lane: "_Lane") -> None:
        try:
            until = time.monotonic() + PATIENCE
            self.foreground.lull(at_most=PATIENCE)
            lane.kick_queued.clear()  # a commit from now on kicks again: the claim may miss it
            self._sweep_lane(lane, patient_until=until)
        except UNREACHABLE as error:  # a connection the server dropped: not a bug
            log.warning("dispatch after commit: database unreachable (%s)", type(error).__name__)
        except Exception:
            log.exception("dispatch after commit failed; the sweep will retry")

    def _due(self, row: Delivery, lapsed: bool, now: datetime) -> Due:
        note = row.last_error or ""
        waiting = note.startswith(WAITING_FOR_TOKEN)
        return Due(
            id=row.id,
            team_id=row.team_id,
            kind=row.kind,
            subject=row.subject,
            recipient=row.recipient,
            due_at=row.due_at,
            payload=dict(row.payload),
            attempts=row.attempts,
            uncertain=lapsed or note.removeprefix(WAITING_FOR_TOKEN).startswith(UNCERTAIN),
            late_by=describe_lateness(row.due_at, now),
            created_at=row.created_at,
            waiting=waiting,
        )

    def _deliver(self, lane: "_Lane", claimed: list[Due], *, deadline: datetime) -> _Outcomes:
        merged = _Outcomes()
        if lane is self._calls:  # ATS, file and save calls, not messages: no grouping, no history
            for outcome in lane.senders.map(lambda due: self._call_ats(due, deadline), claimed):
                merged.merge(outcome)
            return merged
        by_recipient: dict[tuple[str, str], list[Due]] = {}
        for due in claimed:
            by_recipient.setdefault((due.team_id, due.recipient), []).append(due)
        readers: dict[tuple[str, str], Reader] = {}
        for team_id in {team for team, _ in by_recipient}:
            people = [user for team, user in by_recipient if team == team_id]
            known = self.members.cached_readers(team_id=team_id, user_ids=people)
            readers.update({(team_id, user): reader for user, reader in known.items()})
        work = [(dues, readers.get(key), deadline) for key, dues in by_recipient.items()]
        for outcome in lane.senders.map(lambda job: self._deliver_to(*job), work):
            merged.merge(outcome)
        return merged

    def _deliver_to(self, dues: list[Due], known: Reader | None, deadline: datetime) -> _Outcomes:
        """Everything due for one recipient, in order; one message when there are many."""
        out = _Outcomes()
        if self._stopping.is_set():
            out.released = [d.id for d in dues]
            return out
        team_id, recipient = dues[0].team_id, dues[0].recipient
        waiting = list(dues)
        unsure = {d.id for d in dues if d.uncertain}  # may be in Slack already: look first
        posting: list[Due] = []  # the rows of the post in flight, when it fails
        try:
            if team_id in self._unauthorized:  # this sweep already met the dead token
                raise SendError("unauthorized", self._unauthorized[team_id])
            channel = self.messenger.channel_for(team_id, recipient)
            if unsure:
                for delivery_id, ts in self._look_back(out, team_id, channel, waiting).items():
                    done = next(d for d in waiting if d.id == delivery_id)
                    waiting.remove(done)
                    out.settled.append(self._sent(done, channel, ts))
                    out.report.found_in_history += 1
                unsure.clear()  # looked: what history does not hold never reached Slack
            locale, zone = self._reader(team_id, recipient, known)
            i18n.READER_TZ.set(zone)  # a sender thread serves one recipient at a time
            for due in [d for d in waiting if d.payload.get("edit")]:
                if self.clock() >= deadline:
                    break  # given back below, with the rest
                if not self._taken_over(out, [due]):
                    edited = self._edit(out, due, locale)
                    out.settled.append(edited)
                    if edited["status"] == DeliveryStatus.SENT:
                        self._went_out(out, due)
                waiting.remove(due)
            ready: list[tuple[Due, Message]] = []
            if self.clock() >= deadline:
                out.released += [due.id for due in waiting]
                return out
            for due in list(waiting):
                # Shutting down ends this wait (stop_waiting): what was claimed still goes.
                self.foreground.lull(at_most=max(PACE, self._patient_until - time.monotonic()))
                composed = self._compose(out, due, locale)
                if composed is None:
                    waiting.remove(due)  # settled by _compose (cancelled, or failed)
                elif due.late_by:
                    ready.append((due, _late(locale, due, composed)))
                else:
                    ready.append((due, composed))
            # Late ones first, as one grouped message when there are many (after downtime);
            # what is on time goes out one by one.
            ready.sort(key=lambda item: item[0].late_by is None)
            waiting = [due for due, _ in ready]
            while ready:
                if self.clock() >= deadline:
                    out.released += [due.id for due, _ in ready]
                    waiting = []
                    break
                late = sum(1 for due, _ in ready if due.late_by is not None)
                if late >= GROUP_AT:
                    message, count = rendering.grouped(locale, [m for _, m in ready[:late]])
                else:
                    message, count = ready[0][1], 1
                batch = [due for due, _ in ready[:count]]
                if lost := self._taken_over(out, batch):
                    ready = [item for item in ready if item[0].id not in lost]
                    waiting = [due for due, _ in ready]
                    continue  # compose the group again without them
                posting = batch
                if any(due.payload.get("pace") for due in batch):
                    self._wait_turn(team_id, channel)
                started = time.perf_counter()
                ts = self.messenger.post(team_id, channel, message, [d.id for d in batch])
                metrics.SEND_SECONDS.observe(time.perf_counter() - started)
                posting = []
                for due in batch:
                    out.settled.append(self._sent(due, channel, ts))
                    waiting.remove(due)
                    self._went_out(out, due)
                ready = ready[count:]
        except SendError as error:
            if error.kind == "unauthorized":
                self._unauthorized.setdefault(team_id, error.reason)
            in_flight = {d.id for d in posting}
            for position, due in enumerate(waiting):
                # The rows of the failed post were tried; a failure before any post (opening
                # the DM) counts as one try, for the first row only.
                tried = due.id in in_flight or (not in_flight and position == 0)
                unanswered = error.kind == "uncertain" and due.id in in_flight
                self._failed_send(
                    out, due, error, tried=tried, uncertain=unanswered or due.id in unsure
                )
        except UNREACHABLE:
            # The database went away between the claim and the composing: not the rows' fault.
            log.warning("database unreachable while composing %s", [d.id for d in waiting])
            for due in waiting:
                error = SendError("transient", "database unreachable")
                self._failed_send(out, due, error, tried=False, uncertain=due.id in unsure)
        except Exception:
            # A bug (a template, the grouping) would fail the same way again: stop, say so.
            log.exception("delivering %s failed", [d.id for d in waiting])
            for due in waiting:
                error = SendError("permanent", "internal error")
                self._failed_send(out, due, error, tried=True, uncertain=due.id in unsure)
        return out

    def _wait_turn(self, team_id: str, channel: str) -> None:
        """Posts that ask for it (a roundup in several parts) go out one a second per channel,
        Slack's pace for chat.postMessage (https://api.slack.com/methods/chat.postMessage#rate_limiting).
        Within this process; a replica's post to the same channel meets a 429 (Retry-After)."""
        key = (team_id, channel)
        with self._pace_lock:
            now = time.monotonic()
            turn = max(now, self._last_paced.get(key, 0.0) + CHANNEL_PACE)
            self._last_paced[key] = turn
            if len(self._last_paced) > PACED_CHANNELS:
                self._last_paced = {key: turn}
        if turn > now:
            time.sleep(turn - now)

    def _call_ats(self, due: Due, deadline: datetime) -> _Outcomes:
        """One ATS delivery (a push, a note): the adapters look the person up before creating
        her, so a row retried after an uncertain call cannot create her twice. A CV file call
        (FILE_KINDS) goes the same way: its sender looks for an earlier try's copy first; and a
        referral modal's submission: its save records the row's key (bot.services.submissions)."""
        out = _Outcomes()
        if self._stopping.is_set() or self.clock() >= deadline:
            out.released = [due.id]
            return out
        if self._taken_over(out, [due]):
            return out
        sender = (
            self.submissions
            if due.kind == DeliveryKind.SUBMISSION
            else self.files
            if due.kind in FILE_KINDS
            else self.ats
        )
        try:
            if sender is None:
                raise SendError("permanent", f"no sender for {due.kind.value} in this process")
            done = sender.send(due)
        except SendError as error:
            self._failed_send(out, due, error, tried=True, uncertain=False)
            return out
        except UNREACHABLE:
            error = SendError("transient", "database unreachable")
            self._failed_send(out, due, error, tried=False, uncertain=False)
            return out
        except Exception:
            log.exception("call %s (%s) failed", due.id, due.kind.value)
            error = SendError("permanent", "internal error")
            self._failed_send(out, due, error, tried=True, uncertain=False)
            return out
        if not done:
            out.settled.append(self._finished(due, DeliveryStatus.CANCELLED))
            out.report.cancelled += 1
            return out
        out.settled.append(
            _outcome(due, DeliveryStatus.SENT, attempts=due.attempts + 1, sent_at=self.clock())
        )
        self._went_out(out, due)
        return out

    def _look_back(
        self, out: _Outcomes, team_id: str, channel: str, waiting: list[Due]
    ) -> dict[int, str]:
        """Which uncertain rows of `waiting` are in the conversation already (id -> ts).

        When history cannot be read (a missing scope, an error), the uncertain rows are left
        unverified and taken out of `waiting`: retried later, never failed (that could lose
        them) and never posted blind (that could double them). The other rows go on."""
        unsure = [d for d in waiting if d.uncertain]
        since = min(d.posted_after for d in unsure)
        try:
            return self.messenger.delivered(team_id, channel, [d.id for d in unsure], since=since)
        except SendError as error:
            if error.kind in ("rate_limited", "unauthorized"):
                raise  # the whole conversation waits, as for a post
            log.warning("history check of %s failed: %s", [d.id for d in unsure], error.reason)
            unverified = SendError("unverified", f"history check: {error.reason}")
            for due in unsure:
                waiting.remove(due)
                self._failed_send(out, due, unverified, tried=False, uncertain=True)
            return {}

    def _compose(self, out: _Outcomes, due: Due, locale: str) -> Message | None:
        """The row's message; None when it was settled instead (no longer applies: cancelled;
        its composer crashed: failed once, admins told)."""
        try:
            composed = self.composer.compose(due, locale)
        except UNREACHABLE:
            raise
        except Exception:
            log.exception("composing delivery %s (%s) failed", due.id, due.kind.value)
            error = SendError("permanent", "internal error")
            self._failed_send(out, due, error, tried=True, uncertain=False)
            return None
        if composed is None:
            out.settled.append(self._finished(due, DeliveryStatus.CANCELLED))
            out.report.cancelled += 1
        return composed

    def _edit(self, out: _Outcomes, due: Due, locale: str) -> dict[str, Any]:
        """Bring an earlier message up to date; if it has not gone out yet, it will be current
        when it does, so there is nothing to do. A message that carried several deliveries (a
        grouped one) is composed again as a whole, so the others stay in it. An edit queued
        while its original was being posted (an erasure crossing a send cancels the original,
        so no ts is recorded for it) finds that post by its metadata once the send is over."""
        with self.sessions() as s:
            original = repo.by_dedupe_key(s, due.payload["edit"])
            where = None if original is None else (original.channel_id, original.sent_ts)
            origin = None if original is None else self._due(original, False, _sent_at(original))
        in_flight = where is not None and where[1] is None and due.payload.get("in_flight_until")
        if origin is not None and in_flight:
            found = self._posted_in_flight(due, origin)
            if isinstance(found, dict):
                return found  # still in flight: look again later; or it never went out
            where = found
        try:
            composed = self.composer.compose(due, locale)
            if composed is not None and origin is not None and where and where[1]:
                composed = self._regrouped(origin, (str(where[0]), where[1]), composed, locale)
        except UNREACHABLE:
            raise
        except Exception:
            log.exception("composing edit %s failed", due.id)
            return self._fail(out, due, "internal error", due.attempts + 1)
        if where is None or where[1] is None or composed is None:
            return self._finished(due, DeliveryStatus.CANCELLED)
        channel, ts = where
        assert channel is not None
        self.messenger.update(due.team_id, channel, ts, composed)
        return self._sent(due, channel, ts)

    def _posted_in_flight(self, due: Due, origin: Due) -> tuple[str, str] | dict[str, Any]:
        """Where the original went, if its interrupted send posted it; else this edit's outcome:
        wait for the end of that sender's lease (it posts nothing after), or give up."""
        channel = self.messenger.channel_for(due.team_id, due.recipient)
        found = self.messenger.delivered(
            due.team_id, channel, [origin.id], since=origin.posted_after
        )
        if origin.id in found:
            return channel, found[origin.id]
        until = datetime.fromisoformat(due.payload["in_flight_until"]) + POST_MARGIN
        if self.clock() < until:
            note = "waiting for the send in flight"
            return _outcome(
                due, DeliveryStatus.PENDING, attempts=due.attempts, next_at=until, error=note
            )
        return self._finished(due, DeliveryStatus.CANCELLED)

    def _regrouped(
        self, origin: Due, where: tuple[str, str], composed: Message, locale: str
    ) -> Message:
        """`composed` in place of the original, among what the same message carried: each
        other delivery as it reads now, an erased person's as the removal notice."""
        with self.sessions() as s:
            rows = repo.sent_together(s, origin.team_id, *where)
            together = {
                r.id: self._due(r, False, _sent_at(r)) for r in rows if "edit" not in r.payload
            }
        together[origin.id] = origin  # an original sent in flight was never settled as sent
        if len(together) < 2:
            return composed
        items = []
        for item in sorted(together.values(), key=lambda d: d.id):
            if item.id == origin.id:
                message: Message | None = composed
            elif item.payload.get("forgotten"):
                message = rendering.notice(locale, "notices/removed", {})
            else:
                message = self.composer.compose(item, locale)
            if message is not None:
                items.append(_late(locale, item, message) if item.late_by else message)
        return rendering.grouped(locale, items)[0]

    def _went_out(self, out: _Outcomes, due: Due) -> None:
        out.report.sent += 1
        metrics.DELIVERIES_SENT.labels(kind=due.kind.value).inc()
        if due.waiting:  # the workspace's token works again
            out.resumed_by[due.team_id] = out.resumed_by.get(due.team_id, 0) + 1

    def _taken_over(self, out: _Outcomes, batch: list[Due]) -> set[int]:
        """Check, right before posting `batch`, that this worker still holds it; the ids it no
        longer does (another worker claimed them after the lease lapsed, or they were
        cancelled), which it must not post. A read: no post or edit starts after half the
        lease (the batch deadline), so the lease outlasts any of them (10 s timeout) without
        being renewed: no write transaction per card (on SQLite, none queued behind the
        requests' writes)."""
        ids = [d.id for d in batch]
        now = self.clock()
        with self.sessions() as s:
            held = {i for i, until in repo.leases(s, self.owner, ids).items() if until > now}
        lost = set(ids) - held
        if lost:
            log.info("lease lost on %s: left to the worker that holds them", sorted(lost))
            out.report.taken_over += len(lost)
        return lost

    def _failed_send(
        self, out: _Outcomes, due: Due, error: SendError, *, tried: bool, uncertain: bool
    ) -> None:
        now = self.clock()
        note = (UNCERTAIN if uncertain else "") + error.reason
        if error.kind == "unauthorized":
            # Not the row's fault: it waits, attempts untouched, and is tried now and then in
            # case the credentials work again. A Slack token: a reinstall (or a working send in
            # single-workspace mode) resumes it. An ATS that refused refbot's credentials (revoked,
            # a permission missing): an admin's reconnection does (bot.services.ats), and the
            # admins were told once by the ATS service.
            waiting = WAITING_FOR_ATS if due.kind in ATS_KINDS else WAITING_FOR_TOKEN
            out.settled.append(
                _outcome(
                    due,
                    DeliveryStatus.PENDING,
                    attempts=due.attempts,
                    next_at=now + PARK_RECHECK,
                    error=waiting + note,
                )
            )
            out.report.waiting += 1
            metrics.DELIVERIES_RETRIED.labels(reason=error.kind).inc()
            return
        if error.kind == "unverified":
            # Counted, so that the checks back off to hourly, but never failed for it.
            attempts = due.attempts + 1
        else:
            attempts = due.attempts + (1 if tried and error.kind != "rate_limited" else 0)
            limit = UNKNOWN_ERROR_ATTEMPTS if error.kind == "unknown" else self.max_attempts
            if error.kind == "permanent" or attempts >= limit:
                out.settled.append(self._fail(out, due, error.reason, attempts))
                return
        if error.kind == "rate_limited":
            retry_at = now + timedelta(seconds=max(error.retry_after, 1.0))
        else:
            ceiling = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
            retry_at = now + ceiling * random.uniform(0.5, 1.0)  # jitter spreads replicas
        out.settled.append(
            _outcome(due, DeliveryStatus.PENDING, attempts=attempts, next_at=retry_at, error=note)
        )
        out.report.retried += 1
        metrics.DELIVERIES_RETRIED.labels(reason=error.kind).inc()

    def _fail(self, out: _Outcomes, due: Due, reason: str, attempts: int) -> dict[str, Any]:
        """The row fails for good; admins are told when the outcome is recorded."""
        out.failures.append((due, reason))
        out.report.failed += 1
        metrics.DELIVERIES_FAILED.labels(kind=due.kind.value).inc()
        return self._finished(due, DeliveryStatus.FAILED, reason, attempts)

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
            # A row that waited for a working token went out: the token works again (single-
            # workspace mode, where no install callback says so). The rest need not wait.
            for team_id, sent in outcomes.resumed_by.items():
                self.outbox.resume_waiting(
                    s, team_id=team_id, admins=members_repo.admins(s, team_id), already_sent=sent
                )

    def _tell_admins(self, s: Session, due: Due, reason: str) -> None:
        log.warning("delivery %s (%s) failed: %s", due.id, due.kind.value, reason)
        if due.payload.get("template") == ALERT_TEMPLATE:
            return  # never alert about an alert: that could loop
        if due.kind in ATS_KINDS:  # nobody's DM: what did not reach the ATS, in its words
            payload = text_notice(ATS_ALERT_TEMPLATE, kind=due.kind.value, reason=reason)
        else:
            payload = text_notice(
                # a recurring post (a roundup) says it will be tried again at its next time
                due.payload.get("alert_template") or ALERT_TEMPLATE,
                # what was lost, in words: a notice names what it rendered (a card…)
                kind=due.payload.get("render") or due.kind.value,
                recipient=due.recipient,
                reason=reason,
            )
        # A post that says "alert_once" (a roundup: the channel refbot is not in fails every
        # week's, each part) tells the admins once for all of them.
        once = due.payload.get("alert_once") or due.id
        for admin in members_repo.admins(s, due.team_id):
            self.outbox.notice(
                s,
                team_id=due.team_id,
                recipient=admin,
                subject=f"delivery:{due.id}",
                dedupe_key=f"delivery-failed:{once}:{admin}",
                payload=payload,
            )

    def _reader(self, team_id: str, recipient: str, known: Reader | None) -> tuple[str, str | None]:
        """The recipient's language and time zone, asking Slack for someone refbot has not met
        (or not lately): sending is after the ack, so it may wait, and a first card speaks
        French to a French recruiter, with dates in their zone."""
        if recipient[:1] not in ("U", "W"):  # a channel: no one reader
            return self.members.default_locale, None
        if known is not None:  # read for the whole batch (Members.cached_readers)
            return known.locale, known.tz
        user_id = recipient.split(",")[0]  # a person, or the first of a group DM
        profile = self.members.refreshed(team_id=team_id, user_id=user_id)
        return profile.locale, profile.tz

    def _observe_queue(self) -> None:
        now = self.clock()
        with self.sessions() as s:
            depth, oldest, waiting = repo.queue_stats(s, now=now)
        metrics.QUEUE_DEPTH.set(depth)
        metrics.OLDEST_DUE_SECONDS.set((now - oldest).total_seconds() if oldest else 0)
        metrics.WAITING_FOR_TOKEN.set(waiting)


def _sent_at(row: Delivery) -> datetime:
    """When the row went out (its lateness as it was shown), or its due time if it did not."""
    return row.sent_at or row.due_at


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
