from mailwatch.core.attribution import Directory
from mailwatch.core.planner import client_status
from mailwatch.core.threads import build_threads, reply_subject
from mailwatch.rules import RULES
from tests.unit.factories import at, calendar, ctx, msg


def client_status_(context, last_in, last_out):
    return client_status(context, RULES, last_in, last_out)


def test_waiting_on_owner_when_the_client_has_the_last_word():
    ask = msg(at(2, 9), asks=True)
    reply = msg(at(3, 9), "in", reply_to=ask)
    again = msg(at(3, 10), "in", reply_to=reply)
    status = client_status_(ctx([ask, reply, again], at(4, 9)), reply.date, ask.date)
    assert status.waiting_on == "owner"
    assert status.waiting_since == reply.date  # the first unanswered message


def test_response_time_medians_in_business_hours():
    cal = calendar("")
    # Client writes Mon 09:00 UTC (10:00 Paris); we answer Mon 12:00 UTC: 3 h.
    q = msg(at(2, 9), "in", subject="Question")
    a = msg(at(2, 12), asks=True, reply_to=q)
    # They answer Wednesday 12:00 UTC: 5 h Monday (to 18:00 Paris) + 9 h Tuesday + 4 h = 18 h.
    b = msg(at(4, 12), "in", reply_to=a)
    status = client_status_(ctx([q, a, b], at(5, 9), cal=cal), b.date, a.date)
    assert status.owner_response_hours_median == 3.0
    assert status.client_response_hours_median == 18.0


def test_threads_link_by_references_then_in_reply_to_then_reply_subject():
    root = msg(at(2, 9), asks=True, subject="Logo files")
    reply = msg(at(3, 9), "in", reply_to=root)
    orphan_reply = msg(at(4, 9), "in", subject="RE: Logo files")  # a phone dropped the headers
    fresh = msg(at(5, 9), "in", subject="Logo files")  # a new message, not a reply
    threads = build_threads([fresh, orphan_reply, reply, root])
    assert [len(t.messages) for t in threads] == [3, 1]


def test_the_same_message_in_two_folders_counts_once():
    first = msg(at(2, 9), asks=True, join_id="<same@x>")
    copy = msg(at(2, 9), asks=True, join_id="<same@x>")
    [thread] = build_threads([first, copy])
    assert len(thread.messages) == 1


def test_reply_subject_adds_re_once():
    assert reply_subject("Re: RE: Fwd: Plan") == "Re: Plan"
    assert reply_subject("Plan de contenu") == "Re: Plan de contenu"
    assert reply_subject("TR: Réf: Plan") == "Re: Plan"


def test_attribution():
    d = Directory(
        ["sam@studio.test", "hello@studio.test"],
        {"acme": ["jane@acme.test"], "bistro": ["chef@gmail.test"]},
        {"acme": ["acme.test"]},
    )
    assert d.attribute("jane@acme.test", ["sam@studio.test"], []).client == "acme"
    assert d.attribute("bob@mail.acme.test", [], []).client == "acme"  # subdomain
    out = d.attribute("hello@studio.test", ["x@other.test", "chef@gmail.test"], ["jane@acme.test"])
    assert (out.direction, out.client, out.counterparts) == ("out", "bistro", ("chef@gmail.test",))
    assert d.attribute("spam@else.test", [], []).client is None
