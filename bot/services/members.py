"""Who a Slack user is to refbot: locale, time zone and roles, cached from users.info."""

import logging
import threading
import time
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.directory import Directory
from bot.errors import NotAllowed
from bot.i18n import normalize_locale
from storage.models import Member
from storage.repositories import members as repo
from storage.repositories import roles as roles_repo

log = logging.getLogger("refbot")

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


@dataclass(frozen=True)
class Reader:
    """Whom a message is written for: their language and time zone."""

    locale: str
    tz: str


class _Memo(NamedTuple):
    reader: Reader
    fetched_at: datetime  # when Slack told refbot (the project's clock)
    expires: float  # time.monotonic()


@dataclass(frozen=True)
class Audience:
    """Which commands a person may use (help lists only those)."""

    recruiter: bool = False
    admin: bool = False
    hiring_manager: bool = False  # of at least one role: sessions and search for their roles


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
        # Process-local memo of languages and time zones (never roles: those are always read
        # from the database), so an answer can be rendered in the ack without any I/O, and a
        # card written for someone without reading their row again.
        self._known: dict[tuple[str, str], _Memo] = {}
        # Profiles are refreshed off the request's thread: an ack never waits on users.info.
        self._refresher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="refbot-profiles")
        self._refreshing: dict[tuple[str, str], Future[None]] = {}
        self._refresh_lock = threading.Lock()

    def profile(self, *, team_id: str, user_id: str) -> MemberProfile:
        """The member's locale, time zone and roles as stored (workspace defaults for someone
        new). Never waits on Slack, so any ack may ask: a stale profile is refreshed in the
        background (DESIGN.md section 8)."""
        with self.sessions() as s:
            return self.profile_in(s, team_id=team_id, user_id=user_id)

    def profile_in(self, s: Session, *, team_id: str, user_id: str) -> MemberProfile:
        """`profile()` read in the caller's transaction: no second connection, no write."""
        member = repo.get(s, team_id, user_id)
        if not self._fresh(member):
            self._refresh_later(team_id, user_id)
        return self._profile(team_id, user_id, member)

    def refreshed(self, *, team_id: str, user_id: str) -> MemberProfile:
        """The profile, asking Slack first when it is stale. Only after the ack (lazy listeners,
        the dispatcher) and outside any transaction: this waits on the network."""
        with self.sessions() as s:
            member = repo.get(s, team_id, user_id)
        if not self._fresh(member):
            future, mine = self._claim(team_id, user_id)
            if mine:
                self._run_refresh(team_id, user_id, future)
            else:
                future.result()  # a background refresh is already asking Slack
            with self.sessions() as s:
                member = repo.get(s, team_id, user_id)
        return self._profile(team_id, user_id, member)

    def _bootstrapped(self, team_id: str, user_id: str) -> bool:
        """Whether REFBOT_RECRUITERS makes this user a recruiter and admin on first sight: a
        `TEAM:USER` pair in that workspace only; a bare id (single-workspace installs only,
        bot.config refuses it in OAuth mode) in the one workspace there is."""
        return f"{team_id}:{user_id}" in self.recruiters or user_id in self.recruiters

    def configured_recruiters(self, team_id: str) -> set[str]:
        """The users REFBOT_RECRUITERS names for this workspace (and no other)."""
        found = set()
        for entry in self.recruiters:
            team, _, user = entry.rpartition(":")
            if team in ("", team_id):
                found.add(user)
        return found

    def people(self, s: Session, *, team_id: str) -> tuple[list[str], list[str]]:
        """The workspace's recruiters and admins, in the caller's transaction: the members
        who are, plus the people REFBOT_RECRUITERS names whom refbot has not met yet (they
        will be both on first sight). Once someone has a row, the row decides."""
        configured = self.configured_recruiters(team_id)
        known = {m.user_id for m in repo.get_many(s, team_id, configured)} if configured else set()
        seeded = configured - known
        recruiters = set(repo.recruiter_ids(s, team_id)) | seeded
        admins = set(repo.admins(s, team_id)) | seeded
        return sorted(recruiters), sorted(admins)

    def recruiters_with_tz(self, s: Session, *, team_id: str) -> list[tuple[str, str]]:
        """`recruiters_in()`, each with their time zone (the default when unknown), in one
        query: what a general referral needs for its cards and SLA nudges."""
        configured = self.configured_recruiters(team_id)
        rows = repo.recruiters_or(s, team_id, configured)
        seeded = configured - {user_id for user_id, _, _ in rows}
        found = [(user_id, tz or self.default_tz) for user_id, tz, recruiter in rows if recruiter]
        return sorted(found + [(user_id, self.default_tz) for user_id in seeded])

    def recruiters_in(self, s: Session, *, team_id: str) -> list[str]:
        """Who gets a general referral: `people()`'s recruiters."""
        return self.people(s, team_id=team_id)[0]

    def _fresh(self, member: Member | None) -> bool:
        fetched = member.profile_fetched_at if member else None
        return fetched is not None and self.clock() - fetched < PROFILE_TTL

    def _profile(self, team_id: str, user_id: str, member: Member | None) -> MemberProfile:
        if member is None:  # never seen: defaults, and the roles a first sight would grant
            granted = self._bootstrapped(team_id, user_id)
            return MemberProfile(
                user_id=user_id,
                name=user_id,
                locale=self.default_locale,
                tz=self.default_tz,
                is_recruiter=granted,
                is_admin=granted,
            )
        locale = normalize_locale(member.locale, self.default_locale)
        if member.profile_fetched_at is not None:  # a language Slack gave, however old
            self._remember(team_id, user_id, locale, member.tz, member.profile_fetched_at)
        return MemberProfile(
            user_id=user_id,
            name=member.display_name or user_id,
            locale=locale,
            tz=member.tz or self.default_tz,
            is_recruiter=member.is_recruiter,
            is_admin=member.is_admin,
        )

    def _refresh_later(self, team_id: str, user_id: str) -> None:
        """Ask Slack on a thread of refbot's own, not the caller's."""
        future, mine = self._claim(team_id, user_id)
        if mine:
            try:
                self._refresher.submit(self._run_refresh, team_id, user_id, future)
            except RuntimeError:  # closing: the stored profile serves, the next sight asks
                with self._refresh_lock:
                    self._refreshing.pop((team_id, user_id), None)
                future.set_result(None)

    def _claim(self, team_id: str, user_id: str) -> tuple[Future[None], bool]:
        """The refresh of this user in flight, or a new one for the caller to run (one at a
        time per user: a burst of clicks asks Slack once)."""
        with self._refresh_lock:
            running = self._refreshing.get((team_id, user_id))
            if running is not None:
                return running, False
            future: Future[None] = Future()
            self._refreshing[team_id, user_id] = future
            return future, True

    def _run_refresh(self, team_id: str, user_id: str, future: Future[None]) -> None:
        try:
            self._refresh(team_id, user_id)
        except Exception as error:  # the stored or default profile serves until next time
            log.warning(
                "profile refresh failed team=%s user=%s: %s",
                team_id,
                user_id,
                type(error).__name__,
            )
        finally:
            with self._refresh_lock:
                self._refreshing.pop((team_id, user_id), None)
            future.set_result(None)

    def _refresh(self, team_id: str, user_id: str) -> None:
        # Slack call outside any transaction: never hold a database lock over the network.
        found = self.directory.user_profile(team_id, user_id)
        with self.sessions.begin() as s:
            repo.save_profile(
                s,
                team_id=team_id,
                user_id=user_id,
                display_name=found.name if found else None,
                locale=found.locale if found else None,
                tz=found.tz if found else None,
                fetched_at=self.clock(),
                recruiter=self._bootstrapped(team_id, user_id),
            )
        locale = normalize_locale(found.locale if found else None, self.default_locale)
        self._remember(team_id, user_id, locale, found.tz if found else None, self.clock())

    def _remember(
        self, team_id: str, user_id: str, locale: str, tz: str | None, fetched_at: datetime
    ) -> Reader:
        reader = Reader(locale, tz or self.default_tz)
        expires = time.monotonic() + LOCALE_MEMO_SECONDS
        self._known[team_id, user_id] = _Memo(reader, fetched_at, expires)
        return reader

    def close(self) -> None:
        """Ask Slack no more: refreshes not started are dropped (the next sight asks again)."""
        self._refresher.shutdown(wait=False, cancel_futures=True)

    def recruiter(self, *, team_id: str, user_id: str) -> MemberProfile:
        """The profile of a recruiter; NotAllowed for anyone else (a forwarded card, say)."""
        profile = self.profile(team_id=team_id, user_id=user_id)
        if not profile.is_recruiter:
            raise NotAllowed("recruiters")
        return profile

    def admin(self, *, team_id: str, user_id: str) -> MemberProfile:
        """The profile of an admin; NotAllowed for anyone else."""
        profile = self.profile(team_id=team_id, user_id=user_id)
        if not profile.is_admin:
            raise NotAllowed("admins")
        return profile

    def audience(self, *, team_id: str, user_id: str) -> Audience:
        """What this person may do, read from the database only (help is answered in the ack)."""
        with self.sessions() as s:
            profile = self.profile_in(s, team_id=team_id, user_id=user_id)
            manages = not profile.is_recruiter and bool(roles_repo.managed_by(s, team_id, user_id))
        return Audience(
            recruiter=profile.is_recruiter, admin=profile.is_admin, hiring_manager=manages
        )

    def known_locale(self, *, team_id: str, user_id: str) -> str | None:
        """The user's language if this process learnt it recently; never does I/O."""
        memo = self._known.get((team_id, user_id))
        return memo.reader.locale if memo and memo.expires > time.monotonic() else None

    def cached_readers(self, *, team_id: str, user_ids: Collection[str]) -> dict[str, Reader]:
        """Language and time zone of many users, from memory and one query, for those whose
        profile Slack gave within PROFILE_TTL; the others are left out (`refreshed()` asks
        Slack for them)."""
        now, found = self.clock(), dict[str, Reader]()
        for user_id in user_ids:
            memo = self._known.get((team_id, user_id))
            if memo and memo.expires > time.monotonic() and now - memo.fetched_at < PROFILE_TTL:
                found[user_id] = memo.reader
        missing = [u for u in user_ids if u not in found]
        if missing:
            with self.sessions() as s:
                for member in repo.get_many(s, team_id, missing):
                    fetched = member.profile_fetched_at
                    if fetched is not None and now - fetched < PROFILE_TTL:
                        locale = normalize_locale(member.locale, self.default_locale)
                        found[member.user_id] = self._remember(
                            team_id, member.user_id, locale, member.tz, fetched
                        )
        return found

    def locale(self, *, team_id: str, user_id: str) -> str:
        """The language refbot speaks with this user (from memory when recently learnt); never
        waits on Slack."""
        known = self.known_locale(team_id=team_id, user_id=user_id)
        return known or self.profile(team_id=team_id, user_id=user_id).locale
