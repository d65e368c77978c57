"""The weekday-morning digest for recruiters (DESIGN.md section 6.7).

The hourly job queues one digest per recruiter whose local time is 09:xx on a weekday; the
dedupe key (recruiter + local date) makes replicas and reruns harmless. Content is composed at
send time, and an empty digest is cancelled rather than sent.

It names what is the reader's (their follow-ups, the new referrals that are theirs or nobody's
yet, their snoozes, the introductions they asked for), each with its button; never the whole
team's counts.
"""

from dataclasses import dataclass
from datetime import time, timedelta

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.outbox import Due, Outbox
from bot.services.desk import SHOWN, DeskItem, Desks
from bot.services.rewards import RewardLine, Rewards
from bot.timecalc import local_date, local_instant, zone
from storage.db import Sessions
from storage.repositories import deliveries, members, referrals, rewards
from storage.types import DeliveryKind

DIGEST_HOUR = 9
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DigestContent:
    """The reader's items, each with its candidate's next step (the rendering names the first
    few of each kind and counts the rest)."""

    follow_ups: tuple[DeskItem, ...] = ()  # due today or overdue, no reply yet
    new_referrals: tuple[DeskItem, ...] = ()  # theirs, or nobody's yet
    snoozes_ending: tuple[DeskItem, ...] = ()  # within the week
    intros_waiting: tuple[DeskItem, ...] = ()  # asked of a referrer, not answered yet
    reminders_today: int = 0  # other messages coming to them today (each names its candidate)
    rewards_payable: tuple[RewardLine, ...] = ()  # admins: referral rewards to pay

    def __bool__(self) -> bool:
        items = (self.follow_ups, self.new_referrals, self.snoozes_ending, self.intros_waiting)
        return any(items) or self.reminders_today > 0 or bool(self.rewards_payable)


class Digests:
    def __init__(
        self,
        *,
        sessions: Sessions,
        outbox: Outbox,
        clock: Clock,
        default_tz: str,
        desks: Desks,
        rewards: Rewards | None = None,
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock
        self.default_tz = default_tz
        self.desks = desks
        self.rewards = rewards

    def queue_due(self) -> int:
        """Queue today's digest for every recruiter whose weekday morning it is; how many."""
        now = self.clock()
        queued = 0
        with self.sessions.begin() as s:
            readers = [(m, False) for m in members.recruiters(s)]
            if self.rewards is not None:  # admins who are not recruiters: rewards to pay
                readers += [(m, True) for m in rewards.admins_to_tell(s, now=now)]
            for recruiter, admin_only in readers:
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
                        payload={"tz": tz.key, **({"admin_only": True} if admin_only else {})},
                    )
                    is not None
                )
        return queued

    def content(self, due: Due) -> DigestContent | None:
        """What the recruiter has on today (as it is now); None when there is nothing to tell."""
        if due.payload.get("admin_only"):
            return self._admin_only(due)
        desk = self.desks.desk(team_id=due.team_id, recruiter_id=due.recipient)
        week = self.clock() + WEEK
        tz = zone(due.payload.get("tz"), self.default_tz)
        end_of_day = local_instant(local_date(due.due_at, tz) + timedelta(days=1), tz, time(0))
        team, reader = due.team_id, due.recipient
        with self.sessions() as s:
            asked = referrals.intros_waiting_for(s, team, reader, limit=SHOWN)
            # Follow-ups and snoozes are named above; the rest is counted.
            named = sum(
                deliveries.pending_kind_for(s, team, reader, kind, before=end_of_day)
                for kind in (DeliveryKind.FOLLOW_UP, DeliveryKind.SNOOZE_END)
            )
            others = deliveries.pending_for(s, team, reader, before=end_of_day) - named
            content = DigestContent(
                follow_ups=desk.follow_ups,
                new_referrals=desk.new_referrals,
                snoozes_ending=tuple(i for i in desk.snoozes if i.due_at and i.due_at < week),
                intros_waiting=tuple(
                    DeskItem(i.candidate.public_id, i.candidate.name, i.created_at) for i in asked
                ),
                reminders_today=others,
                rewards_payable=self._rewards(s, due),
            )
        # An edit (the digest composed again after /refbot forget) always has something to
        # say: the message must stop naming the person even when nothing is left.
        return content if content or "edit" in due.payload else None

    def _rewards(self, s: Session, due: Due) -> tuple[RewardLine, ...]:
        """The rewards that became payable since this person's previous digest (all unpaid
        ones for a first digest): each is told once here, while `/refbot rewards` lists them
        all until they are paid. Due times, not send times, bound the windows: contiguous,
        so a reward is in exactly one digest, whatever the delays and downtime."""
        if self.rewards is None:
            return ()
        kind, team, reader = DeliveryKind.DIGEST, due.team_id, due.recipient
        after = deliveries.previous_done(s, team, reader, kind, before=due.due_at)
        return self.rewards.payable_for(
            s, team_id=team, reader=reader, became_payable=(after, due.due_at)
        )

    def _admin_only(self, due: Due) -> DigestContent | None:
        """An admin who is not a recruiter: only the rewards to pay."""
        with self.sessions() as s:
            content = DigestContent(rewards_payable=self._rewards(s, due))
        return content if content or "edit" in due.payload else None
