"""refbot's own export read back exactly: the JSON document, or the CSV of one row a candidate
(the format is described in bot.transfer.exporting).

Rows are keyed by public id (roles, sessions, candidates with their referrals and intros),
members by Slack id, templates by name, variant and locale: what the database already holds is
left as it is, so restoring an export into the database it came from changes nothing, and a
restore that stopped half-way can simply be run again. New rows get new database ids; every
reference between them (a referral's role and session, an intro's referral, a reminder's note
or outreach) is remapped by public id or by position. Reminders still to come (a snooze's end,
follow-ups, nudges, a running session's end) are queued again with their dates, recipients and
payloads, so they come due as they would have. Candidates are restored BATCH to a transaction,
each in a savepoint: a bad one is reported by its position (CSV: its line), the others kept.

Roundup settings and each person's roundup choices are restored unless the workspace has its
own; the last days' roundup and thank-you posts come back as the mark that they were made
(queued again if they were not), so none goes out twice.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import partial
from itertools import islice
from typing import Any, Protocol, TypeVar

from babel.numbers import is_currency
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.reward_rules import MAX_DAYS, MAX_MINOR
from bot.transfer.cells import unescape
from bot.transfer.exporting import (
    CANDIDATE_REMINDERS,
    FORMAT,
    ROUNDUP_POSTS,
    ROW_REFERENCES,
    SETTINGS_FIELDS,
    VERSION,
)
from bot.transfer.records import BATCH, Counts, ImportFileError
from storage.db import Sessions
from storage.models import (
    AuditLog,
    Candidate,
    CandidateContact,
    Delivery,
    ForgottenContact,
    IntroRequest,
    Member,
    Note,
    Outreach,
    Referral,
    Reward,
    Role,
    RoundupPreference,
    RoundupSettings,
    Settings,
    SourcingSession,
    Template,
)
from storage.types import (
    CandidateSource,
    CandidateStatus,
    ContactKind,
    DeliveryKind,
    DeliveryStatus,
    IntroStatus,
    NoteKind,
    OutreachChannel,
    ReferralStrength,
    RewardStatus,
    RoleStatus,
    SessionStatus,
)

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

# Columns only refbot's own CSV export has (a version 1 export lacks the last one).
_CSV_MARKS = {"public_id", "referrals_json", "reminders_json"}
_LISTS = (
    *("referrals", "notes", "outreach", "intros", "history", "reminders", "contacts"),
    *("roles", "sessions"),
)


class Invalid(Exception):
    """This item can't be restored; the message says which field and why."""


class CsvTable(Protocol):
    """What restore_csv reads (bot.transfer.reading.Table)."""

    header: list[str]
    records: Iterable[tuple[int, list[str]]]


def is_refbot_json(data: Any) -> bool:
    """Whether `data` is refbot's JSON export (a document of any version)."""
    return isinstance(data, dict) and data.get("format") == FORMAT and "version" in data


def is_refbot_export(header: list[str]) -> bool:
    """Whether a CSV header is refbot's own export (version 2)."""
    return {cell.strip().lower() for cell in header} >= _CSV_MARKS


def restore_json(
    sessions: Sessions, data: Any, *, team_id: str, clock: Clock, counts: Counts
) -> None:
    """Restore refbot's JSON export into workspace `team_id`; counts and errors in `counts`
    (an error's line is the item's position in its list, from 1)."""
    if not is_refbot_json(data):
        raise ImportFileError("not refbot's JSON export")
    if data["version"] != VERSION:
        raise ImportFileError(
            f"refbot export version {data['version']!r}; this refbot reads version {VERSION}"
        )
    now = clock()
    with sessions.begin() as s:
        restorer = _Restorer(s, team_id, now, counts)
        restorer.settings(data.get("settings"))
        for what, restore in (("members", restorer.member), ("templates", restorer.template)):
            restorer.each(_numbered(_list(data, what)), restore, what)
    _roundups_in(sessions, data, team_id=team_id, now=now, counts=counts)
    _forgotten_in(sessions, data, team_id=team_id, now=now, counts=counts)
    for what in ("roles", "sessions"):
        for chunk in _chunks(_numbered(_list(data, what))):
            with sessions.begin() as s:
                restorer = _Restorer(s, team_id, now, counts)
                restore = restorer.role if what == "roles" else restorer.session
                restorer.each(chunk, restore, what)
    for chunk in _chunks(_numbered(_list(data, "candidates"))):
        with sessions.begin() as s:
            _Restorer(s, team_id, now, counts).each(chunk, None, "candidates")
        counts.rows += len(chunk)
    for chunk in _chunks(_numbered(_list(data, "rewards"))):  # they name candidates and roles
        with sessions.begin() as s:
            restorer = _Restorer(s, team_id, now, counts)
            restorer.each(chunk, restorer.reward, "rewards")


