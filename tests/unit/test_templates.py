"""Every built-in template renders, in both languages, and reads as a letter."""

from datetime import UTC, datetime

import pytest

from mailwatch.drafts.render import Renderer, TemplateProblem

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


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(
    ("kind", "step"), [("follow_up", 1), ("follow_up", 2), ("follow_up", 3), ("pause_notice", None)]
)
def test_renders_as_a_letter(language, kind, step):
    text = Renderer().render(language, kind, {**BASE, "step": step}, timezone="Europe/Paris")
    lines = text.splitlines()
    assert lines[0] == ("Hi Jane," if language == "en" else "Bonjour Jane,")
    assert lines[1] == ""  # a blank line after the greeting
    assert lines[-1] == "Sam Rivera — Rivera Social"
    assert "{" not in text and "  " not in text
    assert "\n\n\n" not in text
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
    with pytest.raises(TemplateProblem, match="could not be filled in"):
        Renderer(tmp_path).render("en", "follow_up", {**BASE, "step": 1})


def test_templates_cannot_reach_into_python(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "follow_up.txt.j2").write_text("{{ owner.__class__.__mro__ }}\n")
    with pytest.raises(TemplateProblem):
        Renderer(tmp_path).render("en", "follow_up", {**BASE, "step": 1})
