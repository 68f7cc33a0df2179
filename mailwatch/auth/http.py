"""One small HTTP client for the token endpoints: a form POST that answers JSON.

The standard library's urllib, not requests or httpx (neither is a mailwatch
dependency, and authlib's client needs one of them): the sign-in needs four form
POSTs and nothing else. Whatever goes wrong is said without the request's body
(it holds the refresh token, the code or the client secret).
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from mailwatch.auth.errors import ProviderError
from mailwatch.errors import ConnectionFailed
from mailwatch.logs import redact

TIMEOUT_SECONDS = 30.0
MAX_ANSWER_BYTES = 1 << 20  # a token answer is a few KB; anything huge is not one
USER_AGENT = "mailwatch (OAuth 2.0 client)"


def post_form(url: str, fields: Mapping[str, str], *, timeout: float = TIMEOUT_SECONDS) -> Any:
    """POST `fields` form-encoded to `url`; the JSON answer, or ProviderError for an OAuth
    error answer (RFC 6749 §5.2), or ConnectionFailed when the provider cannot be reached
    or answers something that is not OAuth (a 5xx, an HTML page)."""
    body = urlencode(fields).encode("ascii")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        },
    )
    host = urlsplit(url).netloc
    context = ssl.create_default_context() if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
            status, raw = answer.status, answer.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        status = exc.code
        try:
            raw = exc.read(MAX_ANSWER_BYTES)
        except OSError:
            raw = b""
        finally:
            exc.close()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConnectionFailed(
            f"Cannot reach the sign-in provider at {host}: {redact(str(reason))}.",
            "Check this computer's network connection; mailwatch tries again later by itself.",
        ) from None
    data = _json(raw)
    if 200 <= status < 300 and isinstance(data, dict):
        return data
    if isinstance(data, dict) and isinstance(data.get("error"), str) and status < 500:
        description = data.get("error_description")
        raise ProviderError(
            data["error"][:100],
            # Providers' descriptions are for developers and can be long (Microsoft's
            # carry trace ids): the first line is enough.
            redact(description.splitlines()[0][:300]) if isinstance(description, str) else "",
            status,
        )
    raise ConnectionFailed(
        f"The sign-in provider at {host} answered HTTP {status} without an OAuth answer.",
        "It may be down for a moment; mailwatch tries again later by itself.",
    )


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
