"""Billing detectors (issue 9): the labelled set's figures, then each part on its own."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailwatch.detect.billing import (
    DEFAULT_INVOICE_PATTERNS,
    DEFAULT_PAYMENT_SENDERS,
    find_invoice,
    find_payment_claim,
    find_payment_notice,
    invoicing_tool,
    mentions_invoice,
    sender_matches,
)
from mailwatch.detect.money import find_amounts, parse_amount
from tests.labelled.scoring import load_cases, report, score

CASES = load_cases("billing")
CLASSES = ("invoice", "payment_notice", "payment_claim")
DEFAULT_SENT = datetime(2026, 11, 16, 9, 30)  # a Monday

# The owners' clients in the labelled set, as the store would know them: a tool's copy
# of an invoice counts only when it names one (in To/Cc or in its text).
CLIENT_NAMES = (
    "Acme Bakery",
    "Northwind Coffee",
    "Green Leaf Yoga",
    "Brightside Dental",
    "Boulangerie Martin",
    "Cabinet Dubois",
    "Hôtel des Pins",
    "Café Lumière",
    "Les Jardins de Provence",
    "Bloom Florist",
    "Maple & Co",
    "Studio Nova",
    "Atelier Koa",
)
CLIENT_DOMAINS = (
    "acme.test",
    "northwind.test",
    "greenleafyoga.test",
    "brightsidedental.test",
    "boulangerie-martin.test",
    "cabinet-dubois.test",
    "hoteldespins.test",
    "cafe-lumiere.test",
    "jardins-provence.test",
    "bloomflorist.test",
    "mapleandco.test",
    "studionova.test",
    "atelierkoa.test",
    "keller-uhren.test",
    "oneill-interiors.test",
    "kitefitness.test",
)


def _names_client(case: dict[str, Any]) -> bool:
    for address in case.get("to", []):
        domain = address.rpartition("@")[2].lower()
        if any(domain == d or domain.endswith("." + d) for d in CLIENT_DOMAINS):
            return True
    words = (case.get("subject", "") + "\n" + case["text"]).lower()
    return any(name.lower() in words for name in CLIENT_NAMES)


def _sent(case: dict[str, Any]) -> datetime:
    return case.get("sent", DEFAULT_SENT)


def _run(case: dict[str, Any]) -> dict[str, Any]:
    """What the pipeline would find in this message (see billing.py's routing)."""
    subject, text, sender = case.get("subject", ""), case["text"], case.get("from", "")
    found: dict[str, Any] = {}
    invoice_args = dict(sent=_sent(case), day_first=case.get("day_first", True))
    if case.get("direction", "in") == "out":
        found["invoice"] = find_invoice(subject, text, case.get("attachments", []), **invoice_args)
        return found
    tool = invoicing_tool(sender, subject)
    if tool and _names_client(case):
        found["invoice"] = find_invoice(subject, text, case.get("attachments", []), **invoice_args)
    found["payment_notice"] = find_payment_notice(sender, subject, text)
    if not tool and not sender_matches(sender, DEFAULT_PAYMENT_SENDERS):
        found["payment_claim"] = find_payment_claim(text)
    return found


def _labels(case: dict[str, Any]) -> set[str]:
    return {name for name, value in _run(case).items() if value is not None}


def _expected_value(raw: Any, kind: str) -> Any:
    if raw == "none":
        return None
    if kind == "amount":
        return Decimal(raw)
    return raw


def _extraction(cases: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
    """(fields right, fields checked, what was wrong) on the messages found as wanted."""
    right = checked = 0
    wrong: list[str] = []
    for case in cases:
        found = _run(case)
        checks: list[tuple[str, Any, Any]] = []
        invoice = found.get("invoice")
        if "invoice" in case["labels"] and invoice is not None:
            for field in ("number", "amount", "currency", "due"):
                if field in case:
                    checks.append(
                        (field, _expected_value(case[field], field), getattr(invoice, field))
                    )
        notice = found.get("payment_notice")
        if "payment_notice" in case["labels"] and notice is not None:
            if "numbers" in case:
                checks.append(("numbers", tuple(case["numbers"]), notice.numbers))
            for field in ("amount", "currency"):
                if field in case:
                    checks.append(
                        (field, _expected_value(case[field], field), getattr(notice, field))
                    )
            if "payer" in case:
                want = _expected_value(case["payer"], "payer")
                got = notice.payer
                same = (want is None and got is None) or (
                    want is not None
                    and got is not None
                    and (want.lower() in got.lower() or got.lower() in want.lower())
                )
                checks.append(("payer", want, got if not same else want))
        claim = found.get("payment_claim")
        if "payment_claim" in case["labels"] and claim is not None and "claim" in case:
            ok = case["claim"].lower() in claim.lower()
            checks.append(("claim", case["claim"], case["claim"] if ok else claim))
        for field, want, got in checks:
            checked += 1
            if want == got:
                right += 1
            else:
                wrong.append(f"{case['id']}: {field} {got!r}, wanted {want!r}")
    return right, checked, wrong


def _figures(title: str, cases: list[dict[str, Any]]) -> tuple[dict[str, Any], float]:
    scores = score(cases, _labels, CLASSES)
    report(title, scores, len(cases))
    right, checked, wrong = _extraction(cases)
    accuracy = right / checked if checked else 1.0
    print(f"  extraction: {right}/{checked} fields right ({accuracy:.3f})")
    for line in wrong:
        print(f"    {line}")
    return scores, accuracy


def test_labelled_set_precision_recall_and_extraction():
    tuned = [c for c in CASES if not c.get("heldout")]
    heldout = [c for c in CASES if c.get("heldout")]
    assert len(tuned) >= 60
    scores, accuracy = _figures("billing (tuned on)", tuned)
    if heldout:
        # The honest figures: written after the detector was frozen. Printed, not asserted.
        _figures("billing (held out)", heldout)
    for name in ("invoice", "payment_notice"):
        assert scores[name].precision >= 0.95, name
        assert scores[name].recall >= 0.95, name
    assert scores["payment_claim"].precision >= 0.9
    assert scores["payment_claim"].recall >= 0.9
    assert accuracy >= 0.9


# ---------------------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "amount", "currency"),
    [
        ("€1,200.00", "1200.00", "EUR"),
        ("1 200,00 €", "1200.00", "EUR"),
        ("1\u00a0200,00\u00a0€", "1200.00", "EUR"),
        ("1\u202f200,00 €", "1200.00", "EUR"),
        ("1.200,00 EUR", "1200.00", "EUR"),
        ("$950", "950", "USD"),
        ("950 $", "950", "USD"),
        ("CHF 1'200.–", "1200", "CHF"),
        ("Fr. 1'200.-", "1200", "CHF"),
        ("£1,250", "1250", "GBP"),
        ("12,50 €", "12.50", "EUR"),
        ("1.200 €", "1200", "EUR"),
        ("600 euros", "600", "EUR"),
        ("1200 eur", "1200", "EUR"),
        ("2,500 dollars", "2500", "USD"),
        ("750 CAD", "750", "CAD"),
        ("C$300", "300", "CAD"),
        ("CA$ 300", "300", "CAD"),
        ("USD 1,250.00", "1250.00", "USD"),
        ("$1,200.00 USD", "1200.00", "USD"),
        ("1,5 k€", "1500", "EUR"),
        ("1200.00", "1200.00", None),
    ],
)
def test_amount_formats(written, amount, currency):
    assert parse_amount(written) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    "text", ["", "INV-2026-031", "le 01/12/2026", "20 %", "call 06 12 34 56 78"]
)
def test_no_amount(text):
    assert parse_amount(text) is None


