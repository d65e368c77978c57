"""What comes back from the workspace's ATS (issue 16, phase 2b): stage changes, hires,
rejections, anonymisations and deletions, by webhook or by polling; jobs and postings as roles.

- Webhooks (`receive`) are verified exactly as each ATS documents (bot.ats adapters), refused
  when forged, stale (Lever signs the time) or replayed (event ids kept like Slack's retries),
  and answered at once: the change is an ATS_PULL outbox row, applied by the dispatcher
  (`apply_due`), which may ask the ATS what a Lever stage or archive reason is called.
- Polling (`poll`, a scheduler job) reads what changed since a cursor per workspace and
  resource; the cursor moves only after the changes are committed.
- Either way a change goes through `apply`: `storage.repositories.ats.advance_state` lets one
  report of each (ATS, application, state) through, so a webhook, its replay and the poll that
  sees the same change again update refbot once. The status moves by the path a Slack "Move
  to…" takes (Candidates.set_status, cancel what no longer applies, Candidates.tell: cards,
  prompts, referrer updates), with no actor: the ATS did it. An anonymisation or a deletion is
  a forget (Privacy._erase).
- Ping-pong: the application refbot's own push created, seen for the first time at its first
  stage, is refbot's write coming back: recorded, not applied; so is a state a Slack edit wrote
  there (bot.services.ats_writeback records it before writing: `repo.take_write`).
- Stages map to statuses by the admin's choices (bot.services.ats_stages) over DEFAULT_STAGES;
  every stage a change comes at is remembered, so the admin can map it.
"""

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any, Protocol

from bot.ats import greenhouse, lever
from bot.ats.errors import AtsError
from bot.ats.greenhouse import GreenhouseClient
from bot.ats.lever import LeverClient
from bot.ats.models import AtsJob, AtsStageChange
from bot.clock import Clock
from bot.messenger import SendError
from bot.outbox import Due, Outbox
from bot.services.ats import RECIPIENT, Ats, Connection
from bot.services.candidates import NO_LONGER_APPLY, Candidates
from bot.services.privacy import Privacy
from bot.services.roles import Roles
from storage.db import Sessions
from storage.models import Candidate, Note, Role
from storage.repositories import ats as repo
from storage.repositories import audit, seen
from storage.repositories import members as members_repo
from storage.repositories import roles as roles_repo
from storage.repositories.candidates import REMOVED_NAME
from storage.types import AtsKind, AtsMode, CandidateStatus, DeliveryKind, NoteKind, RoleStatus

log = logging.getLogger("refbot.ats.pull")

MAX_BODY = 1_000_000  # bytes; Greenhouse's and Lever's payloads are a few kB
# A poll reads again this much before its cursor: a change the ATS stamped a moment before one
# already read, but committed after, is not missed (reading one twice changes nothing).
OVERLAP = timedelta(minutes=1)
LINK_CHECK = 500  # changes checked against refbot's links in one query
NAMES_TTL = 600.0  # seconds a Lever account's stage and archive reason names are kept
REASON_LIMIT = 2000
# How long a webhook about someone refbot may be pushing waits for the push's link (_hold).
HOLD = timedelta(days=1)

