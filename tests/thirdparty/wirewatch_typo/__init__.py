"""A third-party plugin with a misspelled hook name: it must fail check-config in one line."""

from __future__ import annotations

from collections.abc import Callable

from bot.hookspecs import hookimpl


@hookimpl
def register_comands(register: Callable[[object], None]) -> None:
    """register_commands, misspelled."""
