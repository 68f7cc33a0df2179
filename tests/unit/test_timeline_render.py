"""The timeline document in each format: complete, dated in the owner's zone, client text
kept as data."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from mailwatch.timeline.render import FORMATS, Entry, Header, write

HEADER = Header(
    client="Acme <Bakery> | Co",
    client_id="acme",
    owner="Sam Rivera",
    timezone="Europe/Paris",
    generated_at=datetime(2026, 11, 29, 10, tzinfo=UTC),
    period="all mail on record",
    contract=(("Monthly fee", "€900.00, due on the 1st"), ("Notice period", "30 days")),
)
ENTRIES = [
    Entry(
        datetime(2026, 11, 2, 9, tzinfo=UTC),
        "message",
        "out",
        "Logo for the posts",
        "Could you send the logo?",
        "<ask1@studio.test>",
    ),
    Entry(
        datetime(2026, 11, 5, 15, tzinfo=UTC),
        "draft",
        "",
        "Follow-up 1 drafted",
        "3 business days without an answer",
        "k7m2qx",
    ),
    Entry(
        datetime(2026, 11, 6, 8, tzinfo=UTC),
        "message",
        "in",
        "Re: Logo | <script>alert(1)</script>",
        "Here | it is\nJane",
        "<r1@acme.test>",
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_holds_every_entry_in_the_owners_zone(fmt):
    out = io.StringIO()
    assert write(fmt, HEADER, iter(ENTRIES), out) == 3
    text = out.getvalue()
    # 09:00 UTC is 10:00 in Paris.
    assert ("2026-11-02T10:00" if fmt == "json" else "2026-11-02 10:00") in text
    if fmt in ("md", "html"):
        assert "<script>" not in text


def test_markdown_escapes_table_pipes_and_names_the_contract():
    out = io.StringIO()
    write("md", HEADER, ENTRIES, out)
    text = out.getvalue()
    assert "- Monthly fee: €900.00, due on the 1st" in text
    assert "Here \\| it is Jane" in text
    assert "\\<script\\>" in text
    assert text.count("\n| 2026-") == 3


def test_csv_and_json_parse_back():
    out = io.StringIO()
    write("csv", HEADER, ENTRIES, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["direction"] for r in rows] == ["out", "", "in"]
    assert rows[2]["detail"] == "Here | it is\nJane"
    out = io.StringIO()
    write("json", HEADER, ENTRIES, out)
    doc = json.loads(out.getvalue())
    assert doc["client"] == HEADER.client and len(doc["entries"]) == 3
    assert doc["entries"][0]["at"].startswith("2026-11-02T10:00")


def test_html_is_inert_and_self_contained():
    out = io.StringIO()
    write("html", HEADER, ENTRIES, out)
    text = out.getvalue()
    assert "&lt;script&gt;" in text and "<script>" not in text
    assert "http://" not in text and "https://" not in text  # nothing to fetch


def test_an_empty_timeline_is_still_a_document():
    out = io.StringIO()
    assert write("md", HEADER, [], out) == 0
    assert "0 entries." in out.getvalue()
