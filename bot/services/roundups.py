"""Role roundups (issue 17, item 1): the open roles, posted for referral in the channels an admin
picks on a weekly schedule, a new role announced once when it opens, and a personal weekly DM
for those who ask for one. Never anything about candidates.

Exactly once per channel per week, across restarts and replicas: every post is an outbox row
whose dedupe key names the channel and the ISO week (in the workspace's zone). A long roundup is
split into a few posts, queued together behind the first one's key: a second worker queueing
the same week finds that key taken and queues nothing. What each post says is read at send
time, so a role closed in between is left out.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cache
from types import EllipsisType
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.outbox import Due, Outbox, Queued
from bot.reward_rules import RewardRule, rule_of
from bot.services.members import Members
from bot.timecalc import local_instant, zone
from storage.db import Sessions
from storage.models import Role, RoundupSettings
from storage.repositories import roundups as repo
from storage.repositories import settings as settings_repo
from storage.types import DeliveryKind

ROLES_PER_POST = 20  # one section each, plus a title and a footer: far under 50 blocks
MAX_POSTS = 4  # beyond, "and N more" points to the Home tab (and late posts are never grouped)
PERSONAL_ROLES = 20
PROFILE_LINE = 150  # characters of the ideal profile's first line
MAX_CHANNELS = 10
MAX_KEYWORDS = 200
MAX_TEAM = 100
DEFAULT_WEEKDAY, DEFAULT_HOUR = 0, 10  # Mondays 10:00: the DM roundup without a schedule
ANNOUNCE_WITHIN = timedelta(days=2)  # a role opened while refbot was down is still news
WEEK_WINDOW = timedelta(days=1)  # a roundup missed for longer waits for next week
_NOTICE = DeliveryKind.NOTICE
ROUNDUP = "roundup"  # payload "render" keys (bot.app registers their composers)
PERSONAL = "roundup_dm"
ALERT_TEMPLATE = "roundups/failed"  # what admins read when a channel post fails


@dataclass(frozen=True)
class RoundupRole:
    public_id: str
    title: str
    team_name: str | None
    profile_line: str | None
    # The role's referral reward (else the workspace default): the program's rule, for everyone
    # to see; what a given referrer is owed stays between them and the admins.
    reward: RewardRule | None = None


@dataclass(frozen=True)
class Roundup:
    """One post (or DM) of roles open for referral."""

    kind: str  # "weekly", "opened" (a new role), "personal" (someone's DM)
    roles: tuple[RoundupRole, ...]
    part: int = 1
    parts: int = 1
    more: int = 0  # open roles left out (a very long list): on the Home tab
    matching_team: str | None = None  # personal: what the person chose
    matching_keywords: str | None = None


@dataclass(frozen=True)
class RoundupSettingsView:
    locale: str
    timezone: str  # the zone in force: the workspace's, else the server's default
    chosen_timezone: str | None = None  # the workspace's own, as an admin typed it
    channels: tuple[str, ...] = ()
    weekday: int | None = None
    hour: int = DEFAULT_HOUR
    announce: bool = False
    recognition_channel: str | None = None


@dataclass(frozen=True)
class RoundupSettingsResult:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    saved: RoundupSettingsView | None = None


@dataclass(frozen=True)
class RoundupChoices:
    """One person's roundup choices, for their Home tab and the DM roundup modal."""

    locale: str
    dm: bool = False
    dm_team: str | None = None
    dm_keywords: str | None = None
    unnamed: bool = False
    teams: tuple[str, ...] = ()  # the teams of open roles, to choose from


