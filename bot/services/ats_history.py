"""Rediscovery across the ATS (issue 16, item 7): the ATS's past candidates become searchable by
`/refbot find`, and Greenhouse's prospect pools become upcoming roles.

- The poll job (bot.services.ats_pull.AtsPull.poll) calls `start` for each workspace: it syncs
  the prospect pools and queues the first page of a pull unless one is running.
- A pull is a chain of ATS_HISTORY outbox rows, one per page, each keyed by its run and page
  number: the dispatcher reads the page (429: the row waits for Retry-After, like every ATS
  call), saves it and queues the next page in one transaction. A restart resumes at the page
  whose row is still pending; reading a page twice changes nothing.
- Only summary fields come over: name, emails and links, headline, company, tags, where the
  person stood (Lever: the opportunity's stage or archive reason; Greenhouse keeps stages on
  applications: a first pull then pages through them once, the latest of each person's sets
  her status; no stage: archived), and the ATS's dates.
- A person refbot holds already (the same ATS id, or one of her emails or links) is joined, not
  doubled: her link is kept or added, her refbot data stays. A pulled person's summary follows
  later edits in the ATS; her status then moves with the stage pull (ats_pull), like any linked
  person's. An anonymised person is a forget (ats_pull's apply).
- Incremental: the first pull reads everything; the next ones what changed strictly after the
  last pull's newest change (no later than its start less OVERLAP, for changes committed late),
  moved only when the last page is committed.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import contacts
from bot.ats.errors import AtsError
from bot.ats.greenhouse import GreenhouseClient
from bot.ats.models import AtsApplication, AtsCandidate, AtsJob, AtsStageChange, Page
from bot.clock import Clock
from bot.messenger import SendError
from bot.outbox import Due, Outbox
from bot.services.ats import RECIPIENT, Ats, Connection
from bot.services.ats_pull import OVERLAP, AtsPull, status_for
from bot.services.roles import Roles
from storage.db import Sessions
from storage.models import Candidate, Role
from storage.repositories import ats as ats_repo
from storage.repositories import ats_history as repo
from storage.repositories import audit, candidates, forgotten
from storage.repositories import members as members_repo
from storage.repositories import roles as roles_repo
from storage.repositories.candidates import REMOVED_NAME
from storage.types import (
    AtsKind,
    CandidateSource,
    CandidateStatus,
    ContactKind,
    DeliveryKind,
    RoleStatus,
    new_public_id,
)

log = logging.getLogger("refbot.ats.history")

_COLUMNS = Candidate.__table__.c
NAME_MAX = _COLUMNS.name.type.length
TEXT_MAX = _COLUMNS.company.type.length  # company and headline alike
EMAIL_MAX = _COLUMNS.email.type.length
URL_MAX = _COLUMNS.profile_url.type.length
ATS_ID_MAX = 64
DATED = (CandidateStatus.ARCHIVED, CandidateStatus.NOT_A_FIT)
EMAIL, URL = ContactKind.EMAIL, ContactKind.PROFILE_URL
# 429s a page waits out in place, each Retry-After no longer than RATE_WAIT_MAX seconds (the
# dispatcher's lease is 60 s); beyond, the row is rescheduled by the dispatcher.
RATE_WAITS = 3
APPLICATIONS = "applications"  # a first Greenhouse pull's second phase: last stages
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")
SAVE_CHUNK = 100  # people a transaction saves: a page of 500 is five short writes
RATE_WAIT_MAX = 10.0


@dataclass(frozen=True)
class PageSaved:
    read: int = 0  # people on the page
    created: int = 0  # new candidates
    joined: int = 0  # linked to a candidate refbot held (by email or link)
    updated: int = 0  # pulled before, summary changed since
    forgotten: int = 0  # anonymised in the ATS
    last: bool = False  # the pull's last page: its cursor moved


class AtsHistory:
    def __init__(
        self,
        *,
        sessions: Sessions,
        ats: Ats,
        pull: AtsPull,
        roles: Roles,
        outbox: Outbox,
        clock: Clock,
        page_size: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sessions = sessions
        self.ats = ats
        self.pull = pull
        self.roles = roles
        self.outbox = outbox
        self.clock = clock
        self.page_size = page_size  # None: the largest page the ATS serves
        self.sleep = sleep
        ats.history = self.run
        pull.history = self.start

    # -- the poll job's side -------------------------------------------------------------------

    def start(self, team_id: str, conn: Connection) -> bool:
        """The next pull queued unless one is running, then prospect pools as upcoming roles
        (Greenhouse; credentials without that permission stop only this part, and the admins
        are told once). True when a pull was queued."""
        queued = self._start_pull(team_id, conn)
        if conn.kind == AtsKind.GREENHOUSE:
            self.sync_pools(team_id, conn)
        return queued

    def _start_pull(self, team_id: str, conn: Connection) -> bool:
        now = self.clock()
        with self.sessions.begin() as s:
            if repo.running(s, team_id):
                return False  # a page waits (a restart, a 429): that pull goes on
            found = repo.cursor(s, team_id, conn.kind)
            generation = found.updated_at.isoformat() if found is not None else "first"
            payload = {
                "ats": conn.kind.value,
                "run": f"{generation}/{now.isoformat()}",
                "page": 0,
                "cursor": None,
                "after": found.position.isoformat() if found is not None else None,
                "started": now.isoformat(),
                "newest": None,
            }
            return self._queue(s, team_id, payload, now) is not None

    def _queue(self, s: Session, team_id: str, payload: dict[str, Any], now: datetime) -> Any:
        run = hashlib.sha256(payload["run"].encode()).hexdigest()[:20]
        return self.outbox.schedule(
            s,
            team_id=team_id,
            kind=DeliveryKind.ATS_HISTORY,
            recipient=RECIPIENT,
            subject=f"ats-history:{payload['ats']}",
            due_at=now,
            dedupe_key=f"ats_history:{team_id}:{payload['ats']}:{run}:{payload['page']}",
            payload=payload,
        )

    # -- the dispatcher's side -------------------------------------------------------------------

    def run(self, due: Due) -> bool:
        """Read and save one page of a pull, and queue the next; False when it no longer applies
        (the ATS was disconnected or changed). Raises SendError (AtsError) as classified."""
        with self.sessions() as s:
            conn = self.ats.connection(s, due.team_id)
        payload = dict(due.payload)
        if conn is None or conn.kind != payload.get("ats"):
            return False
        client = self.ats.client_for(due.team_id, conn)
        after = _time(payload.get("after"))
        size = {} if self.page_size is None else _size(client, self.page_size)
        cursor = payload.get("cursor")
        if payload.get("phase") == APPLICATIONS and isinstance(client, GreenhouseClient):
            stages = self._waiting(
                due.team_id, conn, lambda: client.history_applications(cursor=cursor, **size)
            )
            self.save_stages(due.team_id, conn.kind, stages, payload)
            return True
        page = self._waiting(
            due.team_id, conn, lambda: client.history_page(after, cursor=cursor, **size)
        )
        self.save_page(due.team_id, conn.kind, page, payload)
        return True

    def _waiting(self, team_id: str, conn: Connection, call: Callable[[], T]) -> T:
        for waits in range(RATE_WAITS + 1):
            try:
                return self.ats._calling(team_id, conn, call)
            except AtsError as error:
                # A bulk read meets the rate limit by design: a short Retry-After is waited
                # out here (the lease lasts longer), a longer one reschedules the row.
                if error.kind != "rate_limited" or waits == RATE_WAITS:
                    raise
                if error.retry_after > RATE_WAIT_MAX:
                    raise
                self.sleep(max(error.retry_after, 0.1))
        raise AssertionError("unreachable")

    def save_stages(
        self,
        team_id: str,
        kind: AtsKind,
        page: Page[AtsApplication],
        payload: dict[str, Any],
    ) -> int:
        """A page of Greenhouse applications, read once after a first pull's candidates: the
        last stage of each person it created (later moves come through ats_pull's polling).
        How many statuses it set."""
        latest: dict[str, AtsApplication] = {}
        for app in page.items:
            held = latest.get(app.candidate_id)
            if held is None or (app.updated_at or _EPOCH) >= (held.updated_at or _EPOCH):
                latest[app.candidate_id] = app
        now, moved = self.clock(), 0
        with self.sessions.begin() as s:
            linked = repo.links(s, team_id, kind, list(latest))
            pulled = {aid: cid for aid, (cid, outcome) in linked.items() if outcome == repo.PULLED}
            found = repo.by_ids(s, set(pulled.values()))
            for ats_id, candidate_id in pulled.items():
                candidate = found.get(candidate_id)
                if candidate is None or candidate.name == REMOVED_NAME:
                    continue
                status = _status(kind, latest[ats_id])
                if candidate.status != status:
                    candidate.status = status
                    candidate.archived_at = now if status in DATED else None
                    moved += 1
            if page.next:
                following = {**payload, "page": int(payload["page"]) + 1, "cursor": page.next}
                self._queue(s, team_id, following, now)
            else:
                newest = _time(payload.get("newest"))
                repo.finish(s, team_id, kind, position=_position(payload, newest), now=now)
        return moved

    def save_page(
        self,
        team_id: str,
        kind: AtsKind,
        page: Page[tuple[AtsCandidate, AtsApplication | None]],
        payload: dict[str, Any],
    ) -> PageSaved:
        """One page in one transaction, with the next page's row or the cursor's move."""
        forgotten = 0
        for person, _ in page.items:
            if person.anonymized:
                change = AtsStageChange(
                    ats=kind.value,  # type: ignore[arg-type]
                    candidate_id=person.id,
                    application_id=None,
                    outcome="anonymized",
                    changed_at=person.updated_at,
                )
                forgotten += int(self.pull.apply(team_id, kind, change))
        people = {p.id[:ATS_ID_MAX]: (p, app) for p, app in page.items if not p.anonymized}
        stamps = [p.updated_at for p, _ in page.items if p.updated_at is not None]
        if (seen := _time(payload.get("newest"))) is not None:
            stamps.append(seen)
        newest = max(stamps) if stamps else None
        now = self.clock()
        counts = {"created": 0, "joined": 0, "updated": 0}
        items = list(people.items())
        try:
            # A few short transactions, not one long one: a webhook's or a referral's write
            # waits no longer than one chunk (SQLite has one writer). Saving a chunk again
            # (a crash after it) changes nothing; the last one carries the page's outcome.
            chunks = [items[i : i + SAVE_CHUNK] for i in range(0, len(items), SAVE_CHUNK)]
            chunks = chunks or [[]]
            for chunk in chunks[:-1]:
                with self.sessions.begin() as s:
                    for key, n in _Page(s, team_id, kind, now).save(dict(chunk)).items():
                        counts[key] += n
            with self.sessions.begin() as s:
                for key, n in _Page(s, team_id, kind, now).save(dict(chunks[-1])).items():
                    counts[key] += n
                if page.next:
                    following = {
                        **payload,
                        "page": int(payload["page"]) + 1,
                        "cursor": page.next,
                        "newest": newest.isoformat() if newest else None,
                    }
                    self._queue(s, team_id, following, now)
                elif kind == AtsKind.GREENHOUSE and payload.get("after") is None:
                    # A first pull: where each person stood is on her applications.
                    stages = {
                        **payload,
                        "phase": APPLICATIONS,
                        "page": int(payload["page"]) + 1,
                        "cursor": None,
                        "newest": newest.isoformat() if newest else None,
                    }
                    self._queue(s, team_id, stages, now)
                else:
                    repo.finish(s, team_id, kind, position=_position(payload, newest), now=now)
        except IntegrityError:
            # A referral took one of the page's emails meanwhile: read the page again, it joins.
            raise SendError("transient", "a candidate of this page was added meanwhile") from None
        return PageSaved(read=len(page.items), forgotten=forgotten, last=not page.next, **counts)

    # -- prospect pools ---------------------------------------------------------------------------

    def sync_pools(self, team_id: str, conn: Connection) -> int:
        """Greenhouse's prospect pools become upcoming roles (a pool is where people wait for
        roles to come); an inactive pool closes its role. How many roles changed."""
        client = self.ats.client_for(team_id, conn)
        if not isinstance(client, GreenhouseClient):
            return 0
        pools = self.ats._calling(team_id, conn, client.prospect_pools)
        return sum(self._pool(team_id, conn.kind, pool) for pool in pools)

    def _pool(self, team_id: str, kind: AtsKind, pool: AtsJob) -> int:
        status = RoleStatus.UPCOMING if pool.status == "active" else RoleStatus.CLOSED
        now = self.clock()
        title = (pool.title or pool.id)[:200]
        with self.sessions.begin() as s:
            role = ats_repo.role_for_job(s, team_id, kind, pool.id)
            if role is None:
                if status == RoleStatus.CLOSED:
                    return 0  # retired before refbot saw it
                owner = next(iter(members_repo.recruiter_ids(s, team_id)), None)
                if owner is None:
                    return 0  # waits for a recruiter, like a job (ats_pull)
                role = roles_repo.add(
                    s,
                    Role(
                        team_id=team_id,
                        title=title,
                        recruiter_id=owner,
                        status=status,
                        created_at=now,
                    ),
                )
                ats_repo.link_job(
                    s, team_id=team_id, ats=kind, job_id=pool.id, role_id=role.id, now=now
                )
                audit.record(
                    s,
                    team_id=team_id,
                    actor_id=None,
                    action="role.create",
                    subject=f"role:{role.public_id}",
                    at=now,
                    ats=kind.value,
                )
                return 1
            changed = False
            if role.title != title:
                role.title, changed = title, True
            # A pool never opens a role: a role refbot opened from it stays open.
            if role.status != status and not (
                status == RoleStatus.UPCOMING and role.status == RoleStatus.OPEN
            ):
                self.roles._move(s, role, status, actor_id=None, now=now)  # type: ignore[arg-type]
                changed = True
            return int(changed)


class _Page:
    """One page's people against the database: joined, refreshed or inserted in bulk."""

    def __init__(self, s: Session, team_id: str, kind: AtsKind, now: datetime) -> None:
        self.s, self.team_id, self.kind, self.now = s, team_id, kind, now

    def save(self, people: dict[str, tuple[AtsCandidate, AtsApplication | None]]) -> dict[str, int]:
        s, team_id, kind = self.s, self.team_id, self.kind
        linked = repo.links(s, team_id, kind, list(people))
        held = repo.by_ids(s, {candidate_id for candidate_id, _ in linked.values()})
        updated = 0
        for ats_id, (candidate_id, outcome) in linked.items():
            found = held.get(candidate_id)
            if found is None or found.name == REMOVED_NAME:
                continue  # forgotten in refbot: the ATS's copy does not bring her back
            person = people[ats_id][0]
            updated += int(
                _refresh(found, person) if outcome == repo.PULLED else _fill(found, person)
            )
        fresh = {ats_id: v for ats_id, v in people.items() if ats_id not in linked}
        cleaned = {ats_id: _contacts(person) for ats_id, (person, _) in fresh.items()}
        # Someone forgotten at her request stays forgotten, whatever the ATS still holds.
        gone = forgotten.matching(s, team_id, [v for e, u in cleaned.values() for v in (*e, *u)])
        if gone:
            for ats_id, (emails, urls) in list(cleaned.items()):
                if any(forgotten.digest(v) in gone for v in (*emails, *urls)):
                    del cleaned[ats_id], fresh[ats_id]
        owners = self._owners(list(cleaned.values()))
        joined_ids = set(
            repo.linked_to_ats(s, kind, {c.id for c in owners.values() if isinstance(c, Candidate)})
        )
        new_rows: list[dict[str, Any]] = []
        new_links: list[tuple[str, str]] = []  # (public id, ATS id)
        extra: list[tuple[str, ContactKind, str]] = []  # (public id, kind, value)
        joins: list[dict[str, Any]] = []
        for ats_id, (person, app) in fresh.items():
            emails, urls = cleaned[ats_id]
            owner = next(
                (
                    owners[(k, v)]
                    for k, values in ((EMAIL, emails), (URL, urls))
                    for v in values
                    if (k, v) in owners
                ),
                None,
            )
            if isinstance(owner, Candidate):
                if owner.name != REMOVED_NAME:
                    _fill(owner, person)
                if owner.id not in joined_ids:  # one link per candidate and ATS
                    joined_ids.add(owner.id)
                    joins.append(self._link(owner.id, ats_id, repo.EXISTING))
                continue
            if owner is not None:
                continue  # the same person twice on this page (two ATS records): joined
            row = self._row(person, app, emails, urls)
            new_rows.append(row)
            new_links.append((row["public_id"], ats_id))
            for k, values in ((EMAIL, emails), (URL, urls)):
                for value in values:
                    owners[(k, value)] = row["public_id"]
                extra += [(row["public_id"], k, v) for v in values[1:]]
        ids = repo.insert_candidates(s, new_rows)
        repo.insert_links(
            s, [*joins, *(self._link(ids[pid], ats_id, repo.PULLED) for pid, ats_id in new_links)]
        )
        repo.insert_contacts(
            s,
            [
                {
                    "team_id": team_id,
                    "candidate_id": ids[pid],
                    "kind": k,
                    "value": v,
                    "created_at": self.now,
                }
                for pid, k, v in extra
            ],
        )
        return {"created": len(new_rows), "joined": len(joins), "updated": updated}

    def _owners(
        self, cleaned: list[tuple[list[str], list[str]]]
    ) -> dict[tuple[ContactKind, str], Candidate | str]:
        """Who holds each of the page's emails and links: a candidate, hers or among her other
        contacts (a few queries for the page, as an import's batch does)."""
        emails = {e for found, _ in cleaned for e in found}
        urls = {u for _, found in cleaned for u in found}
        held = candidates.holding(self.s, self.team_id, emails=emails, urls=urls)
        owners: dict[tuple[ContactKind, str], Candidate | str] = {}
        by_id = {c.id: c for c in held}
        for c in held:
            if c.email:
                owners[(EMAIL, c.email)] = c
            if c.profile_url:
                owners[(URL, c.profile_url)] = c
        for contact in candidates.other_contacts(self.s, list(by_id)):
            owners.setdefault((contact.kind, contact.value), by_id[contact.candidate_id])
        return owners

    def _row(
        self,
        person: AtsCandidate,
        app: AtsApplication | None,
        emails: list[str],
        urls: list[str],
    ) -> dict[str, Any]:
        status = _status(self.kind, app)
        name = _text(person.name, NAME_MAX) or (emails[0] if emails else "?")
        return {
            "public_id": new_public_id(),
            "team_id": self.team_id,
            "name": name[:NAME_MAX],
            "email": emails[0] if emails else None,
            "profile_url": urls[0] if urls else None,
            "headline": _text(person.headline, TEXT_MAX),
            "company": _text(person.company, TEXT_MAX),
            "tags": _tags(person.tags),
            "source": CandidateSource.IMPORT,  # from the ATS's history, like an import of it
            "status": status,
            "owner_id": None,
            "consent": False,
            "last_activity_at": person.updated_at or self.now,
            "created_at": person.created_at or person.updated_at or self.now,
            # Retention counts from when refbot got her (the ATS keeps its own record).
            "archived_at": self.now if status in DATED else None,
        }

    def _link(self, candidate_id: int, ats_id: str, outcome: str) -> dict[str, Any]:
        return {
            "team_id": self.team_id,
            "candidate_id": candidate_id,
            "referral_id": None,
            "ats": self.kind,
            "ats_candidate_id": ats_id,
            "ats_application_id": None,
            "outcome": outcome,
            "referrer_credited": False,
            "credited_to": None,
            "created_at": self.now,
            "updated_at": self.now,
        }


