"""Draft bodies from Jinja2 templates: templates/<language>/<kind>.txt.j2.

A template only ever produces the body text. Subject, recipients and threading
headers are computed in code from the conversation, never from a template.
A user template folder (config [templates] dir) overrides any built-in file.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from mailwatch.errors import MailwatchError
from mailwatch.resources import resource_path

BUILTIN_TEMPLATES = resource_path("templates")  # in the wheel, or the source folder

_DAY_FORMAT = {"en": "EEEE d MMMM", "fr": "EEEE d MMMM"}


class TemplateProblem(MailwatchError):
    """A template is missing or broken."""


class Renderer:
    def __init__(self, user_dir: Path | None = None, builtin_dir: Path = BUILTIN_TEMPLATES) -> None:
        loaders = [FileSystemLoader(str(builtin_dir))]
        if user_dir is not None:
            loaders.insert(0, FileSystemLoader(str(user_dir)))
        # Sandboxed: a template file is data, it must not reach into Python.
        self.env = SandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,  # a misspelt variable is an error, not a blank
            autoescape=False,  # plain-text mail
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(
        self,
        language: str,
        kind: str,
        context: Mapping[str, Any],
        *,
        timezone: str = "UTC",
    ) -> str:
        name = f"{language}/{kind}.txt.j2"
        zone = ZoneInfo(timezone)

        def day(value: datetime) -> str:
            """'Monday 2 November' / 'lundi 2 novembre', in the client's time zone."""
            return format_date(
                value.astimezone(zone).date(), _DAY_FORMAT[language], locale=language
            )

        try:
            template = self.env.get_template(name)
        except TemplateNotFound:
            raise TemplateProblem(
                f"There is no template {name}.",
                f"Add templates/{name} (or the same path in your [templates] dir).",
            ) from None
        try:
            text = template.render({**context, "day": day})
        except TemplateError as exc:
            raise TemplateProblem(f"The template {name} could not be filled in: {exc}.") from exc
        return _tidy(text)


def _tidy(text: str) -> str:
    """At most one blank line in a row, no trailing spaces, one final newline."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"
