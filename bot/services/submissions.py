"""Referral modals saved after the ack (issue 15).

The ack checks what the form alone can tell (a missing name, a bad email: errors beside the
fields, nothing saved) and queues the rest as one SUBMISSION delivery, in one INSERT keyed by
the request's retry key (a copy of the request queues nothing); the modal says "saving…". The
dispatcher then saves it, exactly as the ack used to (dedupe, credit, cards and receipts in one
transaction), and shows the outcome in the same modal (views.update): saved, already known to
the team, the session it joined, or the form again with the person's input, what to fix, and a
way to submit again.

Exactly once, across crashes and replicas: the save's transaction also records the row's own
key, so a row run again (its lease lapsed after the commit) saves nothing twice; the outcome is
written to the row before the modal is updated, so a retried update shows the same outcome.
"""

import logging
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.clock import Clock
from bot.outbox import Due, Outbox, Queued
from bot.services.cvs import CvUpload
from bot.services.intros import Intros
from bot.services.members import Members
from bot.services.referrals import ReferralForm, ReferralResult, Referrals, check
from bot.services.requests import AlreadyHandled, Requests
from bot.services.sourcing import AddResult, Sourcing
from storage.db import UNREACHABLE, Sessions, once_more_if_dropped
from storage.repositories import candidates, deliveries
from storage.types import DeliveryKind

log = logging.getLogger("refbot.submissions")
# A save the database keeps failing (its connection dropped again and again) is tried again
# for this long after the ack; then the person gets the form back, to submit again.
SAVE_PATIENCE = timedelta(seconds=20)


class Use(StrEnum):
    """Which use case a referral modal's submission goes to."""

    REFER = "refer"
    INTRO = "intro"  # /intro: a referral with the intro already offered
    SESSION = "session"  # a contact added to a sourcing session


@dataclass(frozen=True)
class Accepted:
    locale: str
    errors: dict[str, str] = field(default_factory=dict)  # block_id -> code: nothing queued


@dataclass(frozen=True)
class Outcome:
    """What the modal shows once the submission was handled."""

    use: Use
    locale: str
    referral: ReferralResult | None = None  # saved (or known already): refer and intro
    added: AddResult | None = None  # a sourcing session's contact
    errors: dict[str, str] = field(default_factory=dict)  # what to fix (nothing saved)
    failed: bool = False  # refbot could not save it: the form again, to submit again
    received: bool = False  # saved before a crash, outcome unknown: it is with the team


class Modals(Protocol):
    """Where an outcome is shown (bot.slack_views on Slack): False when the modal is closed;
    raises SendError classified like a message send. `submitted` is the modal as submitted
    (its blocks and state), to show the form again with the person's input."""

    def show(
        self, team_id: str, view_id: str, submitted: dict[str, Any], outcome: Outcome
    ) -> bool: ...


