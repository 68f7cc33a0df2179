"""Numbered schema migrations, run when a state of an older schema is opened.

Schema 1 was one file (`[store] path`, by default state/mailwatch.json) holding
everything; schema 2 is the state folder described in layout.py. Each migration
is a function from schema n to n+1; `migrate` runs them in order.

A migration writes every new file first and meta.json last: until meta.json says
schema 2, the old file is still the state, and a migration cut short by a crash
simply runs again (it overwrites what it wrote). Only then is the old file renamed
`mailwatch.json.v1`; it is kept, not deleted.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mailwatch.errors import StoreCorrupt
from mailwatch.store.atomic import atomic_write_bytes, dumps, make_private_dir
from mailwatch.store.files import Damaged, load_json
from mailwatch.store.layout import StateLayout
from mailwatch.store.records import Draft, MessageRecord

log = logging.getLogger("mailwatch.store")

SCHEMA_VERSION = 2

V1_SHAPE = {
    "meta": (),
    "folders": ("name", "uidvalidity", "last_uid"),
    "messages": ("key", "folder", "uidvalidity", "uid", "date"),
    "quarantine": ("key",),
    "drafts": ("id", "client", "kind", "status"),
    "events": ("kind", "at"),
}

# keep(record) -> bool: which messages the new layout keeps (see Store's router)
Keep = Callable[[MessageRecord], bool]


def event_id() -> str:
    return secrets.token_hex(6)


def _v1_event(doc: dict[str, Any]) -> dict[str, Any]:
    """A schema-1 event with an id, and its kind repaired: schema 1 spread the event's
    data over it, so a "draft_created" event whose data had a "kind" (the draft's kind)
    was stored with kind "follow_up" or "pause_notice"."""
    event = dict(doc)
    if "draft" in event and "step" in event and "by" not in event:
        event["data_kind"] = event["kind"]
        event["kind"] = "draft_created"
    event.setdefault("key", "")
    event["id"] = event["key"] or event_id()
    return event


def migrate_1_to_2(layout: StateLayout, keep: Keep | None, now: datetime) -> dict[str, Any]:
    """Split the schema-1 file into the schema-2 folder; returns the new meta."""
    loaded = load_json(layout.legacy, V1_SHAPE, set_aside=False)
    if loaded.data is None or loaded.from_backup:
        # A damaged schema-1 file is not guessed at: its backup may be older.
        raise StoreCorrupt(
            f"The state file {layout.legacy} {loaded.problem or 'is missing'}, so it cannot "
            "be moved to the new state folder.",
            f"Restore it from a backup (its previous version may be {layout.legacy}.bak), "
            "then run mailwatch again.",
        )
    old = loaded.data
    make_private_dir(layout.dir)
    make_private_dir(layout.mail_dir)

    months: dict[str, list[dict[str, Any]]] = defaultdict(list)
    dropped = 0
    for doc in (old.get("messages") or {}).values():
        try:
            record = MessageRecord.from_json(doc)
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreCorrupt(
                f"The state file {layout.legacy} has a message record mailwatch cannot "
                f"read ({doc.get('key', '?')}: {exc!r}).",
                "Report it; the file was left as it is.",
            ) from None
        if keep is not None and not keep(record):
            dropped += 1  # not a client's: the UID cursor keeps it from being fetched again
            continue
        months[record.month].append(record.to_json())
    for month, docs in months.items():
        docs.sort(key=lambda d: (d["date"], d["key"]))
        table = {str(i): doc for i, doc in enumerate(docs, start=1)}
        atomic_write_bytes(layout.month_file(month), dumps({"messages": table}))

    sync = {
        "folders": dict(old.get("folders") or {}),
        "quarantine": dict(old.get("quarantine") or {}),
    }
    atomic_write_bytes(layout.sync, dumps(sync))

    drafts = {}
    for doc_id, doc in (old.get("drafts") or {}).items():
        try:
            drafts[doc_id] = Draft.from_json(doc).to_json()
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreCorrupt(
                f"The state file {layout.legacy} has a draft mailwatch cannot read "
                f"({doc.get('id', '?')}: {exc!r}).",
                "Report it; the file was left as it is.",
            ) from None
    events = {doc_id: _v1_event(doc) for doc_id, doc in (old.get("events") or {}).items()}
    atomic_write_bytes(layout.ledger, dumps({"drafts": drafts, "events": events}))

    old_meta: dict[str, Any] = next(iter((old.get("meta") or {}).values()), {})
    meta = {
        **{k: v for k, v in old_meta.items() if k != "schema_version"},
        "schema_version": 2,
        "state": "in use",
        "created_at": old_meta.get("created_at") or now.isoformat(),
        "migrated_from": {"schema": 1, "at": now.isoformat(), "non_client_dropped": dropped},
    }
    log.info(
        "moved %s to the state folder %s: %d drafts, %d events, %d messages kept, "
        "%d messages of non-clients not kept",
        layout.legacy,
        layout.dir,
        len(drafts),
        len(events),
        sum(len(d) for d in months.values()),
        dropped,
    )
    return meta


MIGRATIONS: dict[int, Callable[[StateLayout, Keep | None, datetime], dict[str, Any]]] = {
    1: migrate_1_to_2,
}


def migrate(layout: StateLayout, schema: int, keep: Keep | None, now: datetime) -> dict[str, Any]:
    """Run every migration from `schema` to SCHEMA_VERSION; returns the meta to write."""
    meta: dict[str, Any] = {}
    while schema < SCHEMA_VERSION:
        step = MIGRATIONS.get(schema)
        if step is None:
            raise StoreCorrupt(
                f"The state in {layout.dir} has schema {schema}, which this mailwatch cannot read.",
                "Install the mailwatch version that wrote it, or restore a newer state.",
            )
        meta = step(layout, keep, now)
        schema = meta["schema_version"]
    return meta


__all__ = ["SCHEMA_VERSION", "Damaged", "event_id", "migrate"]
