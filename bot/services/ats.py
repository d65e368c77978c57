"""The workspace's ATS (issue 16, phase 2a): connecting it (`/refbot ats`, or the environment
in a single-workspace deployment) and pushing referrals into it through the outbox.

Every call to the ATS happens after an ack: the credential check in the modal's lazy listener,
pushes and notes in the dispatcher (`send`). A push is idempotent: the adapters look the person
up by email first and finish what an uncertain earlier attempt started (bot.ats), and the link
table remembers where she is. Credentials the ATS refuses (revoked, a missing permission) make
the rows wait, and the admins are told once per problem and credentials.

The referral's CV follows the push as its own delivery (ATS_CV), once the person is in: a CV
Slack cannot give (deleted, busy) never holds the person back, and a retried attachment looks
at the ATS's files by name before it uploads again. A CV a later referral brings follows her
there too (`queue_cv`), once per file. Only where refbot created her (or finished creating
her): someone the ATS knew already keeps her own documents.

Notes (the referrer's words here, a snooze in bot.services.ats_writeback) are written the same
way (`note_once`): neither ATS takes an idempotency key, so a note whose answer was lost (a
timeout, a 5xx, a reset connection after the ATS wrote it) is looked for, by its very words,
before it is written again.

Phase 2b (pull: webhooks, polling, stage mapping; Slack edits written back) builds on
`connection()`, `client_for()` and storage.repositories.ats (bot.services.ats_pull,
ats_stages, ats_writeback).
"""

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.orm import Session

from bot import i18n
from bot.ats.errors import AtsError
from bot.ats.greenhouse import GreenhouseClient
from bot.ats.lever import LeverClient
from bot.ats.models import AtsPushResult, AtsReferral
from bot.clock import Clock
from bot.config import Settings as Config
from bot.directory import Directory
from bot.messenger import SendError
from bot.outbox import Due, Outbox, text_notice
from bot.services.cards import refresh_cards
from bot.services.cvs import Cvs, cv_file, cv_for
from bot.services.members import Members
from storage.db import Sessions
from storage.encryption import Secrets
from storage.models import AtsLink
from storage.repositories import ats as repo
from storage.repositories import audit, candidates, deliveries, referrals
from storage.repositories import members as members_repo
from storage.repositories import settings as settings_repo
from storage.types import AtsKind, AtsMode, AtsPush, DeliveryKind, RoleStatus

log = logging.getLogger("refbot.ats")

RECIPIENT = "ats"  # the outbox's recipient of ATS calls: nobody in Slack
FIELD_MAX = 500
# An address no ATS user can have (RFC 2606 reserves .invalid): a referrer whose email Slack
# does not share is credited to nobody rather than to whoever an empty filter finds first.
NO_EMAIL = "unknown@refbot.invalid"
KINDS = ("greenhouse", "lever", "none")
# The CV's content type for Lever's multipart upload (bot.services.cvs accepts these three).
CV_MIMETYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
T = TypeVar("T")


@dataclass(frozen=True)
class AtsUrls:
    greenhouse_api: str
    greenhouse_auth: str
    lever_api: str


@dataclass(frozen=True)
class Connection:
    """A workspace's ATS as refbot uses it. Holds secrets: never rendered, never logged."""

    kind: AtsKind
    credentials: dict[str, str] = field(repr=False)
    acting_user_id: str
    mode: AtsMode
    push: AtsPush
    webhook_secret: str | None = field(default=None, repr=False)
    # Changes whenever the credentials do: "the admin is told once" is once per credentials.
    epoch: str = ""
    acting_user_name: str | None = None
    from_env: bool = False


