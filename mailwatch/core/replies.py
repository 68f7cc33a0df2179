"""How a draft answers in a conversation: headers, recipients, and whom to greet."""

from __future__ import annotations

import unicodedata

from mailwatch.core.context import ClientContext
from mailwatch.core.model import Message
from mailwatch.core.rule import Reply
from mailwatch.core.threads import Thread, reply_subject

MAX_REFERENCES = 20


def reply_in(ctx: ClientContext, thread: Thread, to: tuple[str, ...] = ()) -> Reply:
    """Reply under the latest real message of the thread: never under an auto-reply or
    a bounce, and never with an unbounded References list."""
    real = [m for m in thread.contact if m.join_id.startswith("<")] or [
        m for m in thread.messages if m.join_id.startswith("<")
    ]
    recipients = to or _counterparts(thread) or (ctx.primary_email,)
    subject = reply_subject(thread.first.subject)
    if not real:
        return Reply(recipients, subject)
    last = real[-1]
    chain = [*last.references, last.join_id]
    if len(chain) > MAX_REFERENCES:  # keep the root and the most recent ones
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return Reply(recipients, subject, last.join_id, tuple(chain))


def _counterparts(thread: Thread) -> tuple[str, ...]:
    """The client's addresses in the conversation, latest message first."""
    for message in reversed(thread.contact):
        if message.counterparts:
            return message.counterparts
    return ()


def _printable(name: str) -> bool:
    return all(unicodedata.category(c)[0] != "C" for c in name)


def contact_name(ctx: ClientContext) -> str:
    """Whom the draft greets: the client file's `contact_name` when set; else the first
    name the client signs with in their latest message ('' if unknown or doubtful).

    A display name is whatever the sender typed (anyone can send as "Jane"), so the
    configured name wins, and a name with control characters is never used.
    """
    if ctx.contact_name:
        return ctx.contact_name
    latest: Message | None = None
    for thread in ctx.threads:
        for m in thread.messages:
            # An out-of-office still carries the person's name; a bounce does not.
            personal = m.not_contact in (None, "auto-reply", "out-of-office")
            if m.direction == "in" and personal and (latest is None or m.date > latest.date):
                latest = m
    if latest is None:
        return ""
    name = latest.from_name.strip().strip("\"'")
    if not name or "@" in name or not _printable(name):
        return ""
    if "," in name:  # "Doe, Jane"
        name = name.split(",", 1)[1].strip()
    first = name.split()[0] if name.split() else ""
    return first if len(first) <= 40 else ""


def base_context(ctx: ClientContext, thread: Thread | None = None) -> dict[str, object]:
    """Template variables every draft has: whom it greets, the client, the subject."""
    from mailwatch.core.threads import strip_reply_prefixes

    return {
        "client_name": ctx.name,
        "contact_name": contact_name(ctx),
        "formality": ctx.formality,
        "subject": strip_reply_prefixes(thread.first.subject) if thread is not None else "",
    }
