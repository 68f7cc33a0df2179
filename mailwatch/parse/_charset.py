"""Decoding bytes in a declared charset that may be wrong, unknown or missing.

Shared by the header parser (RFC 2047 encoded-words, raw 8-bit headers) and the body
reader. The rule everywhere: the declared charset first, then UTF-8, then latin-1, which
cannot fail. A charset Python does not know raises LookupError in the stdlib
(`bytes.decode`, `get_content()`); here it is a defect to note, never an exception.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

__all__ = ["codec_for", "decode_bytes"]

# Labels seen in real mail that Python does not know, or knows as a smaller charset than
# the senders really use. The supersets follow the WHATWG Encoding Standard's label table
# (https://encoding.spec.whatwg.org/#names-and-labels), which browsers apply to mail too.
_ALIASES: dict[str, str] = {
    "iso-8859-8-i": "iso-8859-8",  # RFC 1556: only the bidi direction differs
    "iso-8859-6-i": "iso-8859-6",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "ks_c_5601-1987": "cp949",  # Outlook's label for what is really cp949 (UHC)
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",  # GB 18030 is a superset; many "gb2312" mails use GBK chars
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "iso-8859-1": "cp1252",  # WHATWG: iso-8859-1 is decoded as windows-1252
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "x-user-defined": "latin-1",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}


@lru_cache(maxsize=256)
def codec_for(charset: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None when unusable.

    Only text encodings count: `codecs.lookup("zlib")` succeeds but would turn mail text
    into bytes (or a decompression bomb), so it is refused like an unknown label.
    """
    if not charset:
        return None
    label = charset.strip().strip("\"'").strip().lower()
    if not label or len(label) > 40:
        return None
    label = _ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None, *, final: bool = True) -> tuple[str, str | None]:
    """Decode with fallbacks; return (text, defect or None).

    `final=False` means the data was cut by a fetch limit: an incomplete multi-byte
    sequence at the very end is dropped instead of counting as a decoding error.
    """
    codec = codec_for(charset)
    defect: str | None = None
    if charset and codec is None:
        defect = f"unknown charset {charset.strip()[:40]!r}"
    if codec is not None:
        text = _try_decode(data, codec, final)
        if text is not None:
            return text, None
        defect = f"text is not valid {charset.strip()[:40] if charset else codec}"
    if codec != "utf-8":
        text = _try_decode(data, "utf-8", final)
        if text is not None:
            # Undeclared UTF-8 is normal (RFC 6532 headers, unlabelled bodies): no defect
            # unless a different charset was declared.
            return text, defect
    return data.decode("latin-1"), defect or "text is not UTF-8, read as latin-1"


def _try_decode(data: bytes, codec: str, final: bool) -> str | None:
    try:
        if final:
            return data.decode(codec)
        decoder = codecs.getincrementaldecoder(codec)("strict")
        return str(decoder.decode(data, final=False))
    except (UnicodeError, LookupError, ValueError, TypeError, OverflowError):
        return None
