"""One primary channel per client: mail from a new address of a known client domain.

A message attributed to a client through one of its domains, from an address that
is not in the client's file, is flagged so the owner can confirm it (and add it to
`emails`, or make it the primary one). No draft: it is the owner's call.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from mailwatch.core.context import ClientContext
from mailwatch.core.model import Attention, DraftView, Evidence, Message


class NewAddress:
    name = "new_address"
    kinds: tuple[str, ...] = ()

    def propose(self, ctx: ClientContext) -> Iterator[Attention]:
        known = {e.lower() for e in ctx.emails}
        first_seen: dict[str, Message] = {}
        for _, message in ctx.received():
            for address in message.counterparts:
                address = address.lower()
                if address not in known and address not in first_seen:
                    first_seen[address] = message
        for address, message in first_seen.items():
            yield Attention(
                "new_address",
                ctx.client_id,
                message.date,
                f"new_address:{address}",
                Evidence(
                    "new_address",
                    {
                        "client_name": ctx.name,
                        "address": address,
                        "primary": ctx.emails[0] if ctx.emails else "",
                    },
                    message.key,
                    message.join_id,
                    message.date,
                ),
            )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        return None  # only new mail changes it

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        return None
