"""The repository every other part uses to read and change mailwatch's state.

The state is a folder of small files (see layout.py), so that a change costs what
it changes, not what the mailbox holds:

- a new message rewrites its month's file (mail/YYYY-MM.json), appends its text
  (text/YYYY-MM.jsonl), and rewrites the small clients.json and sync.json;
- an approval rewrites ledger.json (drafts and events of the last 90 days) and the
  tiny meta.json, and reads nothing else;
- memory holds the small files and the months of the rules' window only.

Changes are made inside `batch()` (every changing method opens one itself) and
made durable together when the outermost batch ends: the files it touched are
written in a fixed order, each atomically (temp file, fsync, rename, directory
fsync, previous version kept as `.bak`):

    text -> mail months -> clients.json -> ledger.json -> meta.json -> sync.json

The cursors in sync.json go last: a crash between two of these writes leaves
cursors that point before the mail already written, so the next sync fetches
that mail again and the records dedupe by key within their month file (texts:
readers keep the last line of a key). clients.json folds in every record of a
month past what it counted, so it catches up at the next commit of that month.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from mailwatch.core.model import APPROVED, FAILED, PENDING, REJECTED, SENDING, SENT, WITHDRAWN
from mailwatch.errors import AlreadyRunning, DraftNotFound, StoreCorrupt, UsageError
from mailwatch.faults import crash_point
from mailwatch.store import textstore
from mailwatch.store.atomic import (
    access,
    append_lines,
    atomic_write_bytes,
    dumps,
    file_identity,
    fsync_directory,
    make_private_dir,
    make_private_file,
)
from mailwatch.store.files import Loaded, StateFile, load_json, read_plain
from mailwatch.store.layout import StateLayout
from mailwatch.store.lock import ProcessLock
from mailwatch.store.migrate import SCHEMA_VERSION, event_id, migrate
from mailwatch.store.records import Draft, FolderState, MessageRecord, month_of, parse_time

log = logging.getLogger("mailwatch.store")

# Draft ids: lower-case letters and digits, without i, l, o, u (read as 1, 1, 0, v).
ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
# Closed drafts and events stay in the ledger this long, then move to archive/.
KEEP_DAYS = 90
COMPACT_EVERY = timedelta(days=1)
CLOSED = frozenset({SENT, REJECTED, WITHDRAWN})

LEDGER_SHAPE = {"drafts": ("id", "client", "kind", "status"), "events": ("kind", "at")}
SYNC_SHAPE = {"folders": ("name", "uidvalidity", "last_uid"), "quarantine": ("key",)}
MAIL_SHAPE = {"messages": ("key", "folder", "uidvalidity", "uid", "date")}
ARCHIVE_SHAPE = {"drafts": ("id",), "events": ("id",)}
# Event fields the store sets; an event's data never overrides them.
EVENT_FIELDS = frozenset({"id", "client", "kind", "at", "key"})


class Router(Protocol):
    """What the store asks the pipeline about a message (pipeline/records.py).

    `fingerprint` changes when the answers may change (the clients' addresses did);
    the per-client aggregates are then counted again from the stored months.
    """

    fingerprint: str

    def keep(self, record: MessageRecord) -> bool: ...

    def classify(self, record: MessageRecord) -> tuple[str | None, str]:
        """(client, "in" or "out") for the per-client aggregates."""
        ...


@dataclass(frozen=True, slots=True)
class ClientStats:
    """A client's history in four numbers, kept up to date so that `status` never
    reads old months: the latest real message each way (auto-replies and the like
    excluded), and how many messages each way were stored (all of them)."""

    last_in: datetime | None = None
    last_out: datetime | None = None
    count_in: int = 0
    count_out: int = 0


class Store:
    """Open the state folder (or, for a schema-1 state, the file `[store] path` names).

    By default the write lock is held from open to close (a CLI command). The
    daemon opens with `hold_lock=False` and takes the lock around each cycle with
    `writing()`, so that `mailwatch queue approve` can run in between; `writing()`
    first re-reads the files another process changed, and only those.
    """

    def __init__(
        self,
        location: Path | str,
        *,
        readonly: bool = False,
        wait: float = 30.0,
        hold_lock: bool = True,
        router: Router | None = None,
        legacy: Path | str | None = None,
    ) -> None:
        self.layout = StateLayout.at(location, legacy)
        self.dir = self.path = self.layout.dir
        self._archive_ids: set[str] | None = None  # read on first need (next_draft_id)
        self.readonly = readonly
        self.wait = wait
        self.router = router
        self.notices: list[str] = []  # what recovery found, for the command to print
        self.writes = 0  # file writes so far (tests and benchmarks read them)
        self.bytes_written = 0
        self.mail_generation = 0  # bumps when mail in memory was re-read or the window moved
        self._lock = ProcessLock(self.layout.write_lock, "changing this state")
        self._batch_depth = 0
        self._months: dict[str, StateFile] = {}
        self._month_records: dict[str, list[MessageRecord]] = {}
        self._month_keys: dict[str, set[str]] = {}
        self._window: str | None = None  # first month held in memory; None: every month
        self._window_loaded = False
        self._mail_dir_identity: tuple[int, int, int] | None = None
        self._pending_texts: dict[str, list[tuple[str, str]]] = {}
        self._touched: set[str] = set()
        # Records added since the last fold, by month and doc id: folded without parsing
        # their JSON again.
        self._unfolded: dict[str, dict[int, MessageRecord]] = {}
        self._rebuild_clients = False
        self._folds = 0  # bumps when the aggregates change
        self._meta_dirty = False
        self._clients_dirty = False
        if readonly:
            if not self.layout.in_use():
                raise UsageError(
                    f"No mailwatch state in {self.dir} yet.",
                    "Run `mailwatch sync` (or `mailwatch tick`) first.",
                )
        else:
            make_private_dir(self.dir)
            self._lock.acquire(wait)
        try:
            if not readonly:
                for path in self.dir.iterdir():
                    if path.is_file():
                        make_private_file(path)  # files an older version left readable
                    elif path.is_dir() and stat.S_IMODE(path.stat().st_mode) & 0o077:
                        with contextlib.suppress(PermissionError):
                            path.chmod(0o700)
            self._open()
        except BaseException:
            self._lock.release()
            raise
        if not hold_lock:
            self._lock.release()

    # -- opening ----------------------------------------------------------------------

    def _open(self) -> None:
        self._meta = self._load_meta()
        self._meta_identity = file_identity(self.layout.meta)
        self.sync_file = self._load_sync()
        self._clients = self._load_clients()
        self._commits = 0
        self.ledger = self._load_ledger()
        self._commits = max(
            self._commits,
            int(_mark(self.sync_file).get("generation", 0)),
            int(_mark(self.ledger).get("generation", 0)),
            int((self._meta.get("ledger") or {}).get("generation", 0)),
        )
        if not self._needs_write():
            return
        if not self.readonly:
            self._commit()
            return
        # A reader that found something to repair writes it too, if it can get the lock
        # soon; otherwise the next writer finds the same and repairs it.
        with contextlib.suppress(AlreadyRunning), self._write_access(timeout=5.0):
            self._commit()

    def _now(self) -> datetime:
        return datetime.now(UTC)

    def _load_meta(self) -> dict[str, Any]:
        layout = self.layout
        loaded = read_plain(layout.meta) if layout.meta.exists() or _bak(layout.meta) else None
        if loaded is not None and loaded.data is not None:
            meta = loaded.data
            if loaded.from_backup:
                self._notice(f"{layout.meta} {loaded.problem}; its previous version was used.")
                self._meta_dirty = True
        elif layout.legacy.exists():
            # No meta.json beside a schema-1 file: not migrated, or a migration cut short
            # (meta.json is its last write). It runs (again) from the old file.
            meta = {"schema_version": 1}
        elif layout.ledger.exists() or layout.sync.exists():
            # The marker is gone but the state is here: carry on, and say so.
            if loaded is not None and loaded.problem:
                self._notice(f"{layout.meta} {loaded.problem}; it was written again.")
            meta = {"schema_version": SCHEMA_VERSION, "state": "in use"}
            self._meta_dirty = True
        else:
            meta = {
                "schema_version": SCHEMA_VERSION,
                "state": "new",
                "created_at": self._now().isoformat(),
            }
            self._meta_dirty = True
        schema = meta.get("schema_version", 0)
        if not isinstance(schema, int):
            raise StoreCorrupt(f"{layout.meta} has the wrong shape: schema_version is {schema!r}.")
        if schema > SCHEMA_VERSION:
            raise StoreCorrupt(
                f"The state in {self.dir} was written by a newer mailwatch "
                f"(schema {schema}, this one reads {SCHEMA_VERSION}).",
                "Upgrade mailwatch, or set [store] dir to another folder.",
            )
        if schema < SCHEMA_VERSION:
            with self._write_access():
                keep = self.router.keep if self.router is not None else None
                meta = migrate(layout, schema, keep, self._now())
                self._meta = meta
                self._write_meta()
                if layout.legacy.exists():
                    kept = layout.legacy.with_name(layout.legacy.name + ".v1")
                    with access(layout.legacy, "rename"):
                        os.replace(layout.legacy, kept)
                    self._notice(
                        f"Moved the state to the folder {self.dir} (the new layout); the old "
                        f"file is kept as {kept}."
                    )
            self._rebuild_clients = True
        return meta

    def _load_sync(self) -> StateFile:
        loaded = self._load(self.layout.sync, SYNC_SHAPE)
        if loaded.from_backup:
            self._notice(
                f"{self.layout.sync} {loaded.problem}; its previous version was used. Mail "
                "newer than it is read again from the mailbox (nothing is recorded twice)."
            )
        elif loaded.problem:
            self._notice(
                f"{self.layout.sync} {loaded.problem} and has no usable backup; the "
                f"mailbox is read again from the start (nothing is recorded twice)."
            )
        sync = StateFile(self.layout.sync, SYNC_SHAPE, loaded.data)
        if loaded.data is None or loaded.from_backup:
            sync.mark_dirty()
        return sync

    def use_router(self, router: Router) -> None:
        """Set the router (the App does, if whoever opened the store did not)."""
        self.router = router
        if self._clients.get("router") != router.fingerprint:
            self._rebuild_clients = True

    def _load_clients(self) -> dict[str, Any]:
        loaded = read_plain(self.layout.clients)
        data = loaded.data or {}
        if loaded.problem or not isinstance(data.get("months"), dict):
            self._rebuild_clients = True
            data = {}
        data.setdefault("months", {})
        data.setdefault("clients", {})
        if self.router is not None and data.get("router") != self.router.fingerprint:
            self._rebuild_clients = True
        return data

    def _load_ledger(self) -> StateFile:
        path = self.layout.ledger
        loaded = self._load(path, LEDGER_SHAPE)
        if loaded.data is None:
            in_use = self._meta.get("state") == "in use"
            if loaded.problem or in_use:
                what = loaded.problem or "is missing"
                raise StoreCorrupt(
                    f"The record of your drafts and approvals, {path}, {what}, and it has "
                    "no usable backup (ledger.json.bak)"
                    + (f"; the damaged file was kept as {loaded.kept}" if loaded.kept else "")
                    + ". mailwatch will not start from an empty record over a state "
                    "that was in use.",
                    f"Restore {self.dir} from your backup. To start a new record instead "
                    f"(drafts, approvals and history are lost; mail is read again from "
                    f"the mailbox), move {self.layout.meta} aside and run mailwatch again.",
                )
        ledger = StateFile(path, LEDGER_SHAPE, loaded.data)
        self._index_ledger(ledger)
        witnessed = int((self._meta.get("ledger") or {}).get("generation", 0))
        if loaded.data is None:
            ledger.mark_dirty()  # a new state: the ledger exists before meta says "in use"
        elif loaded.from_backup:
            self._recovered_ledger(ledger, loaded)
        elif int(_mark(ledger).get("generation", 0)) < witnessed:
            # Whole, but older than what meta.json saw written: put back from a backup
            # (perhaps one copied while mailwatch was writing).
            loaded.problem = "is older than the last one written (put back from a backup?)"
            self._recovered_ledger(ledger, loaded)
        return ledger

    def _load(self, path: Path, shape: Mapping[str, tuple[str, ...]]) -> Loaded:
        """Read a file, or its backup. A damaged file is set aside only by a process
        that holds the write lock (a reader tries to take it for a moment)."""
        loaded = load_json(path, shape, set_aside=False)
        if loaded.problem and path.exists():
            with contextlib.suppress(AlreadyRunning), self._write_access(timeout=5.0):
                loaded = load_json(path, shape, set_aside=True)
        return loaded

    def _needs_write(self) -> bool:
        return (
            self._meta_dirty
            or self.sync_file.dirty
            or self.ledger.dirty
            or self._meta.get("state") != "in use"
            or (self._rebuild_clients and not self.readonly)
        )

    @contextlib.contextmanager
    def _write_access(self, timeout: float | None = None) -> Iterator[None]:
        """The write lock for an internal write (a migration, a recovery) even in a
        read-only store: what recovery finds is written at once, by whoever finds it."""
        if self._lock.held:
            yield
            return
        self._lock.acquire(self.wait if timeout is None else timeout)
        try:
            yield
        finally:
            self._lock.release()

    def _notice(self, text: str) -> None:
        log.warning("%s", text)
        self.notices.append(text)

    # -- the write lock ---------------------------------------------------------------

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

    def close(self) -> None:
        self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- batches and the commit -------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Make every change in the block durable together, when the outermost batch ends.

        If the block raises, nothing of it is written, and what is in memory is read
        again from disk so that it matches what is durable.
        """
        self._check_writable()
        self._batch_depth += 1
        try:
            yield
        except BaseException:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self._discard()
            raise
        self._batch_depth -= 1
        if self._batch_depth == 0:
            try:
                self._commit()
            except BaseException:
                self._discard()
                raise

    def _check_writable(self) -> None:
        if self.readonly:
            raise UsageError("This command only reads the state; it cannot change it.")
        if not self._lock.held:
            # A write without the lock could overwrite another process's change.
            raise RuntimeError("store written without holding the write lock")

    def _commit(self) -> None:
        """Write what changed, file by file, in the order that keeps a crash safe."""
        self._batch_depth += 1  # what runs below (recovery, a rebuild) never commits itself
        try:
            self._write_changes()
        finally:
            self._batch_depth -= 1
        self._evict()

    def _write_changes(self) -> None:
        self._fold_touched()
        if self._pending_texts:
            make_private_dir(self.layout.text_dir)
            for month, items in sorted(self._pending_texts.items()):
                self._count(append_lines(self.layout.text_file(month), textstore.encode(items)))
            self._pending_texts.clear()
            crash_point("store.after_text")
        dirty = [m for m in sorted(self._months) if self._months[m].dirty]
        if dirty or self.sync_file.dirty or self.ledger.dirty:
            # Each commit has a number; each file records the one that last wrote it,
            # and sync.json that of every month file, so that a month file older than
            # the cursors (or a ledger older than meta.json's witness) is recognised.
            self._commits += 1
            for month in dirty:
                _set_mark(self._months[month], generation=self._commits)
            if dirty:
                months = dict(_mark(self.sync_file).get("months") or {})
                months.update(dict.fromkeys(dirty, self._commits))
                _set_mark(self.sync_file, generation=self._commits, months=months)
            elif self.sync_file.dirty:
                _set_mark(self.sync_file, generation=self._commits)
            if self.ledger.dirty:
                _set_mark(self.ledger, generation=self._commits)
        if dirty:
            make_private_dir(self.layout.mail_dir)
            for month in dirty:
                self._count(self._months[month].flush(sync_dir=False))
            fsync_directory(self.layout.mail_dir)  # once for all the renames above
            self._mail_dir_identity = file_identity(self.layout.mail_dir)
            crash_point("store.after_mail")
        if self._clients_dirty:
            self._write_clients()
        if self.ledger.dirty:
            self._count(self.ledger.flush())
            crash_point("store.after_ledger")
            self._meta["ledger"] = self._witness()
            self._meta["state"] = "in use"
            self._meta_dirty = True
        if self._meta_dirty or self._meta.get("state") != "in use":
            self._meta["state"] = "in use"
            self._write_meta()
        if self.sync_file.dirty:
            crash_point("store.before_sync")
            self._count(self.sync_file.flush())

    def _count(self, written: int) -> None:
        self.writes += 1
        self.bytes_written += written

    def _write_meta(self) -> None:
        payload = dumps(self._meta)
        atomic_write_bytes(self.layout.meta, payload, keep_backup=True)
        self._count(len(payload))
        self._meta_identity = file_identity(self.layout.meta)
        self._meta_dirty = False

    def _discard(self) -> None:
        """A failed batch: forget its changes, read what is durable again."""
        self._pending_texts.clear()
        self._touched.clear()
        self._unfolded.clear()
        for month, file in list(self._months.items()):
            if file.dirty:
                self._drop_month(month)
        if self.sync_file.dirty:
            self.sync_file.replace_data(load_json(self.layout.sync, SYNC_SHAPE).data or {})
        if self.ledger.dirty:
            self.ledger.replace_data(load_json(self.layout.ledger, LEDGER_SHAPE).data or {})
            self._index_ledger(self.ledger)
        self._clients = self._load_clients()
        self._clients_dirty = False

    # -- meta -------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        return dict(self._meta)

    def set_meta(self, **values: Any) -> None:
        with self.batch():
            self._meta.update(values)
            self._meta_dirty = True

    # -- folders and quarantine (sync.json) -------------------------------------------

    def folder_state(self, name: str) -> FolderState | None:
        for doc in self.sync_file.docs("folders").values():
            if doc["name"] == name:
                return FolderState.from_json(doc)
        return None

    def folder_states(self) -> list[FolderState]:
        return [FolderState.from_json(d) for d in self.sync_file.docs("folders").values()]

    def set_folder_state(self, state: FolderState) -> None:
        with self.batch():
            table = self.sync_file.table("folders")
            for doc_id, doc in self.sync_file.docs("folders").items():
                if doc["name"] == state.name:
                    table.update(state.to_json(), doc_ids=[int(doc_id)])
                    return
            table.insert(state.to_json())

    def quarantine(self, entry: dict[str, Any]) -> bool:
        with self.batch():
            if any(d["key"] == entry["key"] for d in self.sync_file.docs("quarantine").values()):
                return False
            self.sync_file.table("quarantine").insert(entry)
            return True

    def quarantined(self) -> list[dict[str, Any]]:
        return [dict(d) for d in self.sync_file.docs("quarantine").values()]

    def _read_from_start(self, why: str) -> None:
        """Mail was lost from a month file: move every cursor back to the start, so the
        next sync reads the mailbox again (records dedupe by key; nothing is drafted
        twice, drafts are made per conversation and step). Written at once."""
        self._notice(why + " The mailbox is read again from the start (nothing twice).")
        with self.batch():
            table = self.sync_file.table("folders")
            for doc_id in self.sync_file.docs("folders"):
                table.update(
                    {"last_uid": 0, "uidnext": None, "highestmodseq": None},
                    doc_ids=[int(doc_id)],
                )
            self._rebuild_clients = True

    # -- messages (mail/YYYY-MM.json) -------------------------------------------------

    def set_window(self, since: datetime | None) -> None:
        """Hold in memory only the months from `since` on (None: every month)."""
        start = month_of(since) if since is not None else None
        if start == self._window and (start is not None or self._window_loaded):
            return
        self._window = start
        self._window_loaded = False
        self.mail_generation += 1
        self._evict()

    def _in_window(self, month: str) -> bool:
        return self._window is None or month >= self._window

    def _month_names(self) -> list[str]:
        try:
            names = [p.stem for p in self.layout.mail_dir.glob("*.json")]
        except FileNotFoundError:
            return []
        return sorted(set(names) | set(self._months))

    def _ensure_window(self) -> None:
        if self._window_loaded:
            return
        for month in self._month_names():
            if self._in_window(month):
                self._month(month)
        self._mail_dir_identity = file_identity(self.layout.mail_dir)
        self._window_loaded = True

    def _month(self, month: str) -> StateFile:
        """A month's file, read if need be (with recovery), held until evicted."""
        file = self._months.get(month)
        if file is not None:
            return file
        path = self.layout.month_file(month)
        loaded = self._load(path, MAIL_SHAPE)
        file = StateFile(path, MAIL_SHAPE, loaded.data)
        self._months[month] = file
        self._month_keys[month] = {d["key"] for d in file.docs("messages").values()}
        lost = None
        written = int((_mark(self.sync_file).get("months") or {}).get(month, 0))
        if loaded.problem:
            lost = f"{path} {loaded.problem}" + (
                "; its previous version was used." if loaded.from_backup else "."
            )
        elif loaded.absent and (self._clients["months"].get(month) or written):
            lost = f"{path} is missing."
        elif int(_mark(file).get("generation", 0)) < written:
            # Older than the cursors that cover its mail: a backup copied while
            # mailwatch was writing, say. The mail in between is read again.
            lost = f"{path} is older than the cursors in sync.json (put back from a backup?)."
        if lost is not None:
            if self.readonly:
                self._notice(lost + " Run `mailwatch sync` to read that mail again.")
            else:
                if loaded.from_backup:
                    file.mark_dirty()
                with self.batch():
                    # What the file holds is the new baseline: it is not found wanting
                    # again at every start.
                    months = dict(_mark(self.sync_file).get("months") or {})
                    months[month] = int(_mark(file).get("generation", 0))
                    _set_mark(self.sync_file, months=months)
                    self._read_from_start(lost)
        return file

    def _records_of(self, month: str) -> list[MessageRecord]:
        """A month's records, parsed once while the month is held (months read only to
        check keys, when old mail is added, are never parsed)."""
        records = self._month_records.get(month)
        if records is None:
            file = self._month(month)
            records = []
            for doc in file.docs("messages").values():
                try:
                    records.append(MessageRecord.from_json(doc))
                except (KeyError, TypeError, ValueError) as exc:
                    raise StoreCorrupt(
                        f"{file.path} has a message record mailwatch cannot read "
                        f"({doc.get('key', '?')}: {exc!r}).",
                        f"Move {file.path} aside: its mail is read again from the mailbox.",
                    ) from None
            self._month_records[month] = records
        return records

    def _drop_month(self, month: str) -> None:
        self._months.pop(month, None)
        self._month_records.pop(month, None)
        self._month_keys.pop(month, None)
        if self._in_window(month):
            self._window_loaded = False

    def _evict(self) -> None:
        """Months outside the window leave memory once they are written."""
        for month in [m for m, f in self._months.items() if not self._in_window(m)]:
            if not self._months[month].dirty and month not in self._touched:
                self._drop_month(month)

    def has_message(self, key: str) -> bool:
        """Known in the months held in memory (a message of an older month is found when
        it is added: records dedupe by key within their month file)."""
        return any(key in keys for keys in self._month_keys.values())

    def add_messages(
        self, records: Iterable[MessageRecord], texts: dict[str, str] | None = None
    ) -> list[MessageRecord]:
        """Store new message records, each in its month's file; returns the new ones.

        `texts` (key -> the text read from the message) go to the text store for the
        records that are new.
        """
        fresh: list[MessageRecord] = []
        with self.batch():
            by_month: dict[str, list[MessageRecord]] = {}
            for record in records:
                by_month.setdefault(record.month, []).append(record)
            for month, group in sorted(by_month.items()):
                file = self._month(month)
                keys = self._month_keys[month]
                self._touched.add(month)
                new = []
                for record in group:
                    if record.key not in keys:
                        keys.add(record.key)
                        new.append(record)
                if not new:
                    continue
                ids = file.table("messages").insert_multiple(r.to_json() for r in new)
                self._unfolded.setdefault(month, {}).update(zip(ids, new, strict=True))
                if month in self._month_records:
                    self._month_records[month].extend(new)
                fresh.extend(new)
                if texts:
                    pending = self._pending_texts.setdefault(month, [])
                    pending.extend((r.key, texts[r.key]) for r in new if texts.get(r.key))
        return fresh

    def messages(self) -> list[MessageRecord]:
        """The records of the months held (the window; every month if none was set)."""
        self._ensure_window()
        return [
            record
            for month in sorted(self._months)
            if self._in_window(month)
            for record in self._records_of(month)
        ]

    def all_messages(self) -> Iterator[MessageRecord]:
        """Every record of every month, one month in memory at a time (old months are
        read and let go: for a rebuild or a renumbering, not for a cycle)."""
        for month in self._month_names():
            held = month in self._months
            yield from list(self._records_of(month))
            if not held and not self._in_window(month) and not self._months[month].dirty:
                self._drop_month(month)

    def message_count(self) -> int:
        self._fold_touched()
        return sum(int(n) for n in self._clients["months"].values())

    def update_messages(self, records: Iterable[MessageRecord]) -> int:
        """Replace stored records by new versions of themselves (same key, same month):
        a reindex derives their route and facts again. Returns how many changed."""
        changed = 0
        with self.batch():
            by_month: dict[str, dict[str, MessageRecord]] = {}
            for record in records:
                by_month.setdefault(record.month, {})[record.key] = record
            for month, group in sorted(by_month.items()):
                file = self._month(month)
                table = file.table("messages")
                for doc_id, doc in file.docs("messages").items():
                    newer = group.get(doc["key"])
                    if newer is None:
                        continue
                    new = newer.to_json()
                    if new != doc:
                        # Replace the whole document: TinyDB's update merges fields, and
                        # a record that lost a key (facts now empty) must lose it here too.
                        table.update(_replacing(new), doc_ids=[int(doc_id)])
                        changed += 1
                self._month_records.pop(month, None)  # parsed again when next read
                self._touched.add(month)
            if changed:
                self.mail_generation += 1
        return changed

    def rekey_messages(self, changes: dict[str, dict[str, Any]]) -> None:
        """Give stored messages new identities (after a folder's UIDVALIDITY changed)."""
        if not changes:
            return
        renamed = {old: fields["key"] for old, fields in changes.items()}
        with self.batch():
            for month in self._month_names():
                file = self._month(month)
                keys = self._month_keys[month]
                hits = [
                    (int(i), d["key"])
                    for i, d in file.docs("messages").items()
                    if d["key"] in changes
                ]
                if not hits:
                    continue
                table = file.table("messages")
                for doc_id, old_key in hits:
                    table.update(changes[old_key], doc_ids=[doc_id])
                    keys.discard(old_key)
                    keys.add(renamed[old_key])
                self._month_records.pop(month, None)  # parsed again when next read
                self._touched.add(month)
                textstore.rewrite_keys(self.layout.text_file(month), renamed)
            self.mail_generation += 1

    # -- texts (text/YYYY-MM.jsonl) ---------------------------------------------------

    def texts(self, records: Iterable[MessageRecord]) -> dict[str, str]:
        """The stored text of each record that has one (read from disk, on demand)."""
        by_month: dict[str, set[str]] = {}
        for record in records:
            by_month.setdefault(record.month, set()).add(record.key)
        found: dict[str, str] = {}
        for month, keys in by_month.items():
            stored = textstore.read_texts(self.layout.text_file(month))
            stored.update(dict(self._pending_texts.get(month, ())))
            found.update({k: v for k, v in stored.items() if k in keys})
        return found

    # -- per-client aggregates (clients.json) -----------------------------------------

    def client_stats(self) -> dict[str, ClientStats]:
        rebuilt = self._rebuild_clients
        self._fold_touched()
        if rebuilt and self.readonly:
            # Counted again from every month (the clients changed): a reader keeps the
            # result for the next command too, if it can take the lock at once.
            with contextlib.suppress(AlreadyRunning), self._write_access(timeout=1.0):
                self._write_clients()
        cached = getattr(self, "_stats", None)
        if cached is not None and cached[0] is self._clients and cached[1] == self._folds:
            return cached[2]
        out = {}
        for client, doc in self._clients["clients"].items():
            out[client] = ClientStats(
                parse_time(doc.get("last_in")),
                parse_time(doc.get("last_out")),
                int(doc.get("in", 0)),
                int(doc.get("out", 0)),
            )
        self._stats = (self._clients, self._folds, out)  # until the next fold or reload
        return out

    def _write_clients(self) -> None:
        self._clients["router"] = self.router.fingerprint if self.router else None
        payload = dumps(self._clients)
        atomic_write_bytes(self.layout.clients, payload, keep_backup=True)
        self._count(len(payload))
        self._clients_dirty = False

    def _fold_touched(self) -> None:
        """Count in the records of each changed month that the aggregates have not
        counted yet (those past the month's mark: TinyDB ids only grow)."""
        if self._rebuild_clients:
            self._rebuild_clients = False
            self._touched.clear()
            self._unfolded.clear()
            self._clients = {"months": {}, "clients": {}}
            for month in self._month_names():
                self._touched.add(month)
                self._month(month)
                self._fold(month)
                if not self._in_window(month) and not self._months[month].dirty:
                    self._drop_month(month)
            self._touched.clear()
            self._clients_dirty = not self.readonly
            return
        for month in sorted(self._touched):
            self._fold(month)
        self._touched.clear()

    def _fold(self, month: str) -> None:
        file = self._months.get(month)
        if file is None:
            return
        done = int(self._clients["months"].get(month, 0))
        docs = file.docs("messages")
        newer = [(int(i), d) for i, d in docs.items() if int(i) > done]
        added = self._unfolded.pop(month, {})
        if not newer:
            return
        clients = self._clients["clients"]
        for doc_id, doc in newer:
            if self.router is None:
                break
            record = added.get(doc_id) or MessageRecord.from_json(doc)
            client, direction = self.router.classify(record)
            if client is None:
                continue
            stats = clients.setdefault(client, {"last_in": None, "last_out": None})
            stats[direction] = int(stats.get(direction, 0)) + 1
            if record.not_contact is None:
                field = "last_in" if direction == "in" else "last_out"
                last = parse_time(stats.get(field))
                if last is None or record.date > last:
                    stats[field] = record.date.isoformat()
        self._clients["months"][month] = max(i for i, _ in newer)
        self._clients_dirty = True
        self._folds += 1

    # -- drafts (ledger.json) ---------------------------------------------------------

    def _index_ledger(self, ledger: StateFile) -> None:
        """Parsed, sorted drafts and the set of event keys, kept until the next change
        (every cycle reads the drafts several times and rarely changes them)."""
        drafts = []
        self._draft_doc_ids: dict[str, int] = {}
        for doc_id, doc in ledger.docs("drafts").items():
            try:
                draft = Draft.from_json(doc)
            except (KeyError, TypeError, ValueError) as exc:
                raise StoreCorrupt(
                    f"{ledger.path} has a draft mailwatch cannot read "
                    f"({doc.get('id', '?')}: {exc!r}).",
                    f"Restore {ledger.path} from its backup (ledger.json.bak) or yours.",
                ) from None
            drafts.append(draft)
            self._draft_doc_ids[draft.id] = int(doc_id)
        drafts.sort(key=lambda d: (d.created_at, d.id))
        self._drafts = drafts
        self._event_keys = {d["key"] for d in ledger.docs("events").values() if d.get("key")}

    def next_draft_id(self) -> str:
        """A new draft id that no draft ever had, whatever happened to the state file.

        Not a counter: a counter restarts from an older value when the state is
        restored from its backup or recreated, and then "approve 3" approves a draft
        the owner never read. 6 random characters (30 bits) from an alphabet without
        look-alike letters, checked against every draft in the ledger and the archive
        (over years, thousands of archived ids make a collision likely enough to matter:
        `queue show ID` must name one draft).
        """
        known = set(self._draft_doc_ids) | self._archived_ids()
        while True:
            candidate = "".join(secrets.choice(ID_ALPHABET) for _ in range(6))
            if candidate not in known and not candidate.isdigit():
                return candidate

    def insert_draft(self, draft: Draft) -> None:
        with self.batch():
            doc_id = self.ledger.table("drafts").insert(draft.to_json())
            self._draft_doc_ids[draft.id] = doc_id
            self._drafts = sorted([*self._drafts, draft], key=lambda d: (d.created_at, d.id))

    def save_draft(self, draft: Draft) -> None:
        with self.batch():
            doc_id = self._draft_doc_ids.get(draft.id)
            if doc_id is None:
                raise DraftNotFound(f"There is no draft {draft.id} to save.")
            self.ledger.table("drafts").update(draft.to_json(), doc_ids=[doc_id])
            self._drafts = [draft if d.id == draft.id else d for d in self._drafts]

    def draft(self, draft_id: str) -> Draft:
        for draft in self._drafts:
            if draft.id == str(draft_id):
                return draft
        archived = self._archived_draft(str(draft_id))
        if archived is not None:
            return archived
        raise DraftNotFound(
            f"There is no draft {draft_id}.", "See the ids with `mailwatch queue list`."
        )

    def drafts(self, *, statuses: Iterable[str] | None = None) -> list[Draft]:
        """The drafts of the ledger, oldest first (immutable: a change is a new Draft,
        saved with `save_draft`). Closed drafts older than 90 days are in the archive."""
        if statuses is None:
            return list(self._drafts)
        wanted = set(statuses)
        return [d for d in self._drafts if d.status in wanted]

    # -- events (the client's timeline) -----------------------------------------------

    def record_event(
        self, client: str | None, kind: str, at: datetime, data: dict[str, Any], key: str = ""
    ) -> bool:
        """Add one event; an event with a key already recorded is not added again."""
        if key and key in self._event_keys:
            return False
        with self.batch():
            event = {(f"data_{k}" if k in EVENT_FIELDS else k): v for k, v in data.items()}
            event.update(id=key or event_id(), client=client, kind=kind, at=at.isoformat(), key=key)
            self.ledger.table("events").insert(event)
            if key:
                self._event_keys.add(key)
        return True

    def events(self, client: str | None = None, *, archived: bool = False) -> list[dict[str, Any]]:
        """The timeline, oldest first: the ledger's 90 days, and with `archived` also
        what the archive holds (read from disk)."""
        docs: dict[str, dict[str, Any]] = {}
        if archived:
            for path in sorted(self.layout.archive_dir.glob("*.json")):
                data = load_json(path, ARCHIVE_SHAPE, set_aside=False).data or {}
                for doc in (data.get("events") or {}).values():
                    docs[doc["id"]] = doc
        for doc_id, doc in self.ledger.docs("events").items():
            docs[doc.get("id") or f"ledger:{doc_id}"] = doc
        found = [dict(d) for d in docs.values() if client is None or d.get("client") == client]
        return sorted(found, key=lambda d: d["at"])

    # -- the attention list and the ledger's other tables -------------------------------

    def set_attention(
        self, client: str | None, items: list[dict[str, Any]], source: str = "rules"
    ) -> bool:
        """Replace what `source` says needs the owner about `client` (items it no longer
        raises clear themselves). Writes only when something changed."""
        table = self.ledger.table("attention")
        current = [
            (doc_id, d)
            for doc_id, d in self.ledger.docs("attention").items()
            if d.get("client") == client and d.get("source") == source
        ]
        if _comparable(d for _, d in current) == _comparable(items):
            return False
        with self.batch():
            if current:
                table.remove(doc_ids=[int(doc_id) for doc_id, _ in current])
            if items:
                table.insert_multiple(
                    [{**item, "client": client, "source": source} for item in items]
                )
        return True

    def attention(self) -> list[dict[str, Any]]:
        return [dict(d) for d in self.ledger.docs("attention").values()]

    def docs(self, table: str) -> list[dict[str, Any]]:
        """The documents of one of the ledger's own tables (invoices, digests, notes...)."""
        return [dict(d) for d in self.ledger.docs(table).values()]

    def put(self, table: str, key: str, doc: dict[str, Any]) -> None:
        """Insert or replace the document of `table` whose "key" is `key`."""
        with self.batch():
            found = [
                int(doc_id) for doc_id, d in self.ledger.docs(table).items() if d.get("key") == key
            ]
            target = self.ledger.table(table)
            if found:
                target.remove(doc_ids=found)
            target.insert({**doc, "key": key})

    def drop(self, table: str, key: str) -> bool:
        found = [
            int(doc_id) for doc_id, d in self.ledger.docs(table).items() if d.get("key") == key
        ]
        if not found:
            return False
        with self.batch():
            self.ledger.table(table).remove(doc_ids=found)
        return True

    # -- recovery ---------------------------------------------------------------------

    def _witness(self) -> dict[str, Any]:
        """What meta.json remembers of the ledger just written: if the ledger is ever
        restored from its backup, the difference is what was lost."""
        events = self.ledger.docs("events").values()
        return {
            "written_at": self._now().isoformat(),
            "generation": int(_mark(self.ledger).get("generation", 0)),
            "drafts": {d.id: [d.status, d.version] for d in self._drafts},
            "events": len(events),
            "last_event_at": max((e["at"] for e in events), default=None),
        }

    def _recovered_ledger(self, ledger: StateFile, loaded: Loaded) -> None:
        """The ledger came from its backup: say what was lost, make drafts that may have
        gone out safe, record it in the timeline, and write it at once."""
        self.ledger = ledger
        witness = self._meta.get("ledger") or {}
        lost: list[str] = []
        known = {d.id: d for d in self._drafts}
        for draft_id, (status, version) in (witness.get("drafts") or {}).items():
            draft = known.get(draft_id)
            if draft is None:
                lost.append(
                    f"draft {draft_id} ({status}) was made after the backup and is gone; "
                    "mailwatch drafts it again if it is still needed"
                )
            elif (draft.status, draft.version) != (status, version):
                lost.append(
                    f"draft {draft_id} was {status} (version {version}); the backup has it "
                    f"{draft.status} (version {draft.version})"
                    + (": approve it again if it should go" if status == APPROVED else "")
                )
                if status in (SENT, SENDING) and draft.status in (APPROVED, PENDING, FAILED):
                    self._make_safe(draft)
        events_lost = int(witness.get("events") or 0) - len(ledger.docs("events"))
        if events_lost > 0:
            lost.append(f"{events_lost} event(s) of the timeline recorded after the backup")
        if not witness:
            lost.append("what changed after the backup cannot be known (meta.json has no record)")
        head = f"{ledger.path} {loaded.problem}" + (
            f" (kept as {loaded.kept})" if loaded.kept else ""
        )
        used = (
            "the previous version (ledger.json.bak) was restored"
            if loaded.from_backup
            else "it is used as it is"
        )
        self._notice(
            f"{head}; {used}. "
            + ("Lost: " + "; ".join(lost) + "." if lost else "Nothing was lost.")
        )
        ledger.mark_dirty()
        event = {
            "id": event_id(),
            "client": None,
            "kind": "state_recovered",
            "at": self._now().isoformat(),
            "key": "",
            "file": "ledger.json",
            "problem": loaded.problem,
            "lost": lost,
        }
        ledger.table("events").insert(event)

    def _make_safe(self, draft: Draft) -> None:
        """A draft that may have gone out already must not go out again on its own."""
        note = (
            "The state was restored from a backup that predates this draft's sending: "
            "it may have gone out already. Check your Sent folder before approving it again."
        )
        if draft.status == APPROVED:
            from mailwatch.drafts.lifecycle import DraftEvent, transition

            changed = transition(draft, DraftEvent.FAIL, at=self._now(), note=note, error=note)
        else:
            changed = draft.changed(error=note)
        self.ledger.table("drafts").update(
            changed.to_json(), doc_ids=[self._draft_doc_ids[draft.id]]
        )
        self._drafts = [changed if d.id == draft.id else d for d in self._drafts]

    def reload_if_changed(self) -> bool:
        """Read again the files another process changed (e.g. `queue approve` while the
        daemon runs), and only those. A file another process deleted is written again
        from memory: this process holds the latest state of it."""
        changed = False
        if file_identity(self.layout.meta) != getattr(self, "_meta_identity", None):
            loaded = read_plain(self.layout.meta)
            if loaded.data is not None and not loaded.from_backup:
                self._meta = loaded.data
                witnessed = int((loaded.data.get("ledger") or {}).get("generation", 0))
                self._commits = max(self._commits, witnessed)
            elif not self.readonly:
                self._notice(f"{self.layout.meta} {loaded.problem or 'is missing'}; rewritten.")
                self._meta_dirty = True
            self._meta_identity = file_identity(self.layout.meta)
        for file, shape in ((self.ledger, LEDGER_SHAPE), (self.sync_file, SYNC_SHAPE)):
            if file.changed_on_disk():
                changed |= self._reload(file, shape)
        if file_identity(self.layout.mail_dir) != self._mail_dir_identity:
            for month in list(self._months):
                if self._months[month].changed_on_disk() and self._reload(
                    self._months[month], MAIL_SHAPE
                ):
                    docs = self._months[month].docs("messages").values()
                    self._month_keys[month] = {d["key"] for d in docs}
                    self._month_records.pop(month, None)
                    self.mail_generation += 1
                    changed = True
            if any(self._in_window(m) and m not in self._months for m in self._month_names()):
                self._window_loaded = False
                self.mail_generation += 1
                changed = True
            self._mail_dir_identity = file_identity(self.layout.mail_dir)
        if changed:
            self._clients = self._load_clients()
        if not self.readonly and self._lock.held and self._needs_write():
            with self.batch():
                pass
        return changed

    def _reload(self, file: StateFile, shape: Mapping[str, tuple[str, ...]]) -> bool:
        loaded = load_json(file.path, shape, set_aside=not self.readonly and self._lock.held)
        if loaded.data is not None and not loaded.from_backup:
            file.replace_data(loaded.data)
            file.identity = file_identity(file.path)
            # Another process committed: number the next commit after its.
            self._commits = max(self._commits, int(_mark(file).get("generation", 0)))
            if file is self.ledger:
                self._index_ledger(file)
            return True
        if not self.readonly and self._lock.held:
            # Deleted or damaged by someone else: what this process holds is the latest.
            self._notice(
                f"{file.path} {loaded.problem or 'is missing'}"
                + (f" (kept as {loaded.kept})" if loaded.kept else "")
                + "; written again from what this process holds."
            )
            file.mark_dirty()
        return False

    # -- compaction: closed drafts and old events move to archive/ ---------------------

    def compact_if_due(self, now: datetime, keep_days: int = KEEP_DAYS) -> tuple[int, int]:
        last = parse_time(self._meta.get("compacted_at"))
        if last is not None and now - last < COMPACT_EVERY and now >= last:
            return 0, 0
        return self.compact(now, keep_days)

    def compact(self, now: datetime, keep_days: int = KEEP_DAYS) -> tuple[int, int]:
        """Move closed drafts last changed, and events recorded, more than `keep_days`
        ago into archive/YYYY-MM.json. The archive is written first, then the ledger:
        a crash in between leaves them in both, and readers dedupe by id."""
        cutoff = now - timedelta(days=keep_days)
        drafts = [
            (doc_id, doc)
            for doc_id, doc in self.ledger.docs("drafts").items()
            if doc["status"] in CLOSED
            and not doc.get("outcome_unknown")
            and (parse_time(doc.get("updated_at")) or now) < cutoff
        ]
        events = [
            (doc_id, doc)
            for doc_id, doc in self.ledger.docs("events").items()
            if (parse_time(doc["at"]) or now) < cutoff
        ]
        with self.batch():
            by_month: dict[str, dict[str, list[dict[str, Any]]]] = {}
            for _, doc in drafts:
                month = month_of(parse_time(doc.get("created_at")) or now)
                by_month.setdefault(month, {"drafts": [], "events": []})["drafts"].append(doc)
            for _, doc in events:
                month = month_of(parse_time(doc["at"]) or now)
                doc = {**doc, "id": doc.get("id") or event_id()}
                by_month.setdefault(month, {"drafts": [], "events": []})["events"].append(doc)
            if by_month:
                make_private_dir(self.layout.archive_dir)
            for month, moved in sorted(by_month.items()):
                self._archive(month, moved)
            if self._archive_ids is not None:
                self._archive_ids.update(doc["id"] for _, doc in drafts)
            crash_point("store.after_archive")
            if drafts:
                self.ledger.table("drafts").remove(doc_ids=[int(i) for i, _ in drafts])
            if events:
                self.ledger.table("events").remove(doc_ids=[int(i) for i, _ in events])
            if drafts or events:
                self._index_ledger(self.ledger)
            self._meta["compacted_at"] = now.isoformat()
            self._meta_dirty = True
        return len(drafts), len(events)

    def _archive(self, month: str, moved: dict[str, list[dict[str, Any]]]) -> None:
        path = self.layout.archive_file(month)
        loaded = load_json(path, ARCHIVE_SHAPE)
        if loaded.problem:
            self._notice(
                f"{path} {loaded.problem}"
                + (f" (kept as {loaded.kept})" if loaded.kept else "")
                + ("; its previous version was used." if loaded.from_backup else ".")
            )
        archive = StateFile(path, ARCHIVE_SHAPE, loaded.data)
        for table in ("drafts", "events"):
            have = {d["id"] for d in archive.docs(table).values()}
            fresh = [d for d in moved[table] if d["id"] not in have]
            if fresh:
                archive.table(table).insert_multiple(fresh)
        if archive.dirty or loaded.from_backup:
            self._count(archive.flush())

    def _archived_ids(self) -> set[str]:
        """The ids of the archive's drafts, read once per process and kept up to date by
        compact(); nothing to read on a state that was never compacted."""
        if self._archive_ids is None:
            ids: set[str] = set()
            if self.layout.archive_dir.is_dir():
                for path in self.layout.archive_dir.glob("*.json"):
                    data = load_json(path, ARCHIVE_SHAPE, set_aside=False).data or {}
                    ids.update(doc["id"] for doc in (data.get("drafts") or {}).values())
            self._archive_ids = ids
        return self._archive_ids

    def _archived_draft(self, draft_id: str) -> Draft | None:
        for path in sorted(self.layout.archive_dir.glob("*.json"), reverse=True):
            data = load_json(path, ARCHIVE_SHAPE, set_aside=False).data or {}
            for doc in (data.get("drafts") or {}).values():
                if doc["id"] == draft_id:
                    return Draft.from_json(doc)
        return None


def _mark(file: StateFile) -> dict[str, Any]:
    """A file's commit mark: the number of the commit that last wrote it (and, in
    sync.json, the number of the commit that last wrote each month file)."""
    return file.docs("commit").get("1") or {}


def _set_mark(file: StateFile, **values: Any) -> None:
    file.storage.read()["commit"] = {"1": {**_mark(file), **values}}
    file.mark_dirty()


def _bak(path: Path) -> bool:
    return path.with_name(path.name + ".bak").exists()


__all__ = ["KEEP_DAYS", "SCHEMA_VERSION", "ClientStats", "Router", "Store"]


def _comparable(items: Iterable[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (str(i.get("key")), str(i.get("kind")), str(i.get("since")), str(i.get("text")))
        for i in items
    )


def _replacing(new: dict[str, Any]) -> Any:
    def replace_doc(doc: dict[str, Any]) -> None:
        doc.clear()
        doc.update(new)

    return replace_doc