def restore_csv(
    sessions: Sessions, table: CsvTable, *, team_id: str, clock: Clock, counts: Counts
) -> None:
    """Restore the rows of refbot's CSV export (with the roles and sessions their referrals
    name); a bad row is reported by its line. Members, settings, templates, and roles and
    sessions no candidate refers to, are only in the JSON export."""
    columns = {cell.strip().lower(): i for i, cell in enumerate(table.header)}
    if not is_refbot_export(table.header):
        raise ImportFileError("not refbot's CSV export")
    now = clock()
    for chunk in _chunks(iter(table.records)):
        items: list[tuple[int, Any]] = []
        for line, cells in chunk:
            try:
                items.append((line, _csv_candidate(cells, columns)))
            except Invalid as error:
                counts.errors.append((line, str(error)))
        with sessions.begin() as s:
            restorer = _Restorer(s, team_id, now, counts)
            for line, item in items:  # what the candidate's referrals name comes first
                restorer.each([(line, r) for r in item.pop("roles")], restorer.role, "roles")
                restorer.each(
                    [(line, x) for x in item.pop("sessions")], restorer.session, "sessions"
                )
            restorer.each(items, None, "candidates")
        counts.rows += len(chunk)


def _csv_candidate(cells: list[str], columns: dict[str, int]) -> dict[str, Any]:
    def cell(name: str) -> str:
        at = columns.get(name)
        return unescape(cells[at]) if at is not None and at < len(cells) else ""

    item: dict[str, Any] = {
        name: cell(name) or None
        for name in (
            *("public_id", "name", "email", "profile_url", "company", "headline", "status"),
            *("source", "owner_id", "created_at", "last_activity_at", "archived_at"),
        )
    }
    item["tags"] = [t for t in (part.strip() for part in cell("tags").split(",")) if t]
    item["consent"] = cell("consent").strip().lower() in ("yes", "true", "1")
    for name in _LISTS:
        text = cell(f"{name}_json")
        try:
            item[name] = json.loads(text) if text.strip() else []
        except json.JSONDecodeError as error:
            raise Invalid(f"{name}_json: not valid JSON ({error.msg})") from None
        if not isinstance(item[name], list):
            raise Invalid(f"{name}_json: not a list")
    return item


def _list(data: dict[str, Any], key: str) -> list[Any]:
    found = data.get(key) or []
    if not isinstance(found, list):
        raise ImportFileError(f"{key}: not a list")
    return found


def _numbered(items: list[Any]) -> Iterator[tuple[int, Any]]:
    return enumerate(items, start=1)


def _chunks(items: Iterator[T]) -> Iterator[list[T]]:
    while chunk := list(islice(items, BATCH)):
        yield chunk


# -- values ------------------------------------------------------------------------------------


