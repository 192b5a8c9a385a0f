"""Built-in wirewatch plugins, registered through the `wirewatch` entry-point group."""
