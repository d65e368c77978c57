"""Greenhouse Harvest v3 (v1/v2 were retired on 31 August 2026): the calls refbot makes.

Sources, read for this module (each endpoint's docstring names its page):
- Authentication: https://harvestdocs.greenhouse.io/docs/authentication — OAuth 2.0 client
  credentials, `POST https://auth.greenhouse.io/token`, HTTP Basic client id/secret, form body
  `grant_type=client_credentials` and `sub=<user id>` (the user refbot acts as); the answer
  carries `access_token` and `expires_at` (ISO 8601); calls send `Authorization: Bearer`.
- Pagination: https://harvestdocs.greenhouse.io/docs/pagination — cursor pagination: filters and
  `per_page` on the first request only, then follow the `Link: <...>; rel="next"` URL exactly
  (a cursor must be the only query parameter); no next link: last page.
- List endpoints: https://harvestdocs.greenhouse.io/docs/list-endpoints — `ids`, parent ids
  (`candidate_ids`, `job_ids`...), `created_at`/`updated_at` with `gte|`, `gt|`, `lte|`, `lt|`.
- Rate limits: https://harvestdocs.greenhouse.io/docs/api-rate-limiting — 429 with Retry-After
  and X-RateLimit-Reset.
- READ and WRITE migration guides:
  https://harvestdocs.greenhouse.io/docs/step-by-step-migration-instructions and
  https://harvestdocs.greenhouse.io/docs/write-endpoint-migration-guide (v1 `POST
  /candidates/{id}/applications` became `POST /v3/applications`; the activity feed became
  `/v3/notes`, which lists notes by `candidate_ids`: a note is looked for there before it is
  written again).
- Write bodies, as far as the pages read show them (searched again for the write-back):
  confirmed: `POST /v3/applications/{id}/reject` takes `rejection_reason_id` (required),
  `notes`, `rejection_email`, `custom_fields` and answers 204 (its reference page);
  `POST /v3/applications/{id}/move` replaced v1's move and advance (the WRITE guide), and its
  inputs are `from_stage_id`, `to_stage_id`, `to_job_id` (Workato's "Move application (v3)"
  action, https://docs.workato.com/connectors/greenhouse/move-application-v3, a third party);
  rejection details are patched on their own resource (`/v3/rejection_details/{id}`).
  Not shown, kept as v1 had them: the bodies of `POST /v3/candidates` (email_addresses,
  website/social addresses as [{"value", "type"}], tags), `POST /v3/applications`
  (`candidate_id`, `job_id` or `prospect`, `source_id`, `referrer_id` — v1 took a referrer
  object), `POST /v3/notes` (`candidate_id`, `user_id`, `body`, `visibility`), the order field
  of job interview stages, and the scope name of move/reject.
- Attachments and offers (read for the CV push and the start date): `POST /v3/attachments`
  attaches a file to an *application* (`application_id`, `filename`, `type` such as resume,
  `content` base64 or a public `url`), `GET /v3/attachments` lists them (`application_ids`,
  `candidate_ids`, `type`); `GET /v3/offers` lists offers with their start date
  (`application_ids`, `current_only`). https://harvestdocs.greenhouse.io/reference/post_v3-attachments,
  https://harvestdocs.greenhouse.io/reference/get_v3-attachments,
  https://harvestdocs.greenhouse.io/reference/get_v3-offers
- Webhooks (unchanged by v3): https://developers.greenhouse.io/webhooks.html — `Signature:
  sha256 <hex HMAC-SHA256(secret key, raw body)>`, a `Greenhouse-Event-ID` per delivery.
"""

import base64
import dataclasses
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator, Mapping
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

ATS = "greenhouse"
DEFAULT_API_URL = "https://harvest.greenhouse.io/v3/"
DEFAULT_AUTH_URL = "https://auth.greenhouse.io/token"
# A token is renewed this long before it expires, so a call never carries a token that dies
# on the way (Greenhouse issues them for an hour).
TOKEN_MARGIN = timedelta(minutes=2)
DEFAULT_TOKEN_LIFETIME = timedelta(hours=1)  # when an answer gives no expiry
PER_PAGE = 500  # the largest page Harvest serves
REFERRAL_SOURCE = "Referral"  # the source Greenhouse ships for employee referrals
# Tag on every candidate refbot creates: after an uncertain create, a candidate found by email
# with this tag is refbot's own (finish the job), one without it was already known.
REFBOT_TAG = "refbot"