def test_amount_in_a_sentence_is_not_the_year_or_the_number():
    text = "Invoice INV-2026-031: amount due €1,200.00, due 1 December 2026"
    assert [(m.amount, m.currency) for m in find_amounts(text)] == [(Decimal("1200.00"), "EUR")]


# ---------------------------------------------------------------------------------------
# Invoices
# ---------------------------------------------------------------------------------------

SENT = datetime(2026, 11, 16, 9, 30)


def _invoice(subject="", text="", attachments=(), **kw):
    return find_invoice(subject, text, list(attachments), sent=kw.pop("sent", SENT), **kw)


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("Due date: 1 December 2026", date(2026, 12, 1)),
        ("Échéance : 01/12/2026", date(2026, 12, 1)),
        ("à régler avant le 1er décembre", date(2026, 12, 1)),
        ("$1,200.00 due December 1, 2026", date(2026, 12, 1)),
        ("Payable by 10.12.2026.", date(2026, 12, 10)),
        ("Date limite de paiement : 10/12/2026", date(2026, 12, 10)),
        ("Due date: 2026-12-15", date(2026, 12, 15)),
        ("payable au plus tard le 30 novembre 2026", date(2026, 11, 30)),
        ("Payment terms: 14 days", date(2026, 11, 30)),
        ("Terms: Net 30", date(2026, 12, 16)),
        ("payable à 30 jours fin de mois", date(2026, 12, 31)),
        ("Règlement à réception de facture.", date(2026, 11, 16)),
        ("Due on receipt.", date(2026, 11, 16)),
        ("tu peux me faire le virement d'ici le 5 décembre ?", date(2026, 12, 5)),
    ],
)
def test_due_dates_en_fr(phrase, due):
    found = _invoice("Invoice INV-2026-050", phrase, ["INV-2026-050.pdf"])
    assert found is not None
    assert found.due == due


