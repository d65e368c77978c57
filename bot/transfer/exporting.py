"""Everything a team holds, as CSV or JSON (the JSON document is the backup format).

The JSON document (version 2) is one object: ``format`` ("refbot"), ``version``, ``exported_at``,
``team_id``, ``settings``, then the lists ``members``, ``templates``, ``roles``, ``sessions``,
``candidates`` and ``rewards`` (referral rewards, issue 17), one item a line. A candidate holds
her other emails and links (``contacts``; the primary ones are ``email`` and ``profile_url``),
referrals, intros, outreach, notes, status history (``history``: the audit lines about them) and
the reminders still to come (``reminders``). Rows are named by public id; people by Slack id (and
display name where one is known). Inside ``history`` details and ``reminders`` payloads, ``note``
and ``outreach`` are positions in the candidate's own ``notes`` and ``outreach`` lists, not
database ids. A role and the settings carry their ``reward`` (amount in minor units, ISO 4217
currency, days), or null.

Between templates and roles come the role roundups: ``roundups`` (where and when roles are
posted, the thank-you channel; null when never set), and the lists ``roundup_preferences``
(each person's choices) and ``roundup_posts`` (the last days' posts and those still to go out,
so a restored copy posts none twice). A document written before roundups existed has none of
the three, and restores all the same.

The CSV is one row a candidate: refbot's import columns first, then the lists as JSON cells; the
roles and sessions its referrals name travel in ``roles_json`` and ``sessions_json``. What no
candidate refers to (members, settings, templates, roundups, a role nobody was referred to, a
session nobody contributed to, rewards) is only in the JSON document.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import IO, Any, Literal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from bot import clock as default_clock
from bot.clock import Clock
from bot.transfer.cells import escape
from bot.transfer.records import BATCH
from storage.db import Sessions
from storage.models import (
    AuditLog,
    Candidate,
    CandidateContact,
    Delivery,
    ForgottenContact,
    IntroRequest,
    Member,
    Note,
    Outreach,
    Referral,
    Reward,
    Role,
    RoundupPreference,
    RoundupSettings,
    Settings,
    SourcingSession,
    Template,
)
from storage.types import DeliveryKind, DeliveryStatus

FORMAT, VERSION = "refbot", 2

CSV_COLUMNS = (
    *("name", "email", "profile_url", "company", "headline", "tags", "status", "notes"),
    *("public_id", "source", "owner_id", "consent", "created_at", "last_activity_at"),
    *("archived_at", "referrals_json", "notes_json", "outreach_json", "intros_json"),
    *("history_json", "reminders_json", "contacts_json", "roles_json", "sessions_json"),
)

# What is still to come about a candidate (or an intro of theirs) and must survive a move; the
# rest of the outbox is messages already sent, or edits of them.
CANDIDATE_REMINDERS = (
    DeliveryKind.SNOOZE_END,
    DeliveryKind.FOLLOW_UP,
    DeliveryKind.INTRO_NUDGE,
    DeliveryKind.SLA_NUDGE,
    DeliveryKind.REWARD,  # a referral reward's "now due" DM (bot.services.rewards)
)
SETTINGS_FIELDS = (
    *("followup_first_days", "followup_second_days", "snooze_default_months"),
    *("sla_business_days", "credit_window_months", "retention_months", "locale", "timezone"),
)
# Payload and detail keys that hold a row id of the candidate's notes or outreach.
ROW_REFERENCES = {"note": "notes", "outreach": "outreach"}
# Roundup and thank-you posts (bot.services.roundups, .recognition) by the first word of their
# dedupe key, "word:team_id:…": a post's key is what keeps it from being queued twice.
ROUNDUP_POSTS = ("roundup", "roundup_dm", "role-opened", "recognition")
# How long a post's key still matters: a new role is announced up to 2 days late
# (roundups.ANNOUNCE_WITHIN), a weekly roundup or a thank-you up to a day late.
ROUNDUP_POSTS_WITHIN = timedelta(days=2)


def export_candidates(
    sessions: Sessions,
    *,
    team_id: str,
    fmt: Literal["csv", "json"],
    out: IO[str],
    clock: Clock = default_clock.now,
) -> int:
    """Write everything the team holds (JSON) or every candidate with what is theirs (CSV);
    the number of candidates."""
    with sessions.read_transaction() as s:  # one moment of the team, however long it reads
        if fmt == "json":
            return _write_json(s, team_id, clock(), out)
        return _write_csv(s, team_id, out)


# -- reading, BATCH rows at a time -------------------------------------------------------------


def _batches(s: Session, query: Select[Any], key: Any) -> Iterator[list[Any]]:
    """The rows of `query` by ascending `key` (an integer primary key), BATCH at a time; the
    session forgets each batch before the next (memory stays flat)."""
    after = 0
    while batch := s.scalars(query.where(key > after).order_by(key).limit(BATCH)).all():
        yield list(batch)
        after = batch[-1].id
        s.expunge_all()


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()


def _names(s: Session, team_id: str) -> dict[str, str]:
    """Display names of the workspace's people by Slack id (one row each, a few thousand)."""
    rows = s.execute(
        select(Member.user_id, Member.display_name).where(
            Member.team_id == team_id, Member.display_name.is_not(None)
        )
    ).all()
    return {user: name for user, name in rows}


