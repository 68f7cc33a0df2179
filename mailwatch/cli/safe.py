"""Mail data made safe for the owner's terminal.

Anything that came from mail (subjects, names, addresses, server replies, reasons
that quote them, draft bodies) is written by someone else. Printed as it is, an
escape sequence can recolour, hide or retitle what the owner sees, plant a
clickable link (OSC 8), or clear the screen; a carriage return or a bidi override
can make a line read differently from what it says. And rich reads `[...]` as
markup. So the CLI prints mail data only through these helpers: escape sequences
are dropped whole, other C0/C1 controls and bidi controls are removed, and tables
receive `Text` objects, which rich never parses for markup or emoji.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

# Escape sequences, dropped whole so that their arguments (a link target, a window
# title) do not remain as stray text: CSI (ESC [ or the 8-bit CSI), the string
# commands OSC, DCS, SOS, PM and APC up to their terminator (BEL or ST) or the end,
# and the two-character escapes (ESC c resets the terminal, ESC ( B ...).
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]?",
    re.DOTALL,
)
# Controls left after that: C0 but tab and line feed, DEL, C1; and the Unicode bidi
# controls (embeddings, overrides, isolates, marks) that reorder what is displayed.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\t|\v|\f|\u2028|\u2029|\x85")
# In JSON, characters the encoder leaves raw (ensure_ascii=False) but a terminal acts on.
_JSON_INVISIBLE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_block(value: object) -> str:
    """Multi-line text (a draft body): line breaks and tabs stay, controls go."""
    text = _ESCAPES.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text)


def clean_line(value: object) -> str:
    """One-line text (a subject, a name, a reply): every break becomes a space."""
    text = _LINE_BREAKS.sub(" ", _ESCAPES.sub("", str(value)))
    return _CONTROLS.sub("", text)


def cell(value: object) -> Text:
    """A table cell or a printed line from mail data: never markup, never controls."""
    from rich.text import Text  # only the commands that draw tables pay for rich

    return Text(clean_line(value))


def json_dumps(value: Any) -> str:
    """JSON with non-ASCII text readable, and the invisible controls as \\u escapes.

    The data is unchanged for whoever parses it (json.loads gives back the same
    strings); only a person reading the raw output on a terminal is protected.
    """
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _JSON_INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
