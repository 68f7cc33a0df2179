"""The digest email's subject, plain-text part and HTML part, from a DigestView.

Layout lives in templates/digest/ (Jinja2): digest.txt.j2 (autoescape off) and
digest.html.j2 (autoescape on). This module prepares every value first: dates in the
owner's time zone, client text flattened to one line and defused, mailto hrefs.

Client text is hostile. In HTML it is escaped (autoescape), so `<img onerror=...>` or
`</style>` is shown, not run. In the text part, nothing a client wrote may pass for a
command or a "Code:" line: draft bodies get a "| " margin, single-line values that would
read as a command are put in quotes, and a last pass over the finished text defuses any
line that still would (see `_defuse`). The digest itself never contains a ready-made
command line: the mailto buttons carry their command only inside the href.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from mailwatch import PROJECT_ROOT
from mailwatch.digest.commands import looks_like_command
from mailwatch.digest.links import mailto
from mailwatch.digest.view import ATTENTION_KINDS, DigestView, DraftBlock

__all__ = ["TEMPLATE_DIR", "digest_subject", "render_html", "render_text"]

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "digest"

_LOCALE = "en"
# Control characters (and the NUL the code-line sentinel uses) never reach the output.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_CODE_LINE = re.compile(r"^\W*code\W*:", re.IGNORECASE)
_SENTINEL = "\x00code-line\x00"
_MARGIN = "  | "
_NAME_WIDTH = 22


# ------------------------------------------------------------------------ subject


def digest_subject(view: DigestView) -> str:
    """e.g. "mailwatch: 3 drafts to approve, 2 things need you (Mon 30 Nov)"."""
    day = _fmt(view.generated_at, view.timezone, "EEE d MMM")
    if view.all_quiet:
        return f"mailwatch: all quiet ({day})"
    parts = []
    if view.drafts:
        count = len(view.drafts)
        parts.append(f"{count} draft{'s' if count != 1 else ''} to approve")
    if view.attention:
        count = len(view.attention)
        parts.append(f"{count} thing{'s need' if count != 1 else ' needs'} you")
    return f"mailwatch: {', '.join(parts)} ({day})"


# ------------------------------------------------------------------------ parts


def render_text(view: DigestView) -> str:
    """The plain-text part: reads well in any client, at any width."""
    context = _context(view)
    text = _env(autoescape=False).get_template("digest.txt.j2").render(context)
    text = _defuse(_tidy(text))
    for draft in context["drafts"]:
        text = text.replace(draft["sentinel"], "Code: " + draft["code"], 1)
    return text


def render_html(view: DigestView) -> str:
    """The HTML part: one column, inline CSS only, no external resource, no script."""
    return _env(autoescape=True).get_template("digest.html.j2").render(_context(view))


@cache
def _env(*, autoescape: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# ------------------------------------------------------------------------ values


@dataclass(frozen=True)
class _Dates:
    zone: str
    now: datetime

    def when(self, value: datetime | None) -> str:
        """'Thu 26 Nov, 14:10' (with the year when it is not this year's)."""
        if value is None:
            return "—"
        pattern = "EEE d MMM, HH:mm" if self._this_year(value) else "EEE d MMM y, HH:mm"
        return _fmt(value, self.zone, pattern)

    def day(self, value: datetime | None) -> str:
        """'26 Nov' (or '26 Nov 2024'): short enough for a table column on a phone."""
        if value is None:
            return "—"
        return _fmt(value, self.zone, "d MMM" if self._this_year(value) else "d MMM y")

    def age(self, value: datetime) -> str:
        """'3 days', '5 hours': how long ago, from the digest's time."""
        delta = self.now - value
        if delta < timedelta(minutes=1):
            return "just now"
        return format_timedelta(delta, locale=_LOCALE, threshold=2)

    def _this_year(self, value: datetime) -> bool:
        zone = ZoneInfo(self.zone)
        return value.astimezone(zone).year == self.now.astimezone(zone).year


def _fmt(value: datetime, zone: str, pattern: str) -> str:
    return format_datetime(value, pattern, tzinfo=ZoneInfo(zone), locale=_LOCALE)


def _oneline(value: str | None) -> str:
    """Client text for one line: no control characters, no line breaks."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def _inert(value: str) -> str:
    """A value that may start a line, put in quotes if it would read as a command or a
    "Code:" line (a client called "Edit Studio" is shown as “Edit Studio”)."""
    if looks_like_command(value) or _CODE_LINE.match(value):
        return f"“{value}”"
    return value


def _body_lines(body: str) -> list[str]:
    text = _CONTROL.sub("", body.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    "))
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def _context(view: DigestView) -> dict[str, Any]:
    dates = _Dates(view.timezone, view.generated_at)
    owner_email = _oneline(view.owner_email)
    drafts = [
        _draft(draft, index, len(view.drafts), dates, owner_email)
        for index, draft in enumerate(view.drafts, start=1)
    ]
    return {
        "owner_name": _oneline(view.owner_name),
        "owner_email": owner_email,
        "generated": dates.when(view.generated_at),
        "timezone": view.timezone,
        "subject": digest_subject(view),
        "all_quiet": view.all_quiet,
        "summary": _summary(view),
        "attention": [
            {
                "label": _inert(_label(item.kind)),
                "tone": _TONES.get(item.kind, "info"),
                "client": _inert(_oneline(item.client_name)),
                "text": _inert(_oneline(item.text)),
                "evidence": _oneline(item.evidence),
                "since": dates.when(item.since) if item.since else "",
                "age": dates.age(item.since) if item.since else "",
            }
            for item in view.attention  # in the order given: most urgent first
        ],
        "drafts": drafts,
        "statuses": [
            {
                "client": _inert(_oneline(status.client_name)),
                "client_short": _column(_oneline(status.client_name), _NAME_WIDTH),
                "from_them": dates.day(status.last_from_them),
                "from_you": dates.day(status.last_from_you),
                "waiting": _inert(_oneline(status.waiting)),
                "on_you": _oneline(status.waiting).casefold().startswith(("you", "vous")),
            }
            for status in view.statuses
        ],
        "name_width": _NAME_WIDTH,
    }


# The colour of a "Needs you" item's margin: what is urgent stands out.
_TONES = {
    "owner_overdue": "urgent",
    "abusive_mail": "urgent",
    "send_failed": "urgent",
    "draft_failed": "urgent",
    "rule_failed": "urgent",
    "service": "urgent",
    "invoice_not_sent": "warn",
    "probable_payment": "warn",
    "payment_claimed": "warn",
    "report_due": "warn",
}


def _draft(
    draft: DraftBlock, index: int, total: int, dates: _Dates, owner_email: str
) -> dict[str, Any]:
    client = _oneline(draft.client_name)
    kind = _oneline(draft.kind_label)
    about = f"{client}, {kind}"
    approve = mailto(
        owner_email,
        f"approve {draft.code}",
        f"Send this email as it is: mailwatch will approve the draft for {about}, "
        "and confirm by email.",
    )
    reject = mailto(
        owner_email,
        f"reject {draft.code}",
        f"Send this email as it is: mailwatch will reject the draft for {about}, "
        "and confirm by email. A reason can follow the code in the subject.",
    )
    return {
        "index": index,
        "total": total,
        "code": draft.code,
        "sentinel": f"{_SENTINEL}{index}\x00",  # becomes "Code: ..." after _defuse
        "client": _inert(client),
        "kind": _inert(kind),
        "why": _oneline(draft.why),
        "answers": dates.when(draft.answers_date) if draft.answers_date else "",
        "to": ", ".join(_oneline(address) for address in draft.to),
        "subject": _oneline(draft.subject),
        "goes_out": _oneline(draft.goes_out),
        "body_lines": _body_lines(draft.body),
        "body_html": _body_html(_body_lines(draft.body)),
        "needs_edit": draft.needs_edit,
        "approve_href": None if draft.needs_edit else approve,
        "reject_href": reject,
    }


def _body_html(lines: list[str]) -> Markup:
    """Draft text for HTML: escaped, one <br> per line break, indentation kept with
    no-break spaces (Outlook ignores white-space:pre-wrap)."""
    out = []
    for line in lines:
        bare = line.lstrip(" ")
        out.append(Markup("&nbsp;" * (len(line) - len(bare))) + escape(bare))
    return Markup("<br>\n").join(out)


def _summary(view: DigestView) -> str:
    if view.all_quiet:
        return (
            "All quiet: nothing needs you and no draft is waiting. mailwatch keeps "
            "watching, and writes again as soon as something does."
        )
    parts = []
    if view.attention:
        count = len(view.attention)
        parts.append(f"{count} thing{'s need' if count != 1 else ' needs'} you")
    if view.drafts:
        count = len(view.drafts)
        parts.append(f"{count} draft{'s wait' if count != 1 else ' waits'} for your approval")
    return " and ".join(parts).capitalize() + "."


def _label(kind: str) -> str:
    return ATTENTION_KINDS.get(kind) or _oneline(kind.replace("_", " ")).capitalize()


def _shorten(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1].rstrip() + "…"


def _column(value: str, width: int) -> str:
    """A value for a text-table column: defused, and no wider than `width`."""
    quoted = _inert(value) != value
    return _inert(_shorten(value, width - 2 if quoted else width))


# ------------------------------------------------------------------------ text safety


def _tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, one final newline."""
    out: list[str] = []
    for raw in text.split("\n"):
        line = raw if raw == "-- " else raw.rstrip()  # keep the signature delimiter
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def _defuse(text: str) -> str:
    """The last guard: any line that would read as a command or a "Code:" line gets the
    draft margin in front. Only the sentinel lines become real "Code:" lines, after."""
    return "\n".join(_defused(text.split("\n")))


def _defused(lines: Iterable[str]) -> Iterable[str]:
    for line in lines:
        if line.startswith(_SENTINEL):
            yield line
        elif looks_like_command(line) or _CODE_LINE.match(line) or _SENTINEL[0] in line:
            yield _MARGIN + line.replace(_SENTINEL[0], "")
        else:
            yield line
