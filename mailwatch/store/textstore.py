"""The text store: the first bytes of text of kept messages, one JSON line each.

`text/YYYY-MM.jsonl` holds `{"key": ..., "text": ...}` lines, appended when a sync
commits. Not TinyDB, on purpose: TinyDB rewrites its whole file on every write, and
texts are the largest thing mailwatch keeps (up to 8 KB a message, ten times a
record); appending makes the bytes written follow the change, not the month's size.
Read on demand only (reindex, timelines, detectors), never held in memory.

A crash mid-append leaves at most a torn last line: readers skip lines that do not
parse. A message fetched again after a crash appends its line again: readers keep
the last line of each key.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import orjson

from mailwatch.store.atomic import access, atomic_write_bytes

TEXT_LIMIT = 8192  # characters of text kept per message


def encode(items: Iterable[tuple[str, str]]) -> list[bytes]:
    return [orjson.dumps({"key": key, "text": text[:TEXT_LIMIT]}) + b"\n" for key, text in items]


def read_texts(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        with access(path, "read"):
            raw = path.read_bytes()
    except FileNotFoundError:
        return found
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
            found[item["key"]] = item["text"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            continue  # a torn line after a crash
    return found


def rewrite_keys(path: Path, renamed: Mapping[str, str]) -> None:
    """Give texts the new keys of their messages (after a UIDVALIDITY change)."""
    texts = read_texts(path)
    if not any(key in renamed for key in texts):
        return
    lines = encode((renamed.get(key, key), text) for key, text in texts.items())
    atomic_write_bytes(path, b"".join(lines))


def remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
