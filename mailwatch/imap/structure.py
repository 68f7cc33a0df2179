"""Attached files from a BODYSTRUCTURE (RFC 3501 §7.4.2), as imapclient parses it.

Only names, types and sizes: an invoice sent as "Facture_F-2026-12.pdf" is
recognised from its file name, and the file itself never leaves the server.

A part is a list: type, subtype, (param pairs), id, description, encoding, size,
then per type: text has a line count, message/rfc822 an envelope, a body and a line
count; then the extension data: md5, (disposition (params)), language, location.
A multipart is its parts followed by the subtype and its own extension data.
File names come from the disposition's `filename` or the type's `name`, and may be
RFC 2231 (`filename*`) or RFC 2047 ("=?utf-8?q?...?=") encoded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from mailwatch.imap.base import Attachment
from mailwatch.parse._words import decode_rfc2231, decode_words

_MAX_DEPTH = 8
_MAX_PARTS = 50


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value) if value is not None else ""


def _params(value: Any) -> dict[str, str]:
    """(b"NAME", b"x.pdf", b"CHARSET", b"utf-8") -> {"name": "x.pdf", "charset": "utf-8"}."""
    if not isinstance(value, list | tuple):
        return {}
    items = list(value)
    out: dict[str, str] = {}
    for key, val in zip(items[0::2], items[1::2], strict=False):
        out[_text(key).lower()] = _text(val)
    return out


def _filename(params: dict[str, str]) -> str:
    defects: list[str] = []
    for key in ("filename*", "name*"):
        if key in params:
            return decode_rfc2231(params[key], defects, key)
    # RFC 2231 continuations: filename*0*, filename*1*...
    for base in ("filename", "name"):
        pieces = sorted(
            (k, v) for k, v in params.items() if k.startswith(base + "*") and k != base + "*"
        )
        if pieces:
            joined = "".join(v for _, v in pieces)
            encoded = pieces[0][0].endswith("*") and "'" in joined
            return decode_rfc2231(joined, defects, base) if encoded else joined
        if base in params:
            return decode_words(params[base], defects, base)
    return ""


def _disposition(part: Sequence[Any], start: int) -> tuple[str, dict[str, str]]:
    """The first (disposition (params)) pair among the extension data."""
    for item in part[start:]:
        if (
            isinstance(item, list | tuple)
            and len(item) == 2
            and isinstance(item[0], bytes | str)
            and isinstance(item[1], list | tuple | type(None))
        ):
            return _text(item[0]).lower(), _params(item[1])
    return "", {}


def _walk(part: Any, depth: int = 0) -> Iterator[Attachment]:
    if depth > _MAX_DEPTH or not isinstance(part, list | tuple) or not part:
        return
    if isinstance(part[0], list | tuple):  # multipart: child parts, then the subtype
        for child in part:
            if _is_part(child):
                yield from _walk(child, depth + 1)
        return
    if len(part) < 7:
        return
    maintype, subtype = _text(part[0]).lower(), _text(part[1]).lower()
    params = _params(part[2])
    try:
        size = int(part[6] or 0)
    except (TypeError, ValueError):
        size = 0
    if maintype == "text":
        extension = 8  # after the line count
    elif (maintype, subtype) == ("message", "rfc822"):
        extension = 10  # after the envelope, the body and the line count
    else:
        extension = 7
    disposition, dparams = _disposition(part, extension)
    name = _filename(dparams) or _filename(params)
    if maintype == "message" and subtype == "rfc822" and len(part) > 8:
        yield from _walk(part[8], depth + 1)  # a forwarded message's own attachments
    if name or disposition == "attachment":
        yield Attachment(name=name.strip(), content_type=f"{maintype}/{subtype}", size=size)


def _is_part(child: Any) -> bool:
    """A child of a multipart: a nested multipart, or a single part (7+ fields); not the
    subtype or the extension data that follow the children."""
    if not isinstance(child, list | tuple) or not child:
        return False
    return isinstance(child[0], list | tuple) or (isinstance(child[0], bytes) and len(child) > 6)


def attachments(bodystructure: Any) -> tuple[Attachment, ...]:
    """The attached files of a message (named parts, or parts marked as attachments)."""
    found: list[Attachment] = []
    for attachment in _walk(bodystructure):
        found.append(attachment)
        if len(found) >= _MAX_PARTS:
            break
    return tuple(found)
