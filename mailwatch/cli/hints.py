"""Hints name the command the owner actually typed.

The README's owner runs `./run ...` from the project folder; an installed mailwatch
is `mailwatch ...`. `./run` says so in MAILWATCH_LAUNCHER, and a `--config` given on
the command line is repeated, so that a hint can be copied and run as it is.
Messages everywhere are written with `mailwatch ...` in backquotes; `localize` turns
them into the owner's command just before they are printed.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

_config: Path | None = None


def use_config(path: Path | None) -> None:
    """The --config the owner gave (None: the default or $MAILWATCH_CONFIG)."""
    global _config
    _config = path


def launcher() -> str:
    """The program as the owner runs it: "./run" under the README's launcher."""
    return os.environ.get("MAILWATCH_LAUNCHER", "").strip() or "mailwatch"


def command() -> str:
    """What a hint starts with: the launcher, plus --config when one was given."""
    name = launcher()
    return f"{name} --config {shlex.quote(str(_config))}" if _config is not None else name


def localize(text: str) -> str:
    """Every "`mailwatch ..." in `text`, as the owner's own command."""
    prefix = command()
    return text if prefix == "mailwatch" else text.replace("`mailwatch ", f"`{prefix} ")
