"""Member rows: one per Slack user per workspace."""

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Member


def get(s: Session, team_id: str, user_id: str) -> Member | None:
    return s.scalar(select(Member).where(Member.team_id == team_id, Member.user_id == user_id))


def get_many(s: Session, team_id: str, user_ids: Collection[str]) -> Sequence[Member]:
    return s.scalars(
        select(Member).where(Member.team_id == team_id, Member.user_id.in_(list(user_ids)))
    ).all()


def save_profile(
    s: Session,
    *,
    team_id: str,
    user_id: str,
    display_name: str | None,
    locale: str | None,
    tz: str | None,
    fetched_at: datetime,
    recruiter: bool,
) -> Member:
    """Insert or refresh the member's Slack profile; roles are granted only on first sight."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    profile = {"display_name": display_name, "locale": locale, "tz": tz}
    statement = insert(Member).values(
        team_id=team_id,
        user_id=user_id,
        is_recruiter=recruiter,
        is_admin=recruiter,
        profile_fetched_at=fetched_at,
        **profile,
    )
    # Concurrent first requests of one user race here; the upsert makes that harmless.
    upsert = statement.on_conflict_do_update(
        index_elements=[Member.team_id, Member.user_id],
        set_={**profile, "profile_fetched_at": fetched_at},
    ).returning(Member)
    member = s.scalars(upsert, execution_options={"populate_existing": True}).one()
    return member


def grant_admin(s: Session, team_id: str, user_id: str) -> None:
    """Make the member an admin and a recruiter (the person who installed refbot)."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    roles = {"is_recruiter": True, "is_admin": True}
    s.execute(
        insert(Member)
        .values(team_id=team_id, user_id=user_id, **roles)
        .on_conflict_do_update(index_elements=[Member.team_id, Member.user_id], set_=roles)
    )


def set_roles(s: Session, team_id: str, user_id: str, *, recruiter: bool, admin: bool) -> None:
    """Give the member exactly these roles (`/refbot admin`); someone refbot has not seen yet
    gets a row now, so REFBOT_RECRUITERS no longer decides for them."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    roles = {"is_recruiter": recruiter, "is_admin": admin}
    s.execute(
        insert(Member)
        .values(team_id=team_id, user_id=user_id, **roles)
        .on_conflict_do_update(index_elements=[Member.team_id, Member.user_id], set_=roles)
    )


def admins(s: Session, team_id: str) -> list[str]:
    """Slack ids of the workspace's admins."""
    return list(
        s.scalars(
            select(Member.user_id).where(Member.team_id == team_id, Member.is_admin.is_(True))
        )
    )


def recruiters(s: Session) -> Sequence[Member]:
    """Every recruiter of every workspace (the digest job's audience)."""
    return s.scalars(select(Member).where(Member.is_recruiter.is_(True))).all()


def recruiter_ids(s: Session, team_id: str) -> list[str]:
    return list(
        s.scalars(
            select(Member.user_id).where(Member.team_id == team_id, Member.is_recruiter.is_(True))
        )
    )


def recruiters_or(
    s: Session, team_id: str, user_ids: Collection[str]
) -> list[tuple[str, str | None, bool]]:
    """The workspace's recruiters and any of `user_ids` who have a row, in one query: each
    with their time zone and whether they are a recruiter."""
    rows = s.connection().execute(_RECRUITERS_OR, {"team_id": team_id, "users": list(user_ids)})
    return [(user_id, tz, recruiter) for user_id, tz, recruiter in rows]


# Built once (a referral runs it; building a select costs more than running this one). A union,
# not an OR: each half walks an index (the recruiters', the team's users'), where SQLite reads
# every member of the team for `recruiter OR one of these`.
_COLUMNS = (Member.user_id, Member.tz, Member.is_recruiter)
_RECRUITERS_OR = union(
    select(*_COLUMNS).where(Member.team_id == bindparam("team_id"), Member.is_recruiter.is_(True)),
    select(*_COLUMNS).where(
        Member.team_id == bindparam("team_id"),
        Member.user_id.in_(bindparam("users", expanding=True)),
    ),
)
