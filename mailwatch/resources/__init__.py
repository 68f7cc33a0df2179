"""The files mailwatch ships beside its code: draft templates and the example configuration.

They live at the top of the project (templates/, config.example.toml, examples/), where
people look for them; this package holds symbolic links to them, so that a wheel
(`pip install .`, `pipx install .`) carries copies as package data. They are found with
importlib.resources, whether mailwatch is installed from a wheel, installed editable,
or run from the source folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from mailwatch.errors import MailwatchError

# Where the links point, for a checkout whose links did not survive (a copy made without
# symbolic links): the project root, one level above the mailwatch package.
_SOURCE_ROOT = Path(__file__).resolve().parent.parent.parent


def resource_path(name: str) -> Path:
    """The file or folder `name` ("templates", "config.example.toml", ...) on disk."""
    bundled = files(__name__).joinpath(name)
    if isinstance(bundled, Path) and bundled.exists():
        return bundled
    source = _SOURCE_ROOT / name
    if source.exists():
        return source
    raise MailwatchError(
        f"{name} is missing from this mailwatch installation ({Path(str(bundled))}).",
        "Reinstall mailwatch: pipx install . (or pip install .) from its source folder.",
    )
