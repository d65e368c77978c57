"""Recognition (issue 17, item 4): a monthly thank-you in the channel an admin chose, only if
they chose one. Counts for the month just ended (referrals made, introductions given, hires
through referrals) and the top referrers by name and count; never a candidate, and never
someone who asked not to be named.

Exactly once per month per channel: its outbox row's dedupe key names the channel and the month.
It is queued on the first day of the next month from the roundup hour (workspace's zone), and
composed at send time.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.clock import Clock
from bot.outbox import Due, Outbox
from bot.services.members import Members
from bot.services.roundups import ALERT_TEMPLATE, alert_once
from bot.timecalc import TzLike, add_months, local_instant, zone
from storage.db import Sessions
from storage.repositories import roundups as repo
from storage.repositories import settings as settings_repo
from storage.types import DeliveryKind

RECOGNITION = "recognition"  # the payload's "render" key (bot.app registers its composer)
POST_WINDOW = timedelta(days=1)  # missed for longer (refbot down): that month goes unthanked
TOP = 5


@dataclass(frozen=True)
class Thanks:
    month: date  # its first day
    referrals: int
    intros: int
    hires: int
    top: tuple[tuple[str, int], ...]  # (Slack user id, referrals made), most first


class Recognition:
    def __init__(
        self, *, sessions: Sessions, members: Members, outbox: Outbox, clock: Clock
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.outbox = outbox
        self.clock = clock

    def queue_due(self) -> int:
        """Queue last month's thank-you where it is on and its time has come; how many."""
        now = self.clock()
        queued = 0
        with self.sessions.begin() as s:
            for row in repo.all_settings(s):
                channel = row.recognition_channel
                if not channel:
                    continue
                tz = zone(settings_repo.get(s, row.team_id).timezone, self.members.default_tz)
                first = now.astimezone(tz).date().replace(day=1)
                slot = local_instant(first, tz, time(row.hour))
                if not slot <= now < slot + POST_WINDOW:
                    continue
                month = add_months(first, -1)
                queued += (
                    self.outbox.schedule(
                        s,
                        team_id=row.team_id,
                        kind=DeliveryKind.NOTICE,
                        recipient=channel,
                        subject=f"channel:{channel}",
                        due_at=now,
                        dedupe_key=f"{RECOGNITION}:{row.team_id}:{channel}:{month:%Y-%m}",
                        payload={
                            "render": RECOGNITION,
                            "month": month.isoformat(),
                            "tz": tz.key,
                            "alert_once": alert_once(RECOGNITION, row, channel),
                            "alert_template": ALERT_TEMPLATE,
                        },
                    )
                    is not None
                )
        return queued

    def thanks(self, due: Due) -> Thanks | None:
        """The month's figures as they are now; None when nothing happened (no post)."""
        month = date.fromisoformat(due.payload["month"])
        tz = zone(due.payload.get("tz"), self.members.default_tz)
        start, end = _bounds(month, tz)
        with self.sessions() as s:
            # Read at send time: someone who opted out after the queueing is not named.
            hidden = repo.unnamed(s, due.team_id)
            found = Thanks(
                month=month,
                referrals=repo.referrals_made(s, due.team_id, start, end),
                intros=repo.intros_given(s, due.team_id, start, end),
                hires=repo.referred_hires(s, due.team_id, start, end),
                top=tuple(repo.top_referrers(s, due.team_id, start, end, leave_out=hidden))[:TOP],
            )
        if not (found.referrals or found.intros or found.hires):
            return None
        return found


def _bounds(month: date, tz: TzLike) -> tuple[datetime, datetime]:
    return local_instant(month, tz, time(0)), local_instant(add_months(month, 1), tz, time(0))
