"""Reaching out to a candidate: a personalised draft to copy, then follow-ups at +3 and +7
business days (09:00 recruiter-local) until they reply (DESIGN.md section 7)."""

from dataclasses import dataclass, field
from datetime import datetime

from bot import outreach_templates
from bot.clock import Clock
from bot.errors import NotFound
from bot.outbox import Due, Outbox
from bot.services.candidates import Candidates
from bot.services.cards import CandidateCard, candidate_card
from bot.services.members import Members
from bot.timecalc import in_business_days
from storage.db import Sessions
from storage.models import Outreach
from storage.repositories import audit, candidates, outreach, settings, templates
from storage.types import CandidateStatus, DeliveryKind, OutreachChannel

STEPS = 2


@dataclass(frozen=True)
class ReachOutForm:
    locale: str
    candidate: str
    candidate_name: str
    templates: tuple[str, ...]  # "referred_A", …
    suggested: str


@dataclass(frozen=True)
class ReachOutResult:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    candidate_name: str = ""
    draft: str = ""
    follow_ups: tuple[datetime, ...] = ()
    tz: str = "UTC"


@dataclass(frozen=True)
class FollowUpDue:
    card: CandidateCard
    step: int
    variant: str | None
    channel: str
    sent_at: datetime
    next_draft: str


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
        locale = self.members.recruiter(team_id=team_id, user_id=actor_id).locale
        with self.sessions() as s:
            found = candidates.by_public_id(s, team_id, candidate)
            if found is None:
                raise NotFound
            family = "referred" if found.referrals else "rediscovered"
            return ReachOutForm(
                locale=locale,
                candidate=candidate,
                candidate_name=found.name,
                templates=outreach_templates.DEFAULTS,
                suggested=f"{family}_A",
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
            )

    def replied(self, *, team_id: str, actor_id: str, candidate: str) -> None:
        """The candidate answered: stop the sequence; it counts for the variant's response rate."""
        self.members.recruiter(team_id=team_id, user_id=actor_id)
        now = self.clock()
        with self.sessions.begin() as s:
            found = candidates.by_public_id(s, team_id, candidate)
            sent = outreach.latest(s, found.id) if found else None
            if found is None or sent is None:
                raise NotFound
            if sent.replied_at is None:
                sent.replied_at = now
            self.outbox.cancel_pending(
                s, team_id=team_id, subject=f"candidate:{candidate}", kinds=[DeliveryKind.FOLLOW_UP]
            )
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="candidate.replied",
                subject=f"candidate:{candidate}",
                at=now,
            )

    def followed_up(self, *, team_id: str, actor_id: str, candidate: str) -> None:
        """The recruiter sent the follow-up; the next step stays scheduled."""
        self.members.recruiter(team_id=team_id, user_id=actor_id)
        with self.sessions.begin() as s:
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="candidate.followed_up",
                subject=f"candidate:{candidate}",
                at=self.clock(),
            )

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
            next_draft = outreach_templates.render(
                outreach_templates.default_source(recruiter.locale, "followup"),
                first_name=card.first_name,
                recruiter=recruiter.name,
            )
            assert sent.sent_at is not None
            return FollowUpDue(
                card=card,
                step=due.payload["step"],
                variant=sent.variant,
                channel=sent.channel.value,
                sent_at=sent.sent_at,
                next_draft=next_draft,
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
