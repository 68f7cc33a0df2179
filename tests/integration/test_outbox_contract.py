"""One contract, two outboxes: the in-memory fake and SmtpOutbox talking to the lab MTA.

Unit tests trust MemoryOutbox to behave like the real adapter on a real SMTP server;
this suite is what earns that trust, as test_mailbox_contract.py does for mailboxes.
Every test runs twice (param "memory" and "smtp") with the same steps and the same
expectations. Faults are injected on the server side: the fake's `replies`/`refuse`,
or the LocalMTA's `data_replies`/`rcpt_replies`/`data_delay` over real SMTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from mailwatch.config.model import Smtp
from mailwatch.lab.messages import make_email
from mailwatch.lab.mta import DROP as MTA_DROP
from mailwatch.lab.mta import LocalMTA
from mailwatch.smtp.base import (
    Delivery,
    DeliveryUnknown,
    Outbox,
    PermanentFailure,
    TemporaryFailure,
)
from mailwatch.smtp.client import SmtpOutbox
from mailwatch.smtp.memory import DROP, LOST_REPLY, MemoryOutbox
from tests.integration.workspace import MONDAY

SAM = "sam@studio.test"
JANE = "jane@acme.test"
BOB = "bob@acme.test"
RAW = make_email(
    sender=("Sam Rivera", SAM),
    to=[("Jane Doe", JANE), ("Bob", BOB)],
    subject="Re: Logo for the December posts",
    body="Hi Jane,\n\nA gentle nudge about the logo files.\n\nSam",
    date=MONDAY,
    message_id="<contract@studio.test>",
)


@dataclass
class Backend:
    """An outbox under test, the server-side faults it can be given, and what arrived."""

    name: str
    outbox: Outbox
    memory: MemoryOutbox | None = None
    mta: LocalMTA | None = None
    calls: list[int] = field(default_factory=list)  # messages delivered at each before_data

    def answer_data(self, reply: str) -> None:
        """The server's next answer to DATA."""
        if self.memory is not None:
            self.memory.replies.append(reply)
        else:
            assert self.mta is not None
            self.mta.data_replies.append(reply)

    def refuse(self, address: str, reply: str) -> None:
        if self.memory is not None:
            self.memory.refuse[address] = reply
        else:
            assert self.mta is not None
            self.mta.rcpt_replies[address] = reply

    def drop_after_data(self) -> None:
        """The connection breaks once the text is sent, before the server takes it."""
        self.answer_data(DROP if self.memory is not None else MTA_DROP)

    def lose_reply(self) -> None:
        """The server takes the message, but its answer never reaches us."""
        if self.memory is not None:
            self.memory.replies.append(LOST_REPLY)
        else:
            assert self.mta is not None
            self.mta.data_delay = 2.0  # longer than the client's timeout (0.5 s)

    def delivered(self) -> list[tuple[str, tuple[str, ...], bytes]]:
        """(sender, recipients, bytes) of every message the server accepted."""
        if self.memory is not None:
            return list(self.memory.sent)
        assert self.mta is not None
        return [(d.mail_from, tuple(d.rcpt_tos), d.data) for d in self.mta.deliveries]

    def send(self, recipients: tuple[str, ...] = (JANE, BOB)) -> Delivery:
        def before_data() -> None:
            self.calls.append(len(self.delivered()))

        return asyncio.run(self.outbox.send(SAM, list(recipients), RAW, before_data))


@pytest.fixture(params=["memory", "smtp"])
def backend(request: pytest.FixtureRequest, make_mta: Callable[..., LocalMTA]) -> Iterator[Backend]:
    if request.param == "memory":
        memory = MemoryOutbox()
        yield Backend("memory", memory, memory=memory)
        return
    mta = make_mta()
    config = Smtp(
        host="127.0.0.1", port=mta.port, security="none", username="", timeout_seconds=0.5
    )
    yield Backend("smtp", SmtpOutbox(config, ""), mta=mta)


def test_accepted_for_every_recipient(backend: Backend) -> None:
    delivery = backend.send()
    assert delivery == Delivery((JANE, BOB), {})
    assert backend.delivered() == [(SAM, (JANE, BOB), RAW)]
    assert backend.calls == [0]  # before_data once, before the server had the message


@pytest.mark.parametrize("reply", ["451 4.3.0 Greylisted, try again later", "421 4.7.0 Busy"])
def test_4xx_at_data_is_a_temporary_failure(backend: Backend, reply: str) -> None:
    backend.answer_data(reply)
    with pytest.raises(TemporaryFailure) as caught:
        backend.send()
    assert caught.value.reply == reply
    assert backend.delivered() == []
    assert backend.calls == [0]


def test_5xx_at_data_is_a_permanent_failure(backend: Backend) -> None:
    backend.answer_data("550 5.7.1 Message rejected as spam")
    with pytest.raises(PermanentFailure) as caught:
        backend.send()
    assert caught.value.reply == "550 5.7.1 Message rejected as spam"
    assert backend.delivered() == []
    assert backend.calls == [0]


def test_one_of_two_recipients_refused(backend: Backend) -> None:
    backend.refuse(BOB, "550 5.1.1 No such user")
    delivery = backend.send()
    assert delivery.accepted == (JANE,)
    assert delivery.refused == {BOB: "550 5.1.1 No such user"}
    assert backend.delivered() == [(SAM, (JANE,), RAW)]
    assert backend.calls == [0]


def test_every_recipient_refused_5xx_is_permanent_and_sends_no_text(backend: Backend) -> None:
    backend.refuse(JANE, "550 5.1.1 No such user")
    backend.refuse(BOB, "553 5.1.3 Bad address")
    with pytest.raises(PermanentFailure) as caught:
        backend.send()
    assert set(caught.value.refused) == {JANE, BOB}
    assert backend.calls == []  # never reached DATA
    assert backend.delivered() == []


def test_every_recipient_refused_with_a_4xx_is_temporary(backend: Backend) -> None:
    backend.refuse(JANE, "450 4.2.1 Mailbox busy")
    with pytest.raises(TemporaryFailure):
        backend.send(recipients=(JANE,))
    assert backend.calls == []


def test_connection_dropped_after_data_is_unknown(backend: Backend) -> None:
    backend.drop_after_data()
    with pytest.raises(DeliveryUnknown):
        backend.send()
    assert backend.calls == [0]
    assert backend.delivered() == []


def test_reply_lost_after_the_server_took_it_is_unknown(backend: Backend) -> None:
    backend.lose_reply()
    with pytest.raises(DeliveryUnknown):
        backend.send()
    assert backend.calls == [0]
    assert backend.delivered() == [(SAM, (JANE, BOB), RAW)]  # it did go: hence "unknown"


def test_a_failure_does_not_stick(backend: Backend) -> None:
    backend.answer_data("451 4.3.0 later")
    with pytest.raises(TemporaryFailure):
        backend.send()
    assert backend.send().accepted == (JANE, BOB)
    assert backend.calls == [0, 0]
    assert len(backend.delivered()) == 1