# -- helpers ------------------------------------------------------------------------------------


def _status(kind: AtsKind, app: AtsApplication | None) -> CandidateStatus:
    """Where a past candidate stood, in refbot's words; without a stage: archived (a person
    from the history, in no process refbot knows of)."""
    if app is None:
        return CandidateStatus.ARCHIVED
    change = AtsStageChange(
        ats=kind.value,  # type: ignore[arg-type]
        candidate_id=app.candidate_id,
        application_id=app.id,
        outcome=app.outcome,
        stage_id=app.stage_id,
        stage_name=app.stage_name,
        reason=app.reason,
    )
    return status_for(kind, change) or CandidateStatus.ARCHIVED


def _refresh(found: Candidate, person: AtsCandidate) -> bool:
    """A person refbot pulled: her summary follows the ATS."""
    emails, _ = _contacts(person)
    values = {
        "name": _text(person.name, NAME_MAX) or found.name,
        "headline": _text(person.headline, TEXT_MAX),
        "company": _text(person.company, TEXT_MAX),
        "tags": _tags(person.tags),
    }
    changed = False
    for column, value in values.items():
        if getattr(found, column) != value:
            setattr(found, column, value)
            changed = True
    if found.email is None and emails:
        found.email, changed = emails[0], True
    if person.updated_at is not None and person.updated_at > found.last_activity_at:
        found.last_activity_at = person.updated_at
    return changed


