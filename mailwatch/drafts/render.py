"""Draft bodies from Jinja2 templates: templates/<language>/<kind>.txt.j2.

A template only ever produces the body text. Subject, recipients and threading
headers are computed in code from the conversation, never from a template.
A user template folder (config [templates] dir) overrides any built-in file.

Besides its context, every template can call these helpers, all in the client's
language (and time zone, for moments):

- `day(d)`: weekday, day and month: "Monday 2 November", "lundi 1er décembre".
- `date(d)`: day, month and year: "2 November 2026", "1er décembre 2026".
- `days(dates, prefix="")`: several days as one phrase: "le lundi 2 novembre, le
  lundi 9 novembre et le lundi 16 novembre" (with prefix "le ").
- `money(amount, currency)`: "€1,200.00", "1 200,00 €" (amount: Decimal, float or str).
- `percent(p)`: p in percent (15 for 15 %): "15%", "15 %".
- `count(n, one, other)`: "1 day", "3 days"; French uses the singular for 0 and 1.
- `listing(items)`: "Instagram and Facebook", "Instagram et Facebook".
- `quote(text, end=False)`: someone's words in quotation marks, on one line: "…" /
  « … »; with end=True a quoted sentence gets a full stop if it has no end mark.
- `full_sentence(text)`: a capital first letter and a full stop at the end.

A context entry of the same name wins over a helper (then calling it fails, loudly).

`d` may be a date, an aware datetime (shown in the client's time zone), a naive
datetime (taken as already local) or an ISO-8601 string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date as Date
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal
from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.sandbox import SandboxedEnvironment

from mailwatch.errors import MailwatchError
from mailwatch.resources import resource_path

BUILTIN_TEMPLATES = resource_path("templates")  # in the wheel, or the source folder

NBSP = "\u00a0"  # French typography: before ; : ? ! and inside « »

# Optional context entries a template may read: a rule that does not know them yet
# (or an older draft re-rendered) still renders, with the plain wording.
OPTIONAL_CONTEXT: dict[str, Any] = {
    "formality": "vous",
    "ask_sentence": None,
    "ask_what": None,
    "asked_by": None,
}


class TemplateProblem(MailwatchError):
    """A template is missing or broken. `file` and `line` say where, when known (the
    file may be a partial the template includes, e.g. your own _greeting.txt.j2)."""

    def __init__(
        self, message: str, hint: str = "", file: str = "", line: int = 0, detail: str = ""
    ) -> None:
        super().__init__(message, hint)
        self.file = file
        self.line = line
        self.detail = detail or message  # what went wrong, without which draft


class Renderer:
    def __init__(self, user_dir: Path | None = None, builtin_dir: Path = BUILTIN_TEMPLATES) -> None:
        loaders = [FileSystemLoader(str(builtin_dir))]
        if user_dir is not None:
            loaders.insert(0, FileSystemLoader(str(user_dir)))
        self.user_dir = user_dir
        self.builtin_dir = builtin_dir
        # Sandboxed: a template file is data, it must not reach into Python.
        self.env = SandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,  # a misspelt variable is an error, not a blank
            autoescape=False,  # plain-text mail
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def template_path(self, language: str, kind: str) -> Path:
        """The file that renders this kind: the user's copy if there is one."""
        name = f"{language}/{kind}.txt.j2"
        if self.user_dir is not None and (self.user_dir / name).is_file():
            return self.user_dir / name
        return self.builtin_dir / name

    def render(
        self,
        language: str,
        kind: str,
        context: Mapping[str, Any],
        *,
        timezone: str = "UTC",
    ) -> str:
        name = f"{language}/{kind}.txt.j2"
        try:
            template = self.env.get_template(name)
        except TemplateNotFound as exc:
            missing = f" (it includes {exc.name}, which is missing)" if exc.name != name else ""
            raise TemplateProblem(
                f"There is no template {name}{missing}.",
                f"Add templates/{exc.name} (or the same path in your [templates] dir).",
            ) from None
        except TemplateError as exc:  # a syntax error in the file
            file, line = _where(exc)
            detail = f"{exc}{_at(file, line)}"
            raise TemplateProblem(
                f"The template {name} cannot be read: {detail}.", "", file, line, detail
            ) from exc
        helpers = Helpers(language, ZoneInfo(timezone))
        try:
            text = template.render({**OPTIONAL_CONTEXT, **helpers.functions(), **context})
        except Exception as exc:  # a user's template can fail in any way (1 + "a")
            file, line = _where(exc)
            why = _why(exc)
            detail = f"{why}{_at(file, line)}"
            raise TemplateProblem(
                f"The template {name} could not be filled in: {detail}.", "", file, line, detail
            ) from exc
        if language == "fr":
            text = french_spacing(text)
        return _tidy(text)


