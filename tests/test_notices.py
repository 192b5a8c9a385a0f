"""Feed health notices on a real local server: one message per channel per cycle, however many feeds changed."""

from __future__ import annotations

from pathlib import Path

from conftest import LocalServer

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import parse_config

EMPTY = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


def test_twenty_failing_feeds_make_one_notice_and_their_recovery_another(
    tmp_path: Path, http_server: LocalServer
) -> None:
    status = {"code": 500}
    for i in range(20):
        http_server.routes[f"/f{i}"] = lambda _h: (
            status["code"],
            {"Content-Type": "application/rss+xml"},
            EMPTY,
        )
    config = parse_config(
        {
            "storage": {"path": str(tmp_path / "n.db")},
            "http": {"host_interval": 0, "per_host": 16},
            "feeds": [{"name": f"f{i}", "url": f"{http_server.url}/f{i}"} for i in range(20)],
            "channels": [
                {"platform": "console", "id": "desk"},
                {"platform": "console", "id": "sport", "feeds": ["f3"]},
            ],
        }
    )
    adapter = MemoryAdapter()
    b = Bot(config, adapters={"console": adapter})
    try:
        for _ in range(3):
            b.poll_all()
        b.send_digests()
        desk = [m.as_text() for c, m in adapter.sent if c == "desk"]
        sport = [m.as_text() for c, m in adapter.sent if c == "sport"]
        assert len(desk) == 1 and all(f"f{i} is failing after 3 attempts" in desk[0] for i in range(20))
        assert len(sport) == 1 and "f3 is failing" in sport[0] and "f4" not in sport[0]
        status["code"] = 200
        b.poll_all()
        b.send_digests()
        desk = [m.as_text() for c, m in adapter.sent if c == "desk"][1:]
        assert len(desk) == 1 and all(f"f{i} has recovered" in desk[0] for i in range(20))
    finally:
        b.close()
