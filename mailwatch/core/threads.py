"""Group a client's messages into conversations.

Links come from References, then In-Reply-To; the subject is the last resort,
used only for a message that says it is a reply ("Re: ...") but carries no
reply headers (some clients and phones drop them).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from mailwatch.core.model import Message

_REPLY_PREFIX = re.compile(
    r"^\s*((re|aw|sv|vs|antw|réf|ref|tr|fwd?|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


def strip_reply_prefixes(subject: str) -> str:
    return _REPLY_PREFIX.sub("", subject).strip()


def reply_subject(subject: str) -> str:
    """'Re: ' exactly once in front of the original subject."""
    base = strip_reply_prefixes(subject)
    return f"Re: {base}" if base else "Re:"


def _subject_key(subject: str) -> str:
    return "subject:" + " ".join(strip_reply_prefixes(subject).lower().split())


@dataclass(frozen=True, slots=True)
class Thread:
    messages: tuple[Message, ...]  # one copy per join_id, oldest first

    @property
    def first(self) -> Message:
        return self.messages[0]

    @property
    def last(self) -> Message:
        return self.messages[-1]

    @property
    def contact(self) -> tuple[Message, ...]:
        return tuple(m for m in self.messages if m.is_contact)

    def find(self, join_id: str) -> Message | None:
        return next((m for m in self.messages if m.join_id == join_id), None)

    def owner_answer(
        self, message: Message, now: datetime, ignore: Collection[str] = ()
    ) -> Message | None:
        """The owner's first reply to the client after `message`, if any.

        `ignore` names our own messages that do not count as an answer (a holding reply
        promises one; it is not one).
        """
        for m in self.contact:
            if m.direction == "out" and message.date < m.date <= now and m.join_id not in ignore:
                return m
        return None

    def ids(self) -> frozenset[str]:
        ids: set[str] = set()
        for m in self.messages:
            ids.add(m.join_id)
            ids.update(m.aliases)
            ids.update(m.references)
            if m.in_reply_to:
                ids.add(m.in_reply_to)
        return frozenset(ids)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            parent = self.parent[item] = self.find(parent)
        return parent

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def dedupe(messages: Iterable[Message]) -> list[Message]:
    """One copy per message, by date: the same message can sit in INBOX and Sent, and
    a draft we sent stands in for its Sent copy until that is synced. Copies share a
    join id or an alias: Outlook rewrites the Message-ID of what it sends and keeps
    ours in X-Microsoft-Original-Message-ID, so the Sent copy of a draft carries the
    draft's id only as an alias. Counting both would make one nudge look like two."""
    seen: set[str] = set()
    out: list[Message] = []
    for m in sorted(messages, key=lambda m: (m.date, m.key)):
        ids = (m.join_id, *m.aliases)
        if any(i in seen for i in ids):
            seen.update(ids)
            continue
        seen.update(ids)
        out.append(m)
    return out


def build_threads(messages: Sequence[Message]) -> list[Thread]:
    unique = dedupe(messages)
    uf = _UnionFind()
    subject_roots: dict[str, str] = {}
    for m in unique:
        uf.find(m.join_id)
        for alias in m.aliases:  # a reply may name the original id, not the rewritten one
            uf.union(m.join_id, alias)
        links = [*m.references, *([m.in_reply_to] if m.in_reply_to else [])]
        for link in links:
            uf.union(link, m.join_id)
        key = _subject_key(m.subject)
        if links:
            subject_roots.setdefault(key, m.join_id)
        elif _REPLY_PREFIX.match(m.subject) and key in subject_roots:
            uf.union(subject_roots[key], m.join_id)
        else:
            subject_roots.setdefault(key, m.join_id)
    groups: dict[str, list[Message]] = {}
    for m in unique:
        groups.setdefault(uf.find(m.join_id), []).append(m)
    threads = [Thread(tuple(group)) for group in groups.values()]
    return sorted(threads, key=lambda t: (t.first.date, t.first.key))
