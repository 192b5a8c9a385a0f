"""The core's own commands, sources, platforms and digest lines, registered like any plugin's."""
