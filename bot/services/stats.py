"""What works: sources and their hire rate, review speed, outreach response rates, snoozes
that came back, top referrers (DESIGN.md section 7, "Stats")."""

import statistics
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.services.members import Members
from storage.db import Sessions
from storage.repositories import stats

TOP = 5


@dataclass(frozen=True)
class SourceLine:
    source: str
    candidates: int
    hired: int

    @property
    def hire_rate(self) -> float:
        return self.hired / self.candidates if self.candidates else 0.0


@dataclass(frozen=True)
class VariantLine:
    variant: str
    sent: int
    replied: int

    @property
    def response_rate(self) -> float:
        return self.replied / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class Report:
    locale: str
    days: int
    sources: tuple[SourceLine, ...]
    median_review: timedelta | None  # from referral to the first decision on it
    variants: tuple[VariantLine, ...]
    reactivated: int
    top_referrers: tuple[tuple[str, int, int], ...]  # (user, hires, referrals)


class Stats:
    def __init__(self, *, sessions: Sessions, members: Members, clock: Clock) -> None:
        self.sessions = sessions
        self.members = members
        self.clock = clock

    def report(self, *, team_id: str, actor_id: str | None, days: int = 90) -> Report:
        """The last `days` days (recruiters only; `actor_id=None` for the terminal)."""
        locale = self.members.default_locale
        if actor_id is not None:
            locale = self.members.recruiter(team_id=team_id, user_id=actor_id).locale
        since = self.clock() - timedelta(days=days)
        with self.sessions() as s:
            created = stats.created_at_by_subject(s, team_id, since)
            first_decision: dict[str, timedelta] = {}
            reactivated = 0
            for line in stats.status_changes(s, team_id, since):
                if line.subject in created and line.subject not in first_decision:
                    first_decision[line.subject] = line.created_at - created[line.subject]
                if line.detail.get("from") == "snoozed" and line.detail.get("to") == "reviewing":
                    reactivated += 1
            waits = list(first_decision.values())
            return Report(
                locale=locale,
                days=days,
                sources=tuple(SourceLine(*row) for row in stats.by_source(s, team_id, since)),
                median_review=statistics.median(waits) if waits else None,
                variants=tuple(VariantLine(*row) for row in stats.variants(s, team_id, since)),
                reactivated=reactivated,
                top_referrers=tuple(stats.top_referrers(s, team_id, since, limit=TOP)),
            )
