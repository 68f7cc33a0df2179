"""Billing items for the owner, not the client: an invoice not sent in time, a payment
that probably arrived but names no invoice.

- `invoice_not_sent`: for a retainer (`fee` set, paid on a `due_day`), when the next
  due date is `invoice_lead_days` (7) away or less and no invoice for that period is
  on record (one due within a week of it, or sent in the month before it).
- `probable_payment`: a processor's notice matching an open invoice by amount and
  client, but naming no invoice number: confirm it with `mailwatch invoice paid`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from mailwatch.core import billing
from mailwatch.core.context import ClientContext
from mailwatch.core.model import Attention, DraftView, Evidence


def next_due(ctx: ClientContext) -> date:
    day = billing.today(ctx)
    due = day.replace(day=ctx.contract.due_day)
    if due < day:
        year, month = (due.year + 1, 1) if due.month == 12 else (due.year, due.month + 1)
        due = due.replace(year=year, month=month)
    return due


def _invoiced_for(ctx: ClientContext, due: date) -> bool:
    for invoice in ctx.invoices:
        if invoice.void:
            continue
        if abs((invoice.due_on - due).days) <= 7:
            return True
        if invoice.sent_on is not None and due - timedelta(days=35) <= invoice.sent_on <= due:
            return True
    return False


def _retainer(ctx: ClientContext) -> bool:
    return ctx.contract.fee is not None and ctx.contract.payment_terms_days is None


class Invoicing:
    name = "invoicing"
    kinds: tuple[str, ...] = ()

    def propose(self, ctx: ClientContext) -> Iterator[Attention]:
        if _retainer(ctx):
            due = next_due(ctx)
            warn_from = due - timedelta(days=ctx.billing.invoice_lead_days)
            if billing.today(ctx) >= warn_from and not _invoiced_for(ctx, due):
                yield Attention(
                    "invoice_not_sent",
                    ctx.client_id,
                    billing.start_of(ctx, warn_from),
                    f"invoice_not_sent:{ctx.client_id}:{due.isoformat()}",
                    Evidence(
                        "invoice_not_sent",
                        {
                            "client_name": ctx.name,
                            "due": due,
                            "fee": str(ctx.contract.fee),
                            "currency": ctx.contract.currency,
                        },
                    ),
                )
        for payment in ctx.probable_payments:
            yield Attention(
                "probable_payment",
                ctx.client_id,
                payment.received,
                f"probable_payment:{payment.key}",
                Evidence(
                    "probable_payment",
                    {
                        "client_name": ctx.name,
                        "amount": str(payment.amount),
                        "currency": payment.currency or "",
                        "payer": payment.payer or "",
                        "sentence": payment.sentence,
                        "open": [i.number for i in ctx.invoices if i.is_open],
                    },
                    message_date=payment.received,
                ),
            )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        if not _retainer(ctx):
            return None
        due = next_due(ctx)
        moments = [
            billing.start_of(ctx, due - timedelta(days=ctx.billing.invoice_lead_days)),
            billing.start_of(ctx, due + timedelta(days=1)),  # the next period's turn
        ]
        return min((m for m in moments if m > ctx.now), default=None)

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        return None
