"""A TinyDB storage that never leaves a half-written file behind.

TinyDB's JSONStorage rewrites its file in place, so a crash mid-write leaves
broken JSON. Here every write goes to a temporary file that is fsynced and then
renamed over the old one (rename is atomic on POSIX), and the directory is
fsynced so the rename itself survives a power cut. The previous good version is
kept as `<name>.bak` (a hard link, so keeping it costs no copy).

The data also stays in memory: this process is the only writer (see lock.py),
so re-reading the file for every query, as JSONStorage does, is pure waste.
Inside `batch()` writes are held back and land as one atomic write at the end:
a sync of many messages costs one rewrite, not one per message.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from mailwatch.errors import StoreCorrupt

log = logging.getLogger("mailwatch.store")


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


PRIVATE_FILE = 0o600  # the state holds client mail metadata and drafts: the owner's only
PRIVATE_DIR = 0o700


def make_private_dir(directory: Path) -> None:
    """Create `directory` (and parents) readable by the owner only; tighten it if it exists.

    Folders that are not mailwatch's own (the home folder, or the folder of config.toml
    when the state sits beside it) are left as they are: the files in them are private
    anyway.
    """
    directory.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if directory.resolve() == Path.home().resolve():
        return
    mode = stat.S_IMODE(directory.stat().st_mode)
    if mode & 0o077:
        with contextlib.suppress(PermissionError):  # not ours to change: files stay 0600
            os.chmod(directory, mode & ~0o077)


def make_private_file(path: Path) -> None:
    """Tighten a file an older version (or another tool) left readable by others."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, PRIVATE_FILE)


def atomic_write_bytes(path: Path, payload: bytes, *, keep_backup: bool = False) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with open(fd, "wb") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE)  # a leftover tmp may have had another mode
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    if keep_backup and path.exists():
        backup = path.with_name(path.name + ".bak")
        link = path.with_name(f".{path.name}.bak.tmp")
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.link(path, link)
        os.replace(link, backup)
    os.replace(tmp, path)
    fsync_directory(path.parent)


class AtomicJSONStorage(Storage):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._data: dict[str, Any] | None = self._load()
        self._batch_depth = 0
        self._dirty = False
        self.writes = 0  # durable writes so far (benchmarks and tests read it)

    def _load(self) -> dict[str, Any] | None:
        if not self.path.exists():
            backup = self.path.with_name(self.path.name + ".bak")
            if backup.exists():
                # Only possible if someone removed the main file: say so, then recover.
                log.warning("state file %s is missing; restoring from %s", self.path, backup)
                return self._parse(backup)
            return None
        try:
            return self._parse(self.path)
        except StoreCorrupt as exc:
            backup = self.path.with_name(self.path.name + ".bak")
            if not backup.exists():
                raise
            kept = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            os.replace(self.path, kept)
            log.error("%s; kept it as %s and restored the previous version", exc.message, kept)
            return self._parse(backup)

    @staticmethod
    def _parse(path: Path) -> dict[str, Any]:
        try:
            data = orjson.loads(path.read_bytes() or b"{}")
        except (orjson.JSONDecodeError, ValueError, UnicodeDecodeError) as exc:
            raise StoreCorrupt(
                f"The state file {path} is damaged ({exc}).",
                "Restore it from a backup, or move it aside to start again from the mailbox.",
            ) from exc
        if not isinstance(data, dict):
            raise StoreCorrupt(f"The state file {path} does not hold mailwatch state.")
        return data

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        if self._batch_depth:
            self._dirty = True
        else:
            self._flush()

    def _flush(self) -> None:
        # orjson: ~7x faster than json.dumps on a 20k-message state (~60 ms -> ~9 ms a write).
        payload = orjson.dumps(self._data)
        atomic_write_bytes(self.path, payload, keep_backup=True)
        self._dirty = False
        self.writes += 1

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Hold writes back and make them durable together, once, on the way out.

        If the block raises, nothing of it is written; the in-memory copy is
        reloaded from disk so that it matches what is durable.
        """
        self._batch_depth += 1
        try:
            yield
        except BaseException:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._dirty:
                self._data = self._load()
                self._dirty = False
            raise
        self._batch_depth -= 1
        if self._batch_depth == 0 and self._dirty:
            self._flush()

    def close(self) -> None:
        if self._dirty:
            self._flush()
