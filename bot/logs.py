"""Structured logs: one JSON object per line on stderr, with the request id, team and user of
the Slack request being handled. Ids only: tokens, secrets and emails are scrubbed from every
line as a last line of defence, and nothing logs payloads or names in the first place."""

import contextvars
import json
import logging
import logging.config
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

_REQUEST: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "refbot_request", default=None
)

# Slack tokens (xoxb-, xoxp-, xapp-, ...), bearer headers, and email addresses.
_SECRETS = re.compile(
    r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+|(?i:bearer)\s+\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)


def scrub(text: str) -> str:
    return _SECRETS.sub("[redacted]", text)


@contextmanager
def request_context(**ids: str | None) -> Iterator[None]:
    """Attach ids (request_id, team, user) to every line logged inside, in this thread."""
    token = _REQUEST.set({k: v for k, v in ids.items() if v})
    try:
        yield
    finally:
        _REQUEST.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
            **(_REQUEST.get() or {}),
        }
        if record.exc_info:
            kind, error, tb = record.exc_info
            # The type and where it failed; not the exception's text, which may quote data.
            line["error"] = kind.__name__ if kind else "Exception"
            line["trace"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(tb)[-8:]
            ]
            if _safe_to_quote(error):
                line["detail"] = scrub(str(error).split("\n", 1)[0])[:300]
        return json.dumps(line, ensure_ascii=False)


def _safe_to_quote(error: BaseException | None) -> bool:
    """A database error's text may quote row values (a duplicate key names the email, say);
    only connection-level ones are quoted."""
    # Imported here: the gunicorn master logs through this module and loads no SQLAlchemy.
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(error, DBAPIError):
        return isinstance(error, (OperationalError, InterfaceError))
    return error is not None


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def dict_config(level: int = logging.INFO, *, json_lines: bool = True) -> dict[str, Any]:
    """Everything to stderr through one handler: JSON lines for the servers, plain text for the
    terminal commands. gunicorn takes the same dict (`logconfig_dict`) for its own loggers."""
    formatter = JsonFormatter if json_lines else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"refbot": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "refbot",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": logging.getLevelName(level), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            # One line per request would cost more than it tells (the metrics count them).
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
            # Two lines per sweep and per start-up schema check: only their problems matter.
            **{name: {"level": "WARNING"} for name in ("apscheduler", "alembic")},
        },
    }


def configure(level: int = logging.INFO, *, json_lines: bool = True) -> None:
    logging.config.dictConfig(dict_config(level, json_lines=json_lines))
