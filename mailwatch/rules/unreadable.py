"""A message whose text could not be read: the owner hears of it.

Its record stands (headers, date, thread), but nothing its text would have told the
rules is known: whether our message asked something (so whether to chase it), a
client's request, an out-of-office date. Rather than a follow-up that silently never
comes, the message is listed for the owner to read themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from mailwatch.core.context import ClientContext
from mailwatch.core.model import Attention, DraftView, Evidence


class UnreadableText:
    name = "unreadable_text"
    kinds: tuple[str, ...] = ()

    def propose(self, ctx: ClientContext) -> Iterator[Attention]:
        for thread in ctx.threads:
            if not ctx.is_active(thread):
                continue
            for message in thread.messages:
                error = message.facts.get("text_error")
                if error and message.date <= ctx.now:
                    yield Attention(
                        "text_unreadable",
                        ctx.client_id,
                        message.date,
                        f"text_unreadable:{message.join_id}",
                        Evidence(
                            "text_unreadable",
                            {
                                "client_name": ctx.name,
                                "subject": message.subject,
                                "direction": message.direction,
                                "error": str(error),
                            },
                            message.key,
                            message.join_id,
                            message.date,
                        ),
                    )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        return None

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        return None
