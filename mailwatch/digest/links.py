"""mailto: links (RFC 6068) for the digest's Approve and Reject buttons.

A mailto link only opens a ready-to-send email: nothing happens until the owner
presses Send, so link scanners that follow every link in a message can do no harm
(they never follow mailto:, and there is no http link that changes anything).

Spaces are written %20, never "+": most mail apps keep a "+" as a literal plus sign.
Line breaks in the body are %0D%0A, as RFC 6068 asks.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["mailto"]

# Characters RFC 6068 allows unencoded in the address part (besides letters, digits
# and "-._~"); "?", "&", "%", "#" and "," must be encoded.
_ADDRESS_SAFE = "@!$'()*+;:"


def mailto(to: str, subject: str, body: str = "") -> str:
    """A mailto: URI that opens an email to `to` with this subject (and body)."""
    address = to.strip()
    if not address or any(char in address for char in "\r\n,"):
        raise ValueError(f"not a single email address: {to!r}")
    uri = "mailto:" + quote(address, safe=_ADDRESS_SAFE)
    fields = [("subject", subject)]
    if body:
        normalised = body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
        fields.append(("body", normalised))
    query = "&".join(f"{name}={quote(value, safe='')}" for name, value in fields)
    return f"{uri}?{query}"