class _Values:
    """One object of the file, read field by field: type, length and NUL checked here, so that
    SQLite (which would store anything) and PostgreSQL (which refuses) agree."""

    def __init__(self, item: Any, where: str) -> None:
        if not isinstance(item, dict):
            raise Invalid(f"{where}: not an object")
        self.item, self.where = item, where

    def _fail(self, key: str, why: str) -> Invalid:
        return Invalid(f"{self.where}.{key}: {why}")

    def text(self, key: str, limit: int | None = None, *, required: bool = False) -> str | None:
        value = self.item.get(key)
        if value is None or (value == "" and required):
            if required:
                raise self._fail(key, "missing")
            return None
        if not isinstance(value, str):
            raise self._fail(key, "not text")
        if "\x00" in value:
            raise self._fail(key, "holds a NUL character")
        if limit is not None and len(value) > limit:
            raise self._fail(key, f"longer than {limit} characters")
        return value

    def required(self, key: str, limit: int | None = None) -> str:
        value = self.text(key, limit, required=True)
        assert value is not None
        return value

    def slack(self, key: str, *, required: bool = False) -> str | None:
        return self.text(key, 32, required=required)

    def when(self, key: str, *, required: bool = False) -> datetime | None:
        value = self.text(key, 40, required=required)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self._fail(key, "not an ISO 8601 date and time") from None
        if parsed.utcoffset() is None:
            raise self._fail(key, "has no UTC offset")
        return parsed.astimezone(UTC)

    def instant(self, key: str) -> datetime:
        value = self.when(key, required=True)
        assert value is not None
        return value

    def day(self, key: str) -> date:
        value = self.text(key, 10, required=True)
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self._fail(key, "not an ISO 8601 date") from None

    def enum(self, key: str, kind: type[E], default: E | None = None) -> E:
        value = self.item.get(key)
        if value is None and default is not None:
            return default
        try:
            return kind(value)
        except ValueError:
            raise self._fail(key, f"unknown value {str(value)[:40]!r}") from None

    def optional_enum(self, key: str, kind: type[E]) -> E | None:
        return None if self.item.get(key) is None else self.enum(key, kind)

    def flag(self, key: str, default: bool | None = False) -> bool | None:
        value = self.item.get(key, default)
        if value is not None and not isinstance(value, bool):
            raise self._fail(key, "not true or false")
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        return bool(self.flag(key, default))

    def number(self, key: str) -> int | None:
        value = self.item.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self._fail(key, "not a whole number")
        return value

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.item.get(key) or {}
        if not isinstance(value, dict):
            raise self._fail(key, "not an object")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.item.get(key) or []
        if not isinstance(value, list):
            raise self._fail(key, "not a list")
        return value

    def strings(self, key: str) -> list[str]:
        values = self.items(key)
        if not all(isinstance(v, str) and "\x00" not in v for v in values):
            raise self._fail(key, "not a list of text")
        return values


# -- rows --------------------------------------------------------------------------------------


