"""One place that turns a failure into a polite reply where the person is.

Bolt routes exceptions of ack-phase listeners to `@app.error`, but only logs those of lazy
listeners (slack_bolt/lazy_listener/internals.py), so lazy ones are wrapped with `replying`.
"""

import inspect
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond

from bot import i18n
from bot.errors import RefbotError
from bot.rendering.blocks import message

log = logging.getLogger("refbot")

_NEEDED = ("body", "respond", "context")


def reply(error: Exception, *, body: dict[str, Any], respond: Respond | None, locale: str) -> None:
    """Log the failure under a reference id and tell the person, ephemerally, if we can."""
    if isinstance(error, RefbotError) and type(error) is not RefbotError:
        text = i18n.mrkdwn(locale, error.template)
    else:
        reference = uuid.uuid4().hex[:8]
        # Ids only: payloads carry candidate details and must never reach the logs.
        log.error(
            "listener failed ref=%s type=%s team=%s user=%s",
            reference,
            body.get("type") or "command",
            _team(body),
            _user(body),
            exc_info=error,
        )
        text = i18n.mrkdwn(locale, "common/error", reference=reference)
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        try:
            respond(**message(text, response_type="ephemeral", replace_original=False))
        except Exception:  # the reply is best effort; the failure is already logged
            log.warning("could not tell user=%s about ref", _user(body))


def replying(func: Callable[..., None]) -> Callable[..., None]:
    """Wrap a lazy listener so that its failures are answered like ack-phase ones."""
    signature = inspect.signature(func)
    extra = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for name in _NEEDED
        if name not in signature.parameters
    ]

    def wrapper(**kwargs: Any) -> None:
        try:
            func(**{k: v for k, v in kwargs.items() if k in signature.parameters})
        except Exception as error:
            context, body = kwargs["context"], kwargs["body"]
            reply(
                error,
                body=body,
                respond=kwargs.get("respond") or context.get("respond"),
                locale=locale_of(context, body),
            )

    # Bolt injects arguments by the names of the signature (inspect.getfullargspec after
    # inspect.unwrap), so the wrapper gets its own signature and no __wrapped__.
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    wrapper.__name__ = func.__name__
    wrapper.__qualname__ = func.__qualname__
    wrapper.__doc__ = func.__doc__
    return wrapper


def locale_of(context: dict[str, Any], body: dict[str, Any]) -> str:
    """The person's language if this process knows it (no I/O here: something just failed)."""
    team, user, svc = _team(body), _user(body), context.get("svc")
    known = svc.members.known_locale(team_id=team, user_id=user) if svc and team and user else None
    return known or context.get("locale", i18n.DEFAULT_LOCALE)


def _team(body: dict[str, Any]) -> str | None:
    return body.get("team_id") or (body.get("team") or {}).get("id")


def _user(body: dict[str, Any]) -> str | None:
    user = body.get("user_id") or body.get("user") or body.get("event", {}).get("user")
    return user.get("id") if isinstance(user, dict) else user
