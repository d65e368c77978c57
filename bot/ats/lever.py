"""Lever's Data API (https://api.lever.co/v1): the calls refbot makes.

Sources (https://hire.lever.co/developer/documentation, anchors below):
- #authentication: HTTP Basic, the API key as user name, an empty password.
- #rate-limits: a token bucket (about 10 requests/s steady, bursts to 20); beyond it 429. Lever
  documents no Retry-After, so a 429 without one waits DEFAULT_RETRY_AFTER and then backs off.
- #pagination: `limit` (1-100) and the `offset` token from the previous answer's `next`, while
  `hasNext`; lists answer {"data": [...], "hasNext": bool, "next": "..."}.
- #responses-and-errors: errors answer {"code": "...", "message": "..."}.
- #webhooks: the body carries `token`, `triggeredAt` (epoch ms) and `signature`, the hex
  HMAC-SHA256 of `token + triggeredAt` keyed with the webhook's signature token.
- writes take `perform_as=<user id>`: the Lever user the change is recorded for.
- #notes: `POST /opportunities/:opportunity/notes` writes one (`value`), `GET` lists them, each
  with its `fields` (type, text, value).
- #files: `POST /opportunities/:opportunity/files` uploads one file (multipart/form-data, field
  `file`, up to 30 MB) and `GET` lists them; resumes (#resumes) are read-only in the API.
- #offers: `GET /opportunities/:opportunity/offers`, each offer's form `fields` (identifier,
  value); the start date is the `anticipated_start_date` field when the offer form has one.

Vocabulary: a Lever *contact* is the person (refbot's AtsCandidate, id = contact id); an
*opportunity* is one candidacy (refbot's AtsApplication, id = opportunity id). Notes, stages and
archiving belong to opportunities.

Referrer credit: Lever's API has no writable referrer. Referrals (GET
/opportunities/:id/referrals, #referrals) are read-only: they are the referral forms an employee
fills in Lever itself. What the API allows, and refbot does: `origin: "referred"`, the
"Referral" source, the refbot tag, and a note naming the referrer; optionally the referrer (when
she is a Lever user) as a follower, off by default because followers see the whole profile.
"""

import dataclasses
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import clock as default_clock
from bot.ats.errors import AtsError
from bot.ats.http import AtsHttp
from bot.ats.models import (
    AtsApplication,
    AtsCandidate,
    AtsJob,
    AtsPushResult,
    AtsReferral,
    AtsStageChange,
    AtsUser,
    Outcome,
    Page,
)
from bot.clock import Clock

if TYPE_CHECKING:  # loaded with the first client (idle RSS of a web process)
    import httpx

ATS = "lever"
DEFAULT_API_URL = "https://api.lever.co/v1/"
DOCS = "https://hire.lever.co/developer/documentation"
PAGE_LIMIT = 100  # Lever's largest page
REFERRAL_SOURCE = "Referral"
REFBOT_TAG = "refbot"  # see bot.ats.greenhouse.REFBOT_TAG: marks what refbot created
DEFAULT_RETRY_AFTER = 1.0  # one second refills Lever's bucket by ten requests
# Lever signs the time it sent a webhook: older (or further in the future) than this is refused.
WEBHOOK_TOLERANCE = timedelta(minutes=5)
OPEN_STATES = frozenset({"published", "internal"})
START_FIELD = "anticipated_start_date"  # the start date on Lever's offer form (#offers)
HISTORY_NAMES_TTL = 600.0  # seconds a rediscovery pull keeps stage and archive reason names