class _Restorer:
    """The rows of one transaction. Each item goes in a savepoint: one that fails is rolled
    back alone and reported, the rest of the batch is kept."""

    def __init__(self, s: Session, team_id: str, now: datetime, counts: Counts) -> None:
        self.s, self.team_id, self.now, self.counts = s, team_id, now, counts
        self.roles: dict[str, int] = {}  # public id -> id, looked up once a transaction
        self.sessions: dict[str, int] = {}
        self.templates: dict[tuple[str, str, str], int | None] = {}
        self.held: dict[str, str] = {}  # candidate public id -> its workspace, prefetched

    def each(
        self,
        items: Iterable[tuple[int, Any]],
        restore: Callable[[Any], Any] | None,
        what: str,
    ) -> None:
        items = list(items)
        if restore is None:  # which candidates are held already: one query, not one each
            pids = [i.get("public_id") for _, i in items if isinstance(i, dict)]
            self.held.update(
                (pid, team)
                for pid, team in self.s.execute(
                    select(Candidate.public_id, Candidate.team_id).where(
                        Candidate.public_id.in_([p for p in pids if isinstance(p, str)])
                    )
                ).all()
            )
        for position, item in items:
            try:
                with self.s.begin_nested():
                    if restore is None:
                        new = self.candidate(item)
                        self.counts.imported += new
                        self.counts.merged += not new
                    else:
                        restore(item)
            except Invalid as error:
                self.counts.errors.append((position, _reason(what, str(error))))
            except (IntegrityError, DataError):
                # Never the database's message: it quotes values (personal data).
                why = "conflicts with a row already held (a public id, email or profile URL)"
                self.counts.errors.append((position, _reason(what, why)))

    # -- the workspace ---------------------------------------------------------------------------

    def settings(self, item: Any) -> None:
        if item is None or self.s.scalar(select(Settings).where(Settings.team_id == self.team_id)):
            return
        v = _Values(item, "settings")
        numbers = {name: v.number(name) for name in SETTINGS_FIELDS[:6]}
        self.s.add(
            Settings(
                team_id=self.team_id,
                **{name: value for name, value in numbers.items() if value is not None},
                locale=v.text("locale", 16),
                timezone=v.text("timezone", 64),
                updated_at=v.when("updated_at"),
                **_rule(item, "settings"),
            )
        )

    def member(self, item: Any) -> None:
        v = _Values(item, "member")
        user = v.slack("user_id", required=True)
        held = select(Member.id).where(Member.team_id == self.team_id, Member.user_id == user)
        if self.s.scalar(held) is not None:
            return
        self.s.add(
            Member(
                team_id=self.team_id,
                user_id=user,
                display_name=v.text("name", 200),
                is_recruiter=v.boolean("is_recruiter"),
                is_admin=v.boolean("is_admin"),
                tz=v.text("tz", 64),
                locale=v.text("locale", 16),
            )
        )
        self.s.flush()

    def template(self, item: Any) -> None:
        v = _Values(item, "template")
        key = (v.required("name", 100), v.required("variant", 20), v.required("locale", 10))
        if self._template(key) is not None:
            return
        self.s.add(
            Template(
                team_id=self.team_id,
                name=key[0],
                variant=key[1],
                locale=key[2],
                subject=v.text("subject", 200),
                body=v.required("body"),
                active=v.boolean("active", True),
                created_at=v.instant("created_at"),
            )
        )
        self.s.flush()
        self.templates.pop(key, None)

    def role(self, item: Any) -> None:
        v = _Values(item, "role")
        pid = v.required("public_id", 16)
        if self._held(Role, pid):
            return
        role = Role(
            public_id=pid,
            team_id=self.team_id,
            title=v.required("title", 200),
            team_name=v.text("team", 100),
            hiring_manager_id=v.slack("hiring_manager"),
            recruiter_id=v.slack("recruiter", required=True),
            status=v.enum("status", RoleStatus),
            ideal_profile=v.text("ideal_profile"),
            created_at=v.instant("created_at"),
            opened_at=v.when("opened_at"),
            closed_at=v.when("closed_at"),
            **_rule(item, "role"),
        )
        self.s.add(role)
        self.s.flush()
        self.roles[pid] = role.id

    def session(self, item: Any) -> None:
        v = _Values(item, "session")
        pid = v.required("public_id", 16)
        if self._held(SourcingSession, pid):
            return
        role = v.text("role", 16)
        session = SourcingSession(
            public_id=pid,
            team_id=self.team_id,
            channel_id=v.slack("channel", required=True),
            role_id=None if role is None else self._id(Role, self.roles, role, "role"),
            owner_id=v.slack("owner", required=True),
            goal=v.number("goal"),
            starts_at=v.instant("starts_at"),
            ends_at=v.instant("ends_at"),
            ended_at=v.when("ended_at"),
            card_ts=v.text("card_ts", 32),
            prompt=v.text("prompt"),
            status=v.enum("status", SessionStatus),
        )
        self.s.add(session)
        self.s.flush()
        self.sessions[pid] = session.id
        subjects = {f"session:{pid}"}
        for reminder in v.items("reminders"):
            self._reminder(reminder, subjects, {}, (DeliveryKind.SESSION_END,))

    # -- a candidate and what is theirs ----------------------------------------------------------

    def candidate(self, item: Any) -> bool:
        """Restore one candidate; False when the workspace already holds them (left alone)."""
        v = _Values(item, "candidate")
        pid = v.required("public_id", 16)
        if self._held(Candidate, pid):
            return False
        candidate = Candidate(
            public_id=pid,
            team_id=self.team_id,
            name=v.required("name", 200),
            email=v.text("email", 320),
            profile_url=v.text("profile_url", 500),
            headline=v.text("headline", 200),
            company=v.text("company", 200),
            tags=", ".join(v.strings("tags")),
            source=v.enum("source", CandidateSource),
            status=v.enum("status", CandidateStatus),
            owner_id=v.slack("owner_id"),
            consent=v.boolean("consent"),
            last_activity_at=v.instant("last_activity_at"),
            created_at=v.instant("created_at"),
            archived_at=v.when("archived_at"),
        )
        self.s.add(candidate)
        self.s.flush()
        for contact in v.items("contacts"):
            x = _Values(contact, "contact")
            self.s.add(
                CandidateContact(
                    team_id=self.team_id,
                    candidate_id=candidate.id,
                    kind=x.enum("kind", ContactKind),
                    value=x.required("value", 500),
                    created_at=x.instant("created_at"),
                )
            )
        notes = [self._note(candidate, n) for n in v.items("notes")]
        outreach = [self._outreach(candidate, o) for o in v.items("outreach")]
        referrals = [self._referral(candidate, r) for r in v.items("referrals")]
        by_pid = {r.public_id: r for r in referrals}
        intros = [self._intro(candidate, i, by_pid) for i in v.items("intros")]
        self.s.flush()
        rows = {"notes": [n.id for n in notes], "outreach": [o.id for o in outreach]}
        for line in v.items("history"):
            h = _Values(line, "history")
            self.s.add(
                AuditLog(
                    team_id=self.team_id,
                    actor_id=h.slack("by"),
                    action=h.required("action", 60),
                    subject=f"candidate:{pid}",
                    detail=_ids(h.mapping("detail"), rows, "history"),
                    created_at=h.instant("at"),
                )
            )
        subjects = {f"candidate:{pid}", *(f"intro:{i.public_id}" for i in intros)}
        for reminder in v.items("reminders"):
            self._reminder(reminder, subjects, rows, CANDIDATE_REMINDERS)
        self.s.flush()
        return True

    def _note(self, candidate: Candidate, item: Any) -> Note:
        v = _Values(item, "note")
        note = Note(
            team_id=self.team_id,
            candidate_id=candidate.id,
            author_id=v.slack("author", required=True),
            kind=v.enum("kind", NoteKind),
            body=v.text("body") or "",
            created_at=v.instant("created_at"),
        )
        self.s.add(note)
        return note

    def _outreach(self, candidate: Candidate, item: Any) -> Outreach:
        v = _Values(item, "outreach")
        template = None
        if item.get("template") is not None:
            t = _Values(v.mapping("template"), "outreach.template")
            key = (t.required("name", 100), t.required("variant", 20), t.required("locale", 10))
            template = self._template(key)
        row = Outreach(
            team_id=self.team_id,
            candidate_id=candidate.id,
            recruiter_id=v.slack("recruiter", required=True),
            template_id=template,
            variant=v.text("variant", 20),
            channel=v.enum("channel", OutreachChannel),
            sent_at=v.when("sent_at"),
            replied_at=v.when("replied_at"),
            created_at=v.instant("created_at"),
        )
        self.s.add(row)
        return row

    def _referral(self, candidate: Candidate, item: Any) -> Referral:
        v = _Values(item, "referral")
        role = v.mapping("role").get("public_id") if item.get("role") is not None else None
        session = v.text("session", 16)
        referral = Referral(
            public_id=v.required("public_id", 16),
            team_id=self.team_id,
            candidate_id=candidate.id,
            referrer_id=v.slack("referrer", required=True),
            role_id=None if role is None else self._id(Role, self.roles, str(role), "role"),
            relationship=v.text("relationship", 40),
            strength=v.optional_enum("strength", ReferralStrength),
            candidate_knows=v.flag("candidate_knows", None),
            can_intro=v.boolean("can_intro"),
            note=v.text("note"),
            session_id=None
            if session is None
            else self._id(SourcingSession, self.sessions, session, "session"),
            credited=v.boolean("credited", True),
            created_at=v.instant("created_at"),
        )
        self.s.add(referral)
        return referral

    def _intro(
        self, candidate: Candidate, item: Any, referrals: dict[str, Referral]
    ) -> IntroRequest:
        v = _Values(item, "intro")
        referral = referrals.get(v.required("referral", 16))
        if referral is None:
            raise Invalid("intro.referral: not one of the candidate's referrals")
        intro = IntroRequest(
            public_id=v.required("public_id", 16),
            team_id=self.team_id,
            candidate=candidate,
            referral=referral,
            recruiter_id=v.slack("recruiter", required=True),
            referrer_id=v.slack("referrer", required=True),
            status=v.enum("status", IntroStatus),
            draft=v.text("draft"),
            created_at=v.instant("created_at"),
            answered_at=v.when("answered_at"),
        )
        self.s.add(intro)
        return intro

    def _reminder(
        self,
        item: Any,
        subjects: set[str],
        rows: dict[str, list[int]],
        kinds: tuple[DeliveryKind, ...],
    ) -> None:
        """A delivery still to come, queued again with its date, recipient and payload; the
        note or outreach it names is the restored row, and so is the id in its dedupe key."""
        v = _Values(item, "reminder")
        kind = v.enum("kind", DeliveryKind)
        subject = v.required("subject", 80)
        if kind not in kinds or subject not in subjects:
            raise Invalid(f"reminder: a {kind.value} about {subject[:40]!r} does not belong here")
        payload = _ids(v.mapping("payload"), rows, "reminder.payload")
        key = v.required("dedupe_key", 200)
        if kind == DeliveryKind.SNOOZE_END:  # as bot.services.snoozes writes them
            key = f"snooze:{subject.removeprefix('candidate:')}:{payload.get('note')}"
        elif kind == DeliveryKind.FOLLOW_UP:  # as bot.services.outreach writes them
            key = f"followup:{payload.get('outreach')}:{payload.get('step')}"
        due = v.instant("due_at")
        self.s.add(
            Delivery(
                team_id=self.team_id,
                kind=kind,
                subject=subject,
                recipient=v.slack("recipient", required=True),
                due_at=due,
                next_attempt_at=due,
                dedupe_key=key,
                payload=payload,
                created_at=v.when("created_at") or self.now,
            )
        )

    def reward(self, item: Any) -> None:
        """A referral reward, after the candidates, referrals and roles it names (a name no
        longer held is left empty, as the database does when a row goes)."""
        v = _Values(item, "reward")
        pid = v.required("public_id", 16)
        team = self.s.scalar(select(Reward.team_id).where(Reward.public_id == pid))
        if team is not None:
            if team != self.team_id:
                raise Invalid(f"rewards {pid}: held by another workspace")
            return
        refs = {}
        for key, model in (("candidate", Candidate), ("referral", Referral), ("role", Role)):
            named = v.text(key, 16)
            refs[key] = (
                None
                if named is None
                else self.s.scalar(
                    select(model.id).where(model.public_id == named, model.team_id == self.team_id)
                )
            )
        rule = _rule({"reward": item}, "reward")
        if rule["reward_amount"] is None:
            raise Invalid("reward: no amount")
        self.s.add(
            Reward(
                public_id=pid,
                team_id=self.team_id,
                candidate_id=refs["candidate"],
                referral_id=refs["referral"],
                role_id=refs["role"],
                referrer_id=v.slack("referrer", required=True),
                amount=rule["reward_amount"],
                currency=rule["reward_currency"],
                days=rule["reward_days"],
                started_on=v.day("started_on"),
                payable_on=v.day("payable_on"),
                payable_at=v.instant("payable_at"),
                status=v.enum("status", RewardStatus),
                hired_at=v.instant("hired_at"),
                paid_at=v.when("paid_at"),
                paid_by=v.slack("paid_by"),
                cancelled_at=v.when("cancelled_at"),
                created_at=v.instant("created_at"),
            )
        )
        self.s.flush()

    # -- lookups ---------------------------------------------------------------------------------

    def _held(self, model: type[Role | SourcingSession | Candidate], pid: str) -> bool:
        """Whether this workspace holds the row already; Invalid when another one does (public
        ids are unique across workspaces)."""
        if model is Candidate and pid in self.held:
            team: str | None = self.held[pid]
        else:
            team = self.s.scalar(select(model.team_id).where(model.public_id == pid))
        if team is not None and team != self.team_id:
            raise Invalid(f"{model.__tablename__} {pid}: held by another workspace")
        return team is not None

    def _id(
        self,
        model: type[Role | SourcingSession],
        known: dict[str, int],
        pid: str,
        what: str,
    ) -> int:
        if pid not in known:
            found = self.s.scalar(
                select(model.id).where(model.public_id == pid, model.team_id == self.team_id)
            )
            if found is None:
                raise Invalid(f"{what} {pid[:16]}: not in the file nor in the workspace")
            known[pid] = found
        return known[pid]

    def _template(self, key: tuple[str, str, str]) -> int | None:
        if key not in self.templates:
            name, variant, locale = key
            self.templates[key] = self.s.scalar(
                select(Template.id).where(
                    Template.team_id == self.team_id,
                    Template.name == name,
                    Template.variant == variant,
                    Template.locale == locale,
                )
            )
        return self.templates[key]


