"""One contract, two mailboxes: the in-memory fake and ImapMailbox on a real Dovecot.

Unit tests trust MemoryMailbox to behave like the real adapter; this suite is what earns
that trust. Every test runs twice (param "memory" and "dovecot") with the same steps and
the same expectations. Mail "arrives" from outside the mailbox under test: the fake's
`deliver()`, or an APPEND over a second connection to Dovecot. Where the two disagree,
the fake is wrong (Dovecot is the reference) and gets fixed in mailwatch/imap/memory.py.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import pytest

from mailwatch.config.model import Imap
from mailwatch.imap.base import Mailbox
from mailwatch.imap.client import ImapMailbox
from mailwatch.imap.memory import MemoryMailbox
from mailwatch.lab.account import Account, imap_login
from mailwatch.lab.dovecot import Dovecot
from mailwatch.parse.fields import HEADER_FIELDS, select_header_fields, split_message

# A zone other than UTC and a sub-second part: INTERNALDATE keeps whole seconds only and
# the adapter must hand back an aware datetime for the same instant.
WHEN = datetime(2026, 3, 2, 14, 30, 15, tzinfo=timezone(timedelta(hours=2)))


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def message(n: int, *, body: str = "", extra: str = "", message_id: str = "") -> bytes:
    """A plain message whose header carries every field the parser reads, plus noise."""
    mid = message_id or f"<m{n}@contract.test>"
    text = body or f"Body of message {n}."
    return crlf(
        f"Received: from mx.contract.test by imap.contract.test; {n}\n"
        f"From: Jane Doe <jane@acme.test>\n"
        f"To: Sam Rivera <sam@studio.test>\n"
        f"Cc: ops@acme.test\n"
        f"Subject: Message {n}\n"
        f"Date: Mon, 02 Mar 2026 12:00:{n % 60:02d} +0000\n"
        f"Message-ID: {mid}\n"
        f"In-Reply-To: <parent{n}@studio.test>\n"
        f"References: <root{n}@studio.test>\n <parent{n}@studio.test>\n"
        f"X-Spam-Score: 0.1\n"
        f"{extra}"
        f"\n"
        f"{text if text.endswith(chr(10)) else text + chr(10)}"
    )


@dataclass
class Backend:
    """A mailbox under test, plus a way to put mail in it and to read flags from outside."""

    name: str
    mailbox: Mailbox
    memory: MemoryMailbox | None = None
    dovecot: Dovecot | None = None
    account: Account | None = None
    opened: list[Mailbox] = field(default_factory=list)

    def deliver(self, folder: str, raw: bytes, when: datetime = WHEN) -> None:
        """Mail arriving from elsewhere (an MTA, another client), not through `mailbox`."""
        if self.memory is not None:
            self.memory.deliver(folder, raw, when)
        else:
            assert self.dovecot is not None and self.account is not None
            self.dovecot.append_many(self.account, folder, [(raw, when)])

    def flags(self, folder: str, uid: int) -> set[str]:
        """The message's flags as another client sees them (\\Recent is per session)."""
        if self.memory is not None:
            return set(self.memory.folders[folder].messages[uid].flags)
        assert self.account is not None
        client = imap_login(self.account)
        try:
            client.select_folder(folder, readonly=True)
            data = client.fetch([uid], ["FLAGS"])
        finally:
            client.logout()
        return {f.decode() for f in data[uid][b"FLAGS"]} - {"\\Recent"}

    def reopen(self) -> Mailbox:
        """A new session on the same mailbox (for the fake: the same object, reconnected)."""
        if self.memory is not None:
            self.memory.close()
            return self.memory
        assert self.account is not None
        mailbox = imap_mailbox(self.account)
        self.opened.append(mailbox)
        return mailbox


def imap_mailbox(account: Account) -> ImapMailbox:
    config = Imap(host=account.host, port=account.port, security="none", username=account.username)
    return ImapMailbox(config, account.password)


