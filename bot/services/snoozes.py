"""Snoozing a candidate: "not now" comes back at the right time, once, with the note written
then (DESIGN.md sections 6 and 7)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.clock import Clock
from bot.errors import NotFound
from bot.outbox import Due, Outbox
from bot.services.candidates import Candidates
from bot.services.cards import CandidateCard, candidate_card
from bot.services.members import Members
from bot.timecalc import in_months, on_date
from storage.db import Sessions
from storage.models import Note
from storage.repositories import audit, candidates, outreach, settings
from storage.types import CandidateStatus, DeliveryKind, NoteKind

PRESETS = {"1m": 1, "3m": 3, "6m": 6, "12m": 12}
NOTE_LIMIT = 1000
PAUSED = (DeliveryKind.FOLLOW_UP, DeliveryKind.SLA_NUDGE, DeliveryKind.SNOOZE_END)


@dataclass(frozen=True)
class SnoozeResult:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    candidate_name: str = ""
    until: datetime | None = None
    tz: str = "UTC"


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    kind: str  # referred, snoozed, reactivated, not_a_fit, note…
    who: str | None
    text: str | None


@dataclass(frozen=True)
class SnoozeDue:
    """The DM at the end of a snooze: the note written then, and what happened before."""

    card: CandidateCard
    note: str | None
    snoozed_at: datetime
    history: tuple[HistoryLine, ...]
    tz: str | None = None  # the recipient's zone, for dates written out in full


# A snooze is offered only while the candidate is in play (or snoozed: "snooze again"); one of
# these means someone decided while the modal was open.
DECIDED = frozenset({CandidateStatus.ARCHIVED, CandidateStatus.HIRED, CandidateStatus.NOT_A_FIT})


class Snoozes:
    def __init__(
        self,
        *,
        sessions: Sessions,
        members: Members,
        candidates: Candidates,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.candidates = candidates
        self.outbox = outbox
        self.clock = clock
        # A snooze of a candidate in the ATS becomes a note there (bot.services.ats_writeback).
        self.write_back = candidates.write_back

    def default_preset(self, *, team_id: str) -> str:
        """The workspace's default snooze, as a preset of the modal."""
        with self.sessions() as s:
            months = settings.get(s, team_id).snooze_default_months
        return next((k for k, v in PRESETS.items() if v == months), "6m")

    def snooze(
        self,
        *,
        team_id: str,
        actor_id: str,
        candidate_id: str,
        until: str | None,
        on_day: str | None,
        note: str | None,
    ) -> SnoozeResult:
        """Take the candidate out of the pipeline until 09:00 recruiter-local on the chosen day."""
        self.members.recruiter(team_id=team_id, user_id=actor_id)
        profile = self.members.profile(team_id=team_id, user_id=actor_id)
        now = self.clock()
        note = (note or "").strip() or None
        errors: dict[str, str] = {}
        due: datetime | None = None
        if until in PRESETS:
            due = in_months(now, PRESETS[until], profile.tz)
        elif until == "date":
            if not on_day:
                errors["date"] = "required"
            else:
                due = on_date(date.fromisoformat(on_day), profile.tz)
                if due <= now:
                    errors["date"] = "past_date"
        else:
            errors["until"] = "required"
        if note and len(note) > NOTE_LIMIT:
            errors["note"] = "too_long"
        if errors or due is None:
            return SnoozeResult(locale=profile.locale, errors=errors)
        with self.sessions.begin() as s:
            found = candidates.by_public_id(s, team_id, candidate_id)
            if found is None:
                raise NotFound
            if found.status in DECIDED:  # decided since the modal opened: theirs stands
                return SnoozeResult(locale=profile.locale, errors={"until": "status_changed"})
            self.candidates.set_status(s, found, CandidateStatus.SNOOZED, actor_id=actor_id, at=now)
            written = candidates.add_note(
                s,
                Note(
                    team_id=team_id,
                    candidate_id=found.id,
                    author_id=actor_id,
                    kind=NoteKind.SNOOZE,
                    body=note or "",
                    created_at=now,
                ),
            )
            subject = f"candidate:{found.public_id}"
            self.outbox.cancel_pending(s, team_id=team_id, subject=subject, kinds=PAUSED)
            self.outbox.schedule(
                s,
                team_id=team_id,
                kind=DeliveryKind.SNOOZE_END,
                recipient=actor_id,
                subject=subject,
                due_at=due,
                dedupe_key=f"snooze:{found.public_id}:{written.id}",
                payload={"candidate": found.public_id, "note": written.id},
            )
            self.candidates.tell(s, team_id, found, change=f"snoozed:{written.id}")
            if self.write_back is not None:
                self.write_back(
                    s,
                    found,
                    CandidateStatus.SNOOZED,
                    actor_id=actor_id,
                    at=now,
                    note=written.id,
                    until=due.isoformat(),
                )
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="candidate.snooze",
                subject=subject,
                at=now,
                until=due.isoformat(),
            )
            return SnoozeResult(
                locale=profile.locale, candidate_name=found.name, until=due, tz=profile.tz
            )

    def due(self, due: Due) -> SnoozeDue | None:
        """The snooze-end DM's content at send time; None if she is no longer snoozed."""
        with self.sessions() as s:
            card = candidate_card(s, due.team_id, due.payload["candidate"])
            found = candidates.by_public_id(s, due.team_id, due.payload["candidate"])
            if card is None or found is None or found.status != CandidateStatus.SNOOZED:
                return None
            note = candidates.note_by_id(s, due.payload["note"])
            history = [
                HistoryLine(r.created_at, "referred", r.referrer_id, None) for r in found.referrals
            ]
            history += [
                HistoryLine(o.created_at, "reached_out", o.recruiter_id, o.variant)
                for o in outreach.for_candidate(s, found.id)
            ]
            history += [
                HistoryLine(n.created_at, n.kind.value, n.author_id, n.body or None)
                for n in candidates.notes(s, found.id)
                if n.kind in (NoteKind.SNOOZE, NoteKind.REACTIVATE, NoteKind.NOTE)
            ]
            return SnoozeDue(
                card=card,
                note=note.body if note and note.body else None,
                snoozed_at=note.created_at if note else due.due_at,
                history=tuple(sorted(history, key=lambda h: h.at)),
                tz=self.members.profile_in(s, team_id=due.team_id, user_id=due.recipient).tz,
            )