# Default mapping of ATS stages to refbot statuses (README "Stage mapping"). Exact stage names
# first (the stages each ATS ships), then words in a custom stage's name; any other stage of
# an active application is part of the process: interviewing.
DEFAULT_STAGES: dict[AtsKind, dict[str, CandidateStatus]] = {
    AtsKind.GREENHOUSE: {
        "application review": CandidateStatus.REVIEWING,
        "recruiter screen": CandidateStatus.INTERVIEWING,
        "phone screen": CandidateStatus.INTERVIEWING,
        "technical interview": CandidateStatus.INTERVIEWING,
        "onsite": CandidateStatus.INTERVIEWING,
        "face to face": CandidateStatus.INTERVIEWING,
        "offer": CandidateStatus.INTERVIEWING,
    },
    AtsKind.LEVER: {
        "new lead": CandidateStatus.REVIEWING,
        "new applicant": CandidateStatus.REVIEWING,
        "reached out": CandidateStatus.CONTACTED,
        "responded": CandidateStatus.CONTACTED,
        "recruiter screen": CandidateStatus.INTERVIEWING,
        "phone interview": CandidateStatus.INTERVIEWING,
        "on-site interview": CandidateStatus.INTERVIEWING,
        "offer": CandidateStatus.INTERVIEWING,
    },
}
_WORDS: tuple[tuple[tuple[str, ...], CandidateStatus], ...] = (
    (
        ("interview", "screen", "onsite", "on-site", "offer", "assessment"),
        CandidateStatus.INTERVIEWING,
    ),
    (("reached out", "contacted", "outreach"), CandidateStatus.CONTACTED),
    (("review", "new", "applied", "lead"), CandidateStatus.REVIEWING),
)
# A rejection the candidate chose is not a verdict on them: archived, not "not a fit".
_WITHDREW = ("withdrew", "withdrawn", "declined")


# When fetched (monotonic), stage id -> name, archive reason id -> (name, "hired"/"non-hired").
_Names = tuple[float, dict[str, str], dict[str, tuple[str, str]]]


class EmailDirectory(Protocol):
    def user_id_for_email(self, team_id: str, email: str) -> str | None: ...


@dataclass(frozen=True)
class PollReport:
    teams: int = 0
    changes: int = 0  # read from the ATS
    applied: int = 0  # moved a candidate or forgot one
    roles: int = 0  # roles created or changed
    failed: int = 0  # workspaces whose poll stopped on an error (retried next time)


def status_for(
    kind: AtsKind, change: AtsStageChange, mapping: Mapping[str, CandidateStatus] | None = None
) -> CandidateStatus | None:
    """The refbot status an ATS change means (None: nothing to move); `mapping`: the admin's
    choices per stage key (storage.repositories.ats.stage_map), over the defaults."""
    if change.outcome == "hired":
        return CandidateStatus.HIRED
    if change.outcome == "rejected":
        reason = (change.reason or "").casefold()
        withdrew = any(word in reason for word in _WITHDREW)
        return CandidateStatus.ARCHIVED if withdrew else CandidateStatus.NOT_A_FIT
    if change.outcome != "active":
        return None
    if not (change.stage_name or "").strip():
        return CandidateStatus.REVIEWING  # back in process (unrejected), stage unknown
    return stage_status(kind, change.stage_name or "", mapping)


def stage_status(
    kind: AtsKind, stage_name: str, mapping: Mapping[str, CandidateStatus] | None = None
) -> CandidateStatus:
    """The status an active application at this stage has: the admin's choice, else the
    default (exact names first, then words in a custom stage's name, else interviewing)."""
    name = repo.stage_key(stage_name)
    if mapping and (chosen := mapping.get(name)) is not None:
        return chosen
    if (status := DEFAULT_STAGES[kind].get(name)) is not None:
        return status
    for words, status in _WORDS:
        if any(word in name for word in words):
            return status
    return CandidateStatus.INTERVIEWING


def state_of(change: AtsStageChange) -> str:
    """What makes two reports the same change: the outcome, and the stage of an active one."""
    if change.outcome == "active":
        return f"active:{change.stage_id or ''}"[:120]
    return change.outcome