@pytest.fixture(params=["memory", "dovecot"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        fake = MemoryMailbox()
        yield Backend("memory", fake, memory=fake)
        return
    # Only the Dovecot variant asks for Dovecot, so the fake's half runs without it.
    dovecot: Dovecot = request.getfixturevalue("dovecot")
    account: Account = request.getfixturevalue("imap_account")
    mailbox = imap_mailbox(account)
    backend = Backend("dovecot", mailbox, dovecot=dovecot, account=account)
    yield backend
    for opened in [mailbox, *backend.opened]:
        opened.close()


def test_sent_folder_is_found(backend: Backend) -> None:
    # Dovecot: found by its SPECIAL-USE \Sent marker, no name configured.
    assert backend.mailbox.sent_folder() == "Sent"


def test_status_of_a_new_folder(backend: Backend) -> None:
    status = backend.mailbox.status("INBOX")
    assert (status.messages, status.uidnext) == (0, 1), status
    assert status.uidvalidity > 0


def test_status_counts_appended_messages_and_keeps_uidvalidity(backend: Backend) -> None:
    mailbox = backend.mailbox
    before = mailbox.status("INBOX")
    for n in range(3):
        backend.deliver("INBOX", message(n))
    after = mailbox.status("INBOX")
    assert after.uidvalidity == before.uidvalidity, "UIDVALIDITY changed on a plain APPEND"
    assert after.uidnext == before.uidnext + 3, (before, after)
    assert after.messages == 3, after
    # Both offer CONDSTORE: every new message raises the folder's mod-sequence.
    assert before.highestmodseq is not None and after.highestmodseq is not None
    assert after.highestmodseq > before.highestmodseq

    # Mail arriving while the folder is selected (uids_after selects it) must show in
    # the next STATUS: a selected folder's view is frozen until re-selected.
    assert mailbox.uids_after("INBOX", 0) == [1, 2, 3]
    backend.deliver("INBOX", message(3))
    backend.deliver("INBOX", message(4))
    latest = mailbox.status("INBOX")
    assert (latest.uidnext, latest.messages) == (after.uidnext + 2, 5), latest
    assert mailbox.uids_after("INBOX", 3) == [4, 5]

    # UIDVALIDITY is a property of the folder, not of the session.
    assert backend.reopen().status("INBOX").uidvalidity == before.uidvalidity
    # Another folder has its own counters.
    assert mailbox.status("Sent").messages == 0


def test_uids_after_returns_only_newer_uids_ascending(backend: Backend) -> None:
    mailbox = backend.mailbox
    assert mailbox.uids_after("INBOX", 0) == [], "an empty folder has no UIDs"
    for n in range(5):
        backend.deliver("INBOX", message(n))
    uids = mailbox.uids_after("INBOX", 0)
    assert uids == sorted(uids) and len(uids) == 5, uids
    assert mailbox.uids_after("INBOX", uids[1]) == uids[2:]
    # The pitfall: "UID n:*" with n past the last UID still returns the last message.
    assert mailbox.uids_after("INBOX", uids[-1]) == [], "the last UID came back again"
    assert mailbox.uids_after("INBOX", uids[-1] + 100) == []


def test_a_selected_folder_still_sees_new_mail(backend: Backend) -> None:
    # uids_after selects the folder; mail delivered afterwards must still be found by
    # the next search in it, without a STATUS in between. (Sending relies on this: it
    # searches for the proof copy of a message that may have just arrived.)
    mailbox = backend.mailbox
    backend.deliver("INBOX", message(1))
    assert mailbox.uids_after("INBOX", 0) == [1]
    backend.deliver("INBOX", message(2, message_id="<proof@studio.test>"))
    assert mailbox.find_message_id("INBOX", "<proof@studio.test>") == [2]
    assert mailbox.uids_after("INBOX", 1) == [2]
    backend.deliver("INBOX", message(3))
    assert mailbox.uids_after("INBOX", 2) == [3]
    assert [m.uid for m in mailbox.fetch_headers("INBOX", [3])] == [3]


def test_fetch_headers_returns_the_fields_and_internaldate(backend: Backend) -> None:
    mailbox = backend.mailbox
    raws = [message(n, extra="Subject-Extra: ignored\n") for n in range(3)]
    for raw in raws:
        backend.deliver("INBOX", raw)
    uids = mailbox.uids_after("INBOX", 0)
    assert mailbox.fetch_headers("INBOX", []) == []

    # A batch with UIDs that do not exist (expunged, or never there): they are skipped.
    wanted = [uids[2], uids[-1] + 1, uids[0], uids[-1] + 50, uids[1]]
    fetched = mailbox.fetch_headers("INBOX", wanted)
    assert [m.uid for m in fetched] == uids, "one item per existing UID, by UID"
    for item, raw in zip(fetched, raws, strict=True):
        header, _body = split_message(raw)
        # Exactly what BODY[HEADER.FIELDS (...)] gives: the wanted lines in message order,
        # continuation lines kept, CRLF ends, a closing empty line; nothing else.
        assert item.header == select_header_fields(header, HEADER_FIELDS), item.header
        for name in ("From:", "To:", "Cc:", "Subject:", "Date:", "Message-ID:", "References:"):
            assert name.encode() in item.header, f"{name} missing from {item.header!r}"
        assert b"In-Reply-To:" in item.header
        assert b"\r\n <parent" in item.header, "the folded References line was cut"
        for noise in (b"Received:", b"X-Spam-Score:", b"Subject-Extra:", b"Body of"):
            assert noise not in item.header, f"{noise!r} should not be fetched"
        assert item.internaldate is not None and item.internaldate.tzinfo is not None
        assert item.internaldate == WHEN, f"INTERNALDATE {item.internaldate} != {WHEN}"
        assert item.size == len(raw), "RFC822.SIZE is the message's size in bytes"


def test_internaldate_keeps_whole_seconds_only(backend: Backend) -> None:
    # IMAP's date-time has no fraction of a second: the fake must not invent one.
    backend.deliver("INBOX", message(1), WHEN.replace(microsecond=654321))
    [item] = backend.mailbox.fetch_headers("INBOX", [1])
    assert item.internaldate == WHEN, item.internaldate
    assert item.internaldate is not None and item.internaldate.microsecond == 0


def test_fetch_text_returns_at_most_limit_bytes_of_the_body(backend: Backend) -> None:
    mailbox = backend.mailbox
    long_body = "".join(f"line {i:04d} of a long body\n" for i in range(200))
    backend.deliver("INBOX", message(1, body=long_body))
    backend.deliver("INBOX", message(2, body="Short."))
    backend.deliver("INBOX", crlf("From: jane@acme.test\nSubject: no body\n"))
    uids = mailbox.uids_after("INBOX", 0)
    expected_long = crlf(long_body)

    texts = mailbox.fetch_text("INBOX", [*uids, uids[-1] + 7], 100)
    assert set(texts) == set(uids), "missing UIDs are left out, existing ones all present"
    assert texts[uids[0]] == expected_long[:100], "the body prefix, starting after the header"
    assert texts[uids[1]] == b"Short.\r\n", "a short body comes back whole"
    assert texts[uids[2]] == b"", "a message without a body has an empty text"
    whole = mailbox.fetch_text("INBOX", [uids[0]], 1 << 20)
    assert whole == {uids[0]: expected_long}
    assert mailbox.fetch_text("INBOX", [], 100) == {}


def test_messages_are_seen_with_crlf_line_ends(backend: Backend) -> None:
    # An IMAP server serves messages with CRLF line ends whatever was appended (RFC 3501
    # §2.3.1: bare LF/CR are not part of a message): sizes and text counts follow.
    lf_only = b"From: jane@acme.test\nSubject: bare LF\n\nline one\nline two\n"
    backend.deliver("INBOX", lf_only)
    [item] = backend.mailbox.fetch_headers("INBOX", [1])
    assert item.header == b"From: jane@acme.test\r\nSubject: bare LF\r\n\r\n"
    assert item.size == len(lf_only) + lf_only.count(b"\n")
    assert backend.mailbox.fetch_text("INBOX", [1], 12) == {1: b"line one\r\nli"}


def test_find_message_id(backend: Backend) -> None:
    mailbox = backend.mailbox
    backend.deliver("INBOX", message(1))
    backend.deliver("INBOX", message(2, message_id="<dup@acme.test>"))
    backend.deliver("INBOX", message(3, message_id="<dup@acme.test>"))  # duplicates happen
    outlook = "X-Microsoft-Original-Message-ID: <ours@studio.test>\n"
    backend.deliver("INBOX", message(4, message_id="<rewritten@outlook.test>", extra=outlook))

    assert mailbox.find_message_id("INBOX", "<m1@contract.test>") == [1]
    assert mailbox.find_message_id("INBOX", "<M1@Contract.TEST>") == [1], "case-insensitive"
    assert mailbox.find_message_id("INBOX", "<dup@acme.test>") == [2, 3]
    # Outlook rewrites Message-ID: our own id survives in its own header.
    assert mailbox.find_message_id("INBOX", "<ours@studio.test>") == [4]
    assert mailbox.find_message_id("INBOX", "<unknown@nowhere.test>") == []
    assert mailbox.find_message_id("Sent", "<m1@contract.test>") == [], "other folder"
    # SEARCH HEADER matches a substring (RFC 3501 §6.4.4): callers pass the whole <id>.
    assert mailbox.find_message_id("INBOX", "m1@contract") == [1]


def test_append_adds_a_seen_message(backend: Backend) -> None:
    mailbox = backend.mailbox
    backend.deliver("Sent", message(1))
    assert mailbox.uids_after("Sent", 0) == [1]  # Sent is now the selected folder
    before = mailbox.status("Sent")

    ours = message(2, message_id="<ours@studio.test>", body="Our follow-up.")
    mailbox.append("Sent", ours, WHEN)

    after = mailbox.status("Sent")
    assert (after.messages, after.uidnext) == (2, before.uidnext + 1), after
    # Visible at once, although Sent was selected read-only before the APPEND.
    assert mailbox.uids_after("Sent", 1) == [2]
    assert mailbox.find_message_id("Sent", "<ours@studio.test>") == [2]
    assert backend.flags("Sent", 2) == {"\\Seen"}, "our own copy must be marked read"
    assert backend.flags("Sent", 1) == set(), "the other message's flags stay as they were"
    [item] = mailbox.fetch_headers("Sent", [2])
    assert item.internaldate == WHEN and item.size == len(ours)
    assert mailbox.fetch_text("Sent", [2], 100) == {2: b"Our follow-up.\r\n"}


def test_reconnects_after_close(backend: Backend) -> None:
    backend.deliver("INBOX", message(1))
    mailbox = backend.mailbox
    assert mailbox.uids_after("INBOX", 0) == [1]
    mailbox.close()
    # The next call opens a new session by itself (the daemon relies on this).
    assert mailbox.status("INBOX").messages == 1
    assert mailbox.uids_after("INBOX", 0) == [1]


def test_new_mail_date_is_reported_in_utc(backend: Backend) -> None:
    backend.deliver("INBOX", message(1), datetime(2026, 1, 1, 23, 30, tzinfo=UTC))
    [item] = backend.mailbox.fetch_headers("INBOX", [1])
    assert item.internaldate == datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    assert item.internaldate is not None and item.internaldate.utcoffset() == timedelta(0)


def test_fetch_attachments_names_the_files_not_their_bytes(backend: Backend) -> None:
    from mailwatch.lab.messages import make_email

    when = datetime(2026, 11, 2, 9, tzinfo=UTC)
    common = {
        "sender": ("Sam Rivera", "sam@studio.test"),
        "to": [("Jane Doe", "jane@acme.test")],
        "body": "Please find the invoice attached.",
        "date": when,
    }
    backend.deliver(
        "INBOX",
        make_email(
            subject="Invoice INV-2026-031",
            message_id="<inv1@studio.test>",
            attachments=[("invoice_0042.pdf", "application/pdf", b"%PDF-1.4 " * 50)],
            **common,
        ),
    )
    backend.deliver(
        "INBOX",
        make_email(
            subject="Facture",
            message_id="<inv2@studio.test>",
            html="<p>Voici la facture.</p>",
            attachments=[
                ("Facture n°12 – décembre.pdf", "application/pdf", b"%PDF" * 10),
                ("logo.png", "image/png", b"\x89PNG" * 10),
            ],
            **common,
        ),
    )
    backend.deliver("INBOX", message(3))
    uids = backend.mailbox.uids_after("INBOX", 0)
    found = backend.mailbox.fetch_attachments("INBOX", [*uids, uids[-1] + 5])
    assert set(found) == set(uids)
    first, second, plain = (found[uid] for uid in uids)
    assert [(a.name, a.content_type) for a in first] == [("invoice_0042.pdf", "application/pdf")]
    assert first[0].size > 0
    assert [(a.name, a.content_type) for a in second] == [
        ("Facture n°12 – décembre.pdf", "application/pdf"),
        ("logo.png", "image/png"),
    ]
    assert plain == ()
    assert backend.mailbox.fetch_attachments("INBOX", []) == {}


def test_fetch_attachments_inside_a_forwarded_message(backend: Backend) -> None:
    from email.message import EmailMessage

    from mailwatch.lab.messages import make_email

    inner = make_email(
        sender=("Sam Rivera", "sam@studio.test"),
        to=[("Jane Doe", "jane@acme.test")],
        subject="Invoice INV-7",
        body="Attached.",
        date=datetime(2026, 11, 2, 9, tzinfo=UTC),
        message_id="<inner@studio.test>",
        attachments=[("INV-7.pdf", "application/pdf", b"%PDF" * 20)],
    )
    outer = EmailMessage()
    outer["From"] = "jane@acme.test"
    outer["To"] = "accounts@acme.test"
    outer["Subject"] = "Fwd: Invoice INV-7"
    outer["Message-ID"] = "<fwd@acme.test>"
    outer.set_content("Can you pay this one?")
    outer.add_attachment(
        email.message_from_bytes(inner, policy=email.policy.default), filename="forwarded.eml"
    )
    backend.deliver("INBOX", outer.as_bytes().replace(b"\n", b"\r\n"))
    [uid] = backend.mailbox.uids_after("INBOX", 0)
    names = {a.name for a in backend.mailbox.fetch_attachments("INBOX", [uid])[uid]}
    assert "INV-7.pdf" in names


def test_search_addresses_finds_from_to_and_cc_by_address_or_domain(backend: Backend) -> None:
    from mailwatch.lab.messages import make_email

    def mail(n: int, sender, to, cc=()):
        return make_email(
            sender=sender,
            to=to,
            cc=cc,
            subject=f"m{n}",
            body="x",
            date=datetime(2026, 11, 2, 9, tzinfo=UTC),
            message_id=f"<s{n}@contract.test>",
        )

    sam, lea, bob = ("Sam", "sam@studio.test"), ("Léa", "lea@newco.test"), ("Bob", "bob@x.test")
    when = datetime(2026, 11, 2, 9, tzinfo=UTC)
    backend.deliver("INBOX", mail(1, lea, [sam]), when)
    backend.deliver("INBOX", mail(2, sam, [bob], cc=[("Tom", "tom@newco.test")]), when)
    backend.deliver("INBOX", mail(3, bob, [sam]), when)
    backend.deliver("INBOX", mail(4, lea, [sam]), datetime(2026, 9, 1, tzinfo=UTC))
    uids = backend.mailbox.uids_after("INBOX", 0)
    since = datetime(2026, 10, 1, tzinfo=UTC)
    assert backend.mailbox.search_addresses("INBOX", ["lea@newco.test"], since) == [uids[0]]
    assert backend.mailbox.search_addresses("INBOX", ["@newco.test"], since) == uids[:2]
    assert backend.mailbox.search_addresses("INBOX", [], since) == []
