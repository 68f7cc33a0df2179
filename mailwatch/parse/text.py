"""Readable text from the first bytes of a raw body, and the message's own new words.

We fetch `BODY.PEEK[TEXT]<0.N>`: the body without its header block, cut after N bytes,
possibly inside a MIME part, a base64 quantum, a quoted-printable escape or a multi-byte
character. Only the top-level Content-Type comes from the fetched header fields; inner
boundaries and part headers are read from the body itself.

Everything here is best effort and never raises: the full body stays on the server, and
this text is used for heuristics (does it ask something?) and display (a snippet) only.
"""

from __future__ import annotations

import binascii
import logging
import re
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

from mailwatch.parse._charset import decode_bytes
from mailwatch.parse._words import base64_prefix
from mailwatch.parse.headers import (
    ParsedHeaders,
    ParseError,
    clean_body,
    parse_content_type,
    parse_transfer_encoding,
    split_fields,
)

log = logging.getLogger(__name__)

__all__ = ["extract_text", "snippet", "strip_quotes"]

_MAX_DEPTH = 8  # nested multiparts deeper than this are not human mail
_MAX_TEXT = 64_000  # characters kept from one part (the body prefix is 8 KiB anyway)


# --------------------------------------------------------------------------- extract_text


@dataclass(frozen=True, slots=True)
class _Leaf:
    ctype: str
    charset: str | None
    encoding: str
    attachment: bool
    content: bytes
    cut: bool  # the fetch limit fell inside this part


def extract_text(headers: ParsedHeaders, body: bytes, *, truncated: bool) -> str:
    """The readable text of a message: its first text/plain part, else its first
    text/html part turned into plain text; "" when there is none. Never raises."""
    try:
        leaves = _leaves(
            headers.content_type,
            {"boundary": headers.boundary} if headers.boundary else {},
            headers.charset,
            headers.transfer_encoding,
            bytes(body),
            truncated,
            depth=0,
        )
        return clean_body(_best_text(leaves))
    except Exception as exc:  # one odd body must never stop a sync batch
        # Said out loud: an empty text means no follow-up, no invoice found, no request.
        log.warning("could not read a message's text (%s: %s)", type(exc).__name__, exc)
        return ""


def _best_text(leaves: Iterator[_Leaf]) -> str:
    html: _Leaf | None = None
    for leaf in leaves:
        if leaf.attachment:
            continue
        if leaf.ctype == "text/plain":
            text = _decode_leaf(leaf)
            # An empty text/plain beside real HTML (some mailers send that) loses.
            if text.strip():
                return text
        elif leaf.ctype == "text/html" and html is None:
            html = leaf
    return html_to_text(_decode_leaf(html)) if html is not None else ""


def _leaves(
    ctype: str,
    params: dict[str, str],
    charset: str | None,
    encoding: str,
    content: bytes,
    cut: bool,
    depth: int,
) -> Iterator[_Leaf]:
    """Leaf parts in depth-first order (RFC 2046 §5.1), with what is needed to decode."""
    if not ctype.startswith("multipart/"):
        yield _Leaf(ctype, charset, encoding, False, content, cut)
        return
    if depth >= _MAX_DEPTH:
        return
    boundary = params.get("boundary") or ""
    parts = _split_multipart(content, boundary, cut) if boundary else None
    if not parts:
        guessed = _guess_boundary(content)
        parts = _split_multipart(content, guessed, cut) if guessed else None
    if not parts:
        return
    default = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
    for part, part_cut in parts:
        yield from _part_leaves(part, part_cut, default, depth)


