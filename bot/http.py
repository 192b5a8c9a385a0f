"""Polite HTTP for feeds and pages: one async httpx client, a limit and a minimum interval per host."""

from __future__ import annotations

import asyncio
import email.utils
import threading
import zlib
from collections.abc import AsyncIterator, Collection, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from bot import __version__
from bot.config import HttpSettings
from bot.netgate import Gate, GatedTransport, RefusedAddress, Resolver
from bot.urls import url_problem

USER_AGENT = f"wirewatch/{__version__} (+https://github.com/wirewatch/wirewatch)"
MAX_BYTES = 5_000_000
MAX_REDIRECTS = 5
MAX_IN_FLIGHT = 50  # requests at once over all hosts
T = TypeVar("T")


class SourceError(Exception):
    """A feed or page could not be read; the message names it and the reason."""

    def __init__(
        self, message: str, retry_after: float | None = None, deferred: bool = False, refused: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.deferred = deferred  # not tried: the host asked to be left alone for now
        self.refused = refused  # not tried: the outbound gate refused the address


def decode_body(raw: bytes, encoding: str, max_bytes: int, url: str) -> bytes:
    """The body with its Content-Encoding layers undone, last applied first, each layer's output held
    to max_bytes (a small response that inflates to gigabytes, or gzip inside gzip, is refused)."""
    body = raw
    for layer in reversed([e.strip().lower() for e in encoding.split(",") if e.strip()]):
        if layer == "identity":
            continue
        if layer not in ("gzip", "x-gzip", "deflate"):
            raise SourceError(f"{url}: unsupported Content-Encoding {layer!r}")
        # gzip or zlib header detected (47); deflate without a header as some servers send it (-15)
        wbits = 47 if layer != "deflate" or body[:1] == b"\x78" else -15
        inflater = zlib.decompressobj(wbits)
        try:
            body = inflater.decompress(body, max_bytes + 1)
        except zlib.error as exc:
            raise SourceError(f"{url}: broken {layer} encoding ({exc})") from None
        if len(body) > max_bytes or inflater.unconsumed_tail:
            raise SourceError(f"{url}: response larger than {max_bytes} bytes once decoded ({layer})")
    return body


def retry_after(response: httpx.Response) -> float | None:
    """Seconds a 429/503 response asks us to wait (Retry-After as seconds or as an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class HostGate:
    """Per host: at most `per_host` requests in flight, request starts at least `interval` seconds apart,
    and nothing at all while the host's Retry-After runs."""

    def __init__(self, per_host: int, interval: float) -> None:
        self.per_host = per_host
        self.interval = interval
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._rest_until: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of the host's slots, starting no sooner than its interval allows."""
        loop = asyncio.get_running_loop()
        async with self._slots.setdefault(host, asyncio.Semaphore(self.per_host)):
            now = loop.time()
            start = max(now, self._next_start.get(host, 0.0))
            self._next_start[host] = start + self.interval  # reserved before waiting: no await in between
            if start > now:
                await asyncio.sleep(start - now)
            yield

    def rest(self, host: str, seconds: float) -> None:
        """Leave a host alone for `seconds` (it answered 429/503 with Retry-After)."""
        until = asyncio.get_running_loop().time() + seconds
        self._rest_until[host] = max(until, self._rest_until.get(host, 0.0))

    def resting(self, host: str) -> float:
        """Seconds the host still asked us to wait, 0 if none."""
        return max(0.0, self._rest_until.get(host, 0.0) - asyncio.get_running_loop().time())


class Http:
    """An async HTTP client on an event loop of its own thread, behind a HostGate; usable from any thread."""

    def __init__(
        self,
        settings: HttpSettings | None = None,
        max_bytes: int = MAX_BYTES,
        trusted: Collection[str] = (),
        resolver: Resolver | None = None,
    ) -> None:
        self.settings = settings or HttpSettings()
        self.max_bytes = max_bytes
        self.outbound = Gate(trusted, resolver)  # which addresses may be connected to
        self.gate = HostGate(self.settings.per_host, self.settings.host_interval)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.AsyncClient | None = None
        self._in_flight: asyncio.Semaphore | None = None
        self._lock = threading.Lock()
        # URLs that redirected permanently (301 or 308 at every hop) -> where they went, for this process
        self.moved: dict[str, str] = {}

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on this client's loop and wait for its result."""
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="wirewatch-http", daemon=True
                )
                self._thread.start()
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(coro, loop).result()

    async def get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET through the host's gate with a size cap and a deadline for each response, following up to
        MAX_REDIRECTS redirects, each hop through its own host's gate; a URL that redirected permanently
        (301/308 all the way) is asked at its new place from then on, for as long as that answers. A 304
        is returned, other error statuses raise httpx.HTTPStatusError; a URL that cannot be fetched or an
        address the outbound gate refuses raise SourceError."""
        problem = url_problem(url)
        if problem:
            raise SourceError(problem)
        if self._client is None or self._in_flight is None:
            self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.timeout, connect=min(10.0, self.settings.timeout)),
                limits=httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT),
                follow_redirects=False,  # followed below, each hop within its own host's limits
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
                transport=GatedTransport(
                    self.outbound,
                    httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT),
                ),
                trust_env=False,
            )
        target, permanent = self.moved.get(url, url), True
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._hop(url, target, headers or {})
            location = response.headers.get("location") if response.is_redirect else None
            if location is None:
                break
            try:
                target = str(response.url.join(location))
            except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
                raise SourceError(f"{url}: redirected to a URL that cannot be fetched ({exc})") from None
            problem = url_problem(target)
            if problem:
                raise SourceError(f"{url}: redirected to a URL that cannot be fetched: {problem}")
            permanent = permanent and response.status_code in (301, 308)
        else:
            raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects")
        if response.status_code >= 400:
            self.moved.pop(url, None)  # its new place fails: the URL itself is asked again next time
        elif target != url and permanent:
            self.moved[url] = target
        if response.status_code != 304:
            response.raise_for_status()
        return response

    async def _hop(self, url: str, target: str, headers: dict[str, str]) -> httpx.Response:
        """One request, redirects not followed, within its host's gate (url: what was asked, for errors)."""
        assert self._in_flight is not None
        host = (urlsplit(target).hostname or "").lower()
        wait = self.gate.resting(host)
        if wait > 0:
            raise SourceError(f"{url}: {host} asked to be left alone for {wait:.0f}s more", wait, True)
        # the host's turn first, then a connection: time spent waiting is not the response's timeout
        async with self.gate.slot(host), self._in_flight:
            try:
                async with asyncio.timeout(self.settings.timeout):
                    response = await self._read(target, headers)
            except TimeoutError:
                raise httpx.ReadTimeout(f"no complete response within {self.settings.timeout:g}s") from None
            except RefusedAddress as exc:
                raise SourceError(f"{url}: {exc}", refused=True) from None
            except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, UnicodeError) as exc:
                raise SourceError(f"{url}: cannot be fetched ({exc})") from None
        if response.status_code in (429, 503):
            seconds = retry_after(response)
            if seconds:
                self.gate.rest(host, min(seconds, 86400.0))
        return response

    async def _read(self, url: str, headers: dict[str, str]) -> httpx.Response:
        assert self._client is not None
        async with self._client.stream("GET", url, headers=headers) as response:
            chunks, size = [], 0
            async for chunk in response.aiter_raw():  # as sent: each decoding layer is capped below
                size += len(chunk)
                if size > self.max_bytes:
                    raise SourceError(f"{url}: response larger than {self.max_bytes} bytes")
                chunks.append(chunk)
        encoding = response.headers.get("content-encoding", "")
        response._content = decode_body(b"".join(chunks), encoding, self.max_bytes, url)
        return response

    def close(self) -> None:
        """Close the connections and stop the loop."""
        with self._lock:
            loop, thread, self._loop = self._loop, self._thread, None
        if loop is None or thread is None:
            return
        if self._client is not None:
            asyncio.run_coroutine_threadsafe(self._client.aclose(), loop).result()
            self._client = None
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
