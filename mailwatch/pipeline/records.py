"""Stored message records: lean metadata and a short text, never whole bodies."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mailwatch import route as routes
from mailwatch.core.attribution import Directory
from mailwatch.store.records import MessageRecord

if TYPE_CHECKING:  # the parsers are imported by sync, which needs them anyway
    from mailwatch.config.model import Settings
    from mailwatch.imap.base import FetchedMessage
    from mailwatch.parse import ParsedHeaders
    from mailwatch.route import Envelope


def message_key(folder: str, uidvalidity: int, uid: int) -> str:
    return f"{folder}/{uidvalidity}/{uid}"


def join_id(message_id: str | None, from_addr: str | None, date: datetime, subject: str) -> str:
    """Message-ID when there is one; else a fingerprint stable across re-fetches."""
    if message_id:
        return message_id
    digest = hashlib.sha1(f"{from_addr}|{date.isoformat()}|{subject}".encode()).hexdigest()
    return f"fp:{digest[:20]}"


# Senders' clocks drift by a few minutes; more than this ahead of the moment we read the
# message, the Date is wrong (a phone set to the wrong year, a bad time zone).
FUTURE_SKEW = timedelta(minutes=10)


def message_date(
    parsed: ParsedHeaders, fetched: FetchedMessage, now: datetime
) -> tuple[datetime | None, str | None]:
    """The date a message counts from, and a defect to record when the Date is unusable.

    A Date later than `now` (the moment mailwatch reads the message: the clock, or
    `--now`) would make a client's reply count only in the future: the follow-up goes
    out and status shows no contact. Then the server's arrival time (INTERNALDATE)
    stands in. Compared with `now`, not with INTERNALDATE: servers rewrite arrival times
    that lie in the future, and mail read long after it arrived keeps its real Date.
    """
    date = parsed.date
    if date is not None and date > now + FUTURE_SKEW:
        arrived = fetched.internaldate
        fallback = arrived if arrived is not None and arrived <= now + FUTURE_SKEW else now
        defect = (
            f"Date {date.isoformat()} is in the future (read at {now.isoformat()}); "
            f"the {'arrival time' if fallback is arrived else 'time it was read'} is used"
        )
        return fallback, defect
    return date or fetched.internaldate, None


def build_record(
    folder: str,
    uidvalidity: int,
    fetched: FetchedMessage,
    parsed: ParsedHeaders,
    now: datetime,
) -> MessageRecord | None:
    """The record for one message, or None when it has no usable date at all."""
    date, date_defect = message_date(parsed, fetched, now)
    if date is None:
        return None
    defects = list(parsed.defects)[:5]
    if date_defect:
        defects = [date_defect, *defects][:5]
    return MessageRecord(
        key=message_key(folder, uidvalidity, fetched.uid),
        folder=folder,
        uidvalidity=uidvalidity,
        uid=fetched.uid,
        # The header's own Date when there is one: the fallback may depend on `now`, and a
        # fingerprint must come out the same at every re-fetch.
        join_id=join_id(parsed.message_id, parsed.from_addr, parsed.date or date, parsed.subject),
        date=date,
        message_id=parsed.message_id,
        alias_ids=tuple(parsed.alias_ids),
        in_reply_to=parsed.in_reply_to,
        references=tuple(parsed.references),
        subject=parsed.subject,
        from_addr=parsed.from_addr,
        from_name=parsed.from_name,
        to=tuple(parsed.to_addrs),
        cc=tuple(parsed.cc_addrs),
        not_contact=parsed.not_contact,
        size=fetched.size,
        gm_msgid=fetched.gm_msgid,
        defects=tuple(defects),
    )


def add_text(
    record: MessageRecord,
    parsed: ParsedHeaders,
    body: bytes,
    limit: int,
) -> tuple[str, str]:
    """Read the first bytes of the body: set the record's snippet of its own text, and
    return the whole text read and its own part (quotes stripped). Whether our text
    asks something is the detectors' to say (pipeline/facts.py), next."""
    from mailwatch.parse import extract_text, snippet, strip_quotes

    text = extract_text(parsed, body, truncated=len(body) >= limit)
    own = strip_quotes(text)
    record.snippet = snippet(own)
    return text, own


def should_keep(record: MessageRecord, client: str | None) -> bool:
    """Whether a message is stored: the one place that decides, from its route.

    Mail with a client, mailwatch's own mail and the owner's commands and notes,
    billing notices, and a client's automatic replies (an out-of-office carries a
    return date) are kept. Other mail is not stored at all; the UID cursor keeps it
    from being fetched again, and `mailwatch reindex` fetches a new client's older
    mail when their addresses are added."""
    if record.route in routes.KEPT:
        return True
    return record.route == routes.AUTOMATIC and client is not None


class Router:
    """Routes records for the store (see mailwatch/route/): which way each message
    goes, whether it is kept, and whose it is (for the per-client aggregates)."""

    def __init__(
        self,
        directory: Directory,
        fingerprint: str,
        *,
        inbox: str = "INBOX",
        billing_senders: tuple[str, ...] = (),
    ) -> None:
        from mailwatch.route import Routing, Senders

        self.directory = directory
        self.fingerprint = fingerprint
        self.inbox = inbox
        self.routing = Routing(directory, billing_senders=Senders(billing_senders))

    @classmethod
    def for_settings(cls, settings: Settings) -> Router:
        from mailwatch.detect.billing import DEFAULT_PAYMENT_SENDERS, DEFAULT_TOOL_SENDERS

        owner = sorted(settings.owner.addresses)
        clients = {
            cid: [sorted(c.emails), sorted(c.domains)] for cid, c in settings.clients.items()
        }
        billing = settings.config.billing
        senders = tuple(
            sorted(
                {
                    *DEFAULT_PAYMENT_SENDERS,
                    *DEFAULT_TOOL_SENDERS,
                    *billing.payment_senders,
                    *billing.tool_senders,
                }
            )
        )
        digest = hashlib.sha1(
            json.dumps([owner, clients, senders], sort_keys=True).encode()
        ).hexdigest()
        directory = Directory(
            settings.owner.addresses,
            {cid: c.emails for cid, c in settings.clients.items()},
            {cid: c.domains for cid, c in settings.clients.items()},
        )
        imap = settings.config.imap
        return cls(
            directory,
            digest[:16],
            inbox=imap.inbox if imap else "INBOX",
            billing_senders=senders,
        )

    def use_our_ids(self, ids: frozenset[str]) -> None:
        """The Message-IDs of mail mailwatch sent the owner (digests, confirmations)."""
        from dataclasses import replace

        self.routing = replace(self.routing, our_ids=ids)

    def envelope(self, record: MessageRecord) -> Envelope:
        return routes.Envelope(
            folder_role="inbox" if record.folder == self.inbox else "sent",
            from_addr=record.from_addr,
            to=record.to,
            cc=record.cc,
            subject=record.subject,
            message_id=record.message_id,
            in_reply_to=record.in_reply_to,
            references=record.references,
            not_contact=record.not_contact,
        )

    def route(self, record: MessageRecord) -> str:
        # mailwatch.route is imported at the top: this runs for every message of a sync.
        return routes.route(self.envelope(record), self.routing).route

    def keep(self, record: MessageRecord) -> bool:
        if record.route is None:
            record.route = self.route(record)
        client, _ = self.classify(record)
        return should_keep(record, client)

    def classify(self, record: MessageRecord) -> tuple[str | None, str]:
        attribution = self.directory.attribute(record.from_addr, record.to, record.cc)
        return attribution.client, attribution.direction
