"""Everything one client's rules may look at, gathered once per evaluation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from mailwatch.config.model import Billing, Contract, Rules
from mailwatch.core.calendar import BusinessCalendar

if TYPE_CHECKING:
    from mailwatch.core.billing import Invoice, ProbablePayment
from mailwatch.core.conversation import Episode, waiting_on_client
from mailwatch.core.model import DraftView, Message
from mailwatch.core.threads import Thread


@dataclass(frozen=True)
class ClientContext:
    client_id: str
    name: str
    language: str
    timezone: str
    primary_email: str
    rules: Rules
    contract: Contract
    calendar: BusinessCalendar
    threads: tuple[Thread, ...]
    drafts: tuple[DraftView, ...]
    now: datetime
    contact_name: str = ""  # from the client's file; preferred to names read from mail
    addons: Mapping[str, float] = field(default_factory=dict)
    formality: str = "vous"
    emails: tuple[str, ...] = ()  # the client's known addresses (the first is primary)
    # The owner cleared this client's hold (`mailwatch clear`): flags older than this
    # are settled.
    cleared_at: datetime | None = None
    billing: Billing = field(default_factory=Billing)
    invoices: tuple[Invoice, ...] = ()
    probable_payments: tuple[ProbablePayment, ...] = ()

    @property
    def lookback(self) -> timedelta:
        return timedelta(days=self.rules.lookback_days)

    def is_active(self, thread: Thread) -> bool:
        """Conversations quiet for longer than the look-back are history: stats only."""
        return thread.last.date >= self.now - self.lookback

    def received(self) -> Iterator[tuple[Thread, Message]]:
        """The client's real messages (not automatic) in active conversations, up to
        now, each with its conversation."""
        for thread in self.threads:
            if not self.is_active(thread):
                continue
            for message in thread.contact:
                if message.direction == "in" and message.date <= self.now:
                    yield thread, message

    @cached_property
    def episodes(self) -> tuple[Episode, ...]:
        found = []
        for thread in self.threads:
            if not self.is_active(thread):
                continue
            episode = waiting_on_client(thread, self.now)
            if episode is not None:
                found.append(episode)
        return tuple(found)
