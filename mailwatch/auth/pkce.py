"""PKCE (RFC 7636) and the state value that ties a browser's answer to our request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_verifier() -> str:
    """A code_verifier: 64 random bytes, 86 characters of [A-Za-z0-9-_] (RFC 7636 §4.1)."""
    return _b64url(secrets.token_bytes(64))


def challenge(verifier: str) -> str:
    """The S256 code_challenge: BASE64URL(SHA256(verifier)), unpadded (RFC 7636 §4.2)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_state() -> str:
    return secrets.token_urlsafe(24)


def same(a: str, b: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())
