"""Who owes whom a reply in a thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailwatch.core.model import Message
from mailwatch.core.threads import Thread


@dataclass(frozen=True, slots=True)
class Episode:
    """A thread waiting on the client since our asking message `anchor`."""

    thread: Thread
    anchor: Message
    follow_ups: tuple[Message, ...]  # our messages in the thread after the anchor

    @property
    def last_outbound(self) -> Message:
        return self.follow_ups[-1] if self.follow_ups else self.anchor

    @property
    def client(self) -> str:
        return self.anchor.client or ""


def waiting_on_client(thread: Thread, now: datetime) -> Episode | None:
    """The episode open in this thread, if our last word asked something unanswered.

    Only contact counts: an auto-reply or a bounce is not an answer.
    """
    contact = [m for m in thread.contact if m.date <= now]
    last_in = max((i for i, m in enumerate(contact) if m.direction == "in"), default=-1)
    ours = contact[last_in + 1 :]
    for index, message in enumerate(ours):
        if message.asks:
            return Episode(thread, message, tuple(ours[index + 1 :]))
    return None


def waiting_on_owner(thread: Thread, now: datetime) -> Message | None:
    """The first client message we have not answered yet, if the client has the last word."""
    contact = [m for m in thread.contact if m.date <= now]
    if not contact or contact[-1].direction != "in":
        return None
    first = len(contact) - 1
    while first > 0 and contact[first - 1].direction == "in":
        first -= 1
    return contact[first]


def replied_after(thread: Thread, moment: datetime, now: datetime) -> Message | None:
    """The client's first real message in the thread after `moment`, if any."""
    for message in thread.contact:
        if message.direction == "in" and moment < message.date <= now:
            return message
    return None