# Offers that say nothing of a start any more (https://harvestdocs.greenhouse.io/reference/get_v3-offers).
_DEAD_OFFERS = frozenset({"rejected", "deprecated"})

# Harvest v3 application statuses -> refbot's outcome words.
_OUTCOMES: dict[str, Outcome] = {
    "in_process": "active",
    "active": "active",
    "converted": "active",
    "hired": "hired",
    "rejected": "rejected",
}


class GreenhouseClient:
    """Harvest v3 as one Greenhouse user (`sub`): find, push, note, list jobs, poll changes."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        user_id: str,
        api_url: str = DEFAULT_API_URL,
        auth_url: str = DEFAULT_AUTH_URL,
        clock: Clock = default_clock.now,
        client: "httpx.Client | None" = None,
        rate_limit_retries: int = 0,
        **http: Any,
    ) -> None:
        self._credentials = (client_id, client_secret)
        self.user_id = user_id
        self.auth_url = auth_url
        self.clock = clock
        self.http = AtsHttp(
            ATS,
            api_url,
            clock=clock,
            client=client,
            rate_limit_retries=rate_limit_retries,
            **http,
        )
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires_at: datetime | None = None
        self._referral_source_id: str | None = None

    def __repr__(self) -> str:  # never the secret
        return f"GreenhouseClient(user_id={self.user_id!r}, api={self.http.base_url!r})"

    def close(self) -> None:
        self.http.close()

    # -- authentication ---------------------------------------------------------------------

    def token(self) -> str:
        """A bearer token, fetched once and reused until shortly before it expires.

        https://harvestdocs.greenhouse.io/docs/authentication and
        https://harvestdocs.greenhouse.io/reference/generate-token"""
        with self._lock:
            now = self.clock()
            if self._token and self._token_expires_at and now < self._token_expires_at:
                return self._token
            try:
                response = self.http.request(
                    "POST",
                    self.auth_url,
                    headers={"Accept": "application/json"},
                    data={"grant_type": "client_credentials", "sub": self.user_id},
                    auth=self._credentials,
                )
            except AtsError as error:
                # OAuth answers bad client credentials with 400 invalid_client (RFC 6749 5.2).
                if error.status == 400:
                    raise AtsError(
                        "unauthorized", error.reason, ats=ATS, status=400, scope=error.scope
                    ) from None
                raise
            body = _json(response)
            token = body.get("access_token")
            if not isinstance(token, str) or not token:
                raise AtsError("permanent", "token answer without access_token", ats=ATS)
            self._token = token
            self._token_expires_at = _expiry(body, now) - TOKEN_MARGIN
            return token

    def forget_token(self) -> None:
        with self._lock:
            self._token = self._token_expires_at = None

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> "httpx.Response":
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
            try:
                return self.http.request(
                    method, path, headers=headers, params=params, json=json_body
                )
            except AtsError as error:
                # A token revoked or expired early: one fresh token, then the 401 stands.
                if error.status == 401 and attempt == 1:
                    self.forget_token()
                    continue
                raise
        raise AssertionError("unreachable")

    def _pages(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        cursor: str | None = None,
        per_page: int = PER_PAGE,
    ) -> Iterator[Page[dict[str, Any]]]:
        """Every page of a list, following the Link header; `cursor` resumes at a page's next.

        https://harvestdocs.greenhouse.io/docs/pagination"""
        if cursor is not None:
            url, query = cursor, None  # the cursor URL alone: it must be the only parameter
        else:
            url, query = path, {**(params or {}), "per_page": per_page}
        while url:
            response = self._call("GET", url, params=query)
            items = _json_list(response)
            url = response.links.get("next", {}).get("url")
            query = None
            yield Page(tuple(items), url)

    def _all(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return [item for page in self._pages(path, params) for item in page.items]

    # -- people -------------------------------------------------------------------------------

    def me(self) -> AtsUser:
        """The user refbot acts as: checks the credentials with a real call (on save).

        https://harvestdocs.greenhouse.io/reference/get_v3-users"""
        users = self._all("users", {"ids": self.user_id})
        if not users:
            raise AtsError("permanent", f"user {self.user_id} not found", ats=ATS)
        return _user(users[0])

    def find_user(self, email: str) -> AtsUser | None:
        """The Greenhouse user with this email (a referring employee, a hiring manager).

        https://harvestdocs.greenhouse.io/reference/get_v3-users (`primary_email` filter)"""
        users = self._all("users", {"primary_email": email})
        return _user(users[0]) if users else None

    def users(self, ids: set[str]) -> dict[str, AtsUser]:
        """Users by id. https://harvestdocs.greenhouse.io/reference/get_v3-users"""
        if not ids:
            return {}
        found = self._all("users", {"ids": ",".join(sorted(ids))})
        return {str(u["id"]): _user(u) for u in found}

    def referrer_for(self, user_id: str) -> str | None:
        """The referrer record of a user. Referrers are not users: an application's
        `referrer_id` points to a referrer, which links to a user when there is one; the endpoint
        is read-only (referrers are made in Greenhouse's UI).

        https://harvestdocs.greenhouse.io/reference/get_v3-referrers"""
        referrers = self._all("referrers", {"user_ids": user_id})
        return str(referrers[0]["id"]) if referrers else None

    def referral_source_id(self) -> str | None:
        """The id of the "Referral" source (cached: sources change rarely).

        https://harvestdocs.greenhouse.io/reference/get_v3-sources"""
        if self._referral_source_id is None:
            for source in self._all("sources"):
                if str(source.get("name", "")).strip().casefold() == REFERRAL_SOURCE.casefold():
                    self._referral_source_id = str(source["id"])
                    break
        return self._referral_source_id

    # -- candidates and applications -----------------------------------------------------------

    def find_candidate(self, email: str) -> AtsCandidate | None:
        """The candidate (or prospect) with this email address, if any.

        https://harvestdocs.greenhouse.io/reference/get_v3-candidates (`email` filter)"""
        found = self._all("candidates", {"email": email})
        return _candidate(found[0]) if found else None

    def create_candidate(self, referral: AtsReferral) -> AtsCandidate:
        """A new candidate with the referral's contact details and refbot's tag.

        https://harvestdocs.greenhouse.io/reference/post_v3-candidates"""
        first, last = _split_name(referral.name)
        social = [link for link in referral.links if _is_social(link)]
        websites = [link for link in referral.links if not _is_social(link)]
        body: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "email_addresses": [{"value": referral.email, "type": "personal"}],
            "tags": sorted({REFBOT_TAG, *referral.tags}),
        }
        if social:
            body["social_media_addresses"] = [{"value": link} for link in social]
        if websites:
            body["website_addresses"] = [{"value": link, "type": "other"} for link in websites]
        answer = _json(self._call("POST", "candidates", json_body=body))
        # Harvest v3 answers {"candidate": {...}, "application": ...} when it creates both.
        return _candidate(answer.get("candidate", answer))

    def create_application(
        self,
        candidate_id: str,
        *,
        job_id: str | None,
        source_id: str | None,
        referrer_id: str | None,
    ) -> AtsApplication:
        """An application on a job, or a prospect application when there is no job (a general
        referral or a role not open yet), from the Referral source, credited to the referrer.

        https://harvestdocs.greenhouse.io/reference/post_v3-applications (WRITE migration
        guide: replaces v1 POST /candidates/{id}/applications)"""
        body: dict[str, Any] = {"candidate_id": int(candidate_id)}
        if job_id is None:
            body["prospect"] = True
        else:
            body["job_id"] = int(job_id)
        if source_id is not None:
            body["source_id"] = int(source_id)
        if referrer_id is not None:
            body["referrer_id"] = int(referrer_id)
        return _application(_json(self._call("POST", "applications", json_body=body)))

    def applications_of(self, candidate_id: str) -> list[AtsApplication]:
        """A candidate's applications. https://harvestdocs.greenhouse.io/reference/get_v3-applications"""
        return [_application(a) for a in self._all("applications", {"candidate_ids": candidate_id})]

    def application(self, application_id: str) -> AtsApplication | None:
        """One application as it is now (write-back looks before it writes).

        https://harvestdocs.greenhouse.io/reference/get_v3-applications (`ids` filter,
        https://harvestdocs.greenhouse.io/docs/list-endpoints)"""
        found = self._all("applications", {"ids": application_id})
        return _application(found[0]) if found else None

    def job_stages(self, job_id: str) -> list[tuple[str, str]]:
        """A job's interview stages as (id, name), in the job's order. The order field's v3 name
        is not on the pages read: `priority` (v1's) or `sort_order`, else the ids' order.

        https://harvestdocs.greenhouse.io/reference/get_v3-job-interview-stages"""
        rows = self._all("job_interview_stages", {"job_ids": job_id})

        def order(row: dict[str, Any]) -> tuple[int, int]:
            rank = row.get("priority", row.get("sort_order"))
            return (rank if isinstance(rank, int) else 0, int(row["id"]))

        return [(str(r["id"]), str(r.get("name") or "")) for r in sorted(rows, key=order)]

    def move_application(
        self, application_id: str, *, from_stage_id: str, to_stage_id: str
    ) -> None:
        """Move an application to another stage of its job (a Slack "Move to…" written back).

        https://harvestdocs.greenhouse.io/docs/write-endpoint-migration-guide (v1 move and
        advance became `POST /v3/applications/{id}/move`); the fields as Workato's v3 action
        names them (module docstring)"""
        body = {"from_stage_id": int(from_stage_id), "to_stage_id": int(to_stage_id)}
        self._call("POST", f"applications/{int(application_id)}/move", json_body=body)

    def reject_application(
        self, application_id: str, *, rejection_reason_id: str, notes: str | None = None
    ) -> None:
        """Reject an application with a reason (a Slack "Not a fit" written back); no email to
        the candidate. Answers 204.

        https://harvestdocs.greenhouse.io/reference/post_v3-applications-id-reject
        (`rejection_reason_id` required, optional `notes`, `rejection_email`)"""
        body: dict[str, Any] = {"rejection_reason_id": int(rejection_reason_id)}
        if notes:
            body["notes"] = notes
        self._call("POST", f"applications/{int(application_id)}/reject", json_body=body)

    def push_referral(self, referral: AtsReferral) -> AtsPushResult:
        """Find the person by email; if Greenhouse already knows her, write nothing. Otherwise
        create her and an application (a prospect one without a job) from the Referral source,
        credited to the referrer when the referrer is a Greenhouse user with a referrer record.

        Safe to call again after an uncertain failure: a candidate found with refbot's tag is
        refbot's own from the earlier attempt, and only what is missing is created. The notes
        (the referrer's words; the credit, when `referrer_credited` is False) are separate calls
        (`add_note`), so each is its own retriable delivery."""
        existing = self.find_candidate(referral.email)
        if existing is not None and REFBOT_TAG not in existing.tags:
            return AtsPushResult("existing", existing.id)
        if existing is not None:
            mine = [a for a in self.applications_of(existing.id) if a.job_id == referral.job_id]
            if mine:
                app = mine[0]
                return AtsPushResult(
                    "resumed", existing.id, app.id, referrer_credited=app.referrer_id is not None
                )
            candidate, status = existing, "resumed"
        else:
            candidate, status = self.create_candidate(referral), "created"
        referrer = self.find_user(referral.referrer_email)
        referrer_id = self.referrer_for(referrer.id) if referrer else None
        app = self.create_application(
            candidate.id,
            job_id=referral.job_id,
            source_id=self.referral_source_id(),
            referrer_id=referrer_id,
        )
        return AtsPushResult(
            status,  # type: ignore[arg-type]
            candidate.id,
            app.id,
            referrer_credited=referrer_id is not None,
        )

    def add_note(
        self,
        candidate_id: str,
        body: str,
        *,
        application_id: str | None = None,
        visibility: str = "public",
    ) -> str:
        """A note on the candidate's profile, written as refbot's user. "public" is Greenhouse's
        word for every user who can see the candidate (not the candidate); "private" and
        "admin_only" narrow it. https://harvestdocs.greenhouse.io/reference/post_v3-notes"""
        note: dict[str, Any] = {
            "candidate_id": int(candidate_id),
            "user_id": int(self.user_id),
            "body": body,
            "visibility": visibility,
        }
        if application_id is not None:
            note["application_id"] = int(application_id)
        return str(_json(self._call("POST", "notes", json_body=note))["id"])

    def note_bodies(self, candidate_id: str) -> list[str]:
        """The bodies of the notes on the candidate's profile: refbot looks before it writes a
        note (after an uncertain answer, the note may be there already).

        https://harvestdocs.greenhouse.io/reference/get_v3-notes (`candidate_ids`; v1's activity
        feed, per the READ migration guide)"""
        rows = self._all("notes", {"candidate_ids": candidate_id})
        return [str(row.get("body") or "") for row in rows]

    def attachment_names(self, application_id: str) -> list[str]:
        """The filenames of an application's attachments: the CV push looks before it attaches
        (after an uncertain answer, the file may be there already).

        https://harvestdocs.greenhouse.io/reference/get_v3-attachments (`application_ids`)"""
        rows = self._all("attachments", {"application_ids": application_id})
        return [str(row.get("filename") or "") for row in rows]

    def attach_resume(self, application_id: str, filename: str, content: bytes) -> str:
        """The referral's CV on the application, as a resume (Greenhouse keeps attachments on
        applications in v3; a new resume turns an earlier one into "other"). The bytes go inline,
        base64 (a `url` would have to be public: a Slack file is not).

        https://harvestdocs.greenhouse.io/reference/post_v3-attachments (`application_id`,
        `filename`, `type`, `content` or `url`; visibility inferred from the type)"""
        body = {
            "application_id": int(application_id),
            "filename": filename,
            "type": "resume",
            "content": base64.b64encode(content).decode(),
        }
        return str(_json(self._call("POST", "attachments", json_body=body)).get("id") or "")

    def start_date(self, application_id: str) -> date | None:
        """The start date on the application's offer (the accepted one, else the latest
        current one), or None without an offer or a date.

        https://harvestdocs.greenhouse.io/reference/get_v3-offers: each offer carries "a
        proposed start date", versions change with it (`current_only=true` keeps the latest),
        statuses Created, Accepted, Rejected, Deprecated. The field's v3 name is not on the
        page: `start_date` (v1's write body), else `starts_at` (v1's offer object)."""
        offers = self._all("offers", {"application_ids": application_id, "current_only": "true"})
        live = [o for o in offers if str(o.get("status", "")).lower() not in _DEAD_OFFERS]

        def rank(offer: dict[str, Any]) -> tuple[bool, int, int]:
            accepted = str(offer.get("status", "")).lower() == "accepted"
            version = offer.get("version")
            return accepted, version if isinstance(version, int) else 0, int(offer.get("id", 0))

        for offer in sorted(live, key=rank, reverse=True):
            found = _date(offer.get("start_date") or offer.get("starts_at"))
            if found is not None:
                return found
        return None

    # -- jobs ------------------------------------------------------------------------------

    def open_jobs(self) -> list[AtsJob]:
        """Open jobs with their hiring managers and recruiters (emails, to map to Slack).

        https://harvestdocs.greenhouse.io/reference/get_v3-jobs,
        https://harvestdocs.greenhouse.io/reference/get_v3-job-hiring-managers,
        https://harvestdocs.greenhouse.io/reference/get_v3-job-owners"""
        return self.jobs({"status": "open"})

    def jobs(self, params: Mapping[str, Any] | None = None) -> list[AtsJob]:
        """Jobs matching the filters (e.g. {"updated_at": "gte|..."} to see closed ones too)."""
        jobs = self._all("jobs", params)
        if not jobs:
            return []
        job_ids = ",".join(str(j["id"]) for j in jobs)
        managers = self._all("job_hiring_managers", {"job_ids": job_ids})
        owners = [
            o
            for o in self._all("job_owners", {"job_ids": job_ids})
            if o.get("owner_type") == "recruiter"
        ]
        people = self.users({str(row["user_id"]) for row in [*managers, *owners]})

        def of(rows: list[dict[str, Any]], job_id: Any) -> tuple[AtsUser, ...]:
            found = (people.get(str(r["user_id"])) for r in rows if r["job_id"] == job_id)
            return tuple(u for u in found if u is not None)

        return [
            AtsJob(
                id=str(j["id"]),
                title=str(j.get("name") or ""),
                status=str(j.get("status") or ""),
                open=j.get("status") == "open",
                hiring_managers=of(managers, j["id"]),
                recruiters=of(owners, j["id"]),
                updated_at=_time(j.get("updated_at")),
            )
            for j in jobs
        ]

    def stage_names(self, job_ids: set[str]) -> dict[str, str]:
        """Interview stage id -> name for these jobs.

        https://harvestdocs.greenhouse.io/reference/get_v3-job-interview-stages"""
        if not job_ids:
            return {}
        stages = self._all("job_interview_stages", {"job_ids": ",".join(sorted(job_ids))})
        return {str(s["id"]): str(s.get("name") or "") for s in stages}

    def rejection_reasons(self) -> dict[str, str]:
        """Rejection reason id -> name. https://harvestdocs.greenhouse.io/reference/get_v3-rejection-reasons"""
        return {str(r["id"]): str(r.get("name") or "") for r in self._all("rejection_reasons")}

    # -- polling ---------------------------------------------------------------------------

    def application_pages(
        self, updated_since: datetime, *, cursor: str | None = None, per_page: int = PER_PAGE
    ) -> Iterator[Page[AtsApplication]]:
        """Applications updated at or after `updated_since`, a page at a time; store a page's
        `next` to resume. https://harvestdocs.greenhouse.io/reference/get_v3-applications"""
        params = {"updated_at": f"gte|{_iso(updated_since)}"}
        for page in self._pages("applications", params, cursor=cursor, per_page=per_page):
            yield Page(tuple(_application(a) for a in page.items), page.next)

    def candidate_pages(
        self, updated_since: datetime, *, cursor: str | None = None, per_page: int = PER_PAGE
    ) -> Iterator[Page[AtsCandidate]]:
        """Candidates updated at or after `updated_since` (rediscovery, anonymisations).

        https://harvestdocs.greenhouse.io/reference/get_v3-candidates"""
        params = {"updated_at": f"gte|{_iso(updated_since)}"}
        for page in self._pages("candidates", params, cursor=cursor, per_page=per_page):
            yield Page(tuple(_candidate(c) for c in page.items), page.next)

    def changes_since(self, updated_since: datetime) -> Iterator[AtsStageChange]:
        """Every application changed since then, as a stage change with names filled in."""
        stage_names: dict[str, str] = {}
        reasons: dict[str, str] | None = None
        for page in self.application_pages(updated_since):
            missing = {a.job_id for a in page.items if a.job_id and a.stage_id not in stage_names}
            stage_names.update(self.stage_names({j for j in missing if j}))
            for app in page.items:
                reason = None
                if app.outcome == "rejected" and app.reason:
                    reasons = reasons if reasons is not None else self.rejection_reasons()
                    reason = reasons.get(app.reason, app.reason)
                yield AtsStageChange(
                    ats=ATS,
                    candidate_id=app.candidate_id,
                    application_id=app.id,
                    outcome=app.outcome,
                    stage_id=app.stage_id,
                    stage_name=stage_names.get(app.stage_id or ""),
                    reason=reason,
                    changed_at=app.updated_at,
                )

    # -- rediscovery: the organisation's past candidates and its prospect pools ------------------

    def history_page(
        self,
        updated_after: datetime | None,
        *,
        cursor: str | None = None,
        per_page: int = PER_PAGE,
    ) -> Page[tuple[AtsCandidate, AtsApplication | None]]:
        """One page of candidates changed strictly after `updated_after` (None: every one),
        summary fields only; store `next` to ask for the following page. The last stage is not
        on a v3 candidate (it is an application's): None here.

        https://harvestdocs.greenhouse.io/reference/get_v3-candidates (`updated_at=gt|...`,
        https://harvestdocs.greenhouse.io/docs/list-endpoints), pages as
        https://harvestdocs.greenhouse.io/docs/pagination (`per_page` on the first request
        only, then the Link header's URL alone)."""
        params = {"updated_at": f"gt|{_iso(updated_after)}"} if updated_after else {}
        page = next(self._pages("candidates", params, cursor=cursor, per_page=per_page))
        return Page(tuple((_candidate(c), None) for c in page.items), page.next)

    def history_applications(
        self, *, cursor: str | None = None, per_page: int = PER_PAGE
    ) -> Page[AtsApplication]:
        """One page of every application, its stage named (rediscovery's last stages).

        https://harvestdocs.greenhouse.io/reference/get_v3-applications and
        https://harvestdocs.greenhouse.io/reference/get_v3-job-interview-stages (`job_ids`, at
        most 50 a request)"""
        page = next(self._pages("applications", None, cursor=cursor, per_page=per_page))
        apps = [_application(a) for a in page.items]
        jobs = sorted({a.job_id for a in apps if a.job_id and a.outcome == "active"})
        names: dict[str, str] = {}
        for start in range(0, len(jobs), 50):
            names.update(self.stage_names(set(jobs[start : start + 50])))
        reasons = self.rejection_reasons() if any(a.reason for a in apps) else {}
        named = tuple(
            dataclasses.replace(
                a,
                stage_name=names.get(a.stage_id or ""),
                reason=reasons.get(a.reason, a.reason) if a.reason else None,
            )
            for a in apps
        )
        return Page(named, page.next)

    def prospect_pools(self) -> list[AtsJob]:
        """Prospect pools as jobs not open yet: an active pool is a role to come (refbot's
        upcoming role), an inactive one is closed. Ids are "pool:<id>", apart from jobs'.

        https://harvestdocs.greenhouse.io/reference/get_v3-prospect-pools"""
        return [
            AtsJob(
                id=f"pool:{p['id']}",
                title=str(p.get("name") or ""),
                status="active" if p.get("active", True) else "inactive",
                open=False,
                updated_at=_time(p.get("updated_at")),
            )
            for p in self._all("prospect_pools")
        ]


