"""Decisions on a candidate from the cards: not a fit, archive, reactivate, take it, the hiring
manager's answer. Each re-checks the actor's role, refuses a button the candidate has moved past
(an outdated one says what happened instead), records a private note, keeps every card current,
settles the prompts it answers and tells the referrers in kind, generic words."""

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.errors import NotAllowed, NotFound
from bot.outbox import Outbox, text_notice
from bot.services import changes
from bot.services.cards import refresh_cards, tell_referrers
from bot.services.changes import Change, Decision
from bot.services.members import Members
from bot.services.rewards import Rewards
from storage.db import Sessions
from storage.models import Candidate, Note, Role
from storage.repositories import audit, candidates, deliveries, outreach, referrals
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


IN_PROCESS = frozenset({"new", "reviewing", "contacted", "interviewing"})
RESTING = frozenset({"snoozed", "not_a_fit", "archived"})
# The statuses in which each button is offered (card, prompts, lists): a click on it in any
# other status is an outdated button, answered with what happened instead of acting.
OFFERED = {
    "archive": IN_PROCESS | {"snoozed"},
    "reactivate": RESTING,
    "not_a_fit": IN_PROCESS,
    "move": IN_PROCESS | {"hired"},  # a hire undone: back in process (its reward cancelled)
    "snooze": IN_PROCESS | {"snoozed"},
    "reach_out": IN_PROCESS,
    "request_intro": IN_PROCESS,
    "take": IN_PROCESS,
    "hm": IN_PROCESS,
}


# A Slack edit to write back to the ATS, in the edit's transaction (bot.services.ats_writeback).
WriteBack = Callable[..., object]
# The decisions written back to the ATS; archive and reactivate stay in refbot.
WRITTEN_BACK = ("move", "not_a_fit")


