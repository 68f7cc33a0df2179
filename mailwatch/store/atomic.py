"""Writing files so that a crash never leaves a half-written one behind.

TinyDB's JSONStorage rewrites its file in place, so a crash mid-write leaves
broken JSON. Here every write goes to a temporary file that is fsynced and then
renamed over the old one (rename is atomic on POSIX), and the directory is
fsynced so the rename itself survives a power cut. The previous good version is
kept as `<name>.bak` (a hard link, so keeping it costs no copy).

`AtomicJSONStorage` is the TinyDB storage on top: the data stays in memory (this
process is the only writer, see lock.py, so re-reading the file for every query,
as JSONStorage does, is pure waste) and is written only when the store commits
(`flush`), so one commit of many changes is one write per file it touched.

`append_lines` is the other kind of write: appending to a JSON-lines file, where
the bytes written follow the change, not the file's size.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from mailwatch.errors import StateAccessError

PRIVATE_FILE = 0o600  # the state holds client mail metadata and drafts: the owner's only
PRIVATE_DIR = 0o700


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def access(path: Path, doing: str) -> Iterator[None]:
    """Turn a refused file operation into an error that names the file and the fix."""
    try:
        yield
    except PermissionError as exc:
        where = Path(exc.filename) if exc.filename else path
        raise StateAccessError(
            f"mailwatch cannot {doing} {where}: permission denied.",
            f"Give your user read and write access to {path.parent} and the files in it "
            f"(for example `chmod -R u+rwX {path.parent}`), or set [store] dir to a "
            "folder you can write.",
        ) from None
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR):
            raise StateAccessError(
                f"mailwatch cannot {doing} {path}: {exc.strerror}.",
                "Free some space or make the folder writable, or set [store] dir to "
                "another folder; nothing was lost, the previous version is intact.",
            ) from None
        raise


def make_private_dir(directory: Path) -> None:
    """Create `directory` (and parents) readable by the owner only; tighten it if it exists.

    Folders that are not mailwatch's own (the home folder, or the folder of config.toml
    when the state sits beside it) are left as they are: the files in them are private
    anyway.
    """
    if directory.exists() and not directory.is_dir():
        raise StateAccessError(
            f"The state folder {directory} is a file, not a folder.",
            "Move that file away, or set [store] dir to another folder.",
        )
    with access(directory / ".", "create the folder"):
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


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def atomic_write_bytes(path: Path, payload: bytes, *, keep_backup: bool = False) -> None:
    with access(path, "write"):
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with open(fd, "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_FILE)  # a leftover tmp may have had another mode
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_backup and path.exists():
            link = path.with_name(f".{path.name}.bak.tmp")
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            os.link(path, link)
            os.replace(link, backup_path(path))
        os.replace(tmp, path)
        fsync_directory(path.parent)


def append_lines(path: Path, lines: list[bytes]) -> int:
    """Append whole lines (each ending in b"\\n") durably; returns the bytes written.

    A crash mid-append leaves at most one torn last line, which readers skip. If the
    file ends in such a torn line, a line break goes first, so that the next line is
    not glued to it.
    """
    if not lines:
        return 0
    payload = b"".join(lines)
    with access(path, "write"):
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
        try:
            size = os.fstat(fd).st_size
            if size:
                with open(path, "rb") as tail:
                    tail.seek(size - 1)
                    if tail.read(1) != b"\n":
                        payload = b"\n" + payload
            written = 0
            while written < len(payload):
                written += os.write(fd, payload[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_directory(path.parent)
    return len(payload)


def file_identity(path: Path) -> tuple[int, int, int] | None:
    """What tells us another process replaced the file (every write is a new inode)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def dumps(data: Any) -> bytes:
    # orjson: ~7x faster than json.dumps on a large state.
    return orjson.dumps(data)


class AtomicJSONStorage(Storage):
    """TinyDB storage over data held in memory, written atomically on `flush()`.

    TinyDB calls `write()` after every change; that only marks the data dirty. The
    store decides when a change is durable (its commit), in which order the files
    of one commit are written, and what to do with a file that cannot be read.
    """

    def __init__(self, path: str | os.PathLike[str], data: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] = data if data is not None else {}
        self.dirty = False
        self.writes = 0  # durable writes so far
        self.bytes_written = 0

    def read(self) -> dict[str, Any]:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        self.dirty = True

    def flush(self, *, keep_backup: bool = True) -> int:
        payload = dumps(self._data)
        atomic_write_bytes(self.path, payload, keep_backup=keep_backup)
        self.dirty = False
        self.writes += 1
        self.bytes_written += len(payload)
        return len(payload)

    def close(self) -> None:
        """Nothing to do: unflushed changes are discarded, as a failed commit's are."""
