"""The email we send for an approved draft.

Built with EmailMessage and policy.default, which refuses CR/LF inside header
values, so nothing that came from a client's subject line can inject headers.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from mailwatch.config.model import Owner
from mailwatch.store.records import Draft


def new_message_id(owner: Owner) -> str:
    return make_msgid(idstring="mailwatch", domain=owner.domain)


def _clean(value: str) -> str:
    # Client-supplied text (the subject) must stay on one line.
    return " ".join(value.split())


def build_message(draft: Draft, owner: Owner, message_id: str, when: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((owner.name, owner.email))
    message["To"] = ", ".join(draft.to)
    message["Subject"] = _clean(draft.subject)
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
    if draft.references:
        message["References"] = " ".join(draft.references)
    message.set_content(draft.body, charset="utf-8")
    return message


def message_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes()
