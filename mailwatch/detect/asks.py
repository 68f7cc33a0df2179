"""Does the owner's message ask the client for something the work depends on?

The follow-up rules chase only messages that ask (PLAYBOOK: feedback, approval,
content, access, a date, a decision). So this detector must say yes to "Could you
approve the calendar by Friday?" and no to a monthly report that ends with "Let me
know if you have any questions": a courtesy closing or an offer of help asks for
nothing, and chasing a client about every report is the mistake it exists to avoid.

How it reads a message, sentence by sentence (`mailwatch.detect.text.sentences`):

1. Only the owner's own words count: lines quoted with ">" and everything after an
   "On ... wrote:" / "Le ... a écrit :" line, an Outlook "From: / Sent:" block
   ("De : / Envoyé :"), a forwarded-message marker or a "-- " signature are dropped,
   even though the pipeline has already stripped quotes (belt and braces).
2. Courtesy is blanked out before anything is matched: "don't hesitate", "feel free",
   "n'hésitez pas", "happy to help", "je reste à votre disposition", and conditional
   offers ("if you have any questions", "si besoin", "if you'd like any changes"). A
   sentence with such a condition no longer counts its weak verbs ("let me know",
   "dites-moi"): "let me know if you have questions" is courtesy, "let me know if
   Tuesday works" asks.
3. What remains asks when it holds a request ("could you", "please send", "merci de
   me renvoyer", "I need your logo", "j'attends votre retour"), a question to the
   client about the work, or one of the owner's own phrases from the config (these
   always count). Social questions ("How was your holiday?", "Ça va ?"), rhetorical
   ones in a report ("The result? ...", "Can you believe ...?", "pas mal, non ?"),
   questions inside quotation marks, "?" inside URLs and payment requests (the billing
   rules chase invoices, not this one) do not.
4. Of the sentences that ask, the most specific wins: a request beats a question with
   "you" in it, which beats a bare "?"; then one with a deadline ("by Friday", "avant
   jeudi 3 décembre"), which is resolved to a day against the message's date.

Everything is matched on accent-free lower-case text of the same length as the
original, so the sentence and the deadline are quoted exactly as written. Patterns
are bounded (no nested unbounded repeats) and phrase matching is one dictionary
lookup per word: the cost is linear in the length of the message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from mailwatch.detect.dates import UNSURE, parse_date, quick_day
from mailwatch.detect.text import sentences

__all__ = [
    "REQUEST_PHRASES_EN",
    "REQUEST_PHRASES_FR",
    "Ask",
    "asks_something",
    "find_ask",
    "is_report",
]

_MAX_SENTENCE = 300  # characters of the asking sentence shown to the owner
_MAX_TEXT = 20_000  # characters read: a message asks near its top, not 20 KB down


@dataclass(frozen=True, slots=True)
class Ask:
    """The sentence of the owner's message that asks the client for something."""

    sentence: str  # as written, trimmed to at most 300 characters
    what: str  # "feedback" | "approval" | "content" | "access" | "date" | "decision" | "other"
    by: str | None  # the deadline phrase as written ("by Friday"), else None
    by_date: date | None  # that phrase as a day, read against the message's date


# --------------------------------------------------------------------------- phrases
# Verbs that make "please ..." / "kindly ..." a request. "Please find attached",
# "please note", "please don't hesitate" are not in it on purpose.
_PLEASE_VERBS_EN = (
    *("send", "resend", "share", "forward", "provide", "confirm", "approve", "review"),
    *("check", "look", "have a look", "take a look", "sign", "return", "upload", "add"),
    *("invite", "give", "grant", "choose", "pick", "decide", "let me know", "let us know"),
    *("tell", "fill", "complete", "reply", "answer", "respond", "validate", "read"),
    *("proofread", "update", "get back", "advise", "email", "book", "select", "call"),
)

