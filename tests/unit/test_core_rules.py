"""The follow-up ladder and the pause notice, on a fixed clock."""

from datetime import timedelta

import pytest

from mailwatch.core import planner
from mailwatch.core.model import CreateDraft, RaiseAttention, RecordEvent, WithdrawDraft
from mailwatch.drafts.evidence import word
from mailwatch.rules import RULES
from tests.unit.factories import at, calendar, ctx, draft, msg


def plan(context):
    return planner.plan(context, RULES)


def recheck(context, draft_view):
    why = planner.recheck(context, draft_view, RULES)
    return word(why, "Europe/Paris") if why is not None else None


def client_status(context, last_in, last_out):
    return planner.client_status(context, RULES, last_in, last_out)


def creates(actions):
    return [a for a in actions if isinstance(a, CreateDraft)]


def changes(actions):
    """What a plan does to drafts and the record (attention items left out)."""
    return [a for a in actions if not isinstance(a, RaiseAttention)]


def withdraws(actions):
    return [a for a in actions if isinstance(a, WithdrawDraft)]


def test_no_follow_up_before_the_first_step():
    ask = msg(at(2, 9), asks=True)  # Monday
    assert creates(plan(ctx([ask], at(5, 8)))) == []  # 2 business days and 23 h


def test_first_step_after_three_business_days_replies_in_thread():
    ask = msg(at(2, 9), asks=True)
    actions = plan(ctx([ask], at(5, 9)))
    [create] = creates(actions)
    assert (create.kind, create.step, create.anchor) == ("follow_up", 1, ask.join_id)
    assert create.in_reply_to == ask.join_id
    assert create.references == (ask.join_id,)
    assert create.subject == "Re: Content calendar for December"
    assert create.to == ("jane@acme.test",)
    assert create.evidence.facts["business_days"] == 3
    assert "3 business days" in word(create.evidence, "Europe/Paris")
    assert any(isinstance(a, RecordEvent) and a.kind == "threshold" for a in actions)


def test_a_message_that_asks_nothing_waits_for_nothing():
    note = msg(at(2, 9), asks=False)
    assert changes(plan(ctx([note], at(20, 9)))) == []


def test_client_reply_ends_the_wait_and_withdraws_the_draft():
    ask = msg(at(2, 9), asks=True)
    reply = msg(at(5, 10), "in", reply_to=ask)
    pending = draft(ask, step=1)
    actions = plan(ctx([ask, reply], at(6, 9), drafts=(pending,)))
    assert creates(actions) == []
    [withdraw] = withdraws(actions)
    assert withdraw.draft_id == pending.id
    assert "replied on Thu 05 Nov" in word(withdraw.evidence, "Europe/Paris")


def test_an_auto_reply_is_not_an_answer():
    ask = msg(at(2, 9), asks=True)
    ooo = msg(at(2, 9, 5), "in", reply_to=ask, not_contact="out-of-office")
    [create] = creates(plan(ctx([ask, ooo], at(5, 9))))
    assert create.step == 1


def test_missed_steps_collapse_into_the_highest_due():
    ask = msg(at(2, 9), asks=True)
    [create] = creates(plan(ctx([ask], at(11, 9), cal=calendar(""))))  # 7 business days
    assert create.step == 2


def test_hand_written_nudge_counts_as_a_step():
    ask = msg(at(2, 9), asks=True)
    nudge = msg(at(3, 9), reply_to=ask)
    assert creates(plan(ctx([ask, nudge], at(5, 9)))) == []
    [create] = creates(plan(ctx([ask, nudge], at(11, 9), cal=calendar(""))))
    assert create.step == 2
    assert create.in_reply_to == nudge.join_id  # the reply goes under the latest message


def test_a_step_is_never_drafted_twice():
    ask = msg(at(2, 9), asks=True)
    rejected = draft(ask, step=1, status="rejected")
    assert creates(plan(ctx([ask], at(5, 9), drafts=(rejected,)))) == []
    [create] = creates(plan(ctx([ask], at(11, 9), drafts=(rejected,), cal=calendar(""))))
    assert create.step == 2


def test_one_open_draft_per_thread_and_unreviewed_ones_are_replaced():
    ask = msg(at(2, 9), asks=True)
    old = draft(ask, step=1)
    actions = plan(ctx([ask], at(11, 9), drafts=(old,), cal=calendar("")))
    [withdraw] = withdraws(actions)
    [create] = creates(actions)
    assert withdraw.draft_id == old.id and create.step == 2 and create.supersedes == old.id


