"""Out-of-office return dates: scored on tests/labelled/ooo.toml, and unit cases."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mailwatch.detect.ooo import Absence, return_date
from tests.labelled.scoring import load_cases

CASES = load_cases("ooo")
TUNED = [c for c in CASES if not c.get("heldout")]
HELDOUT = [c for c in CASES if c.get("heldout")]


def _found(case) -> str:
    absence = return_date(
        case.get("subject", ""), case["text"], written=datetime.fromisoformat(case["written"])
    )
    return absence.back_on.isoformat() if absence else ""


def _accuracy(title: str, cases) -> float:
    wrong = [(c["id"], c["back_on"], _found(c)) for c in cases if _found(c) != c["back_on"]]
    accuracy = 1 - len(wrong) / len(cases) if cases else 1.0
    print(f"\n{title}: {len(cases)} auto-replies, exact-match accuracy {accuracy:.3f}")
    for case_id, wanted, found in wrong:
        print(f"    {case_id}: wanted {wanted or 'none'}, found {found or 'none'}")
    return accuracy


def test_labelled_set_shape():
    assert len(CASES) >= 40
    for case in CASES:
        datetime.fromisoformat(case["written"])
        if case["back_on"]:
            assert (
                date.fromisoformat(case["back_on"])
                >= datetime.fromisoformat(case["written"]).date()
            )
        assert case["labels"] == (["return"] if case["back_on"] else [])
    assert {c["lang"] for c in CASES} == {"en", "fr"}


def test_exact_match_accuracy():
    accuracy = _accuracy("out-of-office return dates (tuned set)", TUNED)
    if HELDOUT:
        # The honest figure: written after the detector was frozen. Printed, not asserted.
        _accuracy("out-of-office return dates (held-out)", HELDOUT)
    assert accuracy >= 0.9


WEDNESDAY = datetime(2026, 12, 2, 9, 0)  # Wednesday 2 December 2026


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm back on 7 December.", date(2026, 12, 7)),
        ("De retour le 7 décembre.", date(2026, 12, 7)),
        ("Out of the office until Friday 4 December.", date(2026, 12, 7)),  # next weekday
        ("Absente jusqu'au lundi 7 décembre inclus.", date(2026, 12, 8)),
        ("Absente jusqu'au lundi 7 décembre exclu.", date(2026, 12, 7)),
        ("I'll be back next Monday.", date(2026, 12, 7)),
        ("Je serai de retour lundi prochain.", date(2026, 12, 7)),
        ("En congés du 20 décembre au 3 janvier.", date(2027, 1, 4)),
        ("Returning on 12/07.", date(2027, 7, 12)),  # day first
        ("Returning on 12/21.", date(2026, 12, 21)),  # 21 cannot be a month
        ("Back next week.", date(2026, 12, 7)),
        ("Back tomorrow.", date(2026, 12, 3)),
    ],
)
def test_return_dates(text, expected):
    found = return_date("Automatic reply", text, written=WEDNESDAY)
    assert found is not None and found.back_on == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm travelling with limited access to email.",
        "I was out until 30 November, sorry for the delay.",  # before the reply
        "I'll get back to you by Friday 11 December.",  # not a return
        "Our office hours are Monday to Friday, 9am to 5pm.",
        "Je suis absente jusqu'à début janvier.",  # vague
        "",
    ],
)
def test_no_return_date(text):
    assert return_date("Automatic reply", text, written=WEDNESDAY) is None


def test_an_explicit_return_beats_an_until():
    text = "Closed from 24 December until 1 January. Back at my desk on 5 January."
    found = return_date("", text, written=WEDNESDAY)
    assert found == Absence(back_on=date(2027, 1, 5), sentence="Back at my desk on 5 January.")


def test_the_subject_is_read():
    found = return_date(
        "Out of office until 4/12", "Urgent: call 020 7946 0000.", written=WEDNESDAY
    )
    assert found is not None and found.back_on == date(2026, 12, 7)
    assert found.sentence == "Out of office until 4/12"