# Phrases that ask on their own: a request, a need, a wait for the client.
REQUEST_PHRASES_EN: tuple[str, ...] = (
    *("could you", "can you", "would you mind", "would you be able", "will you"),
    *("are you able to", "is it possible", "would it be possible", "could we", "can we"),
    *("if you could", "if you can", "i need you to", "i need", "we need", "i'd need"),
    *("i would need", "i'll need", "i will need", "we'll need", "we will need", "we'd need"),
    *("we would need", "i still need", "we still need", "i'd like your", "i'd love your"),
    *("would love your", "would appreciate your", "waiting for your", "waiting on your"),
    *("waiting for you to", "still waiting", "awaiting your", "looking forward to your"),
    *("look forward to your", "looking forward to receiving", "thanks in advance for"),
    *("thank you in advance for", "haven't received", "have not received", "still haven't"),
    *("still don't have", "still do not have", "don't forget to", "do not forget to"),
    *("remember to", "you need to", "you'll need to", "you will need to"),
    *(f"please {verb}" for verb in _PLEASE_VERBS_EN),
    *(f"kindly {verb}" for verb in ("send", "confirm", "share", "provide", "review")),
)
REQUEST_PHRASES_FR: tuple[str, ...] = (
    *("pouvez-vous", "pourriez-vous", "pourrais-tu", "peux-tu", "pourrez-vous"),
    *("pourras-tu", "voudriez-vous", "serait-il possible", "est-il possible"),
    *("vous serait-il possible", "vous pouvez me", "vous pouvez m'", "vous pourriez me"),
    *("vous pourriez m'", "tu peux me", "tu peux m'", "tu pourrais me", "tu pourrais m'"),
    *("si vous pouviez", "si tu pouvais", "si vous pouvez", "si tu peux", "merci de"),
    *("merci d'", "merci d'avance de", "merci d'avance pour", "merci par avance de"),
    *("merci par avance pour", "je vous remercie de", "je vous remercie par avance de"),
    *("je vous remercie d'avance de", "je te remercie de", "veuillez", "confirmez-moi"),
    *("confirme-moi", "envoyez-moi", "envoie-moi", "renvoyez-moi", "renvoie-moi"),
    *("transmettez-moi", "transmets-moi", "indiquez-moi", "indique-moi", "donnez-moi"),
    *("donne-moi", "faites-moi un retour", "fais-moi un retour", "faites-moi parvenir"),
    *("fais-moi parvenir", "faites-moi part", "pensez à", "pense à", "n'oubliez pas de"),
    *("n'oublie pas de", "j'attends votre", "j'attends vos", "j'attends ton", "j'attends tes"),
    *("j'attends toujours", "j'attends encore", "dans l'attente de votre"),
    *("dans l'attente de vos", "dans l'attente de ton", "dans l'attente de tes"),
    *("je reste dans l'attente", "en attente de votre", "en attente de vos", "j'ai besoin"),
    *("j'aurais besoin", "j'aurai besoin", "nous avons besoin", "nous aurions besoin"),
    *("j'ai toujours besoin", "j'ai encore besoin", "nous avons toujours besoin"),
    *("on a besoin", "on aurait besoin", "il me faut", "il me faudrait", "il nous faut"),
    *("il nous faudrait", "il faudrait que vous", "il faudrait que tu", "il faut que vous"),
    *("il faut que tu", "je n'ai toujours pas", "je n'ai pas encore reçu"),
    *("qu'en pensez-vous", "qu'en penses-tu", "j'aimerais avoir", "j'aimerais votre"),
    *("j'aimerais vos", "j'aimerais ton", "j'aimerais recevoir"),
    *(
        f"je {whom} laisse {what}"
        for whom in ("vous", "te")
        for what in ("me", "m'", "valider", "confirmer", "choisir", "decider", "relire")
    ),
)
# Questions put to the client ("do you have a date?"): they ask unless the sentence is
# social ("avez-vous passé de bonnes vacances ?").
_QUESTION_PHRASES = (
    *("would you", "do you have", "do you want", "would you like", "have you had a chance"),
    *("did you get a chance", "did you have a chance", "have you been able", "any news"),
    *("any update", "any updates", "any feedback", "any thoughts", "shall we", "should we"),
    *("avez-vous", "as-tu", "auriez-vous", "aurais-tu", "voulez-vous", "veux-tu"),
    *("souhaitez-vous", "souhaiteriez-vous", "avez-vous eu le temps", "tu as pu"),
    *("vous avez pu", "est-ce que", "est-ce qu'", "des nouvelles"),
)
# Of those, the ones that ask only as a question: "Any feedback on the draft?" asks,
# "Any feedback is welcome" does not.
_ONLY_AS_QUESTIONS: tuple[str, ...] = (
    *("any news", "any update", "any updates", "any feedback", "any thoughts", "des nouvelles"),
)
# Weak verbs: they ask unless the sentence is a conditional courtesy ("let me know if
# you have any questions").
_WEAK_PHRASES = (
    *("let me know", "let us know", "tell me", "get back to me", "get back to us"),
    *("keep me posted", "keep me updated", "keep me in the loop", "keep us posted"),
    *("dites-moi", "dis-moi", "dites-nous", "tenez-moi au courant", "tiens-moi au courant"),
    *("tenez-moi informé", "faites-moi savoir", "fais-moi savoir", "revenez vers moi"),
    *("reviens vers moi", "vous me direz", "tu me diras", "tu me dis", "vous me dites"),
    *("vous me tenez au courant", "tu me tiens au courant", "please advise"),
)

_STRONG, _QUESTION, _WEAK, _OWN = 3, 2, 1, 4  # phrase classes, also their weight
_ALL = frozenset((_STRONG, _QUESTION, _WEAK, _OWN))
_OWN_ONLY = frozenset((_OWN,))

# --------------------------------------------------------------------------- folding
# A length-preserving fold: lower case, accents off, apostrophes, quotes, spaces and
# hyphens made plain, one character for one character. Matching happens on it and
# quoting on the original, at the same offsets.
_FOLD: dict[int, str] = {}
for _code in range(0xC0, 0x250):
    _base = "".join(
        c for c in unicodedata.normalize("NFD", chr(_code)) if not unicodedata.combining(c)
    ).lower()
    if len(_base) == 1 and _base.isascii():
        _FOLD[_code] = _base
for _chars, _to in (
    ("’‘ʼ`´", "'"),
    ("“”„″", '"'),
    ("\u00a0\u202f\u2009\u2007\t", " "),
    ("\u2010\u2011\u2012\u2013", "-"),
):
    for _c in _chars:
        _FOLD[ord(_c)] = _to


def _fold(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" and a few others grow when lowered
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered if lowered.isascii() else lowered.translate(_FOLD)


# --------------------------------------------------------------------------- tokens
# ":" stays a token: "il me faut :" announces the list of what is needed.
_TOKEN = re.compile(r"[^\W_]+'?|:")
# Shorthand people type, read as the words it stands for.
_TOKEN_MAP: dict[str, tuple[str, ...]] = {
    "u": ("you",),
    "ur": ("your",),
    "pls": ("please",),
    "plz": ("please",),
    "lmk": ("let", "me", "know"),
    "dont": ("don'", "t"),
    "cant": ("can'", "t"),
    "havent": ("haven'", "t"),
    "im": ("i'", "m"),
    "nhesitez": ("n'", "hesitez"),
    "nhesite": ("n'", "hesite"),
    "stp": ("s'", "il", "te", "plait"),
    "svp": ("s'", "il", "vous", "plait"),
    "j": ("j'",),
    "m": ("m'",),
    "t": ("t'",),
    "n": ("n'",),
    "c": ("c'",),
    "d": ("d'",),
    "l": ("l'",),
    "qu": ("qu'",),
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Fillers skipped when matching: "I just need", "please also send", "j'attends juste".
_FILLERS = _words("just really also simply only quickly juste simplement aussi vraiment")


def _tokens(folded: str) -> list[str]:
    found = _TOKEN.findall(folded)
    if _TOKEN_MAP.keys().isdisjoint(found) and _FILLERS.isdisjoint(found):
        return found
    out: list[str] = []
    for token in found:
        if token in _FILLERS:
            continue
        mapped = _TOKEN_MAP.get(token)
        if mapped is None:
            out.append(token)
        elif token in ("t", "m", "n", "c", "d", "l") and out and out[-1].endswith("'"):
            out.append(token)  # "don't" gives "don'", "t": keep that "t"
        else:
            out.extend(mapped)
    return out


def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(_tokens(_fold(phrase)))


@lru_cache(maxsize=32)
def _phrase_index(extra: tuple[str, ...]) -> dict[str, list[tuple[tuple[str, ...], int]]]:
    """Phrases as token tuples, indexed by their first token: matching is then one
    dictionary lookup per word of the text."""
    index: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for phrases, weight in (
        (extra, _OWN),
        (REQUEST_PHRASES_EN, _STRONG),
        (REQUEST_PHRASES_FR, _STRONG),
        (_QUESTION_PHRASES, _QUESTION),
        (_WEAK_PHRASES, _WEAK),
    ):
        for phrase in phrases:
            words = _phrase_tokens(phrase)
            if words:
                index.setdefault(words[0], []).append((words, weight))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))  # longest first: "would you like" > "would you"
    return index


