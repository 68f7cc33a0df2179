"""The invoice ledger: every invoice the owner sent, wherever mailwatch learnt of it.

Three sources, merged into one record per (client, number): the owner's own mail in
Sent that sends an invoice, a copy an invoicing tool sent the owner, and the command
line (`mailwatch invoice add/paid/void/import`). Payments close invoices: a
processor's notice naming the number, or `invoice paid`. A notice that only matches
by amount becomes a probable payment, for the owner to confirm.

Stored in the ledger (`invoices` and `probable_payments` tables), with amounts as
decimal strings and dates as ISO days; `core.billing.Invoice` is what the rules read.
"""

from __future__ import annotations

import calendar as months
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from mailwatch.config.model import Contract, Settings
from mailwatch.core.billing import Invoice, ProbablePayment
from mailwatch.errors import UsageError
from mailwatch.store import Store
from mailwatch.store.records import MessageRecord

INVOICES, PROBABLE = "invoices", "probable_payments"


def invoice_key(client: str, number: str) -> str:
    return f"{client}:{number.strip().upper()}"


def due_from_contract(contract: Contract, sent: date) -> date:
    """No due date in the mail: `payment_terms_days` after sending, else the next
    `due_day` (on or after the sending day)."""
    if contract.payment_terms_days is not None:
        return sent + timedelta(days=contract.payment_terms_days)
    day = contract.due_day
    if sent.day <= day:
        return sent.replace(day=day)
    year, month = (sent.year + 1, 1) if sent.month == 12 else (sent.year, sent.month + 1)
    return date(year, month, min(day, months.monthrange(year, month)[1]))


def money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def to_invoice(doc: Mapping[str, Any]) -> Invoice:
    return Invoice(
        client=doc["client"],
        number=doc["number"],
        amount=money(doc.get("amount")) or Decimal(0),
        currency=doc.get("currency") or "EUR",
        due_on=date.fromisoformat(doc["due_on"]),
        sent_on=date.fromisoformat(doc["sent_on"]) if doc.get("sent_on") else None,
        amount_paid=money(doc.get("amount_paid")) or Decimal(0),
        paid_on=date.fromisoformat(doc["paid_on"]) if doc.get("paid_on") else None,
        void=bool(doc.get("void")),
        source=",".join(doc.get("sources") or []),
        message_id=doc.get("message_id"),
        subject=doc.get("subject") or "",
    )


def invoices(store: Store) -> list[Invoice]:
    return [to_invoice(d) for d in store.docs(INVOICES)]


def probable_payments(store: Store) -> dict[str, list[ProbablePayment]]:
    out: dict[str, list[ProbablePayment]] = {}
    for doc in store.docs(PROBABLE):
        if doc.get("settled"):
            continue
        out.setdefault(doc["client"], []).append(
            ProbablePayment(
                key=doc["key"],
                amount=money(doc.get("amount")) or Decimal(0),
                currency=doc.get("currency"),
                payer=doc.get("payer"),
                received=datetime.fromisoformat(doc["received"]),
                sentence=doc.get("sentence", ""),
            )
        )
    return out


@dataclass
class Seen:
    """What the billing stage did with new mail (for the report and the tests)."""

    recorded: list[str] = field(default_factory=list)  # invoice keys
    paid: list[str] = field(default_factory=list)
    probable: list[str] = field(default_factory=list)


