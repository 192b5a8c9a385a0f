"""Poll many feeds on many local hosts: a first cycle (new items), then an unchanged one (304s).

    python bench/feeds_bench.py --feeds 1000 --items 3 --hosts 100

The feeds are spread over `--hosts` HTTP servers, each on its own loopback address (127.0.0.2, ...), so
the bot's per-host limits (2 requests at once, starts 1 s apart by default) apply as they would on the
web. Prints the time of each cycle and the peak memory. Everything stays on the loopback interface.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.adapters.memory import MemoryAdapter
from bot.app import Bot
from bot.config import parse_config

WORDS = (
    "harbour council strike ferry budget mayor bridge election court river storm minister school "
    "hospital market police farmers rail airport museum"
).split()


def feed_body(base: str, n: int, items: int) -> bytes:
    """An RSS feed whose items are distinct short articles."""
    entries = []
    for i in range(items):
        w = [WORDS[(n * 7 + i * 3 + k) % len(WORDS)] for k in range(6)]
        text = f"Feed {n} item {i}: the {w[0]} and the {w[1]} met the {w[2]} over the {w[3]} in town {n}-{i}."
        entries.append(
            f"<item><title>Item {n}-{i} {w[4]} {w[5]}</title><guid>urn:{n}:{i}</guid>"
            f"<link>{base}/page/{n}/{i}</link><description>{text * 8}</description></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


def main() -> None:
    """Serve, poll twice, report."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=3)
    ap.add_argument("--hosts", type=int, default=100, help="loopback addresses serving the feeds")
    ap.add_argument("--per-host", type=int, default=2)
    ap.add_argument("--host-interval", type=float, default=1.0)
    args = ap.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            n = int(self.path.rsplit("/", 1)[-1])
            etag = f'"v{n}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            host, port = self.server.server_address[:2]
            body = feed_body(f"http://{host}:{port}", n, args.items)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    servers = [
        ThreadingHTTPServer((f"127.0.{(2 + h) // 256}.{(2 + h) % 256}", 0), Handler)
        for h in range(args.hosts)
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    urls = [f"http://{s.server_address[0]}:{s.server_address[1]}" for s in servers]
    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config(
            {
                "storage": {"path": str(Path(tmp) / "feeds.db")},
                "http": {"per_host": args.per_host, "host_interval": args.host_interval},
                "feeds": [
                    {"name": f"f{n}", "url": f"{urls[n % len(urls)]}/feed/{n}", "backfill": 0}
                    for n in range(args.feeds)
                ],
                "channels": [{"platform": "console", "id": "desk"}],
            }
        )
        bot = Bot(config, adapters={"console": MemoryAdapter()})
        for label in ("first cycle (new items)", "second cycle (unchanged: 304)"):
            t = time.perf_counter()
            stored = len(bot.poll_all())
            took = time.perf_counter() - t
            print(
                f"{label}: {args.feeds} feeds on {args.hosts} hosts in {took:.1f}s, {stored} articles stored"
            )
        print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        bot.close()
    for server in servers:
        server.shutdown()


if __name__ == "__main__":
    main()
