"""Referral rewards (issue 17, item 2). A role, or the workspace by default, may promise a
reward: an amount in minor units of an ISO 4217 currency, payable some days after the start
date. When a referral leads to a hire (a Slack "Move to… Hired" or the ATS: both go through
`Candidates.tell`, which calls `status_changed` in the same transaction), the referral holding
credit (the credit window rules of bot.services.referrals) gets one reward: pending, payable
on its date (read from the date, not stored), then paid when an admin says so. Undoing the
hire before the date cancels it. Only the referrer and the admins ever see a reward."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from babel.numbers import get_currency_precision
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.errors import NotFound
from bot.outbox import Due, Outbox
from bot.reward_rules import rule_of
from bot.services.members import Members
from bot.services.referrals import _months_ago
from bot.timecalc import local_date, local_instant, zone
from bot.transfer import cells
from storage.db import Sessions
from storage.models import Candidate, Reward, Role
from storage.repositories import audit, referrals, settings
from storage.repositories import members as members_repo
from storage.repositories import rewards as repo
from storage.repositories.candidates import REMOVED_NAME
from storage.types import CandidateStatus, DeliveryKind, RewardStatus

SHOWN = 20  # lines of each list (/refbot rewards, Home); the rest are counted
NOTE = "reward_note"  # the notice renderer of the promise and the cancellation


@dataclass(frozen=True)
class RewardLine:
    public_id: str
    referrer_id: str
    candidate_name: str  # REMOVED_NAME when forgotten or purged
    role_title: str | None
    amount: int
    currency: str
    days: int
    started_on: date
    payable_on: date
    state: str  # pending, payable, paid, cancelled
    paid_at: datetime | None = None
    paid_by: str | None = None


@dataclass(frozen=True)
class RewardBoard:
    """`/refbot rewards` (admins): what to pay now, then what is promised; `done` says what
    the last click did ("paid", or "already_paid" / "not_payable" when it did nothing)."""

    locale: str
    payable: tuple[RewardLine, ...]
    upcoming: tuple[RewardLine, ...]
    payable_more: int = 0
    done: str | None = None
    line: RewardLine | None = None  # the one the last click was about


@dataclass(frozen=True)
class RewardNote:
    """A DM to the referrer about their reward: "promised" at the hire, "payable" on its
    date, "cancelled" when the hire was undone first. Composed at send time from the row."""

    kind: str
    line: RewardLine


class Rewards:
    def __init__(
        self, *, sessions: Sessions, members: Members, outbox: Outbox, clock: Clock
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.outbox = outbox
        self.clock = clock

    # -- a hire, or a hire undone (in the caller's transaction) ------------------------------

    def status_changed(
        self, s: Session, candidate: Candidate, *, at: datetime, started_on: date | None = None
    ) -> None:
        """The candidate's status just changed (Slack or the ATS; the candidate row is locked):
        a hire promises the credited referrer their reward, once; leaving Hired before the
        reward's date cancels it. `started_on`: the start date when the ATS gave one."""
        live = repo.live_for_candidate(s, candidate.id)
        if candidate.status == CandidateStatus.HIRED:
            if not live:  # one reward a hire: a double click, Slack and the ATS both
                self._promise(s, candidate, at=at, started_on=started_on)
            return
        for reward in live:
            if reward.status == RewardStatus.PENDING and reward.payable_at > at:
                self._cancel(s, candidate, reward, at=at)

    def _promise(
        self, s: Session, candidate: Candidate, *, at: datetime, started_on: date | None
    ) -> None:
        team = settings.get(s, candidate.team_id)
        # The referral holding credit within the window (bot.services.referrals credits the
        # first referrer within it): a referral older than the window earns nothing.
        referral = referrals.credited_since(
            s, candidate.id, _months_ago(at, team.credit_window_months)
        )
        if referral is None:
            return
        role = referral.role if referral.role_id is not None else None
        rule = rule_of(role) or rule_of(team)
        if rule is None:
            return
        referrer = self.members.profile_in(
            s, team_id=candidate.team_id, user_id=referral.referrer_id
        )
        tz = zone(referrer.tz, self.members.default_tz)
        start = started_on or local_date(at, tz)
        payable_on = start + timedelta(days=rule.days)
        payable_at = max(local_instant(payable_on, tz), at)
        reward = repo.add(
            s,
            Reward(
                team_id=candidate.team_id,
                candidate_id=candidate.id,
                referral_id=referral.id,
                role_id=role.id if role else None,
                referrer_id=referral.referrer_id,
                amount=rule.amount,
                currency=rule.currency,
                days=rule.days,
                started_on=start,
                payable_on=payable_on,
                payable_at=payable_at,
                status=RewardStatus.PENDING,
                hired_at=at,
                created_at=at,
            ),
        )
        subject = f"candidate:{candidate.public_id}"
        self.outbox.notice(
            s,
            team_id=candidate.team_id,
            recipient=reward.referrer_id,
            subject=subject,
            dedupe_key=f"reward:{reward.public_id}:promised",
            payload={"render": NOTE, "reward": reward.public_id, "what": "promised"},
        )
        # The reminder engine sends it on the day, once across restarts and replicas.
        self.outbox.schedule(
            s,
            team_id=candidate.team_id,
            kind=DeliveryKind.REWARD,
            recipient=reward.referrer_id,
            subject=subject,
            due_at=payable_at,
            dedupe_key=f"reward:{reward.public_id}:payable",
            payload={"reward": reward.public_id, "what": "payable"},
        )
        audit.record(
            s,
            team_id=candidate.team_id,
            actor_id=None,
            action="reward.promise",
            subject=f"reward:{reward.public_id}",
            at=at,
            candidate=candidate.public_id,
            referrer=reward.referrer_id,
        )

    def _cancel(self, s: Session, candidate: Candidate, reward: Reward, *, at: datetime) -> None:
        reward.status, reward.cancelled_at = RewardStatus.CANCELLED, at
        subject = f"candidate:{candidate.public_id}"
        self.outbox.cancel_pending(
            s, team_id=reward.team_id, subject=subject, kinds=(DeliveryKind.REWARD,)
        )
        self.outbox.notice(
            s,
            team_id=reward.team_id,
            recipient=reward.referrer_id,
            subject=subject,
            dedupe_key=f"reward:{reward.public_id}:cancelled",
            payload={"render": NOTE, "reward": reward.public_id, "what": "cancelled"},
        )
        audit.record(
            s,
            team_id=reward.team_id,
            actor_id=None,
            action="reward.cancel",
            subject=f"reward:{reward.public_id}",
            at=at,
        )

    # -- the referrer's DM on the day (DeliveryKind.REWARD) -----------------------------------

    def note(self, due: Due) -> RewardNote | None:
        """What the referrer hears about their reward, as it is now; None when it no longer
        applies (a "now due" for a reward cancelled meanwhile: the row is cancelled)."""
        kind = str(due.payload.get("what") or "payable")
        with self.sessions() as s:
            found = repo.by_public_id(s, due.team_id, str(due.payload.get("reward", "")))
            if found is None or (kind == "payable" and found.status == RewardStatus.CANCELLED):
                return None
            return RewardNote(kind, self._line(s, found, self.clock()))

    # -- admins ------------------------------------------------------------------------------

    def board(
        self,
        *,
        team_id: str,
        actor_id: str,
        done: str | None = None,
        line: RewardLine | None = None,
    ) -> RewardBoard:
        """`/refbot rewards` (admins only): payable rewards, then promised ones."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        now = self.clock()
        with self.sessions() as s:
            payable = repo.payable(s, team_id, now=now, limit=SHOWN + 1)
            upcoming = repo.upcoming(s, team_id, now=now, limit=SHOWN)
            more = repo.count_payable(s, team_id, now=now) - SHOWN if len(payable) > SHOWN else 0
            return RewardBoard(
                locale=locale,
                payable=tuple(_row_line(row, now) for row in payable[:SHOWN]),
                upcoming=tuple(_row_line(row, now) for row in upcoming),
                payable_more=max(more, 0),
                done=done,
                line=line,
            )

    def mark_paid(self, *, team_id: str, actor_id: str, reward: str) -> RewardBoard:
        """An admin paid this reward (admins only): it leaves the list, the payroll export and
        the digest. A second click, or a reward not payable, changes nothing and says why."""
        self.members.admin(team_id=team_id, user_id=actor_id)
        now = self.clock()
        with self.sessions.begin() as s:
            found = repo.by_public_id(s, team_id, reward)
            if found is None:
                raise NotFound
            s.refresh(found, with_for_update=True)  # two admins at once: one pays
            line = self._line(s, found, now)
            if found.status == RewardStatus.PAID:
                done = "already_paid"
            elif line.state != "payable":
                done = "not_payable"
            else:
                found.status, found.paid_at, found.paid_by = RewardStatus.PAID, now, actor_id
                audit.record(
                    s,
                    team_id=team_id,
                    actor_id=actor_id,
                    action="reward.paid",
                    subject=f"reward:{found.public_id}",
                    at=now,
                )
                done, line = "paid", self._line(s, found, now)
        return self.board(team_id=team_id, actor_id=actor_id, done=done, line=line)

    def payroll(self, *, team_id: str, actor_id: str) -> tuple[str, str]:
        """The payable rewards as CSV for payroll (admins only), each cell formula-escaped."""
        self.members.admin(team_id=team_id, user_id=actor_id)
        now = self.clock()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "reward",
                "referrer_slack_id",
                "referrer",
                "candidate",
                "role",
                "amount",
                "currency",
                "amount_minor",
                "hired_on",
                "started_on",
                "payable_on",
            ]
        )
        with self.sessions() as s:
            rows = repo.payable(s, team_id, now=now, limit=100_000)
            names = self._names(s, team_id, {r.referrer_id for r, _, _ in rows})
            for reward, name, title in rows:
                digits = get_currency_precision(reward.currency)
                writer.writerow(
                    cells.escape(value)
                    for value in (
                        reward.public_id,
                        reward.referrer_id,
                        names.get(reward.referrer_id, ""),
                        name if name and name != REMOVED_NAME else "",
                        title or "",
                        f"{Decimal(reward.amount).scaleb(-digits):f}",
                        reward.currency,
                        reward.amount,
                        reward.hired_at.date().isoformat(),
                        reward.started_on.isoformat(),
                        reward.payable_on.isoformat(),
                    )
                )
        with self.sessions.begin() as s:
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="reward.export",
                subject=f"team:{team_id}",
                at=now,
                rewards=len(rows),
            )
        return f"refbot-rewards-{now:%Y-%m-%d}.csv", out.getvalue()

    def payable_for(
        self,
        s: Session,
        *,
        team_id: str,
        reader: str,
        became_payable: tuple[datetime | None, datetime],
    ) -> tuple[RewardLine, ...]:
        """The rewards an admin's digest names (nothing for anyone else): those that became
        payable within `became_payable` (after its start, if any, up to its end) and are still
        unpaid."""
        profile = self.members.profile_in(s, team_id=team_id, user_id=reader)
        if not profile.is_admin:
            return ()
        now = self.clock()
        after, until = became_payable
        rows = repo.payable(s, team_id, now=min(now, until), after=after, limit=200)
        return tuple(_row_line(row, now) for row in rows)

    # -- the referrer ------------------------------------------------------------------------

    def mine(self, s: Session, *, team_id: str, user_id: str) -> tuple[RewardLine, ...]:
        """The referrer's own rewards, for their Home tab."""
        now = self.clock()
        rows = repo.of_referrer(s, team_id, user_id, limit=SHOWN)
        return tuple(_row_line(row, now) for row in rows)

    # -- helpers -----------------------------------------------------------------------------

    def _line(self, s: Session, reward: Reward, now: datetime) -> RewardLine:
        name = s.get(Candidate, reward.candidate_id).name if reward.candidate_id else None
        role = s.get(Role, reward.role_id) if reward.role_id else None
        return _row_line((reward, name, role.title if role else None), now)

    @staticmethod
    def _names(s: Session, team_id: str, users: set[str]) -> dict[str, str]:
        return {m.user_id: m.display_name or "" for m in members_repo.get_many(s, team_id, users)}


def _row_line(row: repo.Row, now: datetime) -> RewardLine:
    reward, name, title = row
    if reward.status == RewardStatus.PENDING:
        state = "payable" if reward.payable_at <= now else "pending"
    else:
        state = reward.status.value
    return RewardLine(
        public_id=reward.public_id,
        referrer_id=reward.referrer_id,
        candidate_name=name or REMOVED_NAME,
        role_title=title,
        amount=reward.amount,
        currency=reward.currency,
        days=reward.days,
        started_on=reward.started_on,
        payable_on=reward.payable_on,
        state=state,
        paid_at=reward.paid_at,
        paid_by=reward.paid_by,
    )