def _ids(values: dict[str, Any], rows: dict[str, list[int]], where: str) -> dict[str, Any]:
    """`values` with the positions it names (exporting.ROW_REFERENCES) made the restored ids."""
    named: dict[str, Any] = {}
    for key, table in ROW_REFERENCES.items():
        position = values.get(key)
        if key not in values or position is None:
            continue
        if isinstance(position, bool) or not isinstance(position, int):
            raise Invalid(f"{where}.{key}: not a position in the candidate's {table}")
        if not 0 <= position < len(rows.get(table, [])):
            raise Invalid(f"{where}.{key}: no {table} item {position}")
        named[key] = rows[table][position]
    return {**values, **named}


def _rule(item: Any, where: str) -> dict[str, Any]:
    """A role's or the workspace's referral reward as columns (all None: no reward), checked
    as the modals check it: a positive amount in minor units, an ISO 4217 currency."""
    found = item.get("reward") if isinstance(item, dict) else None
    if found is None:
        return {"reward_amount": None, "reward_currency": None, "reward_days": None}
    v = _Values(found, f"{where}.reward")
    amount, days = v.number("amount"), v.number("days")
    currency = (v.text("currency", 3) or "").upper()
    if amount is None or not 0 < amount <= MAX_MINOR:
        raise Invalid(f"{where}.reward.amount: not a positive amount in minor units")
    if not (len(currency) == 3 and currency.isalpha() and is_currency(currency)):
        raise Invalid(f"{where}.reward.currency: not an ISO 4217 code")
    if days is None or not 0 <= days <= MAX_DAYS:
        raise Invalid(f"{where}.reward.days: not a number of days")
    return {"reward_amount": amount, "reward_currency": currency, "reward_days": days}