class LeverClient:
    """Lever with one API key, acting as one Lever user (`perform_as`)."""

    def __init__(
        self,
        *,
        api_key: str,
        user_id: str,
        api_url: str = DEFAULT_API_URL,
        clock: Clock = default_clock.now,
        client: "httpx.Client | None" = None,
        rate_limit_retries: int = 0,
        **http: Any,
    ) -> None:
        self._auth = (api_key, "")
        self.user_id = user_id
        self.clock = clock
        http.setdefault("default_retry_after", DEFAULT_RETRY_AFTER)
        self.http = AtsHttp(
            ATS, api_url, clock=clock, client=client, rate_limit_retries=rate_limit_retries, **http
        )

    def __repr__(self) -> str:  # never the key
        return f"LeverClient(user_id={self.user_id!r}, api={self.http.base_url!r})"

    def close(self) -> None:
        self.http.close()

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        files: Any = None,
        perform_as: bool = False,
    ) -> dict[str, Any]:
        query: dict[str, Any] = dict(params or {})
        if perform_as:
            query["perform_as"] = self.user_id
        response = self.http.request(
            method,
            path,
            headers={"Accept": "application/json"},
            params=query or None,
            json=json_body,
            files=files,
            auth=self._auth,
        )
        try:
            body = response.json()
        except ValueError:
            raise AtsError("permanent", "answer is not JSON", ats=ATS) from None
        if not isinstance(body, dict):
            raise AtsError("permanent", "answer is not an object", ats=ATS)
        return body

    def _pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        cursor: str | None = None,
        limit: int = PAGE_LIMIT,
    ) -> Iterator[Page[dict[str, Any]]]:
        """Every page, `offset` token to `offset` token; `cursor` resumes at a page's next.

        f"{DOCS}#pagination" """
        offset = cursor
        while True:
            query = {**(params or {}), "limit": limit}
            if offset:
                query["offset"] = offset
            body = self._call("GET", path, params=query)
            items = [d for d in body.get("data") or [] if isinstance(d, dict)]
            offset = body.get("next") if body.get("hasNext") else None
            yield Page(tuple(items), offset)
            if not offset:
                return

    def _all(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return [item for page in self._pages(path, params) for item in page.items]

    # -- people ----------------------------------------------------------------------------

    def me(self) -> AtsUser:
        """The user refbot acts as: checks the key with a real call (on save).

        https://hire.lever.co/developer/documentation#retrieve-a-single-user"""
        return _user(self._call("GET", f"users/{self.user_id}")["data"])

    def find_user(self, email: str) -> AtsUser | None:
        """The Lever user with this email. https://hire.lever.co/developer/documentation#list-all-users"""
        users = self._all("users", {"email": email})
        return _user(users[0]) if users else None

    def users(self) -> dict[str, AtsUser]:
        """Every user by id. https://hire.lever.co/developer/documentation#list-all-users"""
        return {str(u["id"]): _user(u) for u in self._all("users")}

    # -- opportunities -----------------------------------------------------------------------

    def find_opportunities(self, email: str) -> list[dict[str, Any]]:
        """Every opportunity of the person with this email (any state, archived included).

        https://hire.lever.co/developer/documentation#list-all-opportunities (`email` filter)"""
        return self._all("opportunities", {"email": email})

    def find_candidate(self, email: str) -> AtsCandidate | None:
        """The person (Lever contact) with this email, from her latest opportunity."""
        found = self.find_opportunities(email)
        if not found:
            return None
        return _candidate(max(found, key=lambda o: o.get("updatedAt") or 0))

    def create_opportunity(
        self, referral: AtsReferral, *, followers: tuple[str, ...] = ()
    ) -> AtsApplication:
        """A new opportunity, marked referred, from the Referral source, on the posting when there
        is one (without: a general referral in the pipeline).

        https://hire.lever.co/developer/documentation#create-an-opportunity"""
        body: dict[str, Any] = {
            "name": referral.name,
            "emails": [referral.email],
            "links": list(referral.links),
            "tags": sorted({REFBOT_TAG, *referral.tags}),
            "sources": [REFERRAL_SOURCE],
            "origin": "referred",
        }
        if referral.job_id:
            body["postings"] = [referral.job_id]
        if followers:
            body["followers"] = list(followers)
        answer = self._call("POST", "opportunities", json_body=body, perform_as=True)
        return _application(answer.get("data") or {}, {})

    def push_referral(
        self, referral: AtsReferral, *, follow_referrer: bool = False
    ) -> AtsPushResult:
        """Find the person by email; if Lever already knows her, write nothing; otherwise
        create her opportunity. Safe to call again after an uncertain failure: an opportunity
        found with refbot's tag is refbot's own from the earlier attempt. Lever cannot credit a
        referrer through the API (module docstring): `referrer_credited` is False and the caller
        adds the note naming the referrer (`add_note`)."""
        found = self.find_opportunities(referral.email)
        mine = [o for o in found if REFBOT_TAG in (o.get("tags") or [])]
        if mine:
            opportunity = mine[0]
            return AtsPushResult("resumed", str(opportunity.get("contact")), str(opportunity["id"]))
        if found:
            return AtsPushResult("existing", str(found[0].get("contact")), None)
        followers: tuple[str, ...] = ()
        if follow_referrer and (referrer := self.find_user(referral.referrer_email)):
            followers = (referrer.id,)
        app = self.create_opportunity(referral, followers=followers)
        return AtsPushResult("created", app.candidate_id, app.id)

    def opportunity(self, opportunity_id: str) -> AtsApplication | None:
        """One opportunity as it is now (write-back looks before it writes); an archive reason of
        type hired makes it a hire.

        https://hire.lever.co/developer/documentation#retrieve-a-single-opportunity"""
        try:
            raw = self._call("GET", f"opportunities/{opportunity_id}").get("data")
        except AtsError as error:
            if error.status == 404:
                return None
            raise
        if not isinstance(raw, dict):
            return None
        reasons = self.archive_reasons() if raw.get("archived") else {}
        return _application(raw, reasons)

    def move_opportunity(self, opportunity_id: str, stage_id: str) -> None:
        """Put the opportunity at a stage (a Slack "Move to…" written back). A PUT: repeating
        it after an uncertain answer does no harm.

        https://hire.lever.co/developer/documentation#update-opportunity-stage"""
        self._call(
            "PUT",
            f"opportunities/{opportunity_id}/stage",
            json_body={"stage": stage_id},
            perform_as=True,
        )

    def archive_opportunity(self, opportunity_id: str, reason_id: str) -> None:
        """Archive the opportunity with a reason: of type non-hired for a Slack "Not a fit", of
        type hired for a hire.

        https://hire.lever.co/developer/documentation#update-opportunity-archived-state"""
        self._call(
            "PUT",
            f"opportunities/{opportunity_id}/archived",
            json_body={"reason": reason_id},
            perform_as=True,
        )

    def add_note(self, opportunity_id: str, body: str) -> str:
        """A note on the opportunity, written as refbot's user.

        https://hire.lever.co/developer/documentation#create-a-note"""
        answer = self._call(
            "POST",
            f"opportunities/{opportunity_id}/notes",
            json_body={"value": body},
            perform_as=True,
        )
        data = answer.get("data") or {}
        return str(data.get("noteId") or data.get("id") or "")

    def note_bodies(self, opportunity_id: str) -> list[str]:
        """The texts of the opportunity's notes: refbot looks before it writes a note (after an
        uncertain answer, the note may be there already). A note's text is the value of its
        field of type "note" (what `add_note` sent as `value`).

        https://hire.lever.co/developer/documentation#list-all-notes"""
        return [
            str(field.get("value") or "")
            for note in self._all(f"opportunities/{opportunity_id}/notes")
            for field in note.get("fields") or []
            if isinstance(field, dict) and field.get("type") == "note"
        ]

    def attachment_names(self, opportunity_id: str) -> list[str]:
        """The names of the opportunity's files: the CV push looks before it uploads (after an
        uncertain answer, the file may be there already).

        https://hire.lever.co/developer/documentation#list-all-files"""
        return [
            str(f.get("name") or "") for f in self._all(f"opportunities/{opportunity_id}/files")
        ]

    def attach_resume(
        self, opportunity_id: str, filename: str, content: bytes, content_type: str
    ) -> str:
        """The referral's CV as a file of the opportunity (multipart, field `file`, at most
        30 MB), uploaded as refbot's user. Lever's API uploads files, not resumes: resumes are
        read-only there (#resumes), so the CV shows under the profile's files.

        https://hire.lever.co/developer/documentation#upload-a-single-file"""
        answer = self._call(
            "POST",
            f"opportunities/{opportunity_id}/files",
            files={"file": (filename, content, content_type)},
            perform_as=True,
        )
        return str((answer.get("data") or {}).get("id") or "")

    def start_date(self, opportunity_id: str) -> date | None:
        """The start date on the opportunity's offer, or None. Lever keeps it among the offer's
        form fields (Lever's default offer form: identifier `anticipated_start_date`, a date as
        epoch milliseconds); an account whose offer form has no such field gives None.

        https://hire.lever.co/developer/documentation#list-all-offers"""
        offers = self._all(f"opportunities/{opportunity_id}/offers")
        live = [o for o in offers if str(o.get("status") or "") not in ("denied", "draft")]
        for offer in sorted(live, key=lambda o: o.get("createdAt") or 0, reverse=True):
            for item in offer.get("fields") or []:
                if isinstance(item, dict) and item.get("identifier") == START_FIELD:
                    when = _ms(item.get("value"))
                    if when is not None:
                        return when.date()
        return None

    def referrals(self, opportunity_id: str) -> list[dict[str, Any]]:
        """The referral forms filed in Lever for an opportunity (read-only in the API).

        https://hire.lever.co/developer/documentation#list-all-referrals"""
        return self._all(f"opportunities/{opportunity_id}/referrals")

    # -- postings, stages, reasons -------------------------------------------------------------

    def postings(self, state: str | None = "published") -> list[AtsJob]:
        """Postings (refbot roles) with their hiring manager and owner (the recruiter).

        https://hire.lever.co/developer/documentation#list-all-postings"""
        raw = self._all("postings", {"state": state} if state else None)
        people = self.users() if raw else {}

        def person(user_id: Any) -> tuple[AtsUser, ...]:
            found = people.get(str(user_id)) if user_id else None
            return (found,) if found else ()

        return [
            AtsJob(
                id=str(p["id"]),
                title=str(p.get("text") or ""),
                status=str(p.get("state") or ""),
                open=p.get("state") in OPEN_STATES,
                hiring_managers=person(p.get("hiringManager")),
                recruiters=person(p.get("owner")),
                updated_at=_ms(p.get("updatedAt")),
            )
            for p in raw
        ]

    def stages(self) -> dict[str, str]:
        """Stage id -> name. https://hire.lever.co/developer/documentation#list-all-stages"""
        return {str(s["id"]): str(s.get("text") or "") for s in self._all("stages")}

    def archive_reasons(self) -> dict[str, tuple[str, str]]:
        """Archive reason id -> (text, type "hired" or "non-hired").

        https://hire.lever.co/developer/documentation#list-all-archive-reasons"""
        return {
            str(r["id"]): (str(r.get("text") or ""), str(r.get("type") or "non-hired"))
            for r in self._all("archive_reasons")
        }

    # -- polling ---------------------------------------------------------------------------

    def opportunity_pages(
        self, updated_since: datetime, *, cursor: str | None = None, limit: int = PAGE_LIMIT
    ) -> Iterator[Page[dict[str, Any]]]:
        """Raw opportunities updated at or after `updated_since`, a page at a time.

        https://hire.lever.co/developer/documentation#list-all-opportunities (`updated_at_start`,
        epoch milliseconds)"""
        params = {"updated_at_start": _to_ms(updated_since)}
        yield from self._pages("opportunities", params, cursor=cursor, limit=limit)

    def candidate_pages(
        self, updated_since: datetime, *, cursor: str | None = None, limit: int = PAGE_LIMIT
    ) -> Iterator[Page[AtsCandidate]]:
        """People whose opportunities changed since then (rediscovery, anonymisations)."""
        for page in self.opportunity_pages(updated_since, cursor=cursor, limit=limit):
            yield Page(tuple(_candidate(o) for o in page.items), page.next)

    def changes_since(self, updated_since: datetime) -> Iterator[AtsStageChange]:
        """Every opportunity changed since then, as a stage change: a stage move, a hire (an
        archive reason of type hired), a rejection (any other archive reason, kept private),
        an anonymisation."""
        stages = self.stages()
        reasons = self.archive_reasons()
        for page in self.opportunity_pages(updated_since):
            for raw in page.items:
                app = _application(raw, reasons)
                yield AtsStageChange(
                    ats=ATS,
                    candidate_id=app.candidate_id,
                    application_id=app.id,
                    outcome="anonymized" if raw.get("isAnonymized") else app.outcome,
                    stage_id=app.stage_id,
                    stage_name=stages.get(app.stage_id or ""),
                    reason=app.reason,
                    changed_at=app.updated_at,
                )

    def deleted_since(self, deleted_since: datetime) -> Iterator[AtsStageChange]:
        """Opportunities deleted since then (a deletion in Lever is a forget in refbot).

        https://hire.lever.co/developer/documentation#list-deleted-opportunities"""
        params = {"deleted_at_start": _to_ms(deleted_since)}
        for page in self._pages("opportunities/deleted", params):
            for raw in page.items:
                yield AtsStageChange(
                    ats=ATS,
                    candidate_id=str(raw.get("contact") or raw["id"]),
                    application_id=str(raw["id"]),
                    outcome="deleted",
                    changed_at=_ms(raw.get("deletedAt")),
                )

    # -- rediscovery: the account's past candidates --------------------------------------------

    def history_page(
        self,
        updated_after: datetime | None,
        *,
        cursor: str | None = None,
        limit: int = PAGE_LIMIT,
    ) -> Page[tuple[AtsCandidate, AtsApplication | None]]:
        """One page of opportunities changed strictly after `updated_after` (None: every one):
        the person (summary fields) and where that opportunity stands (its stage or archive
        reason, named). Stage and reason names are asked once per HISTORY_NAMES_TTL.

        https://hire.lever.co/developer/documentation#list-all-opportunities
        (`updated_at_start`, epoch milliseconds, inclusive: one past the last change seen) and
        #pagination (`limit` up to 100, `offset` the previous answer's `next` while `hasNext`)."""
        params = {"updated_at_start": _to_ms(updated_after) + 1} if updated_after else {}
        page = next(self._pages("opportunities", params, cursor=cursor, limit=limit))
        stages, reasons = self._history_names()
        found = []
        for raw in page.items:
            app = _application(raw, reasons)
            name = stages.get(app.stage_id or "")
            found.append((_candidate(raw), _with_stage(app, name)))
        return Page(tuple(found), page.next)

    def _history_names(self) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
        cached = getattr(self, "_names_cache", None)
        if cached is None or time.monotonic() - cached[0] > HISTORY_NAMES_TTL:
            cached = (time.monotonic(), self.stages(), self.archive_reasons())
            self._names_cache = cached
        return cached[1], cached[2]


# -- webhooks --------------------------------------------------------------------------------


def sign_webhook(signature_token: str, token: str, triggered_at: int) -> str:
    """Lever's signature: hex HMAC-SHA256 of `token + triggeredAt`, keyed with the webhook's
    signature token. https://hire.lever.co/developer/documentation#webhooks"""
    message = f"{token}{triggered_at}".encode()
    return hmac.new(signature_token.encode(), message, hashlib.sha256).hexdigest()


def verify_webhook(
    signature_tokens: Iterable[str],
    body: bytes,
    *,
    now: datetime,
    tolerance: timedelta = WEBHOOK_TOLERANCE,
) -> bool:
    """Lever's check, exactly as documented, against each configured signature token (one per
    webhook), in constant time; and a delivery signed longer ago than `tolerance` is stale.
    Replays inside the window are refused by the caller with `event_id`."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    token, triggered_at, signature = (
        data.get("token"),
        data.get("triggeredAt"),
        data.get("signature"),
    )
    if not isinstance(token, str) or not isinstance(signature, str):
        return False
    if not isinstance(triggered_at, int) or isinstance(triggered_at, bool):
        return False
    sent = datetime.fromtimestamp(triggered_at / 1000, UTC)
    if abs(now - sent) > tolerance:
        return False
    matches = [
        hmac.compare_digest(sign_webhook(secret, token, triggered_at), signature.lower())
        for secret in signature_tokens
        if secret
    ]
    return any(matches)


def event_id(body: bytes) -> str | None:
    """A delivery's identity (Lever sends no event id): event, opportunity and send time."""
    try:
        data = json.loads(body)
        inner = data.get("data") or {}
        return f"{data['event']}:{inner.get('opportunityId')}:{data['triggeredAt']}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def parse_webhook(body: bytes) -> AtsStageChange | None:
    """The change a verified webhook reports, or None for events refbot does not follow.

    candidateArchiveChange says "rejected" with the reason id; the caller resolves it with
    `archive_reasons()` (a reason of type hired is a hire, and Lever sends candidateHired too).
    https://hire.lever.co/developer/documentation#webhooks"""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("data"), dict):
        return None
    event, inner = data.get("event"), data["data"]
    opportunity = inner.get("opportunityId")
    if not opportunity:
        return None  # Lever's "test" ping carries no opportunity
    common: dict[str, Any] = {
        "ats": ATS,
        "candidate_id": str(inner.get("contactId") or inner.get("candidateId") or opportunity),
        "application_id": str(opportunity),
        "event_id": event_id(body),
        "changed_at": _ms(data.get("triggeredAt")),
    }
    if event == "candidateStageChange":
        return AtsStageChange(outcome="active", stage_id=inner.get("toStageId"), **common)
    if event == "candidateHired":
        return AtsStageChange(outcome="hired", **common)
    if event == "candidateArchiveChange":
        archived = inner.get("toArchived")
        if not archived:
            return AtsStageChange(outcome="active", **common)
        return AtsStageChange(outcome="rejected", reason=archived.get("reason"), **common)
    if event == "candidateDeleted":
        return AtsStageChange(outcome="deleted", **common)
    return None


