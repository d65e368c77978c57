"""Referring someone: validate, dedupe, credit, and tell the recruiters (DESIGN.md section 7)."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import contacts
from bot.clock import Clock
from bot.outbox import Outbox, Queued
from bot.services import cvs
from bot.services.cards import card_edits, refresh_cards
from bot.services.cvs import CvUpload
from bot.services.members import Members
from bot.services.roles import RoleLine, Roles
from bot.timecalc import add_months, in_business_days
from storage.db import Sessions, once_more_if_dropped
from storage.models import Candidate, Note, Referral, Role
from storage.repositories import audit, candidates, members, referrals, roles, settings
from storage.types import CandidateSource, DeliveryKind, NoteKind, ReferralStrength, RoleStatus

ATS = "ats"  # the recipient of ATS deliveries (bot.services.ats.RECIPIENT; imported, a cycle)

RELATIONSHIPS = (
    "worked_together",
    "managed_them",
    "reported_to_them",
    "studied_together",
    "friend",
    "other",
)


@dataclass(frozen=True)
class ReferralForm:
    """What the referrer typed, as Slack gave it (nothing trusted yet)."""

    name: str | None
    email: str | None = None
    profile_url: str | None = None
    role: str | None = None  # role public id; None: a general referral
    relationship: str | None = None
    strength: str | None = None
    # Does the person know they are being referred? None: the referrer did not say (nothing
    # is assumed for them: a lead stays a lead, an unknown is not one).
    candidate_knows: bool | None = None
    can_intro: bool = False
    note: str | None = None
    cvs: tuple[CvUpload, ...] = ()  # the attached CV (the modal allows one): recruiters see it


@dataclass(frozen=True)
class ReferralPrefill:
    name: str | None = None
    email: str | None = None
    profile_url: str | None = None
    note: str | None = None
    role: str | None = None  # a role's public id, chosen already (a roundup's "Refer someone")


@dataclass(frozen=True)
class ReferralFormView:
    locale: str
    roles: tuple[RoleLine, ...]
    prefill: ReferralPrefill = field(default_factory=ReferralPrefill)


@dataclass(frozen=True)
class ReferralResult:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)  # block_id -> error code
    candidate_name: str | None = None
    candidate_public_id: str | None = None
    duplicate: bool = False  # already known to the team: say so, never who or the status
    lead: bool = False
    again: bool = False  # the same person added twice by the same contributor in a session
    yours: bool = False  # this referrer had referred them before
    noted: bool = False  # what they wrote this time is on the recruiter's card now


def check(form: ReferralForm, *, referrer_id: str) -> dict[str, str]:
    """What to fix on which field (block_id -> error code), from the form alone: what an ack
    can tell without the database. `Referrals.refer` checks it again, and what needs the
    team's data (a closed role)."""
    return _checked(form, referrer_id)[1]


def _checked(
    form: ReferralForm, referrer_id: str
) -> tuple[contacts.CleanContact | None, dict[str, str]]:
    clean, errors = contacts.validate_referral(
        name=form.name, email=form.email, profile_url=form.profile_url, note=form.note
    )
    if form.strength and form.strength not in {s.value for s in ReferralStrength}:
        errors["strength"] = "invalid_choice"
    if form.relationship and form.relationship not in RELATIONSHIPS:
        errors["relationship"] = "invalid_choice"
    if cv_error := cvs.check(form.cvs, referrer_id=referrer_id):
        errors[cvs.FIELD] = cv_error
    return clean, errors


