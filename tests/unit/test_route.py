"""Inbound routing: each message goes one way, decided by the first handler that claims it."""

from __future__ import annotations

import pytest

from mailwatch.core.attribution import Directory, Senders
from mailwatch.route import (
    AUTOMATIC,
    BILLING,
    CLIENT,
    MAILWATCH,
    OTHER,
    OWNER,
    OWNER_COMMAND,
    Envelope,
    Routing,
    route,
)

DIRECTORY = Directory(
    ["sam@studio.test", "hello@studio.test"],
    {"acme": ["jane@acme.test"]},
    {"lune": ["lune.test"]},
)
ROUTING = Routing(
    DIRECTORY,
    our_ids=frozenset({"<digest-1@studio.test>"}),
    billing_senders=Senders(("stripe.com", "service@paypal.fr")),
)


def env(**kw) -> Envelope:
    kw.setdefault("folder_role", "inbox")
    return Envelope(**kw)


@pytest.mark.parametrize(
    ("envelope", "expected", "client"),
    [
        (env(from_addr="jane@acme.test", to=("sam@studio.test",)), CLIENT, "acme"),
        (
            env(folder_role="sent", from_addr="sam@studio.test", to=("jane@acme.test",)),
            CLIENT,
            "acme",
        ),
        (env(from_addr="chef@mail.lune.test"), CLIENT, "lune"),
        (env(from_addr="jane@acme.test", not_contact="out-of-office"), AUTOMATIC, "acme"),
        (env(from_addr="news@letter.test", not_contact="list"), AUTOMATIC, None),
        (env(from_addr="notifications@stripe.com", not_contact="bulk"), BILLING, None),
        (env(from_addr="service@paypal.fr"), BILLING, None),
        (env(from_addr="stranger@else.test"), OTHER, None),
        (env(from_addr="sam@studio.test", to=("hello@studio.test",)), OWNER, None),
        (
            env(from_addr="sam@studio.test", in_reply_to="<digest-1@studio.test>"),
            OWNER_COMMAND,
            None,
        ),
        (env(from_addr="sam@studio.test", subject="approve 7K2M Q9XA"), OWNER_COMMAND, None),
        (
            env(folder_role="sent", from_addr="sam@studio.test", subject="Approve K7M2Q9XA"),
            OWNER_COMMAND,
            None,
        ),
        (env(from_addr="sam@studio.test", message_id="<digest-1@studio.test>"), MAILWATCH, None),
    ],
)
def test_routes(envelope, expected, client):
    routed = route(envelope, ROUTING)
    assert (routed.route, routed.client) == (expected, client)


def test_a_stranger_cannot_send_a_command():
    """Commands come only from the owner's addresses or the owner's Sent folder."""
    forged = env(
        from_addr="mallory@evil.test",
        subject="approve K7M2Q9XA",
        in_reply_to="<digest-1@studio.test>",
    )
    assert route(forged, ROUTING).route == OTHER


def test_a_client_replying_to_a_digest_is_still_a_client():
    mail = env(from_addr="jane@acme.test", in_reply_to="<digest-1@studio.test>")
    assert route(mail, ROUTING).route == CLIENT


def test_sender_matching():
    assert "invoice+x@stripe.com" in Senders(["stripe.com"])
    assert "a@mail.stripe.com" in Senders(["stripe.com"])
    assert "a@notstripe.com" not in Senders(["stripe.com"])
    assert "service@paypal.fr" in Senders(["service@paypal.fr"])
    assert "other@paypal.fr" not in Senders(["service@paypal.fr"])
    assert None not in Senders(["stripe.com"])