# After "merci de" / "je vous remercie de": a determiner means thanks ("merci de votre
# message"), a verb or a pronoun before one means a request ("merci de me renvoyer").
_THANKS_OBJECTS = _words(
    "votre vos ton ta tes la le les l' cette ce cet tout toute avoir avance rien nous un une"
)
_ARTICLES = frozenset(("le", "la", "les", "l'"))
_INFINITIVE_ENDINGS = ("er", "ir", "re", "oir")
# "Thanks in advance for your understanding" closes; "... for sending the photos" asks.
_CLOSING_NOUNS = _words(
    "understanding patience help trust cooperation time support comprehension "
    "confiance aide collaboration attention soutien"
)
# "I need to finish the report" is the owner's own need; "I need to know" asks.
_NEED_TO_VERBS = _words(
    "know have get receive hear see confirm agree schedule book find fix settle "
    "check be savoir connaitre recevoir avoir votre vos ton tes"
)
# "I need 2 extra days" / "il me faudrait un peu plus de temps" announce a delay.
_TIME_WORDS = _words(
    "day days time hour hours week weeks break rest coffee jour jours temps heure "
    "heures semaine semaines delai"
)
_VEUILLEZ_NOT = frozenset(
    ("trouver", "noter", "agreer", "recevoir", "excuser", "patienter", "accepter", "croire")
)
_PENSER_NOT = frozenset(("je", "j'", "on", "nous", "il", "elle"))


def _phrase_counts(tokens: list[str], start: int, end: int, weight: int) -> bool:
    """Whether a phrase matched at tokens[start:end] really asks, from its neighbours."""
    if weight == _OWN:
        return True
    words = tokens[start:end]
    after = tokens[end : end + 4]
    first = words[0]
    last = words[-1]
    if first in ("merci", "je") and last in ("de", "d'"):
        if not after:
            return False
        if after[0] in _ARTICLES and len(after) > 1:
            # "merci de la réponse" thanks; "merci de la relire" asks.
            return after[1].endswith(_INFINITIVE_ENDINGS)
        if after[0] == "bien":  # "je vous remercie de bien vouloir"
            return True
        if after[0] in _THANKS_OBJECTS:
            return False
        return not (len(after) > 1 and after[1] == "avoir")  # "merci de m'avoir répondu"
    if last in ("pour", "for") and ("avance" in words or "advance" in words):
        return bool(after) and not any(w in _CLOSING_NOUNS for w in after[:3])
    if last in ("need", "besoin", "faut", "faudrait"):
        nxt = [w for w in after if w not in ("de", "d'", "still")]
        if any(w in _TIME_WORDS for w in after[:4]):
            return False
        if nxt and nxt[0] == "to":
            return len(nxt) > 1 and nxt[1] in _NEED_TO_VERBS
        if nxt and after[0] in ("de", "d'") and nxt[0].endswith(_INFINITIVE_ENDINGS):
            return nxt[0] in _NEED_TO_VERBS  # "j'ai besoin de savoir", not "de finir"
        return bool(after)
    if first == "veuillez":
        return bool(after) and not any(w in _VEUILLEZ_NOT for w in after[:2])
    if first in ("pensez", "pense"):
        return start == 0 or tokens[start - 1] not in _PENSER_NOT
    if first in ("remember", "don'", "do") and start > 0 and tokens[start - 1] in ("i", "i'"):
        return False  # "I remember to ..." / "I do not forget to"
    if words == ["if", "you", "can"] and after[:1] == ["t"]:
        return False
    # "c'est ce que nous avions prévu" is no question
    return not (first == "est" and start > 0 and tokens[start - 1] in ("c'", "n'"))


# --------------------------------------------------------------------------- patterns
# Each pattern runs on folded text and is bounded: no nested unbounded repeats.


@dataclass(frozen=True, slots=True)
class _Gated:
    """A pattern run only when one of its keywords is in the text: Python's `re` cannot
    skip ahead on a long alternation, a substring test can. Each pattern is small."""

    keywords: tuple[str, ...]
    pattern: re.Pattern[str]

    def applies(self, text: str) -> bool:
        for keyword in self.keywords:  # noqa: SIM110 (a loop is faster than any() here)
            if keyword in text:
                return True
        return False


def _gated(keywords: str, pattern: str) -> _Gated:
    return _Gated(tuple(keywords.split("|")), re.compile(pattern, re.VERBOSE))


