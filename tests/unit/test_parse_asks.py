"""asks_something: does our own message ask the client for something?"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailwatch.parse import REQUEST_PHRASES_EN, REQUEST_PHRASES_FR, asks_something


@pytest.mark.parametrize(
    "text",
    [
        "Could you send the logo?",
        "Could you send the logo.",
        "Can you confirm the date",
        "Please send the photos by Friday.",
        "Please confirm the quote.",
        "Let me know what you think.",
        "I need the final texts before Monday.",
        "Waiting for your feedback on the mockups.",
        "Looking forward to your approval.",
        "Ready for review ?",
        "What do you think?!",
        "(is that ok?)",
    ],
)
def test_asks_in_english(text):
    assert asks_something(text)


@pytest.mark.parametrize(
    "text",
    [
        "Merci de me renvoyer le visuel.",
        "Merci de le valider avant jeudi.",
        "Pouvez-vous valider la maquette.",
        "Pouvez vous valider la maquette.",
        "Pourriez-vous m'envoyer les textes.",
        "Peux-tu regarder ça.",
        "Pourrais-tu me dire.",
        "Dites-moi si ça vous va.",
        "Tenez-moi au courant.",
        "J'attends votre retour.",
        "J’attends votre retour.",  # curly apostrophe
        "J’ATTENDS VOTRE RETOUR.",
        "Dans l'attente de votre validation.",
        "Qu'en pensez-vous",
        "C'est bon pour vous ?",  # French spacing before "?"
        "Nous avons besoin du logo en vectoriel.",
    ],
)
def test_asks_in_french(text):
    assert asks_something(text)


@pytest.mark.parametrize(
    "text",
    [
        "Here is the report.",
        "",
        "   \n ",
        "See https://x.test/?a=1 for details.",
        "The page is at x.test/page?id=2 now.",
        "Thanks for your feedback!",
        "Thank you for your approval.",
        "Merci de votre message.",
        "Merci de la réponse rapide.",
        "Merci d'avance.",
        "Merci de m'avoir répondu.",
        "Merci pour votre retour.",
        "Voici la facture de mars.",
        "I can. You should see it tomorrow.",  # no phrase across a sentence end
        "Scanned?id=3",
    ],
)
def test_does_not_ask(text):
    assert not asks_something(text)


def test_phrases_respect_word_boundaries():
    assert not asks_something("The scan you sent is fine.")  # "can you" inside "scan you"
    assert not asks_something("Hi needham team.")


def test_accents_do_not_matter():
    assert asks_something("Il me faudrait le fichier.")
    assert asks_something("j attends votre retour".replace("j ", "j'"))
    assert asks_something("VOTRE VALIDATION est requise.")
    assert asks_something("Votre validation est requise.".replace("a", "à", 1))


def test_extra_phrases_from_config_extend_the_lists():
    # "Send over the files." is an imperative the detector now reads as a request; an
    # owner's own idiom is what the config phrases are for.
    assert not asks_something("Over to you for the texts.")
    assert asks_something("Over to you for the texts.", ["over to you"])
    assert asks_something("Envoyez-moi le lien.", ("envoyez-moi",))


def test_builtin_lists_are_exported_and_each_phrase_triggers():
    assert "could you" in REQUEST_PHRASES_EN and "merci de" in REQUEST_PHRASES_FR
    for phrase in (*REQUEST_PHRASES_EN, *REQUEST_PHRASES_FR):
        assert asks_something(f"Bonjour. {phrase} faire ceci."), phrase


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000), st.lists(st.text(max_size=20), max_size=3))
def test_never_raises(text, extra):
    assert asks_something(text, extra) in (True, False)


def test_linear_on_hostile_text():
    start = time.perf_counter()
    for text in ("a." * 4000, "_" * 8000, "http://x/" + "?a" * 4000, "é" * 8000):
        asks_something(text)
    assert time.perf_counter() - start < 1.0
