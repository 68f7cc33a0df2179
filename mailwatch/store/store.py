"""The repository every other part uses to read and change mailwatch's state.

Tables: meta (schema version, counters), folders (IMAP sync cursors), messages
(lean metadata, never whole bodies), quarantine (mail we could not process,
with the reason), drafts (with their full history), events (the timeline).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from mailwatch.errors import DraftNotFound, StoreCorrupt, UsageError
from mailwatch.store.atomic import AtomicJSONStorage, make_private_dir, make_private_file
from mailwatch.store.lock import ProcessLock

SCHEMA_VERSION = 1
# Draft ids: lower-case letters and digits, without i, l, o, u (read as 1, 1, 0, v).
ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


@dataclass(frozen=True, slots=True)
class FolderState:
    name: str
    uidvalidity: int
    last_uid: int
    uidnext: int | None = None
    highestmodseq: int | None = None


class Store:
    """Open the state file.

    By default the write lock is held from open to close (a CLI command). The
    daemon opens with `hold_lock=False` and takes the lock around each cycle
    with `writing()`, so that `mailwatch queue approve` can run in between;
    `writing()` first reloads the file if another process changed it.
    """

    def __init__(
        self, path: Path, *, readonly: bool = False, wait: float = 30.0, hold_lock: bool = True
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.wait = wait
        self._lock = ProcessLock(
            self.path.with_name(self.path.name + ".lock"), "changing this state"
        )
        if not readonly:
            make_private_dir(self.path.parent)
            self._lock.acquire(wait)
            for path in self.path.parent.glob(self.path.name + "*"):
                make_private_file(path)  # state, .bak, health, locks of older versions
        elif not self.path.exists():
            raise UsageError(
                f"No mailwatch state at {self.path} yet.",
                "Run `mailwatch sync` (or `mailwatch tick`) first.",
            )
        try:
            self._open()
        except BaseException:
            self._lock.release()
            raise
        if not hold_lock:
            self._lock.release()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the write lock for the block (a no-op if it is already held)."""
        if self._lock.held:
            yield
            return
        self._lock.acquire(self.wait)
        try:
            self.reload_if_changed()
            yield
        finally:
            self._lock.release()

    def _open(self) -> None:
        self.storage: AtomicJSONStorage
        self.db = TinyDB(self.path, storage=AtomicJSONStorage)
        self.storage = self.db.storage  # type: ignore[assignment]
        self._identity = self._file_identity()
        self.loads = getattr(self, "loads", 0) + 1  # bumps when the data came from disk again
        self._drafts_cache: list[dict[str, Any]] | None = None
        meta = self.db.table("meta").get(doc_id=1)
        if meta is None:
            if not self.readonly:
                self.db.table("meta").insert({"schema_version": SCHEMA_VERSION})
        elif meta.get("schema_version", 0) > SCHEMA_VERSION:
            raise StoreCorrupt(
                f"The state file {self.path} was written by a newer mailwatch "
                f"(schema {meta['schema_version']}, this one reads {SCHEMA_VERSION}).",
                "Upgrade mailwatch, or point [store] path at another file.",
            )
        self._index_keys()

    def _raw_docs(self, table: str) -> Iterable[dict[str, Any]]:
        """A table's stored documents as they are, for reading only: no per-document copy,
        which `Table.all()` makes (~40 ms for 20k messages, a fifth of opening the store)."""
        return ((self.storage.read() or {}).get(table) or {}).values()

    def _index_keys(self) -> None:
        """In-memory sets of the keys that writes must not repeat, so the checks cost
        O(1) instead of a scan of the table (the events table only grows)."""
        self._message_keys: set[str] = {doc["key"] for doc in self._raw_docs("messages")}
        self._event_keys: set[str] = {
            doc["key"] for doc in self._raw_docs("events") if doc.get("key")
        }

    def _file_identity(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def reload_if_changed(self) -> bool:
        """Another process wrote the file (e.g. `queue approve` while the daemon runs)."""
        if self._file_identity() == self._identity:
            return False
        self.db.close()
        self._open()
        return True

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if not self.readonly:
                self.db.close()
        self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Make every change in the block durable together, in one atomic write."""
        self._check_writable()
        try:
            with self.storage.batch():
                yield
        except BaseException:
            self.db.clear_cache()
            self._drafts_cache = None
            self._index_keys()
            raise
        self._identity = self._file_identity()

    def _check_writable(self) -> None:
        if self.readonly:
            raise UsageError("This command only reads the state; it cannot change it.")
        if not self._lock.held:
            # A write without the lock could overwrite another process's change.
            raise RuntimeError("store written without holding the write lock")

    def _written(self) -> None:
        self._identity = self._file_identity()

    # -- meta -------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        return dict(self.db.table("meta").get(doc_id=1) or {})

    def set_meta(self, **values: Any) -> None:
        self._check_writable()
        self.db.table("meta").update(values, doc_ids=[1])
        self._written()

    # -- folders ----------------------------------------------------------------------

    def folder_state(self, name: str) -> FolderState | None:
        doc = self.db.table("folders").get(Query().name == name)
        return FolderState(**doc) if doc else None

    def set_folder_state(self, state: FolderState) -> None:
        self._check_writable()
        self.db.table("folders").upsert(asdict(state), Query().name == state.name)
        self._written()

    # -- messages ---------------------------------------------------------------------

    def has_message(self, key: str) -> bool:
        return key in self._message_keys

    def add_messages(self, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Store new message records (keyed by folder/uidvalidity/uid); returns the new ones."""
        self._check_writable()
        fresh = []
        for record in records:
            if record["key"] not in self._message_keys:
                self._message_keys.add(record["key"])
                fresh.append(record)
        if fresh:
            self.db.table("messages").insert_multiple(fresh)
            self._written()
        return fresh

    def messages(self) -> list[dict[str, Any]]:
        return self.db.table("messages").all()

    def message_count(self) -> int:
        return len(self._message_keys)

    def rekey_messages(self, changes: dict[str, dict[str, Any]]) -> None:
        """Give stored messages new identities (after a folder's UIDVALIDITY changed)."""
        self._check_writable()
        table = self.db.table("messages")
        for old_key, fields in changes.items():
            table.update(fields, Query().key == old_key)
            self._message_keys.discard(old_key)
            self._message_keys.add(fields["key"])
        self._written()

    # -- quarantine -------------------------------------------------------------------

    def quarantine(self, entry: dict[str, Any]) -> bool:
        self._check_writable()
        table = self.db.table("quarantine")
        if table.contains(Query().key == entry["key"]):
            return False
        table.insert(entry)
        self._written()
        return True

    def quarantined(self) -> list[dict[str, Any]]:
        return self.db.table("quarantine").all()

    # -- drafts -----------------------------------------------------------------------

    def next_draft_id(self) -> str:
        """A new draft id that no draft ever had, whatever happened to the state file.

        Not a counter: a counter restarts from an older value when the state is
        restored from its backup or recreated, and then "approve 3" approves a draft
        the owner never read. 6 random characters (30 bits) from an alphabet without
        look-alike letters, checked against every draft known.
        """
        known = {d["id"] for d in self._sorted_drafts()}
        while True:
            candidate = "".join(secrets.choice(ID_ALPHABET) for _ in range(6))
            if candidate not in known and not candidate.isdigit():
                return candidate

    def insert_draft(self, draft: dict[str, Any]) -> None:
        self._drafts_cache = None
        self._check_writable()
        self.db.table("drafts").insert(draft)
        self._written()

    def draft(self, draft_id: str) -> dict[str, Any]:
        doc = self.db.table("drafts").get(Query().id == str(draft_id))
        if doc is None:
            raise DraftNotFound(
                f"There is no draft {draft_id}.", "See the ids with `mailwatch queue list`."
            )
        return dict(doc)

    def update_draft(self, draft_id: str, fields: dict[str, Any]) -> None:
        self._drafts_cache = None
        self._check_writable()
        self.db.table("drafts").update(fields, Query().id == str(draft_id))
        self._written()

    def drafts(self, *, statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Copies of the drafts, oldest first (callers may change their copy freely)."""
        wanted = set(statuses) if statuses is not None else None
        return [dict(d) for d in self._sorted_drafts() if wanted is None or d["status"] in wanted]

    def _sorted_drafts(self) -> list[dict[str, Any]]:
        # Every cycle reads the drafts several times and rarely changes them: keep them
        # sorted until the next write (TinyDB would rebuild and re-sort each time).
        if self._drafts_cache is None:
            self._drafts_cache = sorted(
                self._raw_docs("drafts"), key=lambda d: (d.get("created_at", ""), d["id"])
            )
        return self._drafts_cache

    # -- the attention list ------------------------------------------------------------

    def set_attention(
        self, client: str | None, items: list[dict[str, Any]], source: str = "rules"
    ) -> bool:
        """Replace what `source` says needs the owner about `client` (items it no longer
        raises clear themselves). Writes only when something changed."""
        table = self.db.table("attention")
        current = [
            d
            for d in self._raw_docs("attention")
            if d.get("client") == client and d.get("source") == source
        ]
        if _comparable(current) == _comparable(items):
            return False
        self._check_writable()
        table.remove((Query().client == client) & (Query().source == source))
        if items:
            table.insert_multiple([{**item, "client": client, "source": source} for item in items])
        self._written()
        return True

    def attention(self) -> list[dict[str, Any]]:
        return [dict(d) for d in self._raw_docs("attention")]

    # -- events (the client's timeline) -----------------------------------------------

    def record_event(
        self, client: str | None, kind: str, at: datetime, data: dict[str, Any], key: str = ""
    ) -> bool:
        """Add one event; an event with a key already recorded is not added again."""
        self._check_writable()
        if key and key in self._event_keys:
            return False
        event = {"client": client, "kind": kind, "at": at.isoformat(), "key": key, **data}
        if event["key"]:
            # Before the insert, as add_messages does: if the write fails, the event is
            # still in the in-memory table (and a failed batch re-reads both from disk).
            self._event_keys.add(event["key"])
        self.db.table("events").insert(event)
        self._written()
        return True

    def events(self, client: str | None = None) -> list[dict[str, Any]]:
        docs = self.db.table("events").all()
        if client is not None:
            docs = [d for d in docs if d.get("client") == client]
        return sorted((dict(d) for d in docs), key=lambda d: d["at"])


def _comparable(items: Iterable[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (str(i.get("key")), str(i.get("kind")), str(i.get("since")), str(i.get("text")))
        for i in items
    )
