"""Forgetting a person (DESIGN.md section 8): `/refbot forget` and the retention job.

The candidate row stays (counts, the audit trail), emptied of everything personal: name,
contact details, notes, referral notes, intro drafts, queued message texts. Pending messages
about them are cancelled and the cards already sent say they were removed.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot import contacts
from bot.clock import Clock
from bot.outbox import Outbox
from bot.services.members import Members
from bot.timecalc import add_months
from storage.db import Sessions
from storage.models import Candidate
from storage.repositories import audit, candidates, deliveries, referrals, search, settings
from storage.repositories.candidates import REMOVED_NAME
from storage.types import CandidateStatus, DeliveryStatus

RETENTION_BATCH = 500


@dataclass(frozen=True)
class ForgetPreview:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    candidate: str | None = None  # public id
    name: str = ""


class Privacy:
    def __init__(self, *, sessions: Sessions, members: Members, outbox: Outbox, clock: Clock):
        self.sessions = sessions
        self.members = members
        self.outbox = outbox
        self.clock = clock

    def preview(self, *, team_id: str, actor_id: str, key: str) -> ForgetPreview:
        """Who `/refbot forget <email or profile URL>` would erase (admins only)."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        email = url = None
        try:
            if "@" in key and "/" not in key:
                email = contacts.normalize_email(key)
            else:
                url = contacts.normalize_profile_url(key)
        except contacts.ContactError:
            return ForgetPreview(locale=locale, errors={"key": "invalid_key"})
        with self.sessions() as s:
            found = candidates.find_duplicate(s, team_id, email=email, profile_url=url)
            if found is None or found.name == REMOVED_NAME:
                return ForgetPreview(locale=locale, errors={"key": "no_one"})
            return ForgetPreview(locale=locale, candidate=found.public_id, name=found.name)

    def forget(self, *, team_id: str, actor_id: str, candidate: str) -> str:
        """Erase the candidate's personal data everywhere (admins only)."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        with self.sessions.begin() as s:
            found = candidates.by_public_id(s, team_id, candidate)
            if found is not None and found.name != REMOVED_NAME:
                self._erase(s, found, actor_id=actor_id, reason="request")
        return locale

    def purge(self) -> int:
        """The retention job: erase archived candidates older than each workspace's setting."""
        now, erased = self.clock(), 0
        with self.sessions.begin() as s:
            # The shortest possible retention bounds the query; each team's own is applied below.
            for found in candidates.archived_before(
                s, now - timedelta(days=28), limit=RETENTION_BATCH
            ):
                months = settings.get(s, found.team_id).retention_months
                cutoff = datetime.combine(add_months(now.date(), -months), now.timetz())
                if found.archived_at is not None and found.archived_at < cutoff:
                    self._erase(s, found, actor_id=None, reason="retention")
                    erased += 1
        return erased

    def _erase(self, s: Session, found: Candidate, *, actor_id: str | None, reason: str) -> None:
        now = self.clock()
        found.name = REMOVED_NAME
        found.email = found.profile_url = found.headline = found.company = None
        found.tags = ""
        if found.status != CandidateStatus.ARCHIVED:
            found.status = CandidateStatus.ARCHIVED
            found.archived_at = now
        for note in candidates.notes(s, found.id):
            note.body = ""
        intros = []
        for referral in referrals.for_candidate(s, found.id):
            referral.note = None
        for intro in referrals.intros_for_candidate(s, found.id):
            intro.draft = None
            intros.append(f"intro:{intro.public_id}")
        subjects = [f"candidate:{found.public_id}", *intros]
        for row in deliveries.for_subjects(s, found.team_id, subjects):
            if row.status in (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED):
                row.status = DeliveryStatus.CANCELLED
                row.next_attempt_at = None
            if "context" in row.payload:  # text notices carry the name in their context
                row.payload = {**row.payload, "context": {}}
        # The cards already in Slack now say the person was removed (edits through the outbox).
        for prefix in ("card:", "hm:"):
            for recipient, key in deliveries.keys_like(
                s, found.team_id, f"candidate:{found.public_id}", prefix
            ):
                self.outbox.notice(
                    s,
                    team_id=found.team_id,
                    recipient=recipient,
                    subject=f"forgotten:{found.public_id}",
                    dedupe_key=f"edit:{key}:forgotten",
                    payload={"template": "notices/removed", "context": {}, "edit": key},
                )
        s.flush()  # the index triggers run now, so the merge below sees the erased row
        search.forget_erased_terms(s)
        audit.record(
            s,
            team_id=found.team_id,
            actor_id=actor_id,
            action="candidate.forget",
            subject=f"candidate:{found.public_id}",
            at=now,
            reason=reason,
        )
