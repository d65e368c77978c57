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
from storage.repositories import deliveries, members
from storage.types import DeliveryKind

DIGEST_HOUR = 9


@dataclass(frozen=True)
class DigestContent:
    due_today: int


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
        with self.sessions() as s:
            count = deliveries.pending_for(s, due.team_id, due.recipient, before=end_of_day)
        return DigestContent(due_today=count) if count else None
