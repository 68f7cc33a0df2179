"""Incremental sync of INBOX and Sent into the store.

Per folder we keep {UIDVALIDITY, last UID, UIDNEXT, HIGHESTMODSEQ}. A quiet
folder costs one STATUS. New UIDs are fetched in batches (headers first, then
the first bytes of the text, and attachment names, only for recent messages whose
route a rule reads: old mail feeds statistics, not rules). Each message is routed
once (mailwatch/route/) and the detectors' facts are derived from its text
(pipeline/facts.py). Only mail the router keeps is stored; the cursor moves past
the rest. The cursor only moves forward in the
commit that records the messages it covers, and is written after them, so a crash
never skips mail (see mailwatch/store/store.py).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mailwatch import route as routes
from mailwatch.core.tracking import STATS_DAYS
from mailwatch.errors import ConnectionFailed
from mailwatch.imap.base import Attachment, FetchedMessage, FolderStatus, Mailbox
from mailwatch.logs import redact
from mailwatch.parse import ParsedHeaders, ParseError, parse_headers
from mailwatch.parse.fields import TEXT_PREFIX_BYTES
from mailwatch.pipeline.facts import FactSettings, derive
from mailwatch.pipeline.records import add_text, build_record, message_key
from mailwatch.store import FolderState, MessageRecord, Store

log = logging.getLogger("mailwatch.imap")

FETCH_BATCH = 500  # UIDs per FETCH: well under servers' command-length limits
# A big first sync commits every this many messages fetched. A commit rewrites only the
# month files it touched, so committing often costs little, and a first sync broken
# off half-way resumes from the last commit.
COMMIT_EVERY = 5000


# While a big ingest runs, the cyclic garbage collector's first generation is collected
# every this many allocations (Python's default is 700).
BIG_INGEST_GC_THRESHOLD = 50_000


@contextmanager
def _fewer_collections(big: bool) -> Iterator[None]:
    """A big ingest makes ~10 objects per message (records, header dicts, strings) that
    live until their commit and form no cycles; at the default threshold the collector
    walks that growing heap again and again, ~9 % of a 20k first sync for nothing.
    Collections only get rarer here (garbage in cycles waits a little longer), and the
    process's own setting is back afterwards."""
    if not big:
        yield
        return
    saved = gc.get_threshold()
    gc.set_threshold(max(saved[0], BIG_INGEST_GC_THRESHOLD), *saved[1:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def text_wanted(record: MessageRecord) -> bool:
    if record.route in routes.TEXT_WANTED:
        return True
    # A client's out-of-office says when they are back.
    return record.route == routes.AUTOMATIC and record.not_contact in (
        "out-of-office",
        "auto-reply",
    )


def wants_attachments(record: MessageRecord, inbox: str) -> bool:
    return record.route == routes.BILLING or (
        record.route == routes.CLIENT and record.folder != inbox
    )


@dataclass(frozen=True)
class TextPolicy:
    """Which messages get the first bytes of their text read, and what counts as asking.

    Ours, for the last 90 days: "does it ask something?" drives the follow-up rules and
    the client's response times. Theirs, only within the look-back: older conversations
    are history, and reading text is the dearest part of a sync.
    """

    own_addresses: frozenset[str] = frozenset()
    outbound_days: int = STATS_DAYS
    inbound_days: int = 30
    facts: FactSettings = field(default_factory=FactSettings)
    # A client's invoice numbers (an owner's mail naming one is a reminder by hand).
    invoice_numbers: Callable[[str], Iterable[str]] = field(default=lambda _client: ())

    def wants(self, record: MessageRecord, now: datetime) -> bool:
        """Only routes whose text a rule reads (see mailwatch/route), and only recent."""
        if record.route is not None and not text_wanted(record):
            return False
        ours = record.from_addr in self.own_addresses
        days = self.outbound_days if ours else self.inbound_days
        return record.date >= now - timedelta(days=days)


@dataclass
class FolderReport:
    folder: str
    new: int = 0  # new messages stored (kept)
    other: int = 0  # new messages read and not kept (not a client's)
    quarantined: int = 0
    renumbered: bool = False


@dataclass
class SyncReport:
    folders: list[FolderReport] = field(default_factory=list)
    new_records: list[MessageRecord] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(f.new for f in self.folders)

    @property
    def other(self) -> int:
        return sum(f.other for f in self.folders)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.folders)

    @property
    def changed(self) -> bool:
        return any(f.new or f.quarantined or f.renumbered for f in self.folders)


def _batches(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class FolderSync:
    def __init__(
        self,
        mailbox: Mailbox,
        store: Store,
        folder: str,
        now: datetime,
        policy: TextPolicy = TextPolicy(),
    ) -> None:
        self.mailbox = mailbox
        self.store = store
        self.folder = folder
        self.now = now
        self.policy = policy
        self.report = FolderReport(folder)
        self.records: list[MessageRecord] = []
        self.router = store.router
        self.inbox: str = getattr(self.router, "inbox", "INBOX")

    def run(self) -> FolderReport:
        status = self.mailbox.status(self.folder)
        state = self.store.folder_state(self.folder)
        if state is not None and state.uidvalidity != status.uidvalidity:
            self._renumbered(state, status)
            return self.report
        if (
            state is not None
            and state.uidnext == status.uidnext
            and (status.highestmodseq is None or state.highestmodseq == status.highestmodseq)
        ):
            return self.report  # quiet: one STATUS round trip
        last_uid = state.last_uid if state else 0
        uids = self.mailbox.uids_after(self.folder, last_uid)
        self._ingest(uids, status, last_uid)
        return self.report

    # -- ingestion --------------------------------------------------------------------

    def _ingest(self, uids: list[int], status: FolderStatus, last_uid: int) -> None:
        pending: list[MessageRecord] = []
        pending_quarantine: list[dict[str, Any]] = []
        texts: dict[str, str] = {}
        cursor = last_uid
        fetched = 0
        with _fewer_collections(len(uids) > FETCH_BATCH):
            for batch in _batches(uids, FETCH_BATCH):
                records, quarantine = self._fetch_batch(status.uidvalidity, batch, texts)
                pending.extend(records)
                pending_quarantine.extend(quarantine)
                cursor = max(batch)
                fetched += len(batch)
                if fetched >= COMMIT_EVERY:
                    self._commit(pending, pending_quarantine, texts, status, cursor, final=False)
                    pending, pending_quarantine, texts = [], [], {}
                    fetched = 0
            self._commit(pending, pending_quarantine, texts, status, cursor, final=True)

    def _fetch_batch(
        self, uidvalidity: int, uids: Sequence[int], texts: dict[str, str]
    ) -> tuple[list[MessageRecord], list[dict[str, Any]]]:
        fetched = self.mailbox.fetch_headers(self.folder, uids)
        records: list[MessageRecord] = []
        quarantine: list[dict[str, Any]] = []
        parsed_by_uid: dict[int, ParsedHeaders] = {}
        for item in fetched:
            key = message_key(self.folder, uidvalidity, item.uid)
            if self.store.has_message(key):
                continue
            try:
                parsed = parse_headers(item.header)
            except ParseError as exc:
                quarantine.append(self._quarantine_entry(item, key, exc.reason))
                continue
            except Exception as exc:  # never let one message stop the batch
                log.exception("unexpected failure parsing %s", key)
                quarantine.append(self._quarantine_entry(item, key, f"parser failure: {exc!r}"))
                continue
            record = build_record(self.folder, uidvalidity, item, parsed, self.now)
            if record is None:
                quarantine.append(
                    self._quarantine_entry(
                        item, key, "no usable date (no Date header, no arrival date)"
                    )
                )
                continue
            if self.router is not None and not self.router.keep(record):
                self.report.other += 1
                continue
            records.append(record)
            parsed_by_uid[item.uid] = parsed
        self._add_texts(records, parsed_by_uid, texts)
        return records, quarantine

    def _add_texts(
        self,
        records: list[MessageRecord],
        parsed_by_uid: dict[int, ParsedHeaders],
        texts: dict[str, str],
    ) -> None:
        recent = [r for r in records if self.policy.wants(r, self.now)]
        if not recent:
            return
        bodies = self.mailbox.fetch_text(self.folder, [r.uid for r in recent], TEXT_PREFIX_BYTES)
        # Attached files' names (never the files): invoices are often named only there.
        named = [r.uid for r in recent if wants_attachments(r, self.inbox)]
        files: dict[int, tuple[Attachment, ...]] = {}
        if named:
            try:
                files = self.mailbox.fetch_attachments(self.folder, named)
            except ConnectionFailed:
                raise
            except Exception as exc:  # a hostile structure: read the texts without names
                log.warning("could not read attachment names in %s: %s", self.folder, exc)
        for record in recent:
            body = bodies.get(record.uid, b"")
            try:
                text, own = add_text(
                    record,
                    parsed_by_uid[record.uid],
                    body,
                    TEXT_PREFIX_BYTES,
                )
                texts[record.key] = text
                client, direction = (
                    self.router.classify(record) if self.router is not None else (None, "in")
                )
                record.facts = derive(
                    record,
                    text,
                    [a.name for a in files.get(record.uid, ())],
                    self.policy.facts,
                    client,
                    direction,
                    self.policy.invoice_numbers,
                    own=own,
                )
            except Exception as exc:
                # The record stands without its text; the owner hears that mailwatch
                # could not read it (its follow-up, say, would otherwise never come).
                log.warning("could not read the text of %s: %s", record.key, redact(repr(exc)))
                record.facts = {"text_error": redact(f"{type(exc).__name__}: {exc}")[:200]}

    def _quarantine_entry(self, item: FetchedMessage, key: str, reason: str) -> dict[str, Any]:
        self.report.quarantined += 1
        log.info("quarantined %s: %s", key, reason)
        return {
            "key": key,
            "folder": self.folder,
            "uid": item.uid,
            "reason": reason,
            "at": self.now.isoformat(),
            "arrived": item.internaldate.isoformat() if item.internaldate else None,
            "header_excerpt": item.header[:300].decode("utf-8", "replace"),
        }

    def _commit(
        self,
        records: list[MessageRecord],
        quarantine: list[dict[str, Any]],
        texts: dict[str, str],
        status: FolderStatus,
        cursor: int,
        *,
        final: bool,
    ) -> None:
        state = FolderState(
            name=self.folder,
            uidvalidity=status.uidvalidity,
            last_uid=cursor,
            # UIDNEXT/MODSEQ mark the folder "seen up to here" only once all is in.
            uidnext=status.uidnext if final else None,
            highestmodseq=status.highestmodseq if final else None,
        )
        with self.store.batch():
            fresh = self.store.add_messages(records, texts)
            for entry in quarantine:
                self.store.quarantine(entry)
            self.store.set_folder_state(state)
        self.records.extend(fresh)
        self.report.new += len(fresh)

    # -- reindex: mail of a client that was not kept before ---------------------------

    def backfill(self, uids: Sequence[int]) -> FolderReport:
        """Fetch and store these UIDs (below the cursor: mail read before a client's
        address was known, and not kept then). The cursor does not move."""
        status = self.mailbox.status(self.folder)
        state = self.store.folder_state(self.folder)
        if state is None or state.uidvalidity != status.uidvalidity:
            return self.report  # the next sync reads the folder afresh
        wanted = sorted(uid for uid in uids if uid <= state.last_uid)
        for batch in _batches(wanted, FETCH_BATCH):
            texts: dict[str, str] = {}
            records, quarantine = self._fetch_batch(status.uidvalidity, batch, texts)
            with self.store.batch():
                fresh = self.store.add_messages(records, texts)
                for entry in quarantine:
                    self.store.quarantine(entry)
            self.records.extend(fresh)
            self.report.new += len(fresh)
        return self.report

    # -- UIDVALIDITY change -----------------------------------------------------------

    def _renumbered(self, old: FolderState, status: FolderStatus) -> None:
        """Every UID is void: re-match what we know by Message-ID, add only what is new.

        Rules act on conversations, not on arrivals, so re-found messages trigger nothing.
        """
        log.warning(
            "%s: UIDVALIDITY changed (%s -> %s); re-matching by Message-ID",
            self.folder,
            old.uidvalidity,
            status.uidvalidity,
        )
        self.report.renumbered = True
        # Join id -> key of every stored message of the old numbering (every month: a
        # renumbering is rare, and the old keys are all void).
        known = {
            r.join_id: r.key
            for r in self.store.all_messages()
            if r.folder == self.folder and r.uidvalidity == old.uidvalidity
        }
        uids = self.mailbox.uids_after(self.folder, 0)
        rekey: dict[str, dict[str, Any]] = {}
        fresh_uids = []
        for batch in _batches(uids, FETCH_BATCH):
            for item in self.mailbox.fetch_headers(self.folder, batch):
                try:
                    parsed = parse_headers(item.header)
                except Exception:
                    fresh_uids.append(item.uid)
                    continue
                record = build_record(self.folder, status.uidvalidity, item, parsed, self.now)
                match = known.pop(record.join_id, None) if record else None
                if match is None:
                    fresh_uids.append(item.uid)
                else:
                    new_key = message_key(self.folder, status.uidvalidity, item.uid)
                    rekey[match] = {
                        "key": new_key,
                        "uidvalidity": status.uidvalidity,
                        "uid": item.uid,
                    }
        with self.store.batch():
            self.store.rekey_messages(rekey)
            self.store.set_folder_state(FolderState(self.folder, status.uidvalidity, 0))
        # Anything not re-found goes through normal ingestion (quarantine included).
        self._ingest(sorted(fresh_uids), status, 0)
        self.store.set_folder_state(
            FolderState(
                self.folder,
                status.uidvalidity,
                max(uids, default=0),
                status.uidnext,
                status.highestmodseq,
            )
        )


def sync_mailbox(
    mailbox: Mailbox,
    store: Store,
    folders: Sequence[str],
    now: datetime | None = None,
    policy: TextPolicy = TextPolicy(),
) -> SyncReport:
    moment = now or datetime.now(UTC)
    report = SyncReport()
    for folder in folders:
        job = FolderSync(mailbox, store, folder, moment, policy)
        report.folders.append(job.run())
        report.new_records.extend(job.records)
    return report
