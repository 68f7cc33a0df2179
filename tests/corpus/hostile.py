"""A corpus of hostile and broken messages, made here so that a fresh clone has one.

Each entry is what a careless, broken or malicious sender can put in a mailbox: bad
charsets, broken MIME, missing or impossible dates, megabyte headers, NUL bytes, raw
8-bit headers, multiparts nested thousands deep, bad base64, encoded-word bombs. The
parse stage and the sync must read each one or set it aside with a reason, never
crash and never hang. The messages are built in code (deterministic, no files to
keep in git); to look at them as files:

    python -m tests.corpus.hostile OUTDIR
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable
from pathlib import Path

MEGABYTE = 1024 * 1024
CRLF = b"\r\n"


def _message(headers: list[str | bytes], body: bytes | str = b"Hello.\r\n") -> bytes:
    lines = [h.encode("utf-8") if isinstance(h, str) else h for h in headers]
    text = body.encode("utf-8") if isinstance(body, str) else body
    return CRLF.join(lines) + CRLF + CRLF + text


def _base(
    *extra: str | bytes, date: str | None = "Mon, 02 Nov 2026 09:00:00 +0000"
) -> list[str | bytes]:
    """Ordinary headers plus `extra`; an extra header replaces the ordinary one of its name."""
    ordinary = {
        "from": "From: Jane Doe <jane@acme.test>",
        "to": "To: Sam Rivera <sam@studio.test>",
        "subject": "Subject: Hostile test",
        "message-id": "Message-ID: <hostile@acme.test>",
    }
    if date is not None:
        ordinary["date"] = f"Date: {date}"
    for header in extra:
        name = header.split(":" if isinstance(header, str) else b":", 1)[0]
        ordinary.pop(name.lower() if isinstance(name, str) else name.decode().lower(), None)
    return [*ordinary.values(), *extra]


# -- charsets ---------------------------------------------------------------------------


def unknown_charset_body() -> bytes:
    return _message(
        _base('Content-Type: text/plain; charset="x-unknown-42"'),
        "Caf\xe9 cr\xe8me, could you send the files?\r\n".encode("latin-1"),
    )


def unknown_charset_encoded_word() -> bytes:
    return _message(_base("Subject: =?x-nonsense-9?Q?caf=E9?= =?utf-8?Q?ok?="))


def charset_lies() -> bytes:
    # Declared UTF-8, really latin-1 (invalid UTF-8 sequences), and a UTF-16 claim.
    return _message(
        _base('Content-Type: text/plain; charset="utf-8"'), b"na\xefve \xff\xfe caf\xe9\r\n"
    )


def utf16_declared() -> bytes:
    return _message(_base('Content-Type: text/plain; charset="utf-16"'), b"\x00h\x00i\x00?\r\n")


# -- broken MIME ------------------------------------------------------------------------


def multipart_without_boundary() -> bytes:
    return _message(_base("MIME-Version: 1.0", "Content-Type: multipart/alternative"), "text\r\n")


def boundary_never_used() -> bytes:
    return _message(
        _base('Content-Type: multipart/mixed; boundary="nowhere"'),
        "no parts here at all\r\n--elsewhere--\r\n",
    )


def boundary_never_closed() -> bytes:
    return _message(
        _base('Content-Type: multipart/mixed; boundary="b1"'),
        "--b1\r\nContent-Type: text/plain\r\n\r\nfirst part, and then the end never comes\r\n",
    )


def garbage_content_type() -> bytes:
    return _message(
        _base('Content-Type: ;;;==="; boundary=; charset=\x00', "Content-Transfer-Encoding: x-?")
    )


def many_parameters() -> bytes:
    params = "; ".join(f"p{i}*{i % 3}*=utf-8''%E9{i}" for i in range(10_000))
    return _message(_base(f"Content-Type: text/plain; {params}"))


def header_without_colon_and_leading_continuation() -> bytes:
    return (
        b" continuation before any header\r\n"
        b"From: Jane Doe <jane@acme.test>\r\n"
        b"this line has no colon\r\n"
        b"Date: Mon, 02 Nov 2026 09:00:00 +0000\r\n"
        b"Subject: ok\r\n\r\nbody\r\n"
    )


def empty_message() -> bytes:
    return b""


def only_a_blank_line() -> bytes:
    return b"\r\n"


def no_from_at_all() -> bytes:
    return _message(["To: sam@studio.test", "Subject: who sent this?"])


def unbalanced_from() -> bytes:
    return _message(['From: "<<<<<<<<(((((((jane@acme.test', "To: sam@studio.test", "Subject: x"])


def cr_only_line_ends() -> bytes:
    return _message(_base()).replace(b"\r\n", b"\r")


def bare_lf_line_ends() -> bytes:
    return _message(_base()).replace(b"\r\n", b"\n")


# -- dates ------------------------------------------------------------------------------


def missing_date() -> bytes:
    return _message(_base(date=None))


def garbage_date() -> bytes:
    return _message(_base(date="sometime after lunch, probably"))


def date_in_year_9999() -> bytes:
    return _message(_base(date="Fri, 31 Dec 9999 23:59:59 -1200"))


def date_past_year_9999() -> bytes:
    return _message(_base(date="Sat, 01 Jan 10000 00:00:00 +0000"))


def date_in_year_zero() -> bytes:
    return _message(_base(date="Mon, 01 Jan 0000 00:00:00 +0000"))


def date_with_absurd_offset() -> bytes:
    return _message(_base(date="Mon, 02 Nov 2026 09:00:00 +9999"))


def date_with_huge_numbers() -> bytes:
    return _message(_base(date="Mon, 99999999999999999999 Nov 2026 99:99:99 +0000"))


# -- size -------------------------------------------------------------------------------


def megabyte_subject() -> bytes:
    words = ("word " * (MEGABYTE // 5)).strip()
    folded = "\r\n ".join(words[i : i + 70] for i in range(0, len(words), 70))
    return _message(_base(f"Subject: {folded}"))


def megabyte_unfolded_line() -> bytes:
    return _message(_base("Subject: " + "x" * MEGABYTE))


def megabyte_references() -> bytes:
    ids = " ".join(f"<ref{i}@acme.test>" for i in range(MEGABYTE // 18))
    return _message(_base(f"References: {ids}", f"In-Reply-To: {ids[:5000]}"))


def megabyte_recipient_list() -> bytes:
    to = ", ".join(f"Person {i} <p{i}@acme.test>" for i in range(MEGABYTE // 28))
    return _message(_base(f"Cc: {to}"))


def megabyte_body_without_line_breaks() -> bytes:
    return _message(_base("Content-Type: text/plain"), b"a" * MEGABYTE)


# -- bytes that should never be there ---------------------------------------------------


def nul_bytes() -> bytes:
    return _message(
        [
            b"From: Jane\x00 Doe <jane@acme.test\x00>",
            b"To: sam@studio.test",
            b"Subject: nul\x00in\x00subject",
            b"Date: Mon, 02 Nov 2026 09:00:00 +0000",
            b"Message-ID: <nul\x00@acme.test>",
        ],
        b"body\x00with\x00nuls?\r\n",
    )


def eight_bit_headers_latin1() -> bytes:
    return _message(
        [
            "From: Ren\xe9e M\xfcller <renee@acme.test>".encode("latin-1"),
            b"To: sam@studio.test",
            "Subject: Caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1"),
            b"Date: Mon, 02 Nov 2026 09:00:00 +0000",
        ]
    )


def eight_bit_headers_utf8_and_invalid() -> bytes:
    return _message(
        [
            "From: Zoë Ça <zoe@acme.test>".encode(),
            b"To: sam@studio.test",
            b"Subject: half \xc3 a char, \xf0\x9f\x98 and \xed\xa0\x80 a surrogate",
            b"Date: Mon, 02 Nov 2026 09:00:00 +0000",
            b"X-\xff\xfe-Header-Name: 8-bit name",
        ]
    )


def control_characters_in_headers() -> bytes:
    return _message(
        _base(
            "Subject: \x1b[31mred\x1b[0m \x1b]8;;https://evil.test\x07link\x1b]8;;\x07 \u202eevil"
        )
    )


# -- nesting ----------------------------------------------------------------------------


def _nested(depth: int, boundary: Callable[[int], str]) -> bytes:
    head = _base("MIME-Version: 1.0", f'Content-Type: multipart/mixed; boundary="{boundary(0)}"')
    parts: list[str] = []
    for level in range(1, depth):
        parts.append(
            f"--{boundary(level - 1)}\r\n"
            f'Content-Type: multipart/mixed; boundary="{boundary(level)}"\r\n\r\n'
        )
    parts.append(f"--{boundary(depth - 1)}\r\nContent-Type: text/plain\r\n\r\nthe bottom\r\n")
    parts.extend(f"--{boundary(level)}--\r\n" for level in reversed(range(depth)))
    return _message(head, "".join(parts))


def multipart_nested_5000_deep() -> bytes:
    return _nested(5000, lambda level: f"b{level}")


def multipart_nested_same_boundary() -> bytes:
    return _nested(3000, lambda _level: "same")


def message_rfc822_nested_deep() -> bytes:
    inner = _message(_base(), "innermost\r\n")
    for _ in range(2000):
        inner = _message(_base("Content-Type: message/rfc822"), inner)
    return inner


# -- encodings --------------------------------------------------------------------------


def bad_base64_body() -> bytes:
    return _message(
        _base("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"),
        "SGVsbG8g!!!! not base64 at all ***\r\nAAA\r\n=\r\n",
    )


def base64_wrong_padding() -> bytes:
    return _message(
        _base("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"),
        base64.b64encode(b"Could you send the logo?").rstrip(b"=")[:-1] + b"===\r\n",
    )


def bad_quoted_printable() -> bytes:
    return _message(
        _base("Content-Type: text/plain", "Content-Transfer-Encoding: quoted-printable"),
        "=ZZ=4=\r\n=E9=\r\nsoft break at the very end=",
    )


def bad_base64_encoded_word() -> bytes:
    return _message(_base("Subject: =?utf-8?B?####?= =?utf-8?B?SGVsbG8?= =?utf-8?Q?=ZZ?="))


def encoded_word_bomb() -> bytes:
    word = "=?utf-8?B?" + base64.b64encode("é".encode()).decode() + "?="
    return _message(_base("Subject: " + " ".join([word] * 60_000)))


def encoded_word_that_decodes_to_encoded_words() -> bytes:
    inner = " ".join(["=?utf-8?B?" + base64.b64encode(b"boom").decode() + "?="] * 1000)
    outer = "=?utf-8?B?" + base64.b64encode(inner.encode()).decode() + "?="
    sender = "From: =?utf-8?B?" + "A" * 100_000 + "?= <j@a.test>"
    return _message(_base("Subject: " + outer, sender))


def rfc2231_filename_bomb() -> bytes:
    pieces = "; ".join(f"filename*{i}*=utf-8''%41%42" for i in range(20_000))
    return _message(
        _base('Content-Type: multipart/mixed; boundary="x"'),
        f"--x\r\nContent-Type: application/pdf; {pieces}\r\n\r\nJVBERi0=\r\n--x--\r\n",
    )


HOSTILE: dict[str, Callable[[], bytes]] = {
    name: builder
    for name, builder in sorted(globals().items())
    if callable(builder)
    and not name.startswith("_")
    and name not in {"main"}
    and getattr(builder, "__module__", None) == __name__
}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, build in HOSTILE.items():
        (out / f"{name}.eml").write_bytes(build())
    print(f"wrote {len(HOSTILE)} messages to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus"))
