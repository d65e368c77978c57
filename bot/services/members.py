"""Who a Slack user is to refbot: locale, time zone and roles, cached from users.info."""

import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.directory import Directory
from bot.errors import NotAllowed
from bot.i18n import normalize_locale
from storage.repositories import members as repo

PROFILE_TTL = timedelta(days=1)  # locale and tz rarely change; users.info is Tier 4 but not free
LOCALE_MEMO_SECONDS = 600.0


@dataclass(frozen=True)
class MemberProfile:
    user_id: str
    name: str
    locale: str
    tz: str
    is_recruiter: bool
    is_admin: bool


class Members:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        directory: Directory,
        clock: Clock,
        recruiters: tuple[str, ...],
        default_locale: str,
        default_tz: str,
    ) -> None:
        self.sessions = sessions
        self.directory = directory
        self.clock = clock
        self.recruiters = frozenset(recruiters)
        self.default_locale = default_locale
        self.default_tz = default_tz
        # Process-local memo of languages only (never roles: those are always read from the
        # database), so an answer can be rendered in the ack without any I/O.
        self._locales: dict[tuple[str, str], tuple[str, float]] = {}

    def profile(self, *, team_id: str, user_id: str) -> MemberProfile:
        """The member's locale, time zone and roles; refreshes the Slack profile when stale."""
        now = self.clock()
        with self.sessions() as s:
            member = repo.get(s, team_id, user_id)
        fresh = (
            member and member.profile_fetched_at and now - member.profile_fetched_at < PROFILE_TTL
        )
        if not fresh:
            # Slack call outside any transaction: never hold a database lock over the network.
            found = self.directory.user_profile(team_id, user_id)
            with self.sessions.begin() as s:
                member = repo.save_profile(
                    s,
                    team_id=team_id,
                    user_id=user_id,
                    display_name=found.name if found else None,
                    locale=found.locale if found else None,
                    tz=found.tz if found else None,
                    fetched_at=now,
                    recruiter=user_id in self.recruiters,
                )
        assert member is not None
        locale = normalize_locale(member.locale, self.default_locale)
        self._locales[team_id, user_id] = (locale, time.monotonic() + LOCALE_MEMO_SECONDS)
        return MemberProfile(
            user_id=user_id,
            name=member.display_name or user_id,
            locale=locale,
            tz=member.tz or self.default_tz,
            is_recruiter=member.is_recruiter,
            is_admin=member.is_admin,
        )

    def recruiter(self, *, team_id: str, user_id: str) -> MemberProfile:
        """The profile of a recruiter; NotAllowed for anyone else (a forwarded card, say)."""
        profile = self.profile(team_id=team_id, user_id=user_id)
        if not profile.is_recruiter:
            raise NotAllowed
        return profile

    def admin(self, *, team_id: str, user_id: str) -> MemberProfile:
        """The profile of an admin; NotAllowed for anyone else."""
        profile = self.profile(team_id=team_id, user_id=user_id)
        if not profile.is_admin:
            raise NotAllowed
        return profile

    def known_locale(self, *, team_id: str, user_id: str) -> str | None:
        """The user's language if this process learnt it recently; never does I/O."""
        memo = self._locales.get((team_id, user_id))
        return memo[0] if memo and memo[1] > time.monotonic() else None

    def cached_locales(self, *, team_id: str, user_ids: Collection[str]) -> dict[str, str]:
        """Languages of many users from memory and one query; users not yet known are left out
        (`locale()` asks Slack for them)."""
        found = {u: k for u in user_ids if (k := self.known_locale(team_id=team_id, user_id=u))}
        missing = [u for u in user_ids if u not in found]
        if missing:
            now, expires = self.clock(), time.monotonic() + LOCALE_MEMO_SECONDS
            with self.sessions() as s:
                for member in repo.get_many(s, team_id, missing):
                    if member.profile_fetched_at and now - member.profile_fetched_at < PROFILE_TTL:
                        locale = normalize_locale(member.locale, self.default_locale)
                        self._locales[team_id, member.user_id] = (locale, expires)
                        found[member.user_id] = locale
        return found

    def locale(self, *, team_id: str, user_id: str) -> str:
        """The language refbot speaks with this user (from memory when recently learnt)."""
        known = self.known_locale(team_id=team_id, user_id=user_id)
        return known or self.profile(team_id=team_id, user_id=user_id).locale
