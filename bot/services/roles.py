"""Roles people can be referred to: open ones, and upcoming personas not yet open."""

import re
from dataclasses import dataclass

from bot.clock import Clock
from bot.errors import NotFound
from bot.outbox import Due, Outbox
from bot.services.members import Members
from storage.db import Sessions
from storage.models import Role
from storage.repositories import audit, candidates, roles
from storage.repositories.candidates import REMOVED_NAME
from storage.types import RoleStatus

TITLE_LIMIT = 200
TEAM_LIMIT = 100
PROFILE_LIMIT = 3000


@dataclass(frozen=True)
class RoleLine:
    public_id: str
    title: str
    team_name: str | None
    status: str


@dataclass(frozen=True)
class RoleResult:
    errors: dict[str, str]
    role: RoleLine | None = None


@dataclass(frozen=True)
class PoolItem:
    candidate: str  # public id
    name: str
    why: str  # pooled, or the word of the title it matched


@dataclass(frozen=True)
class RolePool:
    title: str
    items: tuple[PoolItem, ...]


STOPWORDS = frozenset({"and", "the", "for", "senior", "junior", "lead", "staff", "head", "with"})
POOL_LIMIT = 200


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
    ) -> RoleResult:
        """Create a role (recruiters only); field errors keyed by the modal's block ids."""
        self.members.recruiter(team_id=team_id, user_id=actor_id)
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
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="role.create",
                subject=f"role:{role.public_id}",
                at=now,
            )
            return RoleResult(errors={}, role=_line(role))

    def open(self, *, team_id: str, actor_id: str, role: str) -> RoleLine:
        """Open an upcoming role; its recruiter gets the pool and matching resting candidates."""
        self.members.recruiter(team_id=team_id, user_id=actor_id)
        now = self.clock()
        with self.sessions.begin() as s:
            found = roles.by_public_id(s, team_id, role)
            if found is None:
                raise NotFound
            if found.status != RoleStatus.OPEN:
                found.status = RoleStatus.OPEN
                found.opened_at = now
                self.outbox.notice(
                    s,
                    team_id=team_id,
                    recipient=found.recruiter_id,
                    subject=f"role:{role}",
                    dedupe_key=f"role:{role}:opened",
                    payload={"render": "role_pool", "role": role},
                )
                audit.record(
                    s,
                    team_id=team_id,
                    actor_id=actor_id,
                    action="role.open",
                    subject=f"role:{role}",
                    at=now,
                )
            return _line(found)

    def pool(self, due: Due) -> RolePool | None:
        """The role's pool, plus snoozed and archived people whose details mention its title."""
        with self.sessions() as s:
            found = roles.by_public_id(s, due.team_id, due.payload["role"])
            if found is None:
                return None
            items = [
                PoolItem(c.public_id, c.name, "pooled")
                for c in candidates.pooled_for_role(s, found.id)
                if c.name != REMOVED_NAME  # erased: nobody to reach out to
            ]
            seen = {i.candidate for i in items}
            words = [
                w
                for w in re.findall(r"\w+", found.title.lower())
                if len(w) > 2 and w not in STOPWORDS
            ]
            for c in candidates.resting_matching(s, due.team_id, words, limit=POOL_LIMIT):
                if c.public_id not in seen and c.name != REMOVED_NAME:
                    items.append(PoolItem(c.public_id, c.name, c.status.value))
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
    )
