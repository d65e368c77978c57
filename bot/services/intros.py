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
from storage.repositories import audit, candidates, referrals
from storage.types import DeliveryKind, IntroStatus

NUDGE_AFTER_BUSINESS_DAYS = 3


@dataclass(frozen=True)
class IntroView:
    """What the referrer's intro DM shows."""

    public_id: str
    candidate_name: str
    recruiter_id: str
    referrer_id: str
    draft: str
    status: str
    nudge: bool


@dataclass(frozen=True)
class IntroAsked:
    locale: str
    referrer_id: str
    already: bool = False  # asked before and not answered yet: nothing sent again


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
            chain = referrals.for_candidate(s, found.id)
            # The referrer who offered to introduce them (`/intro`, "I can introduce them").
            referral = next((r for r in chain if r.can_intro), chain[0] if chain else None)
            if referral is None:
                raise NotFound
            if referrals.intro_pending(s, found.id, referral.referrer_id) is not None:
                # One request at a time: a second click would DM the referrer twice.
                return IntroAsked(
                    locale=profile.locale, referrer_id=referral.referrer_id, already=True
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
        """The referrer's answer: a group DM with the recruiter, or a polite word to them."""
        now = self.clock()
        with self.sessions.begin() as s:
            found = referrals.intro_by_public_id(s, team_id, intro)
            if found is None:
                raise NotFound
            if found.referrer_id != referrer_id:
                raise NotAllowed("referrer")
            if found.status == IntroStatus.REQUESTED:
                found.status = IntroStatus.ACCEPTED if accept else IntroStatus.DECLINED
                found.answered_at = now
                self.outbox.cancel_pending(
                    s,
                    team_id=team_id,
                    subject=f"intro:{found.public_id}",
                    kinds=[DeliveryKind.INTRO_NUDGE],
                )
                if accept:
                    # Introduced: no longer a lead, every card now offers to reach out.
                    refresh_cards(
                        s, self.outbox, team_id, found.candidate.public_id, f"intro{found.id}"
                    )
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


def _view(intro: IntroRequest, *, nudge: bool) -> IntroView:
    return IntroView(
        public_id=intro.public_id,
        candidate_name=intro.candidate.name,
        recruiter_id=intro.recruiter_id,
        referrer_id=intro.referrer_id,
        draft=intro.draft or "",
        status=intro.status.value,
        nudge=nudge,
    )