def _reason(what: str, why: str) -> str:
    return why if what == "candidates" else f"in {what}: {why}"


# -- role roundups and thank-you posts -----------------------------------------------------------


def _forgotten_in(
    sessions: Sessions, data: dict[str, Any], *, team_id: str, now: datetime, counts: Counts
) -> None:
    """The digests of people forgotten on request (first, so that nothing restored after can
    be matched against a list still empty). An older export has none."""
    with sessions.begin() as s:
        held = set(
            s.scalars(select(ForgottenContact.digest).where(ForgottenContact.team_id == team_id))
        )
        restorer = _Restorer(s, team_id, now, counts)

        def restore(item: Any) -> None:
            v = _Values(item, "forgotten")
            digest = v.text("digest", 64) or ""
            if not _DIGEST.fullmatch(digest):
                raise Invalid("digest: not a SHA-256 digest")
            if digest not in held:
                held.add(digest)
                s.add(
                    ForgottenContact(team_id=team_id, digest=digest, created_at=v.when("at") or now)
                )

        restorer.each(_numbered(_list(data, "forgotten")), restore, "forgotten")


_DIGEST = re.compile("[0-9a-f]{64}")


def _roundups_in(
    sessions: Sessions, data: dict[str, Any], *, team_id: str, now: datetime, counts: Counts
) -> None:
    """The roundup settings, each person's choices, and the last days' posts (their keys keep a
    role already announced, this week's roundup or this month's thank-you from going out
    again). An export written before roundups existed has none of them: nothing to do."""
    with sessions.begin() as s:
        restorer = _Restorer(s, team_id, now, counts)
        if data.get("roundups") is not None:
            restore = partial(_roundup_settings_in, restorer)
            restorer.each([(1, data["roundups"])], restore, "roundups")
    lists: tuple[tuple[str, Callable[[_Restorer, Any], None]], ...] = (
        ("roundup_preferences", _roundup_preference_in),
        ("roundup_posts", _roundup_post_in),
    )
    for what, each in lists:
        for chunk in _chunks(_numbered(_list(data, what))):
            with sessions.begin() as s:
                restorer = _Restorer(s, team_id, now, counts)
                restorer.each(chunk, partial(each, restorer), what)