# -- shapes ----------------------------------------------------------------------------------


def _ms(value: Any) -> datetime | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def _to_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _user(raw: dict[str, Any]) -> AtsUser:
    return AtsUser(id=str(raw["id"]), name=str(raw.get("name") or ""), email=raw.get("email"))


def _candidate(raw: dict[str, Any]) -> AtsCandidate:
    emails = raw.get("emails") if isinstance(raw.get("emails"), list) else []
    links = raw.get("links") if isinstance(raw.get("links"), list) else []
    tags = raw.get("tags") if isinstance(raw.get("tags"), list) else []
    return AtsCandidate(
        id=str(raw.get("contact") or raw["id"]),
        name=str(raw.get("name") or ""),
        emails=tuple(str(e) for e in emails),
        links=tuple(str(link) for link in links),
        headline=raw.get("headline"),
        tags=tuple(str(t) for t in tags),
        created_at=_ms(raw.get("createdAt")),
        updated_at=_ms(raw.get("updatedAt")),
        anonymized=bool(raw.get("isAnonymized")),
    )


def _application(raw: dict[str, Any], reasons: Mapping[str, tuple[str, str]]) -> AtsApplication:
    archived = raw.get("archived") if isinstance(raw.get("archived"), dict) else None
    outcome: Outcome = "active"
    reason = None
    if archived:
        text, kind = reasons.get(str(archived.get("reason")), (str(archived.get("reason")), ""))
        outcome = "hired" if kind == "hired" else "rejected"
        reason = None if outcome == "hired" else text
    postings = raw.get("applications") or []
    job = raw.get("posting") or (raw.get("postings") or [None])[0]
    return AtsApplication(
        id=str(raw["id"]),
        candidate_id=str(raw.get("contact") or raw["id"]),
        job_id=str(job) if job else None,
        prospect=not job and not postings,
        outcome=outcome,
        stage_id=None if raw.get("stage") is None else str(raw["stage"]),
        reason=reason,
        updated_at=_ms(raw.get("updatedAt")),
    )


def _with_stage(app: AtsApplication, name: str | None) -> AtsApplication:
    return dataclasses.replace(app, stage_name=name) if name else app
