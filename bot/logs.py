"""Logging set-up: the bot's own lines at INFO, libraries at WARNING unless asked, text or JSON."""

from __future__ import annotations

import logging
import sys

OWN = ("bot", "plugins", "wirewatch")  # the loggers of this project
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_HANDLER = "wirewatch-json"  # the name of the stderr handler that writes JSON lines


def setup_logging(verbosity: int = 0, fmt: str = "text") -> None:
    """Log to stderr: the bot's lines at INFO (DEBUG with -v), libraries at WARNING (DEBUG with -vv);
    fmt "json" writes one JSON object a line for log shippers."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        fields = "%(asctime)s %(levelname)s %(name)s %(message)s"
        handler.setFormatter(JsonFormatter(fields, rename_fields={"levelname": "level"}))
        handler.set_name(JSON_HANDLER)
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    for name in OWN:
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity >= 1 else logging.INFO)


def say(line: str, error: bool = False) -> None:
    """A command's closing summary (or error) on stderr: a plain line, or a JSON record where the
    logs are JSON."""
    if any(h.get_name() == JSON_HANDLER for h in logging.getLogger().handlers):
        logging.getLogger("bot.cli").log(logging.ERROR if error else logging.INFO, "%s", line)
    else:
        print(f"Error: {line}" if error else line, file=sys.stderr, flush=True)
