"""A fake Lever (Data API v1 and its webhooks) for tests and the demo.

Written from https://hire.lever.co/developer/documentation (the adapter, bot.ats.lever, names
the sections):
- Basic auth, the API key as user name; an unknown key answers 401, a key without write access
  answers 403 on a write (both {"code", "message"}).
- Writes need `perform_as` (an active user): without, 400.
- Lists: `limit` 1-100, `offset` the previous answer's `next`; {"data", "hasNext", "next"}.
- Rate limit: 429 (`limit_rate`, `rate_limit_storm`), with Retry-After when configured.
- Endpoints: GET users, users/:id, postings, stages, archive_reasons, opportunities
  (email, contact_id, updated_at_start/_end), opportunities/:id, opportunities/deleted,
  opportunities/:id/referrals (read-only), opportunities/:id/notes (#list-all-notes: each note's
  text the value of its field of type "note"), /files and /offers; POST
  opportunities, opportunities/:id/notes, opportunities/:id/files (multipart, field `file`);
  PUT opportunities/:id/stage ({"stage"}) and opportunities/:id/archived ({"reason"}), with
  `perform_as` (#update-opportunity-stage, #update-opportunity-archived-state): like a move in
  the UI, each fires its webhook (after the answer).
- Webhooks: {"triggeredAt", "event", "signature", "token", "data"}, the signature the hex
  HMAC-SHA256 of token + triggeredAt with the webhook's signature token.

What a recruiter does in Lever (move a stage, hire, archive, anonymise, delete) is a method:
polling sees it, and the webhook fires when one is set.
"""

import base64
import copy
import json
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from bot.ats.emulator_base import Answer, AtsEmulator, EmulatorError, SentWebhook, route_of
from bot.ats.lever import sign_webhook

API = "/v1/"
MAX_LIMIT = 100
DEFAULT_STAGES = (
    "New lead",
    "Reached out",
    "Recruiter screen",
    "Phone interview",
    "On-site interview",
    "Offer",
)
DEFAULT_REASONS = (("Hired", "hired"), ("Underqualified", "non-hired"), ("Withdrew", "non-hired"))
MAX_FILE_BYTES = 30 * 1024 * 1024  # #upload-a-single-file
_OPPORTUNITY_FILTERS = {"email", "contact_id", "updated_at_start", "updated_at_end", "expand"}


