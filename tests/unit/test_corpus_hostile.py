"""The parse stage and the sync on hostile mail made in tests/corpus/hostile.py.

tests/unit/test_corpus.py reads the shared real-world corpus when it sits beside the
project; this corpus is generated, so a fresh clone runs these too. Every message must
be read, or set aside (ParseError, quarantine) with a reason: never a crash, never a
hang, never a whole sync lost to one message.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from mailwatch.parse import (
    HEADER_FIELDS,
    TEXT_PREFIX_BYTES,
    ParseError,
    asks_something,
    extract_text,
    parse_headers,
    select_header_fields,
    snippet,
    split_message,
    strip_quotes,
)
from mailwatch.store import Store
from tests.corpus.hostile import HOSTILE
from tests.unit.cli_world import World, run_cli

NOW = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
# Generous for a shared 2-core machine; a quadratic parser takes minutes on these.
SECONDS_PER_MESSAGE = 10.0


def parse_stage(raw: bytes) -> tuple[object | None, str | None]:
    """(headers or None, the ParseError's reason or None), as sync would run it."""
    header, body = split_message(raw)
    fields = select_header_fields(header, HEADER_FIELDS)
    try:
        headers = parse_headers(fields)
    except ParseError as exc:
        return None, exc.reason
    prefix = body[:TEXT_PREFIX_BYTES]
    text = extract_text(headers, prefix, truncated=len(body) > TEXT_PREFIX_BYTES)
    own = strip_quotes(text)
    asks_something(own)
    snippet(own)
    assert isinstance(text, str) and isinstance(own, str)
    assert headers.date is None or headers.date.tzinfo is not None
    return headers, None


def test_the_corpus_is_not_empty() -> None:
    assert len(HOSTILE) >= 35


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_message_parses_or_gives_a_reason(name: str) -> None:
    raw = HOSTILE[name]()
    started = time.monotonic()
    headers, reason = parse_stage(raw)
    assert time.monotonic() - started < SECONDS_PER_MESSAGE
    assert headers is not None or reason, "ParseError without a reason"


def headers_of(name: str):  # type: ignore[no-untyped-def]
    headers, reason = parse_stage(HOSTILE[name]())
    assert headers is not None, reason
    return headers


def test_specific_outcomes() -> None:
    assert headers_of("date_in_year_9999").date is None  # not a crash: no date
    assert any("Date" in d for d in headers_of("date_past_year_9999").defects)
    assert headers_of("eight_bit_headers_latin1").subject == "Café crème brûlée"
    assert headers_of("unknown_charset_encoded_word").subject == "caféok"
    # Megabyte headers are cut, and say so.
    for name in ("megabyte_subject", "megabyte_unfolded_line", "encoded_word_bomb"):
        headers = headers_of(name)
        assert len(headers.subject) <= 65536 and headers.defects
    assert len(headers_of("encoded_word_that_decodes_to_encoded_words").from_addr or "") <= 65536


# Known weaknesses of the parse stage, found by this corpus (mailwatch/parse is not
# changed here). strict: once fixed, these fail, and the marker should go.
def test_a_nul_byte_never_stays_in_an_address() -> None:
    assert "\x00" not in (headers_of("nul_bytes").from_addr or "")


def test_an_unbalanced_from_is_not_an_address() -> None:
    assert headers_of("unbalanced_from").from_addr in (None, "jane@acme.test")


def test_escape_sequences_leave_no_debris_in_the_subject() -> None:
    assert "[31m" not in headers_of("control_characters_in_headers").subject


def test_sync_reads_or_sets_aside_every_hostile_message(tmp_path, monkeypatch, capsys) -> None:
    world = World(tmp_path / "mw")
    for build in HOSTILE.values():
        world.mailbox.deliver("INBOX", build(), NOW)
        world.mailbox.deliver("Sent", build(), NOW)
    total = 2 * len(HOSTILE)
    with Store(world.settings.store_path) as store:
        app = world.app(store, NOW)
        report = app.sync()
        # Kept (a client's), read and not kept (others'), or set aside: every one.
        read = sum(f.new + f.other for f in report.folders)
        assert read + report.quarantined == total
        quarantined = store.quarantined()
        assert len(quarantined) == report.quarantined
        assert all(entry["reason"].strip() for entry in quarantined)
        app.evaluate()
        assert len(app.statuses()) == 1
    # And the owner can look at all of it.
    config = ["--config", str(world.config), "--now", NOW.isoformat()]
    for command in (["status"], ["queue", "list", "--all"]):
        result = run_cli([*config, *command], monkeypatch, capsys)
        assert result.code == 0, result.err