class Helpers:
    """The functions every template can call, bound to the client's language and zone."""

    def __init__(self, language: str, zone: ZoneInfo) -> None:
        self.language = language
        self.zone = zone
        self.french = language == "fr"

    def functions(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "date": self.date,
            "days": self.days,
            "money": self.money,
            "percent": self.percent,
            "count": self.count,
            "listing": self.listing,
            "quote": self.quote,
            "full_sentence": self.full_sentence,
        }

    def _local(self, value: Any) -> Date:
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else Date.fromisoformat(value)
        if isinstance(value, datetime):
            return (value.astimezone(self.zone) if value.tzinfo else value).date()
        if isinstance(value, Date):
            return value
        raise TypeError(f"expected a date, got {value!r}")

    def _day_month(self, d: Date) -> str:
        # Babel writes "1 décembre"; French typography wants "1er décembre".
        number = "1er" if self.french and d.day == 1 else str(d.day)
        return f"{number} {format_date(d, 'MMMM', locale=self.language)}"

    def day(self, value: Any) -> str:
        """'Monday 2 November' / 'lundi 1er décembre'."""
        d = self._local(value)
        return f"{format_date(d, 'EEEE', locale=self.language)} {self._day_month(d)}"

    def date(self, value: Any) -> str:
        """'2 November 2026' / '1er décembre 2026'."""
        d = self._local(value)
        return f"{self._day_month(d)} {d.year}"

    def days(self, values: Iterable[Any], prefix: str = "") -> str:
        return self.listing([prefix + self.day(v) for v in values])

    def money(self, amount: Any, currency: str) -> str:
        try:
            value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
        except InvalidOperation:
            raise ValueError(f"not an amount: {amount!r}") from None
        text = format_currency(value, currency, locale=self.language)
        # English puts a letter code right against the figure ("CHF1,200.00").
        return re.sub(r"^([A-Za-z]+)(\d)", rf"\1{NBSP}\2", text)

    def percent(self, value: Any) -> str:
        number = format_decimal(Decimal(str(value)), format="#,##0.##", locale=self.language)
        return f"{number}{NBSP}%" if self.french else f"{number}%"

    def count(self, n: int, one: str, other: str) -> str:
        singular = n in (0, 1) if self.french else n == 1
        return f"{n} {one if singular else other}"

    def listing(self, items: Iterable[Any]) -> str:
        items = [str(i) for i in items]
        # British English, like the dates: "a, b and c", no serial comma.
        locale = "en_GB" if self.language == "en" else self.language
        return format_list(items, locale=locale) if items else ""

    def quote(self, text: Any, end: bool = False) -> str:
        """With `end`, a sentence quoted whole, followed by more text: it starts with a
        capital and ends with its own punctuation."""
        words = " ".join(str(text).split()).strip("\"'«»“”‘’ ")
        if end and words:
            words = words[0].upper() + words[1:]
            if words[-1] not in ".!?…":
                words += "."
        if self.french:
            return f"«{NBSP}{french_spacing(words)}{NBSP}»"
        return f'"{words}"'

    def full_sentence(self, text: Any) -> str:
        words = " ".join(str(text).split())
        if not words:
            return ""
        words = words[0].upper() + words[1:]
        return words if words[-1] in ".!?…" else words + "."


# A space (or none) before ; : ? ! that ends a word, i.e. punctuation followed by a
# space or the end of the line: "http://", "10:00", "?id=3" and ":)" are left alone.
_BEFORE_PUNCT = re.compile(r"(?<=[^\s;:?!])[ \t]*([;:?!]+)(?=[ \t]|$)", re.MULTILINE)
_OPEN_QUOTE = re.compile(r"«[ \t\u00a0\u202f]*")
_CLOSE_QUOTE = re.compile(r"[ \t\u00a0\u202f]*»")


def french_spacing(text: str) -> str:
    """Non-breaking spaces where French typography wants them, also in text that came
    from a person (the client's sentence, payment details, a user template)."""
    text = _BEFORE_PUNCT.sub(NBSP + r"\1", text)
    text = _OPEN_QUOTE.sub("«" + NBSP, text)
    return _CLOSE_QUOTE.sub(NBSP + "»", text)


def _where(exc: BaseException) -> tuple[str, int]:
    """The template file and line an error comes from: Jinja puts template frames in
    the traceback, the innermost one is where it went wrong."""
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return exc.filename, exc.lineno
    found = ("", 0)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _why(exc: Exception) -> str:
    if isinstance(exc, UndefinedError):
        name = re.fullmatch(r"'(\w+)' is undefined", str(exc))
        if name:  # the usual mistake: a misspelt or unknown variable
            return f"there is no variable '{name.group(1)}' in this draft (a typo?)"
        return str(exc)
    return str(exc) if isinstance(exc, TemplateError) else f"{type(exc).__name__}: {exc}"


def _at(file: str, line: int) -> str:
    return f" ({Path(file).name}, line {line})" if file and line else ""


def _tidy(text: str) -> str:
    """At most one blank line in a row, no double or trailing spaces, one final newline."""
    lines = [re.sub(r"(?<=\S) {2,}", " ", line).rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"
