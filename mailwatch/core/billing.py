"""Invoices and a client's billing state, as the billing rules read them (pure).

An invoice is identified by (client, number). Where it came from (the owner's Sent
mail, an invoicing tool's copy, the command line, an import) does not matter here:
the store merges the sources into one record. Amounts are Decimals in the invoice's
currency; dates are calendar days in the owner's time zone.

The ladder for one client is an *episode*: it starts when the oldest unpaid invoice
passes its due date and ends when nothing is overdue any more. Several overdue
invoices are named in one mail, so one client has one ladder, whatever the number
of invoices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from mailwatch.core.model import SENT, DraftView, Message

if TYPE_CHECKING:
    from mailwatch.core.context import ClientContext

FAMILY = "billing"
REMINDER, PAUSE, FINAL, RESUME = (
    "payment_reminder",
    "payment_pause_notice",
    "final_notice",
    "resume_notice",
)
PAUSE_RANK, FINAL_RANK = 50, 100
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Invoice:
    client: str
    number: str
    amount: Decimal
    currency: str
    due_on: date
    sent_on: date | None = None
    amount_paid: Decimal = Decimal(0)
    paid_on: date | None = None
    void: bool = False
    source: str = "cli"
    message_id: str | None = None  # the message that sent it: reminders reply there
    subject: str = ""

    @property
    def amount_due(self) -> Decimal:
        return max(self.amount - self.amount_paid, Decimal(0))

    @property
    def is_open(self) -> bool:
        return not self.void and self.amount_due > 0

    def days_overdue(self, today: date) -> int:
        return max((today - self.due_on).days, 0) if self.is_open else 0

    def status(self, today: date) -> str:
        if self.void:
            return "void"
        if not self.is_open:
            return "paid"
        return "overdue" if today > self.due_on else "open"

    def days_late(self) -> int | None:
        """How late it was paid (negative: early), once paid."""
        if self.void or self.is_open or self.paid_on is None:
            return None
        return (self.paid_on - self.due_on).days


@dataclass(frozen=True, slots=True)
class ProbablePayment:
    """A processor's notice that names no invoice number but matches by amount."""

    key: str
    amount: Decimal
    currency: str | None
    payer: str | None
    received: datetime
    sentence: str


def today(ctx: ClientContext) -> date:
    return ctx.calendar.local(ctx.now).date()


def start_of(ctx: ClientContext, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ctx.calendar.tz).astimezone(UTC)


def overdue(ctx: ClientContext) -> list[Invoice]:
    day = today(ctx)
    return sorted((i for i in ctx.invoices if i.is_open and i.due_on < day), key=lambda i: i.due_on)


def target(ctx: ClientContext, oldest: Invoice) -> str:
    return f"billing:{ctx.client_id}:{oldest.number}"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def late_fee(ctx: ClientContext, invoices: list[Invoice]) -> Decimal | None:
    """The contract's late fee on the amounts due: once per invoice, never compounded."""
    percent = ctx.contract.late_fee_percent
    if not percent:
        return None
    rate = Decimal(str(percent)) / 100
    return money(sum((i.amount_due * rate for i in invoices), Decimal(0)))


@dataclass(frozen=True, slots=True)
class Sent:
    """A billing mail the client got in this episode (ours, or one the owner wrote)."""

    kind: str  # a billing draft kind, or "manual"
    at: datetime


def mails_sent(ctx: ClientContext, oldest: Invoice, numbers: set[str]) -> list[Sent]:
    """Billing mails of the episode, oldest first: mailwatch's sent drafts for it, and
    reminders the owner wrote by hand (a message of theirs naming an overdue invoice
    after its due date), which count as steps done."""
    mark = target(ctx, oldest)
    found = [
        Sent(d.kind, d.sent_at)
        for d in ctx.drafts
        if d.family == FAMILY and d.anchor == mark and d.status == SENT and d.sent_at
    ]
    ours = {d.message_id for d in ctx.drafts if d.message_id}
    invoice_ids = {i.message_id for i in ctx.invoices if i.message_id}
    due_start = start_of(ctx, oldest.due_on + timedelta(days=1))
    for thread in ctx.threads:
        for m in thread.contact:
            refs = set(m.facts.get("invoice_refs") or ())
            if (
                m.direction == "out"
                and refs & numbers
                and due_start <= m.date <= ctx.now
                and m.join_id not in ours
                and not ({m.join_id, *m.aliases} & ours)
                and m.join_id not in invoice_ids
            ):
                found.append(Sent("manual", m.date))
    return sorted(found, key=lambda s: s.at)


def client_words_since(ctx: ClientContext, moment: datetime) -> Message | None:
    for thread in ctx.threads:
        for m in thread.contact:
            if m.direction == "in" and moment < m.date <= ctx.now:
                return m
    return None


def payment_claim(ctx: ClientContext, since: datetime) -> tuple[Message, datetime] | None:
    """The client's latest "I've paid" since `since`, and when its hold ends."""
    claims = [
        m
        for thread in ctx.threads
        for m in thread.contact
        if m.direction == "in" and m.facts.get("payment_claim") and since <= m.date <= ctx.now
    ]
    if not claims:
        return None
    latest = max(claims, key=lambda m: m.date)
    until = ctx.calendar.add_business_days(latest.date, ctx.billing.hold_days)
    return latest, until


def invoice_json(invoice: Invoice, day: date) -> dict[str, Any]:
    """An invoice as templates and status read it."""
    return {
        "number": invoice.number,
        "amount": invoice.amount,
        "currency": invoice.currency,
        "due_on": invoice.due_on,
        "days_overdue": invoice.days_overdue(day),
        "amount_paid": invoice.amount_paid,
        "amount_due": invoice.amount_due,
    }


def state(ctx: ClientContext) -> str:
    """ "ok", "overdue", "paused" or "final": the client's billing state. A state
    changes when the notice that announces it is sent, not when it is drafted."""
    late = overdue(ctx)
    if not late:
        return "ok"
    mark = target(ctx, late[0])
    sent = {d.kind for d in ctx.drafts if d.anchor == mark and d.status == SENT}
    if FINAL in sent:
        return "final"
    if PAUSE in sent:
        return "paused"
    return "overdue"


def work_stopped(ctx: ClientContext) -> bool:
    """A pause or final notice went out: no nudges about the work until payment."""
    return state(ctx) in ("paused", "final")


def draft_invoices(draft: DraftView) -> set[str]:
    return {str(n) for n in draft.meta.get("invoices", ())}
