"""The HTTP plumbing both adapters share: httpx with timeouts, errors classified, 429 honoured.

Logs name the ATS, the method, the path and the status only: query strings carry email
addresses (`?email=`), bodies carry candidates, headers carry credentials.
"""

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from bot import clock as default_clock
from bot.ats.errors import AtsError, classify_exception, classify_response
from bot.clock import Clock

if TYPE_CHECKING:  # httpx is loaded with the first ATS client (idle RSS of a web process)
    import httpx

log = logging.getLogger("refbot.ats")

# Connect quickly or not at all; an ATS that takes longer than this to answer is down for us.
DEFAULT_TIMEOUT, CONNECT_TIMEOUT = 10.0, 5.0


class AtsHttp:
    """One ATS's HTTP client. `rate_limit_retries` > 0 waits out that many 429s (each no longer
    than `max_wait` seconds) before raising: bulk pulls want that, outbox pushes do not (the
    dispatcher reschedules the row and frees the worker)."""

    def __init__(
        self,
        ats: str,
        base_url: str,
        *,
        clock: Clock = default_clock.now,
        client: "httpx.Client | None" = None,
        timeout: "httpx.Timeout | float | None" = None,
        rate_limit_retries: int = 0,
        max_wait: float = 60.0,
        default_retry_after: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ats = ats
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.clock = clock
        import httpx

        if timeout is None:
            timeout = httpx.Timeout(DEFAULT_TIMEOUT, connect=CONNECT_TIMEOUT)
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self.rate_limit_retries = rate_limit_retries
        self.max_wait = max_wait
        self.default_retry_after = default_retry_after
        self.sleep = sleep

    def close(self) -> None:
        self.client.close()

    def url(self, path: str) -> str:
        """An absolute URL: a Link header's URL as it is, a path under the base URL."""
        return path if "://" in path else urljoin(self.base_url, path.lstrip("/"))

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        files: Any = None,
        auth: "httpx.Auth | tuple[str, str] | None" = None,
    ) -> "httpx.Response":
        """Send; answer a 2xx response or raise AtsError."""
        import httpx

        url = self.url(path)
        waits = 0
        while True:
            try:
                response = self.client.request(
                    method,
                    url,
                    headers=headers,
                    params=params,
                    json=json,
                    data=data,
                    files=files,
                    auth=auth,
                )
            except httpx.HTTPError as error:
                log.info("%s %s %s failed: %s", self.ats, method, _path(url), type(error).__name__)
                raise classify_exception(self.ats, error, method=method) from None
            log.debug("%s %s %s -> %s", self.ats, method, _path(url), response.status_code)
            if response.is_success:
                return response
            error = classify_response(
                self.ats, response, now=self.clock(), default_retry_after=self.default_retry_after
            )
            if (
                error.kind == "rate_limited"
                and waits < self.rate_limit_retries
                and error.retry_after <= self.max_wait
            ):
                waits += 1
                self.sleep(error.retry_after)
                continue
            log.info("%s %s %s -> %s %s", self.ats, method, _path(url), error.status, error.kind)
            raise error


def _path(url: str) -> str:
    return urlsplit(url).path


def raise_unexpected(ats: str, what: str) -> AtsError:
    """An answer that does not have the documented shape: the ATS changed or a proxy lied."""
    return AtsError("permanent", f"unexpected answer: {what}", ats=ats)
