"""Judgment rules on a fixed clock: the owner's reply promise, silence per client,
report day, abusive mail, out-of-office dates, a client's new address."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mailwatch.core import planner
from mailwatch.core.model import CreateDraft, RaiseAttention, WithdrawDraft
from mailwatch.drafts.evidence import word
from mailwatch.rules import RULES
from tests.unit.factories import at, ctx, draft, msg

PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def plan(context):
    return planner.plan(context, RULES)


def creates(actions, kind=None):
    return [a for a in actions if isinstance(a, CreateDraft) and kind in (None, a.kind)]


def attention(actions, kind=None):
    return [
        a.item for a in actions if isinstance(a, RaiseAttention) and kind in (None, a.item.kind)
    ]


def status(context):
    return planner.client_status(context, RULES, None, None)


# -- the owner's reply promise ------------------------------------------------------------


def test_a_friday_message_is_due_monday_same_time():
    question = msg(paris(20, 17), "in", subject="Quick question about December")
    assert attention(plan(ctx([question], paris(23, 16, 59))), "owner_overdue") == []
    actions = plan(ctx([question], paris(23, 17)))
    [item] = attention(actions, "owner_overdue")
    assert item.since == question.date
    assert "Acme Bakery wrote on Fri 20 Nov 17:00" in word(item.evidence, "Europe/Paris")
    assert "ran out on Mon 23 Nov 17:00" in word(item.evidence, "Europe/Paris")
    [holding] = creates(actions, "holding_reply")
    assert holding.in_reply_to == question.join_id and holding.to == ("jane@acme.test",)
    assert holding.context["primary_email"] == "jane@acme.test"
    row = status(ctx([question], paris(23, 17)))
    assert row.extra["owner_overdue"] is True
    assert row.extra["owner_overdue_since"] == question.date.isoformat()


def test_next_change_is_the_promise_deadline():
    question = msg(paris(20, 17), "in")
    assert planner.next_change(ctx([question], paris(20, 18)), RULES) <= paris(23, 17)


def test_thanks_needs_no_answer():
    thanks = msg(paris(16, 9), "in", facts={"ack": True}, subject="Re: Report")
    actions = plan(ctx([thanks], paris(20, 9)))
    assert attention(actions, "owner_overdue") == [] and creates(actions, "holding_reply") == []


def test_the_owners_answer_withdraws_the_holding_reply():
    question = msg(paris(16, 9), "in")
    answer = msg(paris(18, 9), "out", reply_to=question)
    pending = draft(question, kind="holding_reply", step=None, family="reply", rank=1)
    actions = plan(ctx([question, answer], paris(18, 10), drafts=(pending,)))
    assert [w.draft_id for w in actions if isinstance(w, WithdrawDraft)] == [pending.id]
    assert attention(actions, "owner_overdue") == []


def test_a_sent_holding_reply_is_a_promise_not_an_answer():
    question = msg(paris(16, 9), "in")
    holding_copy = msg(paris(17, 10), "out", reply_to=question, join_id="<hold@studio.test>")
    sent = draft(
        question,
        kind="holding_reply",
        step=None,
        status="sent",
        family="reply",
        rank=1,
        message_id="<hold@studio.test>",
        meta={"answer_by": "2026-11-18"},
    )
    context = ctx([question, holding_copy], paris(18, 20), drafts=(sent,))
    assert attention(plan(context), "owner_overdue") == []  # promised by end of Wed 18
    late = ctx([question, holding_copy], paris(19, 0, 1), drafts=(sent,))
    assert attention(plan(late), "owner_overdue")
    assert creates(plan(late), "holding_reply") == []  # offered once per message


# -- silence is a client-level fact -------------------------------------------------------


def _chased():
    ask = msg(at(2, 9), asks=True)
    f1 = msg(at(5, 9), asks=True, reply_to=ask)
    f2 = msg(at(11, 9), asks=True, reply_to=f1)
    return ask, f1, f2


def test_no_pause_notice_for_a_client_busy_in_another_thread():
    ask, f1, f2 = _chased()
    elsewhere = msg(at(20, 9), "in", subject="Instagram stories for the launch")
    context = ctx([ask, f1, f2, elsewhere], f2.date + timedelta(days=15))
    assert creates(plan(context), "pause_notice") == []
    assert status(context).silent is False
    alone = ctx([ask, f1, f2], f2.date + timedelta(days=15))
    assert creates(plan(alone), "pause_notice") and status(alone).silent is True


def test_a_client_writing_elsewhere_withdraws_a_pending_pause_notice():
    ask, f1, f2 = _chased()
    pending = draft(ask, kind="pause_notice", step=None)
    elsewhere = msg(f2.date + timedelta(days=15), "in", subject="Other topic")
    actions = plan(ctx([ask, f1, f2, elsewhere], f2.date + timedelta(days=16), drafts=(pending,)))
    [withdraw] = [a for a in actions if isinstance(a, WithdrawDraft)]
    assert withdraw.draft_id == pending.id
    assert "Other topic" in word(withdraw.evidence, "Europe/Paris")


# -- out-of-office return dates --------------------------------------------------------------


def test_an_out_of_office_return_date_moves_the_follow_up():
    ask = msg(at(2, 9), asks=True)
    ooo = msg(
        at(2, 9, 1),
        "in",
        reply_to=ask,
        not_contact="out-of-office",
        facts={"back_on": "2026-11-09"},
    )
    # Step 1 would be due Thursday 5; the client is back Monday 9: chase from Tuesday 10.
    assert creates(plan(ctx([ask, ooo], at(9, 12))), "follow_up") == []
    context = ctx([ask, ooo], at(9, 12))
    assert status(context).extra["away_until"] == "2026-11-09"
    resume = datetime(2026, 11, 10, tzinfo=ZoneInfo("America/New_York"))
    assert planner.next_change(context, RULES) <= resume
    [create] = creates(plan(ctx([ask, ooo], resume)), "follow_up")
    assert create.step == 2 or create.step == 1


# -- report day ------------------------------------------------------------------------------


def test_report_day_reminds_the_owner_until_a_report_goes_out():
    # Report day 5: Thursday 5 November 2026; October's report went on 6 October.
    october = msg(paris(6, 10, month=10), "out", facts={"report": True}, subject="Report")
    assert attention(plan(ctx([october], paris(4, 23))), "report_due") == []
    [item] = attention(plan(ctx([october], paris(5, 9))), "report_due")
    assert "was due on Thu 05 Nov" in word(item.evidence, "Europe/Paris")
    report = msg(paris(5, 15), "out", facts={"report": True}, subject="Your November report")
    assert attention(plan(ctx([october, report], paris(5, 16))), "report_due") == []


def test_a_report_sent_early_counts():
    report = msg(paris(3, 10), "out", facts={"report": True}, subject="October report")
    assert attention(plan(ctx([report], paris(5, 9))), "report_due") == []


def test_report_day_on_a_weekend_moves_to_the_next_working_day():
    # Report day 7: Saturday 7 November -> Monday 9 November.
    from mailwatch.config.model import Contract

    october = msg(paris(8, 10, month=10), "out", facts={"report": True}, subject="Report")
    context = ctx([october], paris(8, 12))
    context = replace(context, contract=Contract(report_day=7))
    assert attention(plan(context), "report_due") == []
    later = replace(context, now=paris(9, 1))
    assert attention(plan(later), "report_due")


# -- abusive mail ----------------------------------------------------------------------------


def test_abusive_mail_is_flagged_and_holds_every_draft():
    ask = msg(at(2, 9), asks=True)
    rude = msg(
        at(4, 9),
        "in",
        subject="Your work",
        facts={"abuse": {"kind": "insult", "lines": ["You are useless."]}},
    )
    pending = draft(ask, step=1)
    actions = plan(ctx([ask, rude], at(11, 9), drafts=(pending,)))
    [item] = attention(actions, "abusive_mail")
    assert "You are useless." in word(item.evidence, "Europe/Paris")
    assert creates(actions) == []  # no holding reply, no follow-up: the owner decides
    assert [a.draft_id for a in actions if isinstance(a, WithdrawDraft)] == [pending.id]
    cleared = ctx([ask, rude], at(11, 9), cleared_at=at(5, 9))
    assert attention(plan(cleared), "abusive_mail") == []
    assert creates(plan(cleared), "follow_up")


# -- one primary channel -----------------------------------------------------------------------


def test_a_new_address_of_the_client_is_flagged():
    known = msg(at(2, 9), "in", counterparts=("jane@acme.test",), facts={"ack": True})
    new = msg(at(3, 9), "in", counterparts=("j.doe@acme.test",), facts={"ack": True})
    items = attention(plan(ctx([known, new], at(4, 9), emails=("jane@acme.test",))), "new_address")
    assert [i.key for i in items] == ["new_address:j.doe@acme.test"]


def test_a_message_whose_text_could_not_be_read_is_listed():
    broken = msg(at(2, 9), "out", facts={"text_error": "ValueError: bad charset"})
    [item] = attention(plan(ctx([broken], at(3, 9))), "text_unreadable")
    assert "could not be read" in word(item.evidence, "Europe/Paris")
