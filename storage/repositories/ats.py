"""ATS connections (credentials encrypted at rest) and candidate links; outbox rows waiting for
credentials the ATS accepts."""

import json
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.encryption import Secrets
from storage.models import (
    AtsApplicationState,
    AtsConnection,
    AtsCursor,
    AtsJobLink,
    AtsLink,
    AtsStage,
    AtsWrite,
    Delivery,
    Member,
    Role,
)
from storage.types import (
    AtsKind,
    AtsMode,
    AtsPush,
    CandidateStatus,
    DeliveryKind,
    DeliveryStatus,
)

# last_error prefix of an ATS delivery that waits for credentials the ATS accepts (revoked key,
# missing permission): retried slowly without counting attempts, resumed when an admin
# reconnects. Not WAITING_FOR_TOKEN: a Slack reinstall says nothing about the ATS.
WAITING_FOR_ATS = "waiting for working ATS credentials: "
ATS_KINDS = (
    DeliveryKind.ATS_PUSH,
    DeliveryKind.ATS_NOTE,
    DeliveryKind.ATS_PULL,
    DeliveryKind.ATS_STATUS,
    DeliveryKind.ATS_CV,
    DeliveryKind.ATS_HISTORY,
)


def connection(s: Session, team_id: str) -> AtsConnection | None:
    return s.scalar(select(AtsConnection).where(AtsConnection.team_id == team_id))


def credentials(found: AtsConnection, secrets: Secrets) -> dict[str, str]:
    """The stored credentials in clear (never logged, never rendered)."""
    return dict(json.loads(secrets.decrypt(found.credentials)))


def webhook_secret(found: AtsConnection, secrets: Secrets) -> str | None:
    return None if found.webhook_secret is None else secrets.decrypt(found.webhook_secret)


def save_connection(
    s: Session,
    secrets: Secrets,
    *,
    team_id: str,
    kind: AtsKind,
    credentials: dict[str, str],
    webhook_secret: str | None,
    acting_user_id: str,
    acting_user_name: str | None,
    mode: AtsMode,
    push: AtsPush,
    connected_by: str,
    now: datetime,
) -> AtsConnection:
    """Create or replace the workspace's connection, the secrets encrypted with the first key."""
    found = connection(s, team_id)
    if found is None:
        found = AtsConnection(team_id=team_id)
        s.add(found)
    found.kind = kind
    found.credentials = secrets.encrypt(json.dumps(credentials))
    found.webhook_secret = None if webhook_secret is None else secrets.encrypt(webhook_secret)
    found.acting_user_id = acting_user_id
    found.acting_user_name = acting_user_name
    found.mode = mode
    found.push = push
    found.connected_by = connected_by
    found.connected_at = now
    s.flush()
    return found


def delete_connection(s: Session, team_id: str) -> bool:
    found = connection(s, team_id)
    if found is None:
        return False
    s.delete(found)
    s.flush()
    return True


def rotate(s: Session, secrets: Secrets) -> int:
    """Re-encrypt every stored ATS secret with the first key; the number of rows rewritten."""
    rows = s.scalars(select(AtsConnection)).all()
    for row in rows:
        row.credentials = secrets.rotate(row.credentials)
        if row.webhook_secret is not None:
            row.webhook_secret = secrets.rotate(row.webhook_secret)
    s.flush()
    return len(rows)


def link(s: Session, candidate_id: int, ats: AtsKind) -> AtsLink | None:
    return s.scalar(select(AtsLink).where(AtsLink.candidate_id == candidate_id, AtsLink.ats == ats))


def links_of(s: Session, candidate_id: int) -> list[AtsLink]:
    return list(s.scalars(select(AtsLink).where(AtsLink.candidate_id == candidate_id)))


