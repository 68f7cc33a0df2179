"""The lean FETCH reader: what it recognises, and that it leaves the rest to imapclient."""

from datetime import UTC, datetime

from mailwatch.imap.fastfetch import fetch_headers, parse_internaldate

ITEM = b"BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)]"


class ScriptedImap:
    """Stands in for imaplib's reply to one UID FETCH (the parser's only input)."""

    error = RuntimeError

    def __init__(self, data):
        self.data = data
        self.sent = None

    def uid(self, command, uids, query):
        self.sent = (command, uids, query)
        return "OK", self.data


def test_internaldate_forms():
    assert parse_internaldate(b"02-Nov-2026 09:30:00 +0100") == datetime(
        2026, 11, 2, 8, 30, tzinfo=UTC
    )
    assert parse_internaldate(b" 2-Nov-2026 09:30:00 -0500") == datetime(
        2026, 11, 2, 14, 30, tzinfo=UTC
    )
    assert parse_internaldate(b"02-nov-2026 09:30:00 +0000").month == 11
    for bad in (
        b"",
        b"02-Nox-2026 09:30:00 +0000",
        b"2026-11-02T09:30",
        b"02-Nov-2026 25:00:00 +0000",
    ):
        assert parse_internaldate(bad) is None


def test_reads_the_usual_shape_and_skips_what_it_does_not_know():
    header = b"From: a@b.test\r\nSubject: Hi\r\n\r\n"
    imap = ScriptedImap(
        [
            (
                b'1 (UID 7 INTERNALDATE "02-Nov-2026 09:30:00 +0000" RFC822.SIZE 120 '
                b"BODY[HEADER.FIELDS (FROM SUBJECT)] {32}",
                header,
            ),
            b")",
            b"2 (FLAGS (\\Seen) UID 8)",  # unsolicited flag update: not ours to read
            (b"3 (UID 9 BODY[HEADER.FIELDS (FROM SUBJECT)] {32}", header),
            b' INTERNALDATE "03-Nov-2026 10:00:00 +0000" RFC822.SIZE 99)',  # items after it
            b"4 (UID 10 BODY[HEADER.FIELDS (FROM SUBJECT)] NIL)",  # no literal: left out
        ]
    )
    found = fetch_headers(imap, [7, 9, 10], ITEM, gmail=False)
    assert imap.sent == ("FETCH", "7,9,10", f"({ITEM.decode()} INTERNALDATE RFC822.SIZE)")
    assert sorted(found) == [7, 9]
    assert found[7].header == header and found[7].size == 120
    assert found[7].internaldate == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert found[9].size == 99 and found[9].internaldate.day == 3


def test_a_server_shutting_down_is_not_a_wrong_password():
    from mailwatch.imap.client import _temporary_refusal

    assert _temporary_refusal("b'[UNAVAILABLE] Server shutting down.'")
    assert _temporary_refusal("Server shutting down.")
    assert not _temporary_refusal("b'[AUTHENTICATIONFAILED] Authentication failed.'")