# -- webhooks --------------------------------------------------------------------------------


def verify_webhook(secret: str, body: bytes, signature: str | None) -> bool:
    """Greenhouse's check, exactly: the `Signature` header is "sha256 <hex digest>" of
    HMAC-SHA256(secret key, the raw body), compared in constant time. Greenhouse signs no
    timestamp, so replays are refused by `Greenhouse-Event-ID` (kept by the caller).

    https://developers.greenhouse.io/webhooks.html#authentication"""
    if not secret or not signature:
        return False
    algorithm, _, digest = signature.strip().partition(" ")
    if algorithm.lower() != "sha256" or not digest:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest.strip().lower())


def sign_webhook(secret: str, body: bytes) -> str:
    """The Signature header Greenhouse would send (the emulator signs with it)."""
    return "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# Webhook actions refbot follows -> outcome. https://developers.greenhouse.io/webhooks.html
_WEBHOOK_OUTCOMES: dict[str, Outcome] = {
    "candidate_stage_change": "active",
    "unreject_candidate": "active",
    "unhire_candidate": "active",
    "hire_candidate": "hired",
    "reject_candidate": "rejected",
    "delete_candidate": "deleted",
}


def parse_webhook(body: bytes, event_id: str | None = None) -> AtsStageChange | None:
    """The change a verified webhook reports, or None for actions refbot does not follow
    (the ping sent when a webhook is saved, offers, interviews...)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    outcome = _WEBHOOK_OUTCOMES.get(str(data.get("action")))
    payload = data.get("payload")
    if outcome is None or not isinstance(payload, dict):
        return None
    if outcome == "deleted":
        person = payload.get("person") or {}
        return AtsStageChange(
            ats=ATS,
            candidate_id=str(person.get("id")),
            application_id=None,
            outcome="deleted",
            event_id=event_id,
        )
    app = payload.get("application") or {}
    stage = app.get("current_stage") or {}
    reason = app.get("rejection_reason") or {}
    return AtsStageChange(
        ats=ATS,
        candidate_id=str((app.get("candidate") or {}).get("id")),
        application_id=str(app.get("id")),
        outcome=outcome,
        stage_id=str(stage["id"]) if stage.get("id") is not None else None,
        stage_name=stage.get("name"),
        reason=reason.get("name") if outcome == "rejected" else None,
        event_id=event_id,
        changed_at=_time(app.get("last_activity_at")),
    )


# -- shapes ----------------------------------------------------------------------------------


def _json(response: "httpx.Response") -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise AtsError(
            "permanent", "answer is not JSON", ats=ATS, status=response.status_code
        ) from None
    if not isinstance(body, dict):
        raise AtsError("permanent", "answer is not an object", ats=ATS)
    return body


def _json_list(response: "httpx.Response") -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        raise AtsError("permanent", "list is not JSON", ats=ATS) from None
    if not isinstance(body, list):
        raise AtsError("permanent", "list answer is not an array", ats=ATS)
    return [item for item in body if isinstance(item, dict)]


def _expiry(body: dict[str, Any], now: datetime) -> datetime:
    expires_at = _time(body.get("expires_at"))
    if expires_at is not None:
        return expires_at
    expires_in = body.get("expires_in")
    if isinstance(expires_in, int | float):
        return now + timedelta(seconds=expires_in)
    return now + DEFAULT_TOKEN_LIFETIME


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _date(value: Any) -> date | None:
    """A date from "2026-12-21" or a full ISO 8601 time (its date as written)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _user(raw: dict[str, Any]) -> AtsUser:
    name = " ".join(p for p in (raw.get("first_name"), raw.get("last_name")) if p)
    email = raw.get("primary_email") or raw.get("primary_email_address")
    if not email and isinstance(raw.get("emails"), list) and raw["emails"]:
        email = raw["emails"][0]
    return AtsUser(id=str(raw["id"]), name=name or str(raw.get("name") or ""), email=email)