def test_an_edited_or_approved_draft_is_left_alone():
    ask = msg(at(2, 9), asks=True)
    for kept in (draft(ask, step=1, edited=True), draft(ask, step=1, status="approved")):
        actions = plan(ctx([ask], at(11, 9), drafts=(kept,), cal=calendar("")))
        assert creates(actions) == [] and withdraws(actions) == []


def test_planning_twice_changes_nothing():
    ask = msg(at(2, 9), asks=True)
    [create] = creates(plan(ctx([ask], at(5, 9))))
    made = draft(ask, step=create.step)
    assert creates(plan(ctx([ask], at(5, 9), drafts=(made,)))) == []


def test_pause_notice_after_two_unanswered_follow_ups_and_fourteen_days():
    ask = msg(at(2, 9), asks=True)
    f1 = msg(at(5, 9), asks=True, reply_to=ask)
    f2 = msg(at(11, 9), asks=True, reply_to=f1)
    before = ctx([ask, f1, f2], f2.date + timedelta(days=13, hours=23))
    assert [c.kind for c in creates(plan(before))] == ["follow_up"]  # step 3 still due
    context = ctx([ask, f1, f2], f2.date + timedelta(days=14))
    actions = plan(context)
    [create] = creates(actions)
    assert create.kind == "pause_notice" and create.step is None
    assert create.evidence.facts["follow_ups_sent"] == 2
    assert any(isinstance(a, RecordEvent) and a.kind == "client_silent" for a in actions)
    status = client_status(context, None, f2.date)
    assert status.silent and status.waiting_on == "client" and status.follow_ups_unanswered == 2


def test_pause_notice_replaces_pending_follow_up_and_stops_the_ladder():
    ask = msg(at(2, 9), asks=True)
    f1 = msg(at(5, 9), asks=True, reply_to=ask)
    f2 = msg(at(11, 9), asks=True, reply_to=f1)
    step3 = draft(ask, step=3)
    actions = plan(ctx([ask, f1, f2], at(26, 9), drafts=(step3,)))
    assert [c.kind for c in creates(actions)] == ["pause_notice"]
    assert [w.draft_id for w in withdraws(actions)] == [step3.id]
    pause = draft(ask, kind="pause_notice", step=None, status="rejected")
    assert creates(plan(ctx([ask, f1, f2], at(30, 9), drafts=(pause,)))) == []


def test_pause_when_the_ladder_is_used_up_before_the_minimum():
    ask = msg(at(2, 9), asks=True)
    f1 = msg(at(5, 9), asks=True, reply_to=ask)
    rules = {"follow_up_days": [3], "pause_min_follow_ups": 2}
    [create] = creates(plan(ctx([ask, f1], at(19, 9), rules=rules)))
    assert create.kind == "pause_notice"


def test_history_beyond_the_look_back_drafts_nothing():
    ask = msg(at(2, 9), asks=True)
    context = ctx([ask], ask.date + timedelta(days=31))
    assert changes(plan(context)) == []
    assert client_status(context, None, ask.date).waiting_on is None


def test_future_messages_are_ignored_when_acting_in_the_past():
    ask = msg(at(2, 9), asks=True)
    reply = msg(at(20, 9), "in", reply_to=ask)
    [create] = creates(plan(ctx([ask, reply], at(5, 9))))
    assert create.step == 1


def test_recheck_sees_a_manual_follow_up():
    ask = msg(at(2, 9), asks=True)
    nudge = msg(at(5, 10), reply_to=ask)
    approved = draft(ask, step=1, status="approved")
    reason = recheck(ctx([ask, nudge], at(5, 11)), approved)
    assert reason == "You already followed up yourself on Thu 05 Nov."


def test_contact_name_comes_from_the_client_signature():
    ask = msg(at(2, 9), asks=True)
    earlier = msg(at(1, 9), "in", from_name="Doe, Jane", subject="Hello", facts={"ack": True})
    [create] = creates(plan(ctx([earlier, ask], at(5, 9))))
    assert create.context["contact_name"] == "Jane"