class AtsPull:
    def __init__(
        self,
        *,
        sessions: Sessions,
        ats: Ats,
        candidates: Candidates,
        privacy: Privacy,
        roles: Roles,
        outbox: Outbox,
        clock: Clock,
        people: EmailDirectory,
        poll_seconds: int,
    ) -> None:
        self.sessions = sessions
        self.ats = ats
        self.candidates = candidates
        self.privacy = privacy
        self.roles = roles
        self.outbox = outbox
        self.clock = clock
        self.people = people
        self.poll_seconds = poll_seconds
        self._names: dict[tuple[str, str], _Names] = {}  # (team, credentials) -> Lever's names
        self._lock = threading.Lock()
        self._polling = threading.Lock()
        ats.pull = self.apply_due
        # Rediscovery (bot.services.ats_history): queues a pull of past candidates per poll.
        self.history: Callable[[str, Connection], None] | None = None

    # -- webhooks --------------------------------------------------------------------------

    def receive(
        self, ats: str, body: bytes, headers: Mapping[str, str], *, team_id: str | None = None
    ) -> bool:
        """A webhook delivery: True when it is genuine and new (its change, if refbot follows
        it, is queued in the same transaction); False for a forged, stale or replayed one,
        which changes nothing. No ATS or Slack call: the answer is immediate. `team_id`: the
        workspace the webhook's URL names, if it names one."""
        if ats not in (AtsKind.GREENHOUSE, AtsKind.LEVER) or len(body) > MAX_BODY:
            return False
        kind = AtsKind(ats)
        now = self.clock()
        if kind == AtsKind.GREENHOUSE:
            event = _header(headers, "Greenhouse-Event-ID") or hashlib.sha256(body).hexdigest()
            change = greenhouse.parse_webhook(body, event)
        else:
            event = lever.event_id(body) or ""
            change = lever.parse_webhook(body)
        with self.sessions() as s:  # a forged delivery takes no write lock
            secrets = self._webhook_secrets(s, kind, team_id)
        teams = [team for team, secret in secrets if _verified(kind, secret, body, headers, now)]
        if not teams or not event:
            return False
        with self.sessions.begin() as s:
            digest = hashlib.sha256(event.encode()).hexdigest()[:32]
            fresh = [
                team
                for team in teams
                if seen.first_sight(
                    s, key=f"ats:{team}:{kind.value}:{digest}", team_id=team, at=now
                )
            ]
            if not fresh:
                return False  # a replay: Greenhouse's event id, Lever's event and send time
            for team in fresh if change is not None else ():
                self.outbox.schedule(
                    s,
                    team_id=team,
                    kind=DeliveryKind.ATS_PULL,
                    recipient=RECIPIENT,
                    subject=f"ats-change:{kind.value}",
                    due_at=now,
                    dedupe_key=f"ats_pull:{team}:{kind.value}:{digest}",
                    payload=_payload(change),  # type: ignore[arg-type]
                )
        return True

    def _webhook_secrets(self, s: Any, kind: AtsKind, team_id: str | None) -> list[tuple[str, str]]:
        """(workspace, secret) for every connection of this ATS that set a webhook secret (an
        environment connection serves every workspace refbot knows: single-workspace mode)."""
        env = self.ats.env
        if env is not None:
            if env.kind != kind or not env.webhook_secret:
                return []
            teams = repo.member_teams(s)
            return [(t, env.webhook_secret) for t in teams if team_id in (None, t)]
        if self.ats.secrets is None:
            return []
        found = []
        for row in repo.connections(s, kind):
            if team_id not in (None, row.team_id):
                continue
            secret = repo.webhook_secret(row, self.ats.secrets)
            if secret:
                found.append((row.team_id, secret))
        return found

    def apply_due(self, due: Due) -> bool:
        """The dispatcher's side of a webhook: name what Lever sends as ids, then apply. False
        when it no longer applies (the ATS was disconnected or changed)."""
        with self.sessions() as s:
            conn = self.ats.connection(s, due.team_id)
        change = _change(due.payload)
        if conn is None or conn.kind != change.ats:
            return False
        if not due.payload.get("held") and self._hold(due, conn.kind, change):
            return False  # this row is done: a held copy waits for the push's link
        if conn.kind == AtsKind.LEVER:
            change = self._named(due.team_id, conn, change)
        with self.sessions() as s:
            known = repo.by_ats_candidate(s, due.team_id, conn.kind, change.candidate_id)
        started_on = self._started_on(due.team_id, conn, change) if known else None
        self.apply(due.team_id, conn.kind, change, started_on=started_on)
        return True

    def _started_on(self, team_id: str, conn: Connection, change: AtsStageChange) -> date | None:
        """A hire's start date from its offer, where the ATS keeps one (Greenhouse's offers,
        Lever's offer form); None: the reward counts from the hire (bot.services.rewards). Read
        before `apply`'s transaction, so no lock waits on the ATS. An ATS that refuses the
        offers (a permission missing) does not hold the hire back: the hire date counts."""
        application = change.application_id
        if change.outcome != "hired" or not application:
            return None
        client = self.ats.client_for(team_id, conn)
        try:
            return self.ats._calling(team_id, conn, lambda: client.start_date(application))
        except AtsError as error:
            if error.kind not in ("permanent", "unauthorized"):
                raise  # busy or unreachable: the hire waits for its date, as any change does
            log.info("%s start date unreadable (%s): the hire date counts", conn.kind, error.kind)
            return None

    def _hold(self, due: Due, kind: AtsKind, change: AtsStageChange) -> bool:
        """A webhook about someone refbot does not know yet, while a push is on its way (its
        answer lost, say, or a recruiter quicker than refbot): held until the push saves her
        link (bot.services.ats releases it), at most HOLD; then applied, or dropped."""
        with self.sessions.begin() as s:
            if repo.by_ats_candidate(s, due.team_id, kind, change.candidate_id) is not None:
                return False
            if not repo.pushes_in_flight(s, due.team_id):
                return False  # not about anyone refbot is sending
            self.outbox.schedule(
                s,
                team_id=due.team_id,
                kind=DeliveryKind.ATS_PULL,
                recipient=RECIPIENT,
                subject=repo.held_subject(kind, change.candidate_id),
                due_at=self.clock() + HOLD,
                dedupe_key=f"ats_held:{due.id}",
                payload={**due.payload, "held": True},
            )
        return True

    def _named(self, team_id: str, conn: Connection, change: AtsStageChange) -> AtsStageChange:
        """A Lever webhook carries a stage id and an archive reason id: their names (and
        whether the reason is a hire) from Lever, kept NAMES_TTL seconds."""
        if change.outcome not in ("active", "rejected"):
            return change
        client = self.ats.client_for(team_id, conn)
        assert isinstance(client, LeverClient)
        key = (team_id, conn.epoch)
        with self._lock:
            cached = self._names.get(key)
        if cached is None or time.monotonic() - cached[0] > NAMES_TTL:
            stages = self.ats._calling(team_id, conn, client.stages)
            reasons = self.ats._calling(team_id, conn, client.archive_reasons)
            cached = (time.monotonic(), stages, reasons)
            with self._lock:
                self._names[key] = cached
        _, stages, reasons = cached
        if change.outcome == "rejected":
            text, kind = reasons.get(change.reason or "", (change.reason or "", "non-hired"))
            if kind == "hired":
                return _replace(change, outcome="hired", reason=None)
            return _replace(change, reason=text)
        return _replace(change, stage_name=stages.get(change.stage_id or ""))

    # -- applying a change ---------------------------------------------------------------------

    def apply(
        self,
        team_id: str,
        kind: AtsKind,
        change: AtsStageChange,
        *,
        started_on: date | None = None,
    ) -> bool:
        """Apply one ATS change to the candidate refbot links to that person, once; True when
        it moved (or forgot) someone. `started_on`: a hire's start date, read from the ATS."""
        now = self.clock()
        with self.sessions.begin() as s:
            link = repo.by_ats_candidate(s, team_id, kind, change.candidate_id)
            if link is None:
                return False  # not someone refbot knows
            found = s.get(Candidate, link.candidate_id)
            if found is None:
                return False
            # As a Slack decision does: a concurrent one (another application of hers, a click)
            # waits here, then reads what this one did (PostgreSQL; SQLite has one writer).
            s.refresh(found, with_for_update=True)
            if found.name == REMOVED_NAME:
                return False
            if change.outcome in ("deleted", "anonymized"):
                # The ATS erased her: refbot forgets her too (no actor: the ATS did it).
                self.privacy._erase(s, found, actor_id=None, reason=f"ats_{change.outcome}")
                return True
            application = change.application_id or f"candidate:{change.candidate_id}"
            before = repo.advance_state(
                s,
                team_id=team_id,
                ats=kind,
                application_id=application,
                state=state_of(change),
                changed_at=change.changed_at,
                now=now,
            )
            if change.stage_name:
                repo.see_stage(s, team_id, kind, change.stage_name, now=now)
            if before is None:
                return False  # reported already (webhook and poll, a replay) or older news
            if repo.take_write(
                s,
                team_id=team_id,
                ats=kind,
                application_id=application,
                state=state_of(change),
                now=now,
            ):
                return False  # a Slack edit refbot wrote there, coming back (ats_writeback)
            status = status_for(kind, change, repo.stage_map(s, team_id, kind))
            if status is None or found.status == status:
                return False
            own = (
                link.outcome in ("created", "resumed")
                and link.ats_application_id == change.application_id
            )
            if before == "" and own and status == CandidateStatus.REVIEWING:
                return False  # refbot's own push at its first stage, coming back
            self._move(s, found, status, change, now, started_on=started_on)
            return True

    def _move(
        self,
        s: Any,
        found: Candidate,
        status: CandidateStatus,
        change: AtsStageChange,
        now: datetime,
        *,
        started_on: date | None = None,
    ) -> None:
        """The path of a Slack "Move to…" (bot.services.candidates), with the ATS as actor."""
        Candidates.set_status(s, found, status, actor_id=None, at=now)
        if change.reason and status in (CandidateStatus.NOT_A_FIT, CandidateStatus.ARCHIVED):
            # The reason stays private: a note the recruiters see, never the referrer.
            s.add(
                Note(
                    team_id=found.team_id,
                    candidate_id=found.id,
                    author_id="",  # refbot (the ATS), not a person
                    kind=NoteKind.NOT_A_FIT,
                    body=change.reason[:REASON_LIMIT],
                    created_at=now,
                )
            )
        self.outbox.cancel_pending(
            s,
            team_id=found.team_id,
            subject=f"candidate:{found.public_id}",
            kinds=NO_LONGER_APPLY.get(status, ()),
        )
        self.candidates.tell(
            s,
            found.team_id,
            found,
            change=f"{status.value}:{now.isoformat()}",
            started_on=started_on,
        )

    # -- polling ---------------------------------------------------------------------------

    def poll(self) -> PollReport:
        """The scheduler's job: every connected workspace's jobs, and its changes since the
        cursor (skipped for a webhook connection when REFBOT_ATS_POLL_SECONDS is 0). An error
        stops that workspace's poll where it was; its cursor stays, the next poll resumes."""
        if not self._polling.acquire(blocking=False):
            return PollReport()  # the previous poll is still running in this process
        try:
            report = PollReport()
            for team_id, conn in self._connections():
                try:
                    report = _sum(report, self.poll_team(team_id, conn))
                except (AtsError, SendError) as error:
                    log.warning("ATS poll of %s stopped: %s", team_id, error.kind)
                    report = _sum(report, PollReport(teams=1, failed=1))
                try:
                    if self.history is not None:
                        self.history(team_id, conn)
                except (AtsError, SendError) as error:
                    log.warning("ATS history of %s not started: %s", team_id, error.kind)
            return report
        finally:
            self._polling.release()

    def _connections(self) -> list[tuple[str, Connection]]:
        with self.sessions() as s:
            if self.ats.env is not None:
                return [(team, self.ats.env) for team in repo.member_teams(s)]
            found = []
            for row in repo.connections(s):
                conn = self.ats.connection(s, row.team_id)
                if conn is not None:
                    found.append((row.team_id, conn))
            return found

    def poll_team(self, team_id: str, conn: Connection) -> PollReport:
        """One workspace: its jobs, then what changed since its cursors."""
        roles = self.sync_jobs(team_id, conn)
        if self.poll_seconds == 0 and conn.mode == AtsMode.WEBHOOKS:
            return PollReport(teams=1, roles=roles)
        client = self.ats.client_for(team_id, conn)
        kind = conn.kind
        with self.sessions() as s:
            start = self._start(s, team_id, kind)
            since = repo.cursor(s, team_id, kind, "changes") or start
            deleted_since = repo.cursor(s, team_id, kind, "deleted") or start
        read = applied = 0
        latest = since

        def follow(changes: Iterable[AtsStageChange]) -> datetime | None:
            nonlocal read, applied
            newest = None
            it = iter(changes)
            while chunk := list(islice(it, LINK_CHECK)):
                with self.sessions() as s:
                    linked = repo.linked_among(s, team_id, kind, {c.candidate_id for c in chunk})
                for change in chunk:
                    read += 1
                    if change.changed_at and (newest is None or change.changed_at > newest):
                        newest = change.changed_at
                    if change.candidate_id not in linked:
                        continue
                    started_on = self._started_on(team_id, conn, change)
                    if self.apply(team_id, kind, change, started_on=started_on):
                        applied += 1
            return newest

        newest = self.ats._calling(team_id, conn, lambda: follow(client.changes_since(since)))
        latest = max(latest, newest or latest)
        newest_deleted = None
        if isinstance(client, LeverClient):
            newest_deleted = self.ats._calling(
                team_id, conn, lambda: follow(client.deleted_since(deleted_since))
            )
        else:
            # Greenhouse has no anonymisation webhook: an anonymised person is a changed one.
            self.ats._calling(team_id, conn, lambda: follow(_anonymised(client, since)))
        now = self.clock()
        with self.sessions.begin() as s:  # only now: every change above is committed
            repo.save_cursor(s, team_id, kind, "changes", position=latest - OVERLAP, now=now)
            if newest_deleted is not None:
                position = max(deleted_since, newest_deleted - OVERLAP)
                repo.save_cursor(s, team_id, kind, "deleted", position=position, now=now)
        return PollReport(teams=1, changes=read, applied=applied, roles=roles)

    def _start(self, s: Any, team_id: str, kind: AtsKind) -> datetime:
        """Where a workspace's first poll starts: its first push (nothing earlier is refbot's)."""
        first = repo.first_link_at(s, team_id, kind)
        return (first - OVERLAP) if first is not None else self.clock() - OVERLAP

    # -- jobs -------------------------------------------------------------------------------

    def sync_jobs(self, team_id: str, conn: Connection) -> int:
        """Open jobs (Greenhouse) and published postings (Lever) become open roles, drafts
        upcoming ones, with their hiring manager and recruiter found in Slack by email; a
        closed job closes its role. How many roles were created or changed."""
        client = self.ats.client_for(team_id, conn)
        kind = conn.kind
        with self.sessions() as s:
            since = repo.cursor(s, team_id, kind, "jobs")
        if isinstance(client, GreenhouseClient):
            filters = {"updated_at": f"gte|{greenhouse._iso(since)}"} if since else None
            jobs = self.ats._calling(team_id, conn, lambda: client.jobs(filters))
        else:
            jobs = self.ats._calling(team_id, conn, lambda: client.postings(None))
        emails: dict[str, str | None] = {}
        changed = 0
        for job in jobs:
            manager = self._slack_user(team_id, job.hiring_managers, emails)
            recruiter = self._slack_user(team_id, job.recruiters, emails)
            changed += self._job(team_id, kind, job, manager, recruiter)
        stamps = [job.updated_at for job in jobs if job.updated_at is not None]
        if stamps:
            with self.sessions.begin() as s:
                position = max(stamps) - OVERLAP
                repo.save_cursor(s, team_id, kind, "jobs", position=position, now=self.clock())
        return changed

    def _slack_user(
        self, team_id: str, people: Iterable[Any], cache: dict[str, str | None]
    ) -> str | None:
        for person in people:
            email = (person.email or "").strip().casefold()
            if not email:
                continue
            if email not in cache:
                try:
                    cache[email] = self.people.user_id_for_email(team_id, email)
                except Exception as error:  # Slack busy: the role waits for the next poll
                    raise SendError(
                        "transient", f"users.lookupByEmail: {type(error).__name__}"
                    ) from None
            if cache[email]:
                return cache[email]
        return None

    def _job(
        self,
        team_id: str,
        kind: AtsKind,
        job: AtsJob,
        manager: str | None,
        recruiter: str | None,
    ) -> int:
        status = _role_status(job)
        now = self.clock()
        with self.sessions.begin() as s:
            role = repo.role_for_job(s, team_id, kind, job.id)
            if role is None:
                if status == RoleStatus.CLOSED:
                    return 0  # a job that closed before refbot saw it open
                owner = recruiter or next(iter(members_repo.recruiter_ids(s, team_id)), None)
                if owner is None:
                    log.info("ATS job %s waits for a recruiter in %s", job.id, team_id)
                    return 0
                role = roles_repo.add(
                    s,
                    Role(
                        team_id=team_id,
                        title=(job.title or job.id)[:200],
                        hiring_manager_id=manager,
                        recruiter_id=owner,
                        status=status,
                        created_at=now,
                        opened_at=now if status == RoleStatus.OPEN else None,
                    ),
                )
                repo.link_job(s, team_id=team_id, ats=kind, job_id=job.id, role_id=role.id, now=now)
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
            title = (job.title or job.id)[:200]
            if role.title != title:
                role.title, changed = title, True
            if manager and role.hiring_manager_id != manager:
                role.hiring_manager_id, changed = manager, True
            if recruiter and role.recruiter_id != recruiter:
                role.recruiter_id, changed = recruiter, True
            if role.status != status:
                # Roles' own move: opening sends the recruiter the pool, once.
                self.roles._move(s, role, status, actor_id=None, now=now)  # type: ignore[arg-type]
                changed = True
            return int(changed)