def upsert(
    store: Store,
    *,
    client: str,
    number: str,
    amount: Decimal | None,
    currency: str | None,
    sent_on: date | None,
    due_on: date | None,
    source: str,
    contract: Contract,
    at: datetime,
    message_id: str | None = None,
    subject: str = "",
    evidence: str = "",
    notices: EarlierNotices | None = None,
) -> str:
    """Record an invoice, or complete the record of one already known (same client and
    number, seen again in another source): what was known stays, gaps are filled. A
    new one is paid by a payment notice already held that names it (`notices`: the
    caller's, when it records several)."""
    key = invoice_key(client, number)
    old = next((d for d in store.docs(INVOICES) if d.get("key") == key), None)
    sent = sent_on or (date.fromisoformat(old["sent_on"]) if old and old.get("sent_on") else None)
    doc: dict[str, Any] = dict(old or {})
    doc.update(client=client, number=number.strip())
    if amount is not None and not doc.get("amount"):
        doc["amount"] = str(amount)
    if not doc.get("amount"):
        fee = Decimal(str(contract.fee)) if contract.fee is not None else Decimal(0)
        doc["amount"] = str(fee.quantize(Decimal("0.01")))
    if currency and not doc.get("currency"):
        doc["currency"] = currency
    doc.setdefault("currency", contract.currency)
    if sent is not None and (not doc.get("sent_on") or sent.isoformat() < doc["sent_on"]):
        doc["sent_on"] = sent.isoformat()
    if due_on is not None and not doc.get("due_on_stated"):
        doc["due_on"], doc["due_on_stated"] = due_on.isoformat(), True
    if not doc.get("due_on"):
        doc["due_on"] = due_from_contract(contract, sent or at.date()).isoformat()
    doc.setdefault("amount_paid", "0")
    doc["sources"] = sorted({*doc.get("sources", []), source})
    if message_id and not doc.get("message_id"):
        doc["message_id"], doc["subject"] = message_id, subject
    with store.batch():
        store.put(INVOICES, key, doc)
        if old is None:
            store.record_event(
                client,
                "invoice_recorded",
                at,
                {
                    "number": doc["number"],
                    "amount": doc["amount"],
                    "currency": doc["currency"],
                    "due_on": doc["due_on"],
                    "source": source,
                    "evidence": evidence,
                },
                key=f"invoice:{key}",
            )
            (notices or EarlierNotices(store)).pay(client, doc["number"], at)
    return key