def save_link(
    s: Session,
    *,
    team_id: str,
    candidate_id: int,
    referral_id: int | None,
    ats: AtsKind,
    ats_candidate_id: str,
    ats_application_id: str | None,
    outcome: str,
    referrer_credited: bool,
    credited_to: str | None,
    now: datetime,
) -> AtsLink:
    """Record where the candidate is in the ATS (a retried push finds the same row). The first
    outcome stays: a push resumed after an uncertain call is still the one that created her."""
    found = link(s, candidate_id, ats)
    if found is None:
        found = AtsLink(
            team_id=team_id, candidate_id=candidate_id, ats=ats, outcome=outcome, created_at=now
        )
        s.add(found)
    elif found.outcome == "existing":
        found.outcome = outcome
    found.referral_id = referral_id
    found.ats_candidate_id = ats_candidate_id
    found.ats_application_id = ats_application_id
    found.referrer_credited = referrer_credited
    found.credited_to = credited_to
    found.updated_at = now
    s.flush()
    return found


def by_ats_candidate(
    s: Session, team_id: str, ats: AtsKind, ats_candidate_id: str
) -> AtsLink | None:
    """The link of the ATS's person (pulls, phase 2b)."""
    return s.scalar(
        select(AtsLink).where(
            AtsLink.team_id == team_id,
            AtsLink.ats == ats,
            AtsLink.ats_candidate_id == ats_candidate_id,
        )
    )


def push_pending(s: Session, team_id: str, subject: str) -> bool:
    """Whether a push of this subject is queued (or waiting for credentials)."""
    return (
        s.scalar(
            select(func.count()).where(
                Delivery.team_id == team_id,
                Delivery.subject == subject,
                Delivery.kind == DeliveryKind.ATS_PUSH,
                Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)),
            )
        )
        or 0
    ) > 0