class Roundups:
    def __init__(
        self, *, sessions: Sessions, members: Members, outbox: Outbox, clock: Clock
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.outbox = outbox
        self.clock = clock

    # -- admin settings --------------------------------------------------------------------------

    def settings_view(self, *, team_id: str, actor_id: str) -> RoundupSettingsView:
        """The roundup and thank-you settings as they are (admins only)."""
        profile = self.members.admin(team_id=team_id, user_id=actor_id)
        with self.sessions() as s:
            return self._view(s, team_id, profile.locale)

    def save_settings(
        self,
        *,
        team_id: str,
        actor_id: str,
        channels: list[str],
        weekday: str | None,
        hour: str | None,
        announce: bool,
        recognition_channel: str | None,
        timezone: str | EllipsisType | None = ...,
    ) -> RoundupSettingsResult:
        """Save where and when roles are posted, the thank-you channel and the workspace's time
        zone (admins only; `timezone` empty: the server's default, `...`: left as it is)."""
        profile = self.members.admin(team_id=team_id, user_id=actor_id)
        errors: dict[str, str] = {}
        tz = None if timezone is ... else (timezone or "").strip() or None
        if tz is not None and (tz := known_zone(tz)) is None:
            errors["workspace_timezone"] = "unknown_timezone"
        day = _whole(weekday, 0, 6) if weekday not in (None, "", "none") else None
        if weekday not in (None, "", "none") and day is None:
            errors["roundup_weekday"] = "invalid_choice"
        at = _whole(hour, 0, 23) if hour else DEFAULT_HOUR
        if at is None:
            errors["roundup_hour"] = "invalid_choice"
        picked = list(dict.fromkeys(c for c in channels if _channel_id(c)))
        if len(picked) != len(channels) or len(picked) > MAX_CHANNELS:
            errors["roundup_channels"] = "invalid_choice"
        if recognition_channel and not _channel_id(recognition_channel):
            errors["recognition_channel"] = "invalid_choice"
        if errors:
            return RoundupSettingsResult(locale=profile.locale, errors=errors)
        now = self.clock()
        with self.sessions.begin() as s:
            current = repo.settings(s, team_id)
            since = current.announce_since if current else None
            repo.save_settings(
                s,
                team_id,
                now=now,
                channels=picked,
                weekday=day,
                hour=at,
                # Turning announcements on announces what opens from now on, not the past.
                announce_since=(since or now) if announce else None,
                recognition_channel=recognition_channel or None,
            )
            if timezone is not ...:
                settings_repo.save(s, team_id, timezone=tz)  # the schedule above is in it
            return RoundupSettingsResult(
                locale=profile.locale, saved=self._view(s, team_id, profile.locale)
            )

    def _view(self, s: Session, team_id: str, locale: str) -> RoundupSettingsView:
        found = repo.settings(s, team_id)
        tz = self._zone(s, team_id).key
        chosen = settings_repo.get(s, team_id).timezone
        if found is None:
            return RoundupSettingsView(locale=locale, timezone=tz, chosen_timezone=chosen)
        return RoundupSettingsView(
            locale=locale,
            timezone=tz,
            chosen_timezone=chosen,
            channels=tuple(found.channels or ()),
            weekday=found.weekday,
            hour=found.hour,
            announce=found.announce_since is not None,
            recognition_channel=found.recognition_channel,
        )

    def _zone(self, s: Session, team_id: str) -> ZoneInfo:
        return zone(settings_repo.get(s, team_id).timezone, self.members.default_tz)

    # -- scheduling (the hourly job, and every minute for new roles) -----------------------------

    def queue_due(self) -> int:
        """Queue this week's roundups whose time has come: the channels' and the personal DMs';
        how many were queued (0 when this week's are queued already)."""
        now = self.clock()
        queued = 0
        with self.sessions.begin() as s:
            configured = {row.team_id: row for row in repo.all_settings(s)}
            for row in configured.values():
                if row.weekday is None or not row.channels:
                    continue
                week = self._week_due(s, row.team_id, row.weekday, row.hour, now)
                if week is None:
                    continue
                roles = repo.open_roles(s, row.team_id)
                for channel in row.channels:
                    queued += self._queue_posts(s, row, channel, week, roles)
            for person in repo.subscribers(s):
                row = configured.get(person.team_id)
                weekday = DEFAULT_WEEKDAY if row is None or row.weekday is None else row.weekday
                hour = DEFAULT_HOUR if row is None else row.hour
                week = self._week_due(s, person.team_id, weekday, hour, now)
                if week is None:
                    continue
                key = f"{PERSONAL}:{person.team_id}:{person.user_id}:{week}"
                queued += (
                    self.outbox.schedule(
                        s,
                        team_id=person.team_id,
                        kind=_NOTICE,
                        recipient=person.user_id,
                        subject=f"{PERSONAL}:{person.user_id}",
                        due_at=now,
                        dedupe_key=key,
                        payload={"render": PERSONAL},
                    )
                    is not None
                )
        return queued

    def _week_due(
        self, s: Session, team_id: str, weekday: int, hour: int, now: datetime
    ) -> str | None:
        """This ISO week's name when its roundup time has come (and not a day ago)."""
        tz = self._zone(s, team_id)
        today = now.astimezone(tz).date()
        day = today - timedelta(days=today.weekday() - weekday)
        slot = local_instant(day, tz, time(hour))
        if not slot <= now < slot + WEEK_WINDOW:
            return None
        year, number, _ = day.isocalendar()  # the week of the slot, in the workspace's zone
        return f"{year}-W{number:02d}"

    def _queue_posts(
        self, s: Session, row: RoundupSettings, channel: str, week: str, roles: Sequence[Role]
    ) -> int:
        team_id = row.team_id
        if not roles:
            return 0
        chunks = [
            roles[i : i + ROLES_PER_POST]
            for i in range(0, min(len(roles), ROLES_PER_POST * MAX_POSTS), ROLES_PER_POST)
        ]
        more = max(len(roles) - ROLES_PER_POST * MAX_POSTS, 0)
        head = f"{ROUNDUP}:{team_id}:{channel}:{week}"
        posts = [
            Queued(
                team_id=team_id,
                recipient=channel,
                subject=f"channel:{channel}",
                dedupe_key=head if part == 1 else f"{head}:{part}",
                payload=_post_payload(row, channel, "weekly", chunk, part, len(chunks), more),
            )
            for part, chunk in enumerate(chunks, start=1)
        ]
        # The first post's key is the week's: a replica that queued it first wins, and this
        # one adds nothing (its insert waits for the other's commit on PostgreSQL).
        first = posts[0]
        if (
            self.outbox.schedule(
                s,
                team_id=team_id,
                kind=_NOTICE,
                recipient=channel,
                subject=first.subject,
                due_at=self.clock(),
                dedupe_key=first.dedupe_key,
                payload=first.payload,
            )
            is None
        ):
            return 0
        if posts[1:]:
            # Same due time: the dispatcher sends them in id order, a second apart.
            self.outbox.add_all(s, posts[1:])
        return len(posts)

    def announce_opened(self) -> int:
        """Announce, once per channel, each role that opened since announcements were turned
        on (and lately); how many announcements were queued."""
        now = self.clock()
        queued = 0
        with self.sessions.begin() as s:
            for row in repo.all_settings(s):
                if row.announce_since is None or not row.channels:
                    continue
                since = max(row.announce_since, now - ANNOUNCE_WITHIN)
                for role in repo.opened_since(s, row.team_id, since):
                    for channel in row.channels:
                        queued += (
                            self.outbox.schedule(
                                s,
                                team_id=row.team_id,
                                kind=_NOTICE,
                                recipient=channel,
                                subject=f"channel:{channel}",
                                due_at=now,
                                dedupe_key=f"role-opened:{row.team_id}:{channel}:{role.public_id}",
                                payload=_post_payload(row, channel, "opened", [role], 1, 1, 0),
                            )
                            is not None
                        )
        return queued

    # -- what a post says, at send time ----------------------------------------------------------

    def post(self, due: Due) -> Roundup | None:
        """A channel post: its roles still open (None when none is: nothing to post)."""
        with self.sessions() as s:
            roles = repo.open_by_public_ids(s, due.team_id, due.payload.get("roles") or [])
            if not roles:
                return None
            default = rule_of(settings_repo.get(s, due.team_id))
            return Roundup(
                kind=str(due.payload.get("kind") or "weekly"),
                roles=tuple(_role(r, default) for r in roles),
                part=int(due.payload.get("part") or 1),
                parts=int(due.payload.get("parts") or 1),
                more=int(due.payload.get("more") or 0),
            )

    def personal(self, due: Due) -> Roundup | None:
        """Someone's weekly DM: open roles matching their choice, as it is now; None when they
        opted out since, or when nothing matches this week."""
        with self.sessions() as s:
            choice = repo.preference(s, due.team_id, due.recipient)
            if choice is None or not choice.dm:
                return None
            matching = [
                r
                for r in repo.open_roles(s, due.team_id)
                if _matches(r, choice.dm_team, choice.dm_keywords)
            ]
            if not matching:
                return None
            default = rule_of(settings_repo.get(s, due.team_id))
            return Roundup(
                kind="personal",
                roles=tuple(_role(r, default) for r in matching[:PERSONAL_ROLES]),
                more=max(len(matching) - PERSONAL_ROLES, 0),
                matching_team=choice.dm_team,
                matching_keywords=choice.dm_keywords,
            )

    # -- each person's choices (Home tab) --------------------------------------------------------

    def choices(self, *, team_id: str, user_id: str) -> RoundupChoices:
        """This person's DM roundup and naming choices, with the teams they can pick from."""
        locale = self.members.locale(team_id=team_id, user_id=user_id)
        with self.sessions() as s:
            found = repo.preference(s, team_id, user_id)
            teams = sorted(
                {r.team_name for r in repo.open_roles(s, team_id) if r.team_name},
                key=str.casefold,
            )
            if found is None:
                return RoundupChoices(locale=locale, teams=tuple(teams))
            return RoundupChoices(
                locale=locale,
                dm=found.dm,
                dm_team=found.dm_team,
                dm_keywords=found.dm_keywords,
                unnamed=found.unnamed,
                teams=tuple(teams),
            )

    def subscribe(
        self, *, team_id: str, user_id: str, team_name: str | None, keywords: str | None
    ) -> RoundupChoices:
        """Send this person a weekly DM of open roles matching a team or keywords (or all)."""
        words = " ".join((keywords or "").split())[:MAX_KEYWORDS] or None
        with self.sessions.begin() as s:
            repo.save_preference(
                s,
                team_id,
                user_id,
                now=self.clock(),
                dm=True,
                dm_team=(team_name or "")[:MAX_TEAM] or None,  # as long as a role's team
                dm_keywords=words,
            )
        return self.choices(team_id=team_id, user_id=user_id)

    def unsubscribe(self, *, team_id: str, user_id: str) -> RoundupChoices:
        """No more DM roundups, the one queued included."""
        with self.sessions.begin() as s:
            repo.save_preference(s, team_id, user_id, now=self.clock(), dm=False)
            self.outbox.cancel_pending(
                s, team_id=team_id, subject=f"{PERSONAL}:{user_id}", kinds=(_NOTICE,)
            )
        return self.choices(team_id=team_id, user_id=user_id)

    def name_me(self, *, team_id: str, user_id: str, named: bool) -> RoundupChoices:
        """Whether thank-you posts may name this person among the top referrers."""
        with self.sessions.begin() as s:
            repo.save_preference(s, team_id, user_id, now=self.clock(), unnamed=not named)
        return self.choices(team_id=team_id, user_id=user_id)


def _post_payload(
    row: RoundupSettings,
    channel: str,
    kind: str,
    roles: Sequence[Role],
    part: int,
    parts: int,
    more: int,
) -> dict:
    return {
        "render": ROUNDUP,
        "kind": kind,
        "roles": [r.public_id for r in roles],
        "part": part,
        "parts": parts,
        "more": more,
        "alert_once": alert_once(ROUNDUP, row, channel),
        "alert_template": ALERT_TEMPLATE,
        "pace": True,  # one post a second per channel (bot.dispatcher)
    }


def alert_once(what: str, row: RoundupSettings, channel: str) -> str:
    """A channel refbot is not in fails every post there, week after week: its admins are told
    once, and once more after they save the settings again (they may have fixed it)."""
    return f"{what}:{row.team_id}:{channel}:{int(row.updated_at.timestamp())}"


def _role(role: Role, default: RewardRule | None) -> RoundupRole:
    return RoundupRole(
        public_id=role.public_id,
        title=role.title,
        team_name=role.team_name,
        profile_line=_first_line(role.ideal_profile),
        reward=rule_of(role) or default,
    )


@cache
def _zones() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def known_zone(typed: str) -> str | None:
    """The IANA zone an admin typed ("europe/paris" too), spelled as the database has it; None
    when there is no such zone."""
    return _zones().get(typed.strip().casefold())


def _first_line(text: str | None) -> str | None:
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    if not line:
        return None
    return line if len(line) <= PROFILE_LINE else line[: PROFILE_LINE - 1] + "…"


def _matches(role: Role, team_name: str | None, keywords: str | None) -> bool:
    """A role matches the person's team (same name, any case) or any of their keywords (in its
    title, team or ideal profile); with neither chosen, every open role does."""
    if not team_name and not keywords:
        return True
    if team_name and (role.team_name or "").casefold() == team_name.casefold():
        return True
    haystack = " ".join((role.title, role.team_name or "", role.ideal_profile or "")).casefold()
    return any(word.casefold() in haystack for word in (keywords or "").replace(",", " ").split())


def _whole(value: str | None, low: int, high: int) -> int | None:
    if value is None or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if low <= number <= high else None


def _channel_id(value: str) -> bool:
    """A public or private channel's id (C…, G…), as Slack's conversation selects give them."""
    return (
        isinstance(value, str) and value[:1] in ("C", "G") and value.isalnum() and len(value) < 32
    )
