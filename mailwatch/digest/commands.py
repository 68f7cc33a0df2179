"""The owner's commands in a reply to the digest, or in the subject of a mailto email.

A command is a line of the reply's own text (quoted lines are never read, see
quotes.py), starting with a verb and a code:

    approve K7M2QX9P
    reject K7M2QX9P the price is wrong
    edit K7M2QX9P
    <the new text of the draft>
    end

Verbs are read in English or French, in any case, accents optional ("approuver",
"refuser", "modifier", "fin"; also "approuve", "refuse", "modifie"). "Approve: CODE"
and a code typed with a space or a dash are fine. A line that starts with a verb but
cannot be acted on (no code, a code of the wrong shape, an edit without its "end")
is returned in `ignored` with a reason a person reads, so the confirmation can say so.

Pure parsing: whether a command may act (who sent it, is the code valid) is decided
elsewhere (codes.py, verify.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from mailwatch.digest.codes import CODE_LENGTH, normalise_code
from mailwatch.digest.quotes import Line, html_to_text, own_lines

__all__ = [
    "Command",
    "IgnoredLine",
    "ParsedReply",
    "Verb",
    "looks_like_command",
    "parse_reply",
    "parse_subject",
]

Verb = Literal["approve", "reject", "edit"]

_VERBS: dict[str, Verb] = {
    "approve": "approve",
    "approuver": "approve",
    "approuve": "approve",
    "reject": "reject",
    "refuser": "reject",
    "refuse": "reject",
    "edit": "edit",
    "modifier": "edit",
    "modifie": "edit",
}
_END_WORDS = frozenset({"end", "fin"})

# A verb is the first word of the line, followed by a space, a colon or nothing
# ("approve," or "approved" are not verbs).
_HEAD = re.compile(r"^\s*(?P<word>[^\W\d_]+)(?=\s|:|$)\s*:?\s*(?P<rest>.*?)\s*$", re.DOTALL)
_TOKEN = re.compile(r"\S+")
_TRAILING_PUNCTUATION = ".,;:!"
_REASON_SEPARATORS = " \t:-–—,;"
_MARGIN = re.compile(r"^\s*\|( |$)")

_CODE_HELP = "a code has 8 letters and digits, as shown after “Code:” in the digest"


@dataclass(frozen=True)
class Command:
    verb: Verb
    code: str  # normalised: 8 upper-case Crockford characters
    note: str = ""  # a rejection's reason
    body: str | None = None  # an edit's new text
    line: str = ""  # the command line as the owner wrote it


@dataclass(frozen=True)
class IgnoredLine:
    line: str
    reason: str


@dataclass
class ParsedReply:
    commands: list[Command] = field(default_factory=list)
    ignored: list[IgnoredLine] = field(default_factory=list)


def _fold(word: str) -> str:
    """Lower case without accents: "Approuvé" -> "approuve"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _verb_of(line: str) -> tuple[Verb, str] | None:
    """(verb, the rest of the line) when the line starts with a verb."""
    match = _HEAD.match(line)
    if not match:
        return None
    verb = _VERBS.get(_fold(match["word"]))
    return (verb, match["rest"]) if verb else None


def looks_like_command(line: str) -> bool:
    """Whether a line would be read as a command (acted on or reported)."""
    return _verb_of(line) is not None


def _is_end(line: str) -> bool:
    return _fold(line.strip().rstrip(".!")) in _END_WORDS


def _split_code(rest: str) -> tuple[str | None, str]:
    """(normalised code, what follows it) from the text after a verb.

    A code may be typed in up to 3 pieces ("K7M2 QX9P", "k7m2-qx9p"); the pieces are
    joined until they make 8 characters."""
    joined = ""
    for token in list(_TOKEN.finditer(rest))[:3]:
        joined += token.group()
        candidate = joined.rstrip(_TRAILING_PUNCTUATION)
        code = normalise_code(candidate)
        if code is not None:
            return code, rest[token.end() :]
        if len(candidate.replace("-", "")) >= CODE_LENGTH:
            break  # long enough to be a code, and it is not one
    return None, rest


