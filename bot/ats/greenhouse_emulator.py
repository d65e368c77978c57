"""A fake Greenhouse (Harvest v3, its token endpoint and its webhooks) for tests and the demo.

Written from Greenhouse's published pages (the adapter, bot.ats.greenhouse, names them):
- `POST /token`: client credentials, HTTP Basic client id/secret, form `grant_type` and `sub`;
  answers {"access_token", "token_type": "Bearer", "expires_at"}; bad credentials answer OAuth's
  401 {"error": "invalid_client", ...}.
  https://harvestdocs.greenhouse.io/docs/authentication
- `/v3/...` with `Authorization: Bearer`: an expired or unknown token answers 401, a scope the
  credentials lack answers 403 naming it (RFC 6750 `WWW-Authenticate: Bearer
  error="insufficient_scope", scope="..."`; Greenhouse's exact words for this case are not on the
  pages read, so the emulator's are its own).
  https://harvestdocs.greenhouse.io/docs/handling-scope-changes
- Lists: filters and `per_page` (at most 500) on the first request; `Link: <...?cursor=...>;
  rel="next"` while there is more; a cursor combined with any other parameter answers 422.
  https://harvestdocs.greenhouse.io/docs/pagination,
  https://harvestdocs.greenhouse.io/docs/list-endpoints
- Rate limit: 429 with Retry-After, X-RateLimit-Limit/Remaining/Reset (`limit_rate`).
  https://harvestdocs.greenhouse.io/docs/api-rate-limiting
- Endpoints: GET users, referrers, sources, candidates, applications, jobs, job_hiring_managers,
  job_owners, job_interview_stages, rejection_reasons, attachments, offers (`current_only`),
  notes (`candidate_ids`, `application_ids`, `user_ids`; the v3 home of v1's activity feed:
  https://harvestdocs.greenhouse.io/reference/get_v3-notes);
  POST candidates, applications, notes, attachments (base64 `content` or `url`; a new resume
  turns the earlier one into "other").
  https://harvestdocs.greenhouse.io/reference/get_v3-users (and the sibling reference pages)
- Write-back: `POST /v3/applications/{id}/move` (`from_stage_id`, `to_stage_id`; the WRITE
  migration guide maps v1 move/advance to it, its v3 body is not on the pages read) and
  `POST /v3/applications/{id}/reject` (`rejection_reason_id` required, `notes`; 204).
  https://harvestdocs.greenhouse.io/docs/write-endpoint-migration-guide,
  https://harvestdocs.greenhouse.io/reference/post_v3-applications-id-reject. Their scope's
  name is not on the pages read: the emulator asks for `harvest:applications:update`. Like a
  move in the UI, each fires its webhook (after the answer).
- Webhooks: JSON `{"action", "payload"}` signed `Signature: sha256 <hex>` over the raw body,
  with a `Greenhouse-Event-ID`. https://developers.greenhouse.io/webhooks.html

What a recruiter does in Greenhouse's UI (move a stage, hire, reject, anonymise, delete, close a
job) is a method here: it changes the state polling sees and fires the webhook when one is set.
"""

import base64
import bisect
import copy
import functools
import json
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.ats.emulator_base import Answer, AtsEmulator, EmulatorError, SentWebhook, route_of
from bot.ats.greenhouse import REFBOT_TAG, sign_webhook