# -- helpers -----------------------------------------------------------------------------------


def _role_status(job: AtsJob) -> RoleStatus:
    if job.open:
        return RoleStatus.OPEN
    # A draft job / pending posting: a role not open yet (a pool to refer into).
    if job.status.casefold() in ("draft", "pending"):
        return RoleStatus.UPCOMING
    return RoleStatus.CLOSED


def _anonymised(client: GreenhouseClient, since: datetime) -> Iterable[AtsStageChange]:
    for page in client.candidate_pages(since):
        for person in page.items:
            if person.anonymized:
                yield AtsStageChange(
                    ats="greenhouse",
                    candidate_id=person.id,
                    application_id=None,
                    outcome="anonymized",
                    changed_at=person.updated_at,
                )


def _verified(
    kind: AtsKind, secret: str, body: bytes, headers: Mapping[str, str], now: datetime
) -> bool:
    if kind == AtsKind.GREENHOUSE:
        return greenhouse.verify_webhook(secret, body, _header(headers, "Signature"))
    tokens = [t.strip() for t in secret.split(",") if t.strip()]
    return lever.verify_webhook(tokens, body, now=now)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.casefold()
    return next((v for k, v in headers.items() if k.casefold() == wanted), None)


def _payload(change: AtsStageChange) -> dict[str, Any]:
    values = asdict(change)
    values["changed_at"] = change.changed_at.isoformat() if change.changed_at else None
    return values


def _change(payload: Mapping[str, Any]) -> AtsStageChange:
    values = {k: v for k, v in payload.items() if k != "held"}
    stamp = values.get("changed_at")
    values["changed_at"] = datetime.fromisoformat(stamp) if stamp else None
    return AtsStageChange(**values)


def _replace(change: AtsStageChange, **values: Any) -> AtsStageChange:
    return AtsStageChange(**{**asdict(change), **values})


def _sum(a: PollReport, b: PollReport) -> PollReport:
    return PollReport(*(x + y for x, y in zip(asdict(a).values(), asdict(b).values(), strict=True)))
