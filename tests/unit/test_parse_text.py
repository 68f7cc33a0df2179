"""extract_text, strip_quotes and snippet on bodies cut by the fetch limit."""

from __future__ import annotations

import base64
import quopri

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailwatch.parse import (
    ParsedHeaders,
    extract_text,
    parse_headers,
    snippet,
    strip_quotes,
)
from mailwatch.parse.text import html_to_text

FRENCH = "Bonjour Marie,\r\nvoici le logo définitif, à valider avant vendredi.\r\nMerci !\r\n"


def headers(
    content_type: str = "text/plain; charset=utf-8", cte: str | None = None
) -> ParsedHeaders:
    lines = [b"From: a@client.test", b"Content-Type: " + content_type.encode()]
    if cte:
        lines.append(b"Content-Transfer-Encoding: " + cte.encode())
    return parse_headers(b"\r\n".join(lines) + b"\r\n\r\n")


def mime(boundary: str, *parts: bytes, close: bool = True) -> bytes:
    body = b"This is a multi-part message in MIME format.\r\n"
    for part in parts:
        body += b"\r\n--" + boundary.encode() + b"\r\n" + part
    if close:
        body += b"\r\n--" + boundary.encode() + b"--\r\n"
    return body


def part(content_type: str, payload: bytes, cte: str | None = None, extra: str = "") -> bytes:
    head = f"Content-Type: {content_type}\r\n"
    if cte:
        head += f"Content-Transfer-Encoding: {cte}\r\n"
    return (head + extra + "\r\n").encode() + payload


# --------------------------------------------------------------------------- single part


def test_plain_utf8():
    assert extract_text(headers(), FRENCH.encode(), truncated=False) == FRENCH.replace("\r\n", "\n")


def test_unknown_charset_falls_back_to_utf8_then_latin1():
    h = headers("text/plain; charset=x-klingon")
    assert extract_text(h, "déjà".encode(), truncated=False) == "déjà"
    assert extract_text(h, "déjà".encode("latin-1"), truncated=False) == "déjà"


def test_wrong_declared_charset_falls_back():
    h = headers("text/plain; charset=us-ascii")
    assert extract_text(h, "café".encode(), truncated=False) == "café"


def test_non_text_codec_names_are_refused():
    # "zlib" is a bytes-to-bytes codec: decoding with it must not be attempted.
    h = headers("text/plain; charset=zlib")
    assert extract_text(h, b"plain words", truncated=False) == "plain words"


def test_legacy_charsets():
    h = headers("text/plain; charset=ks_c_5601-1987")
    assert extract_text(h, "스티해".encode("cp949"), truncated=False) == "스티해"
    h = headers("text/plain; charset=iso-2022-jp")
    assert extract_text(h, "すみません".encode("iso-2022-jp"), truncated=False) == "すみません"


def test_base64_body_cut_in_the_middle_of_a_quantum_and_of_a_character():
    encoded = base64.encodebytes(FRENCH.encode() * 3)
    for cut in range(len(encoded) - 40, len(encoded)):
        text = extract_text(headers(cte="base64"), encoded[:cut], truncated=True)
        assert "\ufffd" not in text
        assert FRENCH.replace("\r\n", "\n").startswith(text[:40])


def test_base64_with_garbage_and_missing_padding_is_tolerated():
    encoded = base64.b64encode(b"hello world").rstrip(b"=") + b"\r\n!!"
    assert extract_text(headers(cte="base64"), encoded, truncated=False) == "hello world"


def test_quoted_printable_cut_inside_an_escape():
    encoded = quopri.encodestring(FRENCH.encode())
    position = encoded.index(b"=C3=A9") + 4  # "...=C3=A" cut after the "A"
    text = extract_text(headers(cte="quoted-printable"), encoded[:position], truncated=True)
    assert text.endswith("d")  # "définitif" cut before the "é", nothing garbled
    assert "=" not in text and "\ufffd" not in text


def test_quoted_printable_soft_line_breaks():
    h = headers(cte="quoted-printable")
    assert extract_text(h, b"long=\r\nline =C3=A9t=C3=A9", truncated=False) == "longline été"


def test_html_only_message():
    html = (
        b"<html><head><style>p{color:red}</style><title>t</title></head><body>"
        b"<p>Hello&nbsp;Marie,</p><div>The <b>logo</b> is ready.<br>Thanks</div>"
        b"<script>alert(1)</script></body></html>"
    )
    text = extract_text(headers("text/html; charset=utf-8"), html, truncated=False)
    assert text == "Hello Marie,\nThe logo is ready.\nThanks"  # NBSP folded too


