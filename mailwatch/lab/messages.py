"""Realistic test and demo messages, built the way mail clients build them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr


def make_email(
    *,
    sender: tuple[str, str],
    to: Sequence[tuple[str, str]],
    subject: str,
    body: str,
    date: datetime,
    message_id: str,
    reply_to_message: str | None = None,
    references: Sequence[str] = (),
    cc: Sequence[tuple[str, str]] = (),
    headers: dict[str, str] | None = None,
    html: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> bytes:
    """An RFC 5322 message as bytes (CRLF line ends, as on the wire).

    With `html`, it is multipart/alternative, as most webmail and phone clients send.
    `attachments` are (file name, content type, bytes): a multipart/mixed message.
    """
    msg = EmailMessage()
    msg["From"] = formataddr(sender)
    msg["To"] = ", ".join(formataddr(t) for t in to)
    if cc:
        msg["Cc"] = ", ".join(formataddr(c) for c in cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if reply_to_message:
        msg["In-Reply-To"] = reply_to_message
    if references:
        msg["References"] = " ".join(references)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, ctype, data in attachments:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