def _fill(found: Candidate, person: AtsCandidate) -> bool:
    """A person refbot held before: her refbot data stays; only blanks are filled."""
    changed = False
    for column, value in (
        ("headline", _text(person.headline, TEXT_MAX)),
        ("company", _text(person.company, TEXT_MAX)),
    ):
        if value and not getattr(found, column):
            setattr(found, column, value)
            changed = True
    return changed


def _contacts(person: AtsCandidate) -> tuple[list[str], list[str]]:
    """Her emails and profile links, normalized, invalid ones dropped, no duplicates."""
    emails: list[str] = []
    for raw in person.emails:
        try:
            email = contacts.normalize_email(raw.replace("\x00", ""))
        except contacts.ContactError:
            continue
        if len(email) <= EMAIL_MAX and email not in emails:
            emails.append(email)
    urls: list[str] = []
    for raw in person.links:
        try:
            url = contacts.normalize_profile_url(raw.replace("\x00", ""))
        except contacts.ContactError:
            continue
        if len(url) <= URL_MAX and url not in urls:
            urls.append(url)
    return emails, urls


def _text(value: str | None, limit: int) -> str | None:
    text = " ".join((value or "").replace("\x00", "").split())
    return text[:limit] or None


def _tags(tags: Iterable[str]) -> str:
    seen: list[str] = []
    for tag in tags:
        text = " ".join(tag.replace("\x00", "").split())
        if text and text.casefold() not in (t.casefold() for t in seen):
            seen.append(text)
    return ", ".join(seen)


def _position(payload: dict[str, Any], newest: datetime | None) -> datetime:
    """Where the next pull starts: after this pull's newest change, but no later than its start
    less OVERLAP (a change the ATS stamped before that but committed late is read again)."""
    started = _time(payload["started"])
    assert started is not None
    if newest is not None:
        return min(newest, started - OVERLAP)
    return _time(payload.get("after")) or started - OVERLAP


def _size(client: Any, size: int) -> dict[str, int]:
    return {"per_page": size} if isinstance(client, GreenhouseClient) else {"limit": size}


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None
