"""The parse stage on real-world mail (shared/mail-corpus, beside the project).

Each .eml is reduced to what the IMAP adapter fetches: `BODY[HEADER.FIELDS (...)]`
(emulated by select_header_fields) and the first TEXT_PREFIX_BYTES of `BODY[TEXT]`. Every
message must either parse or raise ParseError with a reason: never anything else.

Run with `-s` or look at test_corpus_summary's output for the counts.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailwatch.parse import (
    HEADER_FIELDS,
    TEXT_PREFIX_BYTES,
    ParsedHeaders,
    ParseError,
    asks_something,
    extract_text,
    parse_headers,
    select_header_fields,
    snippet,
    split_message,
    strip_quotes,
)

CORPUS = (Path(__file__).parents[2] / ".." / "shared" / "mail-corpus" / "imap_tools").resolve()
MESSAGES = sorted(CORPUS.rglob("*.eml")) if CORPUS.is_dir() else []
ABSENT = f"the shared mail corpus is not at {CORPUS} (it lives beside the project, not in it)"


def _ids(paths: list[Path]) -> list[object]:
    if not paths:
        return [pytest.param(None, marks=pytest.mark.skip(reason=ABSENT))]
    return [pytest.param(p, id=p.relative_to(CORPUS).as_posix()) for p in paths]


def fetch(path: Path) -> tuple[bytes, bytes, bool]:
    """(header fields block, body prefix, truncated) as the IMAP adapter would get them."""
    header, body = split_message(path.read_bytes())
    prefix = body[:TEXT_PREFIX_BYTES]
    return select_header_fields(header, HEADER_FIELDS), prefix, len(body) > TEXT_PREFIX_BYTES


def run(path: Path) -> tuple[ParsedHeaders | None, str | None, str]:
    """(headers or None, ParseError reason or None, own text)."""
    fields, prefix, truncated = fetch(path)
    try:
        headers = parse_headers(fields)
    except ParseError as exc:
        return None, exc.reason, ""
    text = extract_text(headers, prefix, truncated=truncated)
    own = strip_quotes(text)
    asks_something(own)
    snippet(own)
    return headers, None, own


@pytest.mark.parametrize("path", _ids(MESSAGES))
def test_every_message_parses_or_gives_a_reason(path: Path) -> None:
    headers, reason, own = run(path)
    if headers is None:
        assert reason, "ParseError without a reason"
    else:
        assert isinstance(own, str)
        assert headers.date is None or headers.date.tzinfo is not None


KNOWN = {
    "rfc2822/example01.eml": ("jdoe@machine.example", "Saying Hello", (1997, 11, 21, 15, 55, 6)),
    "rfc2822/example06.eml": ("mary@example.net", "Re: Saying Hello", (1997, 11, 21, 16, 1, 10)),
    "plain_emails/basic_email.eml": ("test@lindsaar.net", "Testing 123", (2008, 11, 22, 4, 4, 59)),
    "double_fields.eml": ("kaukinvk@yandex.ru", "double_fields", (2019, 5, 1, 12, 20, 0)),
    "error_emails/header_fields_with_empty_values.eml": (
        "jorn@prikkprikkprikk.no",
        "Testmail",
        (2009, 10, 30, 19, 7, 42),
    ),
    "multi_charset/japanese_iso_2022.eml": ("raasdnil@gmail.com", "まみむめも", None),
    "plain_emails/raw_email_with_partially_quoted_subject.eml": (
        "jamis@37signals.com",
        'Re: Test: "漢字" mid "漢字" tail',
        (2005, 5, 2, 22, 7, 5),
    ),
    "rfc6532/utf8_headers.eml": ("jdöe@mächine.example", "Säying Hello", None),
    "plain_emails/raw_email_with_bad_date.eml": ("subventive@vodtravel.com", None, None),
    "plain_emails/raw_email_bad_time.eml": ("yusuf75thu@auracom.net", None, None),  # year 3609
}


@pytest.mark.parametrize("rel", sorted(KNOWN))
def test_known_good_subset(rel: str) -> None:
    if not MESSAGES:
        pytest.skip(ABSENT)
    from_addr, subject, date = KNOWN[rel]
    headers, reason, _ = run(CORPUS / rel)
    assert headers is not None, reason
    assert headers.from_addr == from_addr
    if subject is not None:
        assert headers.subject == subject
    assert headers.date == (datetime(*date, tzinfo=UTC) if date else None)


@pytest.mark.parametrize(
    ("rel", "start"),
    [
        ("mime_emails/raw_email_with_nested_attachment.eml", "Here is a test of an attachment"),
        ("attachment_emails/attachment_pdf.eml", "Just attaching another PDF"),
        ("multi_charset/ks_c_5601-1987.eml", "스티해"),
        ("multi_charset/japanese_iso_2022.eml", "すみません"),
        ("plain_emails/raw_email.eml", "대부분의"),
        ("mime_emails/raw_email2.eml", "We should not include these files"),
    ],
)
def test_known_text(rel: str, start: str) -> None:
    if not MESSAGES:
        pytest.skip(ABSENT)
    headers, reason, own = run(CORPUS / rel)
    assert headers is not None, reason
    assert own.startswith(start)


def test_bounces_in_the_corpus_are_not_contact() -> None:
    reports = [p for p in MESSAGES if p.parent.name == "multipart_report_emails"]
    if not reports:
        pytest.skip(ABSENT)
    for path in reports:
        headers, reason, _ = run(path)
        assert headers is not None, reason
        assert headers.not_contact == "bounce", path.name


def test_corpus_summary(capsys: pytest.CaptureFixture[str]) -> None:
    if not MESSAGES:
        pytest.skip(ABSENT)
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    defects: Counter[str] = Counter()
    for path in MESSAGES:
        headers, reason, own = run(path)
        if headers is None:
            outcomes["ParseError"] += 1
            reasons[str(reason)] += 1
            continue
        outcomes["parsed"] += 1
        outcomes[f"not_contact={headers.not_contact}"] += 1
        outcomes["with defects"] += bool(headers.defects)
        outcomes["date from header"] += headers.date is not None
        outcomes["non-empty own text"] += bool(own)
        for defect in headers.defects:
            defects[defect.split(":")[0].split("'")[0][:40]] += 1
    with capsys.disabled():
        print(f"\ncorpus: {len(MESSAGES)} messages under {CORPUS}")
        for key, count in sorted(outcomes.items()):
            print(f"  {key}: {count}")
        for text, count in reasons.most_common():
            print(f"  ParseError x{count}: {text}")
        for text, count in defects.most_common(8):
            print(f"  defect x{count}: {text}")
    assert outcomes["parsed"] + outcomes["ParseError"] == len(MESSAGES)
