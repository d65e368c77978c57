"""CVs attached to referrals (issue 17, item 3).

A referrer may attach one CV in the referral modal (Slack's `file_input`). refbot keeps Slack's
reference to that upload, never its bytes, and shares a copy into each recruiter's DM through
the outbox (CV_SHARE): never a channel, never the hiring manager or another referrer (DESIGN.md
section 8: the file is candidate data, and the recruiter's card is where it is announced). A
forget deletes refbot's copies (CV_DELETE) and its references; the referrer's own upload stays in
their Slack files, which a bot token cannot delete.

The ATS push (bot.services.ats) attaches the newest CV through `cv_for()` and `Cvs.content()`;
a CV a later referral brings follows it there by its id (`cv_file()`).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.messenger import SendError
from bot.outbox import Due, Outbox, Queued
from storage.db import Sessions
from storage.repositories import cvs as repo
from storage.repositories import deliveries
from storage.types import DeliveryKind

log = logging.getLogger("refbot.cvs")

# What the modal offers and what is accepted: Slack's `filetypes` on file_input only filters
# the picker (https://docs.slack.dev/reference/block-kit/block-elements/file-input-element/),
# so every file is checked again here, and once more against files.info before it is shared.
FILETYPES = ("pdf", "doc", "docx")
MIMETYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)
MAX_BYTES = 10 * 1024 * 1024  # Slack's limit for a file_input upload (10 MB)
FIELD = "cv"  # the modal's block (bot.ids.ReferralInput.CV)


@dataclass(frozen=True)
class CvUpload:
    """A file the referrer attached, as Slack's signed view_submission described it."""

    file_id: str
    name: str
    filetype: str
    mimetype: str | None
    size: int
    user: str | None  # who uploaded it


@dataclass(frozen=True)
class CvFile:
    """A CV refbot holds a reference to (what the recruiter's card and the ATS push use)."""

    id: int
    team_id: str
    candidate_id: int
    slack_file_id: str
    name: str
    filetype: str
    size: int
    uploaded_by: str


class SlackFiles(Protocol):
    """Slack's files API as the CV sender needs it (bot.slack_files in production); raises
    SendError classified like a message send."""

    def info(self, team_id: str, file_id: str) -> dict[str, Any] | None:
        """files.info's `file`; None when Slack has no such file (deleted)."""
        ...

    def download(self, team_id: str, url: str, *, limit: int) -> bytes:
        """The bytes behind url_private_download (bot token), at most `limit` of them."""
        ...

    def dm(self, team_id: str, user_id: str) -> str: ...

    def start_upload(self, team_id: str, filename: str, length: int) -> tuple[str, str]:
        """files.getUploadURLExternal: (file id, upload URL)."""
        ...

    def put(self, url: str, content: bytes) -> None: ...

    def complete(self, team_id: str, file_id: str, title: str, channel: str) -> None:
        """files.completeUploadExternal, shared into `channel`."""
        ...

    def delete(self, team_id: str, file_id: str) -> None:
        """files.delete; a file already gone is not an error."""
        ...


def check(cvs: Sequence[CvUpload], *, referrer_id: str) -> str | None:
    """The error code for what was attached (None: fine, or nothing attached)."""
    if not cvs:
        return None
    if len(cvs) > 1:
        return "cv_one_file"
    cv = cvs[0]
    if not cv.file_id:
        return "cv_not_yours"
    if not acceptable_type(cv.name, cv.filetype, cv.mimetype):
        return "cv_type"
    if cv.size > MAX_BYTES:
        return "cv_too_large"
    # The payload is signed by Slack, but the file must be the referrer's own upload: a file
    # id taken from elsewhere never becomes a copy in a recruiter's DM.
    if cv.user != referrer_id:
        return "cv_not_yours"
    return None


def acceptable_type(name: str, filetype: str | None, mimetype: str | None) -> bool:
    """PDF, DOC or DOCX by extension and by Slack's filetype, and by mimetype when given."""
    extension = PurePosixPath(name).suffix.lower().removeprefix(".")
    if extension not in FILETYPES or (filetype or "").lower() not in FILETYPES:
        return False
    return not mimetype or mimetype.lower() in MIMETYPES


def keep(
    s: Session,
    outbox: Outbox,
    *,
    team_id: str,
    candidate_id: int,
    candidate: str,
    referral: str,
    cv: CvUpload,
    recipients: Sequence[str],
    clock: Clock,
) -> int | None:
    """Keep the reference to the referral's CV and queue a copy to each recruiter, in the
    caller's transaction; its id, or None when this referral holds that file already."""
    file_id = repo.add(
        s,
        team_id=team_id,
        candidate_id=candidate_id,
        referral=referral,
        slack_file_id=cv.file_id,
        name=cv.name[:255],
        filetype=cv.filetype.lower(),
        size=cv.size,
        uploaded_by=cv.user or "",
        created_at=clock(),
    )
    if file_id is None:
        return None
    outbox.add_all(
        s,
        [
            Queued(
                team_id,
                recipient,
                f"cv:{candidate}",
                f"cv_share:{referral}:{file_id}:{recipient}",
                {"file": file_id},
                kind=DeliveryKind.CV_SHARE,
            )
            for recipient in dict.fromkeys(recipients)
        ],
    )
    return file_id


def card_recipients(s: Session, team_id: str, candidate: str) -> list[str]:
    """The recruiters holding a card of the candidate (a duplicate's CV goes to them)."""
    return [r for r, _ in deliveries.keys_like(s, team_id, f"candidate:{candidate}", "card:")]


def cv_for(s: Session, candidate_id: int) -> CvFile | None:
    """The candidate's newest CV, if refbot holds one (for the ATS push: attach it where the
    ATS allows, with the bytes from `Cvs.content`)."""
    found = repo.for_candidate(s, candidate_id)
    return _cv(found[0]) if found else None


