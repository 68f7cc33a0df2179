"""Does our own message ask the client for something (feedback, approval, content, a date)?

Used on the owner's sent mail, quotes already stripped: an unanswered message that asks
something is what the follow-up rules chase. A heuristic on purpose: a question mark
outside URLs, or a request phrase from the lists below (English and French, case- and
accent-insensitive, straight or curly apostrophes, hyphen or space in "pouvez-vous").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

__all__ = ["REQUEST_PHRASES_EN", "REQUEST_PHRASES_FR", "asks_something"]

REQUEST_PHRASES_EN: tuple[str, ...] = (
    "could you",
    "can you",
    "would you",
    "will you",
    "could we",
    "can we",
    "would it be possible",
    "is it possible",
    "are you able to",
    "do you have",
    "please send",
    "please confirm",
    "please review",
    "please approve",
    "please provide",
    "please share",
    "please advise",
    "please check",
    "please sign",
    "please reply",
    "please get back",
    "let me know",
    "let us know",
    "get back to me",
    "i need",
    "we need",
    "i'd need",
    "i would need",
    "waiting for your",
    "awaiting your",
    "looking forward to your",
    "look forward to your",
    "your feedback",
    "your approval",
    "your confirmation",
    "your thoughts",
    "your input",
    "your comments",
    "your go-ahead",
    "kindly",
)

REQUEST_PHRASES_FR: tuple[str, ...] = (
    "pouvez-vous",
    "pourriez-vous",
    "pourrais-tu",
    "peux-tu",
    "auriez-vous",
    "aurais-tu",
    "avez-vous",
    "as-tu",
    "voudriez-vous",
    "voulez-vous",
    "serait-il possible",
    "est-il possible",
    "merci de",
    "merci d'",
    "veuillez",
    "dites-moi",
    "dis-moi",
    "tenez-moi au courant",
    "tiens-moi au courant",
    "confirmez-moi",
    "confirme-moi",
    "j'attends votre",
    "j'attends vos",
    "j'attends ton",
    "j'attends tes",
    "dans l'attente de votre",
    "dans l'attente de ton",
    "je reste dans l'attente",
    "j'ai besoin",
    "nous avons besoin",
    "il me faudrait",
    "il me faut",
    "votre retour",
    "vos retours",
    "ton retour",
    "tes retours",
    "votre validation",
    "ta validation",
    "votre accord",
    "ton accord",
    "votre avis",
    "ton avis",
    "votre confirmation",
    "qu'en pensez-vous",
    "qu'en penses-tu",
)

# "Merci de votre message" thanks, "Merci de me renvoyer le visuel" asks: after
# "merci de/d'", a determiner or "avoir" means thanks, a verb means a request.
_THANKS_OBJECTS = frozenset(
    [
        "votre",
        "vos",
        "ton",
        "ta",
        "tes",
        "la",
        "le",
        "les",
        "l'",
        "cette",
        "ce",
        "cet",
        "tout",
        "toute",
        "avoir",
        "avance",
        "rien",
    ]
)
# "Thanks for your feedback" / "merci pour votre retour" acknowledge, they do not ask.
_THANKS_BEFORE = frozenset(
    {
        ("thanks", "for"),
        ("you", "for"),
        ("lot", "for"),
        ("merci", "pour"),
        ("merci", "de"),
        ("beaucoup", "pour"),
        ("beaucoup", "de"),
    }
)
_ARTICLES = frozenset({"le", "la", "les", "l'"})
_INFINITIVE_ENDINGS = ("er", "ir", "re", "oir")
_POSSESSIVES = frozenset({"your", "votre", "vos", "ton", "ta", "tes"})
# Words (an elided "d'", "j'", "qu'" keeps its apostrophe) and sentence punctuation, which
# stays in the token list so that no phrase matches across two sentences.
_TOKEN = re.compile(r"[^\W_]+'?|[.!?;:,()\n]")
# A "?" that ends a sentence: at the end of a word, maybe before closing punctuation.
_QUESTION_END = re.compile(r"\?+[)\]\"'»”.!,;:]*$")
_URL_START = ("http:", "https:", "ftp:", "www.", "mailto:")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})


def _normalise(text: str) -> str:
    """Lower-case, accents removed, apostrophes straightened."""
    text = text.translate(_APOSTROPHES).lower()
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return text


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@lru_cache(maxsize=32)
def _phrase_index(extra: tuple[str, ...]) -> dict[str, list[tuple[str, ...]]]:
    """Phrases as token tuples, indexed by their first token: matching is then one pass
    over the words of the text, linear whatever the text is."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in (*REQUEST_PHRASES_EN, *REQUEST_PHRASES_FR, *extra):
        words = tuple(t for t in _tokens(_normalise(phrase)) if t[0].isalnum())
        if words:
            index.setdefault(words[0], []).append(words)
    return index


def asks_something(own_text: str, extra_phrases: Sequence[str] = ()) -> bool:
    """True when the text asks a question or contains a request phrase."""
    text = _normalise(own_text or "")
    if not text.strip():
        return False
    if any(_is_question(word) for word in text.split() if "?" in word):
        return True
    index = _phrase_index(tuple(p for p in extra_phrases if isinstance(p, str)))
    tokens = _tokens(text)
    for i, token in enumerate(tokens):
        for words in index.get(token, ()):
            end = i + len(words)
            if tuple(tokens[i:end]) == words and _counts(tokens, i, end):
                return True
    return False


def _is_question(word: str) -> bool:
    """A "?" ending a word; not one inside a URL's query ("https://x.test/?a=1",
    "x.test/page?id=2")."""
    if word.startswith(_URL_START) or "://" in word:
        return False
    head = word.split("?", 1)[0]
    if "/" in head and "." in head:
        return False
    return _QUESTION_END.search(word) is not None


def _counts(tokens: list[str], start: int, end: int) -> bool:
    first = tokens[start]
    if first == "merci" and end - start == 2 and tokens[start + 1] in ("de", "d'"):
        following = tokens[end : end + 2]
        if following[:1] and following[0] in _ARTICLES and len(following) == 2:
            # "merci de la réponse" thanks; "merci de la relire" (a pronoun before an
            # infinitive) asks.
            return following[1].endswith(_INFINITIVE_ENDINGS)
        if following[:1] and following[0] in _THANKS_OBJECTS:
            return False
        return not (len(following) == 2 and following[1] == "avoir")  # "m'avoir"
    if first in _POSSESSIVES and start >= 2:
        return (tokens[start - 2], tokens[start - 1]) not in _THANKS_BEFORE
    return True
