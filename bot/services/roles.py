"""Roles people can be referred to: open ones, and upcoming personas not yet open."""

from dataclasses import dataclass

from bot.clock import Clock
from bot.errors import NotAllowed
from bot.services.members import Members
from storage.db import Sessions
from storage.models import Role
from storage.repositories import audit, roles
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


class Roles:
    def __init__(self, *, sessions: Sessions, members: Members, clock: Clock) -> None:
        self.sessions = sessions
        self.members = members
        self.clock = clock

    def require_recruiter(self, *, team_id: str, actor_id: str) -> None:
        """Raise NotAllowed unless the actor is a recruiter."""
        if not self.members.profile(team_id=team_id, user_id=actor_id).is_recruiter:
            raise NotAllowed

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
        self.require_recruiter(team_id=team_id, actor_id=actor_id)
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
