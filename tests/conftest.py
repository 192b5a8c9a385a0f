"""Shared fixtures: temporary stores, a plugin manager per test, a local HTTP server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fake_platforms import FakeDiscord, FakeSlack

from bot.pipeline import Pipeline
from bot.plugins import make_manager
from bot.storage import Store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A real SQLite store in a temporary file."""
    s = Store(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on a random local port (a test file may define its own)."""
    api = FakeSlack()
    yield api
    api.close()


@pytest.fixture
def discord_api() -> Iterator[FakeDiscord]:
    """A fake Discord REST API on a random local port (a test file may define its own)."""
    api = FakeDiscord()
    yield api
    api.close()


@pytest.fixture
def pipeline(store: Store) -> Pipeline:
    """The full pipeline with the built-in plugins, on a fresh store."""
    return Pipeline(store, make_manager(), {})


Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class LocalServer:
    """A real HTTP server on 127.0.0.1 whose routes tests set; it records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                status, headers, body = route(self)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def serve(self, path: str, body: str | bytes, status: int = 200, ctype: str = "text/html") -> None:
        """Answer GET path with a fixed body."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = lambda _h: (status, {"Content-Type": ctype}, data)


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A running local HTTP server, shut down after the test."""
    server = LocalServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def run_cli(
    *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the wirewatch command in a subprocess from the project root, with a minimal environment."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        check=check,
    )


def run_replay(stream: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`wirewatch replay ARGS STREAM` as a process from the project root; it must succeed."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "replay", *args, str(stream)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )


def write_stream(path: Path, articles: list[dict[str, object]]) -> Path:
    """Write a replay stream (JSON lines)."""
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path