def env_connection(config: Config) -> Connection | None:
    """The ATS a single-workspace deployment connects from its environment, if any."""
    if config.greenhouse_client_id and config.greenhouse_client_secret:
        credentials = {
            "client_id": config.greenhouse_client_id,
            "client_secret": config.greenhouse_client_secret.get_secret_value(),
        }
        kind, user = AtsKind.GREENHOUSE, config.greenhouse_user_id or ""
        webhook = config.greenhouse_webhook_secret
    elif config.lever_api_key:
        credentials = {"api_key": config.lever_api_key.get_secret_value()}
        kind, user = AtsKind.LEVER, config.lever_user_id or ""
        webhook = config.lever_webhook_tokens
    else:
        return None
    # Polling unless webhooks are set up and polling is off (both may run: phase 2b dedupes).
    polling = config.refbot_ats_poll_seconds > 0 or webhook is None
    return Connection(
        kind=kind,
        credentials=credentials,
        acting_user_id=user,
        mode=AtsMode.POLLING if polling else AtsMode.WEBHOOKS,
        push=AtsPush(config.refbot_ats_push),
        webhook_secret=webhook.get_secret_value() if webhook else None,
        epoch="env-" + _fingerprint(kind, credentials),
        from_env=True,
    )


@dataclass(frozen=True)
class AtsForm:
    """What the admin typed in the modal (nothing trusted yet)."""

    kind: str | None
    client_id: str | None = None  # Greenhouse
    secret: str | None = None  # Greenhouse client secret, Lever API key
    user_id: str | None = None  # the ATS user refbot acts as
    webhook_secret: str | None = None
    mode: str | None = None
    push: str | None = None


@dataclass(frozen=True)
class AtsFormView:
    """The modal: the connection as it is (no secret, ever), or the form as submitted with the
    ATS's own words when it refused the credentials."""

    locale: str
    kind: str | None = None
    user_id: str | None = None
    mode: str = AtsMode.WEBHOOKS.value
    push: str = AtsPush.AUTO.value
    connected_as: str | None = None  # the acting user's name, when connected
    kept: bool = False  # credentials are saved: empty secret fields keep them
    from_env: bool = False
    refused: str | None = None  # the ATS's words
    scope: str | None = None  # the permission the ATS said is missing


@dataclass(frozen=True)
class AtsSaved:
    locale: str
    kind: str | None  # None: disconnected
    acting_user_name: str | None = None
    push: str | None = None
    mode: str | None = None


@dataclass(frozen=True)
class AtsCheck:
    """The ack's answer: field errors, or the credentials to check after the ack (`ready`), or
    done already (disconnecting needs no network)."""

    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    ready: bool = False
    saved: AtsSaved | None = None


@dataclass(frozen=True)
class AtsConnectResult:
    saved: AtsSaved | None = None
    refused: AtsFormView | None = None


@dataclass(frozen=True)
class AtsLine:
    """What the recruiter card says about the ATS."""

    ats: str
    # offer ("Send to ATS"), queued, in (created/resumed), existing, no_email
    state: str
    credited: bool = False
    referrer: str | None = None  # Slack id of the referrer credited (in the ATS or a note)


@dataclass(frozen=True)
class PushRequested:
    locale: str
    state: str  # queued, already, no_ats, no_email
    ats: str | None = None
    candidate_name: str | None = None


