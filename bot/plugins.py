"""One plugin manager per bot: loading (built-ins, entry points), isolation, and the registries."""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

import pluggy

from bot import hookspecs
from bot.models import Quote, StoryMatch
from bot.registry import Registry

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "wirewatch"
# the core's own commands, sources, platforms and digest lines: plugins registered like any other
DEFAULT_PLUGINS = {
    "default_commands": "bot.default_plugins.commands",
    "default_sources": "bot.default_plugins.sources",
    "default_platforms": "bot.default_plugins.platforms",
    "default_digest": "bot.default_plugins.digest",
    "default_story_actions": "bot.default_plugins.story_actions",
}
REGISTRATION = ("commands", "sources", "platforms", "digest_sections", "migrations", "settings")


class PluginError(Exception):
    """A plugin that cannot be loaded or used; the message is one line naming the plugin."""


def _article_id(args: tuple[Any, ...]) -> str:
    for arg in args:
        article = getattr(arg, "article", arg)
        if isinstance(getattr(article, "id", None), str) and hasattr(article, "text"):
            return str(article.id)
    return "-"


# what each article hook may answer besides None; anything else is a plugin's bug, logged and ignored
RETURNS: dict[str, tuple[type, ...]] = {
    "wirewatch_match_story": (StoryMatch,),
    "wirewatch_extract_quotes": (list, tuple),
    "wirewatch_prepare": (Mapping,),
}


def _checked(impl: pluggy.HookImpl, hook: str, value: Any, args: tuple[Any, ...]) -> Any:
    """An article hook's answer, or None (logged) where it is of the wrong type: a str where a
    StoryMatch belongs would otherwise cost every article (and, firstresult, hide the next plugin's
    answer); items of a quotes list that are not Quotes are left out."""
    expected = RETURNS.get(hook)
    if value is None or expected is None:
        return value
    if not isinstance(value, expected):
        name, got = impl.plugin_name, type(value).__name__
        log.error(
            "plugin %s returned a value of type %s from %s on article %s; ignored",
            name,
            got,
            hook,
            _article_id(args),
        )
        return None
    if hook == "wirewatch_extract_quotes":
        items = cast(list[Any], value)
        quotes = [q for q in items if isinstance(q, Quote)]
        if len(quotes) < len(items):
            log.error(
                "plugin %s returned items that are not Quotes from %s on article %s; left out",
                impl.plugin_name,
                hook,
                _article_id(args),
            )
        return quotes
    return value


def _guard(impl: pluggy.HookImpl, hook: str) -> Callable[..., Any]:
    """The implementation, isolated: an article hook that raises is logged and skipped (None), so the
    next plugin still runs; a registration hook that raises becomes one PluginError line."""
    function = impl.function

    @functools.wraps(function)
    def guarded(*args: Any) -> Any:
        try:
            return _checked(impl, hook, function(*args), args)
        except PluginError:
            raise
        except Exception as exc:
            if hook.startswith("register_"):
                raise PluginError(f"plugin {impl.plugin_name} failed in {hook}: {exc}") from exc
            log.exception("plugin %s failed in %s on article %s", impl.plugin_name, hook, _article_id(args))
            return None

    return guarded


