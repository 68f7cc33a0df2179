"""The detectors' shared helpers: dates people write, and sentences."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mailwatch.detect.dates import parse_date
from mailwatch.detect.text import normalise, sentences

FRIDAY = datetime(2026, 11, 27, 10, 0)  # Friday 27 November 2026


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("1 December 2026", date(2026, 12, 1)),
        ("01/12/2026", date(2026, 12, 1)),  # day first
        ("1er décembre", date(2026, 12, 1)),
        ("le 7 décembre", date(2026, 12, 7)),
        ("next Monday", date(2026, 11, 30)),
        ("lundi prochain", date(2026, 11, 30)),
        ("on the 7th", date(2026, 12, 7)),  # the 7th after the 27th: next month
        ("4 January", date(2027, 1, 4)),  # a date without a year is not in the past
        ("demain", date(2026, 11, 28)),
        ("before 3 Dec", date(2026, 12, 3)),
    ],
)
def test_dates_people_write(phrase, expected):
    assert parse_date(phrase, FRIDAY) == expected


@pytest.mark.parametrize("phrase", ["December", "soon", "", "whenever suits you", "x" * 80])
def test_no_day_named(phrase):
    assert parse_date(phrase, FRIDAY) is None


def test_month_first_for_us_owners():
    assert parse_date("12/01/2026", FRIDAY, day_first=False) == date(2026, 12, 1)


def test_sentences_keep_abbreviations_and_numbers():
    text = (
        "Hi Jane,\n\nHere is the report for November. Could you approve it by Friday? "
        "Mr. Smith said 1.5 posts, e.g. reels.\n- item one\n- item two\nBest,\nSam"
    )
    assert sentences(text) == [
        "Hi Jane,",
        "Here is the report for November.",
        "Could you approve it by Friday?",
        "Mr. Smith said 1.5 posts, e.g. reels.",
        "- item one",
        "- item two",
        "Best,",
        "Sam",
    ]


def test_normalise():
    assert normalise("Pourriez\u2011vous l’envoyer\u00a0? Été") == "pourriez-vous l'envoyer ? ete"