def test_due_date_month_first_for_us_tools():
    text = "Invoice 1043\nDue 12/01/2026\nBalance due $1,800.00"
    assert _invoice("Invoice 1043", text, day_first=False).due == date(2026, 12, 1)
    # Read day first, the same line is 12 January: the owner's setting decides.
    assert _invoice("Invoice 1043", text).due == date(2026, 1, 12)


def test_no_due_date_from_a_quote_validity_or_the_late_fee_notice():
    text = (
        "Ci-joint la facture F-2026-14.\nTotal TTC : 1 800,00 €\n"
        "En cas de retard, une indemnité forfaitaire de 40 € sera due."
    )
    found = _invoice("Facture F-2026-14", text, ["Facture_F-2026-14.pdf"])
    assert found.amount == Decimal("1800.00")
    assert found.due is None


@pytest.mark.parametrize(
    ("subject", "attachments", "number", "source"),
    [
        ("Invoice INV-2026-031", [], "INV-2026-031", "subject"),
        ("Facture n° F-2026-12", [], "F-2026-12", "subject"),
        ("Invoice #1057 - October", [], "1057", "subject"),
        ("INV-2026-042", [], "INV-2026-042", "subject"),
        ("November", ["invoice_0042.pdf"], "0042", "attachment"),
        ("November", ["Facture_F-2026-12.pdf"], "F-2026-12", "attachment"),
        ("November", ["INV-2026-031.pdf"], "INV-2026-031", "attachment"),
        ("Invoice from Rivera Social #9F3C2B1A-0004", [], "9F3C2B1A-0004", "subject"),
        ("Facture novembre 2026", ["facture.pdf"], "", "subject"),
    ],
)
def test_invoice_numbers(subject, attachments, number, source):
    found = _invoice(subject, "", attachments)
    assert found is not None
    assert (found.number, found.source) == (number, source)


@pytest.mark.parametrize(
    ("subject", "text", "attachments"),
    [
        ("Devis n° D-2026-04", "Voici le devis.", ["Devis_D-2026-04.pdf"]),
        ("Quote Q-12", "Here's the quote: $1,400.", []),
        ("Pro-forma invoice PF-2026-02", "Here is the pro-forma.", ["PF-2026-02.pdf"]),
        ("Avoir n° A-2026-02", "Voici l'avoir.", ["Avoir_A-2026-02.pdf"]),
        ("Reminder: invoice INV-2026-031", "Just a friendly reminder.", []),
        ("Could you send me the invoice?", "Our accountant needs it.", []),
        ("Invoice attached?", "I can't find it?", []),
        ("5 tips to get your invoices paid faster", "Tip 1: send it early.", []),
        ("Your receipt from Canva #2123-4567", "Receipt from Canva €11.99", []),
        ("Re: Invoice INV-2026-031", "Thanks Emma, payment received!", []),
        ("Monthly report", "I'll send the invoice tomorrow.", ["Report.pdf"]),
    ],
)
def test_not_invoices(subject, text, attachments):
    assert _invoice(subject, text, attachments) is None


def test_patterns_from_config_extend_the_defaults():
    subject = "Rechnung RE-2026-7"
    assert _invoice(subject, "Anbei die Rechnung.") is None
    found = _invoice(subject, "Anbei die Rechnung.", patterns=["Rechnung"])
    assert found is not None and found.number == "RE-2026-7"
    # A pattern ending in "-" is how the owner's numbers start, found anywhere.
    found = _invoice("November", "", ["SMM-2026-11.pdf"], patterns=["SMM-"])
    assert found is not None and found.number == "SMM-2026-11"
    assert _invoice("November", "", ["SMM-2026-11.pdf"]) is None
    assert "invoice" in DEFAULT_INVOICE_PATTERNS and "facture" in DEFAULT_INVOICE_PATTERNS


def test_evidence_reads_well():
    found = _invoice("Invoice INV-2026-031 – November", "Amount due: €1,200.00", [])
    assert found.sentence == "Invoice INV-2026-031 – November"
    found = _invoice(
        "November retainer",
        "Hi Leo,\n\nPlease find attached invoice INV-2026-041 for November ($2,000).\n\nSam",
        ["November.pdf"],
    )
    assert found.source == "text"
    assert found.sentence == "Please find attached invoice INV-2026-041 for November ($2,000)."


