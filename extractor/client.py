"""RAWG HTTP client: key, timeouts, a request-rate cap, and retries with backoff (stamina)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx
import orjson
import stamina

from extractor.tally import RequestTally
from gmp.errors import AuthRefused, QuotaExhausted, UpstreamError
from gmp.settings import RawgSettings

log = logging.getLogger(__name__)
T = TypeVar("T")


class RetryableError(Exception):
    """A failure worth another try: 429, 5xx, timeouts, resets, bodies that are not JSON."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Throttled(RetryableError):
    """429: RAWG asks us to slow down."""


class PageNotFound(Exception):
    """404 `Invalid page.`: the page is past the end of the query or past RAWG's page cap."""


class NotFound(Exception):
    """404 on a detail (`/games/{id}`): RAWG deleted or merged the game."""


@dataclass(frozen=True)
class Page:
    """One RAWG list response: the raw body (key still inside) and what it says."""

    number: int
    body: bytes
    count: int
    results: int
    has_next: bool


class RateLimiter:
    """Spaces request starts at least 1/max_rps apart, across all threads."""

    def __init__(self, max_rps: float) -> None:
        self._interval = 1.0 / max_rps if max_rps > 0 else 0.0
        self._next_start = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        time.sleep(start - now)


def _retry_hook(settings: RawgSettings) -> Callable[[Exception], bool | float]:
    """Retry RetryableError; a Retry-After header becomes the wait (capped by retry_wait_max)."""

    def decide(exc: Exception) -> bool | float:
        if isinstance(exc, RetryableError):
            if exc.retry_after is not None:
                return min(exc.retry_after, settings.retry_wait_max)
            return True
        return False

    return decide


class RawgClient:
    """Fetches pages of RAWG list endpoints. Knows nothing about where they are stored."""

    def __init__(self, settings: RawgSettings, *, transport: httpx.BaseTransport | None = None):
        self._settings = settings
        self._limiter = RateLimiter(settings.max_rps)
        self._lock = threading.Lock()
        self._in_flight = threading.BoundedSemaphore(settings.concurrency)
        self.retries = 0
        # Every attempt, by endpoint, run_date and day: what the quota ledger records.
        self.tally = RequestTally()
        self._http = httpx.Client(
            base_url=settings.base_url.rstrip("/"),
            params={"key": settings.api_key.get_secret_value()},
            timeout=httpx.Timeout(
                settings.read_timeout, connect=settings.connect_timeout, pool=None
            ),
            limits=httpx.Limits(max_connections=settings.concurrency + 2),
            headers={"User-Agent": "game-market-pipeline (+https://rawg.io/apidocs)"},
            transport=transport,
            follow_redirects=False,
        )

    @property
    def requests_made(self) -> int:
        """Every attempt sent so far (probes, retries, 429s, 404s): the ledger's tally's count."""
        return self.tally.total

    def __enter__(self) -> RawgClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get_page(self, path: str, params: dict[str, str], page: int, page_size: int) -> Page:
        """One page, retried per the settings. Raises AuthRefused, QuotaExhausted,
        UpstreamError or PageNotFound; never an exception that carries the key."""
        query = {**params, "page_size": str(page_size), "page": str(page)}
        return self._retrying(
            f"{path} page {page}",
            {"path": path, "page": page},
            lambda: _read_page(self._get_once(path, query), path, page),
        )

    def get_detail(self, path: str) -> bytes:
        """One detail body (`/games/{id}`), retried like a page. Raises NotFound for RAWG's
        404 (a deleted or merged game), else as get_page."""
        once = lambda: _read_detail(self._get_once(path, {}), path)  # noqa: E731
        return self._retrying(path, {"path": path}, once)

    def _retrying(self, what: str, context: dict[str, object], once: Callable[[], T]) -> T:
        s = self._settings
        last: RetryableError | None = None
        try:
            for attempt in stamina.retry_context(
                on=_retry_hook(s),
                attempts=s.retry_attempts,
                timeout=None,
                wait_initial=s.retry_wait_initial,
                wait_max=s.retry_wait_max,
                wait_jitter=s.retry_wait_initial,
            ):
                with attempt:
                    if attempt.num > 1:
                        with self._lock:
                            self.retries += 1
                        log.warning(
                            "retrying after %s (attempt %d of %d)",
                            last,
                            attempt.num,
                            s.retry_attempts,
                            extra=context,
                        )
                    try:
                        return once()
                    except RetryableError as exc:
                        last = exc
                        raise
        except Throttled:
            raise QuotaExhausted(
                f"RAWG still answers 429 (rate limited) after {s.retry_attempts} attempts on "
                f"{what}; the monthly quota may be spent — try again later or "
                "lower GMP_CONCURRENCY / GMP_MAX_RPS"
            ) from None
        except RetryableError as exc:
            raise UpstreamError(
                f"RAWG kept failing on {what} after {s.retry_attempts} attempts (last: {exc})"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_once(self, path: str, query: dict[str, str]) -> httpx.Response:
        self._limiter.wait()
        self.tally.count()  # the one place an attempt is sent: every attempt is counted
        try:
            with self._in_flight:
                return self._http.get(path, params=query)
        except httpx.TimeoutException:
            raise RetryableError("timed out") from None
        except httpx.TransportError as exc:
            raise RetryableError(f"connection failed ({type(exc).__name__})") from None


def _refusal(response: httpx.Response) -> None:
    """What every RAWG answer shares: 401/403 never retried, 429 and 5xx retried."""
    status = response.status_code
    if status in (401, 403):
        raise AuthRefused(
            f"RAWG refused the API key (HTTP {status}); check RAWG_API_KEY "
            "(get one at https://rawg.io/apidocs)"
        )
    if status == 429:
        raise Throttled("HTTP 429", retry_after=_retry_after(response))
    if status >= 500:
        raise RetryableError(f"HTTP {status}")


def _read_detail(response: httpx.Response, path: str) -> bytes:
    _refusal(response)
    status, body = response.status_code, response.content
    if status == 404:
        raise NotFound(f"{path}: Not found")
    if status != 200:
        raise UpstreamError(f"RAWG answered HTTP {status} for {path}")
    try:
        data = orjson.loads(body)
        if not isinstance(data, dict) or "id" not in data:
            raise TypeError("not a game")
    except (orjson.JSONDecodeError, TypeError):
        raise RetryableError("the body is not a RAWG game (truncated or not JSON)") from None
    return body


def _read_page(response: httpx.Response, path: str, page: int) -> Page:
    _refusal(response)
    status, body = response.status_code, response.content
    if status == 404 and b"Invalid page" in body:
        raise PageNotFound(f"{path} page {page}: Invalid page")
    if status != 200:
        raise UpstreamError(f"RAWG answered HTTP {status} for {path} page {page}")
    try:
        data = orjson.loads(body)
        count, results = int(data["count"]), data["results"]
        if not isinstance(results, list):
            raise TypeError("results is not a list")
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise RetryableError("the body is not a RAWG page (truncated or not JSON)") from None
    return Page(page, body, count, len(results), data.get("next") is not None)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
