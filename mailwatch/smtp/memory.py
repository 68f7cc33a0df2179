"""An outbox that keeps messages in a list (unit tests), with scripted failures.

It behaves like SmtpOutbox talking to a real server, step by step; the contract
tests (tests/integration/test_outbox_contract.py) run the same checks against both:

- RCPT: `refuse` answers per recipient. All refused: PermanentFailure if every reply
  is 5xx, else TemporaryFailure, and `before_data` is not called. Some refused: the
  others still get the message, and `Delivery.refused` names the refused ones.
- DATA: `before_data` is called once, then the next of `replies` (if any) answers
  the message: 4xx -> TemporaryFailure, 5xx -> PermanentFailure, nothing delivered.
  Two faults act like a broken connection after the text went out: `DROP` (the
  server never took it) and `LOST_REPLY` (it took it, the answer never came back).
  Both raise DeliveryUnknown; only LOST_REPLY records the message in `sent`.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Final

from mailwatch.smtp.base import (
    BeforeData,
    Delivery,
    DeliveryUnknown,
    PermanentFailure,
    TemporaryFailure,
)

DROP: Final = "DROP"  # the connection breaks after the text, before the server took it
LOST_REPLY: Final = "LOST_REPLY"  # the server took the message; its answer is lost


class MemoryOutbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[str, ...], bytes]] = []
        # Answers to DATA, one per send: e.g. ["451 later"], or DROP / LOST_REPLY.
        self.replies: list[str] = []
        self.refuse: dict[str, str] = {}  # recipient -> its RCPT reply

    async def send(
        self,
        sender: str,
        recipients: Sequence[str],
        raw: bytes,
        before_data: BeforeData | None = None,
    ) -> Delivery:
        refused = {r: self.refuse[r] for r in recipients if r in self.refuse}
        accepted = tuple(r for r in recipients if r not in refused)
        if not accepted:
            worst = "\n".join(f"{a}: {r}" for a, r in refused.items())
            permanent = all(r.startswith("5") for r in refused.values())
            raise (PermanentFailure if permanent else TemporaryFailure)(worst, refused)
        if before_data is not None:
            result = before_data()
            if inspect.isawaitable(result):
                await result
        reply = self.replies.pop(0) if self.replies else None
        if reply == DROP:
            raise DeliveryUnknown("The connection broke while the message was being sent.")
        if reply == LOST_REPLY:
            self.sent.append((sender, accepted, raw))
            raise DeliveryUnknown("The connection broke while the message was being sent.")
        if reply is not None and not reply.startswith("2"):
            cls = PermanentFailure if reply.startswith("5") else TemporaryFailure
            raise cls(reply, refused)
        self.sent.append((sender, accepted, raw))
        return Delivery(accepted, refused)
