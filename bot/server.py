"""The bot's HTTP server (aiohttp, on an event loop of its own thread): /healthz, /metrics, and the
routes adapters mount (Slack's request URL)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web

from bot.metrics import Metrics, StoreFacts

log = logging.getLogger(__name__)
T = TypeVar("T")
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class ServerError(Exception):
    """The server could not start (the port is taken, the host unknown); one line saying why."""


class Server:
    """An aiohttp application served from a thread; start() returns once the port is bound."""

    def __init__(
        self,
        host: str,
        port: int,
        metrics: Metrics,
        facts: Callable[[], StoreFacts],
        scheduler_ok: Callable[[], bool] = lambda: True,
    ) -> None:
        self.host = host
        self.port = port
        self.metrics = metrics
        self.facts = facts
        self.scheduler_ok = scheduler_ok
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._metrics)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="wirewatch-server", daemon=True)
        self._runner: web.AppRunner | None = None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        """Bind the port and start answering; raise ServerError when the port cannot be bound."""
        self._thread.start()
        try:
            self.run(self._start())
        except OSError as exc:
            self.stop()
            reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)  # "address already in use"
            raise ServerError(f"cannot listen on {self.host}:{self.port}: {reason}") from None
        log.info("serving http://%s:%d (/healthz, /metrics)", self.host, self.port)

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=False)
        await site.start()
        if self.port == 0 and self._runner.addresses:  # a random port: keep the one bound
            self.port = int(self._runner.addresses[0][1])

    def stop(self) -> None:
        """Stop answering, close the connections and the loop."""
        if self._thread.is_alive():
            if self._runner is not None:
                try:
                    self.run(self._runner.cleanup(), timeout=5)
                except (TimeoutError, RuntimeError) as exc:
                    log.warning("the HTTP server did not stop cleanly: %s", exc)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
        if not self.loop.is_running():
            self.loop.close()

    async def _healthz(self, _request: web.Request) -> web.Response:
        try:
            facts = await asyncio.to_thread(self.facts)
        except sqlite3.Error as exc:
            return _json(503, {"status": "error", "problem": f"store: {exc}"})
        if not self.scheduler_ok():
            return _json(503, {"status": "error", "problem": "scheduler is not running"})
        return _json(
            200,
            {
                "status": "ok",
                "feeds_failing": facts.failing,
                "outbox_pending": facts.outbox.get("pending", 0),
                "outbox_waiting": facts.waiting,
                "last_ingest": facts.last_ingest,
                "articles": facts.articles,
            },
        )

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = await asyncio.to_thread(self.metrics.exposition)
        return web.Response(body=body, headers={"Content-Type": METRICS_TYPE})


def _json(status: int, data: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(data), content_type="application/json")
