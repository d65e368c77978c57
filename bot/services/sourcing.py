"""Team sourcing sessions in a channel (DESIGN.md section 7): everyone adds contacts for a
role, duplicates are caught live, the channel sees counts and names of contributors only, and
the recruiter and hiring manager get the full summary when it ends."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.errors import NotAllowed, NotFound
from bot.outbox import Due, Outbox
from bot.services.members import Members
from bot.services.next_step import Step, next_step
from bot.services.referrals import ReferralForm, ReferralResult, Referrals
from bot.services.roles import RoleLine, Roles
from bot.user_input import whole_number
from storage.db import Sessions
from storage.models import SourcingSession
from storage.repositories import audit, referrals, roles, sourcing
from storage.types import DeliveryKind, RoleStatus, SessionStatus

DURATIONS = {
    "30m": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "2h": timedelta(hours=2),
    "4h": timedelta(hours=4),
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "1w": timedelta(weeks=1),
}
CARD_EVERY = timedelta(seconds=5)  # chat.update is Tier 3 (~50/min): at most one per 5 s
GOAL_LIMIT = 1000
PROMPT_LIMIT = 300


@dataclass(frozen=True)
class StartForm:
    locale: str
    channel_id: str
    roles: tuple[RoleLine, ...]  # the roles this person may start a session for
    allowed: bool = True  # False: not a recruiter, and hiring manager of no role


@dataclass(frozen=True)
class StartResult:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    role_title: str = ""


@dataclass(frozen=True)
class ActiveSession:
    public_id: str
    role_title: str
    channel_id: str


@dataclass(frozen=True)
class Contact:
    candidate: str  # public id
    name: str
    email: str | None
    profile_url: str | None
    referrer_id: str
    relationship: str | None
    strength: str | None
    note: str | None
    duplicate: bool  # already known before this session
    step: Step | None = None  # the recruiter's button for them, as on their card


@dataclass(frozen=True)
class SessionCard:
    public_id: str
    role_title: str
    prompt: str | None
    goal: int | None
    new: int
    leaderboard: tuple[tuple[str, int], ...]  # (user id, contacts), most first
    ends_at: datetime
    ended: bool

    @property
    def progress(self) -> int:
        """Percent of the goal reached, 0-100."""
        return min(100, math.floor(100 * self.new / self.goal)) if self.goal else 0


@dataclass(frozen=True)
class SessionSummary:
    card: SessionCard
    contacts: tuple[Contact, ...]
    for_hiring_manager: bool


@dataclass(frozen=True)
class EndResult:
    locale: str
    outcome: str  # ended, already_ended (someone was quicker), none_running (nothing to end)
    may_start: bool = False  # with none_running: whether to suggest `/sourcing start`


@dataclass(frozen=True)
class AddResult:
    locale: str
    outcome: str  # added, known, again, ended
    referral: ReferralResult | None = None


class Sourcing:
    def __init__(
        self,
        *,
        sessions: Sessions,
        members: Members,
        roles: Roles,
        referrals: Referrals,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.roles = roles
        self.referrals = referrals
        self.outbox = outbox
        self.clock = clock

    def start_form(self, *, team_id: str, actor_id: str, channel_id: str) -> StartForm:
        """The start modal's choices: the open and upcoming roles this person may source for
        (a recruiter: all; a hiring manager: theirs). Nobody else is offered the modal."""
        profile = self.members.profile(team_id=team_id, user_id=actor_id)
        choices = self.roles.referable(team_id=team_id)
        if profile.is_recruiter:
            return StartForm(locale=profile.locale, channel_id=channel_id, roles=choices)
        with self.sessions() as s:
            managed = roles.managed_by(s, team_id, actor_id)
        return StartForm(
            locale=profile.locale,
            channel_id=channel_id,
            roles=tuple(r for r in choices if r.public_id in managed),
            allowed=bool(managed),
        )

    def start(
        self,
        *,
        team_id: str,
        actor_id: str,
        channel_id: str,
        role: str | None,
        duration: str | None,
        goal: str | None,
        prompt: str | None,
    ) -> StartResult:
        """Start a session in the channel (the role's recruiter or hiring manager, or any
        recruiter) and queue its card, its end and its summaries."""
        profile = self.members.profile(team_id=team_id, user_id=actor_id)
        errors: dict[str, str] = {}
        if duration not in DURATIONS:
            errors["duration"] = "invalid_choice"
        goal_value = whole_number(goal)  # ASCII digits only: "²" passes str.isdigit()
        if goal and (goal_value is None or not 1 <= goal_value <= GOAL_LIMIT):
            errors["goal"] = "out_of_range"
        if prompt and len(prompt) > PROMPT_LIMIT:
            errors["prompt"] = "too_long"
        now = self.clock()
        with self.sessions.begin() as s:
            found = roles.by_public_id(s, team_id, role) if role else None
            if found is None or found.status == RoleStatus.CLOSED:
                errors["role"] = "required"
            if errors or found is None or duration is None:
                return StartResult(locale=profile.locale, errors=errors)
            if not profile.is_recruiter and actor_id != found.hiring_manager_id:
                raise NotAllowed("role_team")
            if sourcing.active_in(s, team_id, channel_id, now) is not None:
                return StartResult(locale=profile.locale, errors={"role": "session_running"})
            session = sourcing.add(
                s,
                SourcingSession(
                    team_id=team_id,
                    channel_id=channel_id,
                    role_id=found.id,
                    owner_id=actor_id,
                    goal=goal_value,
                    starts_at=now,
                    ends_at=now + DURATIONS[duration],
                    prompt=prompt,
                ),
            )
            self._queue(s, session, found.recruiter_id, found.hiring_manager_id)
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="session.start",
                subject=f"session:{session.public_id}",
                at=now,
            )
            return StartResult(locale=profile.locale, role_title=found.title)

    def _queue(
        self, s: Session, session: SourcingSession, recruiter: str, manager: str | None
    ) -> None:
        subject, pid, end = f"session:{session.public_id}", session.public_id, session.ends_at
        card = {"render": "session_card", "session": pid}
        team = session.team_id
        self.outbox.notice(
            s,
            team_id=team,
            recipient=session.channel_id,
            subject=subject,
            dedupe_key=f"session:{pid}:card",
            payload=card,
        )
        # Everything the end brings is queued now, so it happens even across restarts.
        self.outbox.schedule(
            s,
            team_id=team,
            kind=DeliveryKind.NOTICE,
            recipient=session.channel_id,
            subject=subject,
            due_at=end,
            dedupe_key=f"edit:session:{pid}:card:end",
            payload={**card, "edit": f"session:{pid}:card"},
        )
        self.outbox.schedule(
            s,
            team_id=team,
            kind=DeliveryKind.SESSION_END,
            recipient=session.channel_id,
            subject=subject,
            due_at=end,
            dedupe_key=f"session:{pid}:thanks",
            payload={"session": pid, "audience": "channel"},
        )
        for audience, person in (("recruiter", recruiter), ("hiring_manager", manager)):
            if person and not (audience == "hiring_manager" and person == recruiter):
                self.outbox.schedule(
                    s,
                    team_id=team,
                    kind=DeliveryKind.SESSION_END,
                    recipient=person,
                    subject=subject,
                    due_at=end,
                    dedupe_key=f"session:{pid}:summary:{person}",
                    payload={"session": pid, "audience": audience},
                )

    def active(self, *, team_id: str, channel_id: str) -> ActiveSession | None:
        """The session running in this channel, if any."""
        with self.sessions() as s:
            found = sourcing.active_in(s, team_id, channel_id, self.clock())
            if found is None:
                return None
            role = roles.by_id(s, found.role_id) if found.role_id else None
            return ActiveSession(found.public_id, role.title if role else "", found.channel_id)

    def may_start(self, *, team_id: str, actor_id: str) -> bool:
        """Whether this person may start a session: a recruiter, or a role's hiring manager."""
        if self.members.profile(team_id=team_id, user_id=actor_id).is_recruiter:
            return True
        with self.sessions() as s:
            return bool(roles.managed_by(s, team_id, actor_id))

    def running(self, *, team_id: str) -> list[ActiveSession]:
        """Every session running in the workspace (for `/sourcing`)."""
        with self.sessions() as s:
            found = sourcing.running(s, team_id, self.clock())
            titles = {f.id: (roles.by_id(s, f.role_id).title if f.role_id else "") for f in found}
            return [ActiveSession(f.public_id, titles[f.id], f.channel_id) for f in found]

    def add(
        self, *, team_id: str, contributor_id: str, session: str, form: ReferralForm
    ) -> AddResult:
        """Add a contact: deduped live, counted on the card (coalesced updates)."""
        locale = self.members.locale(team_id=team_id, user_id=contributor_id)
        now = self.clock()
        with self.sessions() as s:
            found = sourcing.by_public_id(s, team_id, session)
            if found is None:
                raise NotFound
            if found.status == SessionStatus.ENDED or found.ends_at <= now:
                return AddResult(locale=locale, outcome="ended")
            role = roles.by_id(s, found.role_id) if found.role_id else None
            session_id = found.id
        result = self.referrals.refer(
            team_id=team_id,
            referrer_id=contributor_id,
            session_id=session_id,
            form=ReferralForm(**{**form.__dict__, "role": role.public_id if role else None}),
        )
        if result.errors:
            return AddResult(locale=locale, outcome="invalid", referral=result)
        if not result.again:
            # One card update per CARD_EVERY window, due at its end: every addition in the
            # window happened before it is rendered, so the last state always shows.
            window = CARD_EVERY.total_seconds()
            tick = math.floor(now.timestamp() / window) + 1
            with self.sessions.begin() as s:
                self.outbox.schedule(
                    s,
                    team_id=team_id,
                    kind=DeliveryKind.NOTICE,
                    recipient=found.channel_id,
                    subject=f"session:{session}",
                    due_at=datetime.fromtimestamp(tick * window, tz=now.tzinfo),
                    dedupe_key=f"edit:session:{session}:card:{tick}",
                    payload={
                        "render": "session_card",
                        "session": session,
                        "edit": f"session:{session}:card",
                    },
                )
        outcome = "again" if result.again else "known" if result.duplicate else "added"
        return AddResult(locale=locale, outcome=outcome, referral=result)

    def end(
        self,
        *,
        team_id: str,
        actor_id: str,
        channel_id: str | None = None,
        session: str | None = None,
    ) -> EndResult:
        """End a session now (its starter or a recruiter); its summaries go out at once. With
        nothing running in the channel, the result says so (the person is told what to do)."""
        profile = self.members.profile(team_id=team_id, user_id=actor_id)
        now = self.clock()
        with self.sessions.begin() as s:
            found = (
                sourcing.by_public_id(s, team_id, session)
                if session
                else sourcing.active_in(s, team_id, channel_id or "", now)
            )
            if found is None and session is None:
                may_start = profile.is_recruiter or bool(roles.managed_by(s, team_id, actor_id))
                return EndResult(profile.locale, "none_running", may_start=may_start)
            if found is None:
                raise NotFound
            if found.status != SessionStatus.RUNNING:  # an old card's button, or a double click
                return EndResult(locale=profile.locale, outcome="already_ended")
            if actor_id != found.owner_id and not profile.is_recruiter:
                raise NotAllowed("session_owner")
            found.status = SessionStatus.ENDED
            found.ended_at = now
            self.outbox.bring_forward(s, team_id=team_id, subject=f"session:{found.public_id}")
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="session.end",
                subject=f"session:{found.public_id}",
                at=now,
            )
        return EndResult(locale=profile.locale, outcome="ended")

    # -- what the deliveries show ----------------------------------------------------------------

    def card(self, due: Due) -> SessionCard | None:
        with self.sessions() as s:
            found = sourcing.by_public_id(s, due.team_id, due.payload["session"])
            return self._card(s, found) if found else None

    def summary(self, due: Due) -> SessionSummary | SessionCard | None:
        """The channel's thank-you (a card: counts only) or a person's full summary."""
        with self.sessions() as s:
            found = sourcing.by_public_id(s, due.team_id, due.payload["session"])
            if found is None:
                return None
            card = self._card(s, found)
            if due.payload["audience"] == "channel":
                return card
            made = sourcing.contributions(s, found.id)
            facts = referrals.contact_facts(s, [r.candidate_id for r in made])
            contacts = tuple(
                Contact(
                    candidate=r.candidate.public_id,
                    name=r.candidate.name,
                    email=r.candidate.email,
                    profile_url=r.candidate.profile_url,
                    referrer_id=r.referrer_id,
                    relationship=r.relationship,
                    strength=r.strength.value if r.strength else None,
                    note=r.note,
                    duplicate=r.candidate.created_at != r.created_at,
                    step=next_step(
                        r.candidate.status.value,
                        lead=facts[r.candidate_id].lead,
                        awaiting_reply=facts[r.candidate_id].awaiting_reply,
                    ),
                )
                for r in made
            )
            return SessionSummary(
                card=card,
                contacts=contacts,
                for_hiring_manager=due.payload["audience"] == "hiring_manager",
            )

    def _card(self, s: Session, found: SourcingSession) -> SessionCard:
        role = roles.by_id(s, found.role_id) if found.role_id else None
        made = sourcing.contributions(s, found.id)
        counts: dict[str, int] = {}
        for r in made:
            counts[r.referrer_id] = counts.get(r.referrer_id, 0) + 1
        return SessionCard(
            public_id=found.public_id,
            role_title=role.title if role else "",
            prompt=found.prompt,
            goal=found.goal,
            new=sum(1 for r in made if r.candidate.created_at == r.created_at),
            leaderboard=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            ends_at=found.ended_at or found.ends_at,
            ended=found.status == SessionStatus.ENDED or found.ends_at <= self.clock(),
        )
