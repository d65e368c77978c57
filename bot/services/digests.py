"""The weekday-morning digest for recruiters (DESIGN.md section 6.7).

The hourly job queues one digest per recruiter whose local time is 09:xx on a weekday; the
dedupe key (recruiter + local date) makes replicas and reruns harmless. Content is composed at
send time, and an empty digest is cancelled rather than sent.
"""

from dataclasses import dataclass
from datetime import time, timedelta

from bot.clock import Clock
from bot.outbox import Due, Outbox
from bot.timecalc import local_date, local_instant, zone
from storage.db import Sessions
from storage.repositories import candidates, deliveries, members, referrals
from storage.types import DeliveryKind

DIGEST_HOUR = 9


@dataclass(frozen=True)
class DigestContent:
    due_today: int
    new_referrals: int = 0
    snoozes_ending: int = 0
    intros_waiting: int = 0

    def __bool__(self) -> bool:
        return any((self.due_today, self.new_referrals, self.snoozes_ending, self.intros_waiting))


class Digests:
    def __init__(
        self, *, sessions: Sessions, outbox: Outbox, clock: Clock, default_tz: str
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock
        self.default_tz = default_tz

    def queue_due(self) -> int:
        """Queue today's digest for every recruiter whose weekday morning it is; how many."""
        now = self.clock()
        queued = 0
        with self.sessions.begin() as s:
            for recruiter in members.recruiters(s):
                tz = zone(recruiter.tz, self.default_tz)
                local = now.astimezone(tz)
                if local.hour != DIGEST_HOUR or local.weekday() >= 5:
                    continue
                queued += (
                    self.outbox.schedule(
                        s,
                        team_id=recruiter.team_id,
                        kind=DeliveryKind.DIGEST,
                        recipient=recruiter.user_id,
                        subject=f"member:{recruiter.user_id}",
                        due_at=now,
                        dedupe_key=f"digest:{recruiter.team_id}:{recruiter.user_id}:{local.date()}",
                        payload={"tz": tz.key},
                    )
                    is not None
                )
        return queued

    def content(self, due: Due) -> DigestContent | None:
        """What the recruiter has on today; None when there is nothing to tell."""
        tz = zone(due.payload.get("tz"), self.default_tz)
        end_of_day = local_instant(local_date(due.due_at, tz) + timedelta(days=1), tz, time(0))
        week = local_instant(local_date(due.due_at, tz) + timedelta(days=7), tz, time(0))
        with self.sessions() as s:
            content = DigestContent(
                due_today=deliveries.pending_for(s, due.team_id, due.recipient, before=end_of_day),
                new_referrals=candidates.count_new(s, due.team_id),
                snoozes_ending=deliveries.pending_kind_for(
                    s, due.team_id, due.recipient, DeliveryKind.SNOOZE_END, before=week
                ),
                intros_waiting=referrals.intros_waiting(s, due.team_id, due.recipient),
            )
        return content or None
