"""The payment reminder ladder (playbook, "Billing"), one ladder per client.

When the oldest unpaid invoice passes its due date:

1. the first business day after it: `payment_reminder` step 1, polite and
   face-saving ("this may have slipped through");
2. then weekly while unpaid: step 2, 3... quoting the contract's late fee;
3. `pause_after_days` (14) overdue and no word from the client since the due date:
   `payment_pause_notice` (work stops until payment; the client is `paused` once it
   is sent);
4. after `final_after_reminders` (2) reminders: `final_notice` instead of another.

Rules that make it trustworthy: never two billing mails within
`reminder_every_days` (7), counting reminders the owner wrote by hand; several
overdue invoices in one mail; one open billing draft per client; a step is never
drafted twice; steps missed while mailwatch was off collapse into one (the
highest due: a pause notice when the invoice is 14 days late, a first reminder
otherwise, since later reminders only follow earlier ones). Payment always wins:
a draft naming an invoice that was paid, voided or part-paid meanwhile is
withdrawn (a new one is drafted for what is still due), and so is everything
while the client says they have paid (`hold_days` business days).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mailwatch.core import billing
from mailwatch.core.billing import FAMILY, FINAL, FINAL_RANK, PAUSE, PAUSE_RANK, REMINDER, Invoice
from mailwatch.core.context import ClientContext
from mailwatch.core.model import Attention, DraftView, Evidence
from mailwatch.core.replies import base_context
from mailwatch.core.rule import Proposal, Reply
from mailwatch.core.threads import reply_subject

_SUBJECTS = {
    REMINDER: {"en": "Invoice {n}: payment reminder", "fr": "Facture {n} : rappel de paiement"},
    PAUSE: {"en": "Invoice {n}: work paused", "fr": "Facture {n} : travail en pause"},
    FINAL: {"en": "Invoice {n}: final notice", "fr": "Facture {n} : dernier rappel"},
}


def _next_step(ctx: ClientContext, late: list[Invoice]) -> tuple[str, int, datetime] | None:
    """(kind, step, moment it is due) of the next billing mail, or None if the ladder is
    done for this episode (a final notice sent)."""
    oldest = late[0]
    numbers = {i.number for i in late}
    sent = billing.mails_sent(ctx, oldest, numbers)
    kinds = {s.kind for s in sent}
    if FINAL in kinds:
        return None
    reminders = sum(1 for s in sent if s.kind in (REMINDER, "manual"))
    settings = ctx.billing
    first_due = billing.start_of(
        ctx, ctx.calendar.next_business_day(oldest.due_on + timedelta(days=1))
    )
    spacing = sent[-1].at + timedelta(days=settings.reminder_every_days) if sent else first_due
    pause_at = billing.start_of(ctx, oldest.due_on + timedelta(days=settings.pause_after_days))
    silent_since_due = billing.client_words_since(ctx, billing.start_of(ctx, oldest.due_on)) is None
    # The pause notice comes first when both are due: work stops before the last word.
    if PAUSE not in kinds and silent_since_due and ctx.now >= pause_at:
        return PAUSE, 0, max(spacing, pause_at)
    if reminders >= settings.final_after_reminders:
        return FINAL, 0, spacing
    return REMINDER, reminders + 1, spacing


def _reply(ctx: ClientContext, kind: str, oldest: Invoice) -> Reply:
    to = (ctx.emails[0],) if ctx.emails else (ctx.primary_email,)
    if oldest.message_id and oldest.subject:
        return Reply(to, reply_subject(oldest.subject), oldest.message_id, (oldest.message_id,))
    language = ctx.language if ctx.language in ("en", "fr") else "en"
    return Reply(to, _SUBJECTS[kind][language].format(n=oldest.number))


class PaymentLadder:
    name = "payment_ladder"
    kinds: tuple[str, ...] = (REMINDER, PAUSE, FINAL)

    def propose(self, ctx: ClientContext) -> Iterator[Proposal | Attention]:
        late = billing.overdue(ctx)
        if not late:
            return
        oldest = late[0]
        claim = billing.payment_claim(ctx, billing.start_of(ctx, oldest.due_on))
        if claim is not None and ctx.now < claim[1]:
            message, until = claim
            yield Attention(
                "payment_claimed",
                ctx.client_id,
                message.date,
                f"payment_claimed:{message.join_id}",
                Evidence(
                    "payment_claimed",
                    {
                        "client_name": ctx.name,
                        "sentence": message.facts.get("payment_claim"),
                        "invoices": [i.number for i in late],
                        "until": until,
                    },
                    message.key,
                    message.join_id,
                    message.date,
                ),
            )
            return
        step = _next_step(ctx, late)
        if step is None or ctx.now < step[2]:
            return
        kind, number, _ = step
        yield self._proposal(ctx, kind, number, late)

    def _proposal(self, ctx: ClientContext, kind: str, step: int, late: list[Invoice]) -> Proposal:
        oldest, day = late[0], billing.today(ctx)
        numbers = [i.number for i in late]
        sent = billing.mails_sent(ctx, oldest, set(numbers))
        total = billing.money(sum((i.amount_due for i in late), Decimal(0)))
        fee = billing.late_fee(ctx, late) if (kind != REMINDER or step >= 2) else None
        rank = {REMINDER: step, PAUSE: PAUSE_RANK, FINAL: FINAL_RANK}[kind]
        facts = {
            "client_name": ctx.name,
            "kind": kind,
            "step": step,
            "invoices": numbers,
            "total_due": str(total),
            "currency": oldest.currency,
            "oldest_due_on": oldest.due_on,
            "days_overdue": oldest.days_overdue(day),
            "mails_sent": len(sent),
        }
        context: dict[str, Any] = {
            **base_context(ctx),
            "subject": oldest.subject,
            "step": step,
            "invoices": [billing.invoice_json(i, day) for i in late],
            "total_due": total,
            "currency": oldest.currency,
            "late_fee_percent": ctx.contract.late_fee_percent,
            "late_fee": fee,
            "payment_instructions": ctx.contract.payment_instructions,
            "reminders_sent": sum(1 for s in sent if s.kind in (REMINDER, "manual")),
            "oldest_days_overdue": oldest.days_overdue(day),
            "paused_from": ctx.calendar.next_business_day(day),
            "reminder_dates": [s.at for s in sent],
            "notice_days": ctx.contract.notice_days,
            "deadline": day + timedelta(days=ctx.billing.reminder_every_days),
        }
        mark = billing.target(ctx, oldest)
        return Proposal(
            kind=kind,
            step=step or None,
            target=mark,
            family=FAMILY,
            rank=rank,
            slot=f"billing:{ctx.client_id}",
            evidence=Evidence(f"{kind}_due", facts),
            reply=_reply(ctx, kind, oldest),
            context=context,
            meta={"invoices": numbers, "total_due": str(total)},
        )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        late = billing.overdue(ctx)
        moments: list[datetime] = []
        day = billing.today(ctx)
        # An invoice falling due (its first reminder, and the ladder starting).
        for invoice in ctx.invoices:
            if invoice.is_open and invoice.due_on >= day:
                moments.append(billing.start_of(ctx, invoice.due_on + timedelta(days=1)))
        if late:
            oldest = late[0]
            claim = billing.payment_claim(ctx, billing.start_of(ctx, oldest.due_on))
            if claim is not None and ctx.now < claim[1]:
                moments.append(claim[1])
            step = _next_step(ctx, late)
            if step is not None:
                moments.append(step[2])
            pause_at = billing.start_of(
                ctx, oldest.due_on + timedelta(days=ctx.billing.pause_after_days)
            )
            moments.append(pause_at)
        return min((m for m in moments if m > ctx.now), default=None)

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        late = billing.overdue(ctx)
        named = billing.draft_invoices(draft)
        still = {i.number for i in late}
        if not (named & still):
            return Evidence("invoices_paid", {"client_name": ctx.name, "invoices": sorted(named)})
        if late:
            claim = billing.payment_claim(ctx, billing.start_of(ctx, late[0].due_on))
            if claim is not None and ctx.now < claim[1]:
                message = claim[0]
                return Evidence.about(
                    "payment_claimed_hold", message, {"client_name": ctx.name, "until": claim[1]}
                )
        by_number = {i.number: i for i in ctx.invoices}
        changed = [n for n in named if n in by_number and not by_number[n].is_open]
        if changed or still - named:
            return Evidence(
                "invoices_changed",
                {"client_name": ctx.name, "paid": sorted(changed), "new": sorted(still - named)},
            )
        return None

    def status(self, ctx: ClientContext) -> Mapping[str, Any]:
        late = billing.overdue(ctx)
        day = billing.today(ctx)
        paid = sorted(
            (i for i in ctx.invoices if i.days_late() is not None), key=lambda i: i.due_on
        )
        trend = [d for d in (i.days_late() for i in paid) if d is not None][-6:]
        # "Keep working, I'll pay eventually": the last 3 or more cycles each later.
        run = 1
        for earlier, later in itertools.pairwise(trend):
            run = run + 1 if later > earlier else 1
        rising = run >= 3
        return {
            "billing_state": billing.state(ctx),
            "amount_overdue": str(billing.money(sum((i.amount_due for i in late), Decimal(0))))
            if late
            else "0.00",
            "currency": late[0].currency if late else ctx.contract.currency,
            "oldest_overdue_days": late[0].days_overdue(day) if late else 0,
            "days_late_trend": trend,
            "pays_later_each_cycle": rising,
        }