class Submissions:
    def __init__(
        self,
        *,
        sessions: Sessions,
        outbox: Outbox,
        clock: Clock,
        members: Members,
        requests: Requests,
        referrals: Referrals,
        intros: Intros,
        sourcing: Sourcing,
        modals: Modals | None = None,
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock
        self.members = members
        self.requests = requests
        self.referrals = referrals
        self.intros = intros
        self.sourcing = sourcing
        self.modals = modals

    def accept(
        self,
        *,
        team_id: str,
        user_id: str,
        use: Use,
        form: ReferralForm,
        view_id: str,
        submitted: dict[str, Any],
        request: str = "",
        session: str = "",
    ) -> Accepted:
        """Errors the form alone shows, or the submission queued to be saved after the ack.
        `request` is the key every copy of the request shares (its trigger id): a later copy
        queues nothing and raises AlreadyHandled."""
        locale = self.members.locale(team_id=team_id, user_id=user_id)
        if errors := check(form, referrer_id=user_id):
            return Accepted(locale=locale, errors=errors)
        payload = {
            "use": use.value,
            "session": session,
            "view_id": view_id,
            "form": asdict(form),
            "submitted": submitted,
        }
        queued = Queued(
            team_id=team_id,
            recipient=user_id,
            subject=f"submission:{view_id}",
            # The request's retry key: one statement for the ack, which a copy cannot repeat.
            dedupe_key=f"submission:{view_id}:{request or uuid.uuid4().hex}",
            payload=payload,
            kind=DeliveryKind.SUBMISSION,
        )

        def write() -> int:
            with self.sessions.begin() as s:
                return self.outbox.add_all(s, [queued])

        if not once_more_if_dropped(write):
            raise AlreadyHandled(queued.dedupe_key)
        return Accepted(locale=locale)

    def send(self, due: Due) -> bool:
        """The dispatcher's call for a SUBMISSION row: save it (once), then show the outcome;
        False when the modal was closed meanwhile (what was saved stays saved)."""
        if self.modals is None:
            raise AssertionError("no modals port in this process")
        if "outcome" in due.payload:  # saved by an earlier run: show what it kept
            payload = due.payload
            outcome = self._named(due.team_id, _loaded(payload["outcome"]))
        else:
            payload, outcome = self._saved(due)
        submitted = payload.get("submitted") or {}
        return self.modals.show(due.team_id, payload["view_id"], submitted, outcome)

    def _saved(self, due: Due) -> tuple[dict[str, Any], Outcome]:
        """Save the submission, then keep its outcome in the row for the modal's update and its
        retries; the form goes (the saved referral holds it), unless it is to be shown again."""
        outcome = self._save(due)
        if outcome.received and (earlier := self._outcome_of(due.id)) is not None:
            # A worker whose lease lapsed ran it first, and kept its outcome.
            return earlier, self._named(due.team_id, _loaded(earlier["outcome"]))
        payload = {k: v for k, v in due.payload.items() if k not in ("form", "submitted")}
        if outcome.errors or outcome.failed:
            payload["submitted"] = due.payload["submitted"]  # the form again, as they left it
        payload["outcome"] = _stored(outcome)
        if outcome.failed:  # nothing saved, nothing kept: a run once the database answers saves it
            return payload, outcome
        with self.sessions.begin() as s:
            deliveries.set_payload(s, due.id, payload)
        return payload, outcome

    def _outcome_of(self, delivery_id: int) -> dict[str, Any] | None:
        with self.sessions() as s:
            rows = deliveries.by_ids(s, [delivery_id])
            payload = dict(rows[0].payload) if rows else {}
        return payload if "outcome" in payload else None

    def _save(self, due: Due) -> Outcome:
        payload, team_id, user_id = due.payload, due.team_id, due.recipient
        use, form = Use(payload["use"]), _form(payload["form"])
        locale = self.members.locale(team_id=team_id, user_id=user_id)
        # This row's key rides in the use case's transaction: run again after a crash that
        # followed the commit, it saves nothing twice.
        self.requests.in_next_write(team_id=team_id, key=f"submission:{due.id}")
        try:
            if use is Use.SESSION:
                added = self.sourcing.add(
                    team_id=team_id, contributor_id=user_id, session=payload["session"], form=form
                )
                errors = added.referral.errors if added.referral else {}
                return Outcome(use=use, locale=added.locale, added=added, errors=errors)
            refer = self.intros.offer if use is Use.INTRO else self.referrals.refer
            result = refer(team_id=team_id, referrer_id=user_id, form=form)
            return Outcome(use=use, locale=result.locale, referral=result, errors=result.errors)
        except AlreadyHandled:
            return Outcome(use=use, locale=locale, received=True)
        except UNREACHABLE:
            if self.clock() - (due.created_at or due.due_at) < SAVE_PATIENCE:
                raise  # the dispatcher tries the row again in a few seconds
            log.warning("saving submission %s: the database still fails", due.id)
            return Outcome(use=use, locale=locale, failed=True)
        except Exception:
            log.exception("saving submission %s failed", due.id)
            return Outcome(use=use, locale=locale, failed=True)
        finally:
            self.requests.answered()

    def _named(self, team_id: str, outcome: Outcome) -> Outcome:
        """The candidate's name read at show time, not kept in the row: a forget in between
        leaves no name behind."""
        found = outcome.referral or (outcome.added.referral if outcome.added else None)
        if found is None or found.candidate_public_id is None:
            return outcome
        with self.sessions() as s:
            candidate = candidates.by_public_id(s, team_id, found.candidate_public_id)
            name = candidate.name if candidate is not None else ""
        named = replace(found, candidate_name=name)
        if outcome.added is not None:
            return replace(outcome, added=replace(outcome.added, referral=named))
        return replace(outcome, referral=named)


def _form(values: dict[str, Any]) -> ReferralForm:
    cvs = tuple(CvUpload(**cv) for cv in values.get("cvs") or ())
    return ReferralForm(**{**values, "cvs": cvs})


def _stored(outcome: Outcome) -> dict[str, Any]:
    """The outcome as the row keeps it, without the candidate's name (see `_named`)."""
    values = asdict(outcome)
    for result in (values.get("referral"), (values.get("added") or {}).get("referral")):
        if result:
            result["candidate_name"] = None
    return values


def _loaded(values: dict[str, Any]) -> Outcome:
    referral = values.get("referral")
    added = values.get("added")
    if added:
        inner = added.get("referral")
        added = AddResult(**{**added, "referral": ReferralResult(**inner) if inner else None})
    return Outcome(
        **{
            **values,
            "use": Use(values["use"]),
            "referral": ReferralResult(**referral) if referral else None,
            "added": added,
        }
    )