def test_html_cut_inside_a_tag():
    html = b"<p>Hello</p><p>World</p><a href='https://x.test/?a"
    assert extract_text(headers("text/html"), html, truncated=True) == "Hello\nWorld"


def test_html_blockquote_becomes_quoted_lines():
    html = "<div>Yes, approved.</div><blockquote><div>Could you approve?</div></blockquote>"
    assert html_to_text(html) == "Yes, approved.\n> Could you approve?"
    assert strip_quotes(html_to_text(html)) == "Yes, approved."


def test_non_text_single_part_gives_nothing():
    assert extract_text(headers("application/pdf"), b"%PDF-1.4", truncated=False) == ""


# --------------------------------------------------------------------------- multipart


def test_alternative_prefers_plain():
    body = mime(
        "alt1",
        part("text/plain; charset=utf-8", b"Le texte brut."),
        part("text/html; charset=utf-8", b"<p>HTML</p>"),
    )
    h = headers('multipart/alternative; boundary="alt1"')
    assert extract_text(h, body, truncated=False) == "Le texte brut."


def test_html_when_there_is_no_plain_part():
    body = mime("b", part("text/html; charset=utf-8", b"<p>Only <i>HTML</i></p>"))
    assert extract_text(headers("multipart/alternative; boundary=b"), body, truncated=False) == (
        "Only HTML"
    )


def test_nested_mixed_alternative_plain_with_inner_boundary_from_the_body():
    inner = mime(
        "inner-b",
        part("text/plain; charset=iso-8859-1", "Voilà le devis.".encode("latin-1"), "8bit"),
        part("text/html", b"<p>Voil&agrave;</p>"),
    )
    outer = mime(
        "outer-b",
        part('multipart/alternative; boundary="inner-b"', inner),
        part(
            "application/pdf; name=devis.pdf",
            b"JVBERi0=",
            "base64",
            "Content-Disposition: attachment; filename=devis.pdf\r\n",
        ),
    )
    h = headers('multipart/mixed; boundary="outer-b"')
    assert extract_text(h, outer, truncated=False) == "Voilà le devis."


def test_similar_boundaries_are_not_confused():
    inner = mime("abc-1", part("text/plain", b"inner text"))
    outer = mime("abc", part("multipart/alternative; boundary=abc-1", inner))
    assert extract_text(headers("multipart/mixed; boundary=abc"), outer, truncated=False) == (
        "inner text"
    )


def test_text_attachment_is_skipped():
    body = mime(
        "b",
        part("text/plain", b"notes.txt content", extra="Content-Disposition: attachment\r\n"),
        part("text/plain", b"The real message"),
    )
    assert extract_text(headers("multipart/mixed; boundary=b"), body, truncated=False) == (
        "The real message"
    )


def test_part_without_headers_defaults_to_text_plain():
    body = b"--b\r\n\r\nno headers here\r\n--b--\r\n"
    assert extract_text(headers("multipart/mixed; boundary=b"), body, truncated=False) == (
        "no headers here"
    )


def test_missing_boundary_parameter_is_guessed_from_the_body():
    body = mime("guess-me", part("text/plain", b"found it"))
    assert extract_text(headers("multipart/mixed"), body, truncated=False) == "found it"


def test_truncated_inside_a_mime_part_keeps_what_is_there():
    body = mime(
        "b",
        part("text/plain; charset=utf-8", ("Début du message. " * 20).encode()),
        part("text/html", b"<p>x</p>"),
    )
    cut = body[: body.index(b"Content-Type: text/html") - 5]
    text = extract_text(headers("multipart/alternative; boundary=b"), cut, truncated=True)
    assert text.startswith("Début du message.")
    assert "--b" not in text and "--" not in text


def test_truncated_inside_the_part_headers_of_the_only_text_part():
    body = b"--b\r\nContent-Type: text/pl"
    assert extract_text(headers("multipart/mixed; boundary=b"), body, truncated=True) == ""


def test_truncated_base64_part_inside_multipart():
    payload = base64.encodebytes(("Bonjour, voici le planning complet. " * 40).encode())
    body = mime("b", part("text/plain; charset=utf-8", payload, "base64"))
    for cut in (200, 333, 517, 1001):
        text = extract_text(headers("multipart/mixed; boundary=b"), body[:cut], truncated=True)
        assert text.startswith("Bonjour, voici")
        assert "\ufffd" not in text


def test_multipart_report_gives_the_human_readable_part():
    body = mime(
        "r",
        part("text/plain", b"Your message could not be delivered."),
        part("message/delivery-status", b"Reporting-MTA: dns; mx.test\r\n"),
    )
    h = headers('multipart/report; report-type=delivery-status; boundary="r"')
    assert extract_text(h, body, truncated=False) == "Your message could not be delivered."


