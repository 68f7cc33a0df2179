"""The parse stage: fetched IMAP bytes in, clean typed facts out.

- `fields`: which header fields we fetch (`HEADER_FIELDS`), the body prefix size, and
  `select_header_fields` to emulate `BODY[HEADER.FIELDS (...)]` in fakes and tests.
- `headers`: `parse_headers(raw) -> ParsedHeaders`, raising only `ParseError`.
- `text`: `extract_text`, `strip_quotes`, `snippet` for the first bytes of a body.
- `asks`: `asks_something`, does our own message ask the client for something.
"""

from mailwatch.parse.asks import REQUEST_PHRASES_EN, REQUEST_PHRASES_FR, asks_something
from mailwatch.parse.fields import (
    HEADER_FIELDS,
    TEXT_PREFIX_BYTES,
    select_header_fields,
    split_message,
)
from mailwatch.parse.headers import NOT_CONTACT_REASONS, ParsedHeaders, ParseError, parse_headers
from mailwatch.parse.text import extract_text, snippet, strip_quotes

__all__ = [
    "HEADER_FIELDS",
    "NOT_CONTACT_REASONS",
    "REQUEST_PHRASES_EN",
    "REQUEST_PHRASES_FR",
    "TEXT_PREFIX_BYTES",
    "ParseError",
    "ParsedHeaders",
    "asks_something",
    "extract_text",
    "parse_headers",
    "select_header_fields",
    "snippet",
    "split_message",
    "strip_quotes",
]
