"""Decisions on a candidate from the cards: not a fit, archive, reactivate, the hiring
manager's answer. Each re-checks the actor's role, records a private note, keeps every card
current and tells the referrers in kind, generic words."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.errors import NotAllowed, NotFound
from bot.outbox import Outbox, text_notice
from bot.services.cards import STAGES, refresh_cards
from bot.services.members import Members
from storage.db import Sessions
from storage.models import Candidate, Note
from storage.repositories import audit, candidates, deliveries, referrals
from storage.types import CandidateStatus, DeliveryKind, NoteKind

REASON_LIMIT = 2000
MOVABLE = ("reviewing", "contacted", "interviewing", "hired")
_REVIEWED = (DeliveryKind.SLA_NUDGE, DeliveryKind.SNOOZE_END)
_CLOSED = (DeliveryKind.FOLLOW_UP, DeliveryKind.SLA_NUDGE, DeliveryKind.SNOOZE_END)
# What a new status makes pointless: reviewed means no SLA nudge; back in the pipeline means no
# snooze-end DM; closed means no follow-up either.
NO_LONGER_APPLY = {
    CandidateStatus.REVIEWING: _REVIEWED,
    CandidateStatus.CONTACTED: _REVIEWED,
    CandidateStatus.INTERVIEWING: _REVIEWED,
    CandidateStatus.HIRED: _CLOSED,
    CandidateStatus.NOT_A_FIT: _CLOSED,
    CandidateStatus.ARCHIVED: _CLOSED,
}


@dataclass(frozen=True)
class Decision:
    locale: str
    candidate_name: str
    status: str
    errors: dict[str, str]


class Candidates:
    def __init__(
        self, *, sessions: Sessions, members: Members, outbox: Outbox, clock: Clock
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.outbox = outbox
        self.clock = clock

    def not_a_fit(
        self, *, team_id: str, actor_id: str, candidate: str, reason: str | None
    ) -> Decision:
        """Close the candidate with a private reason; the referrers hear a kind, generic word."""
        return self._decide(
            team_id,
            actor_id,
            candidate,
            CandidateStatus.NOT_A_FIT,
            NoteKind.NOT_A_FIT,
            reason,
            required=True,
        )

    def archive(self, *, team_id: str, actor_id: str, candidate: str) -> Decision:
        """Take the candidate out of the pipeline (still found by rediscovery)."""
        return self._decide(team_id, actor_id, candidate, CandidateStatus.ARCHIVED, None, None)

    def move(self, *, team_id: str, actor_id: str, candidate: str, stage: str) -> Decision:
        """Move the candidate along the pipeline (reviewing, contacted, interviewing, hired)."""
        if stage not in MOVABLE:
            raise NotFound
        return self._decide(team_id, actor_id, candidate, CandidateStatus(stage), None, None)

    def reactivate(self, *, team_id: str, actor_id: str, candidate: str) -> Decision:
        """Bring the candidate back to review."""
        return self._decide(
            team_id, actor_id, candidate, CandidateStatus.REVIEWING, NoteKind.REACTIVATE, None
        )

    def hm_answer(
        self, *, team_id: str, actor_id: str, candidate: str, interested: bool, reason: str | None
    ) -> Decision:
        """The hiring manager's answer, told to the candidate's recruiter."""
        locale = self.members.locale(team_id=team_id, user_id=actor_id)
        if not interested and not (reason or "").strip():
            return Decision(locale, "", "", {"reason": "required"})
        now = self.clock()
        with self.sessions.begin() as s:
            found = self._candidate(s, team_id, candidate)
            # The role this person manages, by id: a candidate may be referred to several roles.
            role = next(
                (
                    r.role
                    for r in referrals.for_candidate(s, found.id)
                    if r.role and r.role.hiring_manager_id == actor_id
                ),
                None,
            )
            if role is None:
                raise NotAllowed
            if not interested:
                s.add(
                    Note(
                        team_id=team_id,
                        candidate_id=found.id,
                        author_id=actor_id,
                        kind=NoteKind.HM_PASS,
                        body=(reason or "")[:REASON_LIMIT],
                        created_at=now,
                    )
                )
            template = "notices/hm_interested" if interested else "notices/hm_passed"
            subject = f"candidate:{found.public_id}"
            # Each change of mind reaches the recruiter (Interested, then Pass, then back);
            # the same answer twice (a double click) does not. The sequence number keeps the
            # key unique per answer while two copies of one click still collide.
            base = f"hm-answer:{found.public_id}:{role.public_id}"
            told = deliveries.latest_keyed(s, team_id, subject, base)
            if not told or told[0].payload.get("template") != template:
                self.outbox.notice(
                    s,
                    team_id=team_id,
                    recipient=role.recruiter_id,
                    subject=subject,
                    dedupe_key=f"{base}:{len(told)}" if told else base,
                    payload=text_notice(
                        template,
                        candidate=found.name,
                        manager=actor_id,
                        role=role.title,
                        reason=reason or "",
                    ),
                )
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="candidate.hm_answer",
                subject=f"candidate:{found.public_id}",
                at=now,
                interested=interested,
            )
            return Decision(locale, found.name, found.status.value, {})

    def _decide(
        self,
        team_id: str,
        actor_id: str,
        candidate: str,
        status: CandidateStatus,
        note_kind: NoteKind | None,
        note: str | None,
        *,
        required: bool = False,
    ) -> Decision:
        locale = self.members.recruiter(team_id=team_id, user_id=actor_id).locale
        note = (note or "").strip() or None
        if required and note is None:
            return Decision(locale, "", "", {"reason": "required"})
        if note and len(note) > REASON_LIMIT:
            return Decision(locale, "", "", {"reason": "too_long"})
        now = self.clock()
        with self.sessions.begin() as s:
            found = self._candidate(s, team_id, candidate)
            if found.status != status:
                self.set_status(s, found, status, actor_id=actor_id, at=now)
                if note_kind is not None:
                    s.add(
                        Note(
                            team_id=team_id,
                            candidate_id=found.id,
                            author_id=actor_id,
                            kind=note_kind,
                            body=note or "",
                            created_at=now,
                        )
                    )
                self.outbox.cancel_pending(
                    s,
                    team_id=team_id,
                    subject=f"candidate:{found.public_id}",
                    kinds=NO_LONGER_APPLY[status],
                )
                self.tell(s, team_id, found, change=f"{status.value}:{now.isoformat()}")
            return Decision(locale, found.name, found.status.value, {})

    @staticmethod
    def set_status(
        s: Session,
        candidate: Candidate,
        status: CandidateStatus,
        *,
        actor_id: str | None,
        at: datetime,
    ) -> None:
        """The one way a candidate's status changes: with an audit line (who, from, to, when)."""
        before = candidate.status
        candidate.status = status
        candidate.last_activity_at = at
        candidate.archived_at = at if status == CandidateStatus.ARCHIVED else None
        audit.record(
            s,
            team_id=candidate.team_id,
            actor_id=actor_id,
            action="candidate.status",
            subject=f"candidate:{candidate.public_id}",
            at=at,
            **{"from": before.value if before else None, "to": status.value},
        )

    def tell(self, s: Session, team_id: str, candidate: Candidate, *, change: str) -> None:
        """Every card shows the new status; each referrer hears the stage once."""
        refresh_cards(s, self.outbox, team_id, candidate.public_id, change)
        stage = STAGES[candidate.status.value]
        for referral in referrals.for_candidate(s, candidate.id):
            self.outbox.notice(
                s,
                team_id=team_id,
                recipient=referral.referrer_id,
                subject=f"candidate:{candidate.public_id}",
                dedupe_key=f"update:{referral.public_id}:{stage}",
                payload={
                    "render": "referrer_update",
                    "referral": referral.public_id,
                    "stage": stage,
                },
            )

    @staticmethod
    def _candidate(s: Session, team_id: str, public_id: str) -> Candidate:
        found = candidates.by_public_id(s, team_id, public_id)
        if found is None:
            raise NotFound
        return found