def _part_leaves(part: bytes, cut: bool, default: str, depth: int) -> Iterator[_Leaf]:
    head, body, complete = _split_part(part)
    if not complete:
        return  # the fetch limit fell inside this part's header block
    defects: list[str] = []
    fields = _part_fields(head)
    ctype, params = (
        parse_content_type(fields["content-type"][0], defects)
        if "content-type" in fields
        else (default, {})
    )
    encoding = parse_transfer_encoding(fields.get("content-transfer-encoding", [""])[0])
    disposition = fields.get("content-disposition", [""])[0].split(";", 1)[0].strip().lower()
    if ctype.startswith("multipart/"):
        yield from _leaves(ctype, params, None, encoding, body, cut, depth + 1)
        return
    charset = params.get("charset") or None
    yield _Leaf(ctype, charset, encoding, disposition == "attachment", body, cut)


def _part_fields(head: bytes) -> dict[str, list[str]]:
    if not head.strip():
        return {}
    try:
        return split_fields(head.decode("latin-1"), [])
    except ParseError:
        return {}


_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def _split_part(part: bytes) -> tuple[bytes, bytes, bool]:
    """(headers, body, complete) of one body part (RFC 2046 §5.1.1: a part starting
    with an empty line has no headers)."""
    if part.startswith(b"\n"):
        return b"", part[1:], True
    if part.startswith(b"\r\n"):
        return b"", part[2:], True
    match = _BLANK_LINE.search(part)
    if match is None:
        return part, b"", False
    return part[: match.start()], part[match.end() :], True