_CLAUSE = r"[^.;!?]{0,120}"  # the rest of a clause, bounded
# Courtesy that asks for nothing; blanked out before phrases are looked for.
_COURTESY = (
    _gated("hesit", r"\b(?:do\ not|don'?t|dont|never)\ hesitate\b" + _CLAUSE),
    _gated("hesit", r"\b(?:n'|n\ )?hesite[sz]?\ pas\b" + _CLAUSE),
    _gated("feel free", r"\bfeel\ free\b" + _CLAUSE),
    _gated(
        "anytime|any time|whenever", r"\b(?:reach\ out|get\ in\ touch)\ (?:any\ ?time|whenever)\b"
    ),
    _gated(
        "happy|glad|available|around|here|reachable|pleased|delighted",
        r"""(?:\b(?:i|we)\ ?(?:'m|'re|am|are|'d\ be|would\ be|'ll\ be|will\ be)\ |^(?:and\ |but\ )?)
        (?:always\ |also\ |still\ |more\ than\ |very\ |so\ |of\ course\ )?
        (?:happy|glad|available|around|here|reachable|pleased|delighted)\b"""
        + _CLAUSE,
    ),
    _gated(
        "disposition|dispo|joignable|ecoute",
        r"""\bje\ (?:reste|suis|serai|resterai)\ (?:bien\ (?:sur\ )?|evidemment\ )?
        (?:a\ (?:votre|ta)\ (?:entiere\ )?disposition|disponible|dispo|joignable|la
        |a\ l'ecoute)\b"""
        + _CLAUSE,
    ),
    _gated("disposition", r"\b(?:a|reste\ a)\ (?:votre|ta)\ (?:entiere\ )?disposition\b" + _CLAUSE),
    _gated("dispo", r"^dispo\b" + _CLAUSE),
    _gated("hope", r"\bhope\ (?:this|that|it)\ (?:helps|clears)\b"),
    _gated(
        "question|qs|quer|concern",
        r"""\b(?:(?:do|did)\ you\ have\ |have\ you\ got\ |got\ )?(?:any|other|further|more)
        \ (?:questions?|qs|queries|concerns)\b""",
    ),
    _gated(
        "question",
        r"\b(?:avez[ -]vous\ |as[ -]tu\ |vous\ avez\ |tu\ as\ )?(?:des|d'autres)\ questions?\b",
    ),
    _gated(
        "need",
        r"""\b(?:(?:do|did)\ you\ |if\ you\ )?need\ (?:anything|something|help|a\ hand)
        (?:\ else)?\b""",
    ),
    _gated("anything else", r"\b(?:is\ there\ )?anything\ else\b"),
    _gated("sense", r"\b(?:(?:does|did)\ (?:that|this|it|all\ that|everything)\ )?makes?\ sense\b"),
    _gated("clear", r"\b(?:is\ (?:that|this|everything|it\ all)\ )clear\b|\btout\ est\ clair\b"),
    _gated("help", r"\b(?:how\ )?(?:can|may)\ i\ help\b"),
    _gated(
        "help|answer|repond",
        r"""\b(?:does|did)\ (?:that|this|it)\ (?:help|answer)\b|\bhope\ (?:that|this)\ answers\b
        |\b(?:est[- ]ce\ que\ )?(?:cela|ca|ceci)\ (?:vous\ |t')?(?:aide|repond)\b""",
    ),
    _gated("aider", r"\bpuis-je\ (?:vous|t')\ aider\b"),
    _gated("besoin d'", r"\bbesoin\ d'(?:autre\ chose|aide|un\ coup\ de\ main)\b"),
)
# A condition about the client possibly needing something: the sentence's weak verbs
# then offer rather than ask ("let me know if you'd like any changes").
_CONDITION = (
    _gated(
        "if|should|in case|whenever|si|au cas|en cas|pour tout",
        r"""\b(?:if|should|in\ case|whenever|si|s'il\ y\ a|au\ cas\ ou|en\ cas\ de
        |pour\ toute?s?)\b[^.;!?]{0,60}?
        \b(?:questions?|qs|queries|query|concerns?|issues?|problems?|unclear|help|needed
        |necessary|useful|helpful|easier|anything|something|changes?|tweaks?|edits?
        |adjustments?|modifications?|modifs?|remarques?|souci|soucis|probleme|besoin
        |necessaire|utile|moindre|autre\ chose|interrogations?|precisions?|discuss
        |feedback|ideas|idees?|thoughts|comments?|retours?|avis|wish|envie|requests?
        |demandes?|besoins)\b""",
    ),
    _gated("besoin", r"\b(?:au|si)\ besoin\b"),
    _gated(
        "if",
        r"""\bif\ (?:needed|necessary|useful|helpful|required)\b
        |\bif\ you(?:'d|\ would)?\ (?:like|want|wish|prefer)\s*(?:[,.!;]|$)""",
    ),
)
# Rhetorical figures that borrow a request's words.
_RHETORICAL = (
    _gated("believe", r"\b(?:can|could|would)\ (?:you|u)\ believe\b"),
    _gated(
        "guess|knew|thought|did you know|remember",
        r"""\bguess\ what\b|\bwho\ (?:knew|would\ have\ thought)\b|\bdid\ you\ know\b
        |\bremember\ (?:when|the\ time)\b""",
    ),
    _gated(
        "?",
        r"""\b(?:not\ bad|pretty\ good|impressive|amazing|great|awesome|cool|incredible|pas\ mal
        |top|genial|dingue|canon|incroyable|fou|chouette|super|sympa)
        [ ,!]{0,3}(?:right|eh|huh|no|non|hein|n'est-ce\ pas|isn'?t\ it)\b""",
    ),
    _gated("n'est-ce", r"\bn'est-ce\ pas\b"),
    _gated("ready|excited|pret", r"\b(?:who(?:'s|\ is)\ (?:ready|excited)|qui\ est\ pret)\b"),
    _gated(
        "isn|is not",
        r"""\b(?:isn'?t|is\ not)\ (?:it|that)\ (?:great|amazing|awesome|fantastic
        |brilliant|cool|incredible|fab|lovely)\b""",
    ),
)
# Social questions: the client's weekend, holiday, health, events.
_SOCIAL = (
    _gated(
        "how",
        r"""\bhow\ (?:are|r)\ (?:you|u|things|the\ kids|you\ doing)\b
        |\bhow(?:'s|\ is)\ (?:it\ going|everything|life|things|the\ family|business)\b
        |\bhow\ have\ you\ been\b""",
    ),
    _gated("hope you", r"\bhope\ you(?:'re|\ are)\ (?:well|ok|good)\b"),
    _gated(
        "see|seen|notice|read",
        r"""\b(?:did|have)\ you\ (?:see|seen|notice|noticed|read)\b[^?.!]{0,40}?
        \b(?:comments?|reviews?|reaction|lovely|nice|great|amazing|funny|cute|article|press
        |news)\b""",
    ),
    _gated(
        "how",
        r"""\bhow(?:'s|\ is|\ was|\ were|\ did|'d)\b[^?.!]{0,40}?
        \b(?:weekend|week-end|holidays?|vacation|trip|break|christmas|xmas|new\ year
        |birthday|wedding|move|family|kids|baby|puppy|event|party|fair|show|conference
        |summer|time\ off|day\ off|evening|night|dinner|race|marathon|match|game|travels?)\b""",
    ),
    _gated(
        "did you",
        r"""\bdid\ you\ (?:have|enjoy|get\ some\ rest)\b[^?.!]{0,40}?
        \b(?:good|nice|great|lovely|weekend|holidays?|break|time|trip|rest)\b""",
    ),
    _gated("ca va", r"\bca\ va\s*\?|^(?:et\ )?ca\ va\b|\bcomment\ ca\ va\b"),
    _gated("comment", r"\bcomment\ (?:allez[ -]vous|vas[ -]tu|va\ la\ famille)\b"),
    _gated("bien", r"\b(?:vous\ allez|tu\ vas|allez[ -]vous|vas[ -]tu)\ bien\b|\bbien\ rentre"),
    _gated(
        "bon|belle|beau",
        r"""^(?:et\ )?(?:bon|bonne|bonnes|beau|belle)\ (?:week-?end|vacances|semaine|fetes
        |conges|soiree|voyage|sejour)\b""",
    ),
    _gated(
        "passe",
        r"""\b(?:passe|passee|passes|passees)\ (?:de\ |un\ |une\ )?(?:bon|bonne|bonnes|beau
        |belle|super|agreable)s?\ (?:week-?end|vacances|semaine|fetes|conges|soiree|voyage
        |sejour)\b|\bs'est\ (?:bien\ )?passee?\b|\bse\ sont\ (?:bien\ )?passee?s\b""",
    ),
)


