"""Measure header parsing cost: `python -m mailwatch.parse._bench [--corpus DIR]`.

Prints µs per message for three ways of getting the same facts out of a fetched
`HEADER.FIELDS` block:

1. `email.message_from_bytes(policy=policy.default)` and reading the fields through its
   header objects (what the stdlib docs suggest);
2. compat32 `BytesHeaderParser` + `getaddresses` + `parsedate_to_datetime` +
   `decode_header` only when "=?" occurs;
3. `parse_headers` (this package).

It prints, never asserts: timings depend on the machine. The samples are typical
6-12-field blocks; with --corpus, every .eml under DIR is reduced to `HEADER_FIELDS` and
measured too.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import statistics
import time
from collections.abc import Callable
from email.header import decode_header
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from mailwatch.parse.fields import HEADER_FIELDS, select_header_fields, split_message
from mailwatch.parse.headers import ParseError, parse_headers

SAMPLES: tuple[bytes, ...] = (
    b"From: Jean Dupont <jean.dupont@example.fr>\r\nTo: Marie Martin <marie@studio.test>\r\n"
    b"Subject: Re: Logo final\r\nDate: Mon, 3 Mar 2025 10:12:45 +0100\r\n"
    b"Message-ID: <CAF12345abcdef@mail.gmail.com>\r\nIn-Reply-To: <aa11@studio.test>\r\n"
    b"References: <root1@studio.test> <aa11@studio.test>\r\n"
    b'Content-Type: multipart/alternative; boundary="000000000000abcdef0123"\r\n\r\n',
    b'From: "Smith, Anna" <anna.smith@corp.example.com>\r\nTo: <me@freelance.test>\r\n'
    b"Cc: Bob <bob@corp.example.com>, carol@corp.example.com\r\n"
    b"Subject: =?utf-8?Q?R=C3=A9union_de_lancement?=\r\n"
    b"Date: Tue, 04 Mar 2025 08:01:02 -0500 (EST)\r\n"
    b"Message-ID: <DM6PR01MB1234.namprd01.prod.outlook.com>\r\n"
    b"X-Microsoft-Original-Message-ID: <orig-5678@corp.example.com>\r\n"
    b'Content-Type: text/plain; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
    b"From: me@freelance.test\r\nTo: client@shop.test\r\nSubject: Invoice 2025-031\r\n"
    b"Date: Wed, 5 Mar 2025 17:30:00 +0000\r\nMessage-ID: <20250305173000.1@freelance.test>\r\n"
    b'Content-Type: multipart/mixed; boundary="===============123456789=="\r\n\r\n',
    b"From: Newsletter <news@mailer.shop.test>\r\nTo: me@freelance.test\r\n"
    b"Subject: Our spring sale\r\nDate: Thu, 6 Mar 2025 06:00:00 +0000\r\n"
    b"Message-ID: <abc.def@mailer.shop.test>\r\nList-Id: <news.shop.test>\r\n"
    b"List-Unsubscribe: <mailto:unsub@shop.test>\r\nPrecedence: bulk\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n",
    b"From: Paul <paul@agency.test>\r\nTo: me@freelance.test\r\n"
    b"Subject: Automatic reply: Logo final\r\nDate: Fri, 7 Mar 2025 09:00:00 +0100\r\n"
    b"Message-ID: <oof-1@agency.test>\r\nAuto-Submitted: auto-generated\r\n"
    b"X-Auto-Response-Suppress: All\r\nIn-Reply-To: <20250305173000.1@freelance.test>\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n\r\n",
    b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\r\n"
    b"To: me@freelance.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
    b"Date: Sat, 8 Mar 2025 11:11:11 +0000\r\nMessage-ID: <bounce-1@mx.example.net>\r\n"
    b"Auto-Submitted: auto-replied\r\nReturn-Path: <>\r\n"
    b"Content-Type: multipart/report; report-type=delivery-status;\r\n"
    b'\tboundary="9B7841BC027.1266992201/mx.example.net"\r\n\r\n',
    b"From: =?iso-8859-1?Q?J=F8rn_St=F8ylen?= <jorn@example.no>\r\n"
    b"To: AF Test <aftest@example.no>\r\nDate: Fri, 30 Oct 2009 20:07:42 +0100\r\n"
    b"Subject: Testmail\r\nMessage-ID: <4FDC124A-1FC4-4B29@example.no>\r\n"
    b'Content-Type: text/plain; charset="iso-8859-1"\r\n\r\n',
    b"From: Claire <claire@client.test>\r\nTo: me@freelance.test\r\n"
    b"Subject: RE: Devis site vitrine\r\nDate: Sun, 9 Mar 2025 21:45:00 +0100\r\n"
    b"Message-ID: <r9@client.test>\r\nIn-Reply-To: <q8@freelance.test>\r\n"
    b"References: <a1@freelance.test> <b2@client.test> <c3@freelance.test>\r\n"
    b" <d4@client.test> <q8@freelance.test>\r\nReply-To: claire.pro@client.test\r\n"
    b"Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\n",
)


def via_policy_default(raw: bytes) -> object:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return (
        msg["from"] and msg["from"].addresses,
        msg["to"] and msg["to"].addresses,
        msg["cc"] and msg["cc"].addresses,
        str(msg["subject"] or ""),
        msg["date"] and msg["date"].datetime,
        msg["message-id"],
        msg["references"],
        msg.get_content_type(),
    )


def via_compat32(raw: bytes) -> object:
    msg = BytesHeaderParser().parsebytes(raw)
    subject = msg.get("subject", "")
    if "=?" in subject:
        subject = decode_header(subject)
    date = msg.get("date")
    return (
        getaddresses(msg.get_all("from", [])),
        getaddresses(msg.get_all("to", [])),
        getaddresses(msg.get_all("cc", [])),
        subject,
        parsedate_to_datetime(date) if date else None,
        msg.get("message-id"),
        msg.get("references"),
        msg.get_content_type(),
        msg.get_param("boundary"),
    )


def via_parse_headers(raw: bytes) -> object:
    try:
        return parse_headers(raw)
    except ParseError as exc:
        return exc


def per_message_us(func: Callable[[bytes], object], blocks: list[bytes], rounds: int) -> float:
    """Best of 5 runs (the least disturbed one), in µs per message."""
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            for raw in blocks:
                func(raw)
        runs.append((time.perf_counter() - start) / (rounds * len(blocks)) * 1e6)
    return min(runs)


def corpus_blocks(root: Path) -> list[bytes]:
    blocks = []
    for path in sorted(root.rglob("*.eml")):
        header, _ = split_message(path.read_bytes())
        blocks.append(select_header_fields(header, HEADER_FIELDS))
    return blocks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="folder of .eml files to measure too")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    sets = [("samples", list(SAMPLES), args.rounds)]
    if args.corpus:
        blocks = corpus_blocks(args.corpus)
        sets.append((f"corpus ({len(blocks)} msgs)", blocks, max(1, args.rounds // 15)))
    for name, blocks, rounds in sets:
        print(f"{name}: mean header block {statistics.mean(map(len, blocks)):.0f} bytes")
        for label, func in (
            ("policy.default", via_policy_default),
            ("compat32+utils", via_compat32),
            ("parse_headers", via_parse_headers),
        ):
            try:
                print(f"  {label:16s} {per_message_us(func, blocks, rounds):7.1f} µs/message")
            except Exception as exc:  # the stdlib ways raise on some corpus messages
                print(f"  {label:16s} fails on this set: {exc!r}"[:100])


if __name__ == "__main__":
    main()