def _grouped(rows: Iterable[Any]) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = {}
    for key, *rest in rows:
        grouped.setdefault(key, []).append(rest[0] if len(rest) == 1 else tuple(rest))
    return grouped


def role_record(role: Role) -> dict[str, Any]:
    return {
        "public_id": role.public_id,
        "title": role.title,
        "team": role.team_name,
        "hiring_manager": role.hiring_manager_id,
        "recruiter": role.recruiter_id,
        "status": role.status.value,
        "ideal_profile": role.ideal_profile,
        "created_at": _iso(role.created_at),
        "opened_at": _iso(role.opened_at),
        "closed_at": _iso(role.closed_at),
        "reward": _rule(role),
    }


def _rule(found: Role | Settings) -> dict[str, Any] | None:
    """A role's or the workspace's referral reward (amount in minor units), None: none."""
    if found.reward_amount is None:
        return None
    return {
        "amount": found.reward_amount,
        "currency": found.reward_currency,
        "days": found.reward_days,
    }


def reward_record(reward: Reward, refs: dict[str, dict[int, str]]) -> dict[str, Any]:
    """A referral reward; its candidate, referral and role by public id (None once gone)."""
    return {
        "public_id": reward.public_id,
        "candidate": refs["candidates"].get(reward.candidate_id or 0),
        "referral": refs["referrals"].get(reward.referral_id or 0),
        "role": refs["roles"].get(reward.role_id or 0),
        "referrer": reward.referrer_id,
        "amount": reward.amount,
        "currency": reward.currency,
        "days": reward.days,
        "started_on": reward.started_on.isoformat(),
        "payable_on": reward.payable_on.isoformat(),
        "payable_at": _iso(reward.payable_at),
        "status": reward.status.value,
        "hired_at": _iso(reward.hired_at),
        "paid_at": _iso(reward.paid_at),
        "paid_by": reward.paid_by,
        "cancelled_at": _iso(reward.cancelled_at),
        "created_at": _iso(reward.created_at),
    }


def session_record(
    session: SourcingSession, role: str | None, reminders: list[Delivery]
) -> dict[str, Any]:
    return {
        "public_id": session.public_id,
        "channel": session.channel_id,
        "role": role,
        "owner": session.owner_id,
        "goal": session.goal,
        "starts_at": _iso(session.starts_at),
        "ends_at": _iso(session.ends_at),
        "ended_at": _iso(session.ended_at),
        "prompt": session.prompt,
        "status": session.status.value,
        "card_ts": session.card_ts,
        # Its end (the channel's thanks, the summaries) when it is still running.
        "reminders": [_reminder(d, {}) for d in reminders],
    }


def _reminder(d: Delivery, positions: dict[str, dict[int, int]]) -> dict[str, Any]:
    return {
        "kind": d.kind.value,
        "subject": d.subject,
        "recipient": d.recipient,
        "due_at": _iso(d.due_at),
        "created_at": _iso(d.created_at),
        "payload": _positions(d.payload, positions),
        "dedupe_key": d.dedupe_key,
    }


