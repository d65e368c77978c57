"""Rediscovery: find past, archived and snoozed candidates before sourcing anew."""

from dataclasses import dataclass
from datetime import datetime

from bot.errors import NotAllowed
from bot.services.cards import candidate_card
from bot.services.members import Members
from storage.db import Sessions
from storage.repositories import candidates, roles
from storage.repositories import search as index
from storage.repositories.candidates import REMOVED_NAME
from storage.types import CandidateStatus


class SearchNotAllowed(NotAllowed):
    """Employees may not search candidates: they are told so, kindly, and see nothing."""

    template = "search/denied"


SHOWN = 10
FETCHED = 50  # filters (role:, tag:) apply after ranking, so rank a few more than shown


@dataclass(frozen=True)
class Hit:
    candidate: str  # public id
    name: str
    status: str
    last_activity_at: datetime
    referrer_id: str | None
    role_title: str | None


@dataclass(frozen=True)
class SearchResult:
    locale: str
    text: str
    hits: tuple[Hit, ...]


class Search:
    def __init__(self, *, sessions: Sessions, members: Members) -> None:
        self.sessions = sessions
        self.members = members

    def find(self, *, team_id: str, actor_id: str, text: str) -> SearchResult:
        """Top matches across every status; recruiters see all, hiring managers their roles'."""
        profile = self.members.profile(team_id=team_id, user_id=actor_id)
        query, filters = index.parse_query(text)
        status = filters.get("status", "").lower()
        statuses = [status] if status in {s.value for s in CandidateStatus} else None
        with self.sessions() as s:
            managed = None if profile.is_recruiter else roles.managed_by(s, team_id, actor_id)
            if managed is not None and not managed:
                raise SearchNotAllowed
            ranked = index.search(s, team_id, query, statuses=statuses, limit=FETCHED)
            found = candidates.by_ids(s, [candidate_id for candidate_id, _ in ranked])
            hits: list[Hit] = []
            for candidate_id, _ in ranked:
                candidate = found.get(candidate_id)
                if candidate is None or candidate.name == REMOVED_NAME:
                    continue
                card = candidate_card(s, team_id, candidate.public_id)
                assert card is not None
                if managed is not None and managed.isdisjoint(card.role_ids):
                    continue
                if (
                    "role" in filters
                    and filters["role"].lower() not in (card.role_title or "").lower()
                ):
                    continue
                if "tag" in filters and filters["tag"].lower() not in candidate.tags.lower():
                    continue
                hits.append(
                    Hit(
                        candidate=candidate.public_id,
                        name=candidate.name,
                        status=candidate.status.value,
                        last_activity_at=candidate.last_activity_at,
                        referrer_id=card.referrers[0].user_id if card.referrers else None,
                        role_title=card.role_title,
                    )
                )
                if len(hits) == SHOWN:
                    break
        return SearchResult(locale=profile.locale, text=text, hits=tuple(hits))