# -- next_change: planning can be skipped until then -----------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _signature(actions):
    """What a plan changes, ignoring wording that moves with the clock."""
    out = set()
    for a in actions:
        if isinstance(a, CreateDraft):
            out.add(("create", a.anchor, a.kind, a.step))
        elif isinstance(a, WithdrawDraft):
            out.add(("withdraw", a.draft_id))
        elif isinstance(a, RaiseAttention):
            out.add(("attention", a.item.key, a.item.kind))
        else:
            out.add(("event", a.key))
    return out


# Every registered rule alone, and all of them together: a rule added later is covered
# without touching this test (give its inputs to the generator below if it reads new ones).
RULE_SETS = [pytest.param(RULES, id="all"), *(pytest.param((r,), id=r.name) for r in RULES)]


@pytest.mark.parametrize("rules", RULE_SETS)
@settings(max_examples=150, deadline=None)
@given(
    asks_at=st.integers(0, 20 * 24),  # hours after Sunday 1 November
    nudges=st.lists(st.integers(1, 20 * 24), max_size=3),
    reply_at=st.one_of(st.none(), st.integers(1, 40 * 24)),
    start=st.integers(0, 50 * 24),
    probes=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=4),
    drafted=st.sampled_from([None, 1, 2, 3, "pause"]),
    extra=st.lists(
        st.tuples(
            st.integers(0, 40 * 24),
            st.sampled_from(["question", "thanks", "ooo", "report", "abuse", "elsewhere"]),
        ),
        max_size=3,
    ),
)
def test_plan_does_not_change_before_next_change(
    rules, asks_at, nudges, reply_at, start, probes, drafted, extra
):
    base = at(1, 0)
    ask = msg(base + timedelta(hours=asks_at), asks=True)
    messages = [ask]
    last = ask
    for offset in sorted(nudges):
        last = msg(ask.date + timedelta(hours=offset), asks=True, reply_to=last)
        messages.append(last)
    if reply_at is not None:
        messages.append(msg(ask.date + timedelta(hours=reply_at), "in", reply_to=last))
    # What the other rules read: client questions and thanks, out-of-office return
    # dates, reports, abusive mail, mail in another thread.
    for hours, what in extra:
        when = base + timedelta(hours=hours)
        if what == "question":
            messages.append(msg(when, "in", reply_to=ask))
        elif what == "thanks":
            messages.append(msg(when, "in", reply_to=ask, facts={"ack": True}))
        elif what == "ooo":
            back = (when + timedelta(days=hours % 9)).date().isoformat()
            facts = {"back_on": back}
            messages.append(msg(when, "in", not_contact="out-of-office", facts=facts))
        elif what == "report":
            messages.append(msg(when, "out", facts={"report": True}, subject="Report"))
        elif what == "abuse":
            abuse = {"abuse": {"kind": "insult", "lines": ["x"]}}
            messages.append(msg(when, "in", facts=abuse, subject="Angry"))
        else:
            messages.append(msg(when, "in", subject="Another topic"))
    drafts = ()
    if drafted == "pause":
        drafts = (draft(ask, kind="pause_notice", step=None),)
    elif drafted is not None:
        drafts = (draft(ask, step=drafted),)
    now = base + timedelta(hours=start)
    first = ctx(messages, now, drafts=drafts)
    boundary = planner.next_change(first, rules)
    expected = _signature(planner.plan(first, rules))
    horizon = boundary if boundary is not None else now + timedelta(days=400)
    for fraction in probes:
        later = min(now + (horizon - now) * fraction, horizon - timedelta(microseconds=1))
        assert _signature(planner.plan(ctx(messages, later, drafts=drafts), rules)) == expected, (
            f"plan changed at {later} before next_change {boundary}"
        )


def test_outlook_rewritten_copy_of_a_sent_draft_counts_once():
    """Office 365 rewrites the Message-ID of what it sends and keeps ours in
    X-Microsoft-Original-Message-ID: the synced Sent copy and the sent draft are one
    nudge, not two (two would skip step 2 and bring the pause notice early)."""
    from dataclasses import replace

    ask = msg(at(2, 9), asks=True)
    ours = msg(at(5, 9), asks=True, reply_to=ask, join_id="<draft1@studio.test>")
    copy = replace(
        ours,
        key="Sent/1/99",
        join_id="<AM0PR01MB1234@eurprd01.prod.outlook.com>",
        aliases=("<draft1@studio.test>",),
        date=ours.date + timedelta(seconds=2),
    )
    [create] = creates(plan(ctx([ask, ours, copy], at(11, 9), cal=calendar(""))))
    assert (create.kind, create.step) == ("follow_up", 2)