# --------------------------------------------------------------------------- fuzzing


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            "text/plain",
            "text/html",
            "multipart/mixed; boundary=b",
            "multipart/alternative",
            "application/octet-stream",
            "text/plain; charset=utf-16",
            "text/plain; charset=zlib",
        ]
    ),
    st.sampled_from([None, "base64", "quoted-printable", "8bit", "x-uuencode"]),
    st.binary(max_size=1500),
    st.booleans(),
)
def test_extract_text_never_raises(content_type, cte, body, truncated):
    assert isinstance(extract_text(headers(content_type, cte), body, truncated=truncated), str)


_MIME_PIECES = st.sampled_from(
    [
        b"--b\r\n",
        b"--b--\r\n",
        b"\r\n",
        b"Content-Type: multipart/mixed; boundary=c\r\n",
        b"Content-Type: text/html\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"--c\r\n",
        b"<p>",
        b"<blockquote>",
        b"=C3=A9",
        b"w6k=",
        b"hello ",
        b"> quoted\r\n",
        b"\xff\xfe",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_MIME_PIECES, max_size=40).map(b"".join), st.booleans())
def test_mime_shaped_fuzz_never_raises(body, truncated):
    h = headers("multipart/mixed; boundary=b")
    text = extract_text(h, body, truncated=truncated)
    assert isinstance(strip_quotes(text), str)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_strip_quotes_and_snippet_never_raise(text):
    own = strip_quotes(text)
    assert isinstance(own, str)
    assert len(snippet(own)) <= 280


# --------------------------------------------------------------------------- quotes

GMAIL_EN = """Sounds good, could you send the logo?

On Mon, 3 Mar 2025 at 10:00, Jean Dupont <jean@client.test> wrote:
> Hi,
> here is the draft.
"""
GMAIL_EN_WRAPPED = """Sounds good.

On Mon, 3 Mar 2025 at 10:00, Jean Dupont from the Client Company <
jean.dupont@client.test> wrote:

> Hi,
"""
GMAIL_FR = """Merci, je regarde.

Le lun. 3 mars 2025 à 10:00, Jean Dupont <jean@client.test> a écrit :
> Bonjour,
> voici le brouillon.
"""
OUTLOOK_EN = """Thanks, approved.

________________________________
From: Jean Dupont <jean@client.test>
Sent: Monday, March 3, 2025 10:00 AM
To: Marie <marie@freelance.test>
Subject: Logo

Hi, here is the draft.
"""
OUTLOOK_FR = """Parfait, merci.\r
\r
De : Jean Dupont <jean@client.test>\r
Envoyé : lundi 3 mars 2025 10:00\r
À : Marie <marie@freelance.test>\r
Objet : Logo\r
\r
Bonjour, voici le brouillon.\r
"""
OUTLOOK_OLD = """OK for me.

-----Original Message-----
From: Jean
Sent: Monday
Subject: x

old text
"""
APPLE_EN = """Looks great!

Sent from my iPhone

> On 3 Mar 2025, at 10:00, Jean Dupont <jean@client.test> wrote:
>
> Hi
"""
APPLE_FR = """Super !

Envoyé de mon iPhone

> Le 3 mars 2025 à 10:00, Jean Dupont <jean@client.test> a écrit :
>
> Salut
"""
SIGNATURE = """Here it is.

-- \nMarie Martin
Designer
"""
BOTTOM_POSTED = """On Mon, 3 Mar 2025, Jean wrote:
> Can you send it?

Yes, attached.
"""
INTERLEAVED = """> Can you send it?
Yes, attached.
> And the invoice?
Tomorrow.
"""
FORWARD = """FYI, see below.

---------- Forwarded message ---------
From: A <a@x.test>
Date: Mon
Subject: x
To: B <b@y.test>

old
"""


@pytest.mark.parametrize(
    ("text", "own"),
    [
        (GMAIL_EN, "Sounds good, could you send the logo?"),
        (GMAIL_EN_WRAPPED, "Sounds good."),
        (GMAIL_FR, "Merci, je regarde."),
        (OUTLOOK_EN, "Thanks, approved."),
        (OUTLOOK_FR, "Parfait, merci."),
        (OUTLOOK_OLD, "OK for me."),
        (APPLE_EN, "Looks great!"),
        (APPLE_FR, "Super !"),
        (SIGNATURE, "Here it is."),
        (BOTTOM_POSTED, "Yes, attached."),
        (INTERLEAVED, "Yes, attached.\nTomorrow."),
        (FORWARD, "FYI, see below."),
    ],
    ids=[
        "gmail-en",
        "gmail-en-wrapped",
        "gmail-fr",
        "outlook-en",
        "outlook-fr",
        "outlook-original-message",
        "apple-en",
        "apple-fr",
        "signature",
        "bottom-posted",
        "interleaved",
        "forward",
    ],
)
def test_strip_quotes(text, own):
    assert strip_quotes(text) == own


