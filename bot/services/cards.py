"""The candidate as the people allowed to see it: the read model behind every card."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.outbox import Due, Outbox
from storage.db import Sessions
from storage.repositories import candidates, deliveries, referrals


@dataclass(frozen=True)
class ReferrerLine:
    user_id: str
    relationship: str | None
    strength: str | None
    note: str | None
    credited: bool
    candidate_knows: bool
    can_intro: bool


@dataclass(frozen=True)
class CandidateCard:
    public_id: str
    name: str
    email: str | None
    profile_url: str | None
    status: str
    role_title: str | None
    hiring_manager_id: str | None
    recruiter_id: str | None
    referrers: tuple[ReferrerLine, ...]
    role_ids: tuple[str, ...] = ()  # public ids of every role the person was referred to

    @property
    def lead(self) -> bool:
        """Nobody who referred this person says they know: ask for an intro, don't cold-call."""
        return not any(r.candidate_knows for r in self.referrers)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


def candidate_card(s: Session, team_id: str, public_id: str) -> CandidateCard | None:
    """The card of one candidate, or None when forgotten."""
    candidate = candidates.by_public_id(s, team_id, public_id)
    if candidate is None:
        return None
    found = referrals.for_candidate(s, candidate.id)
    role = next((r.role for r in found if r.role is not None), None)
    return CandidateCard(
        public_id=candidate.public_id,
        name=candidate.name,
        email=candidate.email,
        profile_url=candidate.profile_url,
        status=candidate.status.value,
        role_title=role.title if role else None,
        hiring_manager_id=role.hiring_manager_id if role else None,
        recruiter_id=role.recruiter_id if role else candidate.owner_id,
        referrers=tuple(
            ReferrerLine(
                user_id=r.referrer_id,
                relationship=r.relationship,
                strength=r.strength.value if r.strength else None,
                note=r.note,
                credited=r.credited,
                candidate_knows=r.candidate_knows,
                can_intro=r.can_intro,
            )
            for r in found
        ),
        role_ids=tuple(dict.fromkeys(r.role.public_id for r in found if r.role is not None)),
    )


@dataclass(frozen=True)
class ReferrerUpdate:
    candidate_name: str
    stage: str  # received, known, reviewing, contacted, interviewing, hired, closed


STAGES = {
    "new": "received",
    "reviewing": "reviewing",
    "contacted": "contacted",
    "interviewing": "interviewing",
    "hired": "hired",
    "not_a_fit": "closed",
    "archived": "closed",
    "snoozed": "closed",  # "not right now" reads as closed to the referrer: the reason is private
}


class Cards:
    """Card contents at send time (the composers' queries)."""

    def __init__(self, *, sessions: Sessions) -> None:
        self.sessions = sessions

    def card(self, due: Due) -> CandidateCard | None:
        with self.sessions() as s:
            return candidate_card(s, due.team_id, due.payload["candidate"])

    def unreviewed(self, due: Due) -> CandidateCard | None:
        """The SLA nudge's card, while nobody has reviewed the referral yet."""
        card = self.card(due)
        return card if card is not None and card.status == "new" else None

    def referrer_update(self, due: Due) -> ReferrerUpdate | None:
        with self.sessions() as s:
            referral = referrals.by_public_id(s, due.team_id, due.payload["referral"])
            if referral is None:
                return None  # forgotten since: nothing to say
            return ReferrerUpdate(
                candidate_name=referral.candidate.name, stage=due.payload["stage"]
            )


def refresh_cards(s: Session, outbox: Outbox, team_id: str, candidate: str, change: str) -> None:
    """Queue an edit of every card already queued for the candidate, so each shows the current
    state (`change` names the change and makes the edit's dedupe key unique)."""
    subject = f"candidate:{candidate}"
    for prefix, render in (("card:", "recruiter_card"), ("hm:", "hm_card")):
        for recipient, key in deliveries.keys_like(s, team_id, subject, prefix):
            outbox.notice(
                s,
                team_id=team_id,
                recipient=recipient,
                subject=subject,
                dedupe_key=f"edit:{key}:{change}",
                payload={"render": render, "candidate": candidate, "edit": key},
            )
