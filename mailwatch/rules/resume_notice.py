"""Resume notice: a client paused for payment has paid; the work starts again.

When every invoice named by a payment pause notice that went out is paid (or
voided), a `resume_notice` is drafted: thanks, payment received, work resumes on
the next working day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from mailwatch.core import billing
from mailwatch.core.billing import PAUSE, RESUME
from mailwatch.core.context import ClientContext
from mailwatch.core.model import SENT, DraftView, Evidence
from mailwatch.core.replies import base_context
from mailwatch.core.rule import Proposal, Reply
from mailwatch.core.threads import reply_subject

_SUBJECT = {"en": "Payment received: work resumes", "fr": "Paiement reçu : reprise du travail"}


class ResumeNotice:
    name = "resume_notice"
    kinds: tuple[str, ...] = (RESUME,)

    def propose(self, ctx: ClientContext) -> Iterator[Proposal]:
        by_number = {i.number: i for i in ctx.invoices}
        day = billing.today(ctx)
        for pause in ctx.drafts:
            if pause.kind != PAUSE or pause.status != SENT:
                continue
            named = [by_number[n] for n in billing.draft_invoices(pause) if n in by_number]
            if not named or any(i.is_open for i in named):
                continue
            paid_on = max((i.paid_on for i in named if i.paid_on), default=day)
            if pause.sent_at and paid_on < pause.sent_at.date():
                paid_on = pause.sent_at.date()
            resume_on = ctx.calendar.next_business_day(day + timedelta(days=1))
            to = (ctx.emails[0],) if ctx.emails else (ctx.primary_email,)
            if pause.message_id:
                subject = reply_subject(pause.subject or _SUBJECT["en"])
                reply = Reply(to, subject, pause.message_id, (*pause.references, pause.message_id))
            else:
                reply = Reply(to, _SUBJECT.get(ctx.language, _SUBJECT["en"]))
            yield Proposal(
                kind=RESUME,
                step=None,
                target=f"resume:{pause.id}",
                family="billing_resume",
                rank=1,
                slot=f"billing:{ctx.client_id}",
                evidence=Evidence(
                    "resume_due",
                    {
                        "client_name": ctx.name,
                        "invoices": [i.number for i in named],
                        "paid_on": paid_on,
                    },
                ),
                reply=reply,
                context={
                    **base_context(ctx),
                    "invoices": [billing.invoice_json(i, day) for i in named],
                    "paid_on": paid_on,
                    "resume_on": resume_on,
                },
            )

    def next_change(self, ctx: ClientContext) -> datetime | None:
        return None  # only a payment (new data) changes it

    def recheck(self, ctx: ClientContext, draft: DraftView) -> Evidence | None:
        return None
