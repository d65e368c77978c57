"""Slack's files API for CVs (bot.services.cvs.SlackFiles): files.info, the download of
url_private_download with the bot token, the external upload flow and files.delete.

https://docs.slack.dev/reference/methods/files.info (files:read),
https://docs.slack.dev/messaging/working-with-files (url_private needs the token as a Bearer
header), files.getUploadURLExternal / files.completeUploadExternal / files.delete (files:write).
"""

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient

from bot.messenger import SendError
from bot.slack import SlackMessenger

GONE = frozenset({"file_not_found", "file_deleted"})
TIMEOUT = 20  # seconds: a 10 MB file on a slow link


class SlackFileApi:
    def __init__(self, client_for: Callable[[str], WebClient], messenger: SlackMessenger) -> None:
        self.client_for = client_for
        self.messenger = messenger  # its error classification and its cache of DM channels

    def info(self, team_id: str, file_id: str) -> dict[str, Any] | None:
        try:
            answer = self.messenger.form_call("files.info", team_id, file=file_id)
        except SendError as error:
            if error.reason in GONE:
                return None
            raise
        return dict(answer.get("file") or {})

    def download(self, team_id: str, url: str, *, limit: int) -> bytes:
        client = self.client_for(team_id)
        # The bot token goes only to Slack: its files host, or the API's own host (the emulator).
        host = urlsplit(url).hostname or ""
        api_host = urlsplit(client.base_url).hostname or ""
        if not (host == api_host or (url.startswith("https://") and host.endswith(".slack.com"))):
            raise SendError("permanent", "download URL outside Slack")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                kind = response.headers.get("Content-Type") or ""
                body = response.read(limit + 1)
        except urllib.error.HTTPError as error:
            if error.code == 429 or error.code >= 500:
                raise SendError("transient", f"download answered {error.code}") from None
            raise SendError("permanent", f"download answered {error.code}") from None
        except OSError as error:
            raise SendError("transient", type(error).__name__) from None
        # Without the token (or the scope) Slack answers 200 with its sign-in page.
        if kind.startswith("text/html"):
            raise SendError("permanent", "download refused (files:read missing?)")
        if len(body) > limit:
            raise SendError("permanent", "file too large")
        return body

    def dm(self, team_id: str, user_id: str) -> str:
        return self.messenger.channel_for(team_id, user_id)

    def start_upload(self, team_id: str, filename: str, length: int) -> tuple[str, str]:
        answer = self.messenger.form_call(
            "files.getUploadURLExternal", team_id, filename=filename, length=length
        )
        return str(answer["file_id"]), str(answer["upload_url"])

    def put(self, url: str, content: bytes) -> None:
        # The upload URL is pre-signed: no token goes with the bytes.
        request = urllib.request.Request(url, data=content, method="POST")
        request.add_header("Content-Type", "application/octet-stream")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise SendError("transient", f"upload answered {error.code}") from None
        except OSError as error:
            raise SendError("transient", type(error).__name__) from None

    def complete(self, team_id: str, file_id: str, title: str, channel: str) -> None:
        self.messenger.form_call(
            "files.completeUploadExternal",
            team_id,
            uncertain=True,  # it may have shared the file: looked for before another upload
            files=json.dumps([{"id": file_id, "title": title}]),
            channel_id=channel,
        )

    def delete(self, team_id: str, file_id: str) -> None:
        try:
            self.messenger.form_call("files.delete", team_id, file=file_id)
        except SendError as error:
            if error.reason not in GONE:
                raise