class Referrals:
    def __init__(
        self,
        *,
        sessions: Sessions,
        members: Members,
        roles: Roles,
        outbox: Outbox,
        clock: Clock,
        ats_auto_push: Callable[[bool], bool] | None = None,
        ats_cv: Callable[..., bool] | None = None,
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.roles = roles
        self.outbox = outbox
        self.clock = clock
        # Whether a new referral goes to the workspace's ATS at once (bot.services.ats), decided
        # from the settings row read anyway: no statement of its own.
        self.ats_auto_push = ats_auto_push
        # Sends a CV a later referral brings to the ATS, where refbot put the candidate
        # (bot.services.ats.Ats.queue_cv, in this transaction).
        self.ats_cv = ats_cv

    def form(
        self,
        *,
        team_id: str,
        user_id: str,
        text: str = "",
        message: str = "",
        permalink: str | None = None,
        role: str | None = None,
    ) -> ReferralFormView:
        """What the referral modal offers: open roles, and fields pre-filled from what was typed
        after /refer or from the message a shortcut was used on."""
        prefill = ReferralPrefill()
        text = text.strip()
        if text:
            field_name = {"email": "email", "url": "profile_url"}.get(
                contacts.classify(text), "name"
            )
            prefill = ReferralPrefill(**{field_name: text})
        elif message or permalink:
            # `message` is plain text (Slack's markup already read). Room is left for the
            # permalink within the note's limit.
            note = message[: contacts.NOTE_MAX - 300] + (f"\n{permalink}" if permalink else "")
            prefill = ReferralPrefill(
                note=note.strip(),
                email=contacts.find_email(message),
                profile_url=contacts.find_profile_url(message),
            )
        roles = self.roles.referable(team_id=team_id)
        if role and any(r.public_id == role for r in roles):  # still open to referrals
            prefill = replace(prefill, role=role)
        return ReferralFormView(
            locale=self.members.locale(team_id=team_id, user_id=user_id),
            roles=roles,
            prefill=prefill,
        )

    def refer(
        self, *, team_id: str, referrer_id: str, form: ReferralForm, session_id: int | None = None
    ) -> ReferralResult:
        """Record a referral, or return field errors having saved nothing. In a sourcing
        session the session's summary replaces the per-referral cards and receipts."""
        locale = self.members.locale(team_id=team_id, user_id=referrer_id)
        clean, errors = _checked(form, referrer_id)
        if clean is None or errors:
            return ReferralResult(locale=locale, errors=errors)

        def write() -> ReferralResult:
            for attempt in range(3):
                try:
                    with self.sessions.begin() as s:
                        return self._record(
                            s, team_id, referrer_id, form, clean, locale, session_id
                        )
                except IntegrityError:
                    # Two people referred the same new contact at once (PostgreSQL lets both
                    # transactions look before either inserts): the loser retries and finds it.
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

        # A commit that landed unseen on a dropped connection makes the retry a copy of a
        # handled request (the submission row's key: bot.services.submissions).
        return once_more_if_dropped(write)

    def _record(
        self,
        s: Session,
        team_id: str,
        referrer_id: str,
        form: ReferralForm,
        clean: contacts.CleanContact,
        locale: str,
        session_id: int | None,
    ) -> ReferralResult:
        now = self.clock()
        role = roles.by_public_id(s, team_id, form.role) if form.role else None
        if role is not None and role.status == RoleStatus.CLOSED:
            return ReferralResult(locale=locale, errors={"role": "role_closed"})
        # Locked: a second referral of her at the same moment waits, then reads this one's
        # referral (the credit is decided once, and a reward is paid on it).
        candidate = candidates.find_duplicate(
            s, team_id, email=clean.email, profile_url=clean.profile_url, lock=True
        )
        duplicate = candidate is not None
        earlier = referrals.for_candidate(s, candidate.id) if candidate is not None else []
        if candidate is None:
            # Most referrals: written with Core statements compiled once, no ORM unit of work.
            candidate_id, public_id = candidates.insert_new(
                s,
                team_id=team_id,
                name=clean.name,
                email=clean.email,
                profile_url=clean.profile_url,
                source=CandidateSource.SOURCING_SESSION if session_id else CandidateSource.REFERRAL,
                owner_id=role.recruiter_id if role else None,
                last_activity_at=now,
                created_at=now,
                tags="",
            )
            name = clean.name
        elif mine := [r for r in earlier if r.referrer_id == referrer_id]:
            # The same person again (or Slack retrying): no second referral, but what they add
            # (a new note, an offer to introduce) reaches the recruiter's card.
            again = session_id is not None and any(r.session_id == session_id for r in mine)
            noted = self._add_to(s, team_id, candidate, mine[0], form, clean.note)
            if form.cvs and self._keep_cv(
                s, team_id, candidate.id, candidate.public_id, mine[0].public_id, form, None, True
            ):
                change = f"cv:{mine[0].public_id}"
                refresh_cards(s, self.outbox, team_id, candidate.public_id, change)
            return self._result(
                locale,
                candidate.name,
                candidate.public_id,
                duplicate=True,
                again=again,
                yours=True,
                noted=noted,
            )
        else:
            # Learn the contact detail the first referral lacked, when nobody else holds it. An
            # email match wins the lookup, so a candidate found without an email means nobody
            # has this one; a profile URL may be another candidate's (the email decided who).
            if clean.email and not candidate.email:
                candidate.email = clean.email
            if (
                clean.profile_url
                and not candidate.profile_url
                and candidates.find_duplicate(s, team_id, email=None, profile_url=clean.profile_url)
                is None
            ):
                candidate.profile_url = clean.profile_url
            candidate.last_activity_at = now
            candidate_id, public_id, name = candidate.id, candidate.public_id, candidate.name
        team = settings.referral_terms(s, team_id)  # read once: credit window, SLA, ATS push
        since = _months_ago(now, team.credit_window_months)  # credit is the first referrer's
        credited = not any(r.credited and r.created_at >= since for r in earlier)
        referral = referrals.insert_new(
            s,
            team_id=team_id,
            candidate_id=candidate_id,
            referrer_id=referrer_id,
            role_id=role.id if role else None,
            relationship=form.relationship,
            strength=ReferralStrength(form.strength) if form.strength else None,
            candidate_knows=form.candidate_knows,
            can_intro=form.can_intro,
            note=clean.note,
            session_id=session_id,
            credited=credited,
            created_at=now,
        )
        if form.cvs:  # a duplicate's cards are edited below (they list the new referrer)
            self._keep_cv(
                s,
                team_id,
                candidate_id,
                public_id,
                referral,
                form,
                None if duplicate else role,
                duplicate,
            )
        if session_id is None:
            self._announce(
                s,
                team_id,
                public_id,
                referral,
                referrer_id,
                role,
                sla_days=team.sla_business_days,
                duplicate=duplicate,
                to_ats=not duplicate
                and self.ats_auto_push is not None
                and self.ats_auto_push(team.ats_auto_push),
            )
        elif duplicate:  # the session's summary lists it; cards sent before show it too
            refresh_cards(s, self.outbox, team_id, public_id, referral)
        audit.record(
            s,
            team_id=team_id,
            actor_id=referrer_id,
            action="referral.create",
            subject=f"candidate:{public_id}",
            at=now,
            duplicate=duplicate,
        )
        return self._result(
            locale,
            name,
            public_id,
            duplicate=duplicate,
            lead=form.candidate_knows is False,
            noted=clean.note is not None,
        )

    def _add_to(
        self,
        s: Session,
        team_id: str,
        candidate: Candidate,
        referral: Referral,
        form: ReferralForm,
        note: str | None,
    ) -> bool:
        """What a referrer adds by referring someone again; whether their note was kept. Nothing
        they said before is weakened: an offer to introduce stays, and "they don't know" stays
        (only an unanswered question gets their answer now)."""
        changes: list[str] = []
        now = self.clock()
        said = {referral.note, *(n.body for n in referrals.referrer_notes(s, candidate.id))}
        if note is not None and note not in said:  # Slack retrying sends the same text
            written = candidates.add_note(
                s,
                Note(
                    team_id=team_id,
                    candidate_id=candidate.id,
                    author_id=referral.referrer_id,
                    kind=NoteKind.NOTE,
                    body=note,
                    created_at=now,
                ),
            )
            changes.append(f"note{written.id}")
        if form.can_intro and not referral.can_intro:
            referral.can_intro = True
            changes.append("intro")
        if form.candidate_knows is not None and referral.candidate_knows is None:
            referral.candidate_knows = form.candidate_knows
            changes.append("knows")
        if changes:
            candidate.last_activity_at = now
            change = f"{referral.public_id}:{'-'.join(changes)}"
            refresh_cards(s, self.outbox, team_id, candidate.public_id, change)
        return note is not None  # new, or the same words they gave before: on the card either way

    def _announce(
        self,
        s: Session,
        team_id: str,
        candidate: str,
        referral: str,
        referrer_id: str,
        role: Role | None,
        *,
        sla_days: int,
        duplicate: bool,
        to_ats: bool = False,
    ) -> None:
        """Queue the recruiter cards, the hiring manager's card and the referrer's receipt, and
        the ATS push when it is automatic, in one INSERT (`candidate`, `referral`: public ids)."""
        subject = f"candidate:{candidate}"
        card = {"render": "recruiter_card", "candidate": candidate}
        # A duplicate: one card per recruiter, kept current (it now lists every referrer).
        queued = card_edits(s, team_id, candidate, referral) if duplicate else []
        now = self.clock()
        for recruiter, tz in self._recruiters(s, team_id, role):
            key = f"card:{candidate}:{recruiter}"
            queued.append(Queued(team_id, recruiter, subject, key, card))
            if not duplicate:  # unreviewed after N business days: one nudge
                queued.append(
                    Queued(
                        team_id,
                        recruiter,
                        subject,
                        f"sla:{candidate}:{recruiter}",
                        card,
                        kind=DeliveryKind.SLA_NUDGE,
                        due_at=in_business_days(now, sla_days, tz),
                    )
                )
        if role is not None and role.hiring_manager_id and not duplicate:
            hm_card = {"render": "hm_card", "candidate": candidate}
            key = f"hm:{candidate}:{role.public_id}"
            queued.append(Queued(team_id, role.hiring_manager_id, subject, key, hm_card))
        receipt = {
            "render": "referrer_update",
            "referral": referral,
            "stage": "known" if duplicate else "received",
        }
        key = f"update:{referral}:received"
        queued.append(Queued(team_id, referrer_id, subject, key, receipt))
        if to_ats:  # someone new to refbot: into the ATS (which may know her: bot.services.ats)
            push = {"referral": referral}
            key = f"ats_push:{referral}"
            queued.append(
                Queued(team_id, ATS, f"ats:{candidate}", key, push, kind=DeliveryKind.ATS_PUSH)
            )
        self.outbox.add_all(s, queued)

    def _keep_cv(
        self,
        s: Session,
        team_id: str,
        candidate_id: int,
        candidate: str,
        referral: str,
        form: ReferralForm,
        role: Role | None,
        known: bool,
    ) -> bool:
        """Keep the referral's CV and queue a copy to each recruiter of the candidate: those
        who hold a card (a duplicate), else those about to get one. Someone refbot knew may be
        in the ATS already: the CV goes there too (a new candidate's goes with her push)."""
        holders = [] if role is not None else cvs.card_recipients(s, team_id, candidate)
        recipients = holders or [r for r, _ in self._recruiters(s, team_id, role)]
        file = cvs.keep(
            s,
            self.outbox,
            team_id=team_id,
            candidate_id=candidate_id,
            candidate=candidate,
            referral=referral,
            cv=form.cvs[0],
            recipients=recipients,
            clock=self.clock,
        )
        if file is not None and known and self.ats_cv is not None:
            self.ats_cv(
                s,
                team_id=team_id,
                candidate_id=candidate_id,
                candidate=candidate,
                referral=referral,
                file=file,
            )
        return file is not None

    def _recruiters(self, s: Session, team_id: str, role: Role | None) -> list[tuple[str, str]]:
        """The role's recruiter, or every recruiter for a general referral, with their time
        zones."""
        if role is not None:
            known = members.get(s, team_id, role.recruiter_id)
            return [(role.recruiter_id, (known.tz if known else None) or self.members.default_tz)]
        # REFBOT_RECRUITERS only seeds: someone an admin removed stays removed.
        return self.members.recruiters_with_tz(s, team_id=team_id)

    @staticmethod
    def _result(
        locale: str,
        name: str,
        public_id: str,
        *,
        duplicate: bool,
        noted: bool,
        lead: bool = False,
        again: bool = False,
        yours: bool = False,
    ) -> ReferralResult:
        return ReferralResult(
            locale=locale,
            candidate_name=name,
            candidate_public_id=public_id,
            duplicate=duplicate,
            lead=lead,
            again=again,
            yours=yours,
            noted=noted,
        )


def _months_ago(now: datetime, months: int) -> datetime:
    return datetime.combine(add_months(now.date(), -months), now.timetz())
