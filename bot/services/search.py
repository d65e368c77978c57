"""Rediscovery: find past, archived and snoozed candidates before sourcing anew."""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from bot.errors import NotAllowed
from bot.services.members import Members
from bot.services.next_step import Step, next_step
from storage.db import Sessions
from storage.repositories import candidates, referrals, roles
from storage.repositories import search as index
from storage.repositories.candidates import REMOVED_NAME
from storage.types import CandidateStatus


class SearchNotAllowed(NotAllowed):
    """Employees may not search candidates: they are told so, kindly, and see nothing."""

    template = "search/denied"


SHOWN = 10
# A hiring manager sees only the candidates of her roles, checked on each card: rank a few more.
FETCHED = 50


@dataclass(frozen=True)
class Hit:
    candidate: str  # public id
    name: str
    status: str
    last_activity_at: datetime
    referrer_id: str | None
    role_title: str | None
    step: Step | None = None  # the primary action, as on the card (bot.services.next_step)


@dataclass(frozen=True)
class SearchResult:
    locale: str
    text: str
    hits: tuple[Hit, ...]
    tz: str | None = None  # the reader's zone
    can_act: bool = True  # recruiters act on what they find; hiring managers only look
    status: str | None = None  # the status: filter, when one was given
    unknown_status: str | None = None  # a status: value that names no status
    nothing_asked: bool = False  # `/refbot find` alone: the answer says how to search
    ranked: bool = True  # best match first; False: a filter alone, most recent first


class Search:
    def __init__(self, *, sessions: Sessions, members: Members) -> None:
        self.sessions = sessions
        self.members = members

    def find(self, *, team_id: str, actor_id: str, text: str) -> SearchResult:
        """Top matches across every status; recruiters see all, hiring managers their roles'."""
        profile = self.members.profile(team_id=team_id, user_id=actor_id)
        query, filters = index.parse_query(text)
        status = filters.get("status", "").lower()
        answer = partial(
            SearchResult,
            locale=profile.locale,
            text=text,
            tz=profile.tz,
            can_act=profile.is_recruiter,
            status=status or None,
        )
        with self.sessions.read_transaction() as s:  # the index plans per query: SET LOCAL
            managed = None if profile.is_recruiter else roles.managed_by(s, team_id, actor_id)
            if managed is not None and not managed:
                raise SearchNotAllowed
            if status and status not in {c.value for c in CandidateStatus}:
                return answer(hits=(), unknown_status=filters["status"])
            statuses = [status] if status else None
            # role: and tag: filter in SQL: only what can be shown is fetched and carded.
            kept = {"role": filters.get("role"), "tag": filters.get("tag")}
            fetched = 2 * SHOWN if managed is None else FETCHED  # forgotten ones are skipped
            if query.words or query.phrases:
                ranked = index.search(s, team_id, query, statuses=statuses, limit=fetched, **kept)
            elif filters:  # a filter alone (status:snoozed) lists, most recently active first
                every = statuses or [c.value for c in CandidateStatus]
                listed = index.listed(s, team_id, every, limit=fetched, **kept)
                ranked = [(candidate_id, 0.0) for candidate_id in listed]
            else:
                return answer(hits=(), nothing_asked=True)
            hits = _hits(s, [candidate_id for candidate_id, _ in ranked], managed)
        return answer(hits=hits, ranked=bool(query.words or query.phrases))


def _hits(s: Session, ids: list[int], managed: set[str] | None) -> tuple[Hit, ...]:
    """The first SHOWN of these candidates (in this order) the reader may see, with what their
    cards would show: the first referrer, the role, the next step. Five queries for them all
    (a card of its own each cost eight: a hundred and sixty for a page of results)."""
    found = candidates.by_ids(s, ids)
    shown = [found[i] for i in ids if i in found and found[i].name != REMOVED_NAME]
    referred = referrals.for_candidates(s, [c.id for c in shown])
    facts = referrals.contact_facts(s, [c.id for c in shown])
    hits: list[Hit] = []
    for candidate in shown:
        made = referred.get(candidate.id, [])
        referred_to = [r.role for r in made if r.role is not None]
        if managed is not None and managed.isdisjoint(r.public_id for r in referred_to):
            continue
        fact = facts[candidate.id]
        status = candidate.status.value
        hits.append(
            Hit(
                candidate=candidate.public_id,
                name=candidate.name,
                status=status,
                last_activity_at=candidate.last_activity_at,
                referrer_id=made[0].referrer_id if made else None,
                role_title=referred_to[0].title if referred_to else None,
                step=next_step(status, lead=fact.lead, awaiting_reply=fact.awaiting_reply),
            )
        )
        if len(hits) == SHOWN:
            break
    return tuple(hits)
