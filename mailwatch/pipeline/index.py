"""Stored records turned into the core's Messages, grouped by client and sorted by date.

Built once per process (and again only when another process rewrote the
state), then grown as new mail arrives, so a quiet cycle does not walk the
whole mailbox.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from mailwatch.core.attribution import Directory
from mailwatch.core.model import SENT, Message
from mailwatch.core.threads import Thread, build_threads


def to_message(record: dict[str, Any], directory: Directory) -> Message:
    attribution = directory.attribute(
        record.get("from"), record.get("to", []), record.get("cc", [])
    )
    return Message(
        key=record["key"],
        join_id=record["jid"],
        in_reply_to=record.get("irt"),
        references=tuple(record.get("refs") or ()),
        subject=record.get("subject", ""),
        date=datetime.fromisoformat(record["date"]),
        direction=attribution.direction,
        client=attribution.client,
        counterparts=attribution.counterparts,
        from_name=record.get("from_name", ""),
        not_contact=record.get("nc"),
        asks=record.get("asks"),
        snippet=record.get("snippet", ""),
        aliases=_aliases(record),
        facts=record.get("facts") or {},
    )


def _aliases(record: dict[str, Any]) -> tuple[str, ...]:
    aliases = [a for a in record.get("aliases") or () if a != record["jid"]]
    if record.get("gm"):
        aliases.append(f"gm:{record['gm']}")
    return tuple(aliases)


def sent_draft_message(draft: dict[str, Any]) -> Message | None:
    """A draft we sent, as an outbound message, until its copy is synced from Sent."""
    if draft.get("status") != SENT or not draft.get("message_id") or not draft.get("sent_at"):
        return None
    return Message(
        key=f"draft/{draft['id']}",
        join_id=draft["message_id"],
        in_reply_to=draft.get("in_reply_to"),
        references=tuple(draft.get("references") or ()),
        subject=draft.get("subject", ""),
        date=datetime.fromisoformat(draft["sent_at"]),
        direction="out",
        client=draft["client"],
        counterparts=tuple(draft.get("to") or ()),
        # A follow-up or a pause notice asks for an answer; a holding reply, a
        # confirmation or a billing notice is not chased by the follow-up ladder.
        asks=draft.get("kind") in ("follow_up", "pause_notice"),
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
        # client -> (what its window held, the threads built from it). The rules run for
        # every client on every evaluate; on a quiet cycle the windows hold the same
        # messages as last time, and grouping them was most of the cycle's cost.
        self._threads: dict[str, tuple[tuple[object, ...], tuple[Thread, ...]]] = {}

    def add_records(self, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            message = to_message(record, self.directory)
            if message.client is not None:
                self._clients.setdefault(message.client, _ClientMessages()).add(message)

    def set_sent_drafts(self, drafts: Iterable[dict[str, Any]]) -> None:
        """Sent drafts stand in for their Sent copies (deduplicated by Message-ID).

        Unchanged ones keep their Message object, so the threads cache sees them as the
        same at the cost of an identity check.
        """
        fresh: dict[str, Message] = {}
        for draft in drafts:
            if draft.get("status") != SENT:
                continue
            known = self._virtual.get(f"draft/{draft['id']}")
            if known is not None and known.join_id == draft.get("message_id"):
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
        return last_in, last_out