def cv_file(s: Session, team_id: str, file_id: int) -> CvFile | None:
    """One CV refbot holds, by its id (None: forgotten since)."""
    found = repo.get(s, team_id, file_id)
    return _cv(found) if found is not None else None


def forget(s: Session, outbox: Outbox, *, team_id: str, candidate_id: int, candidate: str) -> int:
    """Drop the candidate's CV references and queue the deletion of every copy refbot made (in
    the erasure's transaction); how many CVs referrers had attached."""
    files = repo.for_candidate(s, candidate_id)
    for copy in repo.copies_for_candidate(s, candidate_id):
        outbox.schedule(
            s,
            team_id=team_id,
            kind=DeliveryKind.CV_DELETE,
            recipient=copy.recipient,
            subject=f"cv:{candidate}",
            due_at=outbox.clock(),
            dedupe_key=f"cv_delete:{copy.slack_file_id}",
            payload={"slack_file": copy.slack_file_id},
        )
    outbox.cancel_pending(
        s, team_id=team_id, subject=f"cv:{candidate}", kinds=(DeliveryKind.CV_SHARE,)
    )
    repo.forget_candidate(s, candidate_id)
    return len(files)


class Cvs:
    """Sends the CV deliveries (the dispatcher's file sender) and reads a CV's bytes."""

    def __init__(self, *, sessions: Sessions, files: SlackFiles, outbox: Outbox, clock: Clock):
        self.sessions = sessions
        self.files = files
        self.outbox = outbox
        self.clock = clock

    def content(self, team_id: str, cv: CvFile) -> bytes:
        """The CV's bytes, fetched from Slack with the bot token (files:read), after checking
        again what Slack says of the file; raises SendError."""
        info = self.files.info(team_id, cv.slack_file_id)
        if info is None:
            raise SendError("permanent", "file_not_found")
        if info.get("user") != cv.uploaded_by:
            raise SendError("permanent", "file of someone else")
        if not acceptable_type(
            str(info.get("name") or ""), info.get("filetype"), info.get("mimetype")
        ):
            raise SendError("permanent", "not a PDF, DOC or DOCX")
        if int(info.get("size") or 0) > MAX_BYTES:
            raise SendError("permanent", "file too large")
        url = info.get("url_private_download") or info.get("url_private")
        if not url:
            raise SendError("permanent", "file has no download URL")
        return self.files.download(team_id, str(url), limit=MAX_BYTES)

    def send(self, due: Due) -> bool:
        """Carry out one CV delivery; False when it no longer applies (forgotten since)."""
        if due.kind == DeliveryKind.CV_DELETE:
            self.files.delete(due.team_id, due.payload["slack_file"])
            return True
        return self._share(due)

    def _share(self, due: Due) -> bool:
        with self.sessions() as s:
            found = repo.get(s, due.team_id, due.payload["file"])
            if found is None:
                return False
            cv = _cv(found)
            copy = repo.copy_of(s, cv.id, due.recipient)
            earlier = None if copy is None else (copy.slack_file_id, copy.channel_id)
            if copy is not None and copy.shared_at is not None:
                return True
        if earlier is not None:
            # An earlier try started this copy and did not hear back: if Slack shared it,
            # that was the copy (no second upload).
            info = self.files.info(due.team_id, earlier[0])
            if info is not None and _shared_in(info, earlier[1]):
                return self._shared(due, cv, *earlier)
        content = self.content(due.team_id, cv)
        channel = self.files.dm(due.team_id, due.recipient)
        file_id, url = self.files.start_upload(due.team_id, cv.name, len(content))
        with self.sessions.begin() as s:  # recorded before it can be shared: see above
            if repo.get(s, due.team_id, cv.id) is None:
                return False  # forgotten meanwhile: nothing was shared
            repo.start_copy(
                s,
                team_id=due.team_id,
                file_id=cv.id,
                recipient=due.recipient,
                channel_id=channel,
                slack_file_id=file_id,
                created_at=self.clock(),
            )
        self.files.put(url, content)
        self.files.complete(due.team_id, file_id, cv.name, channel)
        return self._shared(due, cv, file_id, channel)

    def _shared(self, due: Due, cv: CvFile, file_id: str, channel: str) -> bool:
        with self.sessions.begin() as s:
            if not repo.mark_shared(s, cv.id, due.recipient, at=self.clock()):
                # Forgotten while the copy was on its way: it goes too.
                self.outbox.schedule(
                    s,
                    team_id=due.team_id,
                    kind=DeliveryKind.CV_DELETE,
                    recipient=due.recipient,
                    subject=due.subject,
                    due_at=self.clock(),
                    # Not the forget's key: its deletion may have run before this share ended.
                    dedupe_key=f"cv_delete:{file_id}:shared",
                    payload={"slack_file": file_id},
                )
        log.info("CV %s shared with %s as %s", cv.id, due.recipient, file_id)
        return True


def _shared_in(info: dict[str, Any], channel: str) -> bool:
    """Whether files.info says the file is shared in `channel` (a DM: `ims`, or `shares`)."""
    if channel in (info.get("ims") or []) or channel in (info.get("channels") or []):
        return True
    shares = info.get("shares") or {}
    return any(channel in (shares.get(kind) or {}) for kind in ("private", "public"))


def _cv(found: Any) -> CvFile:
    return CvFile(
        id=found.id,
        team_id=found.team_id,
        candidate_id=found.candidate_id,
        slack_file_id=found.slack_file_id,
        name=found.name,
        filetype=found.filetype,
        size=found.size,
        uploaded_by=found.uploaded_by,
    )