API = "/v3/"
MAX_PER_PAGE = 500
DEFAULT_PER_PAGE = 100
DEFAULT_STAGES = (
    "Application Review",
    "Recruiter Screen",
    "Technical Interview",
    "Onsite",
    "Offer",
)
# Every scope the emulated endpoints need (https://harvestdocs.greenhouse.io/docs/authentication:
# scopes are configured per credential).
ALL_SCOPES = frozenset(
    {
        "harvest:users:list",
        "harvest:referrers:list",
        "harvest:sources:list",
        "harvest:candidates:list",
        "harvest:candidates:create",
        "harvest:applications:list",
        "harvest:applications:create",
        "harvest:applications:update",
        "harvest:notes:list",
        "harvest:notes:create",
        "harvest:jobs:list",
        "harvest:job_hiring_managers:list",
        "harvest:job_owners:list",
        "harvest:job_interview_stages:list",
        "harvest:rejection_reasons:list",
        "harvest:attachments:list",
        "harvest:attachments:create",
        "harvest:offers:list",
        "harvest:prospect_pools:list",
    }
)
# https://harvestdocs.greenhouse.io/reference/post_v3-attachments
ATTACHMENT_TYPES = frozenset(
    {
        "resume",
        "cover_letter",
        "take_home_test",
        "offer_packet",
        "offer_letter",
        "signed_offer_letter",
        "midfunnel_agreement",
        "automated_agreement",
        "form_attachment",
        "other",
    }
)
# List filters per resource (besides ids, per_page, cursor, created_at, updated_at).
_FILTERS: dict[str, dict[str, str]] = {
    "users": {"primary_email": "primary_email"},
    "referrers": {"user_ids": "user_id"},
    "sources": {},
    "candidates": {"email": "email_addresses"},
    "applications": {"candidate_ids": "candidate_id", "job_ids": "job_id", "status": "status"},
    "jobs": {"status": "status"},
    "job_hiring_managers": {"job_ids": "job_id"},
    "job_owners": {"job_ids": "job_id"},
    "job_interview_stages": {"job_ids": "job_id"},
    "rejection_reasons": {},
    "attachments": {
        "application_ids": "application_id",
        "candidate_ids": "candidate_id",
        "type": "type",
    },
    "offers": {
        "application_ids": "application_id",
        "candidate_ids": "candidate_id",
        "status": "status",
        "current_only": "current",
    },
    "notes": {
        "candidate_ids": "candidate_id",
        "application_ids": "application_id",
        "user_ids": "user_id",
    },
    # https://harvestdocs.greenhouse.io/reference/get_v3-prospect-pools (`active`: true for
    # active pools, false for inactive ones)
    "prospect_pools": {"active": "active"},
}


