"""Building one plugin manager per bot instance and calling hooks with isolation."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pluggy

from bot import hookspecs

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "wirewatch"


def make_manager(load_entry_points: bool = True, extra: tuple[object, ...] = ()) -> pluggy.PluginManager:
    """A new plugin manager with the entry-point plugins and any extra plugin objects registered."""
    pm = pluggy.PluginManager("wirewatch")
    pm.add_hookspecs(hookspecs)
    if load_entry_points:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in extra:
        pm.register(plugin)
    pm.check_pending()  # a misspelled hook name fails here, at start-up
    return pm


def plugin_names(pm: pluggy.PluginManager) -> list[str]:
    """Names of the registered plugins, in registration order."""
    return [name for name, plugin in pm.list_name_plugin() if plugin is not hookspecs]


def call_each(pm: pluggy.PluginManager, hook: str, article_id: str, **kwargs: Any) -> Iterator[Any]:
    """Call every implementation of a hook, logging and skipping any that raises."""
    caller = getattr(pm.hook, hook)
    for impl in reversed(caller.get_hookimpls()):  # pluggy's own call order
        try:
            result = impl.function(*[kwargs[name] for name in impl.argnames])
        except Exception:
            log.exception("plugin %s failed in %s on article %s", impl.plugin_name, hook, article_id)
            continue
        if result is not None:
            yield result