def _blank_all(text: str, patterns: tuple[_Gated, ...]) -> str:
    for gated in patterns:
        if gated.applies(text):
            text = _blank(text, gated.pattern)
    return text


def _any(text: str, patterns: tuple[_Gated, ...]) -> bool:
    return any(g.applies(text) and g.pattern.search(text) for g in patterns)


# A short question that names nothing to decide ("The result?", "Pourquoi ?") is a
# report's figure of speech unless it carries one of these.
_CUE = re.compile(
    r"""\b(?:ok|okay|good|fine|ready|review|approve|agree|go|works?|suits?|date|time|when
    |which|where|who|price|news|update|status|feedback|thoughts|bon|pret|prete|d'accord
    |valide|convient|quand|quel|quelle|quels|quelles|lequel|laquelle|combien|nouvelles
    |retour|avis|how\ many|how\ much|alright|right|correct|clear|possible|dispo
    |available|free|send|confirm|approved?)\b""",
    re.VERBOSE,
)
_SECOND_PERSON = re.compile(
    r"\b(?:you|your|yours|u|ur|vous|votre|vos|tu|te|t'|ton|ta|tes|toi)(?=\W|$)"
)
# A "?" that ends a question: not one followed by a word ("page?id=2").
_QUESTION_MARK = re.compile(r"\?(?![\w=&/%])")
_URL = re.compile(
    r"(?:https?://|ftp://|www\.|mailto:)\S{1,2000}|\b[\w.-]{1,200}\.[a-z]{2,10}/\S{0,2000}"
)
_QUOTED = re.compile(r'"[^"\n]{1,200}"|«[^»\n]{1,200}»')
# Questions typed without their "?": "is this caption ok for the post", "est ce que ...".
_BARE_QUESTION = re.compile(
    r"""(?:(?:hi|hey|hello|coucou|salut|bonjour)\ [a-z]{1,20}[,!]?\ )?
        (?:so\ |and\ |also\ |just\ )?
        (?:is|are|do|does|did|can|could|would|will|have|has|shall|should)
        \ (?:this|that|it|you|u|we|the|these|those|everything|all|there)\b""",
    re.VERBOSE,
)
_EST_CE = re.compile(r"(?<!')\best[- ]ce\ qu")


def _bare_question(folded: str) -> bool:
    return _BARE_QUESTION.match(folded) is not None or (
        "est" in folded and _EST_CE.search(folded) is not None
    )


# Imperatives at the start of a sentence: "Send over the files.", "Confirm the date".
_IMPERATIVE = re.compile(
    r"""^(?:(?:hi|hey|hello|bonjour|salut|coucou)\ [a-z]{1,20},?\ )?(?:and\ |also\ |just\ |so\ )?
    (?:send|resend|share|forward|confirm|approve|sign|upload|add|invite|give|grant|choose|pick
      |fill|complete|reply|answer|validate|review|proofread|email)
    \ (?:me|us|it|them|the|your|a|an|over|this|that|back|these|those|my|our|all|which
      |whether|if)\b""",
    re.VERBOSE,
)
# "Your approval is needed", "votre validation est indispensable".
_NEEDED = re.compile(
    r"""\b(?:your|votre|vos|ta|ton|tes)\ (?:approval|feedback|sign-off|go-ahead|input|answer
      |confirmation|validation|accord|retour|retours|avis|reponse|feu\ vert)
    \ (?:is|are|est|sont|sera|seront|would\ be|serait)\ (?:\w{1,12}\ )?
    (?:needed|required|essential|necessary|requise?s?|necessaires?|indispensables?
      |attendue?s?|important|bienvenue?)\b""",
    re.VERBOSE,
)


def _needed(folded: str) -> bool:
    for possessive in ("your ", "votre ", "vos ", "ta ", "ton ", "tes "):
        if possessive in folded:
            return _NEEDED.search(folded) is not None
    return False


_PAYMENT = re.compile(
    r"\b(?:pay|paying|payment|settle|settling|regler|reglement|payer|paiement|virement)\b"
)


# --------------------------------------------------------------------------- kinds
@dataclass(frozen=True, slots=True)
class _Cues:
    """What points to one kind of ask: words, word beginnings, and phrases."""

    words: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()

    def found(self, words: set[str], folded: str) -> bool:
        if not self.words.isdisjoint(words):
            return True
        if self.prefixes:
            for word in words:
                if word.startswith(self.prefixes):
                    return True
        for phrase in self.phrases:  # noqa: SIM110 (a loop is faster than any() here)
            if phrase in folded:
                return True
        return False


def _cues(words: str = "", prefixes: str = "", phrases: str = "") -> _Cues:
    return _Cues(
        frozenset(words.split()),
        tuple(prefixes.split()),
        tuple(p for p in phrases.split("|") if p),
    )


_CONTENT_NOUNS = _cues(
    "photo photos picture pictures pics image images logo logos text texts texte textes "
    "copy bio bios file files fichier fichiers video videos menu menus list liste recipe "
    "recette testimonials temoignages quotes guidelines charte prices tarifs horaires hours "
    "presentation presentations documents infos information details assets",
    phrases="brand kit",
)
_PROVIDE_VERBS = _cues(
    "send resend sending forward share sharing provide upload gather need envoyer envoyez "
    "transmettre transmettez parvenir fournir besoin faut faudrait received recu waiting "
    "attends",
    prefixes="m'envoy",
    phrases="do you have|auriez-vous|avez-vous|vous avez|tu as|aurais-tu|as-tu",
)
_ACCESS = _cues(
    "login logins password passcode mdp access acces credentials identifiants 2fa gestionnaire",
    prefixes="admin m'ajout m'invit",
    phrases="log in|mot de passe|verification code|code de |codes de |two-factor|invite me"
    "|add me|it was me|c'etait bien moi",
)
_APPROVAL = _cues(
    "ok okay valider validez validation valide validee go-ahead accord convient signe signed agree",
    prefixes="approv",
    phrases="sign-off|sign off|green light|happy for|happy with|sound good|sounds good"
    "|good to go|feu vert|vous va|te va|bon pour|c'bon|c bon|sign and|sign it|the contract"
    "|le contrat",
)
_FEEDBACK = _cues(
    "thoughts feedback review regarder retour retours avis remarques input comments "
    "comment impressions relire relu",
    phrases="you think|u think|look at|a look|en pensez|en penses|in mind|en tete"
    "|parle le plus|what you had",
)
_WHEN = _cues(
    "date dates availability disponibilite disponibilites dispo dispos available slot "
    "creneau reschedule decaler quand free monday tuesday wednesday thursday friday "
    "saturday sunday lundi mardi mercredi jeudi vendredi samedi dimanche",
    phrases="what time|which day|quel jour|move our|move the|suit you|suits you"
    "|vous arrangerait|when would|when could|when can|when will|when is|when are|when does"
    "|when do|when shall",
)
_DECISION = _cues(
    "which prefer preferez preferes option options lequel laquelle whether decide "
    "decision choose choisir renew prolonger proceed",
    phrases="would you like|do you want|voulez-vous|souhaitez-vous|veux-tu|shall we"
    "|go ahead|si la |si le ",
)
_CONTENT_VAGUE = _cues(
    "send resend sending forward share sharing provide upload gather envoyer envoyez "
    "transmettre transmettez parvenir fournir",
    prefixes="m'envoy",
)
_ACCESS_VAGUE = _cues("account accounts compte comptes page")