class GreenhouseEmulator(AtsEmulator):
    """Harvest v3 over real HTTP on loopback, with one organisation's data."""

    name = "greenhouse"

    def __init__(
        self,
        *,
        client_id: str = "gh-client",
        client_secret: str = "gh-secret",
        token_lifetime: timedelta = timedelta(hours=1),
        webhook_secret: str = "gh-webhook-secret",
        **base: Any,
    ) -> None:
        super().__init__(**base)
        self.token_lifetime = token_lifetime
        self.webhook_secret = webhook_secret
        self.scopes: set[str] = set(ALL_SCOPES)
        self._clients: dict[str, str] = {client_id: client_secret}
        self._tokens: dict[str, tuple[str, str, datetime]] = {}  # token -> client, sub, expiry
        self.tokens_issued = 0
        self._rows: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in _FILTERS}
        self._rows["notes"] = {}
        self._attachment_bytes: dict[int, bytes] = {}
        for name in ("Referral", "LinkedIn (Prospecting)", "Jobs page on your website"):
            self._insert("sources", {"name": name})
        for name in ("Lacking skill(s)", "Hired another candidate", "Withdrew"):
            self._insert("rejection_reasons", {"name": name, "type": "rejected_by_organization"})

    # -- URLs --------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """GREENHOUSE_API_URL."""
        return f"{self.origin}{API}"

    @property
    def auth_url(self) -> str:
        """GREENHOUSE_AUTH_URL."""
        return f"{self.origin}/token"

    # -- arranging (what an admin sets up in Greenhouse) ---------------------------------------

    def add_client(self, client_id: str, client_secret: str) -> None:
        with self._lock:
            self._clients[client_id] = client_secret

    def revoke_client(self, client_id: str) -> None:
        """An admin deletes the credentials: tokens stop working, no new ones are issued."""
        with self._lock:
            self._clients.pop(client_id, None)
            self._tokens = {t: v for t, v in self._tokens.items() if v[0] != client_id}

    def expire_tokens(self) -> None:
        """Every issued token stops working before its announced expiry (a rotated secret)."""
        with self._lock:
            self._tokens.clear()

    def revoke_scope(self, scope: str) -> None:
        with self._lock:
            self.scopes.discard(scope)

    def add_user(
        self, email: str, first_name: str, last_name: str, *, referrer: bool = True
    ) -> str:
        """A Greenhouse user; `referrer` also gives her a referrer record (made in the UI when
        she is first credited with a referral)."""
        with self._lock:
            user = self._insert(
                "users",
                {
                    "first_name": first_name,
                    "last_name": last_name,
                    "primary_email": email,
                    "disabled": False,
                },
            )
            if referrer:
                self._insert(
                    "referrers",
                    {"name": f"{first_name} {last_name}", "user_id": user["id"], "type": "user"},
                )
            return str(user["id"])

    def add_job(
        self,
        name: str,
        *,
        status: str = "open",
        hiring_managers: tuple[str, ...] = (),
        recruiters: tuple[str, ...] = (),
        stages: tuple[str, ...] = DEFAULT_STAGES,
    ) -> str:
        with self._lock:
            job = self._insert("jobs", {"name": name, "status": status})
            for user_id in hiring_managers:
                self._insert("job_hiring_managers", {"job_id": job["id"], "user_id": int(user_id)})
            for user_id in recruiters:
                self._insert(
                    "job_owners",
                    {"job_id": job["id"], "user_id": int(user_id), "owner_type": "recruiter"},
                )
            for order, stage in enumerate(stages):
                self._insert(
                    "job_interview_stages",
                    {"job_id": job["id"], "name": stage, "sort_order": order},
                )
            return str(job["id"])

    def add_stage(self, job_id: str, name: str) -> str:
        """An admin adds a stage at the end of a job's interview plan."""
        with self._lock:
            rows = self._rows["job_interview_stages"].values()
            order = max((s["sort_order"] for s in rows if s["job_id"] == int(job_id)), default=-1)
            row = {"job_id": int(job_id), "name": name, "sort_order": order + 1}
            return str(self._insert("job_interview_stages", row)["id"])

    def add_candidate(self, first_name: str, last_name: str, email: str, **fields: Any) -> str:
        """Someone already in Greenhouse (an applicant, an earlier import)."""
        with self._lock:
            return str(self._new_candidate(first_name, last_name, email, **fields)["id"])

    def add_offer(
        self, application_id: str, start_date: date | None, *, status: str = "Accepted"
    ) -> str:
        """A recruiter makes an offer (a new version replaces the application's current one)."""
        with self._lock:
            app = self._get("applications", application_id)
            earlier = [o for o in self._rows["offers"].values() if o["application_id"] == app["id"]]
            for offer in earlier:
                self._update(offer, current=False, status="Deprecated")
            row = {
                "application_id": app["id"],
                "candidate_id": app["candidate_id"],
                "version": len(earlier) + 1,
                "status": status,
                "current": True,
                "start_date": start_date.isoformat() if start_date else None,
                "opening_id": None,
                "custom_fields": {},
            }
            return str(self._insert("offers", row)["id"])

    # -- what a recruiter does in the UI -------------------------------------------------------

    def move_stage(self, application_id: str, stage_name: str) -> SentWebhook | None:
        with self._lock:
            app = self._get("applications", application_id)
            stage = next(
                s
                for s in self._rows["job_interview_stages"].values()
                if s["job_id"] == app["job_id"] and s["name"] == stage_name
            )
            self._update(app, job_interview_stage_id=stage["id"], status="in_process")
        return self._fire("candidate_stage_change", application_id)

    def hire(self, application_id: str) -> SentWebhook | None:
        with self._lock:
            self._update(self._get("applications", application_id), status="hired")
        return self._fire("hire_candidate", application_id)

    def unhire(self, application_id: str) -> SentWebhook | None:
        """A hire undone (the person did not start): the application is active again, at the
        stage it was hired from."""
        with self._lock:
            self._update(self._get("applications", application_id), status="in_process")
        return self._fire("unhire_candidate", application_id)

    def reject(self, application_id: str, reason: str = "Lacking skill(s)") -> SentWebhook | None:
        with self._lock:
            found = next(r for r in self._rows["rejection_reasons"].values() if r["name"] == reason)
            app = self._get("applications", application_id)
            self._update(app, status="rejected", rejection_reason_id=found["id"])
        return self._fire("reject_candidate", application_id)

    def anonymize(self, candidate_id: str) -> None:
        """GDPR anonymisation: personal data replaced. No webhook action for it is on the pages
        read; polling sees it (updated_at moves)."""
        with self._lock:
            self._update(
                self._get("candidates", candidate_id),
                first_name="Anonymized",
                last_name="Candidate",
                email_addresses=[],
                website_addresses=[],
                social_media_addresses=[],
                is_anonymized=True,
            )

    def delete_candidate(self, candidate_id: str) -> SentWebhook | None:
        with self._lock:
            person = self._rows["candidates"].pop(int(candidate_id))
            apps = [
                a for a in self._rows["applications"].values() if a["candidate_id"] == person["id"]
            ]
            for app in apps:
                del self._rows["applications"][app["id"]]
            payload = {
                "person": {
                    "id": person["id"],
                    "first_name": person["first_name"],
                    "last_name": person["last_name"],
                    "deleted_application_ids": [a["id"] for a in apps],
                }
            }
        return self._send_webhook("delete_candidate", payload)

    def close_job(self, job_id: str) -> None:
        with self._lock:
            self._update(self._get("jobs", job_id), status="closed")

    # -- looking (for tests) ----------------------------------------------------------------

    def candidate(self, candidate_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._get("candidates", candidate_id))

    def candidates(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._rows["candidates"].values()))

    def applications(self, candidate_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._rows["applications"].values()
            return copy.deepcopy(
                [a for a in rows if candidate_id is None or a["candidate_id"] == int(candidate_id)]
            )

    def notes(self, candidate_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._rows["notes"].values()
            return copy.deepcopy([n for n in rows if n["candidate_id"] == int(candidate_id)])

    def source_id(self, name: str) -> str:
        with self._lock:
            return str(next(s["id"] for s in self._rows["sources"].values() if s["name"] == name))

    def referrer_id(self, user_id: str) -> str | None:
        with self._lock:
            rows = self._rows["referrers"].values()
            return next((str(r["id"]) for r in rows if r["user_id"] == int(user_id)), None)

    def attachments(self, application_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._rows["attachments"].values()
            return copy.deepcopy(
                [
                    a
                    for a in rows
                    if application_id is None or a["application_id"] == int(application_id)
                ]
            )

    def attachment_content(self, attachment_id: int) -> bytes:
        with self._lock:
            return self._attachment_bytes[attachment_id]

    # -- webhooks ----------------------------------------------------------------------------

    def signed_webhook(self, action: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """The body and headers Greenhouse would send. Unicode is escaped before signing, as
        Greenhouse does (json.dumps' default ensure_ascii)."""
        body = json.dumps({"action": action, "payload": payload}).encode()
        headers = {
            "Signature": sign_webhook(self.webhook_secret, body),
            "Greenhouse-Event-ID": str(uuid.uuid4()),
            "User-Agent": "Greenhouse-Webhook",
        }
        return body, headers

    def _send_webhook(self, action: str, payload: dict[str, Any]) -> SentWebhook | None:
        if not self.webhook_url:
            return None
        body, headers = self.signed_webhook(action, payload)
        return self._deliver(body, headers)

    def _fire(self, action: str, application_id: str) -> SentWebhook | None:
        with self._lock:
            payload = {
                "application": self._webhook_application(self._get("applications", application_id))
            }
        return self._send_webhook(action, payload)

    def _webhook_application(self, app: dict[str, Any]) -> dict[str, Any]:
        # The webhook's own (v1-era) shape: https://developers.greenhouse.io/webhooks.html
        person = self._rows["candidates"][app["candidate_id"]]
        stage = self._rows["job_interview_stages"].get(app.get("job_interview_stage_id") or 0)
        reason = self._rows["rejection_reasons"].get(app.get("rejection_reason_id") or 0)
        job = self._rows["jobs"].get(app.get("job_id") or 0)
        status = {"in_process": "active"}.get(app["status"], app["status"])
        return {
            "id": app["id"],
            "status": status,
            "prospect": app["prospect"],
            "rejected_at": app["updated_at"] if status == "rejected" else None,
            "last_activity_at": app["updated_at"],
            "current_stage": {"id": stage["id"], "name": stage["name"]} if stage else None,
            "rejection_reason": {"id": reason["id"], "name": reason["name"]} if reason else None,
            "candidate": {
                "id": person["id"],
                "first_name": person["first_name"],
                "last_name": person["last_name"],
                "email_addresses": person["email_addresses"],
            },
            "jobs": [{"id": job["id"], "name": job["name"], "status": job["status"]}]
            if job
            else [],
        }

    # -- rediscovery: past candidates and prospect pools ------------------------------------

    def add_candidates(self, people: list[dict[str, Any]]) -> list[str]:
        """Many past candidates at once (an organisation's history), each a dict of
        first_name, last_name, email and optionally company, title, tags, updated_at (a
        datetime: when Greenhouse last changed her). Their ids, in order."""
        with self._lock:
            ids = []
            for person in people:
                fields = {k: person[k] for k in ("company", "title", "tags") if k in person}
                row = self._new_candidate(
                    person["first_name"], person["last_name"], person.get("email", ""), **fields
                )
                if person.get("updated_at") is not None:
                    row["created_at"] = row["updated_at"] = _iso(person["updated_at"])
                ids.append(str(row["id"]))
            return ids

    def edit_candidate(self, candidate_id: str, **fields: Any) -> None:
        """A recruiter edits a profile (company, title, last_name...): updated_at moves."""
        with self._lock:
            self._update(self._get("candidates", candidate_id), **fields)

    def add_past_application(
        self,
        candidate_id: str,
        job_id: str | None,
        *,
        stage: str | None = None,
        status: str = "in_process",
        reason: str | None = None,
    ) -> str:
        """An application from the organisation's history: at a stage of its job, hired, or
        rejected for a reason."""
        with self._lock:
            stage_id = None
            if stage is not None:
                stage_id = next(
                    s["id"]
                    for s in self._rows["job_interview_stages"].values()
                    if s["job_id"] == int(job_id or 0) and s["name"] == stage
                )
            found = None
            if reason is not None:
                found = next(
                    r["id"] for r in self._rows["rejection_reasons"].values() if r["name"] == reason
                )
            app = self._insert(
                "applications",
                {
                    "candidate_id": int(candidate_id),
                    "job_id": None if job_id is None else int(job_id),
                    "prospect": job_id is None,
                    "status": status,
                    "job_interview_stage_id": stage_id,
                    "source_id": None,
                    "referrer_id": None,
                    "rejection_reason_id": found,
                },
            )
            return str(app["id"])

    def add_prospect_pool(self, name: str, *, active: bool = True) -> str:
        """A prospect pool, organisation-wide (no department, office or job restriction).

        https://harvestdocs.greenhouse.io/reference/get_v3-prospect-pools"""
        with self._lock:
            row = self._insert(
                "prospect_pools",
                {
                    "name": name,
                    "active": active,
                    "department_ids": [],
                    "office_ids": [],
                    "job_ids": [],
                },
            )
            return str(row["id"])

    def retire_prospect_pool(self, pool_id: str) -> None:
        """An admin makes the pool inactive (Greenhouse keeps it, "retained")."""
        with self._lock:
            self._update(self._get("prospect_pools", pool_id), active=False)

    # -- HTTP --------------------------------------------------------------------------------

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any, headers: Any
    ) -> Answer:
        if path == "/token":
            if method != "POST":
                raise EmulatorError(405, "method not allowed")
            return self._token(headers, body or {})
        if not path.startswith(API):
            raise EmulatorError(404, "not found")
        self._authenticate(headers)
        parts = route_of(path, API)
        if len(parts) == 3 and parts[0] == "applications" and parts[2] in ("move", "reject"):
            if method != "POST":
                raise EmulatorError(405, "method not allowed")
            self._require("harvest:applications:update")
            app = self._rows["applications"].get(_int(parts[1], "id"))
            if app is None:
                raise EmulatorError(404, "application not found")
            if parts[2] == "move":
                return self._move_application(app, body or {})
            return self._reject_application(app, body or {})
        if len(parts) != 1 or parts[0] not in _FILTERS:
            raise EmulatorError(404, "not found")
        resource = parts[0]
        if method == "GET" and resource in _FILTERS:
            self._require(f"harvest:{resource}:list")
            return self._list(resource, query)
        if method == "POST" and resource in ("candidates", "applications", "notes", "attachments"):
            self._require(f"harvest:{resource}:create")
            return getattr(self, f"_create_{resource}")(body or {})
        raise EmulatorError(405, "method not allowed")

    def _error(self, error: EmulatorError) -> tuple[int, Any]:
        if error.code:  # OAuth's shape, from the token endpoint
            return error.status, {"error": error.code, "error_description": error.message}
        if error.extra.get("field"):
            return error.status, {
                "errors": [{"message": error.message, "field": error.extra["field"]}]
            }
        return error.status, {"message": error.message}

    def _token(self, headers: Any, form: dict[str, str]) -> Answer:
        client_id, secret = _basic(headers.get("Authorization"))
        if client_id is None or self._clients.get(client_id) != secret:
            raise EmulatorError(401, "Client authentication failed", code="invalid_client")
        if form.get("grant_type") != "client_credentials":
            raise EmulatorError(
                400, "grant_type must be client_credentials", code="unsupported_grant_type"
            )
        sub = str(form.get("sub") or "")
        user = self._rows["users"].get(int(sub)) if sub.isdigit() else None
        if user is None or user.get("disabled"):
            raise EmulatorError(400, f"sub {sub!r} is not an active user", code="invalid_request")
        token = secrets.token_urlsafe(24)
        expires_at = self._now() + self.token_lifetime
        self._tokens[token] = (client_id, sub, expires_at)
        self.tokens_issued += 1
        return (
            200,
            {},
            {"access_token": token, "token_type": "Bearer", "expires_at": _iso(expires_at)},
        )

    def _authenticate(self, headers: Any) -> None:
        auth = headers.get("Authorization") or ""
        held = (
            self._tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        )
        if held is None or held[2] <= self._now():
            raise EmulatorError(
                401,
                "The access token is missing, invalid or expired",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )

    def _require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise EmulatorError(
                403,
                f"The credentials are missing the required scope {scope}",
                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
            )

    def _list(self, resource: str, query: dict[str, str]) -> Answer:
        query = dict(query)  # the call record keeps what was sent
        if "cursor" in query:
            if len(query) > 1:
                raise EmulatorError(422, "cursor must be the only query parameter", field="cursor")
            state = _decode_cursor(query["cursor"])
            if state.get("resource") != resource:
                raise EmulatorError(422, "cursor does not belong to this resource", field="cursor")
            filters, after, per_page = state["filters"], state["after"], state["per_page"]
        else:
            per_page = _int(query.pop("per_page", str(DEFAULT_PER_PAGE)), "per_page")
            if not 1 <= per_page <= MAX_PER_PAGE:
                raise EmulatorError(
                    422, f"per_page must be between 1 and {MAX_PER_PAGE}", field="per_page"
                )
            allowed = {"ids", "created_at", "updated_at", *_FILTERS[resource]}
            unknown = sorted(set(query) - allowed)
            if unknown:
                raise EmulatorError(422, f"unknown filter {unknown[0]}", field=unknown[0])
            filters, after = query, 0
        # Ids only grow, so a table's dict is in id order: the page starts after the cursor's
        # id and stops one row past a full page (10^5 rows page as fast as 10^2).
        table = self._rows[resource]
        keys = list(table)
        start = bisect.bisect_right(keys, after)
        matching = []
        for key in keys[start:]:
            row = table[key]
            if self._matches(resource, row, filters):
                matching.append(row)
                if len(matching) > per_page:
                    break
        page = matching[:per_page]
        headers = {}
        if len(matching) > per_page:
            cursor = _encode_cursor(
                {
                    "resource": resource,
                    "filters": filters,
                    "after": page[-1]["id"],
                    "per_page": per_page,
                }
            )
            headers["Link"] = f'<{self.api_url}{resource}?cursor={cursor}>; rel="next"'
        return 200, headers, copy.deepcopy(page)

    def _matches(self, resource: str, row: dict[str, Any], filters: dict[str, str]) -> bool:
        for key, value in filters.items():
            if key == "ids":
                if row["id"] not in {int(v) for v in value.split(",") if v}:
                    return False
            elif key in ("created_at", "updated_at"):
                if not _compare(row[key], value):
                    return False
            elif key == "current_only":
                if value == "true" and not row["current"]:
                    return False
            else:
                field = _FILTERS[resource][key]
                if field == "email_addresses":
                    emails = {e["value"].casefold() for e in row[field]}
                    if value.casefold() not in emails:
                        return False
                elif key.endswith("_ids"):
                    if row[field] not in {int(v) for v in value.split(",") if v}:
                        return False
                elif str(row[field]).casefold() != value.casefold():
                    return False
        return True

    def _create_candidates(self, body: dict[str, Any]) -> Answer:
        first, last = body.get("first_name"), body.get("last_name")
        if not first or not last:
            raise EmulatorError(422, "first_name and last_name are required", field="first_name")
        emails = body.get("email_addresses") or []
        email = emails[0]["value"] if emails else ""
        fields = {
            k: body[k]
            for k in ("company", "title", "website_addresses", "social_media_addresses", "tags")
            if k in body
        }
        person = self._new_candidate(first, last, email, **fields)
        return 201, {}, {"candidate": copy.deepcopy(person), "application": None}

    def _create_applications(self, body: dict[str, Any]) -> Answer:
        person = self._rows["candidates"].get(_int(body.get("candidate_id"), "candidate_id"))
        if person is None:
            raise EmulatorError(422, "candidate not found", field="candidate_id")
        job_id = body.get("job_id")
        prospect = bool(body.get("prospect"))
        stage_id = None
        if job_id is None and not prospect:
            raise EmulatorError(422, "job_id is required unless prospect is true", field="job_id")
        if job_id is not None:
            job = self._rows["jobs"].get(_int(job_id, "job_id"))
            if job is None or job["status"] != "open":
                raise EmulatorError(422, "job not found or not open", field="job_id")
            stages = sorted(
                (
                    s
                    for s in self._rows["job_interview_stages"].values()
                    if s["job_id"] == job["id"]
                ),
                key=lambda s: s["sort_order"],
            )
            stage_id = stages[0]["id"] if stages else None
        for key, table in (("source_id", "sources"), ("referrer_id", "referrers")):
            if body.get(key) is not None and _int(body[key], key) not in self._rows[table]:
                raise EmulatorError(422, f"{key} not found", field=key)
        app = self._insert(
            "applications",
            {
                "candidate_id": person["id"],
                "job_id": None if job_id is None else int(job_id),
                "prospect": prospect,
                "status": "in_process",
                "job_interview_stage_id": stage_id,
                "source_id": body.get("source_id"),
                "referrer_id": body.get("referrer_id"),
                "rejection_reason_id": None,
            },
        )
        person["updated_at"] = app["updated_at"]
        return 201, {}, copy.deepcopy(app)

    def _move_application(self, app: dict[str, Any], body: dict[str, Any]) -> Answer:
        if app["status"] != "in_process":
            raise EmulatorError(422, "only an active application can be moved", field="id")
        if _int(body.get("from_stage_id"), "from_stage_id") != app["job_interview_stage_id"]:
            raise EmulatorError(
                422, "from_stage_id is not the application's current stage", field="from_stage_id"
            )
        stage = self._rows["job_interview_stages"].get(_int(body.get("to_stage_id"), "to_stage_id"))
        if stage is None or stage["job_id"] != app["job_id"]:
            raise EmulatorError(422, "to_stage_id is not a stage of this job", field="to_stage_id")
        self._update(app, job_interview_stage_id=stage["id"])
        self._rows["candidates"][app["candidate_id"]]["updated_at"] = app["updated_at"]
        self._after_answer(lambda: self._fire("candidate_stage_change", str(app["id"])))
        return 200, {}, copy.deepcopy(app)

    def _reject_application(self, app: dict[str, Any], body: dict[str, Any]) -> Answer:
        reason = _int(body.get("rejection_reason_id"), "rejection_reason_id")
        if reason not in self._rows["rejection_reasons"]:
            raise EmulatorError(422, "rejection_reason_id not found", field="rejection_reason_id")
        if app["status"] != "in_process":
            raise EmulatorError(422, "only an active application can be rejected", field="id")
        self._update(app, status="rejected", rejection_reason_id=reason)
        if body.get("notes"):
            self._insert(
                "notes",
                {
                    "candidate_id": app["candidate_id"],
                    "application_id": app["id"],
                    "user_id": None,
                    "body": str(body["notes"]),
                    "visibility": "public",
                    "type": "REJECTION",
                },
            )
        self._after_answer(lambda: self._fire("reject_candidate", str(app["id"])))
        return 204, {}, None

    def _create_notes(self, body: dict[str, Any]) -> Answer:
        if _int(body.get("candidate_id"), "candidate_id") not in self._rows["candidates"]:
            raise EmulatorError(422, "candidate not found", field="candidate_id")
        if _int(body.get("user_id"), "user_id") not in self._rows["users"]:
            raise EmulatorError(422, "user not found", field="user_id")
        if body.get("visibility") not in ("admin_only", "private", "public"):
            raise EmulatorError(
                422, "visibility must be admin_only, private or public", field="visibility"
            )
        if not body.get("body"):
            raise EmulatorError(422, "body is required", field="body")
        note = self._insert(
            "notes",
            {
                "candidate_id": int(body["candidate_id"]),
                "application_id": body.get("application_id"),
                "user_id": int(body["user_id"]),
                "body": body["body"],
                "visibility": body["visibility"],
                "type": "NOTE",
            },
        )
        return 201, {}, copy.deepcopy(note)

    def _create_attachments(self, body: dict[str, Any]) -> Answer:
        app = self._rows["applications"].get(_int(body.get("application_id"), "application_id"))
        if app is None:
            raise EmulatorError(422, "application not found", field="application_id")
        filename = str(body.get("filename") or "")
        if not filename or filename.lower().endswith((".html", ".exe")):
            raise EmulatorError(422, "filename is missing or not allowed", field="filename")
        if body.get("type") not in ATTACHMENT_TYPES:
            raise EmulatorError(422, "type is not an attachment type", field="type")
        if bool(body.get("content")) == bool(body.get("url")):
            raise EmulatorError(422, "provide exactly one of content or url", field="content")
        try:
            content = base64.b64decode(str(body.get("content") or ""), validate=True)
        except ValueError:
            raise EmulatorError(422, "content is not base64", field="content") from None
        if body["type"] in ("resume", "cover_letter"):
            # A new resume reclassifies the earlier one as "other" (the reference page).
            for row in self._rows["attachments"].values():
                if row["application_id"] == app["id"] and row["type"] == body["type"]:
                    self._update(row, type="other")
        row = self._insert(
            "attachments",
            {
                "application_id": app["id"],
                "candidate_id": app["candidate_id"],
                "filename": filename,
                "type": body["type"],
                "visibility": body.get("visibility") or "public",
                "url": f"{self.origin}/files/{uuid.uuid4()}?expires=7d",
            },
        )
        self._attachment_bytes[row["id"]] = content
        return 201, {}, copy.deepcopy(row)

    # -- state helpers (lock held) -------------------------------------------------------------

    def _insert(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        now = _iso(self._now())
        row = {"id": self._next_id(), **row, "created_at": now, "updated_at": now}
        self._rows[table][row["id"]] = row
        return row

    def _update(self, row: dict[str, Any], **fields: Any) -> None:
        row.update(fields, updated_at=_iso(self._now()))

    def _get(self, table: str, row_id: str) -> dict[str, Any]:
        return self._rows[table][int(row_id)]

    def _new_candidate(self, first: str, last: str, email: str, **fields: Any) -> dict[str, Any]:
        return self._insert(
            "candidates",
            {
                "first_name": first,
                "last_name": last,
                "company": fields.get("company"),
                "title": fields.get("title"),
                "email_addresses": [{"value": email, "type": "personal"}] if email else [],
                "website_addresses": fields.get("website_addresses", []),
                "social_media_addresses": fields.get("social_media_addresses", []),
                "tags": list(fields.get("tags", [])),
                "is_private": False,
                "is_anonymized": False,
            },
        )


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _compare(stamp: str, condition: str) -> bool:
    op, _, value = condition.partition("|")
    if not value:
        op, value = "eq", op
    left = _parsed(stamp)
    right = _parsed(value)
    checks = {
        "gte": left >= right,
        "gt": left > right,
        "lte": left <= right,
        "lt": left < right,
        "eq": left == right,
    }
    if op not in checks:
        raise EmulatorError(422, f"unknown operator {op}", field="updated_at")
    return checks[op]


@functools.lru_cache(maxsize=4096)
def _parsed(stamp: str) -> datetime:
    # Cached: a page of a 10^5-row list compares every row's stamp with one filter's value.
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise EmulatorError(422, f"invalid time {stamp!r}", field="updated_at") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise EmulatorError(422, f"{field} must be an integer", field=field) from None


def _encode_cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        raise EmulatorError(422, "invalid cursor", field="cursor") from None
    if not isinstance(state, dict):
        raise EmulatorError(422, "invalid cursor", field="cursor")
    return state


def _basic(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.startswith("Basic "):
        return None, None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None, None
    return user, password


__all__ = ["REFBOT_TAG", "GreenhouseEmulator"]
