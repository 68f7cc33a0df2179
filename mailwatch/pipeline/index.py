"""Stored records turned into the core's Messages, grouped by client and sorted by date.

Built once per process from the months of the rules' window (and again only when
another process changed those months, or the window moved), then grown as new
mail arrives, so a quiet cycle does not walk the mailbox. What lies before the
window reaches `status` through the store's per-client aggregates.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from datetime import datetime

from mailwatch.core.attribution import Directory
from mailwatch.core.model import SENT, Message
from mailwatch.core.threads import Thread, build_threads
from mailwatch.store.records import Draft, MessageRecord
from mailwatch.store.store import ClientStats


def to_message(record: MessageRecord, directory: Directory) -> Message:
    attribution = directory.attribute(record.from_addr, record.to, record.cc)
    return Message(
        key=record.key,
        join_id=record.join_id,
        in_reply_to=record.in_reply_to,
        references=record.references,
        subject=record.subject,
        date=record.date,
        direction=attribution.direction,
        client=attribution.client,
        counterparts=attribution.counterparts,
        from_name=record.from_name,
        not_contact=record.not_contact,
        asks=record.asks,
        snippet=record.snippet,
        aliases=_aliases(record),
        facts=record.facts,
    )


def _aliases(record: MessageRecord) -> tuple[str, ...]:
    aliases = [a for a in record.alias_ids if a != record.join_id]
    if record.gm_msgid:
        aliases.append(f"gm:{record.gm_msgid}")
    return tuple(aliases)


def sent_draft_message(draft: Draft) -> Message | None:
    """A draft we sent, as an outbound message, until its copy is synced from Sent."""
    if draft.status != SENT or not draft.message_id or draft.sent_at is None:
        return None
    return Message(
        key=f"draft/{draft.id}",
        join_id=draft.message_id,
        in_reply_to=draft.in_reply_to,
        references=draft.references,
        subject=draft.subject,
        date=draft.sent_at,
        direction="out",
        client=draft.client,
        counterparts=draft.to,
        # A follow-up or a pause notice asks for an answer; a holding reply, a
        # confirmation or a billing notice is not chased by the follow-up ladder.
        asks=draft.kind in ("follow_up", "pause_notice"),
    )


class _ClientMessages:
    __slots__ = ("dates", "messages", "version")

    def __init__(self) -> None:
        self.dates: list[tuple[datetime, str]] = []
        self.messages: dict[tuple[datetime, str], Message] = {}
        self.version = 0  # bumps on every insertion, so a (version, lo, hi) slice is stable

    def add(self, message: Message) -> None:
        key = (message.date, message.key)
        if key not in self.messages:
            insort(self.dates, key)
            self.messages[key] = message
            self.version += 1


class MessageIndex:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._clients: dict[str, _ClientMessages] = {}
        self._virtual: dict[str, Message] = {}
        self._history: dict[str, ClientStats] = {}
        # client -> (what its window held, the threads built from it). The rules run for
        # every client on every evaluate; on a quiet cycle the windows hold the same
        # messages as last time, and grouping them was most of the cycle's cost.
        self._threads: dict[str, tuple[tuple[object, ...], tuple[Thread, ...]]] = {}

    def add_records(self, records: Iterable[MessageRecord]) -> None:
        for record in records:
            message = to_message(record, self.directory)
            if message.client is not None:
                self._clients.setdefault(message.client, _ClientMessages()).add(message)

    def set_history(self, stats: dict[str, ClientStats]) -> None:
        """Each client's last message each way ever (the store's aggregates), for the
        clients whose last contact lies before the window held in memory."""
        self._history = stats

    def set_sent_drafts(self, drafts: Iterable[Draft], notes: Iterable[Message] = ()) -> None:
        """Sent drafts stand in for their Sent copies (deduplicated by Message-ID), and
        the owner's notes that answer for the client (`mailwatch note --answers`) stand
        in for the client's reply.

        Unchanged ones keep their Message object, so the threads cache sees them as the
        same at the cost of an identity check.
        """
        fresh: dict[str, Message] = {}
        for note in notes:
            known = self._virtual.get(note.key)
            fresh[note.key] = known if known == note else note
        for draft in drafts:
            if draft.status != SENT:
                continue
            known = self._virtual.get(f"draft/{draft.id}")
            if known is not None and known.join_id == draft.message_id:
                fresh[known.key] = known
                continue
            message = sent_draft_message(draft)
            if message is not None:
                fresh[message.key] = message
        self._virtual = fresh

    def _bounds(self, client: str, since: datetime, until: datetime) -> tuple[int, int, int]:
        bucket = self._clients.get(client)
        if bucket is None:
            return -1, 0, 0
        lo = bisect_left(bucket.dates, (since, ""))
        hi = bisect_right(bucket.dates, (until, "\uffff"))
        return bucket.version, lo, hi

    def _virtual_in(self, client: str, since: datetime, until: datetime) -> tuple[Message, ...]:
        return tuple(
            m for m in self._virtual.values() if m.client == client and since <= m.date <= until
        )

    def window(self, client: str, since: datetime, until: datetime) -> list[Message]:
        _, lo, hi = self._bounds(client, since, until)
        found: list[Message] = []
        if hi > lo:
            bucket = self._clients[client]
            found = [bucket.messages[k] for k in bucket.dates[lo:hi]]
        found.extend(self._virtual_in(client, since, until))
        return found

    def threads(self, client: str, since: datetime, until: datetime) -> tuple[Thread, ...]:
        """`build_threads(window(client, since, until))`, reused while the window holds
        the same messages (same bucket version and slice, equal sent drafts)."""
        key = (*self._bounds(client, since, until), self._virtual_in(client, since, until))
        cached = self._threads.get(client)
        if cached is not None and cached[0] == key:
            return cached[1]
        threads = tuple(build_threads(self.window(client, since, until)))
        self._threads[client] = (key, threads)
        return threads

    def last_contact(self, client: str, now: datetime) -> tuple[datetime | None, datetime | None]:
        """The latest real client message and the latest message of ours, up to `now`."""
        last_in: datetime | None = None
        last_out: datetime | None = None
        bucket = self._clients.get(client)
        if bucket is not None:
            hi = bisect_right(bucket.dates, (now, "\uffff"))
            for key in reversed(bucket.dates[:hi]):
                message = bucket.messages[key]
                if not message.is_contact:
                    continue
                if message.direction == "in" and last_in is None:
                    last_in = message.date
                elif message.direction == "out" and last_out is None:
                    last_out = message.date
                if last_in and last_out:
                    break
        for message in self._virtual.values():
            mine = message.client == client and message.date <= now
            if mine and (last_out is None or message.date > last_out):
                last_out = message.date
        history = self._history.get(client)
        if history is not None:
            # Before the window: the aggregates (only usable if not after `now`, e.g.
            # with --now in the past; the window then holds that time's mail anyway).
            if last_in is None and history.last_in is not None and history.last_in <= now:
                last_in = history.last_in
            if last_out is None and history.last_out is not None and history.last_out <= now:
                last_out = history.last_out
        return last_in, last_out