def _positions(values: dict[str, Any], positions: dict[str, dict[int, int]]) -> dict[str, Any]:
    """`values` with the note and outreach row ids it names made positions in the candidate's
    lists (None when the row is gone)."""
    named = {
        key: positions.get(ROW_REFERENCES[key], {}).get(value)
        for key, value in values.items()
        if key in ROW_REFERENCES and isinstance(value, int)
    }
    return {**values, **named}


def _pending(s: Session, team_id: str, subjects: list[str], kinds: Iterable[DeliveryKind]) -> Any:
    return s.execute(
        select(Delivery.subject, Delivery)
        .where(
            Delivery.team_id == team_id,
            Delivery.subject.in_(subjects),
            Delivery.kind.in_(list(kinds)),
            Delivery.status == DeliveryStatus.PENDING,
        )
        .order_by(Delivery.due_at, Delivery.id)
    )


def _roles(s: Session, team_id: str) -> Iterator[dict[str, Any]]:
    for batch in _batches(s, select(Role).where(Role.team_id == team_id), Role.id):
        yield from (role_record(r) for r in batch)


def _rewards(s: Session, team_id: str) -> Iterator[dict[str, Any]]:
    """Every referral reward, after the candidates, referrals and roles they name."""
    batches = _batches(s, select(Reward).where(Reward.team_id == team_id), Reward.id)
    for batch in batches:
        refs = {
            name: dict(s.execute(select(model.id, model.public_id).where(model.id.in_(ids))).all())
            for name, model, ids in (
                ("candidates", Candidate, {r.candidate_id for r in batch}),
                ("referrals", Referral, {r.referral_id for r in batch}),
                ("roles", Role, {r.role_id for r in batch}),
            )
        }
        yield from (reward_record(r, refs) for r in batch)


def _sessions(s: Session, team_id: str) -> Iterator[dict[str, Any]]:
    query = select(SourcingSession).where(SourcingSession.team_id == team_id)
    for batch in _batches(s, query, SourcingSession.id):
        yield from _session_records(s, team_id, batch)


def _session_records(
    s: Session, team_id: str, batch: list[SourcingSession]
) -> list[dict[str, Any]]:
    role_ids = {x.role_id for x in batch if x.role_id is not None}
    roles = dict(s.execute(select(Role.id, Role.public_id).where(Role.id.in_(role_ids))).all())
    subjects = [f"session:{x.public_id}" for x in batch]
    ends = _grouped(_pending(s, team_id, subjects, [DeliveryKind.SESSION_END]))
    return [
        session_record(x, roles.get(x.role_id), ends.get(f"session:{x.public_id}", []))
        for x in batch
    ]


def _templates(s: Session, team_id: str) -> Iterator[dict[str, Any]]:
    for batch in _batches(s, select(Template).where(Template.team_id == team_id), Template.id):
        for t in batch:
            yield {
                "name": t.name,
                "variant": t.variant,
                "locale": t.locale,
                "subject": t.subject,
                "body": t.body,
                "active": t.active,
                "created_at": _iso(t.created_at),
            }


def _members(s: Session, team_id: str) -> Iterator[dict[str, Any]]:
    for batch in _batches(s, select(Member).where(Member.team_id == team_id), Member.id):
        for m in batch:
            yield {
                "user_id": m.user_id,
                "name": m.display_name,
                "is_recruiter": m.is_recruiter,
                "is_admin": m.is_admin,
                "tz": m.tz,
                "locale": m.locale,
            }


def _settings(s: Session, team_id: str) -> dict[str, Any] | None:
    """The workspace's saved settings; None when an admin never changed the defaults."""
    found = s.scalar(select(Settings).where(Settings.team_id == team_id))
    if found is None:
        return None
    return {
        **{name: getattr(found, name) for name in SETTINGS_FIELDS},
        "updated_at": _iso(found.updated_at),
        "reward": _rule(found),
    }


# -- role roundups and thank-you posts -----------------------------------------------------------


