"""Inbound routing: after parsing, every message goes one way, decided once.

In the manner of Mailman's handler pipeline: a chain of small handlers, each of
which may claim the message; the first that does decides its route. The route
is stored with the message (and shown in status and the timeline), and decides
what happens next: which messages are kept, whose text is read, which rules see
them.

Routes:
- `mailwatch`: mail mailwatch itself sent the owner (a digest, a confirmation):
  never contact, never a command;
- `owner_command`: the owner's reply to a digest, or a one-tap command mail;
- `billing`: a payment processor's or invoicing tool's notice;
- `automatic`: auto-replies, out-of-office, bounces, lists (never contact; an
  out-of-office of a client's is kept for its return date);
- `client`: contact with a client, either way;
- `owner`: the owner's own mail to themselves (notes);
- `other`: everything else (not kept: the UID cursor never fetches it again, and
  `mailwatch reindex` re-reads the mailbox if a new client needs it).

Pure: the handlers read the message's header facts and a `Routing` table built
from the configuration and the store; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mailwatch.core.attribution import Directory, Senders
from mailwatch.core.model import Direction

MAILWATCH = "mailwatch"
OWNER_COMMAND = "owner_command"
BILLING = "billing"
AUTOMATIC = "automatic"
CLIENT = "client"
OWNER = "owner"
OTHER = "other"
ROUTES = (MAILWATCH, OWNER_COMMAND, BILLING, AUTOMATIC, CLIENT, OWNER, OTHER)

# Routes whose messages are kept in the store, and whose text is read.
KEPT = frozenset({MAILWATCH, OWNER_COMMAND, BILLING, CLIENT, OWNER})
TEXT_WANTED = frozenset({OWNER_COMMAND, BILLING, CLIENT})

# A one-tap command from the digest's buttons: its subject is the command itself.
_COMMAND_SUBJECT = re.compile(
    r"^\s*(approve|reject|edit|approuver|refuser|modifier)\s+[0-9A-Za-z][0-9A-Za-z -]{5,12}\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What routing reads of one parsed message."""

    folder_role: str  # "inbox" or "sent"
    from_addr: str | None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    not_contact: str | None = None


@dataclass(frozen=True)
class Routing:
    """The tables the handlers consult, built once per sync."""

    directory: Directory
    # Message-IDs of mail mailwatch sent the owner (digests, confirmations).
    our_ids: frozenset[str] = frozenset()
    # Payment processors and invoicing tools: addresses, or domains (any address at
    # them or at a subdomain).
    billing_senders: Senders = field(default_factory=Senders)
    subject_command: Callable[[str], bool] = field(
        default=lambda subject: bool(_COMMAND_SUBJECT.match(subject))
    )


@dataclass(frozen=True, slots=True)
class Routed:
    route: str
    client: str | None
    direction: Direction
    counterparts: tuple[str, ...]
    why: str  # which handler decided, for status and the timeline


Handler = Callable[[Envelope, Routing], Routed | None]


def _from_owner(env: Envelope, routing: Routing) -> bool:
    return env.folder_role == "sent" or (
        env.from_addr is not None and env.from_addr.lower() in routing.directory.owner
    )


def _base(env: Envelope, routing: Routing, route: str, why: str) -> Routed:
    found = routing.directory.attribute(env.from_addr, env.to, env.cc)
    return Routed(route, found.client, found.direction, found.counterparts, why)


def ours(env: Envelope, routing: Routing) -> Routed | None:
    if env.message_id and env.message_id in routing.our_ids:
        return Routed(MAILWATCH, None, "out", (), "mail mailwatch sent you")
    return None


def owner_command(env: Envelope, routing: Routing) -> Routed | None:
    if not _from_owner(env, routing):
        return None
    parents = {*env.references, *([env.in_reply_to] if env.in_reply_to else [])}
    if parents & routing.our_ids:
        return Routed(OWNER_COMMAND, None, "out", (), "your reply to mailwatch")
    if routing.subject_command(env.subject):
        return Routed(OWNER_COMMAND, None, "out", (), "a command in the subject")
    return None


def billing(env: Envelope, routing: Routing) -> Routed | None:
    if env.folder_role == "inbox" and env.from_addr in routing.billing_senders:
        return _base(env, routing, BILLING, "a payment or invoicing service")
    return None


def automatic(env: Envelope, routing: Routing) -> Routed | None:
    if env.not_contact is not None:
        return _base(env, routing, AUTOMATIC, env.not_contact)
    return None


def client(env: Envelope, routing: Routing) -> Routed | None:
    found = routing.directory.attribute(env.from_addr, env.to, env.cc)
    if found.client is not None:
        return Routed(CLIENT, found.client, found.direction, found.counterparts, "a client")
    return None


def owner(env: Envelope, routing: Routing) -> Routed | None:
    if not _from_owner(env, routing):
        return None
    recipients = {a.lower() for a in (*env.to, *env.cc)}
    if recipients and recipients <= routing.directory.owner:
        return Routed(OWNER, None, "out", (), "your own note")
    return None


# Order matters: our own mail first (it is from the owner and replies to nothing of
# the client's), then commands, then billing before automatic (processors mark their
# notices as bulk or auto-submitted), then people.
HANDLERS: tuple[Handler, ...] = (ours, owner_command, billing, automatic, client, owner)


def route(env: Envelope, routing: Routing, handlers: Sequence[Handler] = HANDLERS) -> Routed:
    for handler in handlers:
        routed = handler(env, routing)
        if routed is not None:
            return routed
    found = routing.directory.attribute(env.from_addr, env.to, env.cc)
    return Routed(OTHER, None, found.direction, (), "nobody mailwatch follows")
