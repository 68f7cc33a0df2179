"""What a digest shows, as plain data: the pipeline fills it in, render.py writes it.

Every string here may come from a client's mail (names, subjects, evidence sentences,
draft text) and is treated as hostile by the renderer: escaped in HTML, and unable to
pose as a command or a "Code:" line in the text part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["ATTENTION_KINDS", "AttentionLine", "DigestView", "DraftBlock", "StatusLine"]

# The label shown for each kind of "Needs you" item (the kinds of
# mailwatch/pipeline/attention.py). Items are shown in the order given: the attention
# list comes sorted, most urgent first. An unknown kind is shown under its own name.
ATTENTION_KINDS: dict[str, str] = {
    "owner_overdue": "Waiting for your reply",
    "abusive_mail": "Abusive or threatening mail",
    "invoice_not_sent": "Invoice not sent",
    "probable_payment": "Payment to confirm",
    "payment_claimed": "Client says they paid",
    "report_due": "Monthly report due",
    "new_address": "New address to confirm",
    "message_set_aside": "Message set aside",
    "text_unreadable": "Message to read yourself",
    "draft_failed": "Draft could not be written",
    "send_failed": "Draft could not be sent",
    "rule_failed": "A rule failed",
    "service": "mailwatch itself",
}


@dataclass(frozen=True)
class AttentionLine:
    kind: str  # a key of ATTENTION_KINDS
    client_name: str | None  # None for the service's own health
    since: datetime | None  # when it started (the client's message, the due date...)
    text: str  # one sentence: what is wrong, e.g. "Asked for the October figures."
    evidence: str  # the words it rests on (a sentence of the mail), or ""


@dataclass(frozen=True)
class DraftBlock:
    draft_id: str
    version: int
    code: str
    client_name: str
    kind_label: str  # "Follow-up 2", "Payment reminder 1"
    why: str  # the evidence sentence: why this was drafted
    answers_date: datetime | None  # the date of the message it answers / follows up
    to: tuple[str, ...]
    subject: str
    goes_out: str  # human text, e.g. "Mon 30 Nov, from 09:00 (client's time)"
    body: str
    needs_edit: bool = False  # must be edited before approval (a price to fill in)


@dataclass(frozen=True)
class StatusLine:
    client_name: str
    last_from_them: datetime | None
    last_from_you: datetime | None
    waiting: str  # who is waiting on whom, e.g. "You, 2 days" / "Them" / ""


@dataclass(frozen=True)
class DigestView:
    digest_id: str
    owner_name: str
    owner_email: str  # the Approve / Reject buttons write to this address
    generated_at: datetime  # aware
    timezone: str  # the owner's IANA zone: every date is shown in it
    attention: tuple[AttentionLine, ...]
    drafts: tuple[DraftBlock, ...]
    statuses: tuple[StatusLine, ...]

    @property
    def all_quiet(self) -> bool:
        """Nothing needs the owner and no draft waits: only the weekly "all quiet"."""
        return not self.attention and not self.drafts
