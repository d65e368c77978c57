"""The candidate as the people allowed to see it: the read model behind every card."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.outbox import Due, Outbox, Queued
from bot.services import changes
from bot.services.changes import Change
from bot.services.next_step import Step, next_step
from storage.db import Sessions
from storage.models import Candidate
from storage.repositories import candidates, cvs, deliveries, referrals
from storage.types import IntroStatus

if TYPE_CHECKING:
    from bot.services.ats import AtsLine

# The card's ATS line (bot.services.ats.Ats.line): (session, team, candidate public id).
AtsLineQuery = Callable[[Session, str, str], "AtsLine | None"]


@dataclass(frozen=True)
class ReferrerLine:
    user_id: str
    relationship: str | None
    strength: str | None
    note: str | None
    credited: bool
    candidate_knows: bool | None  # None: the referrer did not say
    can_intro: bool
    more_notes: tuple[str, ...] = ()  # what they added when they referred the person again

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(n for n in (self.note, *self.more_notes) if n)


@dataclass(frozen=True)
class IntroLine:
    """The latest introduction asked about a candidate: who asked which referrer, when, and
    their answer (requested, accepted, declined, made) and when they gave it."""

    status: str
    recruiter_id: str
    referrer_id: str
    asked_at: datetime
    answered_at: datetime | None = None


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
    # They don't know they were referred and nobody told them yet: ask for an intro first.
    lead: bool = False
    awaiting_reply: bool = False  # reached out, no answer yet
    introduced: bool = False  # an introduction was accepted: no need to ask for one again
    owner_id: str | None = None  # the recruiter who owns the candidate; None: nobody took it yet
    owned: Change | None = None  # when the owner took it ("Take it"), if they did
    last_change: Change | None = None  # the latest change of status: what, by whom, when
    viewer: str | None = None  # whose copy of the card this is (their "Take it", their answer)
    answer: Change | None = None  # the viewer's answer as hiring manager (interested, passed)
    intro: IntroLine | None = None  # the latest introduction asked, and its answer
    ats: "AtsLine | None" = None  # where they are in the workspace's ATS (recruiter card)
    # The newest CV a referrer attached (its file name): the recruiter's card says so, and a
    # copy is in their DM (bot.services.cvs). Never on the hiring manager's card.
    cv: str | None = None

    @property
    def may_take(self) -> bool:
        """This recruiter's copy offers "Take it": in process, and owned by someone else or by
        nobody."""
        return self.viewer is not None and self.owner_id != self.viewer and self.in_process

    @property
    def in_process(self) -> bool:
        return self.status in ("new", "reviewing", "contacted", "interviewing")

    @property
    def next_step(self) -> Step | None:
        """The primary action (bot.services.next_step decides it for every surface)."""
        return next_step(self.status, lead=self.lead, awaiting_reply=self.awaiting_reply)

    @property
    def introducers(self) -> tuple[str, ...]:
        """Referrers who offered to introduce the candidate ("Ask for intro" goes to them)."""
        return tuple(dict.fromkeys(r.user_id for r in self.referrers if r.can_intro))

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


TOLD = frozenset({"contacted", "interviewing", "hired"})
INTRODUCED = frozenset({IntroStatus.ACCEPTED, IntroStatus.MADE})  # they were told by a referrer


def candidate_card(
    s: Session, team_id: str, public_id: str, *, viewer: str | None = None
) -> CandidateCard | None:
    """The card of one candidate (as `viewer` sees it, when it is someone's copy), or None
    when forgotten."""
    subject = candidates.for_card(s, team_id, public_id)
    if subject is None:
        return None
    candidate, has = subject  # what she has not, is not read
    found = referrals.for_candidate(s, candidate.id)
    role = next((r.role for r in found if r.role is not None), None)
    intros = referrals.intros_for_candidate(s, candidate.id) if has.intros else ()
    # contact_facts for one candidate, from the rows loaded here anyway (one query, not three).
    facts = referrals.facts_of(
        next((r.candidate_knows for r in found if r.candidate_knows is not None), None),
        referrals.latest_outreach_replied(s, candidate.id) if has.outreach else None,
        any(i.status in INTRODUCED for i in intros),
    )
    added: dict[str, list[str]] = {}
    for note in referrals.referrer_notes(s, candidate.id) if has.notes else ():
        if note.body:  # erased by /refbot forget
            added.setdefault(note.author_id, []).append(note.body)
    asked = max(intros, key=lambda i: i.id, default=None)
    done = changes.card_changes(s, team_id, public_id, viewer)
    files = cvs.for_candidate(s, candidate.id) if has.files else []
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
                more_notes=tuple(added.pop(r.referrer_id, ())),
            )
            for r in found
        ),
        role_ids=tuple(dict.fromkeys(r.role.public_id for r in found if r.role is not None)),
        # Contacted, interviewing or hired: they were told, whatever the referrers said.
        lead=facts.lead and candidate.status.value not in TOLD,
        awaiting_reply=facts.awaiting_reply,
        introduced=facts.introduced,
        owner_id=candidate.owner_id,
        owned=done.owner_since if candidate.owner_id else None,
        last_change=done.last_status,
        viewer=viewer,
        answer=done.answer,
        intro=None
        if asked is None
        else IntroLine(
            status=asked.status.value,
            recruiter_id=asked.recruiter_id,
            referrer_id=asked.referrer_id,
            asked_at=asked.created_at,
            answered_at=asked.answered_at,
        ),
        cv=files[0].name if files else None,
    )


@dataclass(frozen=True)
class SettledPrompt:
    """A prompt (a follow-up to send, a snooze that ended) once answered: what it was about,
    what was done, by whom and when."""

    prompt: str  # followup, snooze
    candidate_name: str
    change: Change


@dataclass(frozen=True)
class ReferrerUpdate:
    candidate_name: str
    stage: str  # received, known, reviewing, contacted, interviewing, hired, on_hold, closed
    noted: bool = False  # their note is on the recruiter's card (said only when true)


STAGES = {
    "new": "received",
    "reviewing": "reviewing",
    "contacted": "contacted",
    "interviewing": "interviewing",
    "hired": "hired",
    "not_a_fit": "closed",
    "archived": "closed",
    # A snooze is "not right now", not an end: the referrer hears it is on hold (true and kind,
    # and no reason given: the reason stays private). Saying nothing would leave them with a
    # stale "contacted" for months; saying "closed" would be false when it comes back.
    "snoozed": "on_hold",
}


class Cards:
    """Card contents at send time (the composers' queries)."""

    def __init__(self, *, sessions: Sessions, ats_line: AtsLineQuery | None = None) -> None:
        self.sessions = sessions
        self.ats_line = ats_line

    def card(self, due: Due) -> CandidateCard | None:
        """The recipient's copy of the card."""
        with self.sessions() as s:
            card = candidate_card(s, due.team_id, due.payload["candidate"], viewer=due.recipient)
            if card is not None and self.ats_line is not None:
                card = replace(card, ats=self.ats_line(s, due.team_id, card.public_id))
            return card

    def unreviewed(self, due: Due) -> CandidateCard | None:
        """The SLA nudge's card, while nobody has reviewed the referral yet, and nobody else
        took it (then it is theirs to look at)."""
        card = self.card(due)
        if card is None or card.status != "new":
            return None
        return card if card.owner_id in (None, due.recipient) else None

    def settled(self, due: Due) -> SettledPrompt | None:
        """An answered prompt, as its edit says it (None: the candidate was forgotten since)."""
        with self.sessions() as s:
            found = candidates.by_public_id(s, due.team_id, due.payload["candidate"])
            if found is None:
                return None
            at = datetime.fromisoformat(due.payload["at"])
            return SettledPrompt(
                prompt=due.payload["prompt"],
                candidate_name=found.name,
                change=Change(due.payload["what"], due.payload.get("by"), at),
            )

    def referrer_update(self, due: Due) -> ReferrerUpdate | None:
        with self.sessions() as s:
            referral = referrals.by_public_id(s, due.team_id, due.payload["referral"])
            if referral is None:
                return None  # forgotten since: nothing to say
            return ReferrerUpdate(
                candidate_name=referral.candidate.name,
                stage=due.payload["stage"],
                noted=bool(referral.note),
            )


def tell_referrers(s: Session, outbox: Outbox, team_id: str, candidate: Candidate) -> None:
    """Each referrer hears the candidate's current stage, once per change and in order: a stage
    is skipped only when it is the last thing this referrer was told (a double click, a snooze
    renewed), so snoozed, reactivated, contacted then archived still ends with "closed"."""
    stage = STAGES[candidate.status.value]
    subject = f"candidate:{candidate.public_id}"
    for referral in referrals.for_candidate(s, candidate.id):
        base = f"update:{referral.public_id}"
        # The caller changed the candidate's row first: on PostgreSQL a concurrent change
        # waits on that row lock, then reads what this one told.
        told = deliveries.latest_keyed(s, team_id, subject, base)
        if told and told[0].payload.get("stage") == stage:
            continue
        outbox.notice(
            s,
            team_id=team_id,
            recipient=referral.referrer_id,
            subject=subject,
            # Numbered: the same stage may be told again later (reviewing after a snooze);
            # two copies of one click compute the same number and the second is dropped.
            dedupe_key=f"{base}:{len(told)}",
            payload={"render": "referrer_update", "referral": referral.public_id, "stage": stage},
        )


# The copies of a candidate's card, by dedupe key: an SLA nudge is a copy of the card with a
# nudge on top, kept current like the card.
_COPIES = {"card:": "recruiter_card", "hm:": "hm_card", "sla:": "sla_card"}


def card_edits(s: Session, team_id: str, candidate: str, change: str) -> list[Queued]:
    """An edit of every card already queued for the candidate, so each shows the current state
    (`change` names the change and makes the edit's dedupe key unique), for `Outbox.add_all`."""
    subject = f"candidate:{candidate}"
    found = deliveries.keys_like(s, team_id, subject, *_COPIES)  # one statement for the three
    return [
        Queued(
            team_id,
            recipient,
            subject,
            f"edit:{key}:{change}",
            {"render": render, "candidate": candidate, "edit": key},
        )
        for prefix, render in _COPIES.items()  # cards, the hiring managers', then the nudges
        for recipient, key in found
        if key.startswith(prefix)
    ]


def refresh_cards(s: Session, outbox: Outbox, team_id: str, candidate: str, change: str) -> None:
    """Queue an edit of every card already queued for the candidate (`card_edits`)."""
    outbox.add_all(s, card_edits(s, team_id, candidate, change))
