"""CVs attached to referrals (CandidateFile) and the copies refbot shared (CandidateFileCopy)."""

from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from storage.models import CandidateFile, CandidateFileCopy, Referral


def add(
    s: Session,
    *,
    team_id: str,
    candidate_id: int,
    referral: str,
    slack_file_id: str,
    name: str,
    filetype: str,
    size: int,
    uploaded_by: str,
    created_at: datetime,
) -> int | None:
    """Keep the reference to a CV for the referral (public id `referral`); its id, or None when
    this referral holds that file already (Slack retrying the submission)."""
    referral_id = s.scalar(
        select(Referral.id).where(Referral.team_id == team_id, Referral.public_id == referral)
    )
    if referral_id is None:
        return None
    held = s.scalar(
        select(CandidateFile.id).where(
            CandidateFile.referral_id == referral_id, CandidateFile.slack_file_id == slack_file_id
        )
    )
    if held is not None:
        return None
    return s.scalar(
        insert(CandidateFile)
        .values(
            team_id=team_id,
            candidate_id=candidate_id,
            referral_id=referral_id,
            slack_file_id=slack_file_id,
            name=name,
            filetype=filetype,
            size=size,
            uploaded_by=uploaded_by,
            created_at=created_at,
        )
        .returning(CandidateFile.id)
    )


def get(s: Session, team_id: str, file_id: int) -> CandidateFile | None:
    return s.scalar(
        select(CandidateFile).where(CandidateFile.team_id == team_id, CandidateFile.id == file_id)
    )


def for_candidate(s: Session, candidate_id: int) -> list[CandidateFile]:
    """The candidate's CVs, newest first."""
    return list(s.scalars(_FOR_CANDIDATE, {"candidate_id": candidate_id}))


# Built once: every card lists them (building a select costs more than running it).
_FOR_CANDIDATE = (
    select(CandidateFile)
    .where(CandidateFile.candidate_id == bindparam("candidate_id"))
    .order_by(CandidateFile.id.desc())
)


def copy_of(s: Session, file_id: int, recipient: str) -> CandidateFileCopy | None:
    return s.scalar(
        select(CandidateFileCopy).where(
            CandidateFileCopy.file_id == file_id, CandidateFileCopy.recipient == recipient
        )
    )


def copies_for_candidate(s: Session, candidate_id: int) -> list[CandidateFileCopy]:
    return list(
        s.scalars(
            select(CandidateFileCopy)
            .join(CandidateFile, CandidateFile.id == CandidateFileCopy.file_id)
            .where(CandidateFile.candidate_id == candidate_id)
            .order_by(CandidateFileCopy.id)
        )
    )


def forget_candidate(s: Session, candidate_id: int) -> None:
    """Drop every CV reference of the candidate (the copies go with them: ON DELETE CASCADE,
    and explicitly, since SQLite enforces foreign keys only when told to)."""
    files = select(CandidateFile.id).where(CandidateFile.candidate_id == candidate_id)
    s.execute(delete(CandidateFileCopy).where(CandidateFileCopy.file_id.in_(files)))
    s.execute(delete(CandidateFile).where(CandidateFile.candidate_id == candidate_id))


def start_copy(
    s: Session,
    *,
    team_id: str,
    file_id: int,
    recipient: str,
    channel_id: str,
    slack_file_id: str,
    created_at: datetime,
) -> None:
    """Record the copy about to be shared (a new upload replaces one that never was)."""
    found = copy_of(s, file_id, recipient)
    if found is None:
        s.add(
            CandidateFileCopy(
                team_id=team_id,
                file_id=file_id,
                recipient=recipient,
                channel_id=channel_id,
                slack_file_id=slack_file_id,
                created_at=created_at,
            )
        )
    else:
        found.channel_id, found.slack_file_id, found.created_at = (
            channel_id,
            slack_file_id,
            created_at,
        )
    s.flush()


def mark_shared(s: Session, file_id: int, recipient: str, *, at: datetime) -> bool:
    """The copy is in the recipient's DM; False when the CV was forgotten meanwhile."""
    found = copy_of(s, file_id, recipient)
    if found is None:
        return False
    found.shared_at = at
    return True
