"""`wirewatch run` as a service: Slack HTTP mode, /healthz, /metrics, SIGTERM, a port already taken."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT
from fake_platforms import FakeAPI, slack_default
from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def until(check: object, what: str, seconds: float = 20) -> object:
    """Poll check() until it returns something truthy (the bot works in its own process)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()  # type: ignore[operator]
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def write_config(tmp_path: Path, port: int, feed_dir: Path, api_url: str = "") -> Path:
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "bot.db"}"\n'
        f"[server]\nport = {port}\n"
        + (f'[slack]\napi_url = "{api_url}/api/"\n' if api_url else "")
        + f'[[feeds]]\nname = "desk"\nurl = "{feed_dir}"\nevery = "1s"\n'
        '[[channels]]\nplatform = "console"\nid = "desk"\ndigest = "0 0 1 1 *"\n'
    )
    return config


def start(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "WIREWATCH_CONFIG": str(config), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def slack_api() -> Iterator[FakeAPI]:
    api = FakeAPI(
        lambda m, p, b: (200, {}, {"ok": True}) if p.startswith("/respond") else slack_default(m, p, b)
    )
    yield api
    api.close()


def post_signed(base: str, body: str, content_type: str) -> tuple[int, str]:
    ts = str(int(time.time()))
    request = urllib.request.Request(
        base + "/slack/events",
        data=body.encode(),
        headers={
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(response.status), response.read().decode()


def slash_command(base: str, text: str, response_url: str) -> int:
    from urllib.parse import urlencode

    body = urlencode(
        {
            "command": "/wirewatch",
            "text": text,
            "user_id": "U1",
            "channel_id": "C1",
            "team_id": "T1",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )
    ts = str(int(time.time()))
    request = urllib.request.Request(
        base + "/slack/events",
        data=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(response.status)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_slack_http_mode_health_metrics_and_a_clean_stop(
    tmp_path: Path, slack_api: FakeAPI, stop: signal.Signals
) -> None:
    feed_dir = tmp_path / "incoming"
    feed_dir.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = write_config(tmp_path, port, feed_dir, slack_api.url)
    proc = start(config, {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET})
    try:
        # a first poll of the empty folder: fetched, nothing ingested yet
        first = until(
            lambda: (
                (m := get(base + "/metrics")[1])
                and metric(m, 'wirewatch_feed_fetches_total{feed="desk",outcome="ok"}')
                and m
            ),
            "a first poll",
        )
        assert metric(str(first), "wirewatch_articles_ingested_total") == 0
        status, body = get(base + "/healthz")
        assert status == 200
        health = json.loads(body)
        assert health["status"] == "ok" and health["last_ingest"] is None and health["outbox_pending"] == 0
        (feed_dir / "dam.txt").write_text((EXAMPLES / "01-wirepress-dam-cracks.txt").read_text())
        until(
            lambda: metric(get(base + "/metrics")[1], "wirewatch_articles_ingested_total") == 1, "the ingest"
        )
        text = get(base + "/metrics")[1]
        assert metric(text, "wirewatch_stories") == 1 and (metric(text, "wirewatch_quotes") or 0) > 0
        assert metric(text, 'wirewatch_outbox_parts{state="pending"}') == 0
        assert metric(text, 'wirewatch_cards{state="live"}') == 0 and "_created" not in text
        assert json.loads(get(base + "/healthz")[1])["last_ingest"]
        # the slash command through the aiohttp server: acked, answered through response_url
        assert slash_command(base, "stories dam", slack_api.url + "/respond/1") == 200
        reply = until(lambda: slack_api.posts("/respond"), "the reply")
        assert "Varna" in json.dumps(reply)
        # Slack's check of the request URL, then a mention of the bot: answered in its thread
        challenge = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"})
        status, answered = post_signed(base, challenge, "application/json")
        assert status == 200 and json.loads(answered) == {"challenge": "c-123"}
        mention = {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": "Ev1",
            "event_time": 1,
            "event": {
                "type": "app_mention",
                "user": "U1",
                "text": "<@UBOT> stories dam",
                "ts": "1700000000.000100",
                "channel": "C1",
                "event_ts": "1700000000.000100",
            },
        }
        assert post_signed(base, json.dumps(mention), "application/json")[0] == 200
        (said,) = until(lambda: slack_api.posts("chat.postMessage"), "the answer to the mention")  # type: ignore[misc]
        assert said["thread_ts"] == "1700000000.000100" and "Varna" in json.dumps(said)
        proc.send_signal(stop)
        _out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            print(proc.communicate()[1])
    assert proc.returncode == 0, err
    assert "Traceback" not in err and f"{stop.name}: stopping" in err
    # a clean start and stop (a 1-second poll may overrun under load: the scheduler says so, nothing else)
    problems = [line for line in err.splitlines() if " WARNING " in line or " ERROR " in line]
    assert all("skipped: maximum number of running instances" in line for line in problems), err
    db = tmp_path / "bot.db"
    wal = Path(str(db) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # everything folded into the database file
    assert not Path(str(db) + "-journal").exists()
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("select count(*) from articles").fetchone()[0] == 1


def test_a_port_already_taken_fails_the_start_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_config(tmp_path, port, EXAMPLES)
        proc = start(config, {})
        out, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith(
        f"cannot listen on 127.0.0.1:{port}: address already in use"
    ), err
    assert out == ""  # nothing was polled or posted


def test_a_second_signal_exits_at_once() -> None:
    code = (
        "import threading, signal, os\n"
        "from bot.lifecycle import Stopper\n"
        "e = threading.Event(); Stopper(e).install()\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "assert e.is_set()\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "raise SystemExit('not reached')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert "exiting at once" in proc.stderr


def test_health_is_503_when_the_store_or_the_scheduler_is_broken(tmp_path: Path) -> None:
    from bot.metrics import Metrics, StoreFacts
    from bot.server import Server

    def broken() -> StoreFacts:
        raise sqlite3.OperationalError("unable to open database file")

    for facts, scheduler_ok, problem in (
        (broken, lambda: True, "store"),
        (StoreFacts, lambda: False, "scheduler"),
    ):
        server = Server("127.0.0.1", 0, Metrics(), facts, scheduler_ok)
        server.start()
        try:
            status, body = get(f"http://127.0.0.1:{server.port}/healthz")
        finally:
            server.stop()
        assert status == 503 and problem in json.loads(body)["problem"]


def test_a_stop_finishes_the_article_being_written_and_loses_none(tmp_path: Path) -> None:
    from bot.adapters.memory import MemoryAdapter
    from bot.app import Bot
    from bot.config import parse_config

    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "stop.db")},
            "feeds": [{"name": "samples", "url": str(EXAMPLES), "backfill": 9}],
            "channels": [{"platform": "console", "id": "desk"}],
        }
    )
    bot = Bot(config, adapters={"console": MemoryAdapter()})
    try:
        ingest = bot.pipeline.ingest

        def ingest_then_stop(article, prepared=None, quiet=False):  # type: ignore[no-untyped-def]
            result = ingest(article, prepared, quiet)
            if bot.store.count("articles") == 2:
                bot.stopping.set()  # SIGTERM arrives while the second article is written
            return result

        bot.pipeline.ingest = ingest_then_stop  # type: ignore[method-assign]
        assert bot.run_once() == (2, 0)  # the two stored are counted; no digest sent while stopping
        assert bot.store.count("articles") == 2
        feed = bot.feeds()[0]
        assert bot.watched.state(feed).last_success is None  # read again in full at the next start
        bot.stopping.clear()
        bot.pipeline.ingest = ingest  # type: ignore[method-assign]
        stored, sent = bot.run_once()
        assert stored == 3 and sent == 1 and bot.store.count("articles") == 5  # the rest, none twice
    finally:
        bot.close()


def test_sigterm_while_a_feed_hangs_exits_zero_promptly(tmp_path: Path) -> None:
    """A fetch in flight (a host that never answers) does not hold the stop: exit 0, store intact."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    arrived, release = threading.Event(), threading.Event()

    class Hang(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            arrived.set()
            release.wait(60)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hang)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    config = tmp_path / "wirewatch.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "bot.db"}"\n[http]\ntimeout = 60\n'
        f'[[feeds]]\nname = "slow"\nurl = "http://127.0.0.1:{httpd.server_address[1]}/rss"\nevery = "1s"\n'
        '[[channels]]\nplatform = "console"\nid = "desk"\n'
    )
    proc = start(config, {})
    try:
        until(arrived.is_set, "the fetch to start")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=10)
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    with sqlite3.connect(tmp_path / "bot.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_sighup_stops_the_bot_as_cleanly_as_sigterm(tmp_path: Path) -> None:
    """A terminal that closes (or `kill -HUP`) stops the bot as SIGTERM does: exit 0, a stopped line,
    the store closed with what it stored."""
    feed_dir = tmp_path / "incoming"
    feed_dir.mkdir()
    (feed_dir / "dam.txt").write_text((EXAMPLES / "01-wirepress-dam-cracks.txt").read_text())
    port = free_port()
    proc = start(write_config(tmp_path, port, feed_dir), {})
    try:
        until(
            lambda: (
                metric(get(f"http://127.0.0.1:{port}/metrics")[1], "wirewatch_articles_ingested_total") == 1
            ),
            "the ingest",
        )
        proc.send_signal(signal.SIGHUP)
        _out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "SIGHUP: stopping" in err and "stopped" in err.splitlines()[-1] and "Traceback" not in err
    db = tmp_path / "bot.db"
    wal = Path(str(db) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # the store was closed
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 1
