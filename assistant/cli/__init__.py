"""The commands (assistant/cli/main.py). The only place that imports click."""

from assistant.cli.main import Group, main

__all__ = ["Group", "main"]
