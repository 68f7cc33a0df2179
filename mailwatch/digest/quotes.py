"""Which lines of a reply the owner wrote, and which were quoted from earlier mail.

Only the owner's own lines may carry approval commands, so this errs on the side of
"quoted": when in doubt a line is not read. (mailwatch/parse/text.py strips quotes for
display and heuristics and errs the other way, keeping text when unsure.)

The quoting styles handled, in text and in HTML:
- "> " prefixes (Gmail, Apple Mail, Thunderbird, mutt), nested or not;
- an attribution line before a quote, "On ... wrote:" / "Le ... a écrit :" (possibly
  wrapped over 2-3 lines); when no "> " lines follow it, the rest is quoted text;
- Outlook's header block "From: / Sent: / To: / Subject:" (French "De : / Envoyé : /
  À : / Objet :"), "-----Original Message-----" and forward markers: the rest is quoted;
- HTML <blockquote> (any kind), Gmail's gmail_quote and Yahoo's yahoo_quoted blocks, and
  Outlook's divRplyFwdMsg / appendonsend markers (the rest of the document is quoted).

Lines are never dropped here: each comes back with a flag, so that a command block
(an edit's new text) that runs into quoted text can be refused rather than silently cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

__all__ = ["Line", "html_to_text", "own_lines"]

# Zero-width characters some clients sprinkle into text; a BOM at the start.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)

_ATTRIBUTION_START = re.compile(r"(?:on|le|am|el)\b", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(
    r"(?:\bwrote|\ba\s+[ée]crit|\bschrieb|\bescribi[óo])\s*:\s*$", re.IGNORECASE
)
_CUT_MARKER = re.compile(
    r"""^[\s*]*(?:
        -{2,}\s*(?:original\ message|message\ d'origine|mail\ original|message\ original
                  |forwarded\ message|message\ transf[ée]r[ée]|urspr[üu]ngliche\ nachricht)\s*-{2,}
        | begin\ forwarded\ message\s*: | d[ée]but\ du\ message\ r[ée]exp[ée]di[ée]\s*:
    )[\s*]*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Outlook's header block: "From:" / "De :" (maybe "*From:*" after an HTML-to-text
# conversion), and within the next few lines another header field.
_OUTLOOK_FROM = re.compile(r"^\s*\**(?:from|de|von)\**[ \t\u00a0\u202f]*:", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\**(?:sent|date|to|subject|cc|envoy[ée]|[àa]|objet|gesendet|an|betreff)\**"
    r"[ \t\u00a0\u202f]*:",
    re.IGNORECASE,
)
# The sentinel html_to_text writes where Outlook's reply header starts.
_HTML_CUT = "-----Original Message-----"


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    own: bool  # written by the sender of this reply, not quoted


def own_lines(text: str | None) -> list[Line]:
    """Every line of `text`, each marked as the sender's own or quoted."""
    lines = _split(text)
    out: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _CUT_MARKER.match(line) or _outlook_header_at(lines, i):
            out.extend(Line(rest, False) for rest in lines[i:])
            break
        span = _attribution_at(lines, i)
        if span:
            after = i + span
            while after < len(lines) and not lines[after].strip():
                after += 1
            out.extend(Line(quoted, False) for quoted in lines[i:after])
            if after < len(lines) and _is_prefixed(lines[after]):
                i = after  # the "> " lines that follow are marked one by one
                continue
            # An attribution followed by unprefixed text: some clients quote without
            # "> ", so the rest is the quoted mail and nothing after it is read.
            out.extend(Line(rest, False) for rest in lines[after:])
            break
        out.append(Line(line, not _is_prefixed(line)))
        i += 1
    return out


def _split(text: str | None) -> list[str]:
    text = (text or "").translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _is_prefixed(line: str) -> bool:
    return line.lstrip(" \t\u00a0").startswith(">")


def _attribution_at(lines: list[str], i: int) -> int:
    """How many lines an "On ... wrote:" attribution takes from line i (0 if none).

    A line that ends like an attribution but does not start like one ("Marie wrote:")
    counts only when quoted lines follow it."""
    first = lines[i].strip()
    if not first:
        return 0
    starts_like_one = bool(_ATTRIBUTION_START.match(first))
    for span in (1, 2, 3):
        if i + span > len(lines) or not lines[i + span - 1].strip():
            break
        if span > 1 and not starts_like_one:
            break  # only a wrapped "On ... / ... wrote:" spans several lines
        joined = " ".join(line.strip() for line in lines[i : i + span])
        if len(joined) > 400:
            break
        if _ATTRIBUTION_END.search(joined):
            if starts_like_one:
                return span
            nxt = i + span
            while nxt < len(lines) and not lines[nxt].strip():
                nxt += 1
            return span if nxt < len(lines) and _is_prefixed(lines[nxt]) else 0
    return 0


