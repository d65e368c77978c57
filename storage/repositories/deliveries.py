"""Outbox queries. `next_attempt_at` is "when this row next needs attention": the due time of a
pending row, the retry time after a failure, or the lease expiry of a claimed row. One index
(status, next_attempt_at) therefore serves every claim."""

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, not_, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Delivery
from storage.types import DeliveryKind, DeliveryStatus

WAITING = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)
# last_error prefix of a pending row that waits for its workspace to have a token that works
# (revoked, uninstalled): retried slowly without counting attempts, resumed by a reinstall.
WAITING_FOR_TOKEN = "waiting for a working token: "


def add(
    s: Session,
    *,
    team_id: str,
    kind: DeliveryKind,
    subject: str,
    recipient: str,
    due_at: datetime,
    dedupe_key: str,
    payload: dict[str, Any],
    now: datetime,
) -> int | None:
    """Insert unless the dedupe key exists; the new row's id, or None for a duplicate."""
    values = {
        "team_id": team_id,
        "kind": kind,
        "subject": subject,
        "recipient": recipient,
        "due_at": due_at,
        "next_attempt_at": due_at,
        "dedupe_key": dedupe_key,
        "payload": payload,
        "created_at": now,
    }
    return s.scalar(_ADD[s.get_bind().dialect.name], values)


def _insert_unless_duplicate(insert: Any) -> Any:
    # Built once with bound parameters: every referral queues several rows, and building the
    # statement anew each time cost more than running it (benchmarks/ack_profile.py).
    columns = ("team_id", "kind", "subject", "recipient", "due_at", "next_attempt_at")
    columns += ("dedupe_key", "payload", "created_at")
    return (
        insert(Delivery)
        .values(
            {
                **{
                    name: bindparam(name, type_=Delivery.__table__.c[name].type) for name in columns
                },
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
            }
        )
        .on_conflict_do_nothing(index_elements=[Delivery.dedupe_key])
        .returning(Delivery.id)
    )


_ADD = {
    "postgresql": _insert_unless_duplicate(pg_insert),
    "sqlite": _insert_unless_duplicate(sqlite_insert),
}


def add_many(s: Session, rows: Sequence[dict[str, Any]], *, now: datetime) -> list[datetime]:
    """`add()` for several rows in one INSERT; the due times of the rows inserted (a duplicate
    dedupe key inserts nothing). Each row has `add()`'s keyword arguments but `now`."""
    if not rows:
        return []
    values = [{**row, "next_attempt_at": row["due_at"], "created_at": now} for row in rows]
    # Core on the session's connection, with the statement compiled once per row count: no ORM
    # bulk-insert machinery per row (benchmarks/ack_profile.py).
    statement = _ADD_MANY[s.get_bind().dialect.name]
    return list(s.connection().execute(statement, values).scalars())


def _insert_many_unless_duplicate(insert: Any) -> Any:
    # Executed with a list of rows, an INSERT .. RETURNING goes out as one multi-row INSERT
    # (SQLAlchemy's "insertmanyvalues"), on both engines.
    table = Delivery.__table__
    return (
        insert(table)
        .values(status=DeliveryStatus.PENDING, attempts=0)
        .on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
        .returning(table.c.due_at)
    )


_ADD_MANY = {
    "postgresql": _insert_many_unless_duplicate(pg_insert),
    "sqlite": _insert_many_unless_duplicate(sqlite_insert),
}


