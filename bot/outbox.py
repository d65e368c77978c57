"""The outbox: services write deliveries in their own transaction (DESIGN.md section 6.1).

A delivery due now is dispatched right after the commit that created it; a rolled-back
transaction leaves nothing to send. Everything else waits for the sweep.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from storage.repositories import deliveries as repo
from storage.types import DeliveryKind

_DUE_NOW = "refbot_due_now"


@dataclass(frozen=True)
class Due:
    """A claimed delivery, as plain values."""

    id: int
    team_id: str
    kind: DeliveryKind
    subject: str
    recipient: str
    due_at: datetime
    payload: dict[str, Any]
    attempts: int
    uncertain: bool  # an earlier send may have reached Slack: look before sending again
    late_by: timedelta | None = None
    created_at: datetime | None = None  # nothing of this row can be in Slack from before
    waiting: bool = False  # it waited for its workspace to have a working token

    @property
    def posted_after(self) -> datetime:
        """The earliest moment this row can have been posted: a history check reads back to
        here. A row is claimed only once it is due, and only after it was written."""
        return max(self.due_at, self.created_at or self.due_at)


@dataclass(frozen=True)
class Queued:
    """One message for `Outbox.add_all`, which writes several in one statement."""

    team_id: str
    recipient: str
    subject: str
    dedupe_key: str
    payload: dict[str, Any]
    kind: DeliveryKind = DeliveryKind.NOTICE
    due_at: datetime | None = None  # None: now (an immediate notice)


class Outbox:
    def __init__(self, *, clock: Clock) -> None:
        self.clock = clock

    def add_all(self, s: Session, queued: Sequence[Queued]) -> int:
        """Queue several messages in the caller's transaction with one INSERT (a referral's
        cards and receipt); a dedupe key that exists already is skipped. How many were new."""
        now = self.clock()
        rows = [
            {
                "team_id": q.team_id,
                "kind": q.kind,
                "subject": q.subject,
                "recipient": q.recipient,
                "due_at": q.due_at or now,
                "dedupe_key": q.dedupe_key,
                "payload": q.payload,
            }
            for q in queued
        ]
        added = repo.add_many(s, rows, now=now)
        if any(due <= now for due in added):
            s.info[_DUE_NOW] = True
        return len(added)

    def schedule(
        self,
        s: Session,
        *,
        team_id: str,
        kind: DeliveryKind,
        recipient: str,
        subject: str,
        due_at: datetime,
        dedupe_key: str,
        payload: dict[str, Any] | None = None,
    ) -> int | None:
        """Queue a message in the caller's transaction; None when the dedupe key exists."""
        delivery_id = repo.add(
            s,
            team_id=team_id,
            kind=kind,
            subject=subject,
            recipient=recipient,
            due_at=due_at,
            dedupe_key=dedupe_key,
            payload=payload or {},
            now=self.clock(),
        )
        if delivery_id is not None and due_at <= self.clock():
            s.info[_DUE_NOW] = True
        return delivery_id

    def notice(
        self,
        s: Session,
        *,
        team_id: str,
        recipient: str,
        subject: str,
        dedupe_key: str,
        payload: dict[str, Any],
    ) -> int | None:
        """Queue an immediate message; `payload` names what renders it (see bot.composer)."""
        return self.schedule(
            s,
            team_id=team_id,
            kind=DeliveryKind.NOTICE,
            recipient=recipient,
            subject=subject,
            due_at=self.clock(),
            dedupe_key=dedupe_key,
            payload=payload,
        )

    def bring_forward(self, s: Session, *, team_id: str, subject: str) -> int:
        """Make what waits for a subject due now (a session ended early): sent after commit."""
        moved = repo.bring_forward(s, team_id, subject, to=self.clock())
        if moved:
            s.info[_DUE_NOW] = True
        return moved

    def resume_waiting(
        self, s: Session, *, team_id: str, admins: Sequence[str], already_sent: int = 0
    ) -> int:
        """The workspace has a working token again (reinstalled, or its token works again):
        what waited for it goes out now, and its admins are told how much waited. Returns the
        number of rows resumed."""
        now = self.clock()
        resumed = repo.resume_waiting(s, team_id, now=now)
        if resumed:
            s.info[_DUE_NOW] = True
        if resumed + already_sent:
            for admin in admins:
                self.notice(
                    s,
                    team_id=team_id,
                    recipient=admin,
                    subject=f"team:{team_id}",
                    dedupe_key=f"waiting-over:{team_id}:{admin}:{now.isoformat()}",
                    payload=text_notice("notices/waiting_over", count=resumed + already_sent),
                )
        return resumed

    def cancel_pending(
        self, s: Session, *, team_id: str, subject: str, kinds: Iterable[DeliveryKind]
    ) -> int:
        """Cancel what no longer applies (a reply before the follow-up, an early reactivation)."""
        return repo.cancel_pending(s, team_id=team_id, subject=subject, kinds=kinds)


def text_notice(template: str, **context: Any) -> dict[str, Any]:
    """The payload of a notice that is just text, from `templates/<locale>/<template>.j2`."""
    return {"template": template, "context": context}


def after_commit_due(sessions: sessionmaker[Session], wake: Callable[[], None]) -> None:
    """Call `wake` after each commit that queued something due now: the dispatcher's kick, or
    (a web replica leaving its sends to `refbot worker`) the NOTIFY that wakes the worker."""

    @event.listens_for(sessions, "after_commit")
    def _committed(session: Session) -> None:
        if session.info.pop(_DUE_NOW, False):
            wake()

    @event.listens_for(sessions, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop(_DUE_NOW, None)
