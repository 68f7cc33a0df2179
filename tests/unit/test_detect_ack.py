"""is_ack: a client's mere acknowledgement needs no answer (the reply promise does not start)."""

from __future__ import annotations

from mailwatch.detect.ack import is_ack
from tests.labelled.scoring import load_cases, report, score


def _run(cases):
    return score(cases, lambda c: ["ack"] if is_ack(c["text"]) else [], ["ack"])


def test_acknowledgements_on_the_labelled_set():
    cases = load_cases("ack")
    dev = [c for c in cases if not c.get("heldout")]
    held = [c for c in cases if c.get("heldout")]
    scores = _run(dev)
    report("acknowledgements (dev)", scores, len(dev))
    held_scores = _run(held)
    report("acknowledgements (held out)", held_scores, len(held))
    # Precision matters most: a message wrongly taken for a thanks is a client left
    # without an answer.
    assert scores["ack"].precision >= 0.95 and scores["ack"].recall >= 0.9
    assert held_scores["ack"].precision >= 0.8


def test_empty_and_huge_messages_need_an_answer():
    assert not is_ack("")
    assert not is_ack("thanks " * 500)