def _delimiters(content: bytes, boundary: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, closing) of each delimiter line, by plain search.

    Same rule as the regex (?:\\A|\\r?\\n)--BOUNDARY(--)?[ \\t]*(?=\\r?\\n|\\Z), but
    every message has its own boundary, so a compiled pattern was never reused and
    compiling it cost ~0.1 ms per message.
    """
    marker = b"--" + boundary.encode("utf-8", "replace")
    size = len(content)
    pos = 0
    while (found := content.find(marker, pos)) >= 0:
        pos = found + 1
        if found and content[found - 1] != 0x0A:  # not at the start of a line
            continue
        start = found
        if found:
            start = found - 2 if found >= 2 and content[found - 2] == 0x0D else found - 1
        end = found + len(marker)
        closing = content.startswith(b"--", end)
        if closing:
            end += 2
        while end < size and content[end] in (0x20, 0x09):
            end += 1
        if end == size or content[end] == 0x0A or content.startswith(b"\r\n", end):
            yield start, end, closing
            pos = end


def _split_multipart(content: bytes, boundary: str, cut: bool) -> list[tuple[bytes, bool]]:
    """Body parts between delimiter lines. RFC 2046 §5.1.1: a delimiter is "--" boundary
    at the start of a line, optional "--" closing it, then only whitespace; the line break
    before it belongs to the delimiter. The preamble and epilogue are ignored."""
    parts: list[tuple[bytes, bool]] = []
    start: int | None = None
    for begin, end, closing in _delimiters(content, boundary):
        if start is not None:
            parts.append((content[start:begin], False))
        if closing:
            return parts
        start = _after_line(content, end)
    if start is not None:
        tail = content[start:]
        if cut:
            tail = _drop_partial_delimiter(tail, boundary)
        # Without a closing delimiter the last part runs to the end of what we have: cut
        # by the fetch limit, or a sender that never closed the multipart.
        parts.append((tail, cut))
    return parts


def _after_line(content: bytes, pos: int) -> int:
    end = content.find(b"\n", pos)
    return len(content) if end < 0 else end + 1


def _drop_partial_delimiter(tail: bytes, boundary: str) -> bytes:
    """The fetch may stop inside the next delimiter line ("...\r\n--bou")."""
    pos = tail.rfind(b"\n")
    if pos >= 0:
        last = tail[pos + 1 :]
        if last and (b"--" + boundary.encode("utf-8", "replace")).startswith(last):
            return tail[:pos].rstrip(b"\r")
    return tail


_BOUNDARY_LINE = re.compile(rb"^--([^\s]{1,70}?)[ \t]*\r?$", re.MULTILINE)


def _guess_boundary(content: bytes) -> str | None:
    """A missing or wrong boundary parameter: take the first delimiter-looking line
    that is followed by part headers."""
    for match in _BOUNDARY_LINE.finditer(content, 0, 4096):
        after = content[match.end() : match.end() + 200].lstrip(b"\r\n")
        if after[:8].lower().startswith(b"content-") or after[:1] in (b"\r", b"\n"):
            return match.group(1).decode("latin-1")
    return None


# --------------------------------------------------------------------------- decoding

_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=]")
_PADDING = re.compile(rb"=+")
_QP_CUT = re.compile(rb"=[0-9A-Fa-f]?\r?\Z")


def _decode_leaf(leaf: _Leaf) -> str:
    data = _undo_transfer_encoding(leaf.content, leaf.encoding, leaf.cut)
    text, _ = decode_bytes(data, leaf.charset, final=not leaf.cut)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[:_MAX_TEXT]


def _undo_transfer_encoding(data: bytes, encoding: str, cut: bool) -> bytes:
    """RFC 2045 §6: base64 and quoted-printable; anything else is taken as it is
    (7bit, 8bit, binary, and unknown mechanisms such as x-uuencode)."""
    if encoding == "base64":
        # Non-alphabet characters are ignored (RFC 2045 §6.8); padding may also appear
        # in the middle when parts were concatenated, so each padded run is decoded alone.
        clean = _NOT_BASE64.sub(b"", data)
        return b"".join(base64_prefix(chunk) for chunk in _PADDING.split(clean) if chunk)
    if encoding == "quoted-printable":
        if cut:
            data = _QP_CUT.sub(b"", data)  # an escape cut in the middle ("=C", "=")
        try:
            return binascii.a2b_qp(data)
        except (binascii.Error, ValueError):
            return data
    return data


# --------------------------------------------------------------------------- HTML


class _HTMLText(HTMLParser):
    """Text of an HTML body: tags dropped, blocks on their own lines, script/style
    skipped, <blockquote> content prefixed with "> " so strip_quotes can remove it."""

    _BLOCKS = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "ul",
            "ol",
            "tr",
            "table",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "hr",
            "pre",
            "section",
            "article",
            "header",
            "footer",
            "dd",
            "dt",
            "dl",
            "address",
            "center",
            "form",
            "title",
        ]
    )
    _SKIP = frozenset(["script", "style", "head", "noscript", "template", "svg", "object"])

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, list[str]]] = [(0, [])]
        self.skipping = 0
        self.quote = 0

    def _newline(self) -> None:
        if self.lines[-1][1]:
            self.lines.append((self.quote, []))
        else:
            self.lines[-1] = (self.quote, [])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag == "blockquote":
            self.quote += 1
            self._newline()
        elif tag in self._BLOCKS:
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self._newline()
        elif tag in self._BLOCKS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.lines[-1][1].append(data)

    def text(self) -> str:
        out: list[str] = []
        for depth, pieces in self.lines:
            line = " ".join("".join(pieces).split())
            if line:
                out.append("> " * depth + line)
            elif out and out[-1]:
                out.append("")
        return "\n".join(out).strip()


# Linear-time on purpose: `<[^>]*>` rescans to the end from every "<" when no ">" follows.
_TAG = re.compile(r"<[^<>]*>")


def html_to_text(html: str) -> str:
    """Plain text from (possibly truncated) HTML; a regex fallback if the parser fails."""
    open_tag = html.rfind("<")
    if open_tag > html.rfind(">"):
        html = html[:open_tag]  # a tag cut by the fetch limit
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
        return parser.text()
    except Exception:  # html.parser has raised AssertionError on odd declarations
        return " ".join(unescape(_TAG.sub(" ", html)).split())


# --------------------------------------------------------------------------- quotes
# Every pattern below is matched against a line with its leading whitespace already
# removed and has no two adjacent quantifiers over the same characters: the input is
# whatever a sender put in a body, so backtracking must stay linear.

# "On Mon, 3 Mar 2025 at 10:00, Jean <jean@x.test> wrote:" (Gmail, Apple Mail,
# Thunderbird), "Le lun. 3 mars 2025 à 10:00, Jean <jean@x.test> a écrit :", and the
# German "Am ... schrieb ...:", wrapped over up to 3 lines by some clients.
_ATTRIBUTION = re.compile(
    r"(?:on\b.{0,300}?\bwrote|le\b.{0,300}?\ba\s[ée]crit|am\b.{0,300}?\bschrieb)[^:\n]{0,40}:\s*",
    re.IGNORECASE | re.DOTALL,
)
_ATTRIBUTION_START = re.compile(r"(?:on|le|am)\b", re.IGNORECASE)
# Markers after which everything is someone else's text (Outlook, Thunderbird, Zimbra,
# Gmail and Apple Mail forwards), English, French and German.
_CUT_MARKER = re.compile(
    r"""(?:
        -{2,}\ ?(?:original\ message|message\ d'origine|mail\ original|message\ original
                 |forwarded\ message|message\ transf[ée]r[ée]|urspr[üu]ngliche\ nachricht)\ ?-{2,}
        | begin\ forwarded\ message\ ?: | d[ée]but\ du\ message\ r[ée]exp[ée]di[ée]\ ?:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Outlook's reply header block: "From:"/"De :" (maybe "*From:*" after an HTML-to-text
# conversion), then, within a few lines, another header field.
_OUTLOOK_FROM = re.compile(r"\**(?:from|de|von)\**[ \t\xa0]*:", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"\**(?:sent|date|to|subject|cc|envoy[ée]|[àa]|objet|gesendet|an|betreff)\**[ \t\xa0]*:",
    re.IGNORECASE,
)
_SENT_FROM = re.compile(
    r"""(?:sent\ from\ my\b|sent\ from\ (?:outlook|mail|yahoo|samsung|gmail)\b
        |get\ outlook\ for\b|envoy[ée]\ (?:de|depuis)\ (?:mon|ma|l'application|outlook|yahoo)\b
        |envoy[ée]\ depuis\b|von\ meinem\b.{0,40}gesendet)""",
    re.IGNORECASE | re.VERBOSE,
)
_RULE_LINE = re.compile(r"[_\-=*]{10,}$")
# mail-parser-reply's header regexes are polynomial in the length of a line that starts
# with "On"/"Le" (seconds for one 8 KB line): it only ever sees lines clipped to this.
_LIBRARY_LINE_CHARS = 200
_LIBRARY_CONTEXT_LINES = 3


# The last few texts strip_quotes returned. Sync strips a message once and hands the
# result to the detectors, which strip again (so that callers with raw text are safe):
# stripping is idempotent (tests/unit/test_parse_text.py checks it on every labelled
# message), so text that is one of these is returned as it is. Identity, not equality:
# the check must cost nothing.
_RECENT_OUTPUTS: deque[str] = deque(maxlen=4)


def strip_quotes(text: str, languages: Sequence[str] = ("en", "fr")) -> str:
    """The message's own new text: quoted replies, forwarded originals, "-- "
    signatures and "Sent from my iPhone" lines removed. Conservative: when unsure, keep.

    mail-parser-reply says on which line the first reply header starts (it knows more
    languages than the own rules); the text above it is then cleaned by the own rules. If
    the library fails, or leaves nothing where the own rules find text, the own rules
    alone decide.
    """
    default = tuple(languages) == ("en", "fr")
    if default and any(text is done for done in _RECENT_OUTPUTS):
        return text
    own = _strip_quotes(text, languages)
    if default:
        _RECENT_OUTPUTS.append(own)
    return own


def _strip_quotes(text: str, languages: Sequence[str]) -> str:
    try:
        text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            return ""
        lines = text.split("\n")
        own, used, marked = _own_strip(lines)
        if not own:
            return ""
        if marked:
            # The own rules found where the quoted part starts. The library could only
            # cut earlier, i.e. keep less; keeping more is the conservative side, and
            # skipping it saves ~0.1-0.3 ms per message on a first sync.
            return own
        # Lines after the last one the own rules keep are dropped whatever the library
        # says, so it only sees those (plus a little context): ~10x faster on long quotes.
        cut = _library_cut(lines[: used + _LIBRARY_CONTEXT_LINES], languages)
        if cut is not None and cut < used:
            cleaned, _, _ = _own_strip(lines[:cut])
            if cleaned:
                return cleaned
        return own
    except Exception:  # never lose the message over a bug in a heuristic
        return (text or "").strip()


def _library_cut(lines: list[str], languages: Sequence[str]) -> int | None:
    """How many lines mail-parser-reply keeps as the latest reply, or None when it
    fails or its answer does not look like a prefix of the text."""
    clipped = [line.strip()[:_LIBRARY_LINE_CHARS] for line in lines]
    normalised = "\n".join(clipped)
    try:
        # Imported here so that a broken install degrades to the own rules.
        from mailparser_reply import EmailReplyParser

        reply = EmailReplyParser(languages=list(languages)).parse_reply(normalised)
    except Exception:  # a third-party parser on arbitrary text: guard it
        return None
    if not reply or not reply.strip():
        return None
    # Its reply must be the start of the text, else it split somewhere it should not
    # (it finds its header again with str.find, which can land on an earlier copy).
    body = normalised.lstrip()
    reply = reply.strip()
    if not body.startswith(reply):
        return None
    end = len(normalised) - len(body) + len(reply)
    return normalised.count("\n", 0, end) + 1


def _own_strip(lines: list[str]) -> tuple[str, int, bool]:
    """(own text, number of lines up to the last one kept, whether a quote was found)."""
    out: list[str] = []
    used = 0
    marked = False
    i = 0
    while i < len(lines):
        line = lines[i]
        bare = line.strip()
        if _CUT_MARKER.match(bare) or _outlook_header_at(lines, i, bare):
            marked = True
            break
        if bare == "--" and line.rstrip() == "--" and any(kept.strip() for kept in out):
            break  # RFC 3676 §4.3 signature delimiter "-- " (often trimmed to "--")
        attribution = _attribution_at(lines, i, bare)
        if attribution:
            marked = True
            i += attribution
            continue
        if bare.startswith(">") or _SENT_FROM.match(bare):
            marked = marked or bare.startswith(">")
            i += 1
            continue
        out.append(line.rstrip())
        i += 1
        if bare:
            used = i
    return _tidy(out), used, marked


def _attribution_at(lines: list[str], i: int, bare: str) -> int:
    """How many lines an "On ... wrote:" attribution takes from line i (0 if none)."""
    if not _ATTRIBUTION_START.match(bare):
        return 0
    for span in (1, 2, 3):
        if i + span > len(lines):
            break
        joined = " ".join(line.strip() for line in lines[i : i + span])
        if len(joined) <= 400 and _ATTRIBUTION.fullmatch(joined):
            return span
    return 0


def _outlook_header_at(lines: list[str], i: int, bare: str) -> bool:
    if not _OUTLOOK_FROM.match(bare):
        return False
    following = [line.strip() for line in lines[i + 1 : i + 6] if line.strip()][:3]
    return any(_OUTLOOK_NEXT.match(line) for line in following)


def _tidy(lines: list[str]) -> str:
    while lines and (not lines[-1].strip() or _RULE_LINE.match(lines[-1].strip())):
        lines.pop()
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line)
    return "\n".join(out).strip()


# --------------------------------------------------------------------------- snippet


def snippet(text: str, limit: int = 280) -> str:
    """Whitespace-folded preview of at most `limit` characters, cut at a word."""
    folded = " ".join((text or "").split())
    if limit <= 0:
        return ""
    if len(folded) <= limit:
        return folded
    cut = folded[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"