class Manager(pluggy.PluginManager):
    """A pluggy manager whose implementations are isolated as they are registered, which also
    remembers where each plugin came from. Hooks are called through pm.hook, so wrappers and tracing
    work."""

    def __init__(self) -> None:
        super().__init__("wirewatch")
        self.add_hookspecs(hookspecs)
        self.origins: dict[str, str] = {}
        self.switched_off: list[str] = []  # installed plugins the config disables (not loaded)

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Register a plugin (named after its module or class, unless named) and isolate each of its
        (non-wrapper) hook implementations."""
        if name is None:
            base = getattr(plugin, "__name__", None) or type(plugin).__name__
            name, n = base, 1
            while self.has_plugin(name) or self.is_blocked(name):
                n += 1
                name = f"{base}-{n}"
        registered = super().register(plugin, name)
        if registered is None:  # blocked: disabled in the config
            return None
        for caller in self.get_hookcallers(plugin) or []:
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and not (impl.wrapper or impl.hookwrapper):
                    impl.function = _guard(impl, caller.name)  # type: ignore[misc]
        self.origins.setdefault(registered, getattr(plugin, "__name__", type(plugin).__name__))
        return registered


def make_manager(
    load_entry_points: bool = True, extra: tuple[object, ...] = (), disabled: Iterable[str] = ()
) -> Manager:
    """A new manager with the built-in plugins, the entry-point plugins and any extra plugin objects,
    less the disabled ones; raise PluginError (one line) for a plugin that cannot be loaded."""
    pm = Manager()
    for name in disabled:
        pm.set_blocked(name)
    for name, module in DEFAULT_PLUGINS.items():
        if pm.is_blocked(name):
            pm.switched_off.append(name)
        else:
            pm.register(importlib.import_module(module), name)
            pm.origins[name] = f"{module} (built in)"
    if load_entry_points:
        # plugin name -> (its module, where it comes from), to tell two plugins of one name apart
        seen = {name: (module, "built in") for name, module in DEFAULT_PLUGINS.items()}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if pm.is_blocked(ep.name):
                if ep.name not in pm.switched_off:
                    pm.switched_off.append(ep.name)
                continue
            if ep.name in seen:
                module, where = seen[ep.name]
                if module == ep.value:  # the same plugin listed twice (an editable install)
                    continue
                raise PluginError(
                    f"two plugins are named {ep.name}: {module} ({where}) and {ep.value} "
                    f"({_dist(ep)}); uninstall or rename one"
                )
            where = _dist(ep)  # reads the distribution's metadata: once
            seen[ep.name] = (ep.value, where)
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(f"plugin {ep.name} ({ep.value}) cannot be loaded: {exc}") from None
            _register(pm, plugin, ep.name)
            dist = f"{where}, " if ep.dist else ""
            pm.origins[ep.name] = f"{ep.value} ({dist}entry point)"
    for plugin in extra:
        _register(pm, plugin, None)
    _check_pending(pm)
    return pm


def _dist(ep: EntryPoint) -> str:
    """The distribution that declares an entry point, with its version."""
    return f"{ep.dist.name} {ep.dist.version}" if ep.dist else "installed"


def _register(pm: Manager, plugin: object, name: str | None) -> None:
    try:
        pm.register(plugin, name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise PluginError(f"plugin {name or plugin!r}: {exc}") from None


def _check_pending(pm: Manager) -> None:
    """A misspelled hook fails here, at start-up, in one line (pluggy's check_pending, worded)."""
    for hook in sorted(n for n in pm.hook.__dict__ if not n.startswith("_")):
        caller = getattr(pm.hook, hook)
        if caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if not impl.optionalhook:
                known = ", ".join(hook_names())
                raise PluginError(
                    f"plugin {impl.plugin_name}: {hook!r} is not a wirewatch hook "
                    f"(misspelled?); the hooks are: {known}"
                )


def hook_names() -> list[str]:
    """The names of every hook a plugin may implement."""
    return sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "wirewatch_spec"))


def plugin_names(pm: pluggy.PluginManager) -> list[str]:
    """Names of the registered plugins other than the built-in defaults, in registration order."""
    return [
        name
        for name, plugin in pm.list_name_plugin()
        if plugin is not None and plugin is not hookspecs and name not in DEFAULT_PLUGINS
    ]


def describe(pm: Manager) -> list[tuple[str, str, list[str]]]:
    """Each loaded plugin: its name, where it came from, and the hooks it implements."""
    out = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None or plugin is hookspecs:  # None: blocked (disabled in the config)
            continue
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        out.append((name, pm.origins.get(name, "?"), hooks))
    return out


def collect(pm: pluggy.PluginManager) -> Registry:
    """Call every registration hook once and return what the plugins registered."""
    registry = Registry(
        plugins=[name for name, plugin in pm.list_name_plugin() if plugin is not None],
        switched_off=list(getattr(pm, "switched_off", [])),
    )
    pm.hook.register_commands(register=registry.add_command)
    pm.hook.register_sources(register=registry.add_source)
    pm.hook.register_platforms(register=registry.add_platform)
    pm.hook.register_digest_sections(register=registry.add_section)
    pm.hook.register_migrations(register=registry.add_migration)
    pm.hook.register_settings(register=registry.add_settings)
    return registry
