"""The payment reminder ladder on a fixed clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from mailwatch.config.model import Contract
from mailwatch.core import billing, planner
from mailwatch.core.billing import Invoice
from mailwatch.core.model import CreateDraft, RaiseAttention, WithdrawDraft
from mailwatch.drafts.evidence import word
from mailwatch.rules import RULES
from tests.unit.factories import ctx, msg

PARIS = ZoneInfo("Europe/Paris")


def paris(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=PARIS).astimezone(UTC)


INV = Invoice(
    client="acme",
    number="INV-2026-031",
    amount=Decimal("1200.00"),
    currency="EUR",
    due_on=date(2026, 12, 1),  # a Tuesday
    sent_on=date(2026, 11, 24),
    message_id="<inv31@studio.test>",
    subject="Invoice INV-2026-031",
)


def billing_ctx(now, messages=(), invoices=(INV,), drafts=(), **extra):
    return ctx(
        list(messages),
        now,
        invoices=tuple(invoices),
        drafts=tuple(drafts),
        emails=("jane@acme.test",),
        **extra,
    )


def billing_creates(actions):
    return [a for a in actions if isinstance(a, CreateDraft) and a.family == billing.FAMILY]


def plan(context):
    return planner.plan(context, RULES)


def _view(create, at, status, anchor):
    from mailwatch.core.model import DraftView

    return DraftView(
        id=f"d-{create.kind}-{at:%m%d%H}",
        client="acme",
        kind=create.kind,
        step=create.step,
        status=status,
        anchor=create.anchor,
        family=create.family,
        rank=create.rank,
        slot=create.slot,
        meta=create.meta,
        sent_at=at if status == "sent" else None,
        message_id=anchor.join_id,
    )


def test_nothing_before_the_due_date_then_a_polite_first_reminder():
    assert billing_creates(plan(billing_ctx(paris(12, 1, 20)))) == []
    [create] = billing_creates(plan(billing_ctx(paris(12, 2, 0))))
    assert (create.kind, create.step) == ("payment_reminder", 1)
    assert create.in_reply_to == INV.message_id  # in the invoice's thread
    assert create.subject == "Re: Invoice INV-2026-031"
    assert create.context["late_fee"] is None  # step 1 saves face: no fee yet
    assert create.context["total_due"] == Decimal("1200.00")
    text = word(create.evidence, "Europe/Paris")
    assert "INV-2026-031" in text


def test_weekly_then_pause_then_final():
    contract = Contract(late_fee_percent=15)
    r1 = billing_creates(plan(billing_ctx(paris(12, 2), contract=contract)))[0]
    d1 = _view(r1, paris(12, 2, 15), "sent", msg(paris(12, 2, 15), "out"))
    # Within the week: nothing.
    assert billing_creates(plan(billing_ctx(paris(12, 8), drafts=[d1], contract=contract))) == []
    [r2] = billing_creates(plan(billing_ctx(paris(12, 9, 16), drafts=[d1], contract=contract)))
    assert (r2.kind, r2.step) == ("payment_reminder", 2)
    assert r2.context["late_fee"] == Decimal("180.00")  # 15 % of 1,200, once
    d2 = _view(r2, paris(12, 9, 16), "sent", msg(paris(12, 9, 16), "out"))
    # 14 days late on the 15th, no word from the client: the pause notice, a week after R2.
    assert billing_creates(plan(billing_ctx(paris(12, 15), drafts=[d1, d2]))) == []
    [pause] = billing_creates(plan(billing_ctx(paris(12, 16, 17), drafts=[d1, d2])))
    assert pause.kind == "payment_pause_notice"
    d3 = _view(pause, paris(12, 16, 17), "sent", msg(paris(12, 16, 17), "out"))
    paused = billing_ctx(paris(12, 17), drafts=[d1, d2, d3])
    assert planner.client_status(paused, RULES, None, None).extra["billing_state"] == "paused"
    [final] = billing_creates(plan(billing_ctx(paris(12, 23, 18), drafts=[d1, d2, d3])))
    assert final.kind == "final_notice"
    assert len(final.context["reminder_dates"]) == 3


def test_catch_up_after_three_weeks_off_is_one_draft():
    # Nothing ran between 30 November and 22 December: 21 days late, no word.
    actions = plan(billing_ctx(paris(12, 22)))
    [create] = billing_creates(actions)
    assert create.kind == "payment_pause_notice"


def test_a_client_word_prevents_the_pause_notice():
    r1 = billing_creates(plan(billing_ctx(paris(12, 2))))[0]
    d1 = _view(r1, paris(12, 2, 15), "sent", msg(paris(12, 2, 15), "out"))
    r2 = billing_creates(plan(billing_ctx(paris(12, 9, 16), drafts=[d1])))[0]
    d2 = _view(r2, paris(12, 9, 16), "sent", msg(paris(12, 9, 16), "out"))
    note = msg(paris(12, 10), "in", subject="Re: Invoice", facts={"ack": True})
    [final] = billing_creates(plan(billing_ctx(paris(12, 16, 17), [note], drafts=[d1, d2])))
    assert final.kind == "final_notice"


def test_a_reminder_the_owner_wrote_counts_as_a_step():
    manual = msg(paris(12, 3), "out", subject="Invoice", facts={"invoice_refs": ["INV-2026-031"]})
    assert billing_creates(plan(billing_ctx(paris(12, 4), [manual]))) == []
    [create] = billing_creates(plan(billing_ctx(paris(12, 10, 11), [manual])))
    assert create.step == 2


def test_two_overdue_invoices_in_one_reminder():
    second = replace(INV, number="INV-2026-040", due_on=date(2026, 12, 5), message_id=None)
    [create] = billing_creates(plan(billing_ctx(paris(12, 7), invoices=[INV, second])))
    assert [i["number"] for i in create.context["invoices"]] == ["INV-2026-031", "INV-2026-040"]
    assert create.context["total_due"] == Decimal("2400.00")


def test_partial_payment_leaves_the_rest_due():
    part = replace(INV, amount_paid=Decimal("200.00"))
    [create] = billing_creates(plan(billing_ctx(paris(12, 2), invoices=[part])))
    assert create.context["total_due"] == Decimal("1000.00")


def test_payment_during_a_pending_reminder_withdraws_it():
    r1 = billing_creates(plan(billing_ctx(paris(12, 2))))[0]
    pending = _view(r1, paris(12, 2), "pending", msg(paris(12, 2), "out"))
    paid = replace(INV, amount_paid=INV.amount, paid_on=date(2026, 12, 2))
    actions = plan(billing_ctx(paris(12, 2, 14), invoices=[paid], drafts=[pending]))
    [withdraw] = [a for a in actions if isinstance(a, WithdrawDraft)]
    assert withdraw.draft_id == pending.id and withdraw.evidence.reason == "invoices_paid"
    assert billing_creates(actions) == []


def test_i_have_paid_holds_the_ladder():
    claim = msg(paris(12, 2, 9), "in", facts={"payment_claim": "I've just paid it."})
    r1 = billing_creates(plan(billing_ctx(paris(12, 2))))[0]
    pending = _view(r1, paris(12, 2), "pending", msg(paris(12, 2), "out"))
    actions = plan(billing_ctx(paris(12, 2, 10), [claim], drafts=[pending]))
    assert [a.draft_id for a in actions if isinstance(a, WithdrawDraft)] == [pending.id]
    [item] = [
        a.item
        for a in actions
        if isinstance(a, RaiseAttention) and a.item.kind == "payment_claimed"
    ]
    assert "I've just paid it." in word(item.evidence, "Europe/Paris")
    # Five business days later, still unpaid: the ladder resumes where it was.
    [again] = billing_creates(plan(billing_ctx(paris(12, 9, 11), [claim])))
    assert (again.kind, again.step) == ("payment_reminder", 1)


def test_resume_notice_after_payment_of_a_paused_client():
    pause_create = billing_creates(plan(billing_ctx(paris(12, 22))))[0]
    pause = _view(pause_create, paris(12, 22, 15), "sent", msg(paris(12, 22, 15), "out"))
    paid = replace(INV, amount_paid=INV.amount, paid_on=date(2026, 12, 28))
    [resume] = [
        a
        for a in plan(billing_ctx(paris(12, 28, 12), invoices=[paid], drafts=[pause]))
        if isinstance(a, CreateDraft)
    ]
    assert resume.kind == "resume_notice"
    assert resume.context["resume_on"] == date(2026, 12, 29)


def test_invoice_not_sent_reminds_the_owner():
    contract = Contract(fee=900, due_day=1)
    items = [
        a.item
        for a in plan(billing_ctx(paris(11, 24), invoices=(), contract=contract))
        if isinstance(a, RaiseAttention) and a.item.kind == "invoice_not_sent"
    ]
    assert items and "1 Dec" in word(items[0].evidence, "Europe/Paris")
    quiet = plan(billing_ctx(paris(11, 24), invoices=(INV,), contract=contract))
    assert not [
        a for a in quiet if isinstance(a, RaiseAttention) and a.item.kind == "invoice_not_sent"
    ]


def test_days_late_trend_and_the_pay_later_client():
    paid = [
        replace(
            INV,
            number=f"N{m}",
            due_on=date(2026, m, 1),
            amount_paid=INV.amount,
            paid_on=date(2026, m, 1) + timedelta(days=late),
        )
        for m, late in ((7, 2), (8, 5), (9, 9), (10, 14))
    ]
    row = planner.client_status(billing_ctx(paris(11, 2), invoices=paid), RULES, None, None)
    assert row.extra["days_late_trend"] == [2, 5, 9, 14]
    assert row.extra["pays_later_each_cycle"] is True


# -- property: no sequence of evaluations ever chases twice in a week, or after payment ---


@settings(max_examples=120, deadline=None)
@given(
    steps=st.lists(st.integers(1, 60), min_size=5, max_size=25),  # hours between evaluations
    pay_after=st.one_of(st.none(), st.integers(0, 40 * 24)),
    approve=st.booleans(),
)
def test_never_two_reminders_in_a_week_nor_after_payment(steps, pay_after, approve):
    now = paris(11, 30)
    drafts: list = []
    sent_at: list[datetime] = []
    paid_at = now + timedelta(hours=pay_after) if pay_after is not None else None
    for hours in steps:
        now += timedelta(hours=hours * 4)
        invoice = INV
        if paid_at is not None and now >= paid_at:
            invoice = replace(INV, amount_paid=INV.amount, paid_on=paid_at.date())
        actions = plan(billing_ctx(now, invoices=[invoice], drafts=drafts))
        gone = {a.draft_id for a in actions if isinstance(a, WithdrawDraft)}
        drafts = [replace(d, status="withdrawn") if d.id in gone else d for d in drafts]
        for create in billing_creates(actions):
            assert paid_at is None or now < paid_at, "a reminder after payment"
            status = "sent" if approve else "pending"
            view = _view(create, now, status, msg(now, "out"))
            drafts.append(view)
            if approve:
                if sent_at:
                    assert now - sent_at[-1] >= timedelta(days=7), "two billing mails in a week"
                sent_at.append(now)
        if not approve:
            open_ = [d for d in drafts if d.status == "pending"]
            assert len(open_) <= 1, "two billing drafts open at once"


def _signature(actions):
    out = set()
    for a in actions:
        if isinstance(a, CreateDraft):
            out.add(("create", a.anchor, a.kind, a.step))
        elif isinstance(a, WithdrawDraft):
            out.add(("withdraw", a.draft_id))
        elif isinstance(a, RaiseAttention):
            out.add(("attention", a.item.key))
    return out


@settings(max_examples=150, deadline=None)
@given(
    due_days=st.lists(st.integers(-40, 20), min_size=1, max_size=3),
    paid=st.lists(st.booleans(), min_size=3, max_size=3),
    claim_at=st.one_of(st.none(), st.integers(-30 * 24, 0)),
    reminder_at=st.one_of(st.none(), st.integers(-30 * 24, 0)),
    fee=st.booleans(),
    probes=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=4),
)
def test_billing_plan_does_not_change_before_next_change(
    due_days, paid, claim_at, reminder_at, fee, probes
):
    now = paris(12, 10, 13)
    invoices = [
        replace(
            INV,
            number=f"N{n}",
            due_on=(now + timedelta(days=d)).date(),
            amount_paid=INV.amount if paid[n] else Decimal(0),
            paid_on=(now + timedelta(days=d)).date() if paid[n] else None,
        )
        for n, d in enumerate(due_days)
    ]
    messages = []
    if claim_at is not None:
        messages.append(
            msg(now + timedelta(hours=claim_at), "in", facts={"payment_claim": "Paid!"})
        )
    if reminder_at is not None:
        refs = {"invoice_refs": [i.number for i in invoices]}
        messages.append(msg(now + timedelta(hours=reminder_at), "out", facts=refs))
    contract = Contract(fee=900 if fee else None)
    first = billing_ctx(now, messages, invoices=invoices, contract=contract)
    boundary = planner.next_change(first, RULES)
    expected = _signature(plan(first))
    horizon = boundary if boundary is not None else now + timedelta(days=400)
    for fraction in probes:
        later = min(now + (horizon - now) * fraction, horizon - timedelta(microseconds=1))
        again = billing_ctx(later, messages, invoices=invoices, contract=contract)
        assert _signature(plan(again)) == expected, f"changed at {later} before {boundary}"
