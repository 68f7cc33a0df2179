"""An outbox that keeps messages in a list (unit tests), with scripted failures."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from mailwatch.smtp.base import BeforeData, Delivery, PermanentFailure, TemporaryFailure


class MemoryOutbox:
    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[str, ...], bytes]] = []
        self.replies: list[str] = []  # e.g. ["451 later"]: consumed one per send
        self.refuse: dict[str, str] = {}  # recipient -> reply

    async def send(
        self,
        sender: str,
        recipients: Sequence[str],
        raw: bytes,
        before_data: BeforeData | None = None,
    ) -> Delivery:
        if self.replies:
            reply = self.replies.pop(0)
            cls = PermanentFailure if reply.startswith("5") else TemporaryFailure
            raise cls(reply)
        refused = {r: self.refuse[r] for r in recipients if r in self.refuse}
        accepted = tuple(r for r in recipients if r not in refused)
        if not accepted:
            permanent = all(r.startswith("5") for r in refused.values())
            raise (PermanentFailure if permanent else TemporaryFailure)("all refused", refused)
        if before_data is not None:
            result = before_data()
            if inspect.isawaitable(result):
                await result
        self.sent.append((sender, accepted, raw))
        return Delivery(accepted, refused)