def cancel_pending(s: Session, *, team_id: str, subject: str, kinds: Iterable[DeliveryKind]) -> int:
    """Cancel what has not been claimed yet; the number of rows cancelled."""
    result = s.execute(
        update(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.subject == subject,
            Delivery.kind.in_(list(kinds)),
            Delivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CANCELLED, next_attempt_at=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def claim_due(
    s: Session,
    *,
    now: datetime,
    owner: str,
    lease_until: datetime,
    limit: int,
    kinds: Collection[DeliveryKind] = (),
    other_kinds: bool = False,
) -> list[tuple[Delivery, bool]]:
    """Lease up to `limit` rows needing attention; each with whether an earlier lease lapsed.
    Only rows of `kinds` (with `other_kinds`, of every other kind) when kinds are given.

    PostgreSQL: FOR UPDATE SKIP LOCKED lets replicas claim disjoint rows without waiting.
    SQLite has one writer: the caller's transaction is BEGIN IMMEDIATE (storage.db), so the
    select and the update below happen under the write lock.
    """
    of_kind = Delivery.kind.not_in(kinds) if other_kinds else Delivery.kind.in_(kinds)
    rows = s.scalars(
        select(Delivery)
        .where(Delivery.status.in_(WAITING), Delivery.next_attempt_at <= now)
        .where(of_kind if kinds else true())
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = [(row, row.status == DeliveryStatus.CLAIMED) for row in rows]
    if rows:  # one statement for the batch, not one per row
        s.execute(
            update(Delivery)
            .where(Delivery.id.in_([row.id for row in rows]))
            .values(
                status=DeliveryStatus.CLAIMED,
                lease_owner=owner,
                lease_expires_at=lease_until,
                next_attempt_at=lease_until,
            )
            .execution_options(synchronize_session=False)
        )
    return claimed


def leases(s: Session, owner: str, ids: Sequence[int]) -> dict[int, datetime]:
    """When this owner's lease on each of `ids` it still holds ends (a read: no write lock)."""
    if not ids:
        return {}
    values = {"ids": list(ids), "owner": owner, "status": DeliveryStatus.CLAIMED}
    # Core on the session's connection: checked before every post, and the ORM's execution
    # machinery cost more than the query (benchmarks/ack_profile.py --dispatch).
    return {row.id: row.lease_expires_at for row in s.connection().execute(_LEASES, values)}


_LEASES = select(Delivery.id, Delivery.lease_expires_at).where(
    Delivery.id.in_(bindparam("ids", expanding=True)),
    Delivery.lease_owner == bindparam("owner"),
    Delivery.status == bindparam("status"),
)


def settle(s: Session, owner: str, outcomes: Sequence[dict[str, Any]]) -> None:
    """Write send outcomes in one round trip; rows whose lease another owner took, or that
    were settled meanwhile (cancelled by an erasure), are left be.

    Each outcome has id, status, attempts, next_attempt_at, channel_id, sent_ts, sent_at,
    last_error.
    """
    if not outcomes:
        return
    table = Delivery.__table__
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("_id"),
            table.c.lease_owner == owner,
            table.c.status == DeliveryStatus.CLAIMED,
        )
        .values(
            status=bindparam("_status"),
            attempts=bindparam("_attempts"),
            next_attempt_at=bindparam("_next_attempt_at"),
            channel_id=bindparam("_channel_id"),
            sent_ts=bindparam("_sent_ts"),
            sent_at=bindparam("_sent_at"),
            last_error=bindparam("_last_error"),
            lease_owner=None,
            lease_expires_at=None,
        )
    )
    s.connection().execute(statement, [{f"_{k}": v for k, v in o.items()} for o in outcomes])


def release(s: Session, owner: str, ids: Sequence[int], *, at: datetime) -> None:
    """Give leased rows back untouched (shutdown, or a rate limit that pauses the sweep)."""
    if ids:
        s.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(ids),
                Delivery.lease_owner == owner,
                Delivery.status == DeliveryStatus.CLAIMED,
            )
            .values(
                status=DeliveryStatus.PENDING,
                lease_owner=None,
                lease_expires_at=None,
                next_attempt_at=at,
            )
        )


def queue_stats(s: Session, *, now: datetime) -> tuple[int, datetime | None, int]:
    """How many rows wait, the oldest due time among those already due, and how many wait for
    a working token: one statement."""
    pending = Delivery.status == DeliveryStatus.PENDING
    depth, oldest, parked = s.execute(
        select(
            func.count(),
            func.min(Delivery.due_at).filter(Delivery.next_attempt_at <= now),
            func.count().filter(
                pending, Delivery.last_error.startswith(WAITING_FOR_TOKEN, autoescape=True)
            ),
        ).where(Delivery.status.in_(WAITING))
    ).one()
    return int(depth), oldest, int(parked)


def pending_in_team(s: Session, team_id: str) -> int:
    """How many deliveries the workspace still has to receive."""
    return int(
        s.scalar(
            select(func.count()).where(Delivery.team_id == team_id, Delivery.status.in_(WAITING))
        )
        or 0
    )


