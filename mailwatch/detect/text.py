"""Text helpers the detectors share: normalising for matching, and sentences."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["normalise", "sentences"]

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2010": "-", "\u2011": "-"})


def normalise(text: str) -> str:
    """Lower-case, accents removed, apostrophes straightened, odd spaces and hyphens plain.

    Offsets are not kept: match on the normalised text, quote from the original
    sentence (see `sentences`).
    """
    text = text.translate(_APOSTROPHES).translate(_SPACES).lower()
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return text


# Words whose final "." does not end a sentence (English and French).
_ABBREVIATIONS = frozenset(
    (
        *("e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "st", "no", "nos", "n°"),
        *("p.s", "ps", "approx", "min", "max", "cf", "env", "m", "mme", "mlle", "tel"),
        *("tél", "fig", "réf", "ref", "art", "p", "pp", "vol"),
    )
)
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'»”)\]]*\s+|\n\s*\n|\n(?=\s*[-*•>]|\s*\d+[.)]\s)")


def sentences(text: str) -> list[str]:
    """Split a message's text into sentences (and list items, and lone lines).

    Good enough for mail: a line break after a greeting or a bullet ends a
    sentence; a "." after a known abbreviation or inside a number does not.
    """
    return list(_sentences(text))


# Several detectors split the same text (asks, report and invoice on the owner's mail;
# scope, payment claims and thanks on a client's): split it once.
@lru_cache(maxsize=16)
def _sentences(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        pieces: list[str] = []
        start = 0
        for match in _BOUNDARY.finditer(block):
            before = block[start : match.start()].rstrip()
            last_word = before.rsplit(None, 1)[-1].lower().rstrip(".") if before else ""
            if before.endswith(".") and last_word in _ABBREVIATIONS:
                continue
            pieces.append(block[start : match.end()])
            start = match.end()
        pieces.append(block[start:])
        for piece in pieces:
            # Lines that do not end in punctuation are their own sentence when the
            # next one starts afresh (greetings, sign-offs, list items).
            for line in re.split(r"\n(?=\s*[A-ZÀ-Ý0-9\-*•])", piece):
                clean = " ".join(line.split())
                if clean:
                    out.append(clean)
    return tuple(out)
