"""Reaching out to a candidate: a personalised draft to copy, then follow-ups at +3 and +7
business days (09:00 recruiter-local) until they reply (DESIGN.md section 7)."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot import outreach_templates
from bot.clock import Clock
from bot.errors import NotFound
from bot.outbox import Due, Outbox
from bot.services import changes
from bot.services.candidates import Candidates
from bot.services.cards import CandidateCard, candidate_card, refresh_cards
from bot.services.changes import Change, Decision
from bot.services.members import Members
from bot.timecalc import in_business_days
from storage.db import Sessions
from storage.models import Candidate, Outreach
from storage.repositories import audit, candidates, deliveries, outreach, settings, templates
from storage.types import CandidateStatus, DeliveryKind, OutreachChannel

STEPS = 2
# The statuses a follow-up DM still applies in (as its composer decides, `due`).
FOLLOWED = (CandidateStatus.CONTACTED, CandidateStatus.REVIEWING)


@dataclass(frozen=True)
class Running:
    """A reach-out whose follow-ups are still to come: one sequence per candidate at a time."""

    recruiter_id: str
    sent_at: datetime
    next_follow_up: datetime


@dataclass(frozen=True)
class ReachOutForm:
    locale: str
    candidate: str
    candidate_name: str
    templates: tuple[str, ...]  # "referred_A", …
    suggested: str
    running: Running | None = None  # then the modal says so instead of drafting a second one
    tz: str = "UTC"


@dataclass(frozen=True)
class ReachOutResult:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    candidate_name: str = ""
    draft: str = ""
    follow_ups: tuple[datetime, ...] = ()
    tz: str = "UTC"
    running: Running | None = None  # refused: a sequence was already under way
    channel: str = ""  # how the recruiter reaches out (the draft's "copy it into…" says where)


@dataclass(frozen=True)
class FollowUpDue:
    card: CandidateCard
    step: int
    variant: str | None
    channel: str
    sent_at: datetime
    next_draft: str
    tz: str | None = None  # the recruiter's zone, for dates written out in full


class Outreaches:
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

    def form(self, *, team_id: str, actor_id: str, candidate: str) -> ReachOutForm:
        """The reach-out modal's choices: the shipped templates, the right family first."""
        profile = self.members.recruiter(team_id=team_id, user_id=actor_id)
        with self.sessions() as s:
            found = candidates.by_public_id(s, team_id, candidate)
            if found is None:
                raise NotFound
            family = "referred" if found.referrals else "rediscovered"
            return ReachOutForm(
                locale=profile.locale,
                candidate=candidate,
                candidate_name=found.name,
                templates=outreach_templates.DEFAULTS,
                suggested=f"{family}_A",
                running=_running(s, team_id, found),
                tz=profile.tz,
            )

    def reach_out(
        self,
        *,
        team_id: str,
        actor_id: str,
        candidate: str,
        template: str | None,
        channel: str | None,
    ) -> ReachOutResult:
        """Record the outreach, mark the candidate contacted, schedule the follow-ups."""
        locale = self.members.recruiter(team_id=team_id, user_id=actor_id).locale
        errors = {}
        if template not in outreach_templates.DEFAULTS:
            errors["template"] = "invalid_choice"
        if channel not in {c.value for c in OutreachChannel}:
            errors["channel"] = "invalid_choice"
        if errors:
            return ReachOutResult(locale=locale, errors=errors)
        assert template is not None and channel is not None
        recruiter = self.members.profile(team_id=team_id, user_id=actor_id)
        name, _, variant = template.rpartition("_")
        with self.sessions() as s:
            card = candidate_card(s, team_id, candidate)
            custom = templates.find(s, team_id, name, variant, locale)
        if card is None:
            raise NotFound
        # The workspace's own wording, when an admin wrote one, else the shipped default.
        default = outreach_templates.default_source(locale, template)
        context = self._context(team_id, card, recruiter.name)
        if custom:
            draft = outreach_templates.render_custom(custom.body, default=default, **context)
        else:
            draft = outreach_templates.render(default, **context)
        now = self.clock()
        with self.sessions.begin() as s:
            found = candidates.by_public_id(s, team_id, candidate)
            if found is None:
                raise NotFound
            # Locked first: on PostgreSQL a second reach-out at the same moment waits on this
            # row, then finds the sequence this one starts (SQLite writers queue anyway).
            s.refresh(found, with_for_update=True)
            running = _running(s, team_id, found)
            if running is not None:
                return ReachOutResult(
                    locale=locale, candidate_name=found.name, running=running, tz=recruiter.tz
                )
            sent = outreach.add(
                s,
                Outreach(
                    team_id=team_id,
                    candidate_id=found.id,
                    recruiter_id=actor_id,
                    variant=template,
                    channel=OutreachChannel(channel),
                    sent_at=now,
                    created_at=now,
                ),
            )
            if found.status != CandidateStatus.CONTACTED:
                self.candidates.set_status(
                    s, found, CandidateStatus.CONTACTED, actor_id=actor_id, at=now
                )
                self.outbox.cancel_pending(
                    s,
                    team_id=team_id,
                    subject=f"candidate:{candidate}",
                    kinds=[DeliveryKind.SLA_NUDGE, DeliveryKind.FOLLOW_UP],
                )
                self.candidates.tell(s, team_id, found, change=f"contacted:{sent.id}")
            else:  # contacted again: the cards wait for this reply now
                refresh_cards(s, self.outbox, team_id, candidate, f"contacted:{sent.id}")
            team = settings.get(s, team_id)
            due = tuple(
                in_business_days(now, days, recruiter.tz)
                for days in (team.followup_first_days, team.followup_second_days)
            )
            for step, due_at in enumerate(due, start=1):
                self.outbox.schedule(
                    s,
                    team_id=team_id,
                    kind=DeliveryKind.FOLLOW_UP,
                    recipient=actor_id,
                    subject=f"candidate:{candidate}",
                    due_at=due_at,
                    dedupe_key=f"followup:{sent.id}:{step}",
                    payload={"candidate": candidate, "outreach": sent.id, "step": step},
                )
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="candidate.reach_out",
                subject=f"candidate:{candidate}",
                at=now,
                variant=template,
            )
            return ReachOutResult(
                locale=locale,
                candidate_name=found.name,
                draft=draft,
                follow_ups=due,
                tz=recruiter.tz,
                channel=channel,
            )

    def replied(self, *, team_id: str, actor_id: str, candidate: str) -> Decision:
        """The candidate answered: stop the sequence; it counts for the variant's response rate.
        Every follow-up DM about it says so; a reply already recorded is an outdated button."""
        locale = self.members.recruiter(team_id=team_id, user_id=actor_id).locale
        now = self.clock()
        with self.sessions.begin() as s:
            found = candidates.by_public_id(s, team_id, candidate)
            sent = outreach.latest(s, found.id) if found else None
            if found is None or sent is None:
                raise NotFound
            if sent.replied_at is not None:
                done = changes.follow_up_done(s, team_id, candidate, outreach=sent.id, step=None)
                done = done or Change("replied", None, sent.replied_at)
                return changes.decided(locale, found, done, outdated=True)
            sent.replied_at = now
            # Their answer changes the next step on every card ("They replied" goes).
            refresh_cards(s, self.outbox, team_id, candidate, f"replied{sent.id}")
            self.outbox.cancel_pending(
                s, team_id=team_id, subject=f"candidate:{candidate}", kinds=[DeliveryKind.FOLLOW_UP]
            )
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action=changes.REPLIED,
                subject=f"candidate:{candidate}",
                at=now,
                outreach=sent.id,
            )
            change = Change("replied", actor_id, now)
            changes.settle_prompts(
                s, self.outbox, team_id, candidate, change, prefixes=("followup:",)
            )
            return changes.decided(locale, found, change, outdated=False)

    def followed_up(
        self, *, team_id: str, actor_id: str, candidate: str, step: int | None = None
    ) -> Decision:
        """The recruiter sent follow-up `step` (None: the latest); the next step stays
        scheduled and the follow-up DMs up to this step say it was sent. A step already marked
        sent, a reply, or a candidate out of the sequence makes the button outdated."""
        locale = self.members.recruiter(team_id=team_id, user_id=actor_id).locale
        now = self.clock()
        with self.sessions.begin() as s:
            found = candidates.by_public_id(s, team_id, candidate)
            sent = outreach.latest(s, found.id) if found else None
            if found is None or sent is None:
                raise NotFound
            done = changes.follow_up_done(s, team_id, candidate, outreach=sent.id, step=step or 1)
            if done is None and found.status not in FOLLOWED:
                done = changes.last_status(s, team_id, candidate) or Change(
                    found.status.value, None, found.last_activity_at
                )
            if done is not None:
                return changes.decided(locale, found, done, outdated=True)
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action=changes.FOLLOWED_UP,
                subject=f"candidate:{candidate}",
                at=now,
                outreach=sent.id,
                step=step,
            )
            change = Change("followup_sent", actor_id, now)
            steps = range(1, (step or STEPS) + 1)
            changes.settle_prompts(
                s,
                self.outbox,
                team_id,
                candidate,
                change,
                prefixes=("followup:",),
                only={f"followup:{sent.id}:{n}" for n in steps},
            )
            return changes.decided(locale, found, change, outdated=False)

    def due(self, due: Due) -> FollowUpDue | None:
        """The follow-up DM at send time; None once they replied or left the pipeline."""
        with self.sessions() as s:
            card = candidate_card(s, due.team_id, due.payload["candidate"])
            found = candidates.by_public_id(s, due.team_id, due.payload["candidate"])
            sent = s.get(Outreach, due.payload["outreach"])
            if card is None or found is None or sent is None or sent.replied_at is not None:
                return None
            if found.status not in (CandidateStatus.CONTACTED, CandidateStatus.REVIEWING):
                return None
            recruiter = self.members.profile(team_id=due.team_id, user_id=due.recipient)
            # The workspace's follow-up wording (`/refbot admin`), else the shipped one; it
            # gets the reach-out's names, which the wording was checked with on save.
            custom = templates.find(s, due.team_id, "followup", "", recruiter.locale)
            default = outreach_templates.default_source(recruiter.locale, "followup")
            context = self._context(due.team_id, card, recruiter.name)
            if custom:
                next_draft = outreach_templates.render_custom(
                    custom.body, default=default, **context
                )
            else:
                next_draft = outreach_templates.render(default, **context)
            assert sent.sent_at is not None
            return FollowUpDue(
                card=card,
                step=due.payload["step"],
                variant=sent.variant,
                channel=sent.channel.value,
                sent_at=sent.sent_at,
                next_draft=next_draft,
                tz=recruiter.tz,
            )

    def response_rates(self, *, team_id: str) -> list[tuple[str, int, int]]:
        """(variant, sent, replied) for each template variant."""
        with self.sessions() as s:
            return list(outreach.response_rates(s, team_id))

    def _context(self, team_id: str, card: CandidateCard, recruiter: str) -> dict[str, str | None]:
        # The referrer is named only when the candidate knows they were referred.
        named = next((r for r in card.referrers if r.candidate_knows), None)
        referrer = self.members.profile(team_id=team_id, user_id=named.user_id) if named else None
        return {
            "first_name": card.first_name,
            "role": card.role_title,
            "referrer_first_name": referrer.name.split()[0] if referrer else None,
            "recruiter": recruiter,
        }


def _running(s: Session, team_id: str, candidate: Candidate) -> Running | None:
    """The candidate's reach-out still waiting for a reply with follow-ups to come, if any."""
    latest = outreach.latest(s, candidate.id)
    if latest is None or latest.replied_at is not None or latest.sent_at is None:
        return None
    pending = deliveries.pending_about(
        s, team_id, f"candidate:{candidate.public_id}", DeliveryKind.FOLLOW_UP
    )
    if not pending:
        return None
    return Running(
        recruiter_id=latest.recruiter_id, sent_at=latest.sent_at, next_follow_up=pending[0].due_at
    )