def _roundups_out(s: Session, team_id: str) -> dict[str, Any] | None:
    """Where and when roles are posted, and the thank-you channel; None when never saved."""
    found = s.scalar(select(RoundupSettings).where(RoundupSettings.team_id == team_id))
    if found is None:
        return None
    return {
        "channels": list(found.channels or ()),
        "weekday": found.weekday,
        "hour": found.hour,
        # Kept as it is: roles opened before it were never to be announced.
        "announce_since": _iso(found.announce_since),
        "recognition_channel": found.recognition_channel,
        "updated_at": _iso(found.updated_at),
    }


def _roundup_preferences_out(s: Session, team_id: str) -> Iterator[dict[str, Any]]:
    """Each person's DM roundup (its team and keywords kept when they stopped it) and whether
    thank-you posts may name them."""
    query = select(RoundupPreference).where(RoundupPreference.team_id == team_id)
    for batch in _batches(s, query, RoundupPreference.id):
        for p in batch:
            yield {
                "user_id": p.user_id,
                "dm": p.dm,
                "dm_team": p.dm_team,
                "dm_keywords": p.dm_keywords,
                "unnamed": p.unnamed,
                "updated_at": _iso(p.updated_at),
            }


def _roundup_posts_out(s: Session, team_id: str, now: datetime) -> Iterator[dict[str, Any]]:
    """The posts of the last days, and any still to make: restored, their keys keep this
    week's roundup, a role already announced or this month's thank-you from going out again."""
    query = select(Delivery).where(
        Delivery.team_id == team_id,
        Delivery.kind == DeliveryKind.NOTICE,
        (Delivery.created_at >= now - ROUNDUP_POSTS_WITHIN)
        | Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]),
        or_(
            *(
                Delivery.dedupe_key.startswith(f"{word}:{team_id}:", autoescape=True)
                for word in ROUNDUP_POSTS
            )
        ),
    )
    for batch in _batches(s, query, Delivery.id):
        for d in batch:
            yield {
                "dedupe_key": d.dedupe_key,
                "subject": d.subject,
                "recipient": d.recipient,
                "status": d.status.value,
                "due_at": _iso(d.due_at),
                "created_at": _iso(d.created_at),
                "sent_at": _iso(d.sent_at),
                "payload": d.payload,
            }


def _candidates(s: Session, team_id: str, *, with_roles: bool = False) -> Iterator[dict[str, Any]]:
    """Candidates oldest first, each with everything that is theirs. `with_roles`: the roles and
    sessions their referrals name, whole (the CSV has nowhere else to put them)."""
    names = _names(s, team_id)
    query = select(Candidate).where(Candidate.team_id == team_id)
    for batch in _batches(s, query, Candidate.id):
        yield from _Batch(s, team_id, batch, names).records(with_roles=with_roles)


