"""Stored message records: lean metadata and a short text, never whole bodies."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mailwatch.imap.base import FetchedMessage
from mailwatch.parse import ParsedHeaders, asks_something, extract_text, snippet, strip_quotes


def message_key(folder: str, uidvalidity: int, uid: int) -> str:
    return f"{folder}/{uidvalidity}/{uid}"


def join_id(message_id: str | None, from_addr: str | None, date: datetime, subject: str) -> str:
    """Message-ID when there is one; else a fingerprint stable across re-fetches."""
    if message_id:
        return message_id
    digest = hashlib.sha1(f"{from_addr}|{date.isoformat()}|{subject}".encode()).hexdigest()
    return f"fp:{digest[:20]}"


def build_record(
    folder: str, uidvalidity: int, fetched: FetchedMessage, parsed: ParsedHeaders
) -> dict[str, Any] | None:
    """The record for one message, or None when it has no usable date at all."""
    date = parsed.date or fetched.internaldate
    if date is None:
        return None
    return {
        "key": message_key(folder, uidvalidity, fetched.uid),
        "folder": folder,
        "uidvalidity": uidvalidity,
        "uid": fetched.uid,
        "jid": join_id(parsed.message_id, parsed.from_addr, date, parsed.subject),
        "mid": parsed.message_id,
        "aliases": list(parsed.alias_ids),
        "irt": parsed.in_reply_to,
        "refs": list(parsed.references),
        "subject": parsed.subject,
        "from": parsed.from_addr,
        "from_name": parsed.from_name,
        "to": list(parsed.to_addrs),
        "cc": list(parsed.cc_addrs),
        "date": date.isoformat(),
        "nc": parsed.not_contact,
        "size": fetched.size,
        "gm": fetched.gm_msgid,
        "defects": list(parsed.defects)[:5],
        "asks": None,
        "snippet": "",
    }


def add_text(
    record: dict[str, Any],
    parsed: ParsedHeaders,
    body: bytes,
    limit: int,
    extra_phrases: Sequence[str],
) -> None:
    text = extract_text(parsed, body, truncated=len(body) >= limit)
    own = strip_quotes(text)
    record["asks"] = asks_something(own, extra_phrases)
    record["snippet"] = snippet(own)
