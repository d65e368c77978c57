"""Forgetting a person (DESIGN.md section 8): `/refbot forget` and the retention job.

The candidate row stays (counts, the audit trail), emptied of everything personal: name,
contact details, notes, referral notes, intro drafts, queued message texts. Pending messages
about them are cancelled and the cards already sent say they were removed.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import contacts
from bot.clock import Clock
from bot.outbox import Outbox
from bot.services import cvs
from bot.services.members import Members
from bot.timecalc import add_months
from storage.db import Sessions
from storage.models import Candidate, Delivery
from storage.repositories import (
    ats,
    audit,
    candidates,
    deliveries,
    forgotten,
    referrals,
    search,
    settings,
    sourcing,
)
from storage.repositories import cvs as cvs_repo
from storage.repositories.candidates import REMOVED_NAME
from storage.types import CandidateStatus, DeliveryKind, DeliveryStatus

RETENTION_BATCH = 500


@dataclass(frozen=True)
class ForgetPreview:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    candidate: str | None = None  # public id
    name: str = ""
    # CVs referrers attached: refbot deletes its copies; each referrer's own upload stays in
    # their Slack files (a bot token cannot delete a user's file).
    cvs: int = 0
    # The ATSs she is linked to ("greenhouse", "lever"): each keeps its own record (and the CV
    # attached there); a forget in refbot does not reach them.
    ats: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForgetDone:
    locale: str
    ats: tuple[str, ...] = ()  # as in ForgetPreview: the answer says the ATS was left alone


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
            return ForgetPreview(
                locale=locale,
                candidate=found.public_id,
                name=found.name,
                cvs=len(cvs_repo.for_candidate(s, found.id)),
                ats=_ats(s, found),
            )

    def forget(self, *, team_id: str, actor_id: str, candidate: str) -> ForgetDone:
        """Erase the candidate's personal data everywhere in refbot (admins only); the ATS
        she is linked to keeps its own record (refbot never erases there)."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        linked: tuple[str, ...] = ()
        with self.sessions.begin() as s:
            found = candidates.by_public_id(s, team_id, candidate)
            if found is not None and found.name != REMOVED_NAME:
                linked = _ats(s, found)
                # Asked to be forgotten: the ATS's history pull and imports must not bring
                # her back (digests only, kept before her contacts are erased).
                held = [found.email, found.profile_url]
                held += [c.value for c in candidates.other_contacts(s, [found.id])]
                forgotten.add(s, team_id, [v for v in held if v], now=self.clock())
                self._erase(s, found, actor_id=actor_id, reason="request")
        return ForgetDone(locale=locale, ats=linked)

    def purge(self) -> int:
        """The retention job: erase every archived candidate older than its workspace's
        setting, oldest first, in batches of RETENTION_BATCH (one transaction each); how many
        went."""
        now, erased = self.clock(), 0
        with self.sessions() as s:
            cutoffs = {
                team_id: datetime.combine(
                    add_months(now.date(), -settings.get(s, team_id).retention_months),
                    now.timetz(),
                )
                for team_id in candidates.teams_with_archived(s)
            }
        # Each workspace with its own cutoff in the query: a long retention elsewhere can
        # neither hide nor delay what is due here.
        for team_id, cutoff in sorted(cutoffs.items()):
            while True:
                with self.sessions.begin() as s:
                    due = candidates.archived_before(s, team_id, cutoff, limit=RETENTION_BATCH)
                    for found in due:
                        self._erase(s, found, actor_id=None, reason="retention")
                erased += len(due)
                if len(due) < RETENTION_BATCH:
                    break
        return erased

    def _erase(self, s: Session, found: Candidate, *, actor_id: str | None, reason: str) -> None:
        now = self.clock()
        found.name = REMOVED_NAME
        found.email = found.profile_url = found.headline = found.company = None
        found.tags = ""
        candidates.forget_other_contacts(s, found.id)  # her other emails and links
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
        # The CVs: refbot's references go, and its copies in recruiters' DMs are deleted.
        cvs.forget(
            s, self.outbox, team_id=found.team_id, candidate_id=found.id, candidate=found.public_id
        )
        subjects = [f"candidate:{found.public_id}", *intros]
        self._unsay(s, found, deliveries.for_subjects(s, found.team_id, subjects))
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

    def _unsay(self, s: Session, found: Candidate, about: Sequence[Delivery]) -> None:
        """Nothing refbot sent keeps naming the person: every message about them (cards,
        nudges, follow-ups, snooze ends, intro DMs, the referrer's receipt and updates, the
        hiring manager's answers) is edited to say they were removed, and every message that
        lists them among others (session summaries, role pools, grouped reminders) is composed
        again without them. What is not sent yet is cancelled.

        A row being sent right now (claimed) is cancelled too: its sender's lease check and
        settle leave a cancelled row alone, and its edit waits until that send is over, then
        finds the message by its metadata (bot.dispatcher `_edit`)."""
        team_id, pid = found.team_id, found.public_id
        edited: set[tuple[str | None, str | None]] = set()

        def edit(
            row: Delivery, kind: DeliveryKind, payload: dict[str, Any], *, in_flight: bool
        ) -> None:
            where = (row.channel_id, row.sent_ts)
            if where in edited and row.sent_ts is not None:
                return  # one edit per message: a grouped one is composed again as a whole
            edited.add(where)
            if in_flight and row.lease_expires_at is not None:
                payload = {**payload, "in_flight_until": row.lease_expires_at.isoformat()}
            self.outbox.schedule(
                s,
                team_id=team_id,
                kind=kind,
                recipient=row.recipient,
                subject=f"forgotten:{pid}",
                due_at=self.clock(),
                dedupe_key=f"edit:{row.dedupe_key}:forgotten:{pid}",
                payload={**payload, "edit": row.dedupe_key},
            )

        for row in about:
            in_flight = row.status == DeliveryStatus.CLAIMED
            if row.status in (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED):
                row.status = DeliveryStatus.CANCELLED
                row.next_attempt_at = None
            # Text notices carry the name in their context; "forgotten" makes a grouped
            # message that holds this row show the removal notice in its place.
            erased = {"context": {}} if "context" in row.payload else {}
            row.payload = {**row.payload, **erased, "forgotten": True}
            if "edit" in row.payload:
                continue  # an edit of another row: that row is edited itself
            if row.sent_ts is not None or in_flight:
                removed = {"template": "notices/removed", "context": {}}
                edit(row, DeliveryKind.NOTICE, removed, in_flight=in_flight)
        # Messages that list the person among others: composed again from the erased state.
        sessions = {r.session_id for r in referrals.for_candidate(s, found.id) if r.session_id}
        subjects = [f"session:{p}" for p in sourcing.public_ids(s, sessions)]
        listing = [
            *(
                row
                for row in deliveries.for_subjects(s, team_id, subjects)
                if row.kind == DeliveryKind.SESSION_END and row.payload.get("audience") != "channel"
            ),
            *deliveries.sent_listing(s, team_id, "role:", since=found.created_at),
            # Morning digests name each recruiter's candidates (bot.services.digests).
            *deliveries.sent_listing(s, team_id, "member:", since=found.created_at),
        ]
        for row in listing:
            in_flight = row.status == DeliveryStatus.CLAIMED
            if (row.sent_ts is not None or in_flight) and "edit" not in row.payload:
                edit(row, row.kind, dict(row.payload), in_flight=in_flight)  # its own composer


def _ats(s: Session, found: Candidate) -> tuple[str, ...]:
    return tuple(sorted({link.ats.value for link in ats.links_of(s, found.id)}))