class _Batch:
    """The rows that belong to one batch of candidates, read in one query a table."""

    def __init__(
        self, s: Session, team_id: str, batch: list[Candidate], names: dict[str, str]
    ) -> None:
        self.s, self.team_id, self.batch, self.names = s, team_id, batch, names
        ids = [c.id for c in batch]
        self.referrals = _grouped(
            s.execute(
                select(Referral.candidate_id, Referral)
                .where(Referral.candidate_id.in_(ids))
                .order_by(Referral.created_at, Referral.id)
            )
        )
        role_ids = {r.role_id for rs in self.referrals.values() for r in rs if r.role_id}
        session_ids = {r.session_id for rs in self.referrals.values() for r in rs if r.session_id}
        self.roles = {r.id: r for r in s.scalars(select(Role).where(Role.id.in_(role_ids)))}
        self.sessions = {
            x.id: x
            for x in s.scalars(select(SourcingSession).where(SourcingSession.id.in_(session_ids)))
        }
        self.notes = _grouped(
            s.execute(
                select(Note.candidate_id, Note)
                .where(Note.candidate_id.in_(ids))
                .order_by(Note.created_at, Note.id)
            )
        )
        self.outreach = _grouped(
            s.execute(
                select(Outreach.candidate_id, Outreach, Template)
                .outerjoin(Template, Outreach.template_id == Template.id)
                .where(Outreach.candidate_id.in_(ids))
                .order_by(Outreach.created_at, Outreach.id)
            )
        )
        self.intros = _grouped(
            s.execute(
                select(IntroRequest.candidate_id, IntroRequest)
                .where(IntroRequest.candidate_id.in_(ids))
                .order_by(IntroRequest.created_at, IntroRequest.id)
            )
        )
        subjects = [f"candidate:{c.public_id}" for c in batch]
        self.history = _grouped(
            s.execute(
                select(AuditLog.subject, AuditLog)
                .where(AuditLog.team_id == team_id, AuditLog.subject.in_(subjects))
                .order_by(AuditLog.id)
            )
        )
        intro_subjects = [f"intro:{i.public_id}" for its in self.intros.values() for i in its]
        self.reminders = _grouped(
            _pending(s, team_id, subjects + intro_subjects, CANDIDATE_REMINDERS)
        )
        self.contacts = _grouped(
            s.execute(
                select(CandidateContact.candidate_id, CandidateContact)
                .where(CandidateContact.candidate_id.in_(ids))
                .order_by(CandidateContact.id)
            )
        )

    def records(self, *, with_roles: bool) -> Iterator[dict[str, Any]]:
        sessions: dict[int, dict[str, Any]] = {}
        if with_roles:
            found = _session_records(self.s, self.team_id, list(self.sessions.values()))
            sessions = dict(zip(self.sessions, found, strict=True))
        for c in self.batch:
            record = self._record(c)
            if with_roles:
                refs = self.referrals.get(c.id, [])
                roles = dict.fromkeys(r.role_id for r in refs if r.role_id)
                named = dict.fromkeys(r.session_id for r in refs if r.session_id)
                record["roles"] = [role_record(self.roles[r]) for r in roles if r is not None]
                record["sessions"] = [sessions[x] for x in named if x is not None]
            yield record

    def _record(self, c: Candidate) -> dict[str, Any]:
        refs = self.referrals.get(c.id, [])
        notes = self.notes.get(c.id, [])
        outreach = self.outreach.get(c.id, [])
        intros = self.intros.get(c.id, [])
        positions = {
            "notes": {n.id: i for i, n in enumerate(notes)},
            "outreach": {o.id: i for i, (o, _) in enumerate(outreach)},
        }
        subjects = [f"candidate:{c.public_id}", *(f"intro:{i.public_id}" for i in intros)]
        reminders = [d for subject in subjects for d in self.reminders.get(subject, [])]
        referral_ids = {r.id: r.public_id for r in refs}
        return {
            "public_id": c.public_id,
            "name": c.name,
            "email": c.email,
            "profile_url": c.profile_url,
            "contacts": [  # her other emails and links
                {"kind": x.kind.value, "value": x.value, "created_at": _iso(x.created_at)}
                for x in self.contacts.get(c.id, [])
            ],
            "company": c.company,
            "headline": c.headline,
            "tags": [tag for tag in (t.strip() for t in c.tags.split(",")) if tag],
            "status": c.status.value,
            "source": c.source.value,
            "owner_id": c.owner_id,
            "consent": c.consent,
            "created_at": _iso(c.created_at),
            "last_activity_at": _iso(c.last_activity_at),
            "archived_at": _iso(c.archived_at),
            "referrals": [self._referral(r) for r in refs],
            "intros": [
                {
                    "public_id": i.public_id,
                    "referral": referral_ids.get(i.referral_id),
                    "recruiter": i.recruiter_id,
                    "referrer": i.referrer_id,
                    "status": i.status.value,
                    "draft": i.draft,
                    "created_at": _iso(i.created_at),
                    "answered_at": _iso(i.answered_at),
                }
                for i in intros
            ],
            "outreach": [
                {
                    "template": None
                    if t is None
                    else {"name": t.name, "variant": t.variant, "locale": t.locale},
                    "variant": o.variant,
                    "channel": o.channel.value,
                    "recruiter": o.recruiter_id,
                    "sent_at": _iso(o.sent_at),
                    "replied_at": _iso(o.replied_at),
                    "created_at": _iso(o.created_at),
                }
                for o, t in outreach
            ],
            "notes": [
                {
                    "kind": n.kind.value,
                    "body": n.body,
                    "author": n.author_id,
                    "created_at": _iso(n.created_at),
                }
                for n in notes
            ],
            "history": [
                {
                    "action": a.action,
                    "by": a.actor_id,
                    "at": _iso(a.created_at),
                    "detail": _positions(a.detail, positions),
                }
                for a in self.history.get(f"candidate:{c.public_id}", [])
            ],
            "reminders": [_reminder(d, positions) for d in reminders],
        }

    def _referral(self, r: Referral) -> dict[str, Any]:
        role = self.roles.get(r.role_id) if r.role_id else None
        session = self.sessions.get(r.session_id) if r.session_id else None
        return {
            "public_id": r.public_id,
            "referrer": r.referrer_id,
            "referrer_name": self.names.get(r.referrer_id),
            "role": None if role is None else {"public_id": role.public_id, "title": role.title},
            "relationship": r.relationship,
            "strength": r.strength.value if r.strength else None,
            "candidate_knows": r.candidate_knows,
            "can_intro": r.can_intro,
            "note": r.note,
            "session": None if session is None else session.public_id,
            "credited": r.credited,
            "created_at": _iso(r.created_at),
        }


