"""Who did what to a candidate, and when: what a message says once its buttons were used, and
what an outdated button answers instead of acting (read from the audit trail, which every
decision already writes)."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.outbox import Outbox
from storage.models import AuditLog, Candidate
from storage.repositories import audit, deliveries

STATUS = "candidate.status"
TAKE = "candidate.take"
HM_ANSWER = "candidate.hm_answer"
REPLIED = "candidate.replied"
FOLLOWED_UP = "candidate.followed_up"

# The messages that ask something of a recruiter about one candidate (a follow-up to send, a
# snooze that ended): once it is answered, from there or anywhere else, their buttons go.
PROMPTS = ("followup:", "snooze:")
RESTING = ("snoozed", "archived", "not_a_fit")


@dataclass(frozen=True)
class Change:
    """One thing done to a candidate: a status they were moved to ("archived"…), or "taken",
    "replied", "followup_sent", "interested", "passed"."""

    what: str
    by: str | None  # None: refbot itself
    at: datetime


@dataclass(frozen=True)
class Decision:
    """The outcome of a button or of a decision modal. `outdated`: nothing was done, because the
    candidate had moved on; `change` then says what had happened instead (None: unknown)."""

    locale: str
    candidate_name: str
    status: str
    errors: dict[str, str] = field(default_factory=dict)
    candidate: str = ""  # public id
    change: Change | None = None
    outdated: bool = False


def last_status(s: Session, team_id: str, candidate: str) -> Change | None:
    """The candidate's latest change of status (None: never moved since they were referred)."""
    found = audit.trail(s, team_id=team_id, subject=f"candidate:{candidate}", actions=(STATUS,))
    return _status(found[0]) if found else None


def owner_since(s: Session, team_id: str, candidate: str) -> Change | None:
    """When the candidate's owner took them (None: owned from the start, or by nobody)."""
    found = audit.trail(s, team_id=team_id, subject=f"candidate:{candidate}", actions=(TAKE,))
    return _taken(found[0]) if found else None


def hm_answer(s: Session, team_id: str, candidate: str, manager: str) -> Change | None:
    """The hiring manager's current answer about the candidate ("interested" or "passed")."""
    found = audit.trail(
        s,
        team_id=team_id,
        subject=f"candidate:{candidate}",
        actions=(HM_ANSWER,),
        actor_id=manager,
        limit=1,
    )
    return _answer(found[0]) if found else None


@dataclass(frozen=True)
class CardChanges:
    last_status: Change | None
    owner_since: Change | None
    answer: Change | None  # the viewer's, when they are a hiring manager who answered


def card_changes(s: Session, team_id: str, candidate: str, viewer: str | None) -> CardChanges:
    """`last_status`, `owner_since` and `viewer`'s `hm_answer` in one read: every card a
    dispatcher composes needs the three (benchmarks/ack_profile.py --dispatch)."""
    lines = audit.trail(
        s,
        team_id=team_id,
        subject=f"candidate:{candidate}",
        actions=(STATUS, TAKE, HM_ANSWER),
        limit=CARD_LINES,
    )
    status = next((line for line in lines if line.action == STATUS), None)
    taken = next((line for line in lines if line.action == TAKE), None)
    answer = next(
        (line for line in lines if line.action == HM_ANSWER and line.actor_id == viewer), None
    )
    return CardChanges(
        last_status=_status(status) if status else None,
        owner_since=_taken(taken) if taken else None,
        answer=_answer(answer) if answer and viewer else None,
    )


# A candidate's decisions are a handful; the newest of each kind is within these.
CARD_LINES = 500


def _status(line: AuditLog) -> Change:
    before, after = line.detail.get("from"), str(line.detail.get("to"))
    # Back to review from a rest (snoozed, archived, not a fit): that is a reactivation.
    what = "reactivated" if after == "reviewing" and before in RESTING else after
    return Change(what, line.actor_id, line.created_at)


def _taken(line: AuditLog) -> Change:
    return Change("taken", line.actor_id, line.created_at)


def _answer(line: AuditLog) -> Change:
    what = "interested" if line.detail.get("interested") else "passed"
    return Change(what, line.actor_id, line.created_at)


def follow_up_done(
    s: Session, team_id: str, candidate: str, *, outreach: int, step: int | None
) -> Change | None:
    """What already answered this outreach's follow-up `step` (any step when None): their
    reply, or the recruiter marking this step (or a later one) as sent."""
    for line in audit.trail(
        s,
        team_id=team_id,
        subject=f"candidate:{candidate}",
        actions=(REPLIED, FOLLOWED_UP),
        limit=50,
    ):
        if line.detail.get("outreach") not in (None, outreach):
            continue
        if line.action == REPLIED:
            return Change("replied", line.actor_id, line.created_at)
        if step is not None and int(line.detail.get("step") or 0) >= step:
            return Change("followup_sent", line.actor_id, line.created_at)
    return None


def settle_prompts(
    s: Session,
    outbox: Outbox,
    team_id: str,
    candidate: str,
    change: Change,
    *,
    prefixes: tuple[str, ...] = PROMPTS,
    only: set[str] | None = None,
) -> None:
    """Edit each prompt about the candidate already in Slack to say what was done, by whom and
    when, without its buttons (`only`: just these dedupe keys). A prompt is settled once: the
    first answer is the one it keeps (the edit's key is the same for every later change)."""
    subject = f"candidate:{candidate}"
    for prefix in prefixes:
        for recipient, key in deliveries.sent_keyed(s, team_id, subject, prefix):
            if only is not None and key not in only:
                continue
            outbox.notice(
                s,
                team_id=team_id,
                recipient=recipient,
                subject=subject,
                dedupe_key=f"edit:{key}:settled",
                payload={
                    "render": "settled",
                    "edit": key,
                    "candidate": candidate,
                    "prompt": prefix.rstrip(":"),
                    "what": change.what,
                    "by": change.by,
                    "at": change.at.isoformat(),
                },
            )


def decided(locale: str, found: Candidate, change: Change | None, *, outdated: bool) -> Decision:
    """The Decision about `found`: `change` was done now, or (`outdated`) had been before."""
    return Decision(
        locale,
        found.name,
        found.status.value,
        candidate=found.public_id,
        change=change,
        outdated=outdated,
    )
