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


# -- the chunked reader (imaplib's socket file read directly) ---------------------------

HEADER = b"From: a@b.test\r\nSubject: Hi\r\n\r\n"
# One answer as Dovecot writes it, with what a server may slip in between.
STREAM = (
    b'* 1 FETCH (UID 7 INTERNALDATE "02-Nov-2026 09:30:00 +0000" RFC822.SIZE 120 '
    b"BODY[HEADER.FIELDS (FROM SUBJECT)] {31}\r\n" + HEADER + b")\r\n"
    b"* 4 EXISTS\r\n"
    b"* 2 FETCH (FLAGS (\\Seen) UID 8)\r\n"
    b"* 3 FETCH (UID 9 BODY[HEADER.FIELDS (FROM SUBJECT)] {31}\r\n" + HEADER + b""
    b' INTERNALDATE "03-Nov-2026 10:00:00 +0000" RFC822.SIZE 99)\r\n'
    # Two literals: not the shape we know, left to imapclient.
    b"* 4 FETCH (UID 10 BODY[HEADER.FIELDS (FROM)] {3}\r\nabc BODY[TEXT] {2}\r\nhi)\r\n"
    b"* 5 FETCH (UID 11 BODY[HEADER.FIELDS (FROM SUBJECT)] NIL)\r\n"
    b"A0007 OK Fetch completed (0.001 + 0.000 secs).\r\n"
)


class Abort(Exception):
    pass


class Refused(Exception):
    pass


class ChunkedFile:
    """A socket file that hands out the server's bytes `size` at a time."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size, self.pos = data, size, 0

    def read1(self, _limit: int) -> bytes:
        chunk = self.data[self.pos : self.pos + self.size]
        self.pos += len(chunk)
        return chunk


class StreamImap:
    """imaplib's parts the chunked reader uses: _command, tagged_commands, file."""

    abort = Abort
    error = Refused

    def __init__(self, answer: bytes, size: int) -> None:
        self.file = ChunkedFile(answer, size)
        self.tagged_commands: dict[bytes, object] = {}
        self.sent: tuple[str, ...] = ()

    def _command(self, *args: str) -> bytes:
        self.sent = args
        self.tagged_commands[b"A0007"] = None
        return b"A0007"


def test_the_chunked_reader_finds_the_same_whatever_the_chunk_boundaries():
    for size in [*range(1, 80), 256, len(STREAM)]:
        imap = StreamImap(STREAM, size)
        found = fetch_headers(imap, [7, 9, 10, 11], ITEM, gmail=False)
        assert imap.sent[:3] == ("UID", "FETCH", "7,9,10,11")
        assert sorted(found) == [7, 9], size
        assert found[7].header == HEADER and found[7].size == 120
        assert found[9].size == 99 and found[9].internaldate.day == 3
        assert imap.tagged_commands == {}, "the tag must be released"
        assert imap.file.pos == len(STREAM)


def test_the_chunked_reader_reports_refusals_and_broken_streams():
    import pytest

    refused = b"A0007 NO [SERVERBUG] Internal error\r\n"
    with pytest.raises(Refused, match="SERVERBUG"):
        fetch_headers(StreamImap(refused, 7), [1], ITEM, gmail=False)
    cut = STREAM[:150]  # the connection drops mid-literal
    with pytest.raises(Abort, match="EOF"):
        fetch_headers(StreamImap(cut, 64), [7], ITEM, gmail=False)
    bye = b"* BYE Server shutting down.\r\n"
    with pytest.raises(Abort, match="closed"):
        fetch_headers(StreamImap(bye, 64), [7], ITEM, gmail=False)
    huge = b"* 1 FETCH (UID 7 BODY[HEADER.FIELDS (FROM)] {99999999999}\r\n"
    with pytest.raises(Abort, match="literal"):
        fetch_headers(StreamImap(huge, 64), [7], ITEM, gmail=False)
