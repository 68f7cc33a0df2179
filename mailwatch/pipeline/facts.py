"""What the detectors find in a routed message, as the facts stored with it.

One function per route decides which detectors run; each fact is JSON-ready and
carries the sentence it came from, so the owner can see why. Called by sync on new
mail, and by `mailwatch reindex` on stored text.

Facts by route and direction:
- the owner's mail to a client: `ask` (the asking sentence, what, by when), `report`,
  `invoice` (number, amount, due date), `invoice_refs` (this client's invoice numbers
  it names: a reminder written by hand);
- a client's mail: `requests` (scope, revision, decision), `abuse`, `payment_claim`,
  `ack` (a mere thanks: nothing to answer);
- an automatic reply of a client's: `back_on` (out-of-office return date);
- a billing service's mail: `payment_notice`, or `invoice` and `tool` (a copy an
  invoicing tool sent the owner).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from mailwatch import route as routes
from mailwatch.drafts.evidence import json_facts
from mailwatch.store.records import MessageRecord

# Bumped when the facts change shape or meaning: a state with older facts is
# reindexed on the next start (see pipeline/reindex.py).
FACTS_VERSION = 1


@dataclass(frozen=True)
class FactSettings:
    """What the detectors need from the configuration."""

    request_phrases: tuple[str, ...] = ()
    report_patterns: tuple[str, ...] = ()
    invoice_patterns: tuple[str, ...] = ()
    payment_senders: tuple[str, ...] = ()
    tool_senders: tuple[str, ...] = ()
    languages: dict[str, str] = field(default_factory=dict)  # client -> "en" / "fr"


def own_text(text: str) -> str:
    from mailwatch.parse import strip_quotes

    return strip_quotes(text or "")


def derive(
    record: MessageRecord,
    text: str,
    attachments: Sequence[str],
    settings: FactSettings,
    client: str | None,
    direction: str,
    invoice_numbers: Callable[[str], Iterable[str]] = lambda _client: (),
    *,
    own: str | None = None,
) -> dict[str, Any]:
    """The facts of one message (an empty dict when nothing applies). `own` is the text
    with quotes stripped, when the caller has it already (stripping is not free)."""
    route = record.route
    if own is None:
        own = own_text(text)
    if route == routes.CLIENT and direction == "out":
        return _ours(record, own, attachments, settings, client, invoice_numbers)
    if route == routes.CLIENT and direction == "in":
        return _theirs(record, own, settings, client)
    if route == routes.AUTOMATIC and client is not None:
        return _automatic(record, own)
    if route == routes.BILLING:
        return _billing(record, own, attachments, settings)
    return {}


def _ours(
    record: MessageRecord,
    own: str,
    attachments: Sequence[str],
    settings: FactSettings,
    client: str | None,
    invoice_numbers: Callable[[str], Iterable[str]],
) -> dict[str, Any]:
    from mailwatch.detect.asks import find_ask, is_report
    from mailwatch.detect.billing import find_invoice, mentions_invoice

    facts: dict[str, Any] = {}
    ask = find_ask(own, settings.request_phrases, written=record.date)
    record.asks = ask is not None
    if ask is not None:
        facts["ask"] = json_facts(asdict(ask))
    if is_report(record.subject, own, settings.report_patterns):
        facts["report"] = True
    invoice = find_invoice(
        record.subject,
        own,
        attachments,
        sent=record.date,
        patterns=settings.invoice_patterns,
    )
    if invoice is not None:
        facts["invoice"] = json_facts(asdict(invoice))
    if client is not None:
        refs = [n for n in invoice_numbers(client) if mentions_invoice(record.subject, own, n)]
        if invoice is not None and invoice.number in refs:
            refs.remove(invoice.number)  # the invoice itself, not a reminder about it
        if refs:
            facts["invoice_refs"] = refs
    return facts


def _theirs(
    record: MessageRecord, own: str, settings: FactSettings, client: str | None
) -> dict[str, Any]:
    from mailwatch.detect.abuse import find_abuse
    from mailwatch.detect.ack import is_ack
    from mailwatch.detect.billing import find_payment_claim
    from mailwatch.detect.scope import find_requests

    facts: dict[str, Any] = {}
    language = settings.languages.get(client or "")
    found = find_requests(own, language=language, written=record.date)
    if found:
        facts["requests"] = [json_facts(asdict(r)) for r in found]
    abuse = find_abuse(own, subject=record.subject)
    if abuse is not None:
        facts["abuse"] = {"kind": abuse.kind, "lines": list(abuse.lines)}
    claim = find_payment_claim(own)
    if claim:
        facts["payment_claim"] = claim
    if not found and abuse is None and not claim and is_ack(own):
        facts["ack"] = True
    return facts


def _automatic(record: MessageRecord, own: str) -> dict[str, Any]:
    if record.not_contact not in ("out-of-office", "auto-reply"):
        return {}
    from mailwatch.detect.ooo import return_date

    absence = return_date(record.subject, own, written=record.date)
    if absence is None:
        return {}
    return {"back_on": absence.back_on.isoformat(), "ooo_sentence": absence.sentence}


def _billing(
    record: MessageRecord, own: str, attachments: Sequence[str], settings: FactSettings
) -> dict[str, Any]:
    from mailwatch.detect.billing import find_invoice, find_payment_notice, invoicing_tool

    sender = record.from_addr or ""
    notice = find_payment_notice(sender, record.subject, own, senders=settings.payment_senders)
    if notice is not None:
        return {"payment_notice": json_facts(asdict(notice))}
    tool = invoicing_tool(sender, record.subject, senders=settings.tool_senders)
    if tool is None:
        return {}
    invoice = find_invoice(
        record.subject, own, attachments, sent=record.date, patterns=settings.invoice_patterns
    )
    if invoice is None:
        return {"tool": tool}
    return {"tool": tool, "invoice": json_facts(asdict(invoice))}


def wanted(record: MessageRecord, now: datetime, days_ours: int, days_theirs: int) -> bool:
    """Whether the text of this message is read at all (the dearest part of a sync)."""
    from datetime import timedelta

    if record.route not in routes.TEXT_WANTED and not (
        record.route == routes.AUTOMATIC and record.not_contact in ("out-of-office", "auto-reply")
    ):
        return False
    return record.date >= now - timedelta(days=max(days_ours, days_theirs))
