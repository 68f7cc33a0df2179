"""Scope, revision and decision requests in client mail, and what they cost.

The detector is judged on tests/labelled/scope.toml: precision and recall per class are
printed (run with -s to see them), the development cases are held to the targets, and
the held-out cases (written after the detector was frozen) are printed on their own:
they are the honest figure.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from mailwatch.config.model import Contract
from mailwatch.core.pricing import Price, price_request, revision_price
from mailwatch.detect.scope import Request, canonical_channel, find_requests
from tests.labelled.scoring import load_cases, report, score

WRITTEN = datetime(2026, 11, 20, 10, 0)  # Friday 20 November 2026
CLASSES = ("scope", "revision", "decision")
EXTRACTED = ("channel", "work", "posts_per_week", "start_date")

# Targets on the development cases (the brief: precision first).
TARGETS = {"scope": (0.90, 0.85), "revision": (0.90, 0.85), "decision": (0.80, 0.70)}
# Held-out figures measured once, when the detector was frozen (33 cases: scope 10,
# revision 6, decision 5): a floor against regressions, not a claim. Small supports: one
# case is 0.1 to 0.2 of recall.
HELD_OUT_FLOOR = {"scope": (1.0, 0.9), "revision": (1.0, 1.0), "decision": (1.0, 1.0)}

CASES = load_cases("scope")
DEV = [c for c in CASES if not c.get("heldout")]
HELD_OUT = [c for c in CASES if c.get("heldout")]


def _detect(case: dict) -> list[Request]:
    return find_requests(case["text"], language=case["lang"], written=case.get("written", WRITTEN))


def _scores(cases: list[dict]):
    found = {c["id"]: _detect(c) for c in cases}
    return found, score(cases, lambda c: [r.kind for r in found[c["id"]]], CLASSES)


def _extraction_errors(cases: list[dict], found: dict[str, list[Request]]) -> list[str]:
    errors = []
    for case in cases:
        scope = next((r for r in found[case["id"]] if r.kind == "scope"), None)
        if scope is None or "scope" not in case["labels"]:
            continue  # a miss is counted by the scores already
        for name in EXTRACTED:
            if name in case and getattr(scope, name) != case[name]:
                errors.append(f"{case['id']}: {name} {getattr(scope, name)!r}, want {case[name]!r}")
    return errors


def test_labelled_set_is_big_and_balanced():
    assert len(CASES) >= 120
    langs = {c["lang"] for c in CASES}
    assert langs == {"en", "fr"}
    for name in CLASSES:
        assert sum(name in c["labels"] for c in DEV) >= 15, name
    assert sum(not c["labels"] for c in DEV) >= 40  # look-alikes
    assert len(HELD_OUT) >= 25


def test_development_cases_reach_the_targets():
    found, scores = _scores(DEV)
    report("scope requests (development)", scores, len(DEV))
    errors = _extraction_errors(DEV, found)
    print(f"  extraction errors: {len(errors)}", *errors, sep="\n    ")
    for name, (precision, recall) in TARGETS.items():
        assert scores[name].precision >= precision, name
        assert scores[name].recall >= recall, name
    assert not errors


def test_held_out_cases_are_reported():
    found, scores = _scores(HELD_OUT)
    report(
        "scope requests (HELD-OUT, written after the detector was frozen)", scores, len(HELD_OUT)
    )
    errors = _extraction_errors(HELD_OUT, found)
    print(f"  extraction errors: {len(errors)}", *errors, sep="\n    ")
    for name, (precision, recall) in HELD_OUT_FLOOR.items():
        assert scores[name].precision >= precision, name
        assert scores[name].recall >= recall, name


# --------------------------------------------------------------------------- detector


def test_one_request_per_kind_with_its_sentence():
    text = (
        "Hi Sam,\n\nThanks for the visuals! Could you change the caption on Tuesday's post? "
        "Also, can you also post on TikTok from January?\n\nLet's go with option B for the "
        "banner.\n\nJane"
    )
    found = find_requests(text, language="en", written=WRITTEN)
    assert [r.kind for r in found] == ["scope", "revision", "decision"]
    scope, revision, decision = found
    assert scope.sentence == "Also, can you also post on TikTok from January?"
    assert (scope.channel, scope.summary, scope.start) == (
        "tiktok",
        "post on TikTok",
        "from January",
    )
    assert scope.start_date == date(2027, 1, 1)
    assert revision.summary == "change the caption"
    assert decision.summary == "option B"


def test_summary_is_in_the_clients_language():
    en = find_requests("Can you also run Instagram ads for the sale?", language="en")
    fr = find_requests("Can you also run Instagram ads for the sale?", language="fr")
    assert en[0].summary == "run Instagram ads"
    assert fr[0].summary == "gérer des publicités Instagram"
    moved = find_requests(
        "Pouvez-vous décaler le lancement au 7 décembre ?", language="en", written=WRITTEN
    )
    assert moved[0].summary == "move the launch to 7 December"
    assert moved[0].start_date == date(2026, 12, 7)
    assert find_requests("Ok pour mardi !", language="en", written=WRITTEN)[0].summary == "Tuesday"


def test_language_guessed_when_not_given():
    (found,) = find_requests("Bonjour, nous souhaiterions passer à 5 publications par semaine.")
    assert found.summary == "5 publications par semaine"
    assert found.posts_per_week == 5


def test_volumes():
    def scope(text: str) -> Request:
        (found,) = find_requests(text, language="en", written=WRITTEN)
        return found

    assert scope("We'd like 5 posts a week from January.").posts_per_week == 5
    once = scope("Can you do 2 extra posts this week for the sale?")
    assert (once.extra_posts, once.posts_per_week, once.summary) == (2, None, "2 extra posts")
    weekly = scope("Could we get 2 extra posts a week in December?")
    assert (weekly.extra_per_week, weekly.summary) == (2, "2 extra posts a week")
    monthly = scope("Could we do 20 posts a month from March?")
    assert (monthly.posts_per_month, monthly.posts_per_week) == (20, None)
    assert scope("Can we post every day in March?").posts_per_week == 7
    assert scope("Can we drop to 2 posts a week for January?").work == "frequency_change"


def test_quotes_forwards_and_away_replies_never_count():
    quoted = (
        "Thanks!\n\nOn Tue, 17 Nov 2026 at 09:12, Jane <j@a.test> wrote:\n> Can you add TikTok?"
    )
    assert find_requests(quoted) == []
    assert find_requests("> Can you add TikTok?\nSee you Monday.") == []
    french = (
        "Merci.\n\nLe mar. 17 nov. 2026 à 09:12, Claire <c@l.test> a écrit :\n"
        "> On pourrait ajouter LinkedIn ?"
    )
    assert find_requests(french) == []
    away = "I am out of the office until 30 November. Can you also post on TikTok? is in my notes."
    assert find_requests(away) == []


def test_withdrawn_request_is_dropped():
    assert find_requests("Could you also post on LinkedIn? Actually, scratch that.") == []
    assert find_requests("On pourrait ajouter Pinterest ? Non, oubliez.") == []
    # A request made after the withdrawal still counts.
    later = find_requests("Forget the LinkedIn idea. Can you add TikTok instead?")
    assert [r.channel for r in later] == ["tiktok"]


@pytest.mark.parametrize(
    "text",
    [
        "Is TikTok included in our package?",
        "How much would it cost to add LinkedIn?",
        "Do you think we should be on TikTok?",
        "Looks great, go ahead!",
        "c'est validé, vous pouvez publier",
        "Can you send the invoice for November?",
        "Can we move our call to Thursday?",
        "Could you change the billing address on the invoice?",
        "No need for stories this week.",
        "Could you add my colleague on LinkedIn?",
        "Ok for Tuesday?",
        "",
        "   \n  ",
    ],
)
def test_look_alikes(text):
    assert find_requests(text, written=WRITTEN) == []


def test_sentence_is_capped_and_written_as_sent():
    long = "Could you also post on TikTok, " + "and really, " * 60 + "from January?"
    (found,) = find_requests(long)
    assert len(found.sentence) <= 300
    assert found.sentence.startswith("Could you also post on TikTok")
    (accented,) = find_requests("Pourriez-vous gérer notre TikTok à partir du 1er décembre ?")
    assert accented.start == "à partir du 1er décembre"


def test_no_clock_without_a_date():
    (found,) = find_requests("Can we move the launch to the 15th?")
    assert found.start == "the 15th"
    assert found.start_date is None  # nothing to read it from


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("Insta", "instagram"), ("Twitter", "x"), ("LinkedIn ", "linkedin"), ("fb", "facebook")],
)
def test_canonical_channel(name, canonical):
    assert canonical_channel(name) == canonical
    assert canonical_channel("myspace") is None


# --------------------------------------------------------------------------- pricing

CONTRACT = Contract(
    channels=["Instagram", "facebook"], posts_per_week=3, revisions_per_month=2, currency="EUR"
)
ADDONS = {"extra_channel": 150, "extra_post": 40, "extra_revision": 60, "ads_management": 250}


def _scope(**fields) -> Request:
    return Request(kind="scope", sentence="…", summary="…", **fields)


def test_channel_in_the_package_is_included():
    assert price_request(_scope(channel="instagram"), CONTRACT, ADDONS) == Price("included")


def test_new_channel_is_the_channel_addon():
    price = price_request(_scope(channel="tiktok"), CONTRACT, ADDONS)
    assert price == Price("addon", "extra_channel", Decimal("150"), "month", None)


def test_a_key_naming_the_channel_wins():
    addons = {"extra_channel": 150, "tiktok": 120, "tiktok_ads": 300}
    price = price_request(_scope(channel="tiktok"), CONTRACT, addons)
    assert (price.addon, price.amount) == ("tiktok", Decimal("120"))


def test_extra_posts_per_week_are_counted_per_month():
    price = price_request(_scope(posts_per_week=5), CONTRACT, ADDONS)
    # 2 extra a week, 52/12 weeks a month: 8.67 -> 9 posts at 40 each
    assert price == Price("addon", "extra_post", Decimal("40"), "unit", 9)
    assert price_request(_scope(extra_per_week=1), CONTRACT, ADDONS).units == 4
    assert price_request(_scope(extra_posts=2), CONTRACT, ADDONS).units == 2
    assert price_request(_scope(posts_per_month=20), CONTRACT, ADDONS).units == 7


def test_fewer_posts_or_the_same_are_included():
    assert price_request(_scope(posts_per_week=3), CONTRACT, ADDONS).verdict == "included"
    down = _scope(posts_per_week=2, work="frequency_change")
    assert price_request(down, CONTRACT, ADDONS).verdict == "included"
    days = _scope(work="frequency_change")
    assert price_request(days, CONTRACT, ADDONS).verdict == "included"


def test_volume_without_a_package_figure_is_priced_per_post_without_units():
    contract = Contract(channels=["instagram"])
    price = price_request(_scope(posts_per_week=5), contract, ADDONS)
    assert (price.verdict, price.addon, price.units) == ("addon", "extra_post", None)


def test_ads_take_the_ads_addon():
    price = price_request(_scope(work="ads", channel="instagram"), CONTRACT, ADDONS)
    assert price == Price("addon", "ads_management", Decimal("250"), "month", None)
    specific = {"ads_management": 250, "instagram_ads": 200}
    assert price_request(_scope(work="ads", channel="instagram"), CONTRACT, specific).addon == (
        "instagram_ads"
    )


def test_nothing_fits_is_a_quote():
    price = price_request(_scope(work="video"), CONTRACT, ADDONS)
    assert price.verdict == "quote"
    assert (price.addon, price.amount) == (None, None)
    assert price_request(_scope(channel="tiktok"), CONTRACT, {}).verdict == "quote"


def test_per_from_the_key_and_french_keys():
    addons = {"Vidéos (unité)": 90.5, "newsletter_mensuelle": 120, "réseau supplémentaire": 100}
    video = price_request(_scope(work="video"), CONTRACT, addons)
    assert (video.addon, video.amount, video.per) == ("Vidéos (unité)", Decimal("90.5"), "unit")
    news = price_request(_scope(work="newsletter", channel="newsletter"), CONTRACT, addons)
    assert (news.addon, news.per) == ("newsletter_mensuelle", "month")
    channel = price_request(_scope(channel="linkedin"), CONTRACT, addons)
    assert channel.addon == "réseau supplémentaire"


def test_date_change_and_decision_are_not_priced():
    assert price_request(_scope(work="date_change"), CONTRACT, ADDONS).verdict == "included"
    decision = Request(kind="decision", sentence="…", summary="option B")
    assert price_request(decision, CONTRACT, ADDONS).verdict == "included"


def test_revisions_past_the_allowance():
    assert revision_price(1, CONTRACT, ADDONS).verdict == "included"
    assert revision_price(2, CONTRACT, ADDONS).verdict == "included"
    third = revision_price(3, CONTRACT, ADDONS)
    assert third == Price("addon", "extra_revision", Decimal("60"), "round", 1)
    assert revision_price(3, CONTRACT, {}) == Price("quote", None, None, "round", 1)
    no_allowance = Contract(channels=["instagram"])
    assert revision_price(9, no_allowance, ADDONS).verdict == "included"
    none_included = Contract(revisions_per_month=0)
    assert revision_price(1, none_included, ADDONS).verdict == "addon"


def test_detected_request_priced_end_to_end():
    (found,) = find_requests("Hi, could you also post on TikTok from January?", written=WRITTEN)
    price = price_request(found, CONTRACT, ADDONS)
    assert (price.verdict, price.addon, price.amount) == ("addon", "extra_channel", Decimal("150"))
    (found,) = find_requests("Can we go up to 5 posts a week?", written=WRITTEN)
    assert price_request(found, CONTRACT, ADDONS).units == 9


def test_package_written_loosely():
    contract = Contract(channels=["IG", "Face book", "stories"], posts_per_week=3)
    assert price_request(_scope(channel="instagram"), contract, ADDONS).verdict == "included"
    assert price_request(_scope(channel="facebook"), contract, ADDONS).verdict == "included"
    stories = _scope(work="stories", channel="instagram")
    assert price_request(stories, contract, ADDONS).verdict == "included"
    assert price_request(_scope(channel="x"), contract, {"x_account": 90}).addon == "x_account"