class Ats:
    def __init__(
        self,
        *,
        sessions: Sessions,
        members: Members,
        outbox: Outbox,
        clock: Clock,
        directory: Directory,
        urls: AtsUrls,
        secrets: Secrets | None,
        env: Connection | None = None,
        cvs: Cvs | None = None,
    ) -> None:
        self.sessions = sessions
        self.members = members
        self.outbox = outbox
        self.clock = clock
        self.directory = directory
        self.urls = urls
        self.secrets = secrets
        self.env = env
        self.cvs = cvs  # the referral's CV bytes, from Slack (None: CVs stay out of the ATS)
        self._clients: dict[tuple[str, str], GreenhouseClient | LeverClient] = {}
        self._lock = threading.Lock()
        # Carries out ATS_PULL rows (a verified webhook's change): bot.services.ats_pull.
        self.pull: Callable[[Due], bool] | None = None
        # Carries out ATS_STATUS rows (a Slack edit written back): bot.services.ats_writeback.
        self.write_back: Callable[[Due], bool] | None = None
        # Carries out ATS_HISTORY rows (a page of past candidates): bot.services.ats_history.
        self.history: Callable[[Due], bool] | None = None

    # -- the referral path (no statement of its own) --------------------------------------------

    def auto_push(self, saved: bool) -> bool:
        """Whether a new referral goes to the ATS at once, given the workspace's settings say
        `saved` (the referral reads them anyway: a copy kept by `connect`)."""
        if self.env is not None:
            return self.env.push == AtsPush.AUTO
        return saved

    # -- connecting ---------------------------------------------------------------------------

    def connection(self, s: Session, team_id: str) -> Connection | None:
        """The workspace's ATS, secrets decrypted (the environment's, if it sets one)."""
        if self.env is not None:
            return self.env
        found = repo.connection(s, team_id)
        if found is None or self.secrets is None:
            return None
        return Connection(
            kind=found.kind,
            credentials=repo.credentials(found, self.secrets),
            acting_user_id=found.acting_user_id,
            mode=found.mode,
            push=found.push,
            webhook_secret=repo.webhook_secret(found, self.secrets),
            epoch=found.connected_at.isoformat(),
            acting_user_name=found.acting_user_name,
        )

    def form(self, *, team_id: str, actor_id: str) -> AtsFormView:
        """The `/refbot ats` modal (admins only)."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        with self.sessions() as s:
            current = self.connection(s, team_id)
        if current is None:
            return AtsFormView(locale=locale)
        return AtsFormView(
            locale=locale,
            kind=current.kind.value,
            user_id=current.acting_user_id,
            mode=current.mode.value,
            push=current.push.value,
            connected_as=current.acting_user_name or current.acting_user_id,
            kept=True,
            from_env=current.from_env,
        )

    def check(self, *, team_id: str, actor_id: str, form: AtsForm) -> AtsCheck:
        """The modal's ack: the role, the fields; "none" disconnects at once. No network."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        with self.sessions() as s:
            errors = self._errors(form, repo.connection(s, team_id))
        if errors:
            return AtsCheck(locale=locale, errors=errors)
        if form.kind == "none":
            self._disconnect(team_id, actor_id)
            return AtsCheck(locale=locale, saved=AtsSaved(locale=locale, kind=None))
        return AtsCheck(locale=locale, ready=True)

    def connect(self, *, team_id: str, actor_id: str, form: AtsForm) -> AtsConnectResult:
        """After the ack: check the credentials with a real call (as the acting user), then save
        them encrypted. Refused: the form again with the ATS's own words."""
        locale = self.members.admin(team_id=team_id, user_id=actor_id).locale
        with self.sessions() as s:
            saved = repo.connection(s, team_id)
            if self._errors(form, saved) or form.kind not in ("greenhouse", "lever"):
                return AtsConnectResult()  # the ack answered already
            kind = AtsKind(form.kind)
            assert self.secrets is not None  # _errors refused the form without a key
            same = saved is not None and saved.kind == kind
            kept = repo.credentials(saved, self.secrets) if same else {}  # type: ignore[arg-type]
            kept_webhook = repo.webhook_secret(saved, self.secrets) if same else None  # type: ignore[arg-type]
        credentials = _credentials(kind, form, kept)
        user_id = str(form.user_id)
        client = self._new_client(kind, credentials, user_id)
        try:
            me = client.me()
        except AtsError as error:
            log.info("%s refused the credentials on save: %s", kind.value, error.kind)
            return AtsConnectResult(
                refused=AtsFormView(
                    locale=locale,
                    kind=kind.value,
                    user_id=user_id,
                    mode=form.mode or AtsMode.WEBHOOKS.value,
                    push=form.push or AtsPush.AUTO.value,
                    kept=bool(kept),
                    refused=error.reason,
                    scope=error.scope,
                )
            )
        finally:
            client.close()
        mode, push = AtsMode(form.mode or "webhooks"), AtsPush(form.push or "auto")
        now = self.clock()
        with self.sessions.begin() as s:
            repo.save_connection(
                s,
                self.secrets,
                team_id=team_id,
                kind=kind,
                credentials=credentials,
                webhook_secret=form.webhook_secret or kept_webhook,
                acting_user_id=user_id,
                acting_user_name=me.name or None,
                mode=mode,
                push=push,
                connected_by=actor_id,
                now=now,
            )
            settings_repo.save(s, team_id, ats_auto_push=push == AtsPush.AUTO)
            # Due now: the confirmation below, queued in this transaction, makes the dispatcher
            # run right after the commit, and it takes these along.
            repo.resume_waiting(s, team_id, now=now)
            audit.record(
                s,
                team_id=team_id,
                actor_id=actor_id,
                action="ats.connect",
                subject=f"team:{team_id}",
                at=now,
                ats=kind.value,
                mode=mode.value,
                push=push.value,
            )
            self.outbox.notice(
                s,
                team_id=team_id,
                recipient=actor_id,
                subject=f"team:{team_id}",
                dedupe_key=f"ats-connected:{team_id}:{now.isoformat()}",
                payload=text_notice(
                    "ats/connected", ats=kind.value, user=me.name, push=push.value, mode=mode.value
                ),
            )
        self._forget_clients(team_id)
        return AtsConnectResult(
            saved=AtsSaved(
                locale=locale,
                kind=kind.value,
                acting_user_name=me.name,
                push=push.value,
                mode=mode.value,
            )
        )

    def _disconnect(self, team_id: str, actor_id: str) -> None:
        now = self.clock()
        with self.sessions.begin() as s:
            if repo.delete_connection(s, team_id):
                repo.cancel_pending(s, team_id)
                settings_repo.save(s, team_id, ats_auto_push=False)
                audit.record(
                    s,
                    team_id=team_id,
                    actor_id=actor_id,
                    action="ats.disconnect",
                    subject=f"team:{team_id}",
                    at=now,
                )
        self._forget_clients(team_id)

    def _errors(self, form: AtsForm, saved: object) -> dict[str, str]:
        """Field errors by block id (bot.ids.AtsInput); an empty secret keeps the saved one of
        the same ATS."""
        errors: dict[str, str] = {}
        if form.kind not in KINDS:
            return {"ats": "required" if not form.kind else "invalid_choice"}
        if self.env is not None:
            return {"ats": "ats_from_env"}
        if form.kind == "none":
            return {}
        if self.secrets is None:
            return {"secret": "no_secret_key"}
        same = saved is not None and getattr(saved, "kind", None) == form.kind
        if form.kind == "greenhouse" and not form.client_id and not same:
            errors["client_id"] = "required"
        if not form.secret and not same:
            errors["secret"] = "required"
        if not form.user_id:
            errors["acting_user"] = "required"
        elif form.kind == "greenhouse" and not form.user_id.isdigit():
            errors["acting_user"] = "ats_user_id"
        blocks = {"client_id": "client_id", "secret": "secret", "user_id": "acting_user"}
        for name, block in {**blocks, "webhook_secret": "webhook_secret"}.items():
            if len(getattr(form, name) or "") > FIELD_MAX:
                errors[block] = "too_long"
        if form.mode not in (None, *AtsMode):
            errors["mode"] = "invalid_choice"
        if form.push not in (None, *AtsPush):
            errors["push"] = "invalid_choice"
        return errors

    # -- clients ------------------------------------------------------------------------------

    def client_for(self, team_id: str, conn: Connection) -> GreenhouseClient | LeverClient:
        """The workspace's adapter, kept while its credentials stay (Greenhouse tokens last an
        hour: one token serves every push meanwhile)."""
        key = (team_id, conn.epoch)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._new_client(conn.kind, conn.credentials, conn.acting_user_id)
                self._clients[key] = client
            return client

    def _new_client(
        self, kind: AtsKind, credentials: dict[str, str], user_id: str
    ) -> GreenhouseClient | LeverClient:
        if kind == AtsKind.GREENHOUSE:
            return GreenhouseClient(
                client_id=credentials.get("client_id", ""),
                client_secret=credentials.get("client_secret", ""),
                user_id=user_id,
                api_url=self.urls.greenhouse_api,
                auth_url=self.urls.greenhouse_auth,
                clock=self.clock,
            )
        return LeverClient(
            api_key=credentials.get("api_key", ""),
            user_id=user_id,
            api_url=self.urls.lever_api,
            clock=self.clock,
        )

    def _forget_clients(self, team_id: str) -> None:
        with self._lock:
            for key in [k for k in self._clients if k[0] == team_id]:
                self._clients.pop(key).close()

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    # -- the recruiter's "Send to ATS" ------------------------------------------------------------

    def request_push(self, *, team_id: str, actor_id: str, candidate: str) -> PushRequested:
        """Queue the push of a candidate's first referral (recruiters only)."""
        locale = self.members.recruiter(team_id=team_id, user_id=actor_id).locale
        with self.sessions.begin() as s:
            conn = self.connection(s, team_id)
            found = candidates.by_public_id(s, team_id, candidate)
            if conn is None or found is None:
                return PushRequested(locale=locale, state="no_ats")
            link = repo.link(s, found.id, conn.kind)
            state = self._line_state(s, team_id, found.public_id, link, bool(found.email))
            name = found.name
            if state != "offer":
                state = {"in": "already", "existing": "already"}.get(state, state)
                return PushRequested(locale, state, conn.kind.value, name)
            first = referrals.for_candidate(s, found.id)
            if not first:
                return PushRequested(locale, "no_ats", conn.kind.value, name)
            subject = f"ats:{found.public_id}"
            tries = len(deliveries.keys_like(s, team_id, subject, "ats_push:"))
            self.outbox.schedule(
                s,
                team_id=team_id,
                kind=DeliveryKind.ATS_PUSH,
                recipient=RECIPIENT,
                subject=subject,
                due_at=self.clock(),
                dedupe_key=f"ats_push:{first[0].public_id}:{tries}",
                payload={"referral": first[0].public_id, "by": actor_id},
            )
            refresh_cards(s, self.outbox, team_id, found.public_id, f"ats-queued:{tries}")
        return PushRequested(locale, "queued", conn.kind.value, name)

    # -- the card -----------------------------------------------------------------------------

    def line(self, s: Session, team_id: str, candidate: str) -> AtsLine | None:
        """The card's ATS line (None: no ATS connected, or the candidate is gone)."""
        kind = self.kind(s, team_id)
        found = candidates.by_public_id(s, team_id, candidate) if kind is not None else None
        if kind is None or found is None:
            return None
        link = repo.link(s, found.id, kind)
        return AtsLine(
            ats=kind.value,
            state=self._line_state(s, team_id, found.public_id, link, bool(found.email)),
            credited=bool(link and link.referrer_credited),
            referrer=link.credited_to if link else None,
        )

    def kind(self, s: Session, team_id: str) -> AtsKind | None:
        """Which ATS the workspace uses, without decrypting its credentials (every card composed
        asks)."""
        if self.env is not None:
            return self.env.kind
        row = repo.connection(s, team_id)
        return row.kind if row is not None and self.secrets is not None else None

    def _line_state(
        self, s: Session, team_id: str, public_id: str, link: AtsLink | None, has_email: bool
    ) -> str:
        if link is not None:
            return "existing" if link.outcome == "existing" else "in"
        if repo.push_pending(s, team_id, f"ats:{public_id}"):
            return "queued"
        # The ATS finds a person by email before creating her: without one, a retried push
        # could create her twice.
        return "offer" if has_email else "no_email"

    # -- a later referral's CV (in the referral's transaction) ------------------------------------

    def queue_cv(
        self,
        s: Session,
        *,
        team_id: str,
        candidate_id: int,
        candidate: str,
        referral: str,
        file: int,
    ) -> bool:
        """Send a CV that a later referral brought to the candidate's application in the ATS,
        where refbot put her (whether she was pushed automatically or by "Send to ATS"); nothing
        for someone the ATS knew already or never got. A push still on its way takes the newest
        CV itself (`_pushed`)."""
        kind = self.kind(s, team_id)
        if kind is None or self.cvs is None:
            return False
        link = repo.link(s, candidate_id, kind)
        if link is None or link.outcome == "existing" or not link.ats_application_id:
            return False
        self._queue_cv(s, team_id, kind, candidate, referral, file)
        return True

    def _queue_cv(
        self, s: Session, team_id: str, kind: AtsKind, candidate: str, referral: str, file: int
    ) -> None:
        # One row per file and ATS, whichever referral or push queues it first.
        self.outbox.schedule(
            s,
            team_id=team_id,
            kind=DeliveryKind.ATS_CV,
            recipient=RECIPIENT,
            subject=f"ats:{candidate}",
            due_at=self.clock(),
            dedupe_key=f"ats_cv:{kind.value}:{file}",
            payload={"referral": referral, "file": file},
        )

    # -- the dispatcher's side ------------------------------------------------------------------

    def send(self, due: Due) -> bool:
        """Carry out one ATS delivery; False when it no longer applies (the ATS was
        disconnected, the candidate forgotten). Raises SendError (AtsError) as classified."""
        if due.kind == DeliveryKind.ATS_PULL:
            return self.pull(due) if self.pull is not None else False
        if due.kind == DeliveryKind.ATS_STATUS:
            return self.write_back(due) if self.write_back is not None else False
        if due.kind == DeliveryKind.ATS_HISTORY:
            return self.history(due) if self.history is not None else False
        with self.sessions() as s:
            conn = self.connection(s, due.team_id)
            referral = referrals.by_public_id(s, due.team_id, due.payload["referral"])
            if conn is None or referral is None:
                return False
            candidate = referral.candidate
            link = repo.link(s, candidate.id, conn.kind)
            facts = _Facts(
                candidate_id=candidate.id,
                candidate=candidate.public_id,
                referral_id=referral.id,
                referral=referral.public_id,
                name=candidate.name,
                email=candidate.email,
                profile_url=candidate.profile_url,
                note=referral.note,
                referrer_id=referral.referrer_id,
                # A role that came from an open ATS job: the application goes on that job.
                job_id=repo.job_for_role(s, referral.role.id, conn.kind)
                if referral.role is not None and referral.role.status == RoleStatus.OPEN
                else None,
            )
        if due.kind == DeliveryKind.ATS_CV:
            if link is None or link.outcome == "existing" or not link.ats_application_id:
                return False  # nothing of refbot's there to attach it to
            return self._attach_cv(due, conn, facts, link.ats_application_id)
        if due.kind == DeliveryKind.ATS_NOTE:
            if link is None or link.outcome == "existing":
                return False  # nothing of refbot's there to annotate
            self._note(due, conn, facts, link.ats_candidate_id, link.ats_application_id)
            return True
        if link is not None:
            return True  # pushed already (a copy of this row, or the button after auto)
        if not facts.email:
            return False
        result = self._push(due, conn, facts)
        self._pushed(due.team_id, conn, facts, result)
        return True

    def _push(self, due: Due, conn: Connection, facts: "_Facts") -> AtsPushResult:
        referrer = self._referrer(due.team_id, facts.referrer_id)
        client = self.client_for(due.team_id, conn)
        referral = AtsReferral(
            name=facts.name,
            email=str(facts.email),
            referrer_email=referrer[1] or NO_EMAIL,
            referrer_name=referrer[0],
            links=(facts.profile_url,) if facts.profile_url else (),
            job_id=facts.job_id,
        )
        return self._calling(due.team_id, conn, lambda: client.push_referral(referral))

    def _pushed(
        self, team_id: str, conn: Connection, facts: "_Facts", result: AtsPushResult
    ) -> None:
        """Where she is now, the note to write, the cards to update; the referrer of someone
        the ATS knew already hears "already known to the team"."""
        now = self.clock()
        subject = f"ats:{facts.candidate}"
        with self.sessions.begin() as s:
            repo.save_link(
                s,
                team_id=team_id,
                candidate_id=facts.candidate_id,
                referral_id=facts.referral_id,
                ats=conn.kind,
                ats_candidate_id=result.candidate_id,
                ats_application_id=result.application_id,
                outcome=result.status,
                referrer_credited=result.referrer_credited,
                credited_to=facts.referrer_id,
                now=now,
            )
            # A webhook about her that came before this link was held for it (ats_pull).
            repo.release_held(s, team_id, conn.kind, result.candidate_id, now=now)
            if result.status == "existing":
                self.outbox.notice(
                    s,
                    team_id=team_id,
                    recipient=facts.referrer_id,
                    subject=f"candidate:{facts.candidate}",
                    dedupe_key=f"update:{facts.referral}:known",
                    payload={
                        "render": "referrer_update",
                        "referral": facts.referral,
                        "stage": "known",
                    },
                )
            elif facts.note or not result.referrer_credited:
                self.outbox.schedule(
                    s,
                    team_id=team_id,
                    kind=DeliveryKind.ATS_NOTE,
                    recipient=RECIPIENT,
                    subject=subject,
                    due_at=now,
                    dedupe_key=f"ats_note:{facts.referral}:{conn.kind.value}",
                    payload={"referral": facts.referral, "credit": not result.referrer_credited},
                )
            cv = cv_for(s, facts.candidate_id) if self.cvs is not None else None
            if cv is not None and result.status != "existing" and result.application_id:
                self._queue_cv(s, team_id, conn.kind, facts.candidate, facts.referral, cv.id)
            refresh_cards(s, self.outbox, team_id, facts.candidate, f"ats:{result.status}")

    def _attach_cv(self, due: Due, conn: Connection, facts: "_Facts", ats_application: str) -> bool:
        """The row's CV on her application (Greenhouse) or opportunity (Lever), once: a file of
        that name there already is this CV from an earlier, uncertain try. The bytes come from
        Slack only when the ATS lacks it; a Slack failure raises SendError like any send. False
        when refbot holds that CV no more (forgotten since)."""
        with self.sessions() as s:
            cv = cv_file(s, due.team_id, int(due.payload["file"]))
        cvs = self.cvs
        if cv is None or cvs is None:
            return False
        client = self.client_for(due.team_id, conn)

        def attach() -> None:
            content = cvs.content(due.team_id, cv)
            if isinstance(client, GreenhouseClient):
                client.attach_resume(ats_application, cv.name, content)
            else:
                mimetype = CV_MIMETYPES.get(cv.filetype, "application/octet-stream")
                client.attach_resume(ats_application, cv.name, content, mimetype)

        names = lambda: client.attachment_names(ats_application)  # noqa: E731
        if self._once(due.team_id, conn, names, cv.name, attach):
            log.info("CV %s attached in %s", cv.id, conn.kind.value)
        return True

    def _note(
        self,
        due: Due,
        conn: Connection,
        facts: "_Facts",
        ats_candidate: str,
        ats_application: str | None,
    ) -> None:
        referrer = self._referrer(due.team_id, facts.referrer_id)
        locale = self.members.default_locale
        body = i18n.plain(
            locale,
            "ats/note",
            referrer=referrer[0],
            email=referrer[1],
            credit=bool(due.payload.get("credit")),
            note=facts.note,
        ).strip()
        self.note_once(due.team_id, conn, ats_candidate, ats_application, body)

    def note_once(
        self,
        team_id: str,
        conn: Connection,
        ats_candidate: str,
        ats_application: str | None,
        body: str,
    ) -> bool:
        """A note on her profile (Greenhouse, tied to her application) or her opportunity
        (Lever), once: a note there with the same words is this one, from an earlier try whose
        answer was lost. Whether it wrote."""
        client = self.client_for(team_id, conn)
        if isinstance(client, GreenhouseClient):
            there = lambda: client.note_bodies(ats_candidate)  # noqa: E731
            write = lambda: client.add_note(ats_candidate, body, application_id=ats_application)  # noqa: E731
        else:
            there = lambda: client.note_bodies(str(ats_application))  # noqa: E731
            write = lambda: client.add_note(str(ats_application), body)  # noqa: E731
        # The same words, whatever spacing or line endings the ATS gives them back with.
        return self._once(team_id, conn, lambda: map(_words, there()), _words(body), write)

    def _once(
        self,
        team_id: str,
        conn: Connection,
        there: Callable[[], Iterable[str]],
        key: str,
        write: Callable[[], object],
    ) -> bool:
        """Write something the ATS keeps no idempotency key for (a note, a file) unless it holds
        it already: `there` lists what it holds, by the key refbot writes it under (a file's
        name, a note's words). Whether it wrote. Each call goes through `_calling`."""
        if key in set(self._calling(team_id, conn, lambda: list(there()))):
            return False
        self._calling(team_id, conn, write)
        return True

    def _calling(self, team_id: str, conn: Connection, call: Callable[[], T]) -> T:
        """Make an ATS call; credentials it refuses are told to the admins once (the row waits:
        bot.dispatcher)."""
        try:
            return call()
        except AtsError as error:
            if error.kind == "unauthorized":
                self._tell_refused(team_id, conn, error)
            raise

    def _tell_refused(self, team_id: str, conn: Connection, error: AtsError) -> None:
        problem = f"{error.status or ''}:{error.scope or ''}"
        key = f"ats-refused:{team_id}:{conn.epoch}:{problem}"[:150]
        with self.sessions.begin() as s:
            for admin in members_repo.admins(s, team_id):
                self.outbox.notice(
                    s,
                    team_id=team_id,
                    recipient=admin,
                    subject=f"team:{team_id}",
                    dedupe_key=f"{key}:{admin}",
                    payload=text_notice(
                        "ats/refused",
                        ats=conn.kind.value,
                        words=error.reason,
                        scope=error.scope,
                        scope_words=scope_words(error.scope),
                    ),
                )

    def _referrer(self, team_id: str, user_id: str) -> tuple[str, str | None]:
        """(name, email) from Slack: the ATS credits a referrer found by email."""
        try:
            found = self.directory.user_profile(team_id, user_id)
        except Exception as error:  # Slack busy or unreachable: the push waits, nothing lost
            raise SendError("transient", f"referrer profile: {type(error).__name__}") from None
        if found is None:
            return user_id, None
        return found.name, found.email