class LeverEmulator(AtsEmulator):
    """Lever's Data API over real HTTP on loopback, with one account's data."""

    name = "lever"

    def __init__(
        self,
        *,
        api_key: str = "lever-key",
        webhook_token: str = "lever-webhook-token",
        signature_token: str = "lever-signature-token",
        **base: Any,
    ) -> None:
        super().__init__(**base)
        self._keys: dict[str, set[str]] = {api_key: {"read", "write"}}
        self.webhook_token = webhook_token
        self.signature_token = signature_token
        self._users: dict[str, dict[str, Any]] = {}
        self._postings: dict[str, dict[str, Any]] = {}
        self._stages = [{"id": str(uuid.uuid4()), "text": text} for text in DEFAULT_STAGES]
        self._reasons = [
            {"id": str(uuid.uuid4()), "text": text, "type": kind} for text, kind in DEFAULT_REASONS
        ]
        self._opportunities: dict[str, dict[str, Any]] = {}
        self._notes: dict[str, list[dict[str, Any]]] = {}
        self._deleted: list[dict[str, Any]] = []
        self._files: dict[str, list[dict[str, Any]]] = {}  # opportunity id -> its files
        self._file_bytes: dict[str, bytes] = {}
        self._offers: dict[str, list[dict[str, Any]]] = {}
        self._order: dict[str, int] = {}  # opportunity id -> creation sequence, for offsets

    @property
    def api_url(self) -> str:
        """LEVER_API_URL."""
        return f"{self.origin}{API}"

    # -- arranging ---------------------------------------------------------------------------

    def add_key(self, api_key: str, *, write: bool = True) -> None:
        with self._lock:
            self._keys[api_key] = {"read", "write"} if write else {"read"}

    def revoke_key(self, api_key: str) -> None:
        with self._lock:
            self._keys.pop(api_key, None)

    def add_user(self, name: str, email: str) -> str:
        with self._lock:
            user_id = str(uuid.uuid4())
            self._users[user_id] = {
                "id": user_id,
                "name": name,
                "email": email,
                "accessRole": "team member",
                "deactivatedAt": None,
                "createdAt": self._ms(),
            }
            return user_id

    def add_posting(
        self,
        text: str,
        *,
        state: str = "published",
        owner: str | None = None,
        hiring_manager: str | None = None,
    ) -> str:
        with self._lock:
            posting_id = str(uuid.uuid4())
            self._postings[posting_id] = {
                "id": posting_id,
                "text": text,
                "state": state,
                "owner": owner,
                "hiringManager": hiring_manager,
                "user": owner,
                "createdAt": self._ms(),
                "updatedAt": self._ms(),
            }
            return posting_id

    def add_opportunity(self, name: str, email: str, **fields: Any) -> str:
        """Someone already in Lever (an applicant, an earlier import)."""
        with self._lock:
            return str(self._new_opportunity({"name": name, "emails": [email], **fields})["id"])

    def stage_id(self, text: str) -> str:
        return next(s["id"] for s in self._stages if s["text"] == text)

    # -- what a recruiter does in the UI -------------------------------------------------------

    def move_stage(self, opportunity_id: str, stage: str) -> SentWebhook | None:
        with self._lock:
            data = self._set_stage(self._opportunities[opportunity_id], self.stage_id(stage))
        return self._fire("candidateStageChange", data)

    def archive(self, opportunity_id: str, reason: str = "Underqualified") -> SentWebhook | None:
        with self._lock:
            found = next(r for r in self._reasons if r["text"] == reason)
            data = self._set_archived(self._opportunities[opportunity_id], found["id"])
        return self._fire("candidateArchiveChange", data)

    def reason_id(self, text: str) -> str:
        return next(r["id"] for r in self._reasons if r["text"] == text)

    def _set_stage(self, opp: dict[str, Any], after: str) -> dict[str, Any]:
        before, now = opp["stage"], self._ms()
        opp["stageChanges"].append({"toStageId": after, "updatedAt": now, "userId": None})
        opp.update(stage=after, lastAdvancedAt=now, updatedAt=now)
        return {**self._ids_of(opp), "fromStageId": before, "toStageId": after}

    def _set_archived(self, opp: dict[str, Any], reason_id: str | None) -> dict[str, Any]:
        before = opp["archived"]
        opp["archived"] = {"archivedAt": self._ms(), "reason": reason_id} if reason_id else None
        opp["updatedAt"] = self._ms()
        return {**self._ids_of(opp), "fromArchived": before, "toArchived": opp["archived"]}

    def _fire_archived(self, data: dict[str, Any], hired: bool) -> None:
        self._fire("candidateArchiveChange", data)
        if hired:
            ids = {k: data[k] for k in ("opportunityId", "contactId", "candidateId")}
            self._fire("candidateHired", ids)

    def hire(self, opportunity_id: str) -> SentWebhook | None:
        """Lever archives a hire with a reason of type hired, and sends candidateHired."""
        self.archive(opportunity_id, "Hired")
        with self._lock:
            data = self._ids_of(self._opportunities[opportunity_id])
        return self._fire("candidateHired", data)

    def anonymize(self, opportunity_id: str) -> None:
        with self._lock:
            opp = self._opportunities[opportunity_id]
            opp.update(
                name="Anonymized candidate",
                emails=[],
                phones=[],
                links=[],
                headline="",
                isAnonymized=True,
                updatedAt=self._ms(),
            )

    def delete(self, opportunity_id: str) -> SentWebhook | None:
        with self._lock:
            opp = self._opportunities.pop(opportunity_id)
            self._deleted.append(
                {"id": opp["id"], "contact": opp["contact"], "deletedAt": self._ms()}
            )
            data = {**self._ids_of(opp), "deletedBy": None}
        return self._fire("candidateDeleted", data)

    # -- looking (for tests) ----------------------------------------------------------------

    def opportunities(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._opportunities.values()))

    def opportunity(self, opportunity_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._opportunities[opportunity_id])

    def notes(self, opportunity_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._notes.get(opportunity_id, []))

    def files(self, opportunity_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._files.get(opportunity_id, []))

    def file_content(self, file_id: str) -> bytes:
        with self._lock:
            return self._file_bytes[file_id]

    def add_offer(self, opportunity_id: str, start: date | None, *, status: str = "signed") -> str:
        """A recruiter's offer, from Lever's default offer form (its start date field)."""
        with self._lock:
            self._found(self._opportunities, opportunity_id)
            fields = []
            if start is not None:
                when = datetime.combine(start, time(), UTC)
                fields.append(
                    {
                        "text": "Anticipated start date",
                        "identifier": "anticipated_start_date",
                        "value": self._ms(when),
                    }
                )
            offer = {
                "id": str(uuid.uuid4()),
                "createdAt": self._ms(),
                "status": status,
                "creator": None,
                "fields": fields,
                "signatures": {},
                "approved": None,
                "sentDocument": None,
                "signedDocument": None,
            }
            self._offers.setdefault(opportunity_id, []).append(offer)
            return offer["id"]

    # -- webhooks ----------------------------------------------------------------------------

    def signed_webhook(
        self, event: str, data: dict[str, Any], *, triggered_at: int | None = None
    ) -> bytes:
        """The body Lever would send (the signature is in the body, not a header)."""
        when = self._ms() if triggered_at is None else triggered_at
        return json.dumps(
            {
                "triggeredAt": when,
                "event": event,
                "signature": sign_webhook(self.signature_token, self.webhook_token, when),
                "token": self.webhook_token,
                "data": data,
            }
        ).encode()

    def _fire(self, event: str, data: dict[str, Any]) -> SentWebhook | None:
        if not self.webhook_url:
            return None
        return self._deliver(self.signed_webhook(event, data), {"User-Agent": "Lever-Webhooks"})

    @staticmethod
    def _ids_of(opp: dict[str, Any]) -> dict[str, Any]:
        return {
            "opportunityId": opp["id"],
            "contactId": opp["contact"],
            "candidateId": opp["contact"],
        }

    # -- rediscovery: the account's past candidates --------------------------------------------

    def add_opportunities(self, people: list[dict[str, Any]]) -> list[str]:
        """Many past opportunities at once (an account's history): dicts of name, email and
        optionally headline, tags, archived (an archive reason's text), updated_at (a
        datetime). Their ids, in order."""
        with self._lock:
            ids = []
            for person in people:
                fields = {k: person[k] for k in ("headline", "tags") if k in person}
                opp = self._new_opportunity(
                    {"name": person["name"], "emails": [person["email"]], **fields}
                )
                if person.get("archived"):
                    reason = next(r for r in self._reasons if r["text"] == person["archived"])
                    opp["archived"] = {"archivedAt": self._ms(), "reason": reason["id"]}
                if person.get("updated_at") is not None:
                    opp["createdAt"] = opp["updatedAt"] = self._ms(person["updated_at"])
                ids.append(opp["id"])
            return ids

    def edit_opportunity(self, opportunity_id: str, **fields: Any) -> None:
        """A recruiter edits the person (headline, name...): updatedAt moves."""
        with self._lock:
            self._opportunities[opportunity_id].update(fields, updatedAt=self._ms())

    # -- HTTP --------------------------------------------------------------------------------

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any, headers: Any
    ) -> Answer:
        if not path.startswith(API):
            raise EmulatorError(404, "Not found", code="ResourceNotFound")
        permissions = self._keys.get(_basic_user(headers.get("Authorization")) or "")
        if permissions is None:
            raise EmulatorError(401, "Invalid API key", code="UnauthorizedError")
        if method != "GET" and "write" not in permissions:
            raise EmulatorError(403, "This API key has no write access", code="ForbiddenError")
        parts = route_of(path, API)
        query = dict(query)
        match method, parts:
            case "GET", ["users"]:
                users = [
                    u for u in self._users.values() if _same(u["email"], query.pop("email", None))
                ]
                return self._page(users, query)
            case "GET", ["users", user_id]:
                return 200, {}, {"data": copy.deepcopy(self._found(self._users, user_id))}
            case "GET", ["postings"]:
                state = query.pop("state", None)
                return self._page(
                    [p for p in self._postings.values() if not state or p["state"] == state], query
                )
            case "GET", ["stages"]:
                return self._page(self._stages, query)
            case "GET", ["archive_reasons"]:
                return self._page(self._reasons, query)
            case "GET", ["opportunities"]:
                return self._page(self._filter_opportunities(query), query)
            case "GET", ["opportunities", "deleted"]:
                start = int(query.pop("deleted_at_start", 0))
                return self._page([d for d in self._deleted if d["deletedAt"] >= start], query)
            case "GET", ["opportunities", opp_id]:
                return 200, {}, {"data": copy.deepcopy(self._found(self._opportunities, opp_id))}
            case "GET", ["opportunities", opp_id, "referrals"]:
                self._found(self._opportunities, opp_id)
                return self._page([], query)
            case "GET", ["opportunities", opp_id, "files"]:
                self._found(self._opportunities, opp_id)
                return self._page(self._files.get(opp_id, []), query)
            case "GET", ["opportunities", opp_id, "notes"]:
                self._found(self._opportunities, opp_id)
                return self._page([_listed(n) for n in self._notes.get(opp_id, [])], query)
            case "GET", ["opportunities", opp_id, "offers"]:
                self._found(self._opportunities, opp_id)
                return self._page(self._offers.get(opp_id, []), query)
            case "POST", ["opportunities", opp_id, "files"]:
                self._perform_as(query)
                opp = self._found(self._opportunities, opp_id)
                return 200, {}, {"data": copy.deepcopy(self._upload(opp, body))}
            case "POST", ["opportunities"]:
                self._perform_as(query)
                return 201, {}, {"data": copy.deepcopy(self._create_opportunity(body or {}))}
            case "POST", ["opportunities", opp_id, "notes"]:
                user = self._perform_as(query)
                opp = self._found(self._opportunities, opp_id)
                if not isinstance(body, dict) or not body.get("value"):
                    raise EmulatorError(400, "value is required", code="BadRequestError")
                note = {
                    "id": str(uuid.uuid4()),
                    "user": user,
                    "value": body["value"],
                    "createdAt": self._ms(),
                }
                self._notes.setdefault(opp["id"], []).append(note)
                opp["updatedAt"] = self._ms()
                return 201, {}, {"data": {"noteId": note["id"]}}
            case "PUT", ["opportunities", opp_id, "stage"]:
                self._perform_as(query)
                opp = self._found(self._opportunities, opp_id)
                stage = (body or {}).get("stage") if isinstance(body, dict) else None
                if stage not in {s["id"] for s in self._stages}:
                    raise EmulatorError(400, "stage must be a stage id", code="BadRequestError")
                data = self._set_stage(opp, stage)
                self._after_answer(lambda: self._fire("candidateStageChange", data))
                return 200, {}, {"data": copy.deepcopy(opp)}
            case "PUT", ["opportunities", opp_id, "archived"]:
                self._perform_as(query)
                opp = self._found(self._opportunities, opp_id)
                reason_id = (body or {}).get("reason") if isinstance(body, dict) else None
                found = next((r for r in self._reasons if r["id"] == reason_id), None)
                if reason_id is not None and found is None:
                    raise EmulatorError(
                        400, "reason must be an archive reason id", code="BadRequestError"
                    )
                data = self._set_archived(opp, reason_id)
                hired = found is not None and found["type"] == "hired"
                self._after_answer(lambda: self._fire_archived(data, hired))
                return 200, {}, {"data": copy.deepcopy(opp)}
        if parts[-1:] == ["referrals"]:
            raise EmulatorError(405, "Referrals are read-only", code="MethodNotAllowed")
        raise EmulatorError(404, "Not found", code="ResourceNotFound")

    def _error(self, error: EmulatorError) -> tuple[int, Any]:
        code = error.code or {429: "TooManyRequests", 503: "ServiceUnavailable"}.get(
            error.status, "InternalServerError" if error.status >= 500 else "BadRequestError"
        )
        return error.status, {"code": code, "message": error.message}

    def _perform_as(self, query: dict[str, str]) -> str:
        user_id = query.pop("perform_as", None)
        user = self._users.get(user_id or "")
        if user is None or user["deactivatedAt"]:
            raise EmulatorError(400, "perform_as must name an active user", code="BadRequestError")
        return user["id"]

    def _found(self, table: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
        if key not in table:
            raise EmulatorError(404, "Not found", code="ResourceNotFound")
        return table[key]

    def _filter_opportunities(self, query: dict[str, str]) -> list[dict[str, Any]]:
        unknown = set(query) - _OPPORTUNITY_FILTERS - {"limit", "offset"}
        if unknown:
            raise EmulatorError(
                400, f"Unknown parameter {sorted(unknown)[0]}", code="BadRequestError"
            )
        email = query.pop("email", None)
        contact = query.pop("contact_id", None)
        start = int(query.pop("updated_at_start", 0))
        end = int(query.pop("updated_at_end", 2**63))
        query.pop("expand", None)
        rows = sorted(self._opportunities.values(), key=lambda o: self._order[o["id"]])
        return [
            o
            for o in rows
            if (email is None or any(_same(e, email) for e in o["emails"]))
            and (contact is None or o["contact"] == contact)
            and start <= o["updatedAt"] <= end
        ]

    def _page(self, rows: list[dict[str, Any]], query: dict[str, str]) -> Answer:
        limit = int(query.pop("limit", MAX_LIMIT))
        if not 1 <= limit <= MAX_LIMIT:
            raise EmulatorError(
                400, f"limit must be between 1 and {MAX_LIMIT}", code="BadRequestError"
            )
        start = _decode_offset(query.pop("offset", None))
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        payload: dict[str, Any] = {"data": copy.deepcopy(page), "hasNext": more}
        if more:
            payload["next"] = _encode_offset(start + limit)
        return 200, {}, payload

    def _create_opportunity(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("name") and not body.get("emails"):
            raise EmulatorError(400, "name or emails is required", code="BadRequestError")
        for posting in body.get("postings") or []:
            if posting not in self._postings:
                raise EmulatorError(400, f"posting {posting} not found", code="BadRequestError")
        for user in body.get("followers") or []:
            if user not in self._users:
                raise EmulatorError(400, f"follower {user} not found", code="BadRequestError")
        return self._new_opportunity(body)

    def _new_opportunity(self, body: dict[str, Any]) -> dict[str, Any]:
        now = self._ms()
        opp_id = str(uuid.uuid4())
        postings = list(body.get("postings") or [])
        opp = {
            "id": opp_id,
            "name": body.get("name") or "",
            "contact": str(uuid.uuid4()),
            "headline": body.get("headline") or "",
            "emails": list(body.get("emails") or []),
            "phones": [],
            "links": list(body.get("links") or []),
            "tags": list(body.get("tags") or []),
            "sources": list(body.get("sources") or []),
            "origin": body.get("origin") or "sourced",
            "owner": body.get("owner"),
            "followers": list(body.get("followers") or []),
            "stage": self._stages[0]["id"],
            "stageChanges": [
                {"toStageId": self._stages[0]["id"], "updatedAt": now, "userId": None}
            ],
            "archived": None,
            "applications": [str(uuid.uuid4()) for _ in postings],
            "isAnonymized": False,
            "createdAt": now,
            "updatedAt": now,
            "lastAdvancedAt": now,
        }
        self._opportunities[opp_id] = opp
        self._order[opp_id] = self._next_id()
        return opp

    def _upload(self, opp: dict[str, Any], body: Any) -> dict[str, Any]:
        upload = body.get("file") if isinstance(body, dict) else None
        if not isinstance(upload, dict) or not upload.get("filename"):
            raise EmulatorError(
                400, "a multipart/form-data body with a file is required", code="BadRequestError"
            )
        if len(upload["content"]) > MAX_FILE_BYTES:
            raise EmulatorError(413, "file is larger than 30MB", code="RequestEntityTooLarge")
        name = str(upload["filename"])
        row = {
            "id": str(uuid.uuid4()),
            "downloadUrl": f"{self.api_url}opportunities/{opp['id']}/files/download",
            "ext": name.rpartition(".")[2] if "." in name else "",
            "name": name,
            "uploadedAt": self._ms(),
            "status": "processed",
            "size": len(upload["content"]),
        }
        self._files.setdefault(opp["id"], []).append(row)
        self._file_bytes[row["id"]] = upload["content"]
        opp["updatedAt"] = self._ms()
        return row

    def _ms(self, when: datetime | None = None) -> int:
        return int((when or self._now()).timestamp() * 1000)


def _listed(note: dict[str, Any]) -> dict[str, Any]:
    """A stored note as Lever lists it (#list-all-notes): the text written is a field's value."""
    return {
        "id": note["id"],
        "user": note["user"],
        "secret": False,
        "fields": [{"type": "note", "text": "Comment", "value": note["value"]}],
        "createdAt": note["createdAt"],
        "completedAt": note["createdAt"],
    }


def _same(value: str | None, wanted: str | None) -> bool:
    return wanted is None or (value or "").casefold() == wanted.casefold()


def _basic_user(header: str | None) -> str | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        return base64.b64decode(header[6:]).decode().partition(":")[0]
    except ValueError:
        return None


def _encode_offset(index: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"i": index}).encode()).decode()


def _decode_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token))["i"])
    except (ValueError, KeyError, TypeError):
        raise EmulatorError(400, "Invalid offset", code="BadRequestError") from None
