"""Confirmations in writing: detected requests priced against the package, on a fixed clock,
and rendered with the real templates."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal

import pytest

from mailwatch.config.model import Contract
from mailwatch.core import planner
from mailwatch.core.model import CreateDraft, WithdrawDraft
from mailwatch.detect.scope import find_requests
from mailwatch.drafts.evidence import json_facts, word
from mailwatch.drafts.render import Renderer
from mailwatch.rules import RULES
from tests.unit.factories import at, ctx, draft, msg

CONTRACT = Contract(
    currency="EUR", channels=["instagram", "facebook"], posts_per_week=3, revisions_per_month=2
)
ADDONS = {"extra_channel": 150.0, "extra_post": 40.0, "extra_revision": 60.0}
OWNER = {"name": "Sam Rivera", "business": "Rivera Social", "signature": "Sam Rivera"}


def client_mail(when, text, language=None, **kw):
    found = [json_facts(asdict(r)) for r in find_requests(text, language=language, written=when)]
    return msg(when, "in", facts={"requests": found}, **kw)


def confirmations(context):
    return [
        a
        for a in planner.plan(context, RULES)
        if isinstance(a, CreateDraft) and a.family == "confirm"
    ]


def render(create: CreateDraft, language: str = "en") -> str:
    context = {**create.context, "owner": OWNER, "language": language}
    return Renderer().render(language, create.kind, context, timezone="Europe/Paris")


def test_a_new_channel_is_a_scope_note_with_the_add_on_price():
    ask = client_mail(at(2, 9), "Hi Sam, can you also post on TikTok from January?")
    [create] = confirmations(ctx([ask], at(2, 10), contract=CONTRACT, addons=ADDONS))
    assert create.kind == "scope_note" and create.in_reply_to == ask.join_id
    assert create.context["verdict"] == "addon" and create.context["price"] == Decimal("150")
    text = render(create)
    assert "TikTok" in text and "150" in text
    assert "TikTok" in word(create.evidence, "Europe/Paris")


def test_an_included_channel_is_confirmed():
    ask = client_mail(at(2, 9), "Could you start posting on Facebook too next week?")
    [create] = confirmations(ctx([ask], at(2, 10), contract=CONTRACT, addons=ADDONS))
    assert create.kind == "confirmation" and create.context["verdict"] == "included"
    assert "[PRICE]" not in render(create)


def test_nothing_in_the_list_fits_asks_the_owner_for_a_price():
    ask = client_mail(at(2, 9), "Could you also run Instagram ads for the launch?")
    [create] = confirmations(ctx([ask], at(2, 10), contract=CONTRACT, addons=ADDONS))
    assert create.needs_edit and "[PRICE]" in render(create)


def test_the_third_revision_of_the_month_is_priced():
    rounds = [
        client_mail(at(d, 9), text, subject=f"Visuals {d}")
        for d, text in (
            (3, "Can you change the caption on the first post?"),
            (10, "Could you make the logo bigger on slide 2?"),
            (17, "Can you redo the colours on the banner?"),
        )
    ]
    creates = confirmations(ctx(rounds, at(17, 10), contract=CONTRACT, addons=ADDONS))
    third = next(c for c in creates if c.context["revision_round"] == 3)
    assert third.context["verdict"] == "addon" and third.context["price"] == Decimal("60")
    assert "round 3" in render(third)
    status = planner.client_status(
        ctx(rounds, at(17, 10), contract=CONTRACT, addons=ADDONS), RULES, None, None
    )
    assert (status.extra["revisions_this_month"], status.extra["revisions_allowed"]) == (3, 2)


def test_a_decision_is_confirmed_in_french():
    ask = client_mail(at(2, 9), "Bonjour, on part sur la proposition 2 pour les visuels.")
    [create] = confirmations(ctx([ask], at(2, 10), contract=CONTRACT))
    assert create.context["request_kind"] == "decision"
    assert "proposition" in render(create, "fr").lower()


def test_an_owner_answer_means_no_confirmation_and_withdraws_a_pending_one():
    ask = client_mail(at(2, 9), "Can you also post on TikTok?")
    answer = msg(at(2, 11), "out", reply_to=ask)
    assert confirmations(ctx([ask, answer], at(2, 12), contract=CONTRACT)) == []
    pending = draft(ask, kind="scope_note", step=None, family="confirm", rank=1)
    pending = pending.__class__(
        **{**{f: getattr(pending, f) for f in pending.__slots__}, "anchor": f"{ask.join_id}#scope"}
    )
    actions = planner.plan(ctx([ask, answer], at(2, 12), drafts=(pending,)), RULES)
    assert [a.draft_id for a in actions if isinstance(a, WithdrawDraft)] == [pending.id]


def test_quoted_requests_are_not_requests():
    text = "Thanks, sounds good!\n\nOn Mon, Sam wrote:\n> Can you also post on TikTok?"
    ask = client_mail(at(2, 9), text)
    assert confirmations(ctx([ask], at(2, 10), contract=CONTRACT)) == []


@pytest.mark.parametrize("language", ["en", "fr"])
def test_confirmation_start_date_reads_in_the_client_language(language):
    ask = client_mail(at(2, 9), "Can you add LinkedIn from 1 December?", language=language)
    [create] = confirmations(ctx([ask], at(2, 10), contract=CONTRACT, addons=ADDONS))
    assert create.context["start_date"] == date(2026, 12, 1)
    text = render(create, language)
    assert ("1 December" if language == "en" else "1er décembre") in text
