"""Logging helpers: JSON lines for log collectors, and masking of secrets.

A secret (a password, later a token) is registered once, when it is read; from then
on `redact` masks it in any text: log lines, tracebacks, the daemon's health file,
error messages the CLI prints. Exceptions quote values in several spellings (a
UnicodeEncodeError shows `'pässwörd'`, `ascii()` shows `'p\\xe4ssw\\xf6rd'`, bytes show
`b'p\\xc3\\xa4ss...'`), so each spelling is registered too.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

_SECRETS: set[str] = set()
MASK = "********"


def _spellings(value: str) -> set[str]:
    return {
        value,
        repr(value)[1:-1],
        ascii(value)[1:-1],
        repr(value.encode("utf-8"))[2:-1],
        json.dumps(value)[1:-1],
    }


def register_secret(value: str) -> None:
    """Never print or store this string (passwords, tokens), in any spelling."""
    if value and len(value) >= 4:
        _SECRETS.update(s for s in _spellings(value) if len(s) >= 4)


def redact(text: str) -> str:
    # Longest first: a spelling that contains another must be masked whole.
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Mask secrets in the message and in the traceback of every record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            record.msg = redact(record.getMessage())
            record.args = None
            if record.exc_info and not record.exc_text:
                # Formatters reuse exc_text when it is set: format the traceback here,
                # masked, so no handler ever formats it from the raw exception.
                record.exc_text = redact(self._formatter.formatException(record.exc_info))
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_text:
            entry["error"] = redact(record.exc_text)
        elif record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)
