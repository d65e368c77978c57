"""A fake Slack Web API server for the tests and `refbot demo`.

refbot reaches it only through SLACK_API_URL (`WebClient(base_url=emulator.url)`), so slack_sdk
and Bolt run unpatched, HTTP included. It records every call, flags Block Kit that Slack would
reject, and can be told to rate-limit, fail or hang.
"""

import contextlib
import copy
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from hashlib import sha1
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, cast
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

# slack_sdk form-encodes some methods, sending these fields as JSON strings.
_JSON_FIELDS = ("blocks", "view", "metadata", "attachments")
_MAX_MODAL_STACK = 3  # https://api.slack.com/surfaces/modals#updating_pushing_views


@dataclass(frozen=True)
class Call:
    """One request the emulator received, with what it answered."""

    method: str
    args: dict[str, Any]
    token: str | None
    status: int
    ok: bool


@dataclass
class Message:
    """A message the app posted, as the emulator currently holds it."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    user: str | None = None  # ephemeral and response_url replies: who sees it
    ephemeral: bool = False
    thread_ts: str | None = None

    def has_button(self, action_id: str) -> bool:
        return self._button(action_id) is not None

    def button_value(self, action_id: str) -> str | None:
        button = self._button(action_id)
        return None if button is None else button.get("value")

    def plain_text(self) -> str:
        """The fallback text and every text in the blocks, one per line."""
        texts = [d["text"] for d in _walk(self.blocks) if isinstance(d.get("text"), str)]
        return "\n".join([self.text, *texts] if self.text else texts)

    def _button(self, action_id: str) -> dict[str, Any] | None:
        return next(
            (
                d
                for d in _walk(self.blocks)
                if d.get("type") == "button" and d.get("action_id") == action_id
            ),
            None,
        )


@dataclass(frozen=True)
class Upload:
    """A file the app uploaded and shared (files.getUploadURLExternal, the POST of its bytes,
    files.completeUploadExternal): one per channel it was shared to."""

    file_id: str
    filename: str
    title: str
    channel: str | None  # None: completed without a channel, so private to the app
    content: bytes
    comment: str | None = None  # initial_comment


@dataclass
class _PendingFile:
    filename: str
    length: int
    content: bytes | None = None  # None until its bytes are POSTed to the upload URL


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict nested in node, in document order."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _flag(value: Any) -> bool:
    # slack_sdk turns booleans into "1"/"0" in query strings and forms.
    return value in (True, 1, "1", "true", "True")


def _decode_args(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if body and "json" in content_type:
        loaded = json.loads(body)
        if not isinstance(loaded, dict):
            raise ValueError("JSON body is not an object")
        args.update(loaded)
    elif body:
        args.update(parse_qsl(body.decode(), keep_blank_values=True))
    for key in _JSON_FIELDS:
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):  # left as a string; validation reports it
                args[key] = json.loads(args[key])
    return args


class _SlackError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class _Fault:
    times: int
    status: int = 200
    error: str = ""
    retry_after: int | None = None
    seconds: float = 0.0  # a hang: sleep, then answer normally
    after: bool = False  # hang after doing the work: the caller never learns it succeeded


@dataclass
class _Hook:
    user: str
    channel: str
    original_ts: str | None  # the message replace_original/delete_original act on


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a hung request must never keep the test process alive
    request_queue_size = 256  # listen backlog: the default 5 resets connections under load

    def __init__(self, emulator: "SlackEmulator") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        cast(_Server, self.server).emulator._handle(self)

    do_GET = do_POST  # slack_sdk declares some methods GET but always sends POST; accept both

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet; every call is in SlackEmulator.calls


class SlackEmulator:
    """The Slack Web API methods refbot uses, over real HTTP on an ephemeral loopback port."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        bot_user_id: str = "UREFBOT",
        token: str = "xoxb-refbot-test",
        app_token: str = "xapp-refbot-test",
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id.removeprefix("U")
        self.app_id = "A" + bot_user_id.removeprefix("U")
        self.token = token
        self.app_token = app_token
        # Socket Mode: what apps.connections.open hands out (a test's local WebSocket server).
        self.socket_mode_url: str | None = None
        self._tokens: dict[str, str] = {token: team_id}  # bot token -> its workspace
        self._revoked: set[str] = set()
        self._outage = False  # every Web API method answers 503
        self._codes: dict[str, tuple[str, str]] = {}  # OAuth code -> (workspace, installer)
        self._caller_team = team_id  # the workspace of the call being answered
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._version = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._seq = 0
        self._last_ts = 0  # microseconds
        self._calls: list[Call] = []
        self._errors: list[str] = []
        self._messages: list[Message] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._mpims: dict[str, list[str]] = {}
        self._not_joined: set[str] = set()  # public channels the bot was never invited to
        self._unseen: set[str] = set()  # DMs, group DMs, private channels without the bot
        self._views: dict[str, dict[str, Any]] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._external_ids: dict[str, str] = {}
        self._triggers: dict[str, str] = {}
        self._hooks: dict[str, _Hook] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._hangs: dict[str, list[_Fault]] = {}
        self._files: dict[str, _PendingFile] = {}
        self._uploads: list[Upload] = []
        # Files in the workspace (a person's upload in a modal, the app's completed uploads):
        # id -> (file object as files.info gives it, bytes).
        self._stored: dict[str, tuple[dict[str, Any], bytes]] = {}
        self._deleted: list[str] = []
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "oauth.v2.access": self._oauth_v2_access,
            "apps.connections.open": self._apps_connections_open,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.info": self._files_info,
            "files.delete": self._files_delete,
        }
        self.add_user(bot_user_id, name="refbot")
        self._users[bot_user_id]["is_bot"] = True

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # so stop() returns quickly
            name="slack-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hung requests
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The SLACK_API_URL; WebClient appends the method name."""
        return f"{self._origin}/api/"

    @property
    def _origin(self) -> str:
        if self._server is None:
            raise RuntimeError("SlackEmulator.start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- arranging -------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        locale: str = "en-US",
        tz: str = "America/New_York",
        email: str | None = None,
        deleted: bool = False,
        team_id: str | None = None,
    ) -> None:
        profile = {"real_name": real_name or name, "display_name": name}
        if email is not None:
            profile["email"] = email
        with self._lock:
            self._users[user_id] = {
                "id": user_id,
                "team_id": team_id or self.team_id,
                "name": name,
                "real_name": real_name or name,
                "deleted": deleted,
                "is_bot": False,
                "tz": tz,
                "tz_label": tz,
                "locale": locale,
                "profile": profile,
            }

    def approve_install(self, team_id: str, user_id: str) -> str:
        """user_id, of team_id, approves the app on Slack's install page: the `code` Slack sends
        to the redirect URL, which oauth.v2.access exchanges for that team's bot token."""
        with self._lock:
            code = f"code-{team_id}-{secrets.token_hex(4)}"
            self._codes[code] = (team_id, user_id)
        return code

    def token_of(self, team_id: str) -> str | None:
        """The bot token the workspace's current installation holds."""
        with self._lock:
            return next((t for t, team in self._tokens.items() if team == team_id), None)

    def revoke(self, team_id: str) -> None:
        """The workspace uninstalls the app: its tokens stop working."""
        with self._lock:
            self._revoked |= {t for t, team in self._tokens.items() if team == team_id}
            self._tokens = {t: team for t, team in self._tokens.items() if team != team_id}

    def user_file(
        self,
        user_id: str,
        name: str,
        content: bytes,
        *,
        filetype: str | None = None,
        mimetype: str | None = None,
    ) -> dict[str, Any]:
        """A file the user uploads in a modal's file_input: the file object as Slack puts it in
        the view_submission (`files` of the element's state), served at url_private_download
        to a bot token of the workspace only."""
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        mimetypes = {
            "pdf": "application/pdf",
            "doc": "application/msword",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "exe": "application/x-msdownload",
        }
        with self._lock:
            file_id = f"F{self._next():08d}"
            path = f"{self._origin}/files-pri/{self.team_id}-{file_id}/"
            file = {
                "id": file_id,
                "created": int(time.time()),
                "timestamp": int(time.time()),
                "name": name,
                "title": name,
                "mimetype": mimetype or mimetypes.get(extension, "application/octet-stream"),
                "filetype": filetype or extension or "binary",
                "pretty_type": (filetype or extension).upper(),
                "user": user_id,
                "user_team": self.team_id,
                "editable": False,
                "size": len(content),
                "mode": "hosted",
                "is_external": False,
                "external_type": "",
                "is_public": False,
                "public_url_shared": False,
                "display_as_bot": False,
                "username": "",
                "url_private": path + name,
                "url_private_download": path + "download/" + name,
                "permalink": f"https://acme.slack.com/files/{user_id}/{file_id}/{name}",
                "channels": [],
                "groups": [],
                "ims": [],
                "comments_count": 0,
            }
            self._stored[file_id] = (file, content)
        return copy.deepcopy(file)

    def response_url(
        self, user_id: str, channel_id: str = "C0GENERAL", *, message_ts: str | None = None
    ) -> str:
        """A fresh response_url; message_ts names the original message it may replace/delete."""
        key = secrets.token_hex(8)
        with self._lock:
            self._hooks[key] = _Hook(user=user_id, channel=channel_id, original_ts=message_ts)
        return f"{self._origin}/respond/{key}"

    def trigger_id(self, user_id: str) -> str:
        """A trigger_id that views.open/push attribute to user_id."""
        with self._lock:
            trigger = f"{self._next()}.{user_id}.{secrets.token_hex(6)}"
            self._triggers[trigger] = user_id
        return trigger

    def dm_channel(self, user_id: str) -> str:
        return "D" + user_id

    def channel_without_bot(self, channel: str) -> None:
        """A channel refbot is not a member of: it can't post there until invited."""
        with self._lock:
            self._not_joined.add(channel)

    def conversation_without_bot(self, channel: str) -> None:
        """A DM or group DM between people, or a private channel, that refbot is not in: for the
        bot it does not exist (every Web API method about it answers channel_not_found)."""
        with self._lock:
            self._unseen.add(channel)

    def user_posts(self, user_id: str, channel: str, text: str) -> str:
        """A person (not the app) writes in a channel; returns the message ts."""
        with self._lock:
            message = Message(channel, self._ts(), text, user=user_id)
            self._messages.append(message)
            self._version += 1
            self._changed.notify_all()
            return message.ts

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of method with an error.

        Default: 429 ratelimited; with only `error` given: 200 {"ok": false, "error": error}.
        """
        if status is None:
            status = 200 if error else 429
        if status == 200 and error is None:
            raise ValueError("a status-200 fault needs an error, e.g. 'user_not_found'")
        if status == 429 and retry_after is None:
            retry_after = 1  # Slack always sends Retry-After with a 429
        default = "ratelimited" if status == 429 else "internal_error"
        fault = _Fault(times, status, error or default, retry_after)
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def hang(self, method: str, seconds: float, *, times: int = 1, after: bool = False) -> None:
        """Delay the next answers; `after=True` does the work first (a crash window for tests)."""
        with self._lock:
            self._hangs.setdefault(method, []).append(_Fault(times, seconds=seconds, after=after))

    def outage(self, down: bool = True) -> None:
        """Slack is down (every Web API method answers 503) until outage(False)."""
        with self._lock:
            self._outage = down

    def reset_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._hangs.clear()

    def close_views(self, user_id: str) -> None:
        """The user closes their modals (Done, Cancel or Esc)."""
        with self._lock:
            self._stacks.pop(user_id, None)

    def apply_response_action(
        self,
        user_id: str,
        view_id: str,
        answer: dict[str, Any],
        *,
        submitted_hash: str | None = None,
    ) -> None:
        """Do what Slack does with the app's HTTP answer to a view_submission of view_id.

        That answer never reaches the Web API, so the harness that submitted hands it over,
        after the fact: a views.update the app made after its ack (a lazy listener) may have
        come first. Slack applied the answer before, so that later update stays shown
        (`submitted_hash`: the view's hash when it was submitted).
        """
        action = answer.get("response_action")
        where = f"response_action {action} for {view_id}"
        with self._lock, contextlib.suppress(_SlackError):  # the cause is already in errors
            stack = self._stacks.setdefault(user_id, [])
            current = self._views.get(view_id)
            if current is None:
                self._errors.append(f"{where}: unknown view")
            elif action == "errors":  # the modal stays open; errors must name its input blocks
                inputs = {
                    b.get("block_id")
                    for b in current.get("blocks") or []
                    if b.get("type") == "input"
                }
                for block_id in sorted(set(answer.get("errors") or {}) - inputs):
                    self._errors.append(f"{where}: no input block {block_id!r}")
            elif action == "update":
                view = self._check_view(where, answer.get("view"))
                root, previous = current["root_view_id"], current["previous_view_id"]
                # Not when the app's later views.update replaced it already.
                if not submitted_hash or current["hash"] == submitted_hash:
                    self._store_view(view, view_id=view_id, root=root, previous=previous)
            elif action == "push":
                self._push(user_id, self._check_view(where, answer.get("view")))
            elif action == "clear":
                stack.clear()
            elif action is None:  # Slack closes the submitted view, back to the one below
                if view_id in stack:
                    del stack[stack.index(view_id) :]
            else:
                self._errors.append(f"{where}: unknown response_action")
        with self._changed:
            self._version += 1
            self._changed.notify_all()

    # -- reading state ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def errors(self) -> list[str]:
        with self._lock:
            return list(self._errors)

    def messages(self, channel: str | None = None) -> list[Message]:
        with self._lock:
            return [copy.deepcopy(m) for m in self._messages if channel in (None, m.channel)]

    def deleted_files(self) -> list[str]:
        """Ids of the files deleted with files.delete, in order."""
        with self._lock:
            return list(self._deleted)

    def file_exists(self, file_id: str) -> bool:
        with self._lock:
            return file_id in self._stored

    def uploads(self, channel: str | None = None) -> list[Upload]:
        """Completed uploads, oldest first; only those shared to `channel` when given."""
        with self._lock:
            return [u for u in self._uploads if channel in (None, u.channel)]

    def dms(self, user_id: str) -> list[Message]:
        return [m for m in self.messages(self.dm_channel(user_id)) if not m.ephemeral]

    def ephemerals(self, user_id: str) -> list[Message]:
        return [m for m in self.messages() if m.ephemeral and m.user == user_id]

    def home(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            view_id = self._homes.get(user_id)
            return None if view_id is None else self.view(view_id)

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user_id, [])]

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._views.get(view_id))

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
        """Wait until predicate() holds, e.g. for a Bolt lazy listener that runs after the ack.
        It returns as soon as it holds: the default only bounds a loaded CI machine's stalls
        (5 s was passed twice in 1,590 tests); waits for what must not happen set their own."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                seen = self._version
            if predicate():  # outside the lock: a predicate may call the emulator over HTTP
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._changed:
                if self._version == seen:
                    # Woken by every recorded call; the cap re-checks predicates on other state.
                    self._changed.wait(min(remaining, 0.05))

    # -- HTTP ------------------------------------------------------------------------------------

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        if url.path.startswith("/api/"):
            method, key = url.path.removeprefix("/api/"), ""
        elif url.path.startswith("/respond/"):
            method, key = "response_url", url.path.removeprefix("/respond/")
        elif url.path.startswith("/upload/"):
            self._receive_upload(req, url.path.removeprefix("/upload/"), body)
            return
        elif url.path.startswith("/files-pri/"):
            self._serve_file(req, url.path.removeprefix("/files-pri/"))
            return
        else:
            self._send(req, 404, {}, b"not found", "text/plain")
            return
        auth = req.headers.get("Authorization") or ""
        token: str | None = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        try:
            args = _decode_args(url.query, body, req.headers.get("Content-Type") or "")
        except ValueError:
            args = {"_invalid_body": body.decode(errors="replace")}
        token = args.pop("token", None) or token  # form-encoded clients may send it as a field
        with self._lock:
            hang = self._take(self._hangs, method)
        if hang is not None and not hang.after:
            self._stopping.wait(hang.seconds)
        status, headers, payload = self._answer(method, key, args, token)
        if hang is not None and hang.after:
            self._stopping.wait(hang.seconds)
        if method == "response_url":  # Slack answers response_url posts in plain text
            text = "ok" if payload["ok"] else payload["error"]
            self._send(req, status, headers, text.encode(), "text/plain")
        else:
            self._send(req, status, headers, json.dumps(payload).encode(), "application/json")

    def _answer(
        self, method: str, key: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        status, headers = 200, {}
        with self._lock:
            try:
                fault = self._take(self._faults, method)
                if self._outage and method != "response_url":
                    fault = _Fault(1, 503, "service_unavailable", None)
                if fault is not None:
                    status = fault.status
                    if fault.retry_after is not None:
                        headers["Retry-After"] = str(fault.retry_after)
                    raise _SlackError(fault.error)
                if "_invalid_body" in args:
                    raise _SlackError("invalid_json")
                if method == "response_url":
                    payload = {"ok": True, **self._respond(key, args)}
                elif (handler := self._methods.get(method)) is None:
                    self._errors.append(f"{method}: unknown method (not emulated)")
                    raise _SlackError("unknown_method")
                elif method == "oauth.v2.access":  # authenticated by client id and secret
                    payload = {"ok": True, **handler(args)}
                elif method == "apps.connections.open":
                    if token != self.app_token:
                        raise _SlackError("invalid_auth")
                    payload = {"ok": True, **handler(args)}
                elif token not in self._tokens:
                    if not token:
                        raise _SlackError("not_authed")
                    raise _SlackError("token_revoked" if token in self._revoked else "invalid_auth")
                else:
                    self._caller_team = self._tokens[token]
                    payload = {"ok": True, **handler(args)}
            except _SlackError as e:
                if method == "response_url" and status == 200:
                    status = 404 if e.error == "expired_url" else 400
                payload = {"ok": False, "error": e.error}
            except Exception as e:  # an emulator bug must show up in errors, not as a hang
                self._errors.append(f"{method}: emulator crashed: {e!r}")
                status, payload = 500, {"ok": False, "error": "internal_error"}
            self._calls.append(Call(method, args, token, status, payload["ok"]))
            self._version += 1
            self._changed.notify_all()
        return status, headers, payload

    def _receive_upload(self, req: BaseHTTPRequestHandler, file_id: str, body: bytes) -> None:
        # The upload URL is pre-signed (no token), and Slack answers it in plain text.
        with self._lock:
            pending = self._files.get(file_id)
            if pending is not None:
                if len(body) != pending.length:
                    self._errors.append(
                        f"upload {file_id}: {len(body)} bytes, files.getUploadURLExternal "
                        f"announced {pending.length}"
                    )
                pending.content = body
                self._version += 1
                self._changed.notify_all()
        if pending is None:
            self._send(req, 404, {}, b"not found", "text/plain")
        else:
            self._send(req, 200, {}, f"OK - {len(body)}".encode(), "text/plain")

    @staticmethod
    def _send(
        req: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes, kind: str
    ) -> None:
        # The client may have given up (a hang longer than its timeout): nothing left to tell it.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            req.send_response(status)
            req.send_header("Content-Type", kind)
            req.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                req.send_header(name, value)
            req.end_headers()
            req.wfile.write(body)

    @staticmethod
    def _take(table: dict[str, list[_Fault]], method: str) -> _Fault | None:
        pending = table.get(method)
        if not pending:
            return None
        item = pending[0]
        item.times -= 1
        if item.times <= 0:
            pending.pop(0)
        return item

    # -- state helpers (called with the lock held) ----------------------------------------------

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _ts(self) -> str:
        # Like Slack's: the epoch time of the message (the clock tests move), unique and
        # increasing, so `oldest`/`latest` bound history as they do on Slack.
        micros = max(int(time.time() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        self._next()
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _channel(self, a: dict[str, Any]) -> str:
        channel = str(a.get("channel") or "")
        if channel[:1] in ("U", "W"):  # chat.postMessage to a user id posts in the bot's DM
            return self.dm_channel(channel)
        if channel in self._unseen:
            raise _SlackError("channel_not_found")
        if channel[:1] in ("C", "D", "G"):
            return channel
        raise _SlackError("channel_not_found")

    def _find(self, channel: str, ts: Any, *, ephemeral: bool | None = None) -> Message:
        for m in self._messages:
            if m.channel == channel and m.ts == ts and ephemeral in (None, m.ephemeral):
                return m
        raise _SlackError("message_not_found")

    def _user(self, user_id: Any) -> dict[str, Any]:
        if user_id not in self._users:
            raise _SlackError("user_not_found")
        user = copy.deepcopy(self._users[user_id])
        offset = ZoneInfo(user["tz"]).utcoffset(datetime.now(UTC))
        user["tz_offset"] = int(offset.total_seconds()) if offset else 0
        return user

    def _history_item(self, m: Message, *, metadata: bool) -> dict[str, Any]:
        item: dict[str, Any] = {
            "type": "message",
            "ts": m.ts,
            "text": m.text,
            "blocks": copy.deepcopy(m.blocks),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        }
        if m.thread_ts:
            item["thread_ts"] = m.thread_ts
        if metadata and m.metadata is not None:
            item["metadata"] = copy.deepcopy(m.metadata)
        return item

    # -- Block Kit validation: record what Slack would reject, answer ok anyway ------------------

    def _check_message(self, where: str, a: dict[str, Any]) -> list[dict[str, Any]]:
        blocks = a.get("blocks") or []
        if not (a.get("text") or blocks or a.get("attachments")):
            raise _SlackError("no_text")
        if not isinstance(blocks, list):
            self._errors.append(f"{where}: blocks is not a JSON array: {blocks!r:.80}")
            raise _SlackError("invalid_blocks")
        if blocks and not a.get("text"):
            # Notifications and screen readers show only `text`.
            self._errors.append(f"{where}: blocks without a `text` fallback")
        self._check_blocks(where, blocks, limit=50)
        return blocks

    def _check_blocks(self, where: str, blocks: list[Any], *, limit: int) -> None:
        if len(blocks) > limit:
            self._errors.append(f"{where}: {len(blocks)} blocks, Slack allows {limit}")
        block_ids: set[str] = set()
        for i, raw in enumerate(blocks):
            if not isinstance(raw, dict):
                self._errors.append(f"{where}: block {i} is not an object: {raw!r:.80}")
                continue
            label = f"{where}: block {i} ({raw.get('type')})"
            try:
                # slack_sdk models check Slack's documented limits (lengths, counts) in to_dict().
                parsed = Block.parse(copy.deepcopy(raw))
                if parsed is None:
                    self._errors.append(f"{label}: unknown block type")
                else:
                    parsed.to_dict()
            except Exception as e:
                self._errors.append(f"{label}: {e}")
            block_id = raw.get("block_id")
            if block_id in block_ids:
                self._errors.append(f"{label}: duplicate block_id {block_id!r}")
            elif isinstance(block_id, str):
                block_ids.add(block_id)

    def _check_view(self, where: str, view: Any) -> dict[str, Any]:
        if not isinstance(view, dict):
            self._errors.append(f"{where}: view is not a JSON object: {view!r:.80}")
            raise _SlackError("invalid_arguments")
        blocks = view.get("blocks") or []
        if not isinstance(blocks, list):
            self._errors.append(f"{where}: view blocks is not a JSON array")
            raise _SlackError("invalid_arguments")
        where = f"{where} {view.get('callback_id') or view.get('type')}"
        self._check_blocks(where, blocks, limit=100)
        # Slack wants action_ids unique within a block (block_ids are unique in the view).
        for block in blocks:
            ids = [d["action_id"] for d in _walk(block) if isinstance(d.get("action_id"), str)]
            for dup in sorted({a for a in ids if ids.count(a) > 1}):
                self._errors.append(f"{where}: duplicate action_id {dup!r}")
        if view.get("type") == "modal" and not view.get("title"):
            self._errors.append(f"{where}: a modal needs a title")
        inputs = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if view.get("type") == "modal" and inputs and not view.get("submit"):
            # Slack refuses it: "must provide a submit property when using input blocks"
            self._errors.append(f"{where}: a modal with inputs needs a submit button")
            raise _SlackError("invalid_arguments")
        try:  # blocks were checked one by one above; a placeholder keeps View's own count quiet
            View(**{**view, "blocks": [{"type": "divider"}]}).to_dict()
        except Exception as e:
            self._errors.append(f"{where}: {e}")
        return view

    # -- Web API methods -------------------------------------------------------------------------

    def _auth_test(self, a: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self._caller_team.lower()}.slack.com/",
            "team": "refbot test",
            "user": "refbot",
            "team_id": self._caller_team,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _oauth_v2_access(self, a: dict[str, Any]) -> dict[str, Any]:
        approved = self._codes.pop(str(a.get("code") or ""), None)
        if approved is None:
            raise _SlackError("invalid_code")
        team_id, installer = approved
        token = f"xoxb-{team_id.lower()}-{secrets.token_hex(6)}"
        self._tokens = {t: team for t, team in self._tokens.items() if team != team_id}
        self._tokens[token] = team_id
        return {
            "app_id": self.app_id,
            "authed_user": {"id": installer},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": self.bot_user_id,
            "team": {"id": team_id, "name": f"Team {team_id}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, a: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode_url is None:
            raise _SlackError("internal_error")
        return {"url": self.socket_mode_url}

    def _users_info(self, a: dict[str, Any]) -> dict[str, Any]:
        user = self._user(a.get("user"))
        if not _flag(a.get("include_locale")):
            del user["locale"]
        return {"user": user}

    def _users_lookup_by_email(self, a: dict[str, Any]) -> dict[str, Any]:
        email = str(a.get("email") or "").casefold()
        for user_id, user in self._users.items():
            if email and user["profile"].get("email", "").casefold() == email:
                return {"user": self._user(user_id)}
        raise _SlackError("users_not_found")

    def _conversations_open(self, a: dict[str, Any]) -> dict[str, Any]:
        if a.get("channel"):
            return {"channel": {"id": a["channel"]}, "already_open": True}
        users = a.get("users") or ""
        members = sorted(set(users.split(",") if isinstance(users, str) else users) - {""})
        if not members:
            raise _SlackError("users_list_not_supplied")
        if len(members) == 1:
            return {"channel": {"id": self.dm_channel(members[0])}}
        mpim = "G" + sha1(",".join(members).encode()).hexdigest()[:10].upper()  # stable per set
        self._mpims[mpim] = members
        return {"channel": {"id": mpim}}

    def _conversations_info(self, a: dict[str, Any]) -> dict[str, Any]:
        channel = str(a.get("channel") or "")
        if channel in self._unseen:
            raise _SlackError("channel_not_found")
        if channel.startswith("D"):
            return {"channel": {"id": channel, "is_im": True, "user": channel[1:], "is_open": True}}
        if channel in self._mpims:
            return {"channel": {"id": channel, "is_mpim": True, "is_private": True}}
        if channel.startswith("C"):
            name = channel.lower()
            member = channel not in self._not_joined
            return {
                "channel": {"id": channel, "name": name, "is_channel": True, "is_member": member}
            }
        raise _SlackError("channel_not_found")

    def _conversations_history(self, a: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(a)
        oldest = Decimal(a.get("oldest") or 0)
        latest = Decimal(a["latest"]) if a.get("latest") else Decimal("Infinity")
        inclusive = _flag(a.get("inclusive"))
        found = [
            m
            for m in self._messages
            if m.channel == channel
            and not m.ephemeral
            and m.thread_ts in (None, m.ts)  # replies live in conversations.replies
            and (
                oldest <= Decimal(m.ts) <= latest if inclusive else oldest < Decimal(m.ts) < latest
            )
        ]
        found.sort(key=lambda m: Decimal(m.ts), reverse=True)
        start = int(a.get("cursor") or 0)
        limit = min(max(int(a.get("limit") or 100), 1), 999)
        page = found[start : start + limit]
        more = start + limit < len(found)
        with_metadata = _flag(a.get("include_all_metadata"))
        return {
            "messages": [self._history_item(m, metadata=with_metadata) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _post(self, where: str, channel: str, a: dict[str, Any], **fields: Any) -> Message:
        blocks = self._check_message(f"{where} {channel}", a)
        text = str(a.get("text") or "")
        message = Message(channel, self._ts(), text, copy.deepcopy(blocks), **fields)
        self._messages.append(message)
        return message

    def _chat_post_message(self, a: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(a)
        if channel in self._not_joined:
            raise _SlackError("not_in_channel")
        metadata, thread_ts = copy.deepcopy(a.get("metadata")), a.get("thread_ts")
        message = self._post("chat.postMessage", channel, a, metadata=metadata, thread_ts=thread_ts)
        item = self._history_item(message, metadata=True)
        return {"channel": channel, "ts": message.ts, "message": item}

    def _chat_post_ephemeral(self, a: dict[str, Any]) -> dict[str, Any]:
        channel, user = self._channel(a), a.get("user")
        if not user:
            raise _SlackError("user_not_in_channel")
        thread_ts = a.get("thread_ts")
        message = self._post(
            "chat.postEphemeral", channel, a, user=user, ephemeral=True, thread_ts=thread_ts
        )
        return {"message_ts": message.ts}

    def _chat_update(self, a: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(a)
        message = self._find(channel, a.get("ts"), ephemeral=False)
        blocks = self._check_message(f"chat.update {channel}", a)
        # Like Slack, fields left out keep their previous value.
        if "text" in a:
            message.text = str(a["text"] or "")
        if "blocks" in a:
            message.blocks = copy.deepcopy(blocks)
        if "metadata" in a:
            message.metadata = copy.deepcopy(a["metadata"])
        item = self._history_item(message, metadata=True)
        return {"channel": channel, "ts": message.ts, "text": message.text, "message": item}

    def _chat_delete(self, a: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(a)
        self._messages.remove(self._find(channel, a.get("ts"), ephemeral=False))
        return {"channel": channel, "ts": a["ts"]}

    def _chat_get_permalink(self, a: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(a)
        ts = self._find(channel, a.get("message_ts")).ts
        link = f"https://{self.team_id.lower()}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"channel": channel, "permalink": link}

    def _respond(self, key: str, a: dict[str, Any]) -> dict[str, Any]:
        hook = self._hooks.get(key)
        if hook is None:
            self._errors.append(f"response_url: unknown key {key!r}")
            raise _SlackError("expired_url")
        original = None
        if hook.original_ts is not None:
            with contextlib.suppress(_SlackError):  # already deleted: post a new reply instead
                original = self._find(hook.channel, hook.original_ts)
        if _flag(a.get("delete_original")):
            if original is not None:
                self._messages.remove(original)
            return {}
        if original is not None and _flag(a.get("replace_original")):
            blocks = self._check_message(f"response_url {hook.channel}", a)
            original.text, original.blocks = str(a.get("text") or ""), copy.deepcopy(blocks)
            return {}
        ephemeral = a.get("response_type") != "in_channel"
        message = self._post("response_url", hook.channel, a, user=hook.user, ephemeral=ephemeral)
        hook.original_ts = hook.original_ts or message.ts
        return {}

    def _trigger_user(self, a: dict[str, Any]) -> str:
        trigger = str(a.get("trigger_id") or "")
        if not trigger:
            raise _SlackError("invalid_arguments")
        if trigger in self._triggers:
            return self._triggers[trigger]
        # Accept hand-made triggers that carry the user id, e.g. "123.U0ADA.abc".
        parts = re.split(r"[^A-Za-z0-9]", trigger)
        known = [p for p in parts if p in self._users]
        guessed = [p for p in parts if re.fullmatch(r"[UW][A-Z0-9]+", p)]
        if known or guessed:
            return (known or guessed)[0]
        self._errors.append(f"trigger_id {trigger!r} names no user; use SlackEmulator.trigger_id()")
        raise _SlackError("invalid_trigger_id")

    def _store_view(
        self, view: dict[str, Any], *, view_id: str | None, root: str | None, previous: str | None
    ) -> dict[str, Any]:
        stored = copy.deepcopy(view)
        view_id = view_id or f"V{self._next():08d}"
        stored.update(
            id=view_id,
            hash=f"{self._next()}.{secrets.token_hex(4)}",
            team_id=self.team_id,
            app_id=self.app_id,
            bot_id=self.bot_id,
            root_view_id=root or view_id,
            previous_view_id=previous,
        )
        stored.setdefault("state", {"values": {}})
        self._views[view_id] = stored
        if stored.get("external_id"):
            self._external_ids[stored["external_id"]] = view_id
        return {"view": copy.deepcopy(stored)}

    def _views_open(self, a: dict[str, Any]) -> dict[str, Any]:
        user = self._trigger_user(a)
        view = self._check_view("views.open", a.get("view"))
        answer = self._store_view(view, view_id=None, root=None, previous=None)
        self._stacks[user] = [answer["view"]["id"]]  # a new root replaces any stale stack
        return answer

    def _views_push(self, a: dict[str, Any]) -> dict[str, Any]:
        user = self._trigger_user(a)
        return self._push(user, self._check_view("views.push", a.get("view")))

    def _push(self, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
        stack = self._stacks.setdefault(user_id, [])
        if len(stack) >= _MAX_MODAL_STACK:
            self._errors.append(f"views.push: {user_id} already has {len(stack)} modals open")
            raise _SlackError("push_limit_reached")
        root, previous = (stack[0], stack[-1]) if stack else (None, None)
        answer = self._store_view(view, view_id=None, root=root, previous=previous)
        stack.append(answer["view"]["id"])
        return answer

    def _views_update(self, a: dict[str, Any]) -> dict[str, Any]:
        view_id = a.get("view_id") or self._external_ids.get(a.get("external_id") or "")
        current = self._views.get(view_id or "")
        if current is None:
            raise _SlackError("not_found")
        if a.get("hash") and a["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")  # the user changed the view since the app read it
        view = self._check_view("views.update", a.get("view"))
        root, previous = current["root_view_id"], current["previous_view_id"]
        return self._store_view(view, view_id=current["id"], root=root, previous=previous)

    def _files_get_upload_url_external(self, a: dict[str, Any]) -> dict[str, Any]:
        filename, length = str(a.get("filename") or ""), str(a.get("length") or "")
        if not filename or not length.isdigit():
            raise _SlackError("invalid_arguments")
        file_id = f"F{self._next():08d}"
        self._files[file_id] = _PendingFile(filename, int(length))
        return {"upload_url": f"{self._origin}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, a: dict[str, Any]) -> dict[str, Any]:
        try:
            files = json.loads(a["files"]) if isinstance(a.get("files"), str) else a.get("files")
        except ValueError:
            files = None
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
            raise _SlackError("invalid_arguments")
        channels = [a["channel_id"]] if a.get("channel_id") else []
        channels += [c for c in str(a.get("channels") or "").split(",") if c]
        for channel in channels:
            # Unlike chat.postMessage, a user id is refused: open the DM and pass its D… id.
            # https://github.com/slackapi/python-slack-sdk/issues/1326
            if channel[:1] not in ("C", "D", "G", "Z"):
                self._errors.append(f"files.completeUploadExternal: {channel!r} is not a channel")
                raise _SlackError("invalid_arguments")
            if channel in self._not_joined:
                raise _SlackError("not_in_channel")
        for f in files:
            pending = self._files.get(str(f.get("id")))
            if pending is None or pending.content is None:
                self._errors.append(f"files.completeUploadExternal: {f.get('id')!r} not uploaded")
                raise _SlackError("file_not_found")
        shared = []
        comment = a.get("initial_comment") or None
        for f in files:
            pending = self._files.pop(f["id"])
            assert pending.content is not None
            title = str(f.get("title") or pending.filename)
            for channel in channels or [None]:
                self._uploads.append(
                    Upload(f["id"], pending.filename, title, channel, pending.content, comment)
                )
            shared.append({"id": f["id"], "title": title, "name": pending.filename})
            stored = {
                "id": f["id"],
                "name": pending.filename,
                "title": title,
                "size": len(pending.content),
                "user": self.bot_user_id,
                "ims": [c for c in channels if c.startswith("D")],
                "channels": [c for c in channels if c.startswith("C")],
                "groups": [c for c in channels if c[:1] in ("G", "Z")],
            }
            self._stored[f["id"]] = (stored, pending.content)
        return {"files": shared}

    def _files_info(self, a: dict[str, Any]) -> dict[str, Any]:
        stored = self._stored.get(str(a.get("file") or ""))
        if stored is None:
            raise _SlackError("file_not_found")
        return {"file": copy.deepcopy(stored[0])}

    def _files_delete(self, a: dict[str, Any]) -> dict[str, Any]:
        file_id = str(a.get("file") or "")
        stored = self._stored.get(file_id)
        if stored is None:
            raise _SlackError("file_not_found")
        # A bot token deletes only what the bot uploaded: a person's file stays theirs.
        if stored[0].get("user") != self.bot_user_id:
            raise _SlackError("cant_delete_file")
        del self._stored[file_id]
        self._uploads = [u for u in self._uploads if u.file_id != file_id]
        self._deleted.append(file_id)
        return {}

    def _serve_file(self, req: BaseHTTPRequestHandler, path: str) -> None:
        # url_private(_download): the bot token as a Bearer header, or Slack's sign-in page.
        auth = req.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        file_id = path.split("/", 1)[0].split("-", 1)[-1]
        with self._lock:
            fault = self._take(self._faults, "files-pri")
            stored = self._stored.get(file_id)
            allowed = token is not None and self._tokens.get(token) == self.team_id
            self._calls.append(Call("files-pri", {"file": file_id}, token, 200, allowed))
            self._version += 1
            self._changed.notify_all()
        if fault is not None:
            self._send(req, fault.status, {}, fault.error.encode(), "text/plain")
        elif stored is None:
            self._send(req, 404, {}, b"not found", "text/plain")
        elif not allowed:
            self._send(req, 200, {}, b"<html>Sign in to Slack</html>", "text/html")
        else:
            self._send(req, 200, {}, stored[1], stored[0].get("mimetype") or "application/pdf")

    def _views_publish(self, a: dict[str, Any]) -> dict[str, Any]:
        user = a.get("user_id")
        if not user:
            raise _SlackError("invalid_arguments")
        view = self._check_view("views.publish", a.get("view"))
        if view.get("type") != "home":
            self._errors.append(f"views.publish: view type {view.get('type')!r}, not 'home'")
            raise _SlackError("invalid_arguments")
        view_id = self._homes.get(user)
        if view_id and a.get("hash") and a["hash"] != self._views[view_id]["hash"]:
            raise _SlackError("hash_conflict")
        answer = self._store_view(view, view_id=view_id, root=None, previous=None)
        self._homes[user] = answer["view"]["id"]
        return answer
