"""Write a timeline as Markdown, CSV, JSON or HTML, streaming entry by entry.

Every time is written in the owner's time zone, with the zone named in the header:
a document for a dispute must say what its times mean. Client text is data: it is
escaped for each format (Markdown table pipes, HTML), never interpreted.
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

FORMATS = ("md", "csv", "json", "html")


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    kind: str  # "message", "draft", "approval", "sent", "withdrawn", "threshold", ...
    direction: str  # "in", "out" or "" (a decision, a note)
    title: str  # one line: a subject, "Follow-up 2 drafted", "Invoice INV-7 paid"
    detail: str = ""  # a few lines: the first lines of a message, a reason
    ref: str = ""  # a Message-ID, a draft id, an invoice number


@dataclass(frozen=True)
class Header:
    client: str
    client_id: str
    owner: str
    timezone: str
    generated_at: datetime
    period: str  # "all mail on record" or "1 Nov 2026 to 30 Nov 2026"
    contract: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (label, value)
    notes: Sequence[str] = field(default_factory=tuple)


_DIRECTION = {"in": "from client", "out": "to client", "": ""}


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def write(fmt: str, header: Header, entries: Iterable[Entry], out: TextIO) -> int:
    """Write the document; returns how many entries it holds."""
    zone = ZoneInfo(header.timezone)
    writer = {"md": _markdown, "csv": _csv, "json": _json, "html": _html}[fmt]
    return writer(header, entries, out, zone)


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\|<>[]`*_"})


def _md_cell(text: str) -> str:
    """One table cell: on one line, and inert (no HTML, links or emphasis from mail)."""
    return " ".join(text.split()).translate(_MD_SPECIAL)


def _markdown(header: Header, entries: Iterable[Entry], out: TextIO, zone: ZoneInfo) -> int:
    out.write(f"# Timeline: {_md_cell(header.client)}\n\n")
    out.write(f"- Client id: {_md_cell(header.client_id)}\n")
    out.write(f"- Kept by: {header.owner}, with mailwatch\n")
    out.write(f"- Period: {header.period}\n")
    out.write(f"- Times: {header.timezone}\n")
    out.write(f"- Written: {_local(header.generated_at, zone)}\n\n")
    if header.contract:
        out.write("## Contract\n\n")
        for label, value in header.contract:
            out.write(f"- {_md_cell(label)}: {_md_cell(value)}\n")
        out.write("\n")
    for note in header.notes:
        out.write(f"> {_md_cell(note)}\n\n")
    out.write("## Events\n\n| When | What | Direction | Details |\n|---|---|---|---|\n")
    count = 0
    for entry in entries:
        detail = _md_cell(entry.detail)
        ref = f" ({_md_cell(entry.ref)})" if entry.ref else ""
        out.write(
            f"| {_local(entry.at, zone)} | {_md_cell(entry.title)}{ref} | "
            f"{_DIRECTION.get(entry.direction, entry.direction)} | {detail} |\n"
        )
        count += 1
    out.write(f"\n{count} entries.\n")
    return count


def _csv(header: Header, entries: Iterable[Entry], out: TextIO, zone: ZoneInfo) -> int:
    writer = csv.writer(out)
    writer.writerow(["when", "timezone", "kind", "direction", "title", "detail", "ref"])
    count = 0
    for entry in entries:
        writer.writerow(
            [
                _local(entry.at, zone),
                header.timezone,
                entry.kind,
                entry.direction,
                entry.title,
                entry.detail,
                entry.ref,
            ]
        )
        count += 1
    return count


def _json(header: Header, entries: Iterable[Entry], out: TextIO, zone: ZoneInfo) -> int:
    head = {
        "client": header.client,
        "client_id": header.client_id,
        "owner": header.owner,
        "timezone": header.timezone,
        "generated_at": header.generated_at.isoformat(),
        "period": header.period,
        "contract": dict(header.contract),
    }
    text = json.dumps(head, ensure_ascii=False)
    out.write(text[:-1] + ', "entries": [\n')
    count = 0
    for entry in entries:
        item = {
            "at": entry.at.astimezone(zone).isoformat(),
            "kind": entry.kind,
            "direction": entry.direction,
            "title": entry.title,
            "detail": entry.detail,
            "ref": entry.ref,
        }
        out.write(("" if count == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


_CSS = (
    "body{font:15px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1b1b1b;"
    "max-width:60rem;margin:2rem auto;padding:0 1rem}h1{font-size:1.5rem}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;"
    "padding:.4rem .5rem;vertical-align:top;text-align:left;overflow-wrap:anywhere}"
    "th{background:#f4f4f4}.in{color:#0b5394}.out{color:#38761d}"
    "td.when{white-space:nowrap}.detail{color:#444;white-space:pre-wrap}"
    "@media print{body{margin:0}}"
)


def _html(header: Header, entries: Iterable[Entry], out: TextIO, zone: ZoneInfo) -> int:
    e = html.escape
    out.write(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Timeline: {e(header.client)}</title><style>{_CSS}</style></head><body>"
    )
    out.write(f"<h1>Timeline: {e(header.client)}</h1><ul>")
    for label, value in (
        ("Client id", header.client_id),
        ("Kept by", f"{header.owner}, with mailwatch"),
        ("Period", header.period),
        ("Times", header.timezone),
        ("Written", _local(header.generated_at, zone)),
    ):
        out.write(f"<li>{e(label)}: {e(value)}</li>")
    out.write("</ul>")
    if header.contract:
        out.write("<h2>Contract</h2><ul>")
        for label, value in header.contract:
            out.write(f"<li>{e(label)}: {e(value)}</li>")
        out.write("</ul>")
    for note in header.notes:
        out.write(f"<p><em>{e(note)}</em></p>")
    out.write(
        "<h2>Events</h2><table><thead><tr><th>When</th><th>What</th><th>Direction</th>"
        "<th>Details</th></tr></thead><tbody>"
    )
    count = 0
    for entry in entries:
        ref = f" <small>({e(entry.ref)})</small>" if entry.ref else ""
        out.write(
            f'<tr><td class="when">{e(_local(entry.at, zone))}</td>'
            f"<td>{e(entry.title)}{ref}</td>"
            f'<td class="{e(entry.direction)}">{e(_DIRECTION.get(entry.direction, ""))}</td>'
            f'<td class="detail">{e(entry.detail)}</td></tr>'
        )
        count += 1
    out.write(f"</tbody></table><p>{count} entries.</p></body></html>\n")
    return count
