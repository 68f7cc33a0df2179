"""Reading stored mail again: when facts change meaning, or a client's addresses do.

Two kinds of work, both without drafting anything for history (the rules' look-back
applies as always):

- **From what is stored** (`refresh`): every stored message is routed again with
  today's configuration and its facts derived again from its stored text. Run by
  `mailwatch reindex`, and by itself when this version's facts are newer than the
  state's (`FACTS_VERSION`, kept in meta.json).
- **From the mailbox** (`backfill`): mail of a client whose addresses or domains
  changed since the last index was not kept when it was read (it was nobody's).
  IMAP SEARCH finds it (within the rules' window) and only the UIDs not stored are
  fetched. Run by `mailwatch reindex`, and by sync itself when a client file's
  addresses changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mailwatch.pipeline.facts import FACTS_VERSION, derive
from mailwatch.pipeline.sync import text_wanted

if TYPE_CHECKING:
    from mailwatch.pipeline.app import App

log = logging.getLogger("mailwatch.store")

INDEXED = "indexed_clients"  # meta: client -> fingerprint of their addresses


@dataclass
class ReindexReport:
    rerouted: int = 0  # stored messages whose route or facts changed
    fetched: int = 0  # messages fetched from the mailbox for new addresses
    clients: list[str] = field(default_factory=list)  # clients whose mail was searched


def address_fingerprints(app: App) -> dict[str, str]:
    out = {}
    for cid, client in app.settings.clients.items():
        payload = json.dumps([sorted(client.emails), sorted(client.domains)]).encode()
        out[cid] = hashlib.sha1(payload).hexdigest()[:12]
    return out


def changed_clients(app: App) -> list[str]:
    """Clients whose addresses changed since their mail was last searched for."""
    known = app.store.meta().get(INDEXED) or {}
    return sorted(c for c, fp in address_fingerprints(app).items() if known.get(c) != fp)


def refresh(app: App) -> int:
    """Route every stored message again and derive its facts from its stored text."""
    policy = app.text_policy()
    router = app.router
    changed = []
    now = app.clock.now()
    for_month: list = []
    count = 0

    def flush() -> None:
        nonlocal count
        if for_month:
            count += app.store.update_messages(for_month)
            for_month.clear()

    current_month = None
    for record in app.store.all_messages():
        if record.month != current_month:
            flush()
            current_month = record.month
        before = (record.route, dict(record.facts), record.asks)
        record.route = router.route(record)
        if text_wanted(record):
            texts = app.store.texts([record])
            text = texts.get(record.key)
            if text is not None:
                client, direction = router.classify(record)
                record.facts = derive(
                    record, text, (), policy.facts, client, direction, app.invoice_numbers
                )
        if (record.route, record.facts, record.asks) != before:
            for_month.append(record)
            changed.append(record.key)
    flush()
    app.store.set_meta(facts_version=FACTS_VERSION)
    log.info("reindexed the stored mail: %d message(s) changed (at %s)", count, now.isoformat())
    return count


def backfill(app: App, clients: Sequence[str]) -> tuple[int, list]:
    """Fetch these clients' mail of the rules' window that was not kept when read."""
    from mailwatch.pipeline.sync import FolderSync

    addresses: list[str] = []
    for cid in clients:
        client = app.settings.clients.get(cid)
        if client is None:
            continue
        addresses.extend(client.emails)
        addresses.extend(f"@{d}" for d in client.domains)
    fetched = 0
    new_records: list = []
    if addresses:
        since = app.window_start()
        for folder in app.folders():
            uids = app.mailbox.search_addresses(folder, addresses, since)
            job = FolderSync(app.mailbox, app.store, folder, app.clock.now(), app.text_policy())
            report = job.backfill(uids)
            fetched += report.new
            new_records.extend(job.records)
    known = dict(app.store.meta().get(INDEXED) or {})
    fingerprints = address_fingerprints(app)
    for cid in clients:
        if cid in fingerprints:
            known[cid] = fingerprints[cid]
    app.store.set_meta(**{INDEXED: known})
    return fetched, new_records


def run(app: App, *, fetch: bool = True) -> ReindexReport:
    report = ReindexReport()
    with app.store.batch():
        report.rerouted = refresh(app)
    if fetch:
        clients = changed_clients(app) or []
        report.clients = clients
        if clients:
            report.fetched, records = backfill(app, clients)
            app.after_sync_records(records)
    return report
