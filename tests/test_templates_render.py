"""Every template, in both languages, with edge values (0, 1, 2, a big number, long names):
it renders, French output has no English left in it, plurals agree, numbers and dates are the
reader's, no stored code reaches anyone, and every modal title fits in Slack's 24 characters.

A new template needs its samples here (`SAMPLES`): that is how this test keeps covering all.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace as ns
from typing import Any, get_type_hints

import pytest
from jinja2 import Undefined, meta

from bot import i18n, rendering
from bot.ids import View
from bot.rendering.blocks import MODAL_TITLE
from bot.services.admin import BOUNDS, AdminResult, AdminView
from bot.services.members import Audience
from bot.services.outreach import ReachOutForm, ReachOutResult
from bot.services.privacy import ForgetDone, ForgetPreview
from bot.services.referrals import ReferralFormView, ReferralResult
from bot.services.roles import RoleForm, RoleLine
from bot.services.roundups import RoundupChoices, RoundupSettingsResult, RoundupSettingsView
from bot.services.snoozes import SnoozeResult
from bot.services.sourcing import AddResult, StartForm
from bot.services.submissions import Outcome, Use
from storage.types import CandidateStatus, DeliveryKind, OutreachChannel

NOW = datetime(2026, 11, 5, 8, 0, tzinfo=UTC)  # a Thursday, 09:00 in Paris
SHORT = "Ada Lovelace"
LONG = "Marie-Éléonore de La Tour d'Auvergne-Lauraguais y Montmorency-Laval"
ROLE = "Ingeniería de Plataforma Sénior"  # neither English nor French: never flagged
NOTE = "Excellente 🙂 rigueur"
USERS = ("U0ALICE", "U0BOB", "U0CAROL")


@dataclass(frozen=True)
class Edge:
    n: int  # how many of the things counted
    name: str

    @property
    def first(self) -> str:
        return self.name.split()[0]


EDGES = (Edge(0, SHORT), Edge(1, SHORT), Edge(2, LONG), Edge(1234, LONG))


def card(e: Edge, **extra: Any) -> ns:
    """A candidate card with every field any card template reads."""
    change = ns(what="archived", by=USERS[1], at=NOW)
    values: dict[str, Any] = dict(
        public_id="c1",
        name=e.name,
        email="ada@example.com",
        profile_url="https://example.com/in/ada",
        status="reviewing",
        role_title=ROLE if e.n % 2 else None,
        hiring_manager_id=USERS[2],
        recruiter_id=USERS[1],
        referrers=tuple(referrer(i) for i in range(min(e.n, 3))),
        lead=e.n == 1,
        introducers=USERS[: min(e.n, 3)],
        in_process=e.n != 0,
        last_change=change if e.n else None,
        answer=ns(what="interested" if e.n == 1 else "passed", at=NOW) if e.n else None,
        owner_id=USERS[1] if e.n else None,
        owned=ns(at=NOW) if e.n else None,
        intro=intro_line(e, {1: "requested", 2: "declined"}.get(e.n, "accepted")) if e.n else None,
        cv=f"{e.name}.pdf" if e.n else None,
    )
    values.update(extra)
    return ns(**values)


def intro_line(e: Edge, status: str) -> ns:
    """The latest introduction asked about a candidate (a card's line, the referrer's DM)."""
    answered = None if status == "requested" else NOW
    return ns(
        status=status,
        recruiter_id=USERS[1],
        referrer_id=USERS[0],
        asked_at=NOW,
        answered_at=answered,
        candidate_name=e.name,
        draft="Hi",
        nudge=False,
    )


INTRO_STATUSES = ("requested", "accepted", "declined", "made")


def referrer(i: int) -> ns:
    relationships = ("worked_together", "managed_them", "other")
    return ns(
        user_id=USERS[i],
        relationship=relationships[i],
        strength=("strong", "good", "some")[i],
        note=NOTE,
        notes=(NOTE, "Deuxième note") if i else (),
        credited=i == 0,
        can_intro=i == 1,
    )


def session_card(e: Edge, *, ended: bool) -> ns:
    return ns(
        public_id="s1",
        role_title=e.name,
        prompt="anciens collègues" if e.n else None,
        goal=e.n or None,
        new=e.n,
        leaderboard=tuple((USERS[i % 3], i + 1) for i in range(min(e.n, 12))),
        ends_at=NOW,
        ended=ended,
    )


def change(e: Edge, what: str) -> ns:
    return ns(what=what, by=USERS[1] if e.n else None, at=NOW)


def variables(template: str) -> set[str]:
    source = _env().loader.get_source(_env(), f"en/{template}.j2")[0]
    return meta.find_undeclared_variables(_env().parse(source))


def samples_for(template: str) -> Callable[[Edge], list[dict[str, Any]]] | None:
    """Its samples; a labels-like template (one word per `key`) gets every key, and one
    without variables renders as it is."""
    found = variables(template)
    if template in SAMPLES:
        return SAMPLES[template]
    if not found:
        return one()
    return labels(template) if found <= {"key", "view"} else None


def labels(template: str) -> Callable[[Edge], list[dict[str, Any]]]:
    """A labels template: every key (and every view of the reason modal's title)."""

    def samples(e: Edge) -> list[dict[str, Any]]:
        found = []
        for view in ("not_a_fit_submit", "hm_pass_submit"):
            module = _env().get_template(f"en/{template}.j2").make_module({"view": view})
            found += [{"key": key, "view": view} for key in module.t]  # type: ignore[attr-defined]
        return found

    return samples


def _env() -> Any:
    """The English environment, lenient: a labels template's module is read without a key."""
    return i18n._environment(False, "en").overlay(undefined=Undefined)


REWARD_STATES = ("pending", "payable", "paid", "cancelled")


def reward_line(e: Edge, state: str) -> ns:
    """A referral reward as its templates read it: amounts from 0 decimals to 3 (JPY, KWD)."""
    amount, currency = [(100000, "EUR"), (50, "JPY"), (123456, "GBP"), (1234567, "KWD")][
        EDGES.index(e)
    ]
    return ns(
        public_id="r1",
        referrer_id=USERS[0],
        candidate_name=e.name,
        role_title=ROLE if e.n % 2 else None,
        amount=amount,
        currency=currency,
        days=[0, 1, 90, 1234][EDGES.index(e)],
        started_on=NOW.date(),
        payable_on=NOW.date() + timedelta(days=90),
        state=state,
        paid_at=NOW if state == "paid" else None,
        paid_by=USERS[1] if state == "paid" and e.n else None,
    )


def one(**values: Any) -> Callable[[Edge], list[dict[str, Any]]]:
    return lambda e: [values]


def roundup_samples(e: Edge) -> list[ns]:
    roles = [ns(title=e.name, team_name=ROLE, profile_line=NOTE, reward=None)] * min(e.n, 3)
    return [
        ns(
            kind=kind,
            roles=roles or [ns(title=e.name)],
            part=part,
            parts=parts,
            more=e.n,
            matching_team=team,
            matching_keywords=words,
        )
        for kind in ("weekly", "opened", "personal")
        for part, parts in ((1, 1), (2, 3))
        for team, words in ((None, None), (ROLE, "python"))
    ]


S = dict[str, Any]
SAMPLES: dict[str, Callable[[Edge], list[S]]] = {
    "admin/exported": one(),
    "ats/intro": lambda e: [
        {"view": ns(kind=kind, refused=refused, scope=scope, from_env=env, connected_as=who)}
        for kind in ("greenhouse", "lever")
        for refused, scope, env, who in (
            ("Client authentication failed", None, False, None),
            ("missing scope", "harvest:candidates:create", False, None),
            (None, None, True, e.name),
            (None, None, False, e.name),
            (None, None, False, None),
        )
    ],
    "ats/checking": lambda e: [{"ats": "greenhouse"}, {"ats": "lever"}],
    "ats/saved": lambda e: [
        {"saved": ns(kind=kind, acting_user_name=e.name, push=push)}
        for kind in ("greenhouse", "lever", None)
        for push in ("auto", "button")
    ],
    "ats/connected": lambda e: [
        {"ats": ats, "user": e.name, "push": push, "mode": mode}
        for ats in ("greenhouse", "lever")
        for push in ("auto", "button")
        for mode in ("webhooks", "polling")
    ],
    "ats/refused": lambda e: [
        {"ats": ats, "words": "Invalid API key", "scope": scope, "scope_words": words}
        for ats in ("greenhouse", "lever")
        for scope, words in ((None, None), ("harvest:notes:create", "create notes"))
    ],
    "ats/failed": lambda e: [
        {"kind": kind, "reason": "unexpected answer"}
        for kind in ("ats_push", "ats_note", "ats_pull", "ats_status", "ats_cv", "ats_history")
    ],
    "ats/stages": lambda e: [
        {"view": ns(ats=ats, more=e.n)} for ats in ("greenhouse", "lever", None)
    ],
    "ats/stages_saved": lambda e: [
        {"saved": ns(stale=stale, changed=changed)}
        for stale, changed in ((True, 0), (False, 2), (False, 0))
    ],
    "ats/status_note": lambda e: (
        [
            {"snoozed": True, "who": e.name, "until": until, "note": note, "hired": False}
            for until in (NOW, None)
            for note in (NOTE, "")
        ]
        + [{"snoozed": False, "hired": True}]
    ),
    "ats/note": lambda e: [
        {"referrer": e.name, "email": email, "credit": credit, "note": note}
        for email in ("alice@example.com", None)
        for credit in (True, False)
        for note in (NOTE, None)
    ],
    "ats/card": lambda e: [
        {"line": ns(ats=ats, state=state, credited=credited, referrer=USERS[0])}
        for ats in ("greenhouse", "lever")
        for state in ("in", "existing", "queued", "no_email", "offer")
        for credited in (True, False)
    ],
    "ats/push_requested": lambda e: [
        {"result": ns(state=state, ats=ats, candidate_name=e.name)}
        for state in ("queued", "already", "no_email", "no_ats")
        for ats in ("greenhouse", "lever", None)
    ],
    "admin/saved": lambda e: [
        {
            "grants": [
                ns(user_id=USERS[i % 3], granted=bool(i % 2), role=("recruiter", "admin")[i % 2])
                for i in range(min(e.n, 4))
            ],
            "wording": ns(locale=locale, outcome=outcome) if e.n else None,
            "wording_name": "Coopté·e par un·e collègue — direct",
        }
        for locale in ("en", "fr")
        for outcome in ("saved", "reset")
    ],
    "admin/wording_status": lambda e: [{"status": s} for s in ("custom", "default")],
    "admin/template_help": one(),
    "cards/done": lambda e: [{"change": change(e, w)} for w in ("hired", "taken", "passed")],
    "cards/hm": lambda e: [{"card": card(e)}],
    "cards/hm_state": lambda e: [{"card": card(e)}],
    "cards/outdated": lambda e: [
        {"name": e.name, "change": change(e, "replied") if e.n else None, "status": "snoozed"}
    ],
    "cards/owner": lambda e: [{"card": card(e)}],
    "cards/recruiter": lambda e: [{"card": card(e, status=s)} for s in CandidateStatus],
    "cards/referrer": lambda e: [{"r": referrer(i)} for i in range(3)],
    "cards/referrers_more": lambda e: [{"count": e.n}],
    "cards/settled": lambda e: [{"name": e.name, "change": change(e, "followup_sent")}],
    "cards/sla_nudge": lambda e: [{"name": e.name}],
    "cards/title": lambda e: [{"status": s} for s in CandidateStatus],
    "common/candidate_status": lambda e: [{"line": ns(status=s)} for s in CandidateStatus],
    "common/error": one(reference="a1b2c3d4"),
    "common/not_allowed": lambda e: [
        {"who": w}
        for w in ("", "recruiters", "admins", "session_owner", "role_team", "hiring_manager")
    ],
    "common/not_found": one(),
    "common/terms": one(),
    "common/token_refused": one(),
    "common/try_again": one(),
    "deliveries/digest": lambda e: [{"content": digest(e)}],
    "deliveries/digest_item": lambda e: [
        {"item": ns(name=e.name, due_at=due), "kind": k, "tz": "Europe/Paris"}
        for k in DIGEST_KINDS
        for due in (NOW, None)
    ],
    "deliveries/digest_kind": lambda e: [{"count": e.n, "kind": k} for k in DIGEST_KINDS],
    "deliveries/digest_more": lambda e: [{"count": e.n, "kind": k} for k in DIGEST_KINDS],
    "deliveries/digest_title": one(),
    "deliveries/grouped_more": lambda e: [{"count": e.n}],
    "deliveries/grouped_title": lambda e: [{"count": e.n}],
    "deliveries/late": lambda e: [{"days": e.n, "hours": 5}, {"days": 0, "hours": e.n % 24}],
    "desk/empty": lambda e: [{"kind": k} for k in ("follow_ups", "new_referrals", "snoozes")],
    "desk/item": lambda e: [{"name": e.name, "when": NOW if e.n else None, "tz": "Europe/Paris"}],
    "desk/more": lambda e: [
        {"count": e.n, "kind": k} for k in ("follow_ups", "new_referrals", "snoozes")
    ],
    "forms/errors": lambda e: [{"code": c} for c in FORM_ERRORS],
    "help/fallback": one(),
    "help/message": lambda e: [
        {"who": Audience(recruiter=r, admin=a, hiring_manager=h)}
        for r, a, h in ((0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 1, 0))
    ],
    "help/unknown": one(subcommand="frobnicate"),
    "home/decision": lambda e: [{"card": card(e)}],
    "home/decisions_more": lambda e: [{"count": e.n}],
    "home/empty": one(),
    "home/help": one(),
    "home/intro": one(),
    "home/my_referrals": one(),
    "home/open_roles": lambda e: [{"roles": roles(e)}],
    "home/refer_button": one(),
    "home/referral_line": lambda e: [
        {"line": ns(candidate_name=name, role_title=ROLE, status=s)}
        for name in (e.name, i18n.REMOVED_NAME)
        for s in CandidateStatus
    ],
    "home/title": one(),
    "intro/answered": lambda e: [
        {"intro": intro_line(e, s), "thanks": t} for s in INTRO_STATUSES[1:] for t in (True, False)
    ],
    "intro/asked": lambda e: (
        [
            {
                "referrer": USERS[0],
                "asked": ns(
                    already=already,
                    introduced=introduced,
                    asked_by=USERS[1] if already or introduced else None,
                    asked_at=NOW if already or introduced else None,
                    yours=yours,
                    resting=None,
                ),
            }
            for already, introduced in ((False, False), (True, False), (False, True))
            for yours in (False, True)
        ]
        + [
            {"referrer": None, "asked": ns(resting=status, introduced=False, already=False)}
            for status in ("archived", "snoozed", "not_a_fit", "hired")
        ]
    ),
    "intro/card": lambda e: [{"card": card(e, intro=intro_line(e, s))} for s in INTRO_STATUSES],
    "intro/declined": lambda e: [{"referrer": USERS[0], "candidate": e.name}],
    "intro/draft": lambda e: [
        {"first_name": e.first, "recruiter": "Rita", "role": r} for r in (ROLE, None)
    ],
    "intro/group": lambda e: [
        {"referrer": USERS[0], "recruiter": USERS[1], "candidate": e.name, "draft": "Bonjour"}
    ],
    "intro/outdated": lambda e: [{"intro": intro_line(e, s)} for s in INTRO_STATUSES[1:]],
    "intro/request": lambda e: [
        {"intro": ns(nudge=bool(e.n), recruiter_id=USERS[1], candidate_name=e.name, draft="Hi")}
    ],
    "notices/delivery_failed": lambda e: [
        {"kind": k, "recipient": r, "reason": why}
        for k, why in zip(
            [*DeliveryKind, "recruiter_card", "session_card"],
            [
                "user_disabled",
                "channel_not_found",
                "account_inactive",
                "weird_code",
                "internal error",
                "no error code",
                "missing_scope",
                "msg_too_long",
                "is_archived",
                "user_not_found",  # the ATS kinds (never DMs; a sample all the same)
                "service_unavailable",
                "ratelimited",
                "service_unavailable",
                "request_timeout",
                "cannot_dm_bot",
                "file_not_found",  # the CV kinds
                "cant_delete_file",
                "file_not_found",  # the CV for the ATS
                "view_too_large",  # a referral's outcome in its form
            ],
            strict=True,
        )
        for r in ("U0ALICE", "C0SOURCE")
    ],
    "notices/hm_interested": lambda e: [{"manager": USERS[2], "candidate": e.name, "role": ROLE}],
    "notices/hm_passed": lambda e: [
        {"manager": USERS[2], "candidate": e.name, "role": ROLE, "reason": NOTE}
    ],
    "notices/reminder": one(text=NOTE),
    "notices/removed": one(),
    "notices/waiting_over": lambda e: [{"count": e.n}],
    "outreach/done": lambda e: [
        {
            "name": e.name,
            "draft": "Bonjour",
            "follow_ups": (NOW, NOW + timedelta(days=4))[: min(e.n, 2)],
            "channel": c,
            "tz": "Europe/Paris",
        }
        for c in OutreachChannel
    ],
    "outreach/followup_due": lambda e: [
        {
            "due": ns(card=card(e), channel=c, sent_at=NOW, step=1 + e.n % 2, next_draft="Bonjour"),
            "tz": "America/New_York",
        }
        for c in OutreachChannel
    ],
    "outreach/intro": lambda e: [{"name": e.name}],
    **{
        f"outreach/{draft}": lambda e: [
            {"first_name": e.first, "recruiter": "Rita", "role": role, "referrer_first_name": r}
            for role in (ROLE, None)
            for r in ("Alice", None)
        ]
        for draft in ("followup", "referred_A", "referred_B", "rediscovered_A", "rediscovered_B")
    },
    "outreach/running": lambda e: [
        {
            "name": e.name,
            "running": ns(recruiter_id=USERS[1], sent_at=NOW, next_follow_up=NOW),
            "tz": "Europe/Paris",
        }
    ],
    "privacy/confirm": lambda e: [
        {"name": e.name, "cvs": n, "ats": ats}
        for n in (0, 1, 2)
        for ats in ((), ("greenhouse",), ("greenhouse", "lever"))
    ],
    "privacy/done": lambda e: [{"ats": a} for a in ((), ("lever",))],
    "privacy/refused": lambda e: [{"code": c} for c in ("invalid_key", "no_one")],
    "referral/saving": one(),
    "referral/received": one(),
    "referral/not_saved": one(),
    "referral/done": lambda e: [
        {"name": e.name, "duplicate": d, "lead": lead, "yours": y, "noted": noted}
        for d, lead, y, noted in (
            (False, False, False, False),
            (False, True, False, False),
            (True, False, False, True),
            (True, False, False, False),
            (True, False, True, True),
            (True, False, True, False),
        )
    ],
    "roles/change": lambda e: [
        {
            "change": ns(
                role=ns(title=e.name, recruiter_id=USERS[1]),
                action=a,
                done=d,
                by=USERS[0] if e.n or d else None,  # done: by whoever clicked
                at=NOW if e.n or d else None,
            ),
            "reader": USERS[0],
        }
        for a in ("opened", "closed")
        for d in (True, False)
    ],
    "roles/confirm_close": lambda e: [{"role": ns(title=e.name)}],
    **{
        f"rewards/{name}": lambda e: [{"line": reward_line(e, s)} for s in REWARD_STATES]
        for name in ("promised", "payable", "cancelled", "line", "mine")
    },
    "rewards/done": lambda e: [
        {"done": d, "line": reward_line(e, "paid" if d != "not_payable" else "pending")}
        for d in ("paid", "already_paid", "not_payable")
    ],
    "rewards/more": lambda e: [{"count": e.n}],
    "rewards/digest": lambda e: [{"count": e.n}],
    "roles/created": lambda e: [
        {"role": ns(title=e.name, status=s), "edited": ed}
        for s in ("open", "upcoming", "closed")
        for ed in (False, True)
    ],
    "roles/list": lambda e: [{"roles": roles(e)}],
    "roles/manage": lambda e: [{"roles": roles(e), "closed": bool(e.n)}],
    "roles/manage_line": lambda e: [{"role": role} for role in roles(Edge(3, e.name))],
    "roles/more": lambda e: [{"count": e.n}],
    "roles/pool": lambda e: [
        {"pool": ns(title=e.name, items=tuple(ns(name=e.name) for _ in range(min(e.n, 30))))}
    ],
    "roles/pool_item": lambda e: [
        {"item": ns(name=e.name, why=w)} for w in ("pooled", "snoozed", "archived")
    ],
    "roles/pool_more": lambda e: [{"count": e.n}],
    "roles/upcoming_line": lambda e: [{"role": ns(title=e.name)}],
    # issue 17: role roundups and the monthly thank-you
    **{
        name: (lambda e: [{"roundup": r} for r in roundup_samples(e)])
        for name in ("roundups/title", "roundups/fallback", "roundups/footer")
    },
    "roundups/role": lambda e: [
        {"role": ns(title=e.name, team_name=t, profile_line=p, reward=w)}
        for t, p, w in (
            (None, None, None),
            (ROLE, NOTE, ns(amount=100_000, currency="EUR")),
            (ROLE, None, ns(amount=250_000, currency="JPY")),
        )
    ],
    "roundups/more": lambda e: [{"count": e.n}],
    "roundups/failed": lambda e: [
        {"kind": k, "recipient": "C0JOBS", "reason": why}
        for k in ("roundup", "recognition")
        for why in ("not_in_channel", "channel_not_found", "is_archived", "weird_code")
    ],
    "roundups/home": lambda e: [
        {"choices": ns(dm=d, dm_team=t, dm_keywords=k, unnamed=u)}
        for d, t, k, u in (
            (False, None, None, False),
            (True, None, None, True),
            (True, ROLE, None, False),
            (True, None, "python", False),
            (True, ROLE, "python", True),
        )
    ],
    "roundups/hour_hint": lambda e: [{"tz": "Europe/Paris"}],
    "roundups/settings_saved": lambda e: [
        {
            "saved": ns(
                channels=c, weekday=w, announce=a, recognition_channel=r, timezone="Europe/Paris"
            ),
            "day": "Monday" if w is not None else "",
            "at": "10:00",
        }
        for c, w, a, r in (
            ((), None, False, None),
            (("C0JOBS", "C0ENG"), 0, True, "C0THANKS"),
            (("C0JOBS",), None, True, None),
        )
    ],
    "roundups/thanks": lambda e: [
        {
            "thanks": ns(
                referrals=e.n, intros=e.n, hires=e.n, top=[(u, e.n) for u in USERS[: min(e.n, 3)]]
            ),
            "month": "November 2026",
        }
    ],
    "search/denied": one(),
    "search/hit": lambda e: [
        {
            "hit": ns(
                name=e.name,
                status=s,
                last_activity_at=NOW,
                role_title=ROLE,
                referrer_id=USERS[0],
            ),
            "tz": "Europe/Paris",
        }
        for s in CandidateStatus
    ],
    "search/intro": lambda e: [
        {"count": e.n, "result": ns(text="python", ranked=r)} for r in (True, False)
    ],
    "search/none": lambda e: [
        {"result": search_result(**kind), "statuses": list(CandidateStatus)}
        for kind in (
            {"nothing_asked": True},
            {"unknown_status": "zzz"},
            {"status": "snoozed", "ranked": False, "text": "status:snoozed"},
            {"text": "cobol"},
        )
    ],
    "search/tips": one(),
    "snooze/done": lambda e: [{"name": e.name, "until": NOW, "tz": "Europe/Paris"}],
    "snooze/due": lambda e: [
        {"due": ns(card=card(e), note=NOTE if e.n else None, snoozed_at=NOW), "tz": None}
    ],
    "snooze/history": lambda e: [
        {
            "history": tuple(
                ns(at=NOW, kind=k, who=USERS[0] if e.n else None, text=NOTE)
                for k in ("referred", "snooze", "reactivate", "note", "reached_out")
            ),
            "tz": "Europe/Paris",
        }
    ],
    "sourcing/added": lambda e: [
        {"outcome": o, "name": e.name, "noted": n}
        for o in ("added", "known", "again", "ended")
        for n in (False, True)
    ],
    "sourcing/card": lambda e: [
        {"card": session_card(e, ended=ended), "bar": "▰▱"} for ended in (False, True)
    ],
    "sourcing/contact": lambda e: [
        {
            "c": ns(
                name=e.name,
                duplicate=bool(e.n % 2),
                email="ada@example.com",
                profile_url="https://example.com",
                referrer_id=USERS[0],
                relationship=r,
                strength=s,
                note=NOTE,
            )
        }
        for r, s in (("worked_together", "strong"), ("friend", "some"), (None, None))
    ],
    "sourcing/ended": lambda e: [
        {"outcome": o, "may_start": m}
        for o in ("ended", "already_ended", "none_running")
        for m in (False, True)
    ],
    "sourcing/invite": one(),
    "sourcing/more": lambda e: [{"count": e.n}],
    "sourcing/no_roles": one(),
    "sourcing/start_denied": one(),
    "sourcing/summary": lambda e: [{"card": session_card(e, ended=True)}],
    "sourcing/thanks": lambda e: [{"card": session_card(e, ended=True)}],
    "sourcing/usage": lambda e: [
        {
            "active": [ns(role_title=e.name, channel_id="C0SOURCE")] * min(e.n, 3),
            "may_start": m,
        }
        for m in (False, True)
    ],
    "stats/report": lambda e: [
        {"r": report(e), "bar": lambda rate: "██░░", "review_hours": h} for h in (None, 0.0, 60.04)
    ],
    "stats/title": lambda e: [{"days": e.n}],
    "updates/referrer": lambda e: [
        {"update": ns(candidate_name=e.name, stage=s, noted=n)}
        for s in (
            "received",
            "known",
            "reviewing",
            "contacted",
            "interviewing",
            "hired",
            "on_hold",
            "closed",
        )
        for n in (False, True)
    ],
}

DIGEST_KINDS = ("follow_ups", "new_referrals", "snoozes_ending", "intros_waiting")
FORM_ERRORS = (
    "required",
    "too_long",
    "invalid_email",
    "invalid_url",
    "missing_contact",
    "invalid_choice",
    "past_date",
    "out_of_range",
    "snooze_preset",
    "second_after_first",
    "bad_template",
    "template_too_long",
    "template_too_costly",
    "session_running",
    "role_closed",
    "unknown",
)


def roles(e: Edge) -> list[ns]:
    statuses = ("open", "upcoming", "closed")
    return [
        ns(
            public_id=f"r{i}",
            title=e.name,
            team_name="Plateforme" if i % 2 else None,
            status=statuses[i % 3],
            closed_at=NOW,
            hiring_manager_id=USERS[2] if i else None,
            recruiter_id=USERS[1],
        )
        for i in range(min(e.n, 3))
    ]


def digest(e: Edge) -> ns:
    items = tuple(ns(candidate="c1", name=e.name, due_at=NOW, step=None) for _ in range(e.n % 7))
    return ns(
        due_today=e.n,
        new_referrals=items,
        snoozes_ending=items,
        intros_waiting=items,
        follow_ups=items,
        reminders_today=e.n,
    )


def search_result(**values: Any) -> ns:
    base = dict(
        text="", nothing_asked=False, unknown_status=None, status=None, ranked=True, hits=()
    )
    return ns(**{**base, **values})


def report(e: Edge) -> ns:
    sources = [
        ns(source=s, candidates=e.n, hired=min(e.n, 1), hire_rate=0.25)
        for s in ("referral", "sourcing_session", "import", "manual")
    ]
    variants = [
        ns(variant=v, sent=e.n, replied=min(e.n, 1), response_rate=0.5)
        for v in ("referred_A", "referred_B", "rediscovered_A", "rediscovered_B", "-")
    ]
    return ns(
        sources=sources[: min(e.n, 4)],
        variants=variants[: min(e.n, 5)],
        reactivated=e.n,
        top_referrers=[(USERS[0], min(e.n, 1), e.n)] * min(e.n, 3),
    )


def cases() -> Iterator[tuple[str, str, S]]:
    for name in sorted(i18n.template_names("en")):
        samples = samples_for(name)
        if samples is None:
            continue  # test_every_template_has_samples says which
        for edge in EDGES:
            for context in samples(edge):
                yield name, f"{edge.n}", context


# -- what French output must not contain ---------------------------------------------------

ENGLISH = re.compile(
    r"\b(the|and|you|your|with|for|is|are|was|has|have|been|this|that|they|them|their|from|"
    r"will|would|please|sorry|thanks|thank|referral|referrals|referred|referrer|snooze|snoozed|"
    r"reviewing|interviewing|hired|archived|recruiter|recruiters|hiring|nobody|someone|"
    r"Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec|AM|PM)\b"
)
NEVER_FR = re.compile(
    r"recommand|serait top|\bje passe\b|\ben revue\b|\bclose\b|\bintro\b|pas le bon profil|"
    r"manager qui recrute|présentation",
    re.IGNORECASE,
)
# Shortcut names are Slack's (set in manifest.yml), shown as they appear in the menu.
PROPER_NAMES = ("Refer someone", "Refer this person", "LinkedIn", "GitHub")
RAW_CODE = re.compile(r"\b[a-z]+_[a-zA-Z_]+\b|\b(referred|rediscovered)_[AB]\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
GLUED_EMOJI = re.compile(r"[^\s(]:[a-z0-9_+-]+:(?=\s)")
SPACE_BEFORE_HIGH_PUNCTUATION = re.compile(r" [:;!?»](?=\s|$)|« ")
PLURAL_MISMATCH = {
    "en": re.compile(
        r"(?<![\d,./])\b1\*? (new )?(people|[a-z]+s)\b"
        r"|(?<![\d,./])\b(0|[2-9]|\d,\d{3})\*? (new )?"
        r"(person|contact|reminder|match|day|hour|referral|snooze|introduction|hire|"
        r"contributor|message|candidate|role|referrer)\b"
    ),
    "fr": re.compile(
        r"(?<![\d,./])\b[01]\*? (?!mois\b|fois\b)(nouveaux |nouvelles )?[a-zé·]+s\b"
        r"|(?<![\d,./])\b([2-9]|\d\u202f\d{3})\*? (nouveau |nouvelle )?"
        r"(rappel|contact|jour|heure|personne|cooptation|pause|message|embauche|réponse|"
        r"résultat|participant·e|candidat·e|poste|coopteur·rice)\b"
    ),
}


def readable(text: str) -> str:
    """What a person reads of the template's own words: no code spans, drafts, mentions,
    links or emoji codes (a date keeps its fallback, which is what some clients show)."""
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<!date\^[^|]*\|([^>]*)>", r"\1", text)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r":[a-z0-9_+-]+:", " ", text)
    for value in (SHORT, LONG, ROLE, NOTE, *PROPER_NAMES, "refbot", "ada@example.com"):
        text = text.replace(value, " ")
    return text


def render(locale: str, name: str, context: S) -> str:
    mrkdwn = i18n.mrkdwn(locale, name, **context)
    plain = i18n.plain(locale, name, **context)
    return f"{mrkdwn}\n{plain}"


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_every_template_renders_real_words_in_both_languages(locale: str) -> None:
    problems: list[str] = []
    for name, edge, context in cases():
        if name in ("common/terms",):
            continue
        where = f"{locale}/{name} [{edge}] {context}"
        try:
            text = render(locale, name, context)
        except Exception as error:  # every template is tried: one report lists them all
            problems.append(f"{type(error).__name__}: {error} in {where}")
            continue
        seen = readable(text)
        if locale == "fr" and (found := ENGLISH.findall(seen)):
            problems.append(f"English {found} in {where}: {text!r}")
        if locale == "fr" and (found := NEVER_FR.findall(seen)):
            problems.append(f"off-glossary {found} in {where}: {text!r}")
        if locale == "fr" and SPACE_BEFORE_HIGH_PUNCTUATION.search(seen):
            problems.append(f"a plain space before : ; ! ? » in {where}: {text!r}")
        if found := PLURAL_MISMATCH[locale].search(seen):
            problems.append(f"plural {found.group(0)!r} in {where}: {text!r}")
        if found := RAW_CODE.search(seen):
            problems.append(f"raw code {found.group(0)!r} in {where}: {text!r}")
        if found := ISO_DATE.search(seen):
            problems.append(f"ISO date {found.group(0)!r} in {where}: {text!r}")
        if found := GLUED_EMOJI.search(text):  # a line ran into the next one
            problems.append(f"glued {found.group(0)!r} in {where}: {text!r}")
        if "None" in seen or "<@None>" in text or "[removed]" in text:
            problems.append(f"None or [removed] in {where}: {text!r}")
    assert problems == [], "\n".join(problems[:40])


def test_every_template_has_samples() -> None:
    names = i18n.template_names("en")
    missing = sorted(n for n in names if samples_for(n) is None)
    assert missing == [], f"add samples for {missing} to SAMPLES"


def test_every_code_has_a_label_in_both_languages() -> None:
    groups = {
        "status": [s.value for s in CandidateStatus],
        "relationship": [
            "worked_together",
            "managed_them",
            "reported_to_them",
            "studied_together",
            "friend",
            "other",
        ],
        "strength": ["strong", "good", "some"],
        "channel": [c.value for c in OutreachChannel],
        "delivery": [k.value for k in DeliveryKind],
        "variant": ["referred_A", "referred_B", "rediscovered_A", "rediscovered_B"],
        "source": ["referral", "sourcing_session", "import", "manual"],
    }
    for locale in ("en", "fr"):
        terms = i18n.terms(locale)
        for group, codes in groups.items():
            missing = [c for c in codes if c not in terms[group]]
            assert missing == [], f"{locale}: no {group} label for {missing}"
    assert i18n.terms("en").keys() == i18n.terms("fr").keys()
    for group in i18n.terms("en"):
        assert i18n.terms("en")[group].keys() == i18n.terms("fr")[group].keys(), group


def test_plurals_numbers_and_dates_follow_the_readers_language() -> None:
    assert i18n.plural("en", 1, "# person", "# people") == "1 person"
    assert i18n.plural("en", 0, "# person", "# people") == "0 people"
    assert i18n.plural("fr", 0, "# personne", "# personnes") == "0 personne"
    assert i18n.plural("fr", 2, "# personne", "# personnes") == "2 personnes"
    million = i18n.plural("fr", 1_000_000, "# personne", "# personnes")
    assert million == "1\u202f000\u202f000 personnes"  # CLDR's "many", and French digits
    assert i18n.number("fr", 0.0, 1) == "0,0" and i18n.number("en", 1234.5, 1) == "1,234.5"
    assert i18n.percent("fr", 0.25) == "25\u00a0%"
    paris = i18n.slack_date("fr", NOW, "Europe/Paris")
    assert paris.startswith(f"<!date^{int(NOW.timestamp())}^{{date_short_pretty}} {{time}}|")
    assert paris.endswith("|jeu. 5 nov. 2026, 09:00>")
    assert i18n.slack_date("en", NOW).endswith("|Thu, Nov 5, 2026, 8:00\u202fAM UTC>")
    assert i18n.long_day("fr", date(2027, 2, 5)) == "vendredi 5 février 2027"


# -- modal titles -------------------------------------------------------------------------------


def build(cls: type, **values: Any) -> Any:
    """A result dataclass with `values`, its other required fields empty of their type."""
    empty: dict[Any, Any] = {str: "", int: 0, bool: False, dict: {}, tuple: (), list: []}
    hints = get_type_hints(cls)
    for item in fields(cls):
        if item.name in values or MISSING not in (item.default, item.default_factory):
            continue
        kind = hints[item.name]
        values[item.name] = empty.get(getattr(kind, "__origin__", kind))
    return cls(**values)


def modals(locale: str) -> Iterator[dict[str, Any]]:
    """Every modal refbot opens, as each person would see it."""
    role = RoleLine(public_id="r1", title=LONG, team_name=None, status="open")
    values = dict.fromkeys(BOUNDS, 3)
    yield rendering.admin_modal(AdminView(locale=locale, values=values, templates=("referred_A",)))
    yield rendering.admin_saved(build(AdminResult, locale=locale))
    for view in (View.NOT_A_FIT, View.HM_PASS):
        yield rendering.reason_modal(locale, view, "c1")
    form = ReferralFormView(locale=locale, roles=(role,))
    yield rendering.referral_modal(form)
    yield rendering.referral_modal(form, session="s1")
    yield rendering.intro_offer_modal(form)
    yield rendering.referral_done(ReferralResult(locale=locale, candidate_name=LONG))
    # After the ack (bot.services.submissions): "saving…", then the outcome or the form again.
    submitted = {**rendering.referral_modal(form), "id": "V1", "state": {"values": {}}}
    yield rendering.saving(locale, submitted)
    for outcome in (
        Outcome(use=Use.REFER, locale=locale, errors={"role": "role_closed"}),
        Outcome(use=Use.REFER, locale=locale, failed=True),
        Outcome(use=Use.REFER, locale=locale, received=True),
    ):
        yield rendering.submission_outcome(submitted, outcome)
    yield rendering.role_modal(RoleForm(locale=locale, recruiter_id=USERS[1]))
    yield rendering.role_created(locale, role)
    yield rendering.snooze_modal(locale, "c1", "6m")
    yield rendering.snooze_done(
        SnoozeResult(locale=locale, candidate_name=LONG, until=NOW, tz="Europe/Paris")
    )
    yield rendering.reach_out_modal(
        ReachOutForm(
            locale=locale,
            candidate="c1",
            candidate_name=LONG,
            templates=("referred_A",),
            suggested="referred_A",
        )
    )
    yield rendering.reach_out_done(
        ReachOutResult(locale=locale, candidate_name=LONG, draft="Bonjour", channel="phone")
    )
    yield rendering.forget_modal(ForgetPreview(locale=locale, candidate="c1", name=LONG))
    yield rendering.forget_done(ForgetDone(locale=locale, ats=("greenhouse",)))
    yield rendering.outside_modal(locale, "referral_submit")
    yield rendering.session_start_modal(StartForm(locale=locale, channel_id="C1", roles=(role,)))
    yield rendering.contact_added(locale, AddResult(locale=locale, outcome="ended"))
    yield rendering.roundup_settings_modal(RoundupSettingsView(locale=locale, timezone="UTC"))
    yield rendering.roundup_settings_saved(
        RoundupSettingsResult(
            locale=locale, saved=RoundupSettingsView(locale=locale, timezone="UTC")
        )
    )
    yield rendering.roundup_dm_modal(RoundupChoices(locale=locale, teams=(ROLE,)))


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_every_modal_title_fits_in_slacks_24_characters(locale: str) -> None:
    titles = {}
    for view in modals(locale):
        title = view["title"]["text"]
        titles[title] = len(title)
        for button in ("submit", "close"):
            if button in view:
                assert not view[button]["text"].endswith("…"), view[button]
    too_long = {title: n for title, n in titles.items() if title.endswith("…") or n > MODAL_TITLE}
    assert too_long == {}


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_no_input_label_says_optional_because_slack_already_does(locale: str) -> None:
    for view in modals(locale):
        for block in view["blocks"]:
            if block["type"] == "input":
                label = block["label"]["text"].lower()
                assert "optional" not in label and "facultati" not in label, label