def _outlook_header_at(lines: list[str], i: int) -> bool:
    if not _OUTLOOK_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 6] if line.strip()][:3]
    return any(_OUTLOOK_NEXT.match(line) for line in following)


# ---------------------------------------------------------------------------- HTML


# Elements that start a new line when a mail client turns HTML into text.
_BLOCK = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "br", "center", "dd", "div"),
        *("dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "html", "li", "main", "nav", "ol", "p", "pre"),
        *("section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    }
)
_SKIP = frozenset({"head", "script", "style", "template", "title", "noscript"})
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"})
_QUOTE_CLASSES = frozenset({"gmail_quote", "yahoo_quoted", "protonmail_quote"})
_CUT_IDS = frozenset({"divrplyfwdmsg", "appendonsend"})
_PRE_STYLE = re.compile(r"white-space\s*:\s*(?:pre|pre-wrap|pre-line|break-spaces)\b", re.I)


class _TextOf(HTMLParser):
    """HTML as a mail client would quote it in text: block elements start new lines,
    and the content of quoting elements comes out with "> " before each line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.current_quoted = False
        # One entry per open element: (tag, is_quote, is_pre, is_skip).
        self.stack: list[tuple[str, bool, bool, bool]] = []
        self.cut = False

    # state from the stack
    def _quoted(self) -> bool:
        return any(entry[1] for entry in self.stack)

    def _pre(self) -> bool:
        return any(entry[2] for entry in self.stack)

    def _skipping(self) -> bool:
        return any(entry[3] for entry in self.stack)

    def _newline(self, *, force: bool = False) -> None:
        """End the current line. Block boundaries end a line only when it has text;
        a <br> (`force`) always does, so that <div><br></div> is a blank line."""
        if not self.current and not force:
            return
        text = "".join(self.current)
        if not self._pre_line:
            text = " ".join(text.replace("\u00a0", " ").split())
        self.lines.append(("> " if self.current_quoted or self._quoted() else "") + text)
        self.current = []
        self.current_quoted = False
        self._pre_line = False

    _pre_line = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.cut:
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        classes = set(values.get("class", "").lower().split())
        if values.get("id", "").lower() in _CUT_IDS:
            self._newline()
            self.lines.append(_HTML_CUT)  # Outlook: the rest is the original message
            self.cut = True
            return
        if tag == "br":
            self._newline(force=True)
            return
        if tag in _BLOCK:
            self._newline()
        if tag in _VOID:
            return
        is_quote = tag == "blockquote" or bool(classes & _QUOTE_CLASSES)
        is_pre = tag in {"pre", "textarea"} or bool(_PRE_STYLE.search(values.get("style", "")))
        self.stack.append((tag, is_quote, is_pre, tag in _SKIP))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.cut or tag in _VOID:
            return
        # Close up to the matching open tag; tolerate unclosed children (bad HTML).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                if tag in _BLOCK:
                    self._newline()
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if self.cut or self._skipping():
            return
        pre = self._pre()
        if pre:
            parts = data.split("\n")
            for index, part in enumerate(parts):
                if index:
                    self._pre_line = True
                    self._newline(force=True)
                self._add(part, pre=True)
        else:
            self._add(data, pre=False)

    def _add(self, data: str, *, pre: bool) -> None:
        if not data:
            return
        if not self.current and not pre and not data.strip(" \t\n\r\f"):
            return  # layout whitespace between tags, not text
        if not self.current:
            self.current_quoted = self._quoted()
            self._pre_line = pre
        elif self._quoted():
            self.current_quoted = True
        self.current.append(data)


def html_to_text(html: str | None) -> str:
    """The text of an HTML body, with quoted parts marked "> " line by line."""
    parser = _TextOf()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # malformed HTML from anywhere: keep what was read so far
        pass
    parser._newline()
    return "\n".join(line.rstrip() for line in parser.lines).strip("\n")
