"""What lives where in the state folder (one place, so every part agrees).

    state/
      meta.json            schema version, "this state is in use", the ledger's witness
      ledger.json          drafts (open, and closed within 90 days) and events (90 days)
      sync.json            per-folder cursors, and the mail that could not be read
      clients.json         per-client aggregates (last message each way, counts)
      mail/YYYY-MM.json    message records, by the month of their date
      text/YYYY-MM.jsonl   the first 8 KB of text of kept messages, appended
      archive/YYYY-MM.json closed drafts and events older than 90 days
      daemon.json          the service's health (written by `mailwatch run`)
      write.lock, run.lock (+ .pid) one writer at a time, one service per state
      mailwatch.json.v1    the schema-1 file, kept after its migration

Cheap to import: `mailwatch status` and the daemon's health need only these paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LEGACY_NAME = "mailwatch.json"  # the schema-1 single file (and today's default [store] path)


@dataclass(frozen=True)
class StateLayout:
    dir: Path
    legacy: Path  # the schema-1 file that is migrated, if it exists

    @classmethod
    def at(cls, location: str | Path, legacy: str | Path | None = None) -> StateLayout:
        """A state folder, or (as [store] path gave it) a schema-1 file whose folder
        becomes the state folder."""
        where = Path(location)
        if where.suffix == ".json" and not where.is_dir():
            return cls(where.parent, Path(legacy) if legacy else where)
        return cls(where, Path(legacy) if legacy else where / LEGACY_NAME)

    @property
    def meta(self) -> Path:
        return self.dir / "meta.json"

    @property
    def ledger(self) -> Path:
        return self.dir / "ledger.json"

    @property
    def sync(self) -> Path:
        return self.dir / "sync.json"

    @property
    def clients(self) -> Path:
        return self.dir / "clients.json"

    @property
    def mail_dir(self) -> Path:
        return self.dir / "mail"

    @property
    def text_dir(self) -> Path:
        return self.dir / "text"

    @property
    def archive_dir(self) -> Path:
        return self.dir / "archive"

    @property
    def health(self) -> Path:
        return self.dir / "daemon.json"

    @property
    def write_lock(self) -> Path:
        return self.dir / "write.lock"

    @property
    def run_lock(self) -> Path:
        return self.dir / "run.lock"

    def month_file(self, month: str) -> Path:
        return self.mail_dir / f"{month}.json"

    def text_file(self, month: str) -> Path:
        return self.text_dir / f"{month}.jsonl"

    def archive_file(self, month: str) -> Path:
        return self.archive_dir / f"{month}.json"

    def in_use(self) -> bool:
        """Is there a state here at all (of this schema or the previous one)?"""
        return self.meta.exists() or self.ledger.exists() or self.legacy.exists()