def wake_waiting(s: Session, *, now: datetime) -> int:
    """Make what waits for a working token due now, still marked as waiting: a process that
    starts may have been given a new token (single-workspace mode), so it tries at once."""
    result = s.execute(
        update(Delivery)
        .where(
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.last_error.startswith(WAITING_FOR_TOKEN, autoescape=True),
            Delivery.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def resume_waiting(s: Session, team_id: str, *, now: datetime) -> int:
    """The workspace has a working token again: what waited for it is due now (marked late by
    its own due time when it goes out); the number of rows resumed."""
    result = s.execute(
        update(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.last_error.startswith(WAITING_FOR_TOKEN, autoescape=True),
        )
        # What follows the prefix stays: an "uncertain: " row is still checked in history.
        .values(
            next_attempt_at=now,
            last_error=func.substr(Delivery.last_error, len(WAITING_FOR_TOKEN) + 1),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def by_ids(s: Session, ids: Iterable[int]) -> Sequence[Delivery]:
    return s.scalars(select(Delivery).where(Delivery.id.in_(list(ids)))).all()


# Subjects whose sent messages name people: their rows are where `/refbot forget` finds the
# channel and ts of each message to edit, so they stay until the person is erased.
NAMING_SUBJECTS = ("candidate:", "intro:", "session:", "role:")


def purge_finished(s: Session, *, before: datetime) -> int:
    """Forget cancelled rows and sent rows that name nobody, older than `before` (failed ones
    stay for inspection)."""
    names_someone = or_(*(Delivery.subject.startswith(p) for p in NAMING_SUBJECTS))
    result = s.execute(
        delete(Delivery).where(
            Delivery.created_at < before,
            or_(
                Delivery.status == DeliveryStatus.CANCELLED,
                and_(Delivery.status == DeliveryStatus.SENT, not_(names_someone)),
            ),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def status_counts(s: Session) -> dict[DeliveryStatus, int]:
    """How many rows are in each status."""
    rows = s.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    return {status: int(count) for status, count in rows}


def pending_for(s: Session, team_id: str, recipient: str, *, before: datetime) -> int:
    """Reminders (not digests) waiting for one person that fall due before `before`."""
    return int(
        s.scalar(
            select(func.count()).where(
                Delivery.team_id == team_id,
                Delivery.recipient == recipient,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.kind != DeliveryKind.DIGEST,
                Delivery.due_at < before,
            )
        )
        or 0
    )


def by_dedupe_key(s: Session, dedupe_key: str) -> Delivery | None:
    return s.scalar(select(Delivery).where(Delivery.dedupe_key == dedupe_key))


def keys_like(s: Session, team_id: str, subject: str, *prefixes: str) -> list[tuple[str, str]]:
    """(recipient, dedupe key) of a subject's deliveries whose key starts with one of
    `prefixes`, in the order written."""
    given = {"team_id": team_id, "subject": subject}
    return [(recipient, key) for recipient, key in s.execute(_keys_like(prefixes), given)]


# Built once per set of prefixes (a handful of constants): a duplicate referral and every
# decision edit the cards (building a select costs more than running it, ack_profile.py).
@cache
def _keys_like(prefixes: tuple[str, ...]) -> Select[tuple[str, str]]:
    starts = [Delivery.dedupe_key.startswith(prefix, autoescape=True) for prefix in prefixes]
    return (
        select(Delivery.recipient, Delivery.dedupe_key)
        .where(
            Delivery.team_id == bindparam("team_id"),
            Delivery.subject == bindparam("subject"),
            or_(*starts),
        )
        .order_by(Delivery.id)
    )


def pending_kind_for(
    s: Session, team_id: str, recipient: str, kind: DeliveryKind, *, before: datetime
) -> int:
    """How many of one kind wait for one person before `before`."""
    return int(
        s.scalar(
            select(func.count()).where(
                Delivery.team_id == team_id,
                Delivery.recipient == recipient,
                Delivery.kind == kind,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.due_at < before,
            )
        )
        or 0
    )


def previous_done(
    s: Session, team_id: str, recipient: str, kind: DeliveryKind, *, before: datetime
) -> datetime | None:
    """When the latest `kind` row for this person due before `before` was due, among those
    composed and settled: sent, or cancelled because it had nothing to say."""
    return s.scalar(
        select(func.max(Delivery.due_at)).where(
            Delivery.team_id == team_id,
            Delivery.recipient == recipient,
            Delivery.kind == kind,
            Delivery.status.in_((DeliveryStatus.SENT, DeliveryStatus.CANCELLED)),
            Delivery.due_at < before,
        )
    )


def pending_of_kind(
    s: Session, team_id: str, recipient: str, kind: DeliveryKind, *, before: datetime, limit: int
) -> Sequence[Delivery]:
    """One person's pending deliveries of one kind due before `before`, soonest first."""
    return s.scalars(
        select(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.recipient == recipient,
            Delivery.kind == kind,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.due_at < before,
        )
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
    ).all()


def follow_ups_open(
    s: Session, team_id: str, recruiter: str, *, since: datetime, before: datetime, limit: int
) -> Sequence[Delivery]:
    """Follow-ups that came due (or come due) in [since, before), sent or not yet."""
    return s.scalars(
        select(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.recipient == recruiter,
            Delivery.kind == DeliveryKind.FOLLOW_UP,
            Delivery.status.in_(
                [DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENT]
            ),
            Delivery.due_at >= since,
            Delivery.due_at < before,
        )
        .order_by(Delivery.due_at, Delivery.id)
        .limit(limit)
    ).all()


def bring_forward(s: Session, team_id: str, subject: str, *, to: datetime) -> int:
    """Make a subject's pending deliveries due at `to` (a session ended early)."""
    result = s.execute(
        update(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.subject == subject,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.due_at > to,
        )
        .values(due_at=to, next_attempt_at=to)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def for_subjects(s: Session, team_id: str, subjects: Sequence[str]) -> Sequence[Delivery]:
    return s.scalars(
        select(Delivery).where(Delivery.team_id == team_id, Delivery.subject.in_(subjects))
    ).all()


def latest_keyed(s: Session, team_id: str, subject: str, base: str) -> Sequence[Delivery]:
    """A subject's deliveries keyed `base` or `base:<anything>`, newest first."""
    return s.scalars(
        select(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.subject == subject,
            (Delivery.dedupe_key == base)
            | Delivery.dedupe_key.startswith(f"{base}:", autoescape=True),
        )
        .order_by(Delivery.id.desc())
    ).all()


def sent_together(s: Session, team_id: str, channel_id: str, ts: str) -> Sequence[Delivery]:
    """The deliveries one message carried (several when it grouped them), in order."""
    return s.scalars(
        select(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.channel_id == channel_id,
            Delivery.sent_ts == ts,
            Delivery.status == DeliveryStatus.SENT,
        )
        .order_by(Delivery.id)
    ).all()


def sent_listing(
    s: Session, team_id: str, subject_prefix: str, *, since: datetime
) -> Sequence[Delivery]:
    """Messages about subjects starting with `subject_prefix` (role pools: "role:") that went
    out since `since`, or are going out now: those that may list someone created then."""
    return s.scalars(
        select(Delivery).where(
            Delivery.team_id == team_id,
            Delivery.subject.startswith(subject_prefix, autoescape=True),
            ((Delivery.status == DeliveryStatus.SENT) & (Delivery.sent_at >= since))
            | (Delivery.status == DeliveryStatus.CLAIMED),
        )
    ).all()


def pending_about(s: Session, team_id: str, subject: str, kind: DeliveryKind) -> Sequence[Delivery]:
    """A subject's deliveries of one kind still to go out, soonest first."""
    return s.scalars(
        select(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.subject == subject,
            Delivery.kind == kind,
            Delivery.status.in_(WAITING),
        )
        .order_by(Delivery.due_at, Delivery.id)
    ).all()


def sent_keyed(s: Session, team_id: str, subject: str, prefix: str) -> list[tuple[str, str]]:
    """(recipient, dedupe key) of a subject's messages already in Slack whose key starts with
    `prefix`: the ones an edit can still reach."""
    return [
        (recipient, key)
        for recipient, key in s.execute(
            select(Delivery.recipient, Delivery.dedupe_key).where(
                Delivery.team_id == team_id,
                Delivery.subject == subject,
                Delivery.status == DeliveryStatus.SENT,
                Delivery.dedupe_key.startswith(prefix, autoescape=True),
            )
        )
    ]


def set_payload(s: Session, delivery_id: int, payload: dict[str, Any]) -> None:
    """A row's payload replaced: what a call delivery learnt, kept for its retries."""
    s.execute(update(Delivery).where(Delivery.id == delivery_id).values(payload=payload))