class EarlierNotices:
    """The payment notices held in memory (the rules' window, ~3 months), read once for
    all the invoices one sync or one import records.

    A notice can come before its invoice is on record: paid on receipt, an invoice
    added by hand or imported later, or found in Sent by a later sync. A new invoice
    looks here for a notice that names it.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._records: list[MessageRecord] | None = None
        self._texts: dict[str, str] | None = None

    def records(self) -> list[MessageRecord]:
        if self._records is None:
            held = (r for r in self.store.messages() if r.facts.get("payment_notice"))
            self._records = sorted(held, key=lambda r: r.date)
        return self._records

    def text(self, record: MessageRecord) -> str:
        if self._texts is None:
            self._texts = self.store.texts(self.records())
        return self._texts.get(record.key, record.snippet)

    def pay(self, client: str, number: str, at: datetime) -> None:
        """Apply to this invoice each held notice that names it, oldest first."""
        from mailwatch.detect.billing import mentions_invoice

        for record in self.records():
            doc = find(self.store, client, number)
            if not to_invoice(doc).is_open:
                return
            if _applied(doc, record.key):
                continue
            notice = record.facts["payment_notice"]
            if number in (notice.get("numbers") or []) or mentions_invoice(
                record.subject, self.text(record), number
            ):
                _pay_by_notice(self.store, client, number, record, notice, at)


def _applied(doc: Mapping[str, Any], notice_key: str) -> bool:
    """Whether this notice (a message's key) is already among the invoice's payments."""
    return any(p.get("notice") == notice_key for p in doc.get("payments", []))


def _pay_by_notice(
    store: Store,
    client: str,
    number: str,
    record: MessageRecord,
    notice: Mapping[str, Any],
    at: datetime,
) -> None:
    pay(
        store,
        client,
        number,
        on=record.date.date(),
        amount=money(notice.get("amount")),
        at=at,
        evidence=f"{record.subject} ({record.from_addr}, {record.date:%Y-%m-%d})",
        by="payment notice",
        notice=record.key,
    )


def find(store: Store, client: str, number: str) -> dict[str, Any]:
    key = invoice_key(client, number)
    doc = next((d for d in store.docs(INVOICES) if d.get("key") == key), None)
    if doc is None:
        raise UsageError(
            f"There is no invoice {number} for {client}.",
            f"See them with `mailwatch invoice list --client {client} --all`.",
        )
    return doc


def pay(
    store: Store,
    client: str,
    number: str,
    *,
    on: date,
    amount: Decimal | None,
    at: datetime,
    evidence: str,
    by: str,
    notice: str | None = None,
) -> dict[str, Any]:
    """Record a payment (all that is due when `amount` is None; a partial payment
    leaves the rest due). `notice` is the key of the payment notice it comes from: a
    notice is applied to an invoice once."""
    doc = find(store, client, number)
    total = money(doc.get("amount")) or Decimal(0)
    paid = money(doc.get("amount_paid")) or Decimal(0)
    value = amount if amount is not None else max(total - paid, Decimal(0))
    doc["amount_paid"] = str(min(paid + value, total) if total else paid + value)
    payment = {"on": on.isoformat(), "amount": str(value), "evidence": evidence, "by": by}
    if notice is not None:
        payment["notice"] = notice
    doc["payments"] = [*doc.get("payments", []), payment]
    if (money(doc["amount_paid"]) or Decimal(0)) >= total:
        doc["paid_on"] = on.isoformat()
    with store.batch():
        store.put(INVOICES, doc["key"], doc)
        store.record_event(
            client,
            "invoice_paid" if doc.get("paid_on") else "invoice_part_paid",
            at,
            {"number": doc["number"], "amount": str(value), "by": by, "evidence": evidence},
        )
        for probable in store.docs(PROBABLE):
            if probable.get("client") == client and not probable.get("settled"):
                store.put(PROBABLE, probable["key"], {**probable, "settled": on.isoformat()})
    return doc


def void(store: Store, client: str, number: str, *, at: datetime) -> dict[str, Any]:
    doc = find(store, client, number)
    doc["void"] = True
    with store.batch():
        store.put(INVOICES, doc["key"], doc)
        store.record_event(client, "invoice_void", at, {"number": doc["number"]})
    return doc


def _client_named(settings: Settings, record: MessageRecord, text: str) -> str | None:
    """The client an invoicing tool's copy is about: by address, else by name."""
    addresses = {a.lower() for a in (*record.to, *record.cc)}
    for cid, client in settings.clients.items():
        if addresses & {e.lower() for e in client.emails}:
            return cid
    haystack = f"{record.subject}\n{text}".lower()
    for cid, client in settings.clients.items():
        if client.name and client.name.lower() in haystack:
            return cid
    return None


def ingest(
    store: Store,
    settings: Settings,
    records: Iterable[MessageRecord],
    classify: Any,
    now: datetime,
) -> Seen:
    """Invoices and payments in newly synced mail (records carry their facts)."""
    from mailwatch.detect.billing import mentions_invoice

    seen = Seen()
    # Invoices first, then payments: a notice synced with its invoice (INBOX is read
    # before Sent) must find the invoice already recorded.
    new = sorted(
        (r for r in records if r.facts.get("invoice") or r.facts.get("payment_notice")),
        key=lambda r: (r.facts.get("payment_notice") is not None, r.date),
    )
    texts = store.texts(new) if new else {}
    earlier = EarlierNotices(store)
    for record in new:
        client, direction = classify(record)
        text = texts.get(record.key, record.snippet)
        fact = record.facts.get("invoice")
        if fact is not None:
            owner_sent = record.route == "client" and direction == "out"
            if not owner_sent:
                client = _client_named(settings, record, text)
            if client is None or client not in settings.clients:
                continue
            number = fact.get("number") or f"mail-{record.date:%Y-%m-%d}"
            seen.recorded.append(
                upsert(
                    store,
                    client=client,
                    number=number,
                    amount=money(fact.get("amount")),
                    currency=fact.get("currency"),
                    sent_on=record.date.date(),
                    due_on=date.fromisoformat(fact["due"]) if fact.get("due") else None,
                    source="sent" if owner_sent else f"tool:{record.facts.get('tool', '')}",
                    contract=settings.clients[client].contract,
                    at=now,
                    message_id=record.message_id if owner_sent else None,
                    subject=record.subject if owner_sent else "",
                    evidence=fact.get("sentence", ""),
                    notices=earlier,
                )
            )
        notice = record.facts.get("payment_notice")
        if notice is None:
            continue
        matched = False
        for doc in store.docs(INVOICES):
            invoice = to_invoice(doc)
            if _applied(doc, record.key):
                seen.paid.append(doc["key"])  # a new invoice of this sync found it already
                matched = True
                continue
            if not invoice.is_open:
                continue
            named = invoice.number in (notice.get("numbers") or []) or mentions_invoice(
                record.subject, text, invoice.number
            )
            if named:
                _pay_by_notice(store, invoice.client, invoice.number, record, notice, now)
                seen.paid.append(doc["key"])
                matched = True
        if matched:
            continue
        amount = money(notice.get("amount"))
        if amount is None:
            continue
        for doc in store.docs(INVOICES):
            invoice = to_invoice(doc)
            if invoice.is_open and invoice.amount_due == amount:
                key = f"{record.key}:{invoice.client}"
                store.put(
                    PROBABLE,
                    key,
                    {
                        "client": invoice.client,
                        "amount": str(amount),
                        "currency": notice.get("currency"),
                        "payer": notice.get("payer"),
                        "received": record.date.isoformat(),
                        "sentence": notice.get("sentence", ""),
                    },
                )
                seen.probable.append(key)
    return seen