def _kind(folded: str, vague: bool = True) -> str | None:
    """The kind of ask a sentence makes; with `vague` False, only from clear cues."""
    words = set(_TOKEN.findall(folded))
    if _ACCESS.found(words, folded):
        return "access"
    if _CONTENT_NOUNS.found(words, folded) and _PROVIDE_VERBS.found(words, folded):
        return "content"
    for name, cues in (
        ("approval", _APPROVAL),
        ("feedback", _FEEDBACK),
        ("date", _WHEN),
        ("decision", _DECISION),
    ):
        if cues.found(words, folded):
            return name
    if not vague:
        return None
    if _CONTENT_VAGUE.found(words, folded) or _CONTENT_NOUNS.found(words, folded):
        return "content"
    if _ACCESS_VAGUE.found(words, folded):
        return "access"
    return None


def _kind_in_context(found: _Found, parts: list[str]) -> str:
    if found.sentence.rstrip().endswith(":"):
        # "I need the following from you:" names what in the list below it: the kind
        # most of its items point to.
        kinds: list[str] = []
        for nxt in parts[found.index + 1 : found.index + 8]:
            if not _LIST_ITEM.match(nxt):
                break
            kinds.append(_kind(_fold(nxt)) or "other")
        if kinds:
            return max(kinds, key=kinds.count)
    kind = _kind(found.folded, vague=False)
    if kind is None and found.index > 0:
        # "Could you send them over by Thursday?": the previous sentence says what
        # "them" is (only what: its verbs are not this sentence's).
        kind = _kind(_fold(parts[found.index - 1]) + " " + found.folded, vague=False)
        kind = kind if kind in ("access", "content", "date") else None
    return kind or _kind(found.folded) or "other"


# --------------------------------------------------------------------------- deadlines
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|janvier|fevrier|mars|avril"
    r"|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|janv|fevr?|avr|juil)\.?"
)
_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu|thurs?"
    r"|fri|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
)
_DAYNUM = r"\d{1,2}(?:st|nd|rd|th|er)?"
# A number after a weekday is a day unless it is a time: "mercredi 12 h", "Friday 10am".
_NOT_TIME = r"(?!\ ?(?:h(?:\b|\d)|:\d|am\b|pm\b))"
_TIME_OF_DAY = (
    r"(?:,?\ (?:(?:at|a)\ )?(?:\d{1,2}(?::\d\d)?\ ?(?:am|pm)|\d{1,2}\ ?h\ ?(?:\d\d)?"
    r"|noon|midday|midi|eod|cob|(?:in\ the\ )?(?:morning|afternoon|evening)|matin"
    r"|apres-midi|soir|(?:en\ )?fin\ de\ (?:matinee|journee)))"
)
_DATE = (
    r"(?:(?:this|next|coming|ce|the)\ )?"
    r"(?:"
    + _WEEKDAY
    + r"(?:,?\ (?:the\ )?"
    + _DAYNUM
    + _NOT_TIME
    + r"(?:\ (?:of\ )?"
    + _MONTH
    + r")?)?"
    r"|(?:(?:the|le)\ )?" + _DAYNUM + r"(?:\ of)?\ " + _MONTH + r"(?:\ \d{4})?"
    r"|" + _MONTH + r"\ " + _DAYNUM + r"(?:,?\ \d{4})?"
    r"|\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?"
    r"|(?:the|le)\ " + _DAYNUM + r"|\d{1,2}(?:st|nd|rd|th|er)"
    r"|tomorrow|demain|today|aujourd'hui|tonight|ce\ soir|eod|cob|eow"
    r"|(?:the\ )?end\ of\ (?:the\ |this\ |next\ )?(?:day|week|month)"
    r"|(?:la\ )?fin\ (?:de\ (?:la\ |cette\ )?|du\ )?(?:journee|semaine|mois)"
    r"|(?:next|this)\ week|la\ semaine\ prochaine|cette\ semaine)"
)
_PREP = (
    r"(?:by|before|until|till|no\ later\ than|ahead\ of|in\ time\ for|avant|d'ici|pour"
    r"|au\ plus\ tard|jusqu'(?:a|au)|at\ the\ latest\ by)"
)
_DEADLINE = re.compile(
    r"\b" + _PREP + r"\ " + _DATE + _TIME_OF_DAY + r"?\b"
    r"|\b(?:this\ week|cette\ semaine|today|aujourd'hui|tonight|ce\ soir|eod|asap"
    r"|(?:the\ )?end\ of\ (?:the\ |this\ )?(?:day|week|month)"
    r"|(?:la\ )?fin\ (?:de\ (?:la\ |cette\ )?|du\ )(?:journee|semaine|mois))\b",
    re.VERBOSE,
)
_DROP_PREP = re.compile(r"^" + _PREP + r"\ ", re.VERBOSE)
_DROP_TIME = re.compile(_TIME_OF_DAY + r"$", re.VERBOSE)
_TODAY = re.compile(
    r"^(?:today|aujourd'hui|tonight|ce soir|eod|cob|(?:the )?end of (?:the |this )?day"
    r"|(?:la )?fin de (?:la )?journee)$"
)
_END_OF_WEEK = re.compile(
    r"^(?:eow|this week|cette semaine|(?:the )?end of (?:the |this )?week"
    r"|(?:la )?fin de (?:la |cette )?semaine)$"
)
_END_OF_MONTH = re.compile(r"^(?:(?:the )?end of (?:the |this )?month|(?:la )?fin du mois)$")


