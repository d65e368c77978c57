"""ATS connections (credentials encrypted at rest) and candidate links; outbox rows waiting for
credentials the ATS accepts."""

import json
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.encryption import Secrets
from storage.models import AtsConnection, AtsLink, Delivery
from storage.types import AtsKind, AtsMode, AtsPush, DeliveryKind, DeliveryStatus

# last_error prefix of an ATS delivery that waits for credentials the ATS accepts (revoked key,
# missing permission): retried slowly without counting attempts, resumed when an admin
# reconnects. Not WAITING_FOR_TOKEN: a Slack reinstall says nothing about the ATS.
WAITING_FOR_ATS = "waiting for working ATS credentials: "
ATS_KINDS = (DeliveryKind.ATS_PUSH, DeliveryKind.ATS_NOTE)


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
        found = AtsConnection(team_id=team_id, cursors={})
        s.add(found)
    elif found.kind != kind:
        found.cursors = {}  # another ATS: polling starts over
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