# ---------------------------------------------------------------------------------------
# Senders and tools
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "senders", "matches"),
    [
        ("invoice+statements@stripe.com", ["stripe.com"], True),
        ("x@mail.stripe.com", ["stripe.com"], True),
        ("Stripe <notifications@stripe.com>", ["stripe.com"], True),
        ("billing@stripe-payouts.test", ["stripe.com"], False),
        ("x@notstripe.com", ["stripe.com"], False),
        ("service@paypal.fr", ["service@paypal.fr"], True),
        ("other@paypal.fr", ["service@paypal.fr"], False),
        ("SERVICE@PayPal.fr", ["service@paypal.fr"], True),
        ("x@qonto.com", ["@qonto.com"], True),
        ("", ["stripe.com"], False),
    ],
)
def test_sender_domain_matching(address, senders, matches):
    assert sender_matches(address, senders) is matches


def test_invoicing_tool_names():
    assert invoicing_tool("invoice+statements@stripe.com") == "Stripe"
    assert invoicing_tool("quickbooks@notification.intuit.com") == "QuickBooks"
    assert invoicing_tool("no-reply@pennylane.com") == "Pennylane"
    assert invoicing_tool("notifications@hellobonsai.com") == "Bonsai"
    assert invoicing_tool("emma@acme.test") is None
    assert invoicing_tool("sam@rivera-social.test", "Invoice 0042 (sent via Bonsai)") == "Bonsai"
    assert invoicing_tool("x@mytool.test", senders=["mytool.test"]) == "mytool.test"


# ---------------------------------------------------------------------------------------
# Payment notices and claims
# ---------------------------------------------------------------------------------------


def test_payment_senders_are_configurable():
    args = ("alerts@mybank.test", "Virement reçu", "Vous avez reçu un virement de 600,00 €.")
    assert find_payment_notice(*args) is None
    notice = find_payment_notice(*args, senders=["mybank.test"])
    assert notice is not None and notice.amount == Decimal("600.00")


def test_probable_payment_has_no_number():
    notice = find_payment_notice(
        "no-reply@revolut.com", "Money received", "You received €975.00 from GRACE O'NEILL"
    )
    assert notice.numbers == ()
    assert (notice.amount, notice.currency, notice.payer) == (
        Decimal("975.00"),
        "EUR",
        "GRACE O'NEILL",
    )


@pytest.mark.parametrize(
    "text",
    [
        "I've just paid invoice INV-2026-031.",
        "Payment sent!",
        "c'est réglé !",
        "Virement effectué ce matin.",
        "je viens de faire le virement",
        "Have you received my payment?",
    ],
)
def test_claims(text):
    assert find_payment_claim(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "I will pay on Friday.",
        "When is payment due?",
        "On vous paiera la semaine prochaine.",
        "I haven't paid yet.",
        "Could you send me the invoice?",
        "Le paiement sera effectué à réception.",
    ],
)
def test_not_claims(text):
    assert find_payment_claim(text) is None


# ---------------------------------------------------------------------------------------
# mentions_invoice
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "text", "number", "mentioned"),
    [
        ("Reminder: invoice INV-2026-031", "", "INV-2026-031", True),
        ("Quick nudge", "about inv 2026 031, due today", "INV-2026-031", True),
        ("", "Facture F-2026-12 échue", "F-2026-12", True),
        ("", "Facture F-2026-120 échue", "F-2026-12", False),
        ("", "Invoice #42 is overdue", "0042", True),
        ("", "We posted 42 reels", "0042", False),
        ("", "Total 1043 € for invoice 1044", "1043", False),
        ("Re: Invoice 1043", "", "1043", True),
        ("", "Deadline 2026-12-01", "2026-12", False),
        ("", "", "", False),
    ],
)
def test_mentions_invoice(subject, text, number, mentioned):
    assert mentions_invoice(subject, text, number) is mentioned


@given(st.text(alphabet=st.sampled_from("aZ` 'é’ÉœŒ\u00a0\u2011İẞﬁ1.-"), max_size=40) | st.text())
def test_folding_by_runs_is_folding_each_character(text):
    from mailwatch.detect.billing import _fold, _fold_char

    one_by_one = text.lower() if text.isascii() else "".join(_fold_char(c) for c in text)
    assert _fold(text) == one_by_one
    assert len(_fold(text)) == len(text)  # matches slice the original at the same offsets