def _roundup_settings_in(r: _Restorer, item: Any) -> None:
    held = select(RoundupSettings.id).where(RoundupSettings.team_id == r.team_id)
    if r.s.scalar(held) is not None:  # the workspace's own choice stands
        return
    v = _Values(item, "roundups")
    channels = v.strings("channels")
    if any(len(c) > 32 for c in channels):
        raise Invalid("roundups.channels: not Slack channel ids")
    hour = _within(v, "hour", 0, 23)
    r.s.add(
        RoundupSettings(
            team_id=r.team_id,
            channels=channels,
            weekday=_within(v, "weekday", 0, 6),
            **({} if hour is None else {"hour": hour}),  # else the model's default
            announce_since=v.when("announce_since"),
            recognition_channel=v.slack("recognition_channel"),
            updated_at=v.when("updated_at") or r.now,
        )
    )
    r.s.flush()


def _roundup_preference_in(r: _Restorer, item: Any) -> None:
    v = _Values(item, "roundup_preference")
    user = v.slack("user_id", required=True)
    held = select(RoundupPreference.id).where(
        RoundupPreference.team_id == r.team_id, RoundupPreference.user_id == user
    )
    if r.s.scalar(held) is not None:
        return
    r.s.add(
        RoundupPreference(
            team_id=r.team_id,
            user_id=user,
            dm=v.boolean("dm"),
            dm_team=v.text("dm_team", 100),
            dm_keywords=v.text("dm_keywords", 200),
            unnamed=v.boolean("unnamed"),
            updated_at=v.when("updated_at") or r.now,
        )
    )
    r.s.flush()


