"""Slack edits written back to the workspace's ATS (issue 16): a recruiter's "Move to…", "Not a
fit" or snooze on a candidate refbot put in the ATS reaches her application there, once.

- What goes: "Move to…" moves the application to the first stage of its job (Greenhouse) or of
  the pipeline (Lever) that the stage mapping gives that status (bot.services.ats_stages); a
  stage already of that status is left alone. Hired: Lever archives with a reason of type hired;
  Greenhouse moves to a stage the admin mapped to hired, else writes a note (no hire endpoint is
  on Harvest v3's pages read: a hire is made in Greenhouse). "Not a fit": Greenhouse rejects
  (the first rejection reason that is not a withdrawal, the recruiter's reason as its notes);
  Lever archives (the first non-hired archive reason that is not a withdrawal). Snooze: a note
  (neither ATS has a snooze in its API). Archive and Reactivate stay in refbot.
- Only a candidate linked to an application refbot created (storage AtsLink, outcome created or
  resumed), whatever the push mode: someone refbot found already in the ATS, or never sent
  there, is not touched.
- Each edit is an ATS_STATUS outbox row (dedupe key per decision), queued in the decision's own
  transaction and carried out after the ack by the dispatcher: 5xx, 429 and timeouts are
  retried, permanent refusals told to the admins once (bot.dispatcher, Ats._calling).
- Never doubled: a row writes refbot's status *at send time* after reading the application
  (a retry after an uncertain answer finds the write done; two quick edits converge on the
  last); a note (a snooze, a hire Greenhouse cannot record) is looked for by its words before
  it is written again.
- No ping-pong: before writing, the state the ATS will report back is recorded
  (storage.repositories.ats.record_write); the webhook or poll that brings it back is recognised
  by bot.services.ats_pull and changes nothing, tells nobody.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import i18n
from bot.ats.errors import AtsError
from bot.ats.greenhouse import GreenhouseClient
from bot.ats.lever import LeverClient
from bot.clock import Clock
from bot.outbox import Due, Outbox
from bot.services.ats import RECIPIENT, Ats, Connection
from bot.services.ats_pull import _WITHDREW, stage_status
from storage.db import Sessions
from storage.models import Candidate
from storage.repositories import ats as repo
from storage.repositories import candidates as candidates_repo
from storage.repositories.candidates import REMOVED_NAME
from storage.types import AtsKind, CandidateStatus, DeliveryKind, NoteKind

log = logging.getLogger("refbot.ats.writeback")

# The Slack edits written back, by the status they leave the candidate in.
WRITTEN = frozenset(
    {
        CandidateStatus.REVIEWING,
        CandidateStatus.CONTACTED,
        CandidateStatus.INTERVIEWING,
        CandidateStatus.HIRED,
        CandidateStatus.NOT_A_FIT,
        CandidateStatus.SNOOZED,
    }
)
NOTE_LIMIT = 2000


@dataclass(frozen=True)
class _Target:
    kind: AtsKind
    candidate_id: str  # the ATS's person
    application_id: str
    status: CandidateStatus  # refbot's, now
    mapping: Mapping[str, CandidateStatus]
    reason: str | None  # the latest "not a fit" reason (private to recruiters)
    snooze: str | None  # a snooze's note, when the row is a snooze's


class AtsWriteBack:
    def __init__(self, *, sessions: Sessions, ats: Ats, outbox: Outbox, clock: Clock) -> None:
        self.sessions = sessions
        self.ats = ats
        self.outbox = outbox
        self.clock = clock
        ats.write_back = self.send

    # -- in the Slack decision's transaction -----------------------------------------------------

    def queue(
        self,
        s: Session,
        candidate: Candidate,
        status: CandidateStatus,
        *,
        actor_id: str,
        at: datetime,
        **extra: Any,
    ) -> bool:
        """An ATS_STATUS row for a Slack edit of a candidate refbot put in the ATS; nothing for
        anyone else. `extra`: a snooze's `note` (id) and `until` (ISO)."""
        if status not in WRITTEN:
            return False
        kind = self.ats.kind(s, candidate.team_id)
        if kind is None:
            return False
        link = repo.link(s, candidate.id, kind)
        if link is None or link.outcome == "existing" or not link.ats_application_id:
            return False
        self.outbox.schedule(
            s,
            team_id=candidate.team_id,
            kind=DeliveryKind.ATS_STATUS,
            recipient=RECIPIENT,
            subject=f"ats:{candidate.public_id}",
            due_at=at,
            dedupe_key=f"ats_status:{candidate.public_id}:{status.value}:{at.isoformat()}",
            payload={"candidate": candidate.public_id, "status": status.value, "by": actor_id}
            | extra,
        )
        return True

    # -- the dispatcher's side ------------------------------------------------------------------

    def send(self, due: Due) -> bool:
        """Carry out one ATS_STATUS row; False when it no longer applies (disconnected, the
        candidate forgotten or no longer linked). Raises AtsError as classified."""
        with self.sessions() as s:
            conn = self.ats.connection(s, due.team_id)
            found = candidates_repo.by_public_id(s, due.team_id, str(due.payload["candidate"]))
            if conn is None or found is None or found.name == REMOVED_NAME:
                return False
            link = repo.link(s, found.id, conn.kind)
            if link is None or link.outcome == "existing" or not link.ats_application_id:
                return False
            reasons = [
                n.body
                for n in candidates_repo.notes(s, found.id)
                if n.kind == NoteKind.NOT_A_FIT and n.author_id
            ]
            snooze = None
            if due.payload.get("note") is not None:
                note = candidates_repo.note_by_id(s, int(due.payload["note"]))
                snooze = note.body if note is not None else ""
            target = _Target(
                kind=conn.kind,
                candidate_id=link.ats_candidate_id,
                application_id=link.ats_application_id,
                status=found.status,
                mapping=repo.stage_map(s, due.team_id, conn.kind),
                reason=reasons[-1] if reasons else None,
                snooze=snooze,
            )
        if target.snooze is not None:
            body = self._snooze_note(due, target.snooze)
            self._note(due.team_id, conn, target, body)
            return True
        self.ats._calling(due.team_id, conn, lambda: self._sync(due.team_id, conn, target))
        return True

    def _sync(self, team_id: str, conn: Connection, target: _Target) -> None:
        """Bring the application to refbot's status, reading it first (module docstring)."""
        client = self.ats.client_for(team_id, conn)
        if isinstance(client, GreenhouseClient):
            self._greenhouse(team_id, conn, client, target)
        else:
            self._lever(team_id, client, target)

    def _greenhouse(
        self, team_id: str, conn: Connection, client: GreenhouseClient, target: _Target
    ) -> None:
        app = client.application(target.application_id)
        if app is None or app.outcome != "active":
            return  # gone, or decided in Greenhouse (hired, rejected): that stands
        if target.status == CandidateStatus.NOT_A_FIT:
            reason = _rejection(client.rejection_reasons())
            if reason is None:
                return
            self._writing(
                team_id,
                target,
                "rejected",
                lambda: client.reject_application(
                    target.application_id, rejection_reason_id=reason, notes=target.reason
                ),
            )
            return
        if app.job_id is None or app.stage_id is None:
            return  # a prospect has no stages to move along
        stages = client.job_stages(app.job_id)
        names = dict(stages)
        now = stage_status(target.kind, names.get(app.stage_id, ""), target.mapping)
        if now == target.status:
            return
        to = _first_stage(target, stages)
        if to is None:
            if target.status == CandidateStatus.HIRED:
                body = i18n.plain(
                    self.ats.members.default_locale, "ats/status_note", snoozed=False, hired=True
                )
                self._note(team_id, conn, target, body.strip())
            return
        self._writing(
            team_id,
            target,
            f"active:{to}",
            lambda: client.move_application(
                target.application_id, from_stage_id=str(app.stage_id), to_stage_id=to
            ),
        )

    def _lever(self, team_id: str, client: LeverClient, target: _Target) -> None:
        opp = client.opportunity(target.application_id)
        if opp is None or opp.outcome != "active":
            return  # gone, or archived in Lever: that stands
        if target.status in (CandidateStatus.NOT_A_FIT, CandidateStatus.HIRED):
            hired = target.status == CandidateStatus.HIRED
            reason = _archive_reason(client.archive_reasons(), hired=hired)
            if reason is None:
                return
            state = "hired" if hired else "rejected"
            self._writing(
                team_id,
                target,
                state,
                lambda: client.archive_opportunity(target.application_id, reason),
            )
            return
        stages = list(client.stages().items())
        now = stage_status(target.kind, dict(stages).get(opp.stage_id or "", ""), target.mapping)
        if now == target.status:
            return
        to = _first_stage(target, stages)
        if to is None:
            return
        self._writing(
            team_id,
            target,
            f"active:{to}",
            lambda: client.move_opportunity(target.application_id, to),
        )

    def _writing(
        self, team_id: str, target: _Target, state: str, write: Callable[[], None]
    ) -> None:
        """Record the state refbot is about to write (committed first: its echo may come back
        before the answer), then write it; a refusal removes the record."""
        with self.sessions.begin() as s:
            written = repo.record_write(
                s,
                team_id=team_id,
                ats=target.kind,
                application_id=target.application_id,
                state=state,
                now=self.clock(),
            ).id
        try:
            write()
        except AtsError as error:
            if error.permanent:
                with self.sessions.begin() as s:
                    repo.forget_write(s, written)
            raise

    def _note(self, team_id: str, conn: Connection, target: _Target, body: str) -> None:
        # Looked for first: a retry after a lost answer finds it written (Ats.note_once).
        self.ats.note_once(team_id, conn, target.candidate_id, target.application_id, body)

    def _snooze_note(self, due: Due, note: str) -> str:
        who = self.ats._referrer(due.team_id, str(due.payload.get("by") or ""))[0]
        until = due.payload.get("until")
        return i18n.plain(
            self.ats.members.default_locale,
            "ats/status_note",
            snoozed=True,
            hired=False,
            who=who,
            until=datetime.fromisoformat(until) if until else None,
            note=note[:NOTE_LIMIT],
        ).strip()


def _first_stage(target: _Target, stages: list[tuple[str, str]]) -> str | None:
    """The first stage, in the job's or pipeline's order, that means refbot's status."""
    return next(
        (
            sid
            for sid, name in stages
            if stage_status(target.kind, name, target.mapping) == target.status
        ),
        None,
    )


def _withdrawal(name: str) -> bool:
    return any(word in name.casefold() for word in _WITHDREW)


def _rejection(reasons: Mapping[str, str]) -> str | None:
    return next((rid for rid, name in reasons.items() if not _withdrawal(name)), None)


def _archive_reason(reasons: Mapping[str, tuple[str, str]], *, hired: bool) -> str | None:
    for rid, (text, kind) in reasons.items():
        if hired and kind == "hired":
            return rid
        if not hired and kind != "hired" and not _withdrawal(text):
            return rid
    return None