def _values(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(str(v["value"]) for v in raw if isinstance(v, dict) and v.get("value"))


def _candidate(raw: dict[str, Any]) -> AtsCandidate:
    name = " ".join(p for p in (raw.get("first_name"), raw.get("last_name")) if p)
    tags = raw.get("tags") if isinstance(raw.get("tags"), list) else []
    return AtsCandidate(
        id=str(raw["id"]),
        name=name,
        emails=_values(raw.get("email_addresses")),
        links=_values(raw.get("website_addresses")) + _values(raw.get("social_media_addresses")),
        headline=raw.get("title"),
        company=raw.get("company"),
        tags=tuple(str(t.get("name") if isinstance(t, dict) else t) for t in tags),
        created_at=_time(raw.get("created_at")),
        updated_at=_time(raw.get("updated_at")),
        anonymized=bool(raw.get("is_anonymized") or raw.get("anonymized")),
    )


def _application(raw: dict[str, Any]) -> AtsApplication:
    raw = raw.get("application", raw) if isinstance(raw.get("application"), dict) else raw

    def opt(key: str) -> str | None:
        return None if raw.get(key) is None else str(raw[key])

    return AtsApplication(
        id=str(raw["id"]),
        candidate_id=str(raw["candidate_id"]),
        job_id=opt("job_id"),
        prospect=bool(raw.get("prospect")),
        outcome=_OUTCOMES.get(str(raw.get("status")), "active"),
        stage_id=opt("job_interview_stage_id"),
        source_id=opt("source_id"),
        referrer_id=opt("referrer_id"),
        reason=opt("rejection_reason_id"),
        updated_at=_time(raw.get("updated_at")),
    )


def _split_name(name: str) -> tuple[str, str]:
    # Harvest wants a first and a last name; a one-word name keeps it as the first and leaves
    # a dash for the last, which a recruiter can correct.
    parts = name.strip().split(maxsplit=1)
    if not parts:
        return "-", "-"
    return parts[0], parts[1] if len(parts) == 2 else "-"


def _is_social(link: str) -> bool:
    import httpx

    host = httpx.URL(link).host if "://" in link else ""
    return any(host.endswith(d) for d in ("linkedin.com", "github.com", "twitter.com", "x.com"))
