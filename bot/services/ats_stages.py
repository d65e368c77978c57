"""The admin's stage mapping (issue 16): which refbot status each stage of the workspace's ATS
means. The stages listed are the ATS's defaults (bot.services.ats_pull.DEFAULT_STAGES) and every
stage a change has come at; a stage left alone follows the default. The pull reads the mapping
for each change (`status_for`), and write-back reads it backwards (bot.services.ats_writeback).

The view carries the workspace and the ATS it was opened for; a submission naming another
workspace, another ATS or a stage refbot does not know for this one is refused.
"""

import json
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.errors import NotAllowed
from bot.services.ats import Ats
from bot.services.ats_pull import DEFAULT_STAGES, stage_status
from bot.services.members import Members
from storage.db import Sessions
from storage.repositories import ats as repo
from storage.repositories import audit
from storage.types import AtsKind, CandidateStatus

# The statuses an active application can have; hires, rejections and archives are events of
# their own in both ATSs (README "Stage mapping").
MAPPABLE = (
    CandidateStatus.REVIEWING,
    CandidateStatus.CONTACTED,
    CandidateStatus.INTERVIEWING,
    CandidateStatus.HIRED,
)
MAX_STAGES = 90  # one select each, within a view's 100 blocks
STAGE_BLOCK = "ats_stage:"  # block id prefix of each stage's select; the rest is its key


@dataclass(frozen=True)
class StageChoice:
    key: str  # the stage's casefolded name
    name: str  # as the ATS spells it
    status: str  # what it maps to now
    default: str  # what it maps to when left alone


@dataclass(frozen=True)
class StageMapView:
    locale: str
    ats: str | None  # None: no ATS connected
    team_id: str = ""
    stages: tuple[StageChoice, ...] = ()
    more: int = 0  # stages beyond MAX_STAGES, not shown

    @property
    def metadata(self) -> str:
        """What the view carries: the workspace and the ATS it was opened for."""
        return json.dumps({"team": self.team_id, "ats": self.ats})


@dataclass(frozen=True)
class StageMapSaved:
    locale: str
    ats: str | None = None
    changed: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    stale: bool = False  # the ATS changed since the view opened: nothing saved


def block_for(key: str) -> str:
    return f"{STAGE_BLOCK}{key}"


class AtsStages:
    def __init__(self, *, sessions: Sessions, members: Members, ats: Ats, clock: Clock) -> None:
        self.sessions = sessions
        self.members = members
        self.ats = ats
        self.clock = clock

    def view(self, *, team_id: str, actor_id: str) -> StageMapView:
        """The mapping view (admins only): one choice per stage refbot knows."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        with self.sessions() as s:
            conn = self.ats.connection(s, team_id)
            if conn is None:
                return StageMapView(locale=locale, ats=None, team_id=team_id)
            choices = self._choices(s, team_id, conn.kind)
        return StageMapView(
            locale=locale,
            ats=conn.kind.value,
            team_id=team_id,
            stages=tuple(choices[:MAX_STAGES]),
            more=max(len(choices) - MAX_STAGES, 0),
        )

    def save(
        self, *, team_id: str, actor_id: str, metadata: str, chosen: dict[str, str | None]
    ) -> StageMapSaved:
        """Store the admin's choices (block id -> status). Re-checks the role; refuses a view
        opened for another workspace or ATS, a stage refbot does not know, a status that is not
        a stage's."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        try:
            meta = json.loads(metadata or "{}")
        except ValueError:
            meta = {}
        if not isinstance(meta, dict) or meta.get("team") != team_id:
            raise NotAllowed("admins")  # a view of another workspace's, or forged
        now = self.clock()
        with self.sessions.begin() as s:
            conn = self.ats.connection(s, team_id)
            if conn is None or meta.get("ats") != conn.kind.value:
                return StageMapSaved(locale=locale, stale=True)  # reconnected meanwhile
            known = {c.key: c for c in self._choices(s, team_id, conn.kind)}
            picked: dict[str, CandidateStatus | None] = {}
            errors: dict[str, str] = {}
            for block, value in chosen.items():
                key = block.removeprefix(STAGE_BLOCK)
                if not block.startswith(STAGE_BLOCK) or key not in known:
                    raise NotAllowed("admins")  # no such stage here: a forged payload
                if value not in {m.value for m in MAPPABLE}:
                    errors[block] = "invalid_choice"
                    continue
                status = CandidateStatus(str(value))
                # The default chosen again is stored as "the default": it follows the default.
                picked[key] = None if status.value == known[key].default else status
            if errors:
                return StageMapSaved(locale=locale, errors=errors)
            names = {key: choice.name for key, choice in known.items()}
            changed = repo.save_stage_map(
                s,
                team_id=team_id,
                ats=conn.kind,
                names=names,
                chosen=picked,
                actor_id=actor_id,
                now=now,
            )
            if changed:
                audit.record(
                    s,
                    team_id=team_id,
                    actor_id=actor_id,
                    action="ats.stage_map",
                    subject=f"team:{team_id}",
                    at=now,
                    ats=conn.kind.value,
                    changed=changed,
                )
        return StageMapSaved(locale=locale, ats=conn.kind.value, changed=changed)

    @staticmethod
    def _choices(s: object, team_id: str, kind: AtsKind) -> list[StageChoice]:
        rows = repo.stages(s, team_id, kind)  # type: ignore[arg-type]
        mapping = {r.stage: r.status for r in rows if r.status is not None}
        names: dict[str, str] = {key: key.capitalize() for key in DEFAULT_STAGES[kind]}
        for row in rows:
            names.setdefault(row.stage, row.name)
            if row.seen_at is not None:
                names[row.stage] = row.name  # as the ATS spells it
        choices = []
        for key, name in names.items():
            default = stage_status(kind, key)
            status = mapping.get(key) or default
            choices.append(StageChoice(key, name, status.value, default.value))
        return choices
