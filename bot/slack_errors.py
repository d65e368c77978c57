"""One place that turns a failure into a polite reply where the person is.

Bolt routes exceptions of ack-phase listeners to `@app.error`, but only logs those of lazy
listeners (slack_bolt/lazy_listener/internals.py), so lazy ones are wrapped with `replying`.
"""

import inspect
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltResponse, Respond
from slack_sdk.errors import SlackApiError

from bot import i18n, logs, metrics, payloads
from bot.errors import RefbotError
from bot.rendering.blocks import message
from bot.slack import IdentityUnknown, classify
from storage.db import UNREACHABLE

log = logging.getLogger("refbot")

_NEEDED = ("body", "respond", "context")


def reply(
    error: Exception,
    *,
    body: dict[str, Any],
    respond: Respond | None,
    locale: str,
    in_ack: bool = False,
) -> BoltResponse | None:
    """Log the failure under a reference id and tell the person where they are: beside the
    first field of the modal they submitted (their input stays), else ephemerally: in the
    ack itself for a slash command still being acked (`in_ack`), else through the
    response_url. Returns the answer to give Slack instead of the failed ack when the person
    was told."""
    template, context = _explain(error, body)
    if body.get("type") == "view_submission" and (field := _first_input(body)):
        errors = {field: i18n.plain(locale, template, **context)}
        answer = {"response_action": "errors", "errors": errors}
        return BoltResponse(status=200, body=json.dumps(answer), headers=_JSON)
    if in_ack and body.get("command"):  # Slack shows the ack's own body: no call needed
        text = i18n.mrkdwn(locale, template, **context)
        answer = message(text, response_type="ephemeral")
        return BoltResponse(status=200, body=json.dumps(answer), headers=_JSON)
    # Slack's API out of reach: its response_url may be too, and the ack would wait on it.
    if isinstance(error, IdentityUnknown):
        return None
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        text = i18n.mrkdwn(locale, template, **context)
        try:
            respond(**message(text, response_type="ephemeral", replace_original=False))
        except Exception:  # the reply is best effort; the failure is already logged
            log.warning("could not tell the user about the failure")
            return None
        return BoltResponse(status=200, body="")  # told: no second, cryptic error from Slack
    return None  # an event: the error status lets Slack retry it


_JSON = {"content-type": ["application/json;charset=utf-8"]}


def _explain(error: Exception, body: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The template that tells the person, logging what operators need (ids only: payloads
    carry candidate details and must never reach the logs)."""
    if isinstance(error, RefbotError) and type(error) is not RefbotError:
        return error.template, error.context
    metrics.LISTENER_ERRORS.labels(listener=payloads.listener(body)).inc()
    if isinstance(error, UNREACHABLE):  # not a bug: the person is asked to try again
        log.warning("database unreachable: %s", type(error).__name__, exc_info=error)
        return "common/try_again", {}
    if (hiccup := _slack_hiccup(error)) is not None:  # Slack's bad moment, not a bug
        log.warning("Slack did not answer: %s", hiccup)
        return "common/slack_busy", {}
    reference = uuid.uuid4().hex[:8]
    log.error("listener failed ref=%s", reference, exc_info=error)
    return "common/error", {"reference": reference}


def _slack_hiccup(error: Exception) -> str | None:
    """What went wrong when Slack itself failed a call for a moment (an error, a 5xx, a rate
    limit the SDK's retries outlasted, a dropped connection); None for anything else."""
    if isinstance(error, SlackApiError):
        code = str(error.response.get("error") or "")
        status = error.response.status_code
        if status >= 500 or classify(code).kind in ("transient", "uncertain", "rate_limited"):
            return code or f"HTTP {status}"
        return None
    return type(error).__name__ if isinstance(error, OSError) else None


def _first_input(body: dict[str, Any]) -> str | None:
    blocks = body.get("view", {}).get("blocks", [])
    return next((b["block_id"] for b in blocks if b.get("type") == "input"), None)


def replying(func: Callable[..., None]) -> Callable[..., None]:
    """Wrap a lazy listener so that its failures are answered like ack-phase ones."""
    signature = inspect.signature(func)
    extra = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for name in _NEEDED
        if name not in signature.parameters
    ]

    def wrapper(**kwargs: Any) -> None:
        context, body = kwargs["context"], kwargs["body"]
        ids = {
            "request_id": payloads.request_key(body),
            "team": payloads.team(body),
            "user": payloads.user(body),
        }
        with logs.request_context(**ids):  # a lazy listener runs in a thread of its own
            _run(func, signature, kwargs, context, body)

    # Bolt injects arguments by the names of the signature (inspect.getfullargspec after
    # inspect.unwrap), so the wrapper gets its own signature and no __wrapped__.
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    wrapper.__name__ = func.__name__
    wrapper.__qualname__ = func.__qualname__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _refresh_actor(context: dict[str, Any], body: dict[str, Any]) -> None:
    """The ack is sent: now refbot may wait on users.info, so the person is answered in their
    language the first time too (in an ack, profiles come from the database only)."""
    actor, svc = context.get("actor"), context.get("svc")
    if svc is not None and actor is not None:
        svc.members.refreshed(team_id=actor.team_id, user_id=actor.user_id)


def _run(
    func: Callable[..., None],
    signature: inspect.Signature,
    kwargs: dict[str, Any],
    context: dict[str, Any],
    body: dict[str, Any],
) -> None:
    try:
        _refresh_actor(context, body)
        func(**{k: v for k, v in kwargs.items() if k in signature.parameters})
    except Exception as error:
        reply(
            error,
            body=body,
            respond=kwargs.get("respond") or context.get("respond"),
            locale=locale_of(context, body),
        )


def locale_of(context: dict[str, Any], body: dict[str, Any]) -> str:
    """The person's language if this process knows it (no I/O here: something just failed)."""
    team, user, svc = payloads.team(body), payloads.user(body), context.get("svc")
    known = svc.members.known_locale(team_id=team, user_id=user) if svc and team and user else None
    return known or context.get("locale", i18n.DEFAULT_LOCALE)
