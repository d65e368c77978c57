"""The recruiter's desk: what needs them now (App Home, /refbot followups, /refbot snoozed)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.clock import Clock
from bot.services.members import Members
from bot.services.next_step import Step, next_step
from bot.timecalc import local_date, local_instant
from storage.db import Sessions
from storage.models import Candidate
from storage.repositories import candidates, deliveries, outreach, referrals
from storage.types import CandidateStatus, DeliveryKind

SHOWN = 200  # enough for any view; rendering trims to Slack's limits with "and N more"
SNOOZE_HORIZON = timedelta(days=30)
FOLLOW_UP_SHELF = timedelta(days=14)


@dataclass(frozen=True)
class DeskItem:
    candidate: str  # public id
    name: str
    due_at: datetime | None
    step: Step | None = None  # the primary action, as on the card (bot.services.next_step)


@dataclass(frozen=True)
class Desk:
    locale: str
    tz: str
    follow_ups: tuple[DeskItem, ...]
    new_referrals: tuple[DeskItem, ...]
    snoozes: tuple[DeskItem, ...]


class Desks:
    def __init__(self, *, sessions: Sessions, members: Members, clock: Clock) -> None:
        self.sessions = sessions
        self.members = members
        self.clock = clock

    def desk(self, *, team_id: str, recruiter_id: str) -> Desk:
        """Follow-ups due today or overdue, unreviewed referrals, snoozes ending within 30 days."""
        profile = self.members.profile(team_id=team_id, user_id=recruiter_id)
        now = self.clock()
        end_of_day = local_instant(
            local_date(now, profile.tz) + timedelta(days=1), profile.tz, time(0)
        )
        with self.sessions() as s:

            def items(kind: DeliveryKind, before: datetime) -> tuple[DeskItem, ...]:
                rows = deliveries.pending_of_kind(
                    s, team_id, recruiter_id, kind, before=before, limit=SHOWN
                )
                ids = [r.subject.removeprefix("candidate:") for r in rows]
                found = candidates.by_public_ids(s, team_id, ids)
                return tuple(
                    DeskItem(i, found[i].name, r.due_at, _step(found[i]))
                    for i, r in zip(ids, rows, strict=True)
                    if i in found
                )

            # A follow-up stays on the desk from its due time until they reply or two weeks
            # pass; the latest step per candidate is enough.
            rows = deliveries.follow_ups_open(
                s,
                team_id,
                recruiter_id,
                since=now - FOLLOW_UP_SHELF,
                before=end_of_day,
                limit=SHOWN,
            )
            waiting = outreach.unanswered(s, [r.payload["outreach"] for r in rows])
            latest = {
                r.subject.removeprefix("candidate:"): r
                for r in rows
                if r.payload["outreach"] in waiting
            }
            found = candidates.by_public_ids(s, team_id, list(latest))
            # Theirs, or nobody's yet: another recruiter's referrals are not on this desk.
            unreviewed = candidates.unreviewed_for(s, team_id, recruiter_id, limit=SHOWN)
            facts = referrals.contact_facts(s, [c.id for c in unreviewed])
            return Desk(
                locale=profile.locale,
                tz=profile.tz,
                follow_ups=tuple(
                    # Contacted, no reply yet: "They replied" is their next step.
                    DeskItem(i, found[i].name, r.due_at, _step(found[i], awaiting_reply=True))
                    for i, r in latest.items()
                    if i in found and found[i].status == CandidateStatus.CONTACTED
                ),
                new_referrals=tuple(
                    # A lead asks for an intro here too, never "Reach out".
                    DeskItem(c.public_id, c.name, None, _step(c, lead=facts[c.id].lead))
                    for c in unreviewed
                ),
                snoozes=items(DeliveryKind.SNOOZE_END, now + SNOOZE_HORIZON),
            )


def _step(candidate: Candidate, *, lead: bool = False, awaiting_reply: bool = False) -> Step | None:
    return next_step(candidate.status.value, lead=lead, awaiting_reply=awaiting_reply)
