"""Roles people can be referred to: open ones, and upcoming personas not yet open. Recruiters
create, edit, open and close them; a closed role leaves every list people refer from."""

import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.errors import NotFound
from bot.outbox import Due, Outbox
from bot.reward_rules import RewardRule, RuleForm, parse_rule, rule_form, rule_of
from bot.services.members import Members
from bot.services.next_step import Step, next_step
from storage.db import Sessions
from storage.models import Role
from storage.repositories import audit, candidates, referrals, roles
from storage.repositories.candidates import REMOVED_NAME
from storage.types import RoleStatus

RewardFields = tuple[str | None, str | None, str | None]  # amount, currency, days as typed
TITLE_LIMIT = 200
TEAM_LIMIT = 100
PROFILE_LIMIT = 3000


@dataclass(frozen=True)
class RoleLine:
    public_id: str
    title: str
    team_name: str | None
    status: str
    hiring_manager_id: str | None = None
    recruiter_id: str | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class RoleDetails:
    """Everything the role modal shows, to edit a role."""

    public_id: str
    title: str
    team_name: str | None
    hiring_manager_id: str | None
    recruiter_id: str
    status: str
    ideal_profile: str | None


@dataclass(frozen=True)
class RoleForm:
    """The role modal: a new role (`role` None) or the one being edited."""

    locale: str
    recruiter_id: str  # a new role's recruiter: whoever creates it
    role: RoleDetails | None = None
    reward: RuleForm | None = None  # admins only: the role's referral reward (blank: none)


@dataclass(frozen=True)
class RoleResult:
    errors: dict[str, str]
    role: RoleLine | None = None
    edited: bool = False


@dataclass(frozen=True)
class RoleChange:
    """What a click on a role's button did, or, on an outdated button, what had already been
    done (`done` False: nothing changed), by whom and when."""

    role: RoleLine
    action: str  # "opened", "closed" or "edited"
    done: bool
    by: str | None
    at: datetime | None


@dataclass(frozen=True)
class RoleBoard:
    """`/refbot roles`: open then upcoming roles; recruiters also manage them (Edit, Close,
    Open it) and see the latest closed ones, to reopen one closed by mistake."""

    locale: str
    tz: str
    reader: str
    roles: tuple[RoleLine, ...]
    closed: tuple[RoleLine, ...] = ()
    manage: bool = False
    change: RoleChange | None = None


@dataclass(frozen=True)
class PoolItem:
    candidate: str  # public id
    name: str
    why: str  # pooled, or the word of the title it matched
    step: Step | None = None  # the primary action, as on the card (bot.services.next_step)


@dataclass(frozen=True)
class RolePool:
    title: str
    items: tuple[PoolItem, ...]


STOPWORDS = frozenset({"and", "the", "for", "senior", "junior", "lead", "staff", "head", "with"})
POOL_LIMIT = 200
CLOSED_SHOWN = 5  # the latest closed roles a recruiter sees, to reopen one
EDITS = ("role.edit", "role.open", "role.close", "role.upcoming")  # what the role modal records