@dataclass(frozen=True)
class _Facts:
    candidate_id: int
    candidate: str
    referral_id: int
    referral: str
    name: str
    email: str | None
    profile_url: str | None
    note: str | None
    referrer_id: str
    job_id: str | None = None


def _words(text: str) -> str:
    return " ".join(text.split())


def scope_words(scope: str | None) -> str | None:
    """A permission in plain words: harvest:candidates:create -> "create candidates"."""
    if not scope:
        return None
    parts = scope.split(":")
    if scope.startswith("harvest:") and len(parts) == 3:
        return f"{parts[2]} {parts[1].replace('_', ' ')}"
    if len(parts) >= 2:
        return f"{parts[1]} {parts[0].replace('_', ' ')}"
    return scope


def _credentials(kind: AtsKind, form: AtsForm, kept: dict[str, str]) -> dict[str, str]:
    if kind == AtsKind.GREENHOUSE:
        return {
            "client_id": form.client_id or kept.get("client_id", ""),
            "client_secret": form.secret or kept.get("client_secret", ""),
        }
    return {"api_key": form.secret or kept.get("api_key", "")}


def _fingerprint(kind: AtsKind, credentials: dict[str, str]) -> str:
    raw = "\n".join([kind.value, *(f"{k}={v}" for k, v in sorted(credentials.items()))])
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