def _parse_line(line: str) -> Command | IgnoredLine | None:
    """One command line (an edit's new text is read by the caller)."""
    found = _verb_of(line)
    if found is None:
        return None
    verb, rest = found
    shown = line.strip()
    if not rest:
        return IgnoredLine(shown, f"no code after “{verb}”: {_CODE_HELP}")
    code, after = _split_code(rest)
    if code is None:
        first = rest.split()[0]
        return IgnoredLine(shown, f"“{first}” is not a draft code: {_CODE_HELP}")
    after = after.strip()
    if verb == "reject":
        return Command("reject", code, note=after.lstrip(_REASON_SEPARATORS).strip(), line=shown)
    if after.strip(_TRAILING_PUNCTUATION + " "):
        if verb == "approve":
            why = "there is more text after the code; to change the draft, use “edit”"
        else:
            why = "the new text must start on the line after “edit” and the code"
        return IgnoredLine(shown, why)
    return Command(verb, code, line=shown)


def parse_reply(text: str | None, html: str | None = None) -> ParsedReply:
    """The commands in the owner's own text of a reply.

    The text part is read; the HTML part only when the text part gives nothing (no
    command and nothing ignored), e.g. a client that sends HTML alone.
    """
    parsed = _parse_lines(own_lines(text)) if text and text.strip() else ParsedReply()
    if not parsed.commands and not parsed.ignored and html and html.strip():
        parsed = _parse_lines(own_lines(html_to_text(html)))
    return _resolve_conflicts(parsed)


def _parse_lines(lines: list[Line]) -> ParsedReply:
    parsed = ParsedReply()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.own:
            continue
        result = _parse_line(line.text)
        if result is None:
            continue
        if isinstance(result, IgnoredLine):
            parsed.ignored.append(result)
            continue
        if result.verb != "edit":
            parsed.commands.append(result)
            continue
        body, end = _edit_body(lines, i)
        if end is None:
            parsed.ignored.append(
                IgnoredLine(
                    result.line,
                    "no line “end” after the new text (or quoted text inside it); "
                    "the draft was not changed",
                )
            )
            continue  # read on from the next line: later commands still count
        if not body.strip():
            parsed.ignored.append(IgnoredLine(result.line, "the new text is empty"))
        else:
            parsed.commands.append(Command("edit", result.code, body=body, line=result.line))
        i = end + 1
    return parsed


def _edit_body(lines: list[Line], start: int) -> tuple[str, int | None]:
    """(new text, index of its "end" line) from line `start`; the index is None when
    the own text stops (quoted text or the end of the reply) before an "end" line."""
    body: list[str] = []
    for index in range(start, len(lines)):
        line = lines[index]
        if not line.own:
            return "", None
        if _is_end(line.text):
            return _tidy_body(body), index
        # Trailing spaces go, except in the signature delimiter "-- " (RFC 3676).
        body.append(line.text if line.text == "-- " else line.text.rstrip())
    return "", None


def _tidy_body(lines: list[str]) -> str:
    """The new text without the blank lines around it, and without the "| " margin the
    digest's text part puts before each line of a draft (when every line has it: the
    owner copied the draft from the digest and changed a few words)."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    written = [line for line in lines if line.strip()]
    if written and all(_MARGIN.match(line) for line in written):
        lines = [_MARGIN.sub("", line, count=1) if line.strip() else "" for line in lines]
    return "\n".join(lines) + "\n" if lines else ""


def _resolve_conflicts(parsed: ParsedReply) -> ParsedReply:
    """One command per code: repeats of the same command are dropped; different
    commands for one code ("approve X" and "reject X") cancel each other, since
    acting on either could be the wrong one."""
    verbs: dict[str, set[str]] = {}
    for command in parsed.commands:
        verbs.setdefault(command.code, set()).add(command.verb)
    kept: list[Command] = []
    seen: set[str] = set()
    ignored = list(parsed.ignored)
    for command in parsed.commands:
        if len(verbs[command.code]) > 1:
            ignored.append(
                IgnoredLine(
                    command.line,
                    "several different commands for this code; nothing was done with it",
                )
            )
        elif command.code in seen:
            ignored.append(IgnoredLine(command.line, "the same command twice; done once"))
        else:
            seen.add(command.code)
            kept.append(command)
    return ParsedReply(kept, ignored)


def parse_subject(subject: str | None) -> Command | None:
    """The command a mailto button's email carries in its subject, or None.

    The subject must be exactly a command: "approve CODE" or "reject CODE [reason]".
    A "Re:" or "Fwd:" prefix means a reply or a forward, not a button: None.
    """
    if not subject:
        return None
    line = " ".join(subject.split())  # unfold a folded header
    result = _parse_line(line)
    if isinstance(result, Command) and result.verb in ("approve", "reject"):
        return result
    return None
