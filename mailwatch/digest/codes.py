"""Approval codes: short, typeable, bound to one draft version in one digest.

A code is the first 40 bits of HMAC-SHA256(secret, digest id, draft id, version),
written as 8 characters of Crockford base32 (no I, L, O or U, so nothing reads as
something else). The secret is made once and kept in the state, never in mail or
logs. A code cannot be guessed (1 in 2^40 per try), cannot be moved to another draft
or version (the MAC covers both), and an edit of the draft (a new version) makes its
old codes useless for the new text.

Which codes were issued and which were used is the store's business; `check_code`
decides, from those records, whether one code may act now. Pure: no clock, no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "CodeVerdict",
    "IssuedCode",
    "check_code",
    "codes_equal",
    "make_code",
    "new_secret",
    "normalise_code",
]

# Crockford base32: digits, then letters without I, L, O, U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 8 x 5 bits = 40 bits
SECRET_BYTES = 32
# Read as the digit or letter a person most likely meant (Crockford's decoding rules).
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# What people put inside a code they retype: spaces (also the no-break ones a phone
# keyboard may insert), hyphens and dashes.
_SEPARATORS = str.maketrans(
    dict.fromkeys(" \t\u00a0\u202f\u2009-\u2010\u2011\u2012\u2013\u2014", "")
)
_DOMAIN = b"mailwatch digest code v1"


def new_secret() -> bytes:
    """32 random bytes, made once and kept in the state."""
    return secrets.token_bytes(SECRET_BYTES)


def make_code(
    secret: bytes, digest_id: str, draft_id: str, version: int, fingerprint: str = ""
) -> str:
    """The code that approves `draft_id` at `version`, as shown in digest `digest_id`.

    `fingerprint` (drafts/approval.py content_fingerprint: recipients, subject, text),
    when given, is bound too: the code then stands for exactly what the owner read."""
    if not secret:
        raise ValueError("the digest secret is empty")
    message = _message(digest_id, draft_id, version, fingerprint)
    mac = hmac.new(secret, message, hashlib.sha256).digest()
    bits = int.from_bytes(mac[:5], "big")  # 40 bits
    return "".join(ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))


def _message(digest_id: str, draft_id: str, version: int, fingerprint: str) -> bytes:
    # Each field is length-prefixed, so no two (digest, draft, version) triples can
    # produce the same bytes, whatever characters the ids contain.
    parts = [_DOMAIN, digest_id.encode(), draft_id.encode(), str(int(version)).encode()]
    if fingerprint:
        parts.append(fingerprint.strip().lower().encode())
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def normalise_code(text: str | None) -> str | None:
    """The code in its canonical form (8 upper-case Crockford characters), or None
    when `text` cannot be a code. Accepts lower case, spaces and dashes, and O/I/L
    typed for 0/1/1."""
    if text is None:
        return None
    code = text.translate(_SEPARATORS).upper().translate(_LOOKALIKES)
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def codes_equal(a: str, b: str) -> bool:
    """Compare two codes in constant time (after normalising both)."""
    left, right = normalise_code(a), normalise_code(b)
    if left is None or right is None:
        return False
    return hmac.compare_digest(left.encode(), right.encode())


@dataclass(frozen=True)
class IssuedCode:
    """What the store keeps for each code it put in a digest."""

    digest_id: str
    draft_id: str
    version: int
    issued_at: datetime
    fingerprint: str = ""  # the draft's content fingerprint when the code was made


CodeStatus = Literal["ok", "unknown", "expired", "used", "tampered"]


@dataclass(frozen=True)
class CodeVerdict:
    """Whether a code may act now; `issued` says which draft version it stands for."""

    status: CodeStatus
    code: str | None = None  # normalised, when it had the shape of a code
    issued: IssuedCode | None = None  # the record, when there was one
    expires_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def check_code(
    code: str,
    issued: Mapping[str, IssuedCode],
    used: Collection[str],
    *,
    now: datetime,
    code_hours: float,
    secret: bytes,
) -> CodeVerdict:
    """Decide whether `code` may act at `now`.

    `issued` maps each normalised code to its record; `used` holds the normalised
    codes that already acted. The record is checked against its MAC, so a state file
    edited by hand (a record pointed at another draft or version) is caught.
    """
    normal = normalise_code(code)
    if normal is None:
        return CodeVerdict("unknown")
    record = issued.get(normal)
    if record is None:
        return CodeVerdict("unknown", normal)
    expected = make_code(
        secret, record.digest_id, record.draft_id, record.version, record.fingerprint
    )
    if not hmac.compare_digest(expected.encode(), normal.encode()):
        return CodeVerdict("tampered", normal, record)
    expires_at = record.issued_at + timedelta(hours=code_hours)
    if normal in used:
        return CodeVerdict("used", normal, record, expires_at)
    if now >= expires_at:
        return CodeVerdict("expired", normal, record, expires_at)
    return CodeVerdict("ok", normal, record, expires_at)