class Roles:
    def __init__(
        self, *, sessions: Sessions, members: Members, outbox: Outbox, clock: Clock
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.outbox = outbox
        self.clock = clock

    def create(
        self,
        *,
        team_id: str,
        actor_id: str,
        title: str | None,
        team_name: str | None,
        hiring_manager_id: str | None,
        recruiter_id: str | None,
        status: str | None,
        ideal_profile: str | None,
        reward: RewardFields | None = None,
    ) -> RoleResult:
        """Create a role (recruiters only); field errors keyed by the modal's block ids.
        `reward` (amount, currency, days as typed): admins only; None: not in the form."""
        self.members.recruiter(team_id=team_id, user_id=actor_id)
        rule, errors = self._reward(team_id, actor_id, reward)
        errors |= _errors(title, team_name, status, ideal_profile)
        if errors:
            return RoleResult(errors=errors)
        assert title is not None and status is not None
        now = self.clock()
        with self.sessions.begin() as s:
            role = roles.add(
                s,
                Role(
                    team_id=team_id,
                    title=title,
                    team_name=team_name,
                    hiring_manager_id=hiring_manager_id,
                    recruiter_id=recruiter_id or actor_id,
                    status=RoleStatus(status),
                    ideal_profile=ideal_profile,
                    created_at=now,
                    opened_at=now if status == RoleStatus.OPEN else None,
                ),
            )
            if reward is not None:
                _set_reward(role, rule)
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="role.create",
                subject=f"role:{role.public_id}",
                at=now,
            )
            return RoleResult(errors={}, role=_line(role))

    def form(self, *, team_id: str, actor_id: str, role: str | None = None) -> RoleForm:
        """The role modal (recruiters only): empty for a new role, else the role as it is."""
        profile = self.members.recruiter(team_id=team_id, user_id=actor_id)
        reward = RuleForm() if profile.is_admin else None  # rewards: admins only
        if role is None:
            return RoleForm(locale=profile.locale, recruiter_id=actor_id, reward=reward)
        with self.sessions() as s:
            found = roles.by_public_id(s, team_id, role)
            if found is None:
                raise NotFound
            details = RoleDetails(
                public_id=found.public_id,
                title=found.title,
                team_name=found.team_name,
                hiring_manager_id=found.hiring_manager_id,
                recruiter_id=found.recruiter_id,
                status=found.status.value,
                ideal_profile=found.ideal_profile,
            )
            if reward is not None:
                reward = rule_form(found.reward_amount, found.reward_currency, found.reward_days)
        return RoleForm(locale=profile.locale, recruiter_id=actor_id, role=details, reward=reward)

    def edit(
        self,
        *,
        team_id: str,
        actor_id: str,
        role: str,
        title: str | None,
        team_name: str | None,
        hiring_manager_id: str | None,
        recruiter_id: str | None,
        status: str | None,
        ideal_profile: str | None,
        reward: RewardFields | None = None,
    ) -> RoleResult:
        """Save the edited role (recruiters only). A new status counts as opening or closing
        it: opening sends the pool once, closing takes it out of every list. `reward`: as in
        `create` (admins only)."""
        self.members.recruiter(team_id=team_id, user_id=actor_id)
        rule, errors = self._reward(team_id, actor_id, reward)
        errors |= _errors(title, team_name, status, ideal_profile)
        if errors:
            return RoleResult(errors=errors)
        assert title is not None and status is not None
        now = self.clock()
        with self.sessions.begin() as s:
            found = roles.by_public_id(s, team_id, role)
            if found is None:
                raise NotFound
            changed = [
                name
                for name, old, new in (
                    ("title", found.title, title),
                    ("team", found.team_name, team_name),
                    ("hiring_manager", found.hiring_manager_id, hiring_manager_id),
                    ("recruiter", found.recruiter_id, recruiter_id or found.recruiter_id),
                    ("ideal_profile", found.ideal_profile, ideal_profile),
                    *(() if reward is None else (("reward", rule_of(found), rule),)),
                )
                if old != new
            ]
            if reward is not None:
                _set_reward(found, rule)
            found.title, found.team_name, found.ideal_profile = title, team_name, ideal_profile
            found.hiring_manager_id = hiring_manager_id
            found.recruiter_id = recruiter_id or found.recruiter_id
            if changed:  # field names only: the trail holds no titles
                audit.record(
                    s,
                    team_id=team_id,
                    actor_id=actor_id,
                    action="role.edit",
                    subject=f"role:{role}",
                    at=now,
                    fields=changed,
                )
            self._move(s, found, RoleStatus(status), actor_id=actor_id, now=now)
            return RoleResult(errors={}, role=_line(found), edited=True)

    def _reward(
        self, team_id: str, actor_id: str, reward: RewardFields | None
    ) -> tuple[RewardRule | None, dict[str, str]]:
        """The reward typed in the role modal: only admins see those inputs, and only they
        may send them (a forged submission from anyone else is refused)."""
        if reward is None:
            return None, {}
        self.members.admin(team_id=team_id, user_id=actor_id)
        return parse_rule(*reward)

    def open(self, *, team_id: str, actor_id: str, role: str) -> RoleChange:
        """Open an upcoming role; its recruiter gets the pool and matching resting candidates.
        A role no longer upcoming (opened or closed meanwhile) is left as it is."""
        self.members.recruiter(team_id=team_id, user_id=actor_id)
        return self._click(team_id, actor_id, role, RoleStatus.OPEN, {RoleStatus.UPCOMING})

    def close(self, *, team_id: str, actor_id: str, role: str) -> RoleChange:
        """Close an open or upcoming role: nobody can refer for it any more, it leaves Home,
        the referral form and the pools; its candidates stay where they are."""
        self.members.recruiter(team_id=team_id, user_id=actor_id)
        allowed = {RoleStatus.OPEN, RoleStatus.UPCOMING}
        return self._click(team_id, actor_id, role, RoleStatus.CLOSED, allowed)

    def board(self, *, team_id: str, actor_id: str, change: RoleChange | None = None) -> RoleBoard:
        """`/refbot roles` for this reader: recruiters manage, everyone else sees the list."""
        profile = self.members.profile(team_id=team_id, user_id=actor_id)
        with self.sessions() as s:
            listed = tuple(_line(r) for r in roles.referable(s, team_id))
            closed = (
                tuple(_line(r) for r in roles.closed(s, team_id, limit=CLOSED_SHOWN))
                if profile.is_recruiter
                else ()
            )
        return RoleBoard(
            locale=profile.locale,
            tz=profile.tz,
            reader=actor_id,
            roles=listed,
            closed=closed,
            manage=profile.is_recruiter,
            change=change,
        )

    def last_edit(self, *, team_id: str, actor_id: str, role: str) -> RoleChange | None:
        """The actor's latest edit of the role, to say so where they clicked Edit (None when
        they changed nothing)."""
        with self.sessions() as s:
            found = roles.by_public_id(s, team_id, role)
            if found is None:
                return None
            by, at = roles.last_move(s, team_id, role, EDITS, actor_id=actor_id)
            if by is None:
                return None
            return RoleChange(_line(found), "edited", done=True, by=by, at=at)

    def _click(
        self,
        team_id: str,
        actor_id: str,
        role: str,
        status: RoleStatus,
        allowed: set[RoleStatus],
    ) -> RoleChange:
        action = "opened" if status == RoleStatus.OPEN else "closed"
        now = self.clock()
        with self.sessions.begin() as s:
            found = roles.by_public_id(s, team_id, role)
            if found is None:
                raise NotFound
            if found.status not in allowed:  # an outdated button: say what is, change nothing
                current = "opened" if found.status == RoleStatus.OPEN else "closed"
                trail = "role.open" if current == "opened" else "role.close"
                by, at = roles.last_move(s, team_id, role, [trail])
                fallback = found.opened_at if current == "opened" else found.closed_at
                return RoleChange(_line(found), current, done=False, by=by, at=at or fallback)
            self._move(s, found, status, actor_id=actor_id, now=now)
            return RoleChange(_line(found), action, done=True, by=actor_id, at=now)

    def _move(
        self, s: Session, found: Role, status: RoleStatus, *, actor_id: str, now: datetime
    ) -> None:
        """Give the role a new status, with what comes with it (in the caller's transaction)."""
        if found.status == status:
            return
        previous, found.status = found.status, status
        role = found.public_id
        if status == RoleStatus.OPEN:
            found.opened_at, found.closed_at = now, None
            # Once per role: reopening one closed by mistake does not send its pool again.
            self.outbox.notice(
                s,
                team_id=found.team_id,
                recipient=found.recruiter_id,
                subject=f"role:{role}",
                dedupe_key=f"role:{role}:opened",
                payload={"render": "role_pool", "role": role},
            )
        elif status == RoleStatus.CLOSED:
            found.closed_at = now
        else:
            found.closed_at = None
        verb = {RoleStatus.OPEN: "open", RoleStatus.CLOSED: "close"}.get(status, "upcoming")
        audit.record(
            s,
            team_id=found.team_id,
            actor_id=actor_id,
            action=f"role.{verb}",
            subject=f"role:{role}",
            at=now,
            previous=previous.value,
        )

    def pool(self, due: Due) -> RolePool | None:
        """The role's pool, plus snoozed and archived people whose details mention its title."""
        with self.sessions() as s:
            found = roles.by_public_id(s, due.team_id, due.payload["role"])
            if found is None:
                return None
            # Closed before its pool went out: nobody to reach out to for it. (A pool already
            # sent is still edited, e.g. when someone in it is forgotten.)
            if found.status == RoleStatus.CLOSED and "edit" not in due.payload:
                return None
            pooled = [
                c
                for c in candidates.pooled_for_role(s, found.id)
                if c.name != REMOVED_NAME  # erased: nobody to reach out to
            ]
            items = [PoolItem(c.public_id, c.name, "pooled") for c in pooled]
            seen = {i.candidate for i in items}
            words = [
                w
                for w in re.findall(r"\w+", found.title.lower())
                if len(w) > 2 and w not in STOPWORDS
            ]
            for c in candidates.resting_matching(s, due.team_id, words, limit=POOL_LIMIT):
                if c.public_id not in seen and c.name != REMOVED_NAME:
                    items.append(PoolItem(c.public_id, c.name, c.status.value))
                    pooled.append(c)
            # Each person's next step, as their card shows it (a lead: Ask for intro).
            facts = referrals.contact_facts(s, [c.id for c in pooled])
            steps = {
                c.public_id: next_step(
                    c.status.value,
                    lead=facts[c.id].lead,
                    awaiting_reply=facts[c.id].awaiting_reply,
                )
                for c in pooled
            }
            items = [replace(i, step=steps[i.candidate]) for i in items]
            # Nothing to send is no message; a pool already sent is edited to what is left.
            if not items and "edit" not in due.payload:
                return None
            return RolePool(title=found.title, items=tuple(items))

    def referable(self, *, team_id: str) -> tuple[RoleLine, ...]:
        """Open then upcoming roles: what a referral may target (no candidate data)."""
        with self.sessions() as s:
            return tuple(_line(r) for r in roles.referable(s, team_id))


def _line(role: Role) -> RoleLine:
    return RoleLine(
        public_id=role.public_id,
        title=role.title,
        team_name=role.team_name,
        status=role.status.value,
        hiring_manager_id=role.hiring_manager_id,
        recruiter_id=role.recruiter_id,
        closed_at=role.closed_at,
    )


def _set_reward(role: Role, rule: RewardRule | None) -> None:
    role.reward_amount = rule.amount if rule else None
    role.reward_currency = rule.currency if rule else None
    role.reward_days = rule.days if rule else None


def _errors(
    title: str | None, team_name: str | None, status: str | None, ideal_profile: str | None
) -> dict[str, str]:
    """The role modal's field errors, keyed by its block ids."""
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "required"
    elif len(title) > TITLE_LIMIT:
        errors["title"] = "too_long"
    if team_name and len(team_name) > TEAM_LIMIT:
        errors["team"] = "too_long"
    if ideal_profile and len(ideal_profile) > PROFILE_LIMIT:
        errors["ideal_profile"] = "too_long"
    if status not in {s.value for s in RoleStatus}:
        errors["status"] = "required"
    return errors