class Candidates:
    def __init__(
        self,
        *,
        sessions: Sessions,
        members: Members,
        outbox: Outbox,
        clock: Clock,
        rewards: Rewards | None = None,
        write_back: WriteBack | None = None,
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.outbox = outbox
        self.clock = clock
        self.rewards = rewards
        self.write_back = write_back

    def not_a_fit(
        self,
        *,
        team_id: str,
        actor_id: str,
        candidate: str,
        reason: str | None,
        shown: str | None = None,
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
            action="not_a_fit",
            shown=shown,
        )

    def archive(
        self, *, team_id: str, actor_id: str, candidate: str, shown: str | None = None
    ) -> Decision:
        """Take the candidate out of the pipeline (still found by rediscovery). `shown`: the
        status the clicked message was about, when it was about one (a snooze that ended)."""
        return self._decide(
            team_id,
            actor_id,
            candidate,
            CandidateStatus.ARCHIVED,
            None,
            None,
            action="archive",
            shown=shown,
        )

    def move(
        self, *, team_id: str, actor_id: str, candidate: str, stage: str, shown: str | None = None
    ) -> Decision:
        """Move the candidate along the pipeline (reviewing, contacted, interviewing, hired)."""
        if stage not in MOVABLE:
            raise NotFound
        return self._decide(
            team_id,
            actor_id,
            candidate,
            CandidateStatus(stage),
            None,
            None,
            action="move",
            shown=shown,
        )

    def reactivate(
        self, *, team_id: str, actor_id: str, candidate: str, shown: str | None = None
    ) -> Decision:
        """Bring the candidate back to review."""
        return self._decide(
            team_id,
            actor_id,
            candidate,
            CandidateStatus.REVIEWING,
            NoteKind.REACTIVATE,
            None,
            action="reactivate",
            shown=shown,
        )

    def check(
        self,
        *,
        team_id: str,
        actor_id: str,
        candidate: str,
        action: str,
        shown: str | None = None,
    ) -> Decision:
        """Whether a button that opens a modal (snooze, not a fit, reach out, pass) still
        applies: `outdated` (and what happened instead) when the candidate moved on."""
        hiring_manager = action == "hm_pass"
        if hiring_manager:
            locale = self.members.locale(team_id=team_id, user_id=actor_id)
        else:
            locale = self.members.recruiter(team_id=team_id, user_id=actor_id).locale
        with self.sessions() as s:
            found = self._candidate(s, team_id, candidate)
            if hiring_manager:
                self._managed_role(s, found, actor_id)
                answer = changes.hm_answer(s, team_id, found.public_id, actor_id)
                if answer is not None and answer.what == "passed":
                    return changes.decided(locale, found, answer, outdated=True)
                action = "hm"
            stale = self._stale(s, locale, found, action, shown)
            return stale or Decision(locale, found.name, found.status.value, candidate=candidate)

    def answered(
        self,
        *,
        team_id: str,
        actor_id: str,
        candidate: str,
        action: str,
        message: tuple[str, str] | None = None,
    ) -> Decision:
        """What a decision modal ("snooze", "not_a_fit", "reach_out", "hm_pass") left, for the
        list item it was opened from: the change that answers it, or what happened instead
        once the candidate moved on; no change when it did nothing (a refused form), or when
        `message` (channel, ts) is not a list refbot sent this actor. Re-checks the role."""
        hiring_manager = action == "hm_pass"
        if hiring_manager:
            locale = self.members.locale(team_id=team_id, user_id=actor_id)
        else:
            locale = self.members.recruiter(team_id=team_id, user_id=actor_id).locale
        with self.sessions() as s:
            found = self._candidate(s, team_id, candidate)
            nothing = Decision(locale, found.name, found.status.value, candidate=found.public_id)
            if message is not None and not any(
                d.recipient == actor_id for d in deliveries.sent_together(s, team_id, *message)
            ):
                return nothing  # the metadata came back from the client: not theirs to edit
            status = found.status.value
            change: Change | None = None
            if hiring_manager:
                self._managed_role(s, found, actor_id)
                change = changes.hm_answer(s, team_id, found.public_id, actor_id)
                change = change if change is not None and change.what == "passed" else None
            elif action == "reach_out" and status == "contacted":
                # Contacted again keeps the status: the latest outreach says who and when.
                sent = outreach.latest(s, found.id)
                if sent is not None and sent.sent_at is not None:
                    change = Change("contacted", sent.recruiter_id, sent.sent_at)
            elif status == {"snooze": "snoozed", "not_a_fit": "not_a_fit"}.get(action):
                change = changes.last_status(s, team_id, found.public_id)
            if change is None and status not in OFFERED["hm" if hiring_manager else action]:
                change = changes.last_status(s, team_id, found.public_id)  # moved on meanwhile
            if change is None:
                return nothing
            return changes.decided(locale, found, change, outdated=False)

    def take(
        self, *, team_id: str, actor_id: str, candidate: str, shown_owner: str | None
    ) -> Decision:
        """The recruiter takes the candidate: they own it from now on, and every recruiter's
        card says so. `shown_owner`: the owner the clicked card showed ("" for nobody); when
        someone else took the candidate since, the button is outdated."""
        locale = self.members.recruiter(team_id=team_id, user_id=actor_id).locale
        now = self.clock()
        with self.sessions.begin() as s:
            found = self._candidate(s, team_id, candidate, lock=True)
            if (stale := self._stale(s, locale, found, "take", None)) is not None:
                return stale
            if found.owner_id == actor_id or (
                shown_owner is not None and (found.owner_id or "") != shown_owner
            ):
                taken = changes.owner_since(s, team_id, found.public_id)
                owner = taken or Change("taken", found.owner_id, found.created_at)
                return changes.decided(locale, found, owner, outdated=True)
            before, found.owner_id = found.owner_id, actor_id
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action=changes.TAKE,
                subject=f"candidate:{found.public_id}",
                at=now,
                **{"from": before, "to": actor_id},
            )
            refresh_cards(s, self.outbox, team_id, found.public_id, f"taken:{now.isoformat()}")
            return Decision(
                locale,
                found.name,
                found.status.value,
                candidate=found.public_id,
                change=Change("taken", actor_id, now),
            )

    def hm_answer(
        self,
        *,
        team_id: str,
        actor_id: str,
        candidate: str,
        interested: bool,
        reason: str | None,
    ) -> Decision:
        """The hiring manager's answer, told to the candidate's recruiter; their card then says
        what they answered and offers the other answer (a change of mind is allowed). The same
        answer again, or an answer about someone no longer in process, is outdated."""
        locale = self.members.locale(team_id=team_id, user_id=actor_id)
        if not interested and not (reason or "").strip():
            return Decision(locale, "", "", {"reason": "required"})
        now = self.clock()
        with self.sessions.begin() as s:
            found = self._candidate(s, team_id, candidate, lock=True)
            role = self._managed_role(s, found, actor_id)
            if (stale := self._stale(s, locale, found, "hm", None)) is not None:
                return stale
            answered = changes.hm_answer(s, team_id, found.public_id, actor_id)
            what = "interested" if interested else "passed"
            if answered is not None and answered.what == what:
                return changes.decided(locale, found, answered, outdated=True)
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
                action=changes.HM_ANSWER,
                subject=f"candidate:{found.public_id}",
                at=now,
                interested=interested,
            )
            # Every card of the candidate is composed again: theirs now shows their answer.
            refresh_cards(s, self.outbox, team_id, found.public_id, f"{what}:{now.isoformat()}")
            return Decision(
                locale,
                found.name,
                found.status.value,
                candidate=found.public_id,
                change=Change(what, actor_id, now),
            )

    def _decide(
        self,
        team_id: str,
        actor_id: str,
        candidate: str,
        status: CandidateStatus,
        note_kind: NoteKind | None,
        note: str | None,
        *,
        action: str,
        shown: str | None,
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
            found = self._candidate(s, team_id, candidate, lock=True)
            stale = self._stale(s, locale, found, action, shown)
            if stale is None and found.status == status:  # a double click, two people at once
                last = changes.last_status(s, team_id, found.public_id)
                stale = changes.decided(locale, found, last, outdated=True)
            if stale is not None:
                return stale
            before = found.status.value
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
            if self.write_back is not None and action in WRITTEN_BACK:
                self.write_back(s, found, status, actor_id=actor_id, at=now)
            return Decision(
                locale,
                found.name,
                found.status.value,
                candidate=found.public_id,
                change=Change(
                    "reactivated" if before in RESTING and status == "reviewing" else status.value,
                    actor_id,
                    now,
                ),
            )

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

    def tell(
        self,
        s: Session,
        team_id: str,
        candidate: Candidate,
        *,
        change: str,
        started_on: date | None = None,
    ) -> None:
        """Every card shows the new status, every prompt it answers says so; each referrer
        hears each change of stage once; a hire (or a hire undone) moves the referrer's reward
        (counted from `started_on`, the start date the ATS gave, else from the hire)."""
        refresh_cards(s, self.outbox, team_id, candidate.public_id, change)
        if self.rewards is not None:
            self.rewards.status_changed(s, candidate, at=self.clock(), started_on=started_on)
        # The caller has just recorded the change (set_status): who made it, and when.
        if (done := changes.last_status(s, team_id, candidate.public_id)) is not None:
            changes.settle_prompts(s, self.outbox, team_id, candidate.public_id, done)
        tell_referrers(s, self.outbox, team_id, candidate)

    @staticmethod
    def _stale(
        s: Session, locale: str, found: Candidate, action: str, shown: str | None
    ) -> Decision | None:
        """The answer to an outdated button, or None when it still applies: the candidate's
        status no longer offers it, or is not the one the clicked message was about."""
        status = found.status.value
        if status in OFFERED[action] and shown in (None, status):
            return None
        last = changes.last_status(s, found.team_id, found.public_id)
        return changes.decided(locale, found, last, outdated=True)

    @staticmethod
    def _managed_role(s: Session, found: Candidate, manager: str) -> Role:
        """The role of the candidate's this person is hiring manager of (a candidate may be
        referred to several roles); NotAllowed for anyone else."""
        role = next(
            (
                r.role
                for r in referrals.for_candidate(s, found.id)
                if r.role and r.role.hiring_manager_id == manager
            ),
            None,
        )
        if role is None:
            raise NotAllowed("hiring_manager")
        return role

    @staticmethod
    def _candidate(s: Session, team_id: str, public_id: str, *, lock: bool = False) -> Candidate:
        found = candidates.by_public_id(s, team_id, public_id)
        if found is None:
            raise NotFound
        if lock:  # a decision reads then writes: two at once must not both act (PostgreSQL)
            s.refresh(found, with_for_update=True)
        return found
