"""Warm introductions (DESIGN.md section 7): the recruiter asks the referrer, who accepts (a
group DM of recruiter and referrer opens) or declines; one nudge after three business days
without an answer."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import i18n
from bot.clock import Clock
from bot.errors import NotAllowed, NotFound
from bot.outbox import Due, Outbox, text_notice
from bot.services.cards import refresh_cards
from bot.services.members import Members
from bot.services.referrals import ReferralForm, ReferralResult, Referrals
from bot.timecalc import in_business_days
from storage.db import Sessions
from storage.models import IntroRequest
from storage.repositories import audit, candidates, deliveries, referrals
from storage.types import CandidateStatus, DeliveryKind, IntroStatus

NUDGE_AFTER_BUSINESS_DAYS = 3


@dataclass(frozen=True)
class IntroView:
    """What the referrer's intro DM shows: the request, then (once answered) their answer and
    when they gave it."""

    public_id: str
    candidate_name: str
    recruiter_id: str
    referrer_id: str
    draft: str
    status: str
    nudge: bool
    answered_at: datetime | None = None
    outdated: bool = False  # a second answer: nothing changed, the first one stands


@dataclass(frozen=True)
class IntroAsked:
    """The answer to "Ask for intro". `already`: one is pending, nothing was sent again;
    `introduced`: the referrer already agreed to introduce them. Either way, `asked_by` and
    `asked_at` say who asked and when (`at` of the agreement, when introduced)."""

    locale: str
    referrer_id: str
    already: bool = False
    introduced: bool = False
    asked_by: str | None = None
    asked_at: datetime | None = None
    yours: bool = False  # the one who clicked is the one who asked
    resting: str | None = None  # the candidate is out of play (status): nothing was sent


# Out of play: an introduction would contact someone the team has set aside.
RESTING = frozenset(
    {
        CandidateStatus.ARCHIVED,
        CandidateStatus.HIRED,
        CandidateStatus.NOT_A_FIT,
        CandidateStatus.SNOOZED,
    }
)


class Intros:
    def __init__(
        self,
        *,
        sessions: Sessions,
        members: Members,
        referrals: Referrals,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.referrals = referrals
        self.outbox = outbox
        self.clock = clock

    def request(self, *, team_id: str, recruiter_id: str, candidate: str) -> IntroAsked:
        """Ask the referrer who can introduce the candidate; nudge once if they don't answer."""
        profile = self.members.recruiter(team_id=team_id, user_id=recruiter_id)
        now = self.clock()
        with self.sessions.begin() as s:
            found = candidates.by_public_id(s, team_id, candidate)
            if found is None:
                raise NotFound
            if found.status in RESTING:  # a stale button: nobody is asked about them now
                return IntroAsked(locale=profile.locale, referrer_id="", resting=found.status.value)
            chain = referrals.for_candidate(s, found.id)
            # The referrer who offered to introduce them (`/intro`, "I can introduce them").
            referral = next((r for r in chain if r.can_intro), chain[0] if chain else None)
            if referral is None:
                raise NotFound
            if (earlier := _standing(s, found.id, referral.referrer_id)) is not None:
                # One request at a time, and none once they agreed: say who asked, and when.
                return IntroAsked(
                    locale=profile.locale,
                    referrer_id=earlier.referrer_id,
                    already=earlier.status == IntroStatus.REQUESTED,
                    introduced=earlier.status != IntroStatus.REQUESTED,
                    asked_by=earlier.recruiter_id,
                    asked_at=earlier.answered_at or earlier.created_at,
                    yours=earlier.recruiter_id == recruiter_id,
                )
            role = referral.role.title if referral.role else None
            # Read in this transaction: a second session here would be a nested write on SQLite.
            referrer = self.members.profile_in(s, team_id=team_id, user_id=referral.referrer_id)
            intro = referrals.add_intro(
                s,
                IntroRequest(
                    team_id=team_id,
                    candidate_id=found.id,
                    referral_id=referral.id,
                    recruiter_id=recruiter_id,
                    referrer_id=referral.referrer_id,
                    draft=i18n.plain(
                        referrer.locale,
                        "intro/draft",
                        first_name=found.name.split()[0],
                        role=role,
                        recruiter=profile.name,
                    ),
                    created_at=now,
                ),
            )
            self._queue(s, intro, kind=DeliveryKind.NOTICE, due=now, key="ask")
            nudge_at = in_business_days(now, NUDGE_AFTER_BUSINESS_DAYS, referrer.tz)
            self._queue(s, intro, kind=DeliveryKind.INTRO_NUDGE, due=nudge_at, key="nudge")
            # Every recruiter's card says an introduction was asked: who asked, and when.
            refresh_cards(s, self.outbox, team_id, found.public_id, f"intro{intro.id}:asked")
            audit.record(
                s,
                team_id=team_id,
                actor_id=recruiter_id,
                action="intro.request",
                subject=f"candidate:{found.public_id}",
                at=now,
            )
            return IntroAsked(locale=profile.locale, referrer_id=referral.referrer_id)

    def answer(self, *, team_id: str, referrer_id: str, intro: str, accept: bool) -> IntroView:
        """The referrer's answer: a group DM with the recruiter, or a polite word to them.
        Every copy of the request (the ask, its nudge) then says what they answered, and when;
        an answer to a request already answered is outdated (the first answer stands)."""
        now = self.clock()
        with self.sessions.begin() as s:
            found = referrals.intro_by_public_id(s, team_id, intro)
            if found is None:
                raise NotFound
            if found.referrer_id != referrer_id:
                raise NotAllowed("referrer")
            if found.status != IntroStatus.REQUESTED:
                return _view(found, nudge=False, outdated=True)
            found.status = IntroStatus.ACCEPTED if accept else IntroStatus.DECLINED
            found.answered_at = now
            self.outbox.cancel_pending(
                s,
                team_id=team_id,
                subject=f"intro:{found.public_id}",
                kinds=[DeliveryKind.INTRO_NUDGE],
            )
            # Every card says what the referrer answered, and when (introduced: no longer
            # a lead, every card now offers to reach out).
            refresh_cards(s, self.outbox, team_id, found.candidate.public_id, f"intro{found.id}")
            self._settle(s, found)
            if accept:
                self.outbox.notice(
                    s,
                    team_id=team_id,
                    recipient=f"{found.recruiter_id},{found.referrer_id}",
                    subject=f"intro:{found.public_id}",
                    dedupe_key=f"intro:{found.public_id}:group",
                    payload=text_notice(
                        "intro/group",
                        recruiter=found.recruiter_id,
                        referrer=found.referrer_id,
                        candidate=found.candidate.name,
                        draft=found.draft or "",
                    ),
                )
            else:
                self.outbox.notice(
                    s,
                    team_id=team_id,
                    recipient=found.recruiter_id,
                    subject=f"intro:{found.public_id}",
                    dedupe_key=f"intro:{found.public_id}:declined",
                    payload=text_notice(
                        "intro/declined",
                        referrer=found.referrer_id,
                        candidate=found.candidate.name,
                    ),
                )
            audit.record(
                s,
                team_id=team_id,
                actor_id=referrer_id,
                action="intro.answer",
                subject=f"intro:{found.public_id}",
                at=now,
                accepted=accept,
            )
            return _view(found, nudge=False)

    def offer(self, *, team_id: str, referrer_id: str, form: ReferralForm) -> ReferralResult:
        """`/intro`: an employee offers to introduce someone; it is a referral the recruiter can
        act on with the intro already agreed (whether the person knows is what they answered)."""
        return self.referrals.refer(
            team_id=team_id,
            referrer_id=referrer_id,
            form=ReferralForm(**{**form.__dict__, "can_intro": True}),
        )

    def view(self, due: Due) -> IntroView | None:
        """The intro DM at send time; None once answered (a nudge then has nothing to say)."""
        with self.sessions() as s:
            found = referrals.intro_by_public_id(s, due.team_id, due.payload["intro"])
            if found is None or (
                due.kind == DeliveryKind.INTRO_NUDGE and found.status != IntroStatus.REQUESTED
            ):
                return None
            return _view(found, nudge=due.kind == DeliveryKind.INTRO_NUDGE)

    def _settle(self, s: Session, intro: IntroRequest) -> None:
        """Edit each copy of the request already in Slack (the ask, the nudge) to show the
        answer without its buttons; the clicked one is answered in place too."""
        subject = f"intro:{intro.public_id}"
        for recipient, key in deliveries.sent_keyed(s, intro.team_id, subject, f"{subject}:"):
            if key.rpartition(":")[2] not in ("ask", "nudge"):
                continue
            self.outbox.notice(
                s,
                team_id=intro.team_id,
                recipient=recipient,
                subject=subject,
                dedupe_key=f"edit:{key}:answered",
                payload={"render": "intro_request", "edit": key, "intro": intro.public_id},
            )

    def _queue(
        self, s: Session, intro: IntroRequest, *, kind: DeliveryKind, due: datetime, key: str
    ) -> None:
        self.outbox.schedule(
            s,
            team_id=intro.team_id,
            kind=kind,
            recipient=intro.referrer_id,
            subject=f"intro:{intro.public_id}",
            due_at=due,
            dedupe_key=f"intro:{intro.public_id}:{key}",
            payload={"render": "intro_request", "intro": intro.public_id},
        )


def _standing(s: Session, candidate_id: int, referrer_id: str) -> IntroRequest | None:
    """The introduction of the candidate that stands: asked of this referrer and not answered
    yet, or agreed to by any referrer (a declined one may be asked again)."""
    pending = referrals.intro_pending(s, candidate_id, referrer_id)
    if pending is not None:
        return pending
    agreed = [
        i
        for i in referrals.intros_for_candidate(s, candidate_id)
        if i.status in (IntroStatus.ACCEPTED, IntroStatus.MADE)
    ]
    return max(agreed, key=lambda i: i.id) if agreed else None


def _view(intro: IntroRequest, *, nudge: bool, outdated: bool = False) -> IntroView:
    return IntroView(
        public_id=intro.public_id,
        candidate_name=intro.candidate.name,
        recruiter_id=intro.recruiter_id,
        referrer_id=intro.referrer_id,
        draft=intro.draft or "",
        status=intro.status.value,
        nudge=nudge,
        answered_at=intro.answered_at,
        outdated=outdated,
    )