def test_strip_quotes_is_conservative_with_plain_text():
    text = "Here is the report.\n\n- item one\n- item two\n\nBest regards,\nMarie"
    assert strip_quotes(text) == text


def test_a_message_that_is_only_a_quote_gives_empty_text():
    assert strip_quotes("On Mon, Jean wrote:\n> hello\n") == ""
    assert strip_quotes("") == ""


def test_library_failure_falls_back_to_own_rules(monkeypatch):
    import mailparser_reply

    def boom(self, text):
        raise RuntimeError("library bug")

    monkeypatch.setattr(mailparser_reply.EmailReplyParser, "parse_reply", boom)
    assert strip_quotes(GMAIL_FR) == "Merci, je regarde."


def test_library_returning_nothing_falls_back_to_own_rules(monkeypatch):
    import mailparser_reply

    monkeypatch.setattr(mailparser_reply.EmailReplyParser, "parse_reply", lambda self, t: "")
    assert strip_quotes(BOTTOM_POSTED) == "Yes, attached."


def test_long_lines_do_not_blow_up_the_library():
    import time

    start = time.perf_counter()
    strip_quotes("On " * 2700)
    assert time.perf_counter() - start < 2.0


# --------------------------------------------------------------------------- snippet


def test_snippet_folds_whitespace_and_cuts_at_a_word():
    assert snippet("  Hello\n\n  world \t!  ") == "Hello world !"
    cut = snippet("word " * 100, limit=50)
    assert len(cut) <= 50 and cut.endswith("…") and not cut.endswith(" …")
    assert snippet("x" * 300, limit=10) == "x" * 9 + "…"
    assert snippet("anything", limit=0) == ""


def test_library_finds_headers_the_own_rules_do_not_know():
    italian = (
        "Va bene, grazie.\n\nIl giorno lun 3 mar 2025 alle ore 10:00 Jean <jean@x.test> "
        "ha scritto:\nCiao,\necco la bozza.\n"
    )
    assert strip_quotes(italian, ("en", "it")) == "Va bene, grazie."
    # An Outlook block whose "From:" line was lost: the library still sees the header.
    assert strip_quotes("Sure.\n\nSent: Monday\nTo: Marie\nSubject: Logo\n\nold text") == "Sure."


@given(
    st.lists(
        st.sampled_from([b"--b1", b"--b1--", b"\r\n", b"\n", b"\r", b" ", b"\t", b"x", b"-"]),
        max_size=40,
    )
)
def test_delimiter_search_is_the_rfc_2046_rule(chunks: list[bytes]) -> None:
    import re

    from mailwatch.parse.text import _delimiters

    content = b"".join(chunks)
    rule = re.compile(rb"(?:\A|\r?\n)--b1(--)?[ \t]*(?=\r?\n|\Z)")
    expected = [(m.start(), m.end(), bool(m.group(1))) for m in rule.finditer(content)]
    assert list(_delimiters(content, "b1")) == expected


def test_terminal_escapes_and_controls_leave_the_text_whole() -> None:
    """Body text reaches terminals (timeline, queue show) and quoted drafts: no escape
    sequence, bell or NUL survives, and tabs and line ends stay."""
    body = b"Hello \x1b[2J\x1b[31mred\x1b[0m \x1b]8;;https://evil.test\x07link\x1b]8;;\x07\x00!\r\n\tok"
    text = extract_text(headers(), body, truncated=False)
    assert text == "Hello red link!\n\tok"
    html = b"<p>Hi \x1b[31mthere\x1b[0m\x07</p>"
    assert extract_text(headers("text/html"), html, truncated=False).strip() == "Hi there"


def test_stripping_twice_changes_nothing_on_any_labelled_message():
    """Sync strips a message once and the detectors strip it again; strip_quotes returns
    its own recent output unchanged, which is only right if stripping is idempotent."""
    from mailwatch.parse import text as text_module
    from tests.labelled.scoring import load_cases

    texts = [
        case["text"]
        for name in ("abuse", "ack", "asks", "billing", "ooo", "scope")
        for case in load_cases(name)
        if case.get("text")
    ]
    assert len(texts) > 900
    for raw in texts:
        once = strip_quotes(raw)
        assert strip_quotes(once) is once  # the shortcut
        text_module._RECENT_OUTPUTS.clear()  # really strip the second time
        assert strip_quotes(once) == once, raw[:200]