def _resolve(folded: str, original: str, written: datetime) -> date | None:
    """The day a deadline phrase names, read on the day the message was written."""
    phrase = _DROP_PREP.sub("", folded)
    phrase = _DROP_TIME.sub("", phrase).strip(" ,")
    if _TODAY.match(phrase):
        return written.date()
    if _END_OF_WEEK.match(phrase):
        day = written.date()
        return day + timedelta(days=(4 - day.weekday()) % 7)
    if _END_OF_MONTH.match(phrase):
        first_next = (written.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first_next.date() - timedelta(days=1)
    if phrase == "asap" or not phrase:
        return None
    quick = quick_day(phrase, written.date())
    if quick is not UNSURE:
        return quick  # type: ignore[return-value]
    # Read the original spelling (accents help dateparser), cut where the folded was.
    start = folded.find(phrase)
    return parse_date(original[start : start + len(phrase)], written)


def _deadline(found: _Found, written: datetime | None) -> tuple[str | None, date | None]:
    """The deadline phrase of an asking sentence, as written, and the day it names."""
    match = _DEADLINE.search(found.folded)
    if match is None:
        return None, None
    by = found.sentence[match.start() : match.end()]
    if written is None or by.lower() == "asap":
        return by, None
    return by, _resolve(match.group(0), by, written)


# --------------------------------------------------------------------------- own text
_ATTRIBUTION = re.compile(
    r"^(?:on\b.{0,300}\bwrote|le\b.{0,300}\ba\s?ecrit|am\b.{0,300}\bschrieb)[^:\n]{0,40}:\s*$",
    re.DOTALL,
)
_CUT_MARKER = re.compile(
    r"^-{2,} ?(?:original message|message d'origine|forwarded message|message transfere"
    r"|mail original|message original) ?-{2,}|^begin forwarded message|^debut du message"
)
_OUTLOOK_FROM = re.compile(r"^\**(?:from|de|von)\**\s?:")
_OUTLOOK_NEXT = re.compile(
    r"^\**(?:sent|date|to|subject|cc|envoye|a|objet|gesendet|an|betreff)\**\s?:"
)


def _own_words(text: str) -> str:
    """The owner's own words: quoted lines, anything after a reply or forward header,
    and the signature after "-- " are dropped. Cheap, and conservative only where the
    pipeline's quote stripping already did the careful work."""
    text = text[:_MAX_TEXT]
    if _MAYBE_QUOTED.search(text) is None:
        return text.strip()  # most sent mail: no line that could start a quote
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        bare = line.strip()
        if not bare:
            out.append("")
            continue
        if bare[0] == ">":
            continue
        if bare == "--" and line.rstrip() == "--":
            break
        # Only lines that start like a header are folded and matched: most do not.
        if bare[0] in _HEADER_INITIALS:
            low = _fold(bare)
            if low[:3] in ("on ", "le ", "am ") and _attribution_at(lines, i):
                break
            if _CUT_MARKER.match(low):
                break
            if _OUTLOOK_FROM.match(low) and any(
                _OUTLOOK_NEXT.match(_fold(nxt.strip())) for nxt in lines[i + 1 : i + 4]
            ):
                break
        out.append(line)
    return "\n".join(out).strip()


_HEADER_INITIALS = frozenset("OoLlAaFfDdVvBb-*")
# A line that could start a quote, a header, a marker or a signature.
_MAYBE_QUOTED = re.compile(
    r"^[ \t]*(?:>|--|\*{0,2}(?:on|le|am|from|de|von|begin|d[eé]but)\b)", re.MULTILINE | re.I
)


def _attribution_at(lines: list[str], i: int) -> bool:
    for span in (1, 2, 3):
        joined = " ".join(line.strip() for line in lines[i : i + span])
        if len(joined) <= 400 and _ATTRIBUTION.match(_fold(joined)):
            return True
    return False


# --------------------------------------------------------------------------- sentences
def _blank(text: str, pattern: re.Pattern[str], only_if: str | None = None) -> str:
    """`text` with each match of `pattern` (containing `only_if`, if given) replaced by
    spaces: offsets stay valid."""

    def spaces(match: re.Match[str]) -> str:
        found = match.group(0)
        return found if only_if is not None and only_if not in found else " " * len(found)

    return pattern.sub(spaces, text)


@dataclass(slots=True)
class _Found:
    weight: int  # 4 the owner's own phrase, 3 a request, 2 a question to the client, 1 bare
    index: int
    sentence: str
    folded: str


def _judge(sentence: str, index: int, extra: tuple[str, ...]) -> _Found | None:
    """How strongly one sentence asks (None: it does not)."""
    folded = _fold(sentence)
    phrases = _phrase_index(extra)
    tokens = _tokens(folded)
    if (
        "?" not in folded
        and not _matches(tokens, phrases, _ALL)
        and _IMPERATIVE.match(folded) is None
        and not _bare_question(folded)
        and not _needed(folded)
    ):
        return None  # the common case, kept cheap: a sentence that cannot ask
    if "/" in folded or "www." in folded or "mailto:" in folded:
        folded = _blank(folded, _URL)
    if "?" in folded and ('"' in folded or "\u00ab" in folded):
        folded = _blank(folded, _QUOTED, only_if="?")
    question = _QUESTION_MARK.search(folded) is not None
    if extra and _matches(tokens, phrases, _OWN_ONLY):
        return _Found(_OWN, index, sentence, folded)

    masked = _blank_all(folded, _RHETORICAL)
    rhetorical = masked != folded
    before_courtesy = masked
    masked = _blank_all(_blank_all(masked, _CONDITION), _COURTESY)
    courteous = masked != before_courtesy
    if _PAYMENT.search(masked):
        return None  # the billing rules chase payment, not the follow-up rules
    tokens = _tokens(masked)
    social = _any(masked, _SOCIAL)

    weight = 0
    found = _matched_weights(tokens, phrases, question or _bare_question(masked))
    if _STRONG in found or _IMPERATIVE.match(masked) or _needed(masked):
        weight = _STRONG
    elif social:
        return None
    elif _QUESTION in found or (_WEAK in found and not courteous):
        weight = _QUESTION
    if weight:
        return _Found(weight, index, sentence, masked)
    is_question = (question and _QUESTION_MARK.search(masked) is not None) or (
        _bare_question(masked)
    )
    if not is_question or rhetorical or courteous:
        return None
    words = [t for t in tokens if t.isalnum() or t.endswith("'")]
    if _SECOND_PERSON.search(masked):
        return _Found(_QUESTION, index, sentence, masked)
    if len(words) <= 5 and not _CUE.search(masked):
        return None  # "The result?", "Pourquoi ?": a report talking to itself
    return _Found(_WEAK, index, sentence, masked)


@lru_cache(maxsize=1)
def _only_as_questions() -> frozenset[tuple[str, ...]]:
    return frozenset(_phrase_tokens(p) for p in _ONLY_AS_QUESTIONS)


def _matched_weights(tokens: list[str], index: dict[str, list], question: bool) -> set[int]:
    found: set[int] = set()
    only_as_questions = _only_as_questions()
    for i, token in enumerate(tokens):
        for words, weight in index.get(token, ()):
            end = i + len(words)
            if not question and words in only_as_questions:
                continue
            if tuple(tokens[i:end]) == words and _phrase_counts(tokens, i, end, weight):
                found.add(weight)
                break
    return found


def _matches(tokens: list[str], index: dict[str, list], weights: frozenset[int]) -> bool:
    for i, token in enumerate(tokens):
        for words, weight in index.get(token, ()):
            if weight in weights and tuple(tokens[i : i + len(words)]) == words:
                return True
    return False


def _trim(sentence: str) -> str:
    if len(sentence) <= _MAX_SENTENCE:
        return sentence
    cut = sentence[: _MAX_SENTENCE - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > _MAX_SENTENCE // 2 else cut).rstrip() + "…"


_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s")


def find_ask(
    own_text: str, extra_phrases: Sequence[str] = (), *, written: datetime | None = None
) -> Ask | None:
    """The sentence of the owner's message that asks the client for something the work
    depends on, with what it asks for and by when; None when it asks for nothing.

    `extra_phrases` are the owner's own request phrases (config `[rules]
    request_phrases`): a sentence holding one always asks. `written` is when the message
    was written; relative deadlines ("by Friday") are resolved against it.
    """
    text = _own_words(own_text or "")
    if not text:
        return None
    extra = tuple(p for p in extra_phrases if isinstance(p, str) and p.strip())
    parts = sentences(text)
    best: tuple[tuple[int, int], _Found] | None = None
    for i, sentence in enumerate(parts):
        found = _judge(sentence, i, extra)
        if found is None:
            continue
        # The most specific ask wins; among equals, one with a deadline, then the first.
        rank = (found.weight, 1 if _DEADLINE.search(found.folded) else 0)
        if best is None or rank > best[0]:
            best = (rank, found)
    if best is None:
        return None
    found = best[1]
    by, by_date = _deadline(found, written)
    if by is not None:
        # "by Thursday" says when, not what: it must not make a request for photos a
        # request for a date.
        start = found.folded.find(_fold(by))
        found.folded = found.folded[:start] + " " * len(by) + found.folded[start + len(by) :]
    return Ask(_trim(found.sentence), _kind_in_context(found, parts), by, by_date)


def asks_something(own_text: str, extra_phrases: Sequence[str] = ()) -> bool:
    """True when the owner's message asks the client for something (see `find_ask`)."""
    return find_ask(own_text, extra_phrases) is not None


# --------------------------------------------------------------------------- reports
_REPORT_SUBJECT = re.compile(
    r"""(?:
      \breport(?:s|ing)?\b(?!\ (?:du|de|des|d'|au|a)\b)
    | (?<!par\ )\brapports?\b
    | \bbilans?\b
    | \banalytics\b(?!\ (?:access|acces|account|compte|login|set\ ?up|tag|code))
    | \b(?:monthly|weekly|quarterly|month-end)\ (?:recap|summary|update|stats|numbers
        |results|roundup)\b
    | \brecap\ (?:mensuel|du\ mois|de\ |d')
    | \b(?:recap|summary|stats|numbers|results|statistiques|chiffres)\ (?:of|for|du|de|d')
        \ ?(?:the\ month|this\ month|last\ month|mois|q[1-4]|t[1-4]|"""
    + _MONTH
    + r""")
    | \b(?:"""
    + _MONTH
    + r"""|q[1-4]|t[1-4])\ (?:recap|stats|numbers|results|summary
        |analytics|statistiques|chiffres|report)\b
    | \bstat(?:istique)?s\ (?:du\ mois|mensuelles)\b
    )""",
    re.VERBOSE,
)
# In the body, a report counts when it is delivered ("here is your report", "le
# rapport est en pièce jointe"), not when it is talked about ("a monthly report on the
# 5th", "the last three reports").
_REPORT_BODY = re.compile(
    r"""(?:
      \breport(?:ing)?\b(?!\ (?:du|de|des|d'|au|a)\b)(?!s)
    | (?<!par\ )\brapport\b(?!s)
    | \bbilan\b
    | \b(?:monthly|weekly|quarterly)\ (?:recap|summary|stats|numbers|results)\b
    | \brecap\ (?:mensuel|du\ mois)
    | \bstatistiques\ du\ mois\b | \bstats\ du\ mois\b
    | \b"""
    + _MONTH
    + r"""\ (?:stats|numbers|recap)\b
    )""",
    re.VERBOSE,
)
_DELIVERED = re.compile(
    r"""\b(?:attached|attaching|attach|enclosed|here|here's|heres|voici|voila|ci-joint|ci-joints
    |ci-dessous|jointe?|pj|find|trouverez|below|is\ in|are\ in|is\ ready|est\ pret|sont\ la
    |est\ dans|est\ en\ ligne|link|lien|drive|sharing|share|partage|envoie|send)\b""",
    re.VERBOSE,
)
_OPENING_CHARS = 400


def is_report(subject: str, own_text: str, extra_patterns: Sequence[str] = ()) -> bool:
    """Whether the owner's message delivers a (monthly) report, from its subject or its
    opening lines. `extra_patterns` are the owner's own words for it (case- and
    accent-insensitive substrings), e.g. "tableau de bord"."""
    subject_f = _fold(subject or "")
    opening_text = _own_words(own_text or "")[:_OPENING_CHARS]
    opening = _fold(opening_text)
    for pattern in extra_patterns:
        if isinstance(pattern, str) and pattern.strip():
            needle = _fold(pattern.strip())
            if needle in subject_f or needle in opening:
                return True
    if _REPORT_SUBJECT.search(subject_f):
        return True
    return any(
        _REPORT_BODY.search(sentence) and _DELIVERED.search(sentence)
        for sentence in (_fold(s) for s in sentences(opening_text)[:4])
    )
