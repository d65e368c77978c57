"""A simulated Slack workspace for the demo and the end-to-end tests.

It plays Slack's side of the conversation with a running refbot: sends slash commands, events,
button clicks and modal submissions over real HTTP, signed with the signing secret exactly as
Slack signs them (https://api.slack.com/authentication/verifying-requests-from-slack), and reads
what refbot sent back from the Web API emulator.
"""

import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.ids import ReferralInput
from bot.slack_emulator import Message, SlackEmulator

_ids = itertools.count(1)


@dataclass(frozen=True)
class Response:
    status: int
    body: str

    def json(self) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}


class Workspace:
    def __init__(
        self, slack: SlackEmulator, *, server_url: str, signing_secret: str, team_id: str = "T0001"
    ) -> None:
        self.slack = slack
        self.server_url = server_url.rstrip("/")
        self.signer = SignatureVerifier(signing_secret)
        self.team_id = team_id

    # -- raw HTTP -----------------------------------------------------------------------------

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """POST to /slack/events, signed like Slack unless a signature is forced."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        request = urllib.request.Request(
            f"{self.server_url}/slack/events",
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signature
                or self.signer.generate_signature(timestamp=stamp, body=body),
                **(headers or {}),
            },
        )
        return _send(request)

    def get(self, path: str) -> Response:
        return _send(urllib.request.Request(f"{self.server_url}{path}"))

    def post_form(self, fields: dict[str, str], **options: Any) -> Response:
        body = urllib.parse.urlencode(fields).encode()
        return self.post(body, "application/x-www-form-urlencoded", **options)

    def post_payload(self, payload: dict[str, Any], **options: Any) -> Response:
        return self.post_form({"payload": json.dumps(payload)}, **options)

    # -- what people do -----------------------------------------------------------------------

    def command(
        self, user_id: str, command: str, text: str = "", *, channel_id: str = "C0GENERAL"
    ) -> Response:
        """The user types `command text` in a channel."""
        fields = self.command_payload(user_id, command, text, channel_id=channel_id)
        response = self.post_form(fields)
        if response.status == 200 and response.body.strip():
            # Slack shows a message in the ack body as an immediate (ephemeral) response,
            # exactly as if it had been posted to the response_url.
            _send(
                urllib.request.Request(
                    fields["response_url"],
                    data=response.body.encode(),
                    headers={"Content-Type": "application/json"},
                )
            )
        return response

    def event(self, event: dict[str, Any]) -> Response:
        return self.post(json.dumps(self.event_payload(event)).encode(), "application/json")

    def open_home(self, user_id: str) -> Response:
        """The user opens refbot's App Home tab."""
        return self.event(self.home_opened_event(user_id))

    def shortcut(self, user_id: str, callback_id: str) -> Response:
        """The user picks a global shortcut from the composer's shortcut menu."""
        return self.post_payload(self.shortcut_payload(user_id, callback_id))

    def message_shortcut(
        self, user_id: str, callback_id: str, *, text: str, channel_id: str = "C0GENERAL"
    ) -> Response:
        """The user picks a message shortcut on a message someone wrote (`text`) in a channel."""
        ts = self.slack.user_posts("U0SOMEONE", channel_id, text)
        return self.post_payload(
            {
                "type": "message_action",
                "callback_id": callback_id,
                "trigger_id": self.slack.trigger_id(user_id),
                "user": {"id": user_id, "team_id": self.team_id},
                "team": {"id": self.team_id},
                "channel": {"id": channel_id},
                "message": {"type": "message", "ts": ts, "text": text, "user": "U0SOMEONE"},
                "message_ts": ts,
                "response_url": self.slack.response_url(user_id, channel_id),
                "api_app_id": "AREFBOT",
            }
        )

    def click(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        on: Message | None = None,
        choose: str | None = None,
    ) -> Response:
        """The user clicks the newest button `action_id` they can see (message, modal or Home),
        or the one on message `on` (a card someone forwarded to them, say); for a select, picks
        the option whose value ends with `choose`."""
        return self.post_payload(
            self.click_payload(user_id, action_id, value=value, on=on, choose=choose)
        )

    def click_payload(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        on: Message | None = None,
        choose: str | None = None,
    ) -> dict[str, Any]:
        """The block_actions payload of `click`, without sending it."""
        surfaces = self._surfaces(user_id) if on is None else [self._message_surface(user_id, on)]
        for container, blocks, extra in surfaces:
            for block in blocks:
                for element in _elements(block):
                    if element.get("action_id") != action_id:
                        continue
                    if value is not None and element.get("value") != value:
                        continue
                    action = {
                        "type": element["type"],
                        "action_id": action_id,
                        "block_id": block.get("block_id", ""),
                        "value": element.get("value"),
                        "action_ts": f"{time.time():.6f}",
                    }
                    if choose is not None:
                        options = [
                            o for o in element.get("options", []) if o["value"].endswith(choose)
                        ]
                        if not options:
                            continue
                        action["selected_option"] = options[0]
                    return {
                        "type": "block_actions",
                        "team": {"id": self.team_id},
                        "user": {"id": user_id, "team_id": self.team_id},
                        "api_app_id": "AREFBOT",
                        "trigger_id": self.slack.trigger_id(user_id),
                        "container": container,
                        "actions": [action],
                        **extra,
                    }
        raise LookupError(f"{user_id} sees no button {action_id!r} (value={value!r})")

    def submit(self, user_id: str, callback_id: str, **values: Any) -> Response:
        """The user fills the open modal `callback_id` (inputs by block_id) and submits it."""
        payload = self.submission_payload(user_id, callback_id, **values)
        response = self.post_payload(payload)
        self.slack.apply_response_action(
            user_id,
            payload["view"]["id"],
            response.json() if response.body else {},
            submitted_hash=payload["view"].get("hash"),
        )
        if _saving(response):  # as the person does: watch the modal until the outcome shows
            view_id = payload["view"]["id"]
            self.slack.wait_for(lambda: not _saving_view(self.slack.view(view_id)))
        return response

    def modal(self, user_id: str) -> dict[str, Any]:
        """The modal the user sees now (the top of their stack); {} when none is open."""
        views = self.slack.open_views(user_id)
        return views[-1] if views else {}

    # -- what Slack sends, without sending it (Socket Mode carries the same payloads) -----------

    def command_payload(
        self, user_id: str, command: str, text: str = "", *, channel_id: str = "C0GENERAL"
    ) -> dict[str, str]:
        """A slash command's fields, with a fresh response_url and trigger_id."""
        return {
            "token": "legacy-unused",
            "team_id": self.team_id,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "AREFBOT",
            "response_url": self.slack.response_url(user_id, channel_id),
            "trigger_id": self.slack.trigger_id(user_id),
        }

    def event_payload(self, event: dict[str, Any]) -> dict[str, Any]:
        """The Events API `event_callback` wrapping event."""
        number = next(_ids)
        return {
            "token": "legacy-unused",
            "team_id": self.team_id,
            "api_app_id": "AREFBOT",
            "type": "event_callback",
            "event_id": f"Ev{number:08d}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": self.team_id, "user_id": "UREFBOT", "is_bot": True}],
        }

    def home_opened_event(self, user_id: str) -> dict[str, Any]:
        """What Slack reports when the user opens refbot's App Home tab."""
        return {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.slack.dm_channel(user_id),
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }

    def shortcut_payload(self, user_id: str, callback_id: str) -> dict[str, Any]:
        """A global shortcut picked from the composer's shortcut menu."""
        return {
            "type": "shortcut",
            "callback_id": callback_id,
            "trigger_id": self.slack.trigger_id(user_id),
            "user": {"id": user_id, "team_id": self.team_id},
            "team": {"id": self.team_id},
            "api_app_id": "AREFBOT",
        }

    def submission_payload(self, user_id: str, callback_id: str, **values: Any) -> dict[str, Any]:
        """The view_submission of the user's open modal `callback_id`, inputs by block_id."""
        view = next(
            (
                v
                for v in reversed(self.slack.open_views(user_id))
                if v.get("callback_id") == callback_id
            ),
            None,
        )
        if view is None:
            raise LookupError(f"{user_id} has no open modal {callback_id!r}")
        state: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input" or block.get("block_id") not in values:
                continue
            element = block["element"]
            state[block["block_id"]] = {
                element["action_id"]: _input_value(element, values[block["block_id"]])
            }
        unknown = set(values) - set(state)
        if unknown:
            raise LookupError(f"modal {callback_id!r} has no input {sorted(unknown)}")
        return {
            "type": "view_submission",
            "team": {"id": self.team_id},
            "user": {"id": user_id, "team_id": self.team_id},
            "api_app_id": "AREFBOT",
            "trigger_id": self.slack.trigger_id(user_id),
            "view": {**view, "state": {"values": state}},
        }

    # -- helpers --------------------------------------------------------------------------------

    def _surfaces(self, user_id: str) -> list[tuple[dict[str, Any], list[dict], dict[str, Any]]]:
        """Everything the user can click, newest first."""
        found: list[tuple[dict[str, Any], list[dict], dict[str, Any]]] = []
        for view in reversed(self.slack.open_views(user_id)):
            found.append(
                ({"type": "view", "view_id": view["id"]}, view.get("blocks", []), {"view": view})
            )
        messages: list[Message] = sorted(
            self.slack.dms(user_id) + self.slack.ephemerals(user_id), key=lambda m: float(m.ts)
        )
        found += [self._message_surface(user_id, m) for m in reversed(messages)]
        home = self.slack.home(user_id)
        if home:
            found.append(
                ({"type": "view", "view_id": home["id"]}, home.get("blocks", []), {"view": home})
            )
        return found

    def _message_surface(
        self, user_id: str, m: Message
    ) -> tuple[dict[str, Any], list[dict], dict[str, Any]]:
        container = {
            "type": "message",
            "message_ts": m.ts,
            "channel_id": m.channel,
            "is_ephemeral": m.ephemeral,
        }
        extra = {
            "channel": {"id": m.channel},
            "message": {"ts": m.ts, "text": m.text, "blocks": m.blocks},
            "response_url": self.slack.response_url(user_id, m.channel, message_ts=m.ts),
        }
        return container, m.blocks, extra