def _roundup_post_in(r: _Restorer, item: Any) -> None:
    """A post made (kept as a mark that it was) or still to make (queued again)."""
    v = _Values(item, "roundup_post")
    key = _in_team(v.required("dedupe_key", 200), r.team_id)
    if key is None:
        raise Invalid("roundup_post.dedupe_key: not a roundup or thank-you post")
    if r.s.scalar(select(Delivery.id).where(Delivery.dedupe_key == key)) is not None:
        return
    payload = v.mapping("payload")
    if isinstance(payload.get("alert_once"), str):  # names the workspace, as the key does
        payload = {**payload, "alert_once": _in_team(payload["alert_once"], r.team_id)}
    status = v.enum("status", DeliveryStatus)
    if status == DeliveryStatus.CLAIMED:  # being sent when exported: not known to be out
        status = DeliveryStatus.PENDING
    due = v.instant("due_at")
    r.s.add(
        Delivery(
            team_id=r.team_id,
            kind=DeliveryKind.NOTICE,
            subject=v.required("subject", 80),
            recipient=v.slack("recipient", required=True),
            due_at=due,
            status=status,
            next_attempt_at=due if status == DeliveryStatus.PENDING else None,
            sent_at=v.when("sent_at"),
            dedupe_key=key,
            payload=payload,
            created_at=v.when("created_at") or r.now,
        )
    )
    r.s.flush()


def _in_team(key: str, team_id: str) -> str | None:
    """A roundup post's key ("word:team_id:…") naming workspace `team_id`; None when `key` is
    not one."""
    word, _, rest = key.partition(":")
    _, _, rest = rest.partition(":")
    if word not in ROUNDUP_POSTS or not rest:
        return None
    return f"{word}:{team_id}:{rest}"


def _within(v: _Values, key: str, low: int, high: int) -> int | None:
    value = v.number(key)
    if value is not None and not low <= value <= high:
        raise Invalid(f"{v.where}.{key}: not between {low} and {high}")
    return value
