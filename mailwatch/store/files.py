"""One state file: read with its shape checked, a damaged copy set aside, its backup
used instead; then held in memory as a TinyDB database until the store commits.

What to do when a file is damaged or missing depends on the file (the ledger is
precious, the mail can be read again from the mailbox): `load_json` only reports
what it found, and the store decides.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.table import Table

from mailwatch.store.atomic import AtomicJSONStorage, access, backup_path, file_identity

# table -> keys every document of that table must have
Shape = Mapping[str, tuple[str, ...]]


class Damaged(Exception):
    """The file exists but is not what mailwatch wrote (torn, truncated, wrong shape)."""

    def __init__(self, path: Path, what: str) -> None:
        super().__init__(f"{path} {what}")
        self.path = path
        self.what = what


def _parse(path: Path) -> Any:
    with access(path, "read"):
        raw = path.read_bytes()
    try:
        return orjson.loads(raw or b"{}")
    except (orjson.JSONDecodeError, ValueError, UnicodeDecodeError) as exc:
        raise Damaged(path, f"is damaged (not readable JSON: {exc})") from None


def validate(path: Path, data: Any, shape: Shape | None) -> dict[str, Any]:
    """The data if it has the shape mailwatch writes; else Damaged saying what is wrong."""
    if not isinstance(data, dict):
        raise Damaged(path, f"should hold an object, not {type(data).__name__}")
    for table, required in (shape or {}).items():
        docs = data.get(table)
        if docs is None:
            continue
        if not isinstance(docs, dict):
            raise Damaged(
                path,
                f"has the wrong shape: {table!r} should be a table (an object of "
                f"documents), not {_clip(docs)}",
            )
        for doc_id, doc in docs.items():
            if not isinstance(doc, dict):
                raise Damaged(
                    path, f"has the wrong shape: {table} document {doc_id} is {_clip(doc)}"
                )
            missing = [key for key in required if key not in doc]
            if missing:
                raise Damaged(
                    path,
                    f"has the wrong shape: {table} document {doc_id} has no "
                    + ", ".join(repr(k) for k in missing),
                )
    return data


def _clip(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass
class Loaded:
    """What reading a file found. `data` is None when neither it nor its backup could
    be used; `problem` says what was wrong with the file itself (None: it was fine, or
    simply absent); `kept` is where a damaged file was set aside."""

    data: dict[str, Any] | None
    from_backup: bool = False
    problem: str | None = None
    kept: Path | None = None

    @property
    def absent(self) -> bool:
        return self.data is None and self.problem is None


def load_json(path: Path, shape: Shape | None = None, *, set_aside: bool = True) -> Loaded:
    """Read `path`, or its backup if it is missing or damaged. A damaged file is moved
    aside (`<name>.corrupt-<time>`) unless `set_aside` is false (a reader without the
    write lock must not move files: it then gets the backup's data only)."""
    try:
        return Loaded(validate(path, _parse(path), shape))
    except FileNotFoundError:
        problem = None
        kept = None
    except Damaged as exc:
        problem = exc.what
        kept = None
        if set_aside:
            kept = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            with access(path, "set aside"):
                os.replace(path, kept)
    backup = backup_path(path)
    try:
        data = validate(backup, _parse(backup), shape)
    except (FileNotFoundError, Damaged):
        return Loaded(None, problem=problem, kept=kept)
    return Loaded(data, from_backup=True, problem=problem or "is missing", kept=kept)


class StateFile:
    """A TinyDB database over one JSON file, held in memory, written on `flush`."""

    def __init__(self, path: Path, shape: Shape, data: dict[str, Any] | None = None) -> None:
        self.path = path
        self.shape = shape
        self._open(data or {})
        self.identity = file_identity(path)

    def _open(self, data: dict[str, Any]) -> None:
        self.db = TinyDB(self.path, data=data, storage=AtomicJSONStorage)
        self.storage: AtomicJSONStorage = self.db.storage  # type: ignore[assignment]

    def replace_data(self, data: dict[str, Any]) -> None:
        """New contents (reloaded from disk, or restored): a fresh TinyDB, whose tables
        do not carry cached ids from the old data."""
        writes, written = self.storage.writes, self.storage.bytes_written
        self._open(data)
        self.storage.writes, self.storage.bytes_written = writes, written

    def table(self, name: str) -> Table:
        return self.db.table(name)

    def docs(self, table: str) -> dict[str, dict[str, Any]]:
        """A table's stored documents by id, for reading only (no per-document copy,
        which `Table.all()` would make)."""
        return self.storage.read().get(table) or {}

    @property
    def dirty(self) -> bool:
        return self.storage.dirty

    def mark_dirty(self) -> None:
        self.storage.dirty = True

    def flush(self, *, keep_backup: bool = True) -> int:
        written = self.storage.flush(keep_backup=keep_backup)
        self.identity = file_identity(self.path)
        return written

    def changed_on_disk(self) -> bool:
        return file_identity(self.path) != self.identity

    def reload(self) -> Loaded:
        """Read the file again (another process changed it). The caller decides what a
        damaged or missing file means; the in-memory data is kept in that case."""
        loaded = load_json(self.path, self.shape)
        if loaded.data is not None and not loaded.from_backup:
            self.replace_data(loaded.data)
            self.identity = file_identity(self.path)
        return loaded


def read_plain(path: Path) -> Loaded:
    """A small plain-JSON file (meta.json, clients.json)."""
    return load_json(path, None)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