# -- writing -----------------------------------------------------------------------------------


def _write_json(s: Session, team_id: str, now: datetime, out: IO[str]) -> int:
    """One JSON object; each list item on a line of its own, written as it is read."""
    head = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.isoformat(),
        "team_id": team_id,
        "settings": _settings(s, team_id),
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1])  # the object stays open
    _write_list(out, "members", _members(s, team_id))
    _write_list(out, "templates", _templates(s, team_id))
    _write_roundups(s, team_id, now, out)
    _write_list(out, "roles", _roles(s, team_id))
    _write_list(out, "sessions", _sessions(s, team_id))
    count = _write_list(out, "candidates", _candidates(s, team_id))
    _write_list(out, "rewards", _rewards(s, team_id))
    _write_list(out, "forgotten", _forgotten(s, team_id))
    out.write("\n}\n")
    return count


def _forgotten(s: Session, team_id: str) -> Iterator[dict[str, Any]]:
    """Who was forgotten on request, as digests only: a restored copy keeps them forgotten."""
    rows = s.scalars(
        select(ForgottenContact)
        .where(ForgottenContact.team_id == team_id)
        .order_by(ForgottenContact.id)
    )
    for row in rows:
        yield {"digest": row.digest, "at": row.created_at.isoformat()}


def _write_roundups(s: Session, team_id: str, now: datetime, out: IO[str]) -> None:
    out.write(f',\n"roundups": {json.dumps(_roundups_out(s, team_id), ensure_ascii=False)}')
    _write_list(out, "roundup_preferences", _roundup_preferences_out(s, team_id))
    _write_list(out, "roundup_posts", _roundup_posts_out(s, team_id, now))


def _write_list(out: IO[str], key: str, items: Iterable[dict[str, Any]]) -> int:
    out.write(f',\n"{key}": [')
    count = 0
    for count, item in enumerate(items, start=1):
        out.write(("\n" if count == 1 else ",\n") + json.dumps(item, ensure_ascii=False))
    out.write("\n]" if count else "]")
    return count


def _write_csv(s: Session, team_id: str, out: IO[str]) -> int:
    """refbot's import columns first, then everything else (JSON text for the lists)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in _candidates(s, team_id, with_roles=True):
        count += 1
        cells = {
            **record,
            "tags": ", ".join(record["tags"]),
            "notes": "\n\n".join(note["body"] for note in record["notes"]),
            "consent": "yes" if record["consent"] else "no",
            **{f"{key}_json": _json_cell(record[key]) for key in JSON_CELLS},
        }
        writer.writerow(escape(cells[column]) for column in CSV_COLUMNS)
    return count


JSON_CELLS = (
    *("referrals", "notes", "outreach", "intros", "history", "reminders", "contacts"),
    *("roles", "sessions"),
)


def _json_cell(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False) if items else ""
