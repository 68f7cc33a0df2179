"""Every built-in template renders, in both languages, with every sample, and reads as
a letter; French typography; tu and vous; amounts and dates in the client's language;
`check_templates` and `mailwatch check-config` catch a broken user template."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailwatch.drafts.render import Helpers, Renderer, TemplateProblem, french_spacing
from mailwatch.drafts.samples import LANGUAGES, SAMPLES, check_templates, in_language
from mailwatch.errors import ConfigError

NBSP = "\u00a0"
PARIS = "Europe/Paris"

OWNER = {
    "name": "Sam Rivera",
    "business": "Rivera Social",
    "signature": "Sam Rivera — Rivera Social",
}
BASE = {
    "contact_name": "Jane",
    "client_name": "Acme Bakery",
    "subject": "December content calendar",
    "asked_on": datetime(2026, 11, 2, 9, tzinfo=UTC),
    "last_follow_up_on": datetime(2026, 11, 9, 9, tzinfo=UTC),
    "days_waiting": 17,
    "business_days_waiting": 12,
    "follow_ups_sent": 2,
    "days_silent": 15,
    "notice_days": 30,
    "total_steps": 3,
    "owner": OWNER,
}

CASES = [
    pytest.param(kind, language, n, id=f"{kind}-{language}-{n + 1}")
    for kind, samples in SAMPLES.items()
    for language in LANGUAGES
    for n in range(len(samples))
]
FRENCH = [
    pytest.param(kind, n, id=f"{kind}-{n + 1}")
    for kind, samples in SAMPLES.items()
    for n in range(len(samples))
]
CLOSINGS = {
    "en": ("Best regards,", "Regards,"),
    "fr": ("Bien cordialement,", "À bientôt,", "Cordialement,"),
}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def _context(kind: str, language: str, n: int, **change: object) -> dict:
    return {**in_language(SAMPLES[kind][n], language), **change}


def _render(renderer: Renderer, kind: str, language: str, n: int, **change: object) -> str:
    return renderer.render(language, kind, _context(kind, language, n, **change), timezone=PARIS)


def _unquoted(text: str) -> str:
    """The draft's own words: what is inside « » or "" is someone else's."""
    return re.sub(r'«[^»]*»|"[^"]*"', "", text)


# -- every sample reads as a letter --------------------------------------------------------


@pytest.mark.parametrize(("kind", "language", "n"), CASES)
def test_every_sample_reads_as_a_letter(renderer, kind, language, n):
    context = _context(kind, language, n)
    _assert_letter(_render(renderer, kind, language, n), kind, language, context)


def _assert_letter(text: str, kind: str, language: str, context: dict) -> None:
    lines = text.splitlines()
    name = context["contact_name"]
    hello = {"en": f"Hi {name}," if name else "Hello,", "fr": f"Bonjour {name},".replace(" ,", ",")}
    assert lines[0] == hello[language]
    assert lines[1] == "" and lines[2]  # a blank line after the greeting, then the letter
    signature = context["owner"]["signature"].splitlines()
    assert lines[-len(signature) :] == signature  # the signature comes last
    assert lines[-len(signature) - 1] in CLOSINGS[language]
    assert lines[-len(signature) - 2] == ""
    assert text.endswith("\n") and not text.endswith("\n\n")
    for bad in ("{", "}", "  ", "None", "\n\n\n", "Undefined", " .", " ,", "..", ",."):
        assert bad not in text, f"{bad!r} in:\n{text}"
    quote = kind == "confirmation" and context["verdict"] == "quote"
    assert ("[PRICE]" in text) == quote, text
    assert len(text) < 2000, "a draft should be brief"


@pytest.mark.parametrize(("kind", "n"), FRENCH)
@pytest.mark.parametrize("formality", ["vous", "tu"])
def test_french_typography(renderer, kind, n, formality):
    _assert_french(_render(renderer, kind, "fr", n, formality=formality))


def _assert_french(text: str) -> None:
    # A non-breaking space before ; : ? ! that end a word (not in "https://" or "?lang").
    assert not re.search(r"[^\u00a0\u202f]([;:?!])(?=\s|$)", text), text
    assert not re.search(r"«[^\u00a0]|[^\u00a0]»", text), text
    # "1er" for the first of the month, never "1 novembre".
    months = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
    assert not re.search(rf"(?<!\d)1 ({months})", text), text


def _own_words(text: str, context: dict) -> str:
    """The template's words only: without quotes, nor the text a person wrote (the
    owner's summary of a call is written for one formality, whatever the sample's)."""
    for value in context.values():
        if isinstance(value, str) and len(value) > 20:
            text = text.replace(value[0].upper() + value[1:], "").replace(value, "")
    return _unquoted(text)


@pytest.mark.parametrize(("kind", "n"), FRENCH)
def test_tu_and_vous_are_two_letters(renderer, kind, n):
    context = _context(kind, "fr", n)
    tu = _own_words(_render(renderer, kind, "fr", n, formality="tu"), context)
    vous = _own_words(_render(renderer, kind, "fr", n, formality="vous"), context)
    assert tu != vous
    assert not re.search(r"\b(vous|votre|vos)\b", tu, re.IGNORECASE), tu
    assert not re.search(r"\b(tu|ton|ta|tes|toi|te)\b", vous, re.IGNORECASE), vous


EDGES = [
    # the last step of a two-step ladder takes the firm wording; a middle step of five
    ("follow_up", 0, {"step": 2, "total_steps": 2}, "I haven't heard back yet"),
    ("follow_up", 0, {"step": 3, "total_steps": 5, "ask_what": "other"}, "following up"),
    ("follow_up", 0, {"asked_by": datetime(2026, 11, 6, 23, 30, tzinfo=UTC)}, "Saturday 7"),
    (
        "payment_reminder",
        2,
        {"invoices": [{**SAMPLES["payment_reminder"][0]["invoices"][0], "amount_paid": None}]},
        "",
    ),
    ("payment_reminder", 2, {"late_fee_percent": None}, "one-time late fee of €105.00"),
    ("payment_reminder", 2, {"late_fee": None}, "late fee of 15% of the amount due applies"),
    ("final_notice", 0, {"reminder_dates": []}, "I have sent you reminders, and"),
    ("confirmation", 0, {"sentence": ""}, "Thank you for your message.\n"),
    ("confirmation", 8, {"sentence": ""}, "A monthly newsletter."),
    ("confirmation", 5, {"revision_round": None, "revisions_allowed": None}, "round: €60.00."),
    ("confirmation", 0, {"verdict": "addon", "price": 150.0, "per": None}, "€150.00."),
    ("scope_note", 0, {"package": {}}, "is not part of your current package.\n"),
    ("holding_reply", 0, {"primary_email": ""}, "Email remains"),
    ("delay", 0, {"reason": "  "}, "to deliver the December content calendar. I'm"),
]


@pytest.mark.parametrize(("kind", "n", "change", "expected"), EDGES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_edge_contexts_still_read_well(renderer, kind, n, change, expected, language):
    context = _context(kind, language, n, **change)
    text = renderer.render(language, kind, context, timezone=PARIS)
    _assert_letter(text, kind, language, context)
    if language == "en":
        assert expected in text, text
    else:
        _assert_french(text)


def test_english_ignores_formality(renderer):
    for kind in SAMPLES:
        assert _render(renderer, kind, "en", 0, formality="tu") == _render(
            renderer, kind, "en", 0, formality="vous"
        )


# -- what each kind must say ---------------------------------------------------------------


def test_follow_up_restates_the_request_and_the_date(renderer):
    en = _render(renderer, "follow_up", "en", 0)
    assert 'I had asked: "Could you approve the December calendar by Friday?"' in en
    assert "your approval by Friday 6 November" in en
    assert "about my message" not in en  # the old "about my message ... about ..."
    fr = _render(renderer, "follow_up", "fr", 0)
    question = (
        f"«{NBSP}Pourriez-vous valider le calendrier de décembre d'ici vendredi{NBSP}?{NBSP}»"
    )
    assert f"Je vous demandais{NBSP}: {question}" in fr
    assert "votre validation d'ici le vendredi 6 novembre" in fr


def test_follow_up_without_the_asking_sentence(renderer):
    text = _render(renderer, "follow_up", "en", 2)  # ask_sentence None, asked_by given
    assert "I had asked" not in text and "your feedback by Friday 6 November" in text
    bare = _render(renderer, "follow_up", "en", 4)  # nothing known: no subject either
    assert "I had asked" not in bare and "hoping" not in bare and '""' not in bare


def test_follow_up_wording_fixed_on_review(renderer):
    step2 = _render(renderer, "follow_up", "en", 2)
    assert "each day's delay moves delivery by a day" in step2
    assert "by as much" not in step2
    fr = "".join(_render(renderer, "follow_up", "fr", n) for n in range(len(SAMPLES["follow_up"])))
    assert "à nouveau" not in fr and "Je me permets de vous relancer" in fr


def test_the_asking_sentence_is_tidied_when_quoted_mid_paragraph(renderer):
    text = _render(renderer, "follow_up", "en", 1)  # "can you send me the photos..." (no "?")
    assert '"Can you send me the photos of the new cakes."' in text
    fr = _render(renderer, "follow_up", "fr", 1)  # "...gâteaux?" typed without a space
    assert f"gâteaux{NBSP}?{NBSP}»" in fr


def test_pause_notice_names_the_work_it_pauses(renderer):
    en = _render(renderer, "pause_notice", "en", 0)
    assert 'pausing the work on "December content calendar" from today' in en
    assert "The rest of my work for you continues" in en
    fr = _render(renderer, "pause_notice", "fr", 0)
    assert f"le travail sur «{NBSP}Calendrier de décembre{NBSP}»" in fr
    assert "Sans votre retour" in fr and "réalisation" not in fr and "Sans elle" not in fr


def test_payment_reminder_first_is_face_saving_and_quotes_no_fee(renderer):
    for n in (0, 1):  # step 1, one and two invoices (the second with a fee in the contract)
        text = _render(renderer, "payment_reminder", "en", n)
        assert "may simply have been missed" in text
        assert "late fee" not in text
        assert "frais de retard" not in _render(renderer, "payment_reminder", "fr", n)


def test_payment_reminder_later_steps_quote_the_late_fee_once(renderer):
    en = _render(renderer, "payment_reminder", "en", 2)
    assert "a one-time late fee of 15% of the amount due now applies: €105.00" in en
    assert "€500.00 of it" in en and "€700.00 is still due" in en
    fr = _render(renderer, "payment_reminder", "fr", 2)
    assert f"15{NBSP}% du montant dû" in fr and f"105,00{NBSP}€" in fr and "une seule fois" in fr
    no_fee = _render(renderer, "payment_reminder", "en", 4)
    assert "late fee" not in no_fee


def test_several_invoices_are_named_in_one_mail(renderer):
    text = _render(renderer, "payment_reminder", "en", 3)
    assert "INV-2026-009" in text and "INV-2026-011" in text
    assert "(31 days overdue)" in text and "€2,400.00 in total" in text
    fr = _render(renderer, "payment_reminder", "fr", 3)
    assert f"2\u202f400,00{NBSP}€ au total" in fr and "jeudi 1er octobre" in fr


def test_payment_instructions_or_the_invoice(renderer):
    assert "IBAN FR76" in _render(renderer, "payment_reminder", "en", 0)
    assert "The payment details are on the invoice." in _render(
        renderer, "payment_reminder", "en", 3
    )
    link = _render(renderer, "payment_reminder", "fr", 1)
    assert "https://pay.rivera.social/i/INV-2026-011?lang=fr" in link  # a URL left alone


def test_payment_pause_and_final_notice_and_resume(renderer):
    pause = _render(renderer, "payment_pause_notice", "en", 0)
    assert "pausing my work for you from Monday 2 November" in pause
    assert "no posts" in pause and "monthly report" in pause and "right away" in pause
    final = _render(renderer, "final_notice", "en", 0)
    assert "Sunday 1 November, Sunday 8 November and Sunday 15 November" in final
    assert "collection agency" in final and "small claims" in final and "on record" in final
    assert "by Friday 27 November" in final and "€360.00" in final
    final_fr = _render(renderer, "final_notice", "fr", 0)
    assert "le dimanche 1er novembre, le dimanche 8 novembre et le dimanche 15 novembre" in final_fr
    resume = _render(renderer, "resume_notice", "fr", 1)
    assert "F-0042 et INV-2026-011" in resume and "mardi 1er décembre" in resume


def test_confirmation_verdicts(renderer):
    included = _render(renderer, "confirmation", "en", 0)
    assert "post on TikTok, from Tuesday 1 December" in included
    assert "included in your package" in included
    addon = _render(renderer, "confirmation", "en", 1)
    assert 'the "extra channel" add-on, at €150.00 per month' in addon
    per_unit = _render(renderer, "confirmation", "en", 3)
    assert "€40.00 each (€160.00 for 4)" in per_unit
    quote = _render(renderer, "confirmation", "fr", 2)
    assert "[PRICE]" in quote


def test_confirmation_revision_past_the_allowance(renderer):
    en = _render(renderer, "confirmation", "en", 5)
    assert "revision round 3 this month, and your package includes 2" in en
    assert "an extra round is €60.00." in en
    fr = _render(renderer, "confirmation", "fr", 5)
    assert "la 3e série de retouches ce mois-ci, et ton forfait en comprend 2" in fr
    assert f"60,00{NBSP}€" in fr
    within = _render(renderer, "confirmation", "en", 4)
    assert "round 2 of the 2 included" in within


def test_confirmation_of_a_call(renderer):
    text = _render(renderer, "confirmation", "en", 8)
    assert text.startswith("Hi Léa,\n\nFollowing our call on Tuesday 1 December")
    assert "one newsletter a month" in text and "Thank you for your message" not in text
    undated = _render(renderer, "confirmation", "en", 9)
    assert "Following our call, here is" in undated


def test_scope_note_lists_the_package_and_the_add_on(renderer):
    text = _render(renderer, "scope_note", "en", 0)
    assert (
        "- posting on Instagram and Facebook\n- 3 posts a week\n- 2 revision rounds a month" in text
    )
    assert 'The "extra channel" add-on would cover it, at €150.00 per month.' in text
    no_addon = _render(renderer, "scope_note", "fr", 2)
    assert "devis" in no_addon


def test_holding_reply_and_delay(renderer):
    moved = _render(renderer, "holding_reply", "en", 0)
    assert "by Thursday 5 November" in moved and "jane@acmebakery.com" in moved
    same = _render(renderer, "holding_reply", "en", 1)
    assert "new address" not in same
    delay = _render(renderer, "delay", "fr", 0)
    assert "Il me faudra jusqu'au jeudi 12 novembre pour livrer le calendrier de décembre." in delay
    assert "Les photos de la séance sont arrivées plus tard que prévu." in delay


# -- helpers -------------------------------------------------------------------------------


def test_day_and_date_in_the_client_language_and_zone():
    fr = Helpers("fr", __import__("zoneinfo").ZoneInfo(PARIS))
    en = Helpers("en", __import__("zoneinfo").ZoneInfo(PARIS))
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already 1 December in Paris
    assert fr.day(late) == "mardi 1er décembre"
    assert en.day(late) == "Tuesday 1 December"
    assert fr.day(date(2026, 11, 2)) == "lundi 2 novembre"
    assert fr.date(date(2026, 12, 1)) == "1er décembre 2026"
    assert en.date("2026-12-01") == "1 December 2026"
    assert fr.days([date(2026, 11, 1), date(2026, 11, 8)], "le ") == (
        "le dimanche 1er novembre et le dimanche 8 novembre"
    )


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", Decimal("1200"), "EUR", "€1,200.00"),
        ("fr", Decimal("1200"), "EUR", "1\u202f200,00\u00a0€"),
        ("en", 99.5, "GBP", "£99.50"),
        ("fr", "450.5", "EUR", "450,50\u00a0€"),
        ("en", "1200", "CHF", "CHF\u00a01,200.00"),
    ],
)
def test_money_by_locale(language, amount, currency, expected):
    assert Helpers(language, __import__("zoneinfo").ZoneInfo(PARIS)).money(amount, currency) == (
        expected
    )


def test_percent_and_count():
    fr = Helpers("fr", __import__("zoneinfo").ZoneInfo(PARIS))
    en = Helpers("en", __import__("zoneinfo").ZoneInfo(PARIS))
    assert fr.percent(15.0) == "15\u00a0%" and en.percent(12.5) == "12.5%"
    assert fr.count(1, "jour", "jours") == "1 jour" and fr.count(0, "jour", "jours") == "0 jour"
    assert en.count(0, "day", "days") == "0 days"


def test_french_spacing_leaves_links_and_times_alone():
    text = "Lien : https://x.fr/p?a=1 à 10:00. Vraiment?! « ok » Note:"
    assert french_spacing(text) == (
        "Lien\u00a0: https://x.fr/p?a=1 à 10:00. Vraiment\u00a0?! «\u00a0ok\u00a0» Note\u00a0:"
    )


# -- the renderer (as before) --------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(
    ("kind", "step"), [("follow_up", 1), ("follow_up", 2), ("follow_up", 3), ("pause_notice", None)]
)
def test_a_context_without_the_new_optional_entries_still_renders(language, kind, step):
    """Rules that do not pass formality, ask_sentence, ask_what or asked_by yet."""
    text = Renderer().render(language, kind, {**BASE, "step": step}, timezone=PARIS)
    lines = text.splitlines()
    assert lines[0] == ("Hi Jane," if language == "en" else "Bonjour Jane,")
    assert lines[1] == ""
    assert lines[-1] == "Sam Rivera — Rivera Social"
    assert "{" not in text and "  " not in text and "\n\n\n" not in text
    day = "Monday 2 November" if language == "en" else "lundi 2 novembre"
    assert day in text


def test_unknown_contact_gets_a_neutral_greeting():
    text = Renderer().render("en", "follow_up", {**BASE, "contact_name": "", "step": 1})
    assert text.startswith("Hello,\n\n")


def test_user_template_folder_overrides_a_builtin(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "follow_up.txt.j2").write_text("Hey {{ contact_name }}, any news?\n")
    text = Renderer(tmp_path).render("en", "follow_up", {**BASE, "step": 1})
    assert text == "Hey Jane, any news?\n"
    # Files the user did not override still come from the built-in set.
    assert "Jane" in Renderer(tmp_path).render("en", "pause_notice", BASE)


def test_a_misspelt_variable_is_an_error_not_a_blank(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "follow_up.txt.j2").write_text("Hi {{ contact_nmae }}\n")
    with pytest.raises(TemplateProblem, match="could not be filled in") as caught:
        Renderer(tmp_path).render("en", "follow_up", {**BASE, "step": 1})
    assert caught.value.file == str(tmp_path / "en" / "follow_up.txt.j2")
    assert caught.value.line == 1


def test_templates_cannot_reach_into_python(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "follow_up.txt.j2").write_text("{{ owner.__class__.__mro__ }}\n")
    with pytest.raises(TemplateProblem):
        Renderer(tmp_path).render("en", "follow_up", {**BASE, "step": 1})


# -- check_templates and check-config ------------------------------------------------------


def test_the_built_in_templates_pass_the_check():
    assert check_templates(Renderer()) == []


def test_check_templates_names_the_broken_file_once(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "fr").mkdir()
    # A broken partial breaks every English kind: one problem naming them all.
    (tmp_path / "en" / "_greeting.txt.j2").write_text("Hi {{ contact_nmae }},\n")
    (tmp_path / "fr" / "delay.txt.j2").write_text("{% if reason %}\nOups\n")  # no endif
    (tmp_path / "fr" / "payment_reminder.txt.j2").write_text("{{ total_due + 'x' }}\n")
    problems = check_templates(Renderer(tmp_path))
    by_file = {Path(p.file).relative_to(tmp_path).as_posix(): p for p in problems}
    assert set(by_file) == {"en/_greeting.txt.j2", "fr/delay.txt.j2", "fr/payment_reminder.txt.j2"}
    greeting = by_file["en/_greeting.txt.j2"]
    assert greeting.key == "every en draft"
    assert "contact_nmae" in greeting.what and "delete it" in greeting.fix
    assert by_file["fr/delay.txt.j2"].key == "delay/fr"
    assert "endif" in by_file["fr/delay.txt.j2"].what
    assert "TypeError" in by_file["fr/payment_reminder.txt.j2"].what


def _config(tmp_path: Path, templates: Path) -> Path:
    from mailwatch.config.init import init_directory

    init_directory(tmp_path / "mw")
    config = tmp_path / "mw" / "config.toml"
    text = config.read_text()
    assert 'dir = ""' in text
    config.write_text(text.replace('[templates]\ndir = ""', f'[templates]\ndir = "{templates}"'))
    return config


def test_check_config_reports_a_broken_user_template(tmp_path):
    from mailwatch.cli.main import cli

    mine = tmp_path / "my-templates"
    (mine / "fr").mkdir(parents=True)
    (mine / "fr" / "follow_up.txt.j2").write_text("Bonjour {{ contact_name }\n")
    config = _config(tmp_path, mine)
    result = CliRunner().invoke(cli, ["--config", str(config), "check-config", "--offline"])
    assert isinstance(result.exception, ConfigError), result.output
    [problem] = result.exception.problems
    assert problem.file == str(mine / "fr" / "follow_up.txt.j2")
    assert problem.key == "follow_up/fr"
    assert "The configuration has 1 problem" in str(result.exception)


def test_check_config_passes_with_a_good_user_template(tmp_path):
    from mailwatch.cli.main import cli

    mine = tmp_path / "my-templates"
    (mine / "en").mkdir(parents=True)
    (mine / "en" / "delay.txt.j2").write_text(
        "Hi {{ contact_name }},\n\nI'll deliver {{ what }} on {{ day(new_date) }}.\n"
    )
    config = _config(tmp_path, mine)
    result = CliRunner().invoke(cli, ["--config", str(config), "check-config", "--offline"])
    assert result.exit_code == 0, result.output
    assert "The configuration is valid." in result.output