def _send(request: urllib.request.Request) -> Response:
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return Response(answer.status, answer.read().decode())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read().decode())


def _elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "actions":
        return list(block.get("elements", []))
    if block.get("type") == "input" and block.get("dispatch_action"):
        return [block["element"]]  # an input that tells the app as soon as it changes
    accessory = block.get("accessory")
    return [accessory] if accessory else []


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    options = element.get("options") or [
        o for group in element.get("option_groups", []) for o in group["options"]
    ]
    for option in options:
        if option["value"] == value:
            return option
    if element["type"] == "external_select":
        return {"text": {"type": "plain_text", "text": value}, "value": value}
    raise LookupError(f"no option {value!r} in {element['action_id']!r}")


def _input_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": value}
    if kind in ("static_select", "external_select", "radio_buttons"):
        return {"type": kind, "selected_option": _option(element, value) if value else None}
    if kind == "checkboxes":
        chosen = [value] if isinstance(value, str) else list(value)
        return {"type": kind, "selected_options": [_option(element, v) for v in chosen]}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "multi_users_select":
        return {"type": kind, "selected_users": list(value)}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": value}
    if kind == "multi_conversations_select":
        return {"type": kind, "selected_conversations": list(value)}
    if kind == "file_input":  # file objects from SlackEmulator.user_file
        files = [value] if isinstance(value, dict) else list(value)
        return {"type": kind, "files": files}
    if kind == "number_input":
        return {"type": kind, "value": str(value)}
    raise LookupError(f"cannot fill a {kind}")


def _saving(response: Response) -> bool:
    """A referral modal's ack: "saving…" until its outcome replaces it (issue 15)."""
    if response.status != 200 or not response.body.startswith("{"):
        return False
    answer = response.json()
    return answer.get("response_action") == "update" and _saving_view(answer.get("view"))


def _saving_view(view: dict[str, Any] | None) -> bool:
    blocks = (view or {}).get("blocks") or []
    return any(b.get("block_id") == ReferralInput.SAVING for b in blocks)