def resume_waiting(s: Session, team_id: str, *, now: datetime) -> int:
    """The admin reconnected: what waited for working credentials is due now."""
    result = s.execute(
        update(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.kind.in_(ATS_KINDS),
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.last_error.startswith(WAITING_FOR_ATS, autoescape=True),
        )
        .values(next_attempt_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def cancel_pending(s: Session, team_id: str) -> int:
    """The workspace disconnected its ATS: nothing more goes there."""
    result = s.execute(
        update(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.kind.in_(ATS_KINDS),
            Delivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CANCELLED, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# -- pull (phase 2b) ---------------------------------------------------------------------------


def connections(s: Session, kind: AtsKind | None = None) -> list[AtsConnection]:
    """Every workspace's stored connection (of one ATS)."""
    query = select(AtsConnection).order_by(AtsConnection.team_id)
    if kind is not None:
        query = query.where(AtsConnection.kind == kind)
    return list(s.scalars(query))


def member_teams(s: Session) -> list[str]:
    """The workspaces refbot has seen someone in (an environment connection serves them)."""
    return list(s.scalars(select(Member.team_id).distinct().order_by(Member.team_id)))


def linked_among(s: Session, team_id: str, ats: AtsKind, ats_ids: Collection[str]) -> set[str]:
    """Which of these ATS person ids refbot has a candidate for: a poll skips the others
    cheaply, a chunk of changes at a time (with the whole history pulled, loading every link
    at each poll would cost memory and time by the million)."""
    if not ats_ids:
        return set()
    return set(
        s.scalars(
            select(AtsLink.ats_candidate_id).where(
                AtsLink.team_id == team_id,
                AtsLink.ats == ats,
                AtsLink.ats_candidate_id.in_(list(ats_ids)),
            )
        )
    )


def first_link_at(s: Session, team_id: str, ats: AtsKind) -> datetime | None:
    return s.scalar(
        select(func.min(AtsLink.created_at)).where(AtsLink.team_id == team_id, AtsLink.ats == ats)
    )


def advance_state(
    s: Session,
    *,
    team_id: str,
    ats: AtsKind,
    application_id: str,
    state: str,
    changed_at: datetime | None,
    now: datetime,
) -> str | None:
    """Move the application to `state`; the state it had before ("" the first time), or None
    when there is nothing to apply: the same state (a webhook and a poll both saw it, or a
    replay) or older news than the state already applied.

    The row is locked for the rest of the transaction (PostgreSQL: FOR UPDATE after an insert
    that waits on a concurrent one; SQLite: writes are serialised), so two reports of one
    change cannot both find it new."""
    created = _insert_state(s).values(
        team_id=team_id,
        ats=ats.value,
        application_id=application_id,
        state="",
        changed_at=None,
        updated_at=now,
    )
    s.execute(created)
    found = s.scalars(
        select(AtsApplicationState)
        .where(
            AtsApplicationState.team_id == team_id,
            AtsApplicationState.ats == ats,
            AtsApplicationState.application_id == application_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if found.state == state:
        return None
    if changed_at is not None and found.changed_at is not None and changed_at < found.changed_at:
        return None
    before = found.state
    found.state = state
    found.changed_at = changed_at or found.changed_at
    found.updated_at = now
    s.flush()
    return before


def _insert_state(s: Session) -> Any:
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = AtsApplicationState.__table__
    return insert(table).on_conflict_do_nothing(
        index_elements=[table.c.team_id, table.c.ats, table.c.application_id]
    )


def cursor(s: Session, team_id: str, ats: AtsKind, resource: str) -> datetime | None:
    return s.scalar(
        select(AtsCursor.position).where(
            AtsCursor.team_id == team_id, AtsCursor.ats == ats, AtsCursor.resource == resource
        )
    )


def save_cursor(
    s: Session, team_id: str, ats: AtsKind, resource: str, *, position: datetime, now: datetime
) -> None:
    found = s.scalar(
        select(AtsCursor).where(
            AtsCursor.team_id == team_id, AtsCursor.ats == ats, AtsCursor.resource == resource
        )
    )
    if found is None:
        s.add(
            AtsCursor(
                team_id=team_id, ats=ats, resource=resource, position=position, updated_at=now
            )
        )
    elif position > found.position:  # a slower concurrent poll never moves it back
        found.position, found.updated_at = position, now
    s.flush()


def role_for_job(s: Session, team_id: str, ats: AtsKind, job_id: str) -> Role | None:
    return s.scalar(
        select(Role)
        .join(AtsJobLink, AtsJobLink.role_id == Role.id)
        .where(AtsJobLink.team_id == team_id, AtsJobLink.ats == ats, AtsJobLink.job_id == job_id)
    )


def job_for_role(s: Session, role_id: int, ats: AtsKind) -> str | None:
    """The ATS job a role came from: a push attaches the application to it."""
    return s.scalar(
        select(AtsJobLink.job_id).where(AtsJobLink.role_id == role_id, AtsJobLink.ats == ats)
    )


def link_job(
    s: Session, *, team_id: str, ats: AtsKind, job_id: str, role_id: int, now: datetime
) -> None:
    s.add(AtsJobLink(team_id=team_id, ats=ats, job_id=job_id, role_id=role_id, updated_at=now))
    s.flush()


# -- stage mapping and write-back --------------------------------------------------------------

STAGE_KEY = 120  # characters of a stage's key (its casefolded name)
# A write the ATS never reported back stops being "refbot's own" after this: a genuine change
# to the same state later is then applied.
WRITE_ECHO_WINDOW = timedelta(days=1)


def stage_key(name: str) -> str:
    """How a stage's name is compared: casefolded, spaces collapsed."""
    return " ".join(name.casefold().split())[:STAGE_KEY]


def stages(s: Session, team_id: str, ats: AtsKind) -> list[AtsStage]:
    """The stages refbot has seen (or the admin mapped) for the workspace's ATS."""
    return list(
        s.scalars(
            select(AtsStage)
            .where(AtsStage.team_id == team_id, AtsStage.ats == ats)
            .order_by(AtsStage.id)
        )
    )


def stage_map(s: Session, team_id: str, ats: AtsKind) -> dict[str, CandidateStatus]:
    """The admin's mapping: stage key -> status (stages left to the default are absent)."""
    rows = s.execute(
        select(AtsStage.stage, AtsStage.status).where(
            AtsStage.team_id == team_id, AtsStage.ats == ats, AtsStage.status.is_not(None)
        )
    )
    return {stage: CandidateStatus(status) for stage, status in rows}


def see_stage(s: Session, team_id: str, ats: AtsKind, name: str, *, now: datetime) -> None:
    """Remember a stage a change came at (the mapping view lists it)."""
    key = stage_key(name)
    if not key:
        return
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = AtsStage.__table__
    spelled = name.strip()[:200]
    statement = insert(table).values(
        team_id=team_id,
        ats=ats.value,
        stage=key,
        name=spelled,
        status=None,
        seen_at=now,
        updated_at=now,
    )
    s.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.team_id, table.c.ats, table.c.stage],
            set_={"seen_at": now, "name": spelled},
        )
    )


def save_stage_map(
    s: Session,
    *,
    team_id: str,
    ats: AtsKind,
    names: dict[str, str],
    chosen: dict[str, CandidateStatus | None],
    actor_id: str,
    now: datetime,
) -> int:
    """Store the admin's choices (key -> status, None: the default); how many changed."""
    found = {row.stage: row for row in stages(s, team_id, ats)}
    changed = 0
    for key, status in chosen.items():
        row = found.get(key)
        if row is None and status is None:
            continue  # a default stage left to its default
        if row is None:
            row = AtsStage(team_id=team_id, ats=ats, stage=key, name=names.get(key, key)[:200])
            s.add(row)
        elif row.status == status:
            continue
        row.status, row.updated_at, row.updated_by = status, now, actor_id
        changed += 1
    s.flush()
    return changed


def record_write(
    s: Session, *, team_id: str, ats: AtsKind, application_id: str, state: str, now: datetime
) -> AtsWrite:
    """Before refbot writes a state to an application: its echo will be recognised."""
    row = AtsWrite(
        team_id=team_id,
        ats=ats,
        application_id=application_id,
        state=state[:120],
        written_at=now,
        echoed=False,
    )
    s.add(row)
    s.flush()
    return row


def forget_write(s: Session, write_id: int) -> None:
    """The write did not happen (the ATS refused it): nothing of refbot's will come back."""
    found = s.get(AtsWrite, write_id)
    if found is not None:
        s.delete(found)
        s.flush()


def take_write(
    s: Session, *, team_id: str, ats: AtsKind, application_id: str, state: str, now: datetime
) -> bool:
    """Whether `state`, just reported by the ATS, is one refbot wrote and has not seen back yet;
    it and every earlier write to the application are then seen (a poll reads only the latest
    state: the writes before it came back too)."""
    mine = s.scalars(
        select(AtsWrite)
        .where(
            AtsWrite.team_id == team_id,
            AtsWrite.ats == ats,
            AtsWrite.application_id == application_id,
            AtsWrite.echoed.is_(False),
            AtsWrite.written_at >= now - WRITE_ECHO_WINDOW,
        )
        .order_by(AtsWrite.id)
    ).all()
    matching = [w for w in mine if w.state == state[:120]]
    if not matching:
        return False
    for write in mine:
        if write.id <= matching[-1].id:
            write.echoed = True
    s.flush()
    return True


# -- changes that arrive before the push's link ------------------------------------------------


def held_subject(ats: AtsKind, ats_candidate_id: str) -> str:
    """The subject of a change held until refbot knows whose it is (bot.services.ats_pull)."""
    return f"ats-held:{ats.value}:{ats_candidate_id}"[:80]


def pushes_in_flight(s: Session, team_id: str) -> bool:
    """Whether a push of the workspace is queued, retrying or being sent: a change about a
    person refbot does not know yet may be about hers."""
    found = s.scalar(
        select(Delivery.id)
        .where(
            Delivery.team_id == team_id,
            Delivery.kind == DeliveryKind.ATS_PUSH,
            Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)),
        )
        .limit(1)
    )
    return found is not None


def release_held(
    s: Session, team_id: str, ats: AtsKind, ats_candidate_id: str, *, now: datetime
) -> int:
    """The push saved her link: the changes held for her are due now."""
    result = s.execute(
        update(Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.kind == DeliveryKind.ATS_PULL,
            Delivery.subject == held_subject(ats, ats_candidate_id),
            Delivery.status == DeliveryStatus.PENDING,
        )
        .values(due_at=now, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
