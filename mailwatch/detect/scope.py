"""Does a client's mail ask for more (scope), ask to change delivered work (revision), or
settle an open question (decision)? What the confirmation in writing is drafted from.

`find_requests(own_text)` returns at most one `Request` per kind, each with the sentence
that triggered it, as written, so the owner sees why. Rules, not a model: every class
needs a request form AND an object in the same sentence, so a false "scope change" mail
to a client (the costly error) needs two things to go wrong at once.

- scope: a request form ("can you", "could we", "we'd like", "on pourrait",
  "pourriez-vous", "nous souhaiterions", an imperative) with a new channel governed by a
  verb of adding ("also post on TikTok", "ajouter LinkedIn", "gérer notre TikTok"), a
  volume ("5 posts a week", "2 extra posts", "passer à 2 posts par semaine"), a kind of
  work with a verb of making and no definite article ("run Instagram ads", "faire des
  reels", but not "the reel"), a deliverable's date moved ("move the launch to the
  15th", not "move our call"), or the posting days changed.
- revision: a verb of changing with an element of delivered work ("change the caption",
  "modifier le visuel"), or what is wrong with one ("the logo is too small", "il y a une
  faute dans le texte"). Anything about an invoice is never a revision.
- decision: a verb of choosing with what was chosen: an option, a version, a proposal,
  "the blue one", a day or a date ("let's go with option B", "ok for Tuesday", "on part
  sur la proposition 1"), or "we've decided ...". Approval of delivered work with no
  alternative named ("looks great, go ahead", "validé", "ok pour moi") is not a
  decision, and a question ("ok for Tuesday?") settles nothing.

Never counted: quoted text and forwarded originals (`strip_quotes` runs again here, so
a caller's unstripped text is safe), out-of-office replies, questions about the package
or its price ("is TikTok included?", "how much would LinkedIn cost?"), advice asked
for, negations ("no need for stories"), requests to stop something, and any request
followed in the same mail by its withdrawal ("scratch that", "oubliez").

`summary` is written in `language` (the client's configured language, the draft's) when
given, else in the mail's own language, which a count of common words decides (two
languages need no model). Dates ("from January", "au 7 décembre") are kept as written
in `start`; `start_date` reads them from `written`: a month alone is its 1st ("from
January" is 1 January), "next week"/"la semaine prochaine" its Monday, "next month"/"le
mois prochain" its 1st.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mailwatch.detect.dates import parse_date
from mailwatch.detect.text import sentences
from mailwatch.parse.text import strip_quotes

__all__ = ["CHANNEL_NAMES", "Request", "canonical_channel", "find_requests"]

MAX_SENTENCE = 300


@dataclass(frozen=True, slots=True)
class Request:
    kind: str  # "scope" | "revision" | "decision"
    sentence: str  # the sentence as written (<= 300 chars)
    summary: str  # short form for the draft, in the client's language
    channel: str | None = None  # canonical channel name when one is named
    posts_per_week: int | None = None  # a weekly volume asked for ("5 posts a week")
    work: str | None = None  # "ads" | "stories" | ... | "date_change" | "frequency_change"
    start: str | None = None  # the date phrase as written ("from January", "au 15")
    start_date: date | None = None  # `start` read as of the message's date
    # Volumes that are not a weekly total (the pricing needs them):
    extra_posts: int | None = None  # one-off posts on top of the package ("2 extra posts")
    extra_per_week: int | None = None  # "2 extra posts a week"
    posts_per_month: int | None = None  # "10 posts a month" (not turned into a weekly rate)


# --------------------------------------------------------------------------- folding


_FOLD = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "`": "'",
        "´": "'",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2010": "-",
        "\u2011": "-",
        "–": "-",
        "—": "-",
        "œ": "oe",
        "æ": "ae",
    }
)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_char(ch: str) -> str:
    folded = ch.translate(_FOLD).lower()
    if folded.isascii():
        return folded
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def _fold(text: str) -> tuple[str, list[int]]:
    """`normalise` with an index map: folded[i] came from text[index[i]].

    Matching runs on the folded text; what is quoted (a date phrase) is cut from the
    original with the map, so it reads as the client wrote it. ASCII runs fold in one
    go (one character in, one out); only the other characters go one by one.
    """
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for match in _NON_ASCII.finditer(text):
        start = match.start()
        if start > pos:
            out.append(text[pos:start].translate(_FOLD).lower())
            index.extend(range(pos, start))
        folded = _fold_char(match.group())
        out.append(folded)
        index.extend([start] * len(folded))
        pos = start + 1
    if pos < len(text):
        out.append(text[pos:].translate(_FOLD).lower())
        index.extend(range(pos, len(text)))
    return "".join(out), index


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str  # as written
    low: str  # folded
    index: list[int]

    @classmethod
    def of(cls, text: str) -> _Sentence:
        low, index = _fold(text)
        return cls(text, low, index)

    def original(self, start: int, end: int) -> str:
        if start >= end:
            return ""
        return self.text[self.index[start] : self.index[end - 1] + 1]

    @property
    def question(self) -> bool:
        return self.low.rstrip(" )\"'»!.").endswith("?")


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.VERBOSE)


# --------------------------------------------------------------------------- words

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "un": 1, "une": 1, "deux": 2, "trois": 3,
    "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "a": 1,
    "once": 1, "twice": 2,
}  # fmt: skip
_NUM = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|un|une|deux|trois|quatre|cinq|sept|huit|neuf|dix)"  # noqa: E501

_WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS_EN = (
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
)  # fmt: skip
_MONTHS_FR = (
    "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
    "septembre", "octobre", "novembre", "decembre",
)  # fmt: skip
_MONTHS_FR_WRITTEN = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
    "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|june|july|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|janv(?:ier)?|fev(?:rier)?|mars|avril|mai"
    r"|juin|juil(?:let)?|aout|sept(?:embre)?|octobre|novembre|decembre)\b"
)
_WEEKDAY = (
    r"(?<!black\s)(?<!cyber\s)(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)day\b"
    r"|(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b"
)
_ORD = r"(?:\d{1,2}(?:st|nd|rd|th)|1er|1ere)"
# A date phrase people write: "the 15th", "15 January", "Thursday 3 December",
# "le 1er février", "lundi prochain", "next week", "la semaine prochaine", "01/12".
_DATE = rf"""(?:
    (?:(?:{_WEEKDAY})\s+)?(?:the\s+|le\s+)?(?:{_ORD}|\d{{1,2}})(?:\s+of)?\s+(?:{_MONTH})(?:\s+\d{{4}})?
  | (?:{_MONTH})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?
  | (?:{_WEEKDAY})(?:\s+(?:the\s+)?(?:{_ORD}|\d{{1,2}}\b))?(?:\s+prochain\b)?
  | (?:the\s+|le\s+)?{_ORD}(?:\s+of\s+next\s+month)?
  | (?:le|the)\s+\d{{1,2}}\b(?!\s*(?:%|h\b|posts?|publications?|euros?))
  | \d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?
  | next\s+(?:week|month|year)\b | this\s+week\b | la\s+semaine\s+prochaine\b
  | le\s+mois\s+prochain\b | l'annee\s+prochaine\b | tomorrow\b | demain\b
  | (?:{_MONTH})(?:\s+\d{{4}})?
)"""
_DATE_RX = _rx(_DATE)

# A start: "from January", "starting the 1st of next month", "à partir du 1er décembre",
# "dès janvier", "in March", "this week".
_START_RX = _rx(
    rf"""(?:\b(?:from|starting(?:\s+(?:from|in|on))?|as\s+of|beginning(?:\s+in)?|effective
            |a\s+partir\s+(?:du|de|d')|des\s+(?:le\s+)?|courant|debut|in|en|pour|for|on)\s+
          (?:the\s+|le\s+)?)?
        \b(?P<date>{_DATE})"""
)

_CHANNELS: tuple[tuple[str, str], ...] = (
    ("tiktok", r"\btik[\s-]?tok\b"),
    ("linkedin", r"\blinked[\s-]?in\b"),
    ("instagram", r"\binstagram\b|\binsta\b|\big\b(?=\s+(?:stor|reel|ad|account|page|feed|post))"),
    ("facebook", r"\bfacebook\b|\bfb\b"),
    ("youtube", r"\byou[\s-]?tube\b"),
    ("pinterest", r"\bpinterest\b"),
    (
        "x",
        r"\btwitter\b|\bx\s+(?:account|page|profile|\(twitter\))|\bx/twitter\b|\bon\s+x\b(?![-/])",
    ),
    ("threads", r"\bthreads\b"),  # kept only when written "Threads" (see _channels)
    ("snapchat", r"\bsnapchat\b"),
    ("bluesky", r"\bblue\s?sky\b"),
    ("google", r"\bgoogle\s+(?:my\s+)?business\b|\bfiche\s+google\b"),
    ("newsletter", r"\bnewsletters?\b|\be-?mailings?\b|\blettre\s+d'information\b"),
)
_CHANNEL_RX = [(name, re.compile(rx)) for name, rx in _CHANNELS]

# The canonical names the package lists and the drafts show.
CHANNEL_NAMES: dict[str, tuple[str, str]] = {  # name -> (English, French)
    "tiktok": ("TikTok", "TikTok"),
    "linkedin": ("LinkedIn", "LinkedIn"),
    "instagram": ("Instagram", "Instagram"),
    "facebook": ("Facebook", "Facebook"),
    "youtube": ("YouTube", "YouTube"),
    "pinterest": ("Pinterest", "Pinterest"),
    "x": ("X (Twitter)", "X (Twitter)"),
    "threads": ("Threads", "Threads"),
    "snapchat": ("Snapchat", "Snapchat"),
    "bluesky": ("Bluesky", "Bluesky"),
    "google": ("Google Business Profile", "Google Business Profile"),
    "newsletter": ("the newsletter", "la newsletter"),
}


def canonical_channel(name: str) -> str | None:
    """ "Insta", "Twitter", "LinkedIn " -> "instagram", "x", "linkedin"; None if unknown."""
    low, _ = _fold(name.strip())
    if low in CHANNEL_NAMES:
        return low
    for canon, rx in _CHANNEL_RX:
        if rx.fullmatch(low) or (canon == "x" and low in ("x", "twitter", "x (twitter)")):
            return canon
    return None


# Someone else's channel, or one they have: "in addition to Instagram", "en plus de
# Facebook", "the same posts as on Instagram".
_EXISTING_BEFORE = re.compile(
    r"(?:in\s+addition\s+to|besides|as\s+well\s+as|same\s+\w+\s+as\s+on|as\s+on|like\s+on"
    r"|than\s+on|en\s+plus\s+(?:de|d'|du)|comme\s+sur|qu'on\s+a\s+sur|que\s+sur"
    r"|outre|apart\s+from)\s*(?:our\s+|the\s+|notre\s+|l')?$"
)

# --------------------------------------------------------------------------- request forms

_REQUEST_RX = _rx(
    r"""
    \b(?:can|could|would|will|cud|coudl|culd|cn)\s+(?:you|u|ya|yo)\b
  | \b(?:can|could|shall|may)\s+we\b
  | \b(?:would|will)\s+it\s+be\s+possible\b | \bis\s+it\s+possible\b | \bany\s+chance\b
  | \b(?:would|are)\s+you\s+(?:be\s+)?able\s+to\b
  | \bplease\b | \bpls\b | \bplz\b
  | \b(?:i|we|team|they|boss|ceo|owner|manager)(?:'d|\s+would)\s+
        (?:really\s+|also\s+|now\s+)?(?:like|love)\b
  | \b(?:i|we)\s+(?:really\s+|also\s+|now\s+)?(?:want|need|wanna)\b
  | \b(?:i'm|we're|we\s+are|i\s+am)\s+(?:looking|hoping)\s+to\b
  | \blet'?s\b(?!\s+(?:wait|hold|not|see|talk|discuss|chat|think))
  | \b(?:do|would)\s+you\s+mind\b | \bwondering\s+if\s+(?:you|we)\b | \bhow\s+about\b
  | \b(?:pourriez|pouvez|pourrais|peux|pourrions|pouvons|voudriez|voulez)[-\s](?:vous|tu|nous)\b
  | \b(?:tu|vous)\s+(?:nous\s+|me\s+)?(?:pourrais|pourriez|peux|pouvez)\b
  | \bon\s+(?:pourrait|peut|voudrait|aimerait|souhaite|souhaiterait|veut|aurait\s+besoin)\b
  | \b(?:nous|je|j')\s*(?:aimerions|aimerais|voudrions|voudrais|souhaitons|souhaiterions
        |souhaite|souhaiterais|voulons|veux|avons\s+besoin|aurions\s+besoin|aurais\s+besoin
        |ai\s+besoin)\b
  | \b(?:serait|est)[-\s]il\s+possible\b | \bce\s+serait\s+possible\b | \bpossible\s+de\b
  | \bmerci\s+de\b | \bmerci\s+d' | \bveuillez\b | \bstp\b | \bsvp\b
  | \bs'il\s+(?:te|vous)\s+plait\b | \bil\s+faudrait\b | \bc'est\s+jouable\b
  | \b(?:it\s+would|it'd)\s+be\s+(?:great|nice|good|ideal|awesome|amazing|helpful)\s+(?:to|if)\b
  | \bce\s+serait\s+(?:bien|top|super|genial|ideal|parfait|chouette)\s+(?:de|d'|si|que)
    """
)

# Not a request, whatever the form: the package asked about, a price asked, advice asked,
# a negation, a stop.
_NOT_A_REQUEST_RX = _rx(
    r"""
    \bincluded\b | \binclus\b | \bcompris\b | \bpart\s+of\s+(?:the|our)\s+(?:package|plan|deal)
  | \bin\s+(?:the|our)\s+(?:package|plan|contract)\b
  | \bdans\s+(?:notre|la|le)\s+(?:formule|offre|forfait|contrat)
  | \bhow\s+(?:much|many)\b | \bcombien\b | \bwhat\s+would\s+it\s+cost\b | \bcost\b | \bcout\b
  | \btarif | \bprix\s+pour\b | \bquote\s+for\b | \bdevis\b
  | \bdo\s+you\s+think\b | \bshould\s+we\b | \bwhat\s+do\s+you\s+(?:think|recommend)\b
  | \bvous\s+pensez\b | \btu\s+penses\b | \bfaudrait-il\b | \bdevrait-on\b
  | \bno\s+need\b | \bpas\s+besoin\b | \b(?:don't|do\s+not|won't)\s+need\b
  | \bn'(?:avons|ai|a)\s+pas\s+besoin\b | \bstop\b | \bstopp | \bcancel | \bpause\b
  | \barret | \bcesser\b | \bno\s+longer\b | \bne\s+plus\b | \bsuspend
  | \bnext\s+year\b.*\b(?:maybe|might)\b | \b(?:maybe|might)\b.*\bnext\s+year\b
    """
)

_WITHDRAWN_RX = _rx(
    r"""
    \bscratch\s+that\b | \bnever\s*mind\b
  | \bforget\s+(?:it|that|about\s+it|what\s+i\s+said|my)\b
  | \bignore\s+(?:that|my|this)\b | \bon\s+second\s+thought | \bhold\s+off\b
  | \bactually,?\s+(?:no\b|let'?s\s+(?:not|wait)|don'?t)
  | \boubliez\b | \boublie\b | \blaisse[rz]?\s+tomber\b
  | \bfinalement\s+non\b | \bnon\s+finalement\b
  | \bannulez\b | \bignorez\b | \bon\s+en\s+reparlera\b | \bon\s+verra\s+plus\s+tard\b
  | \bpas\s+pour\s+l'instant\b | \bnot\s+for\s+now\b
    """
)

_AWAY_RX = _rx(
    r"""
    \bout\s+of\s+(?:the\s+)?office\b | \bon\s+(?:annual\s+|parental\s+|sick\s+)?leave\s+until\b
  | \blimited\s+access\s+to\s+(?:e-?mail|my\s+e-?mail)\b | \bautomatic\s+reply\b | \bauto-?reply\b
  | \babsente?\s+du\s+bureau\b | \bje\s+suis\s+(?:actuellement\s+)?absente?\b
  | \ben\s+conges?\s+jusqu | \breponse\s+automatique\b | \bmessage\s+automatique\b
    """
)

# --------------------------------------------------------------------------- scope objects

# What may stand between a verb of adding and the channel: "add our LinkedIn", "share it
# on", "mettre les posts sur", "take care of our", "start managing an X account".
_CHANNEL_FILLER = frozenset(
    (
        *("our", "a", "an", "the", "it", "them", "this", "these", "everything", "same"),
        *("posts", "post", "content", "videos", "video", "also", "too", "on", "to", "in"),
        *("of", "account", "page", "profile", "managing", "posting", "sharing", "up"),
        *("publishing", "new", "notre", "nos", "un", "une", "le", "la", "les", "l'", "ces"),
        *("aussi", "egalement", "sur", "en", "de", "du", "des", "d'", "compte", "profil"),
        *("contenus", "publications", "tout", "charge", "s'", "t'", "vous", "nous"),
    )
)
_ALSO_RX = re.compile(r"\b(?:also|too|as\s+well|aussi|egalement|en\s+plus)\b")
# A verb that adds a channel, with up to a few words before the channel name.
_CHANNEL_VERB = (
    r"\b(?:add|adding|include|including|cover|covering|manage|managing|handle|handling"
    r"|take\s+care\s+of|take\s+on|start|starting|open|opening|set\s+up|setup|launch"
    r"|post|posting|publish|publishing|share|sharing|put|run|running|be|being|go|get"
    r"|ajout\w*|integr\w*|ger(?:er|ez|e)|prendre\s+en\s+charge|preniez\s+(?:aussi\s+|egalement\s+)?en\s+charge"
    r"|occuper|ouvrir|lancer|creer|publier|poster|mettre|partager|diffuser|etre|aller|animer)\b"
)

_WORK: tuple[tuple[str, str], ...] = (
    (
        "ads",
        r"\b(?:paid\s+)?ads?\b(?!-on)|\badvertis\w*|\bpaid\s+(?:posts?|campaigns?|social|promotion)"
        r"|\bsponsor\w*|\bpubs?\b|\bpublicites?\b|\bcampagnes?\s+(?:de\s+)?pub\w*|\bad\s+campaigns?",
    ),
    ("stories", r"\bstor(?:y|ies)\b"),
    ("reels", r"\breels?\b"),
    ("pillar", r"\b(?:content\s+)?pillars?\b|\bpiliers?\b"),
    ("newsletter", r"\bnewsletters?\b|\be-?mailings?\b|\blettre\s+d'information\b"),
    ("campaign", r"\bcampaigns?\b|\bcampagnes?\b"),
    ("video", r"\bvideos?\b|\bclips?\b"),
)
_WORK_RX = [(name, re.compile(rx)) for name, rx in _WORK]
# A verb that makes new work; the noun must follow within a few words, with no
# definite article or demonstrative between ("make a video", not "make the video shorter").
_MAKE_VERB = (
    r"\b(?:do|doing|make|making|create|creating|run|running|launch|launching|plan|planning"
    r"|write|writing|produce|producing|shoot|film|add|adding|start|starting|set\s+up|setup"
    r"|put\s+together|prepare|take\s+care\s+of|handle|manage|managing|include|cover|get|design"
    r"|send|sending|boost|try|have|get"
    r"|faire|fassiez|fais|fait|creer|lancer|rediger|prevoir|preparer|produire|tourner|realiser"
    r"|ajouter|integrer|occuper|prendre\s+en\s+charge|gerer|mettre\s+en\s+place|setup|monter"
    r"|envoyer|envoi|besoin\s+d'|besoin\s+de|tester|developper)\b"
)
_DEFINITE = re.compile(
    r"\b(?:the|this|that|these|those|le|la|les|ce|cet|cette|ces|ta|ton|tes|votre|vos|your)\b|\bl'"
)
# "we'd like a newsletter", "on aurait besoin d'une vidéo": a wish right before the noun.
_WISH_FOR_RX = _rx(
    r"""\b(?:like|love|want|need|aimerions|aimerait|aimerais|voudrions|voudrait|voudrais
          |souhait\w*|besoin)
        (?:\s+(?:bien|also|aussi|really|vraiment|egalement|to\s+have|to\s+get|avoir))*
        \s*\b(?:a|an|some|more|new|another|few|des|une|un|d'|de|quelques|nouveaux?|nouvelles?)
        \s*(?:[\w'-]+\s+){0,2}$"""
)
_POSSESSIVE = re.compile(r"\b(?:our|my|nos|notre|mes|ma|mon)\b")
_BOOST_RX = re.compile(r"\bboost(?:er|ez|ing|s)?\b")

# Volume: "5 posts a week", "2 extra posts", "twice a week", "un par jour", "every day".
_PER_WEEK = (
    r"(?:a|per|each|every|/|par|chaque|une|la)\s*(?:week|wk|semaine)\b"
    r"(?!\s+(?:prochaine|derniere|du|de|d'|qui|after|before))|weekly|hebdo\w*"
)
_PER_MONTH = r"(?:a|per|each|every|/|par|chaque|le)\s*(?:month|mois)|monthly|mensuel\w*"
_POSTS = r"(?:posts?|publications?|pubs?|contenus?|times|fois)"
_EXTRA = r"(?:extra|more|additional|supplementaires?|en\s+plus|de\s+plus|additionnel\w*)"
_VOLUME_RX = _rx(
    rf"""\b(?P<n>{_NUM})\s+
        (?:(?P<extra1>{_EXTRA})\s+)?(?:{_POSTS})?(?:\s+(?P<extra2>{_EXTRA}))?
        (?:\s+(?:on\s+\w+\s+|sur\s+\w+\s+)?(?:(?P<week>{_PER_WEEK})|(?P<month>{_PER_MONTH})))?"""
)
_DAILY_RX = _rx(
    r"\bevery\s*day\b|\bdaily\b|\btous\s+les\s+jours\b|\bchaque\s+jour\b|\bquotidien\w*"
    r"|\b(?:un|une|one)\s+(?:post\s+|publication\s+)?(?:par|a|per)\s+(?:jour|day)\b"
)
_MORE_POSTS_RX = _rx(
    r"\b(?:more|extra|additional)\s+(?:\w+\s+)?(?:posts|publications)\b"
    r"|\bplus\s+de\s+(?:posts|publications|contenus?)\b|\b(?:posts|publications)\s+(?:en\s+plus|supplementaires)"
)
_DOWN_RX = re.compile(
    r"\b(?:drop|reduce|decrease|cut|lower|fewer|less|go\s+down|scale\s+back|reduire|baisser"
    r"|diminuer|moins)\b"
)
_SWITCH_RX = re.compile(r"\b(?:passer|switch|change|move|go)\s+(?:a|à|to|de)\b")
_KEEP_RX = re.compile(
    r"\b(?:stick\s+with|keep|stay\s+(?:at|with)|rester|garder|on\s+reste|same\s+as\s+now)\b"
)
_POSTS_WORD_RX = re.compile(r"\b(?:posts?|publications?|post|poster|publier|publish)\b")

# Frequency without a number: "post on weekends instead of Mondays".
_HABITUAL_RX = _rx(
    r"""\b(?:weekends?|week-ends?|(?:mon|tues|wednes|thurs|fri|satur|sun)days|from\s+now\s+on
         |every|each|chaque|tous\s+les|desormais|dorenavant|a\s+l'avenir|in\s+future
         |(?:les|le)\s+(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s?\s+(?:au\s+lieu|plutot))\b"""
)
_FREQUENCY_RX = _rx(
    r"""\b(?:post|posting|publish|publier|poster)\b.*\b(?:instead\s+of|rather\s+than|au\s+lieu\s+d[eu']?|plutot\s+que)\b
  | \b(?:change|changer|modifier)\s+(?:the\s+|our\s+|les\s+|le\s+|nos\s+)?(?:posting\s+)?
       (?:posting\s+days|schedule|jours\s+de\s+publication|rythme|frequence|frequency)"""
)

# A deliverable's date moved ("move the launch to the 15th"); a call or a meeting is not.
_MOVE_VERB = (
    r"\b(?:move|moving|push|pushing|postpone|postponing|delay|delaying|bring\s+forward"
    r"|reschedule|rescheduling|shift|decaler|decale|repousser|repousse|reporter|reporte|avancer"
    r"|deplacer|retarder|change\s+the\s+date\s+(?:of|for)|changer\s+la\s+date\s+d\w*)\b"
)
_DELIVERABLE = (
    r"\b(?:launch|launching|campaign|post|posts|publication|shoot|shooting|newsletter|giveaway"
    r"|contest|concours|lancement|campagne|tournage|sortie|annonce|announcement|story|reel"
    r"|video|promo|sale|soldes|mise\s+en\s+ligne|go[\s-]live|release|calendar|planning)\b"
)
_MEETING_RX = re.compile(
    r"\b(?:call|meeting|appointment|rdv|rendez-vous|reunion|visio|appel|catch-?up|chat|coffee"
    r"|cafe|dej|dejeuner|lunch)\b"
)
_MOVE_RX = _rx(rf"(?P<verb>{_MOVE_VERB})(?P<obj>(?:\s+[\w'-]+){{1,7}})\s*(?=$|\s|[?,.!])")
_TARGET_RX = _rx(
    rf"""\b(?:to|until|till|au|a|jusqu'au|pour|for|on|by|back\s+by|back|d'|de)\s+
         (?P<date>{_DATE}|(?:a|one|two|une|deux)\s+(?:week|weeks|semaines?|days|jours)
         |\d{{1,2}}\s+(?:days|jours|weeks|semaines))"""
)

# --------------------------------------------------------------------------- revisions

_REV_OBJECT = (
    r"\b(?:caption|captions|post|posts|visual|visuals|image|images|photo|photos|picture|pictures"
    r"|pic|pics|logo|colou?rs?|font|fonts|typo|typeface|text|texts|copy|title|titles|headline"
    r"|slide|slides|carousel|story|stories|reel|reels|video|videos|hashtags?|emojis?|banner"
    r"|cover|thumbnail|graphic|graphics|design|layout|button|price|music|track|song|wording"
    r"|tagline|slogan|draft|drafts|template|filter|background|subtitles|legendes?|visuels?"
    r"|couleurs?|police|textes?|titres?|carrousel|banniere|musique|fond|mise\s+en\s+page|prix"
    r"|adresse|address|accroche|maquettes?|montage|sous-titres|diapo|diapos|publications?"
    r"|part|passage|animation|rouge|bleu|vert|jaune|noir|blanc|red|blue|green|yellow|black"
    r"|white|orange|pink|rose|violet|gris|grey|gray|name|nom|photos?|cta)\b"
)
_REV_OBJECT_RX = re.compile(_REV_OBJECT)
_REV_VERB = (
    r"\b(?:change|changing|modify|edit|tweak|adjust|fix|correct|redo|re-do|rework|swap"
    r"|replace|remove|delete|take\s+out|shorten|lengthen|resize|crop|update|rewrite|reword"
    r"|rephrase|brighten|darken|lighten|recolou?r|use\s+(?:a\s+)?(?:different|another|other)"
    r"|make\s+(?:[\w'-]+\s+){0,4}(?:bigger|smaller|larger|shorter|longer|lighter|darker|brighter"
    r"|bolder|bold|clearer|more|less|orange|red|blue|green|yellow|black|white|pink)"
    r"|move\s+(?:[\w'-]+\s+){1,5}(?:to|at)\s+the\s+(?:top|bottom|left|right|end|start|beginning|front)"
    r"|(?:add|put)\s+(?:our|the|my|a)\s+(?:[\w'-]+\s+){0,2}(?:logo|address|price|hashtag|emoji"
    r"|date|phone|website|url|credit|tag|mention|caption|subtitles|cta)\b"
    r"|modifier|modifie|modifiez|changer|changez|corriger|corrige|corrigez|refaire|refais|retoucher"
    r"|ajuster|remplacer|remplace|enlever|enleve|retirer|supprimer|raccourcir|rallonger|agrandir"
    r"|reduire|rapetisser|eclaircir|assombrir|recadrer|revoir|reprendre|rectifier"
    r"|en\s+choisir\s+une?\s+autre|choisir\s+une?\s+autre|mettre\s+(?:[\w'-]+\s+){0,4}en\s+"
    r"(?:gras|avant|haut|bas|valeur|majuscules?|italique)"
    r"|mettre\s+(?:notre|votre|le|la|l'|les|nos)\s*(?:[\w'-]+\s+){0,2}(?:en\s+bas|en\s+haut|dans)"
    r"|ajouter\s+(?:notre|le|la|l'|nos|les)\s*(?:logo|adresse|prix|mention|numero|hashtag))"
)
_REV_VERB_RX = re.compile(_REV_VERB)
_COMPLAINT_RX = _rx(
    r"""
    \b(?:is|are|looks?|feels?|seems?|'s|was)\s+(?:\w+\s+){0,1}
        (?:too|a\s+bit|a\s+little|way\s+too|really\s+too|kinda|kind\s+of|quite)\s+
        (?:small|big|large|dark|light|long|short|thin|busy|blurry|stretched|pixelated|bland|dull
          |bright|loud|crowded|cluttered|heavy|faded|low[\s-]res|hard\s+to\s+read|plain|empty)
  | \b(?:is|are|looks?|'s)\s+(?:\w+\s+)?
        (?:blurry|stretched|pixelated|cropped|wrong|incorrect|off-brand|cut\s+off)
  | \b(?:there'?s|there\s+is|there\s+are)\s+(?:a\s+|an\s+|some\s+)?
        (?:typos?|spelling\s+mistakes?|mistakes?|errors?)
  | \bmisspel\w* | \bwrong\s+(?:price|date|name|logo|colou?r|font|link|photo|address|number)
  | \b(?:isn't|is\s+not|are\s+not|aren't)\s+(?:right|correct|our\s+(?:font|colou?rs?|logo))
  | \b(?:doesn't|don't|does\s+not|do\s+not)\s+match\b
  | \b(?:est|sont|parait|paraissent|semble|semblent|fait|font)\s+
        (?:un\s+peu\s+|trop\s+|beaucoup\s+trop\s+|vraiment\s+trop\s+|un\s+peu\s+trop\s+)
        (?:petite?s?|grande?s?|sombres?|claire?s?|longs?|longues?|courte?s?|floue?s?|chargee?s?
          |presente?s?|triste?s?|fades?|pixelisee?s?|etiree?s?|lourde?s?|vides?|serree?s?)
  | \b(?:il\s+y\s+a|y\s+a)\s+(?:une|des)\s+(?:fautes?|coquilles?|erreurs?)
  | \bfaute\s+d'orthographe | \bne\s+correspond(?:ent)?\s+pas | \bne\s+colle(?:nt)?\s+pas
  | \bn'est\s+pas\s+(?:la|le|celle|celui)\s+de\b | \bn'est\s+pas\s+(?:la\s+bonne|le\s+bon)
  | \best\s+(?:faux|fausse|errone\w*|flou\w*)\b
    """
)
_NOT_WORK_RX = re.compile(
    r"\b(?:invoice|invoices|facture|factures|billing|facturation|payment|paiement|contract"
    r"|contrat|password|mot\s+de\s+passe|login|acces|access|budget)\b"
)
# A sentence that starts with a verb of changing (list items and imperatives).
_BULLET = r"^(?:[-*•]\s*|\d+[.)]\s*|[\w\s']{0,20}:\s*)?"

# --------------------------------------------------------------------------- decisions

_DECIDE_STRONG_RX = _rx(
    r"""
    \b(?:we|i)(?:'ve|\s+have)?\s+(?:decided|chosen|picked|selected|settled\s+on|opted)\b
  | \bwe\s+(?:chose|choose|pick|select|opt)\b | \bdecided\s+(?:to|on)\b
  | \bon\s+(?:a\s+)?(?:choisi|choisit|decide|opte)\b
  | \bnous\s+(?:avons\s+)?(?:choisi|choisissons|decide|opte|optons)\b
  | \bj'ai\s+(?:choisi|decide)\b | \bje\s+choisis\b | \bon\s+a\s+tranche\b
    """
)
_DECIDE_RX = _rx(
    r"""
    \blet'?s\s+go\s+(?:with|for)\b
  | \b(?:we'?ll|we\s+will|i'?ll|i\s+will)\s+
        (?:go\s+(?:with|for)|take|pick|choose|keep|stick\s+with|use)\b
  | \b(?:we'?re|we\s+are|i'?m)\s+going\s+(?:with|for)\b | \bgoing\s+with\b | \bgo\s+(?:with|for)\b
  | \blet'?s\s+(?:do|keep|say|stick\s+with|use|book|take|make\s+it)\b | \bstick(?:ing)?\s+with\b
  | \bkeep(?:ing)?\b | \bit\s+is\b[.!\s]*$
  | \b(?:ok|okay|fine|good|perfect|great|yes)\s+(?:for|with)\b | \bworks?\b
  | \bsuits?\s+(?:us|me)\b
  | \b(?:is|are)\s+(?:fine|perfect|good|ok|best)\b | \bconfirmed\s+for\b
  | \bon\s+part\s+sur\b | \b(?:nous\s+)?partons\s+sur\b | \bon\s+prend\b | \bnous\s+prenons\b
  | \bon\s+(?:a\s+)?retenu\b | \bon\s+retient\b | \bnous\s+(?:avons\s+)?reten\w*\b
  | \bon\s+garde\b
  | \bnous\s+gardons\b | \bon\s+reste\s+sur\b | \bva\s+pour\b
  | \b(?:ok|d'accord|daccord|parfait|top|banco)\s+pour\b
  | \bc'est\s+(?:valide|bon|ok|parfait)\s+pour\b
  | \bvalid\w*\s+pour\b | \b(?:je|nous|on)\s+valid\w*\s+(?:la|le|l')
  | \bca\s+(?:marche|nous\s+va|me\s+va|convient)\b | \bnous\s+convient\b
  | \bce\s+sera\s+(?:la|le|l')
    """
)
_CHOICE_RX = _rx(
    r"""
    \boptions?\s+(?:[a-e1-5]|one|two|three)\b | \bversions?\s+(?:\d|[a-e]|one|two)\b | \bv\d\b
  | \b(?:proposal|proposition|concept|piste|maquette|mockup|draft)\s+(?:n°\s*)?(?:\d|[a-e])\b
  | \b(?:the|la|le|l')\s*(?:first|second|third|last|1st|2nd|3rd|premiere?|deuxieme|seconde?
        |troisieme|derniere?)\b
  | \bthe\s+[\w-]+\s+(?:one|option|version|layout|concept|design)\b
  | \b(?:la|le|l')\s*(?:option|version|proposition|piste|maquette)\b
  | \b(?:la|le)\s+[a-e1-5]\b(?!\s*(?:h|%|posts?))
  | \b(?:le\s+visuel|the\s+visual|la\s+version|la\s+photo|the\s+photo)\s+(?:avec|with)\b
  | ^\s*(?:option\s+)?[a-e1-5]\s+it\s+is\b
    """
)
# A choice on its own, as a whole reply: "Option 2 please!", "La B, merci".
_CHOICE_ALONE_RX = _rx(
    r"""^\s*(?:(?:ok|okay|yes|oui|alors|donc)[\s,]+)?
        (?:option|version|proposal|proposition|la|le|v)\s*[a-e1-5]\b
        [\s,!.]*(?:please|pls|svp|stp|for\s+us|pour\s+nous|merci|thanks|thank\s+you)?[\s!.]*$"""
)
_TIME_RX = re.compile(r"\b\d{1,2}\s*(?:h|:)\s*\d{0,2}\b|\b\d{1,2}\s*(?:am|pm)\b")
_APPROVAL_ONLY_RX = re.compile(r"\bgo\s+ahead\b|\bfeu\s+vert\b")

# --------------------------------------------------------------------------- language

_EN_WORDS = frozenset(
    (
        *("the", "and", "you", "we", "to", "for", "is", "are", "can", "could", "please"),
        *("thanks", "thank", "hi", "hello", "of", "with", "this", "it", "i", "my", "our"),
        *("your", "would", "like", "need", "also", "from", "post", "posts", "week", "next"),
        *("just", "will"),
    )
)
_FR_WORDS = frozenset(
    (
        *("le", "la", "les", "des", "est", "pour", "vous", "nous", "et", "une", "un", "du"),
        *("au", "pas", "je", "merci", "bonjour", "pourriez", "pouvez", "avec", "sur", "dans"),
        *("c'est", "ca", "tu", "peux", "semaine", "prochaine", "aussi", "notre", "votre"),
    )
)


def _mail_language(low: str) -> str:
    words = re.findall(r"[a-z']+", low)
    en = sum(w in _EN_WORDS for w in words)
    fr = sum(w in _FR_WORDS for w in words)
    return "fr" if fr > en else "en"


# --------------------------------------------------------------------------- public


def find_requests(
    own_text: str, *, language: str | None = None, written: datetime | None = None
) -> list[Request]:
    """The scope request, revision request and decision in a client's mail, at most one
    of each (the strongest), in that order; [] when it has none.

    `own_text` is the client's new text (quotes are stripped again here anyway);
    `language` the client's configured language, in which summaries are written;
    `written` the message's date, from which dates like "next Monday" are read.
    """
    text = strip_quotes(own_text or "")
    if not text.strip():
        return []
    low_all, _ = _fold(text)
    if _AWAY_RX.search(low_all):
        return []
    mail_lang = _mail_language(low_all)
    lang = language if language in ("en", "fr") else mail_lang

    found: list[tuple[int, Request]] = []  # (score, request), in sentence order
    for raw in sentences(text):
        s = _Sentence.of(raw[:2000])
        if _WITHDRAWN_RX.search(s.low):
            found.clear()  # a withdrawal takes back everything asked before it
            continue
        for candidate in (
            _scope(s, lang, mail_lang, written),
            _revision(s, lang, mail_lang),
            _decision(s, lang, mail_lang, written),
        ):
            if candidate is not None:
                found.append(candidate)

    out: list[Request] = []
    for kind in ("scope", "revision", "decision"):
        best = max(
            (c for c in found if c[1].kind == kind),
            key=lambda c: c[0],
            default=None,
        )
        if best is not None:
            out.append(best[1])
    return out


# --------------------------------------------------------------------------- scope


def _scope(
    s: _Sentence, lang: str, mail_lang: str, written: datetime | None
) -> tuple[int, Request] | None:
    low = s.low
    offer = _decides_on_offer(low)
    requested = _REQUEST_RX.search(low) or offer
    if not requested or _NOT_A_REQUEST_RX.search(low) or _NOT_WORK_RX.search(low):
        return None
    revision = _is_revision(s)

    # A deliverable's date moved.
    moved = _moved(s)
    if moved is not None and not revision:
        obj, start = moved
        start_date = _resolve(start, written)
        summary = _summary_move(obj, start, start_date, lang, mail_lang)
        return 3, _request(
            s, "scope", summary, work="date_change", start=start, start_date=start_date
        )

    start = _start(s)
    start_date = _resolve(start, written)

    # A kind of work, possibly on a channel ("run Instagram ads").
    work = None if revision else _work(low)
    channels = _channels(s)
    if work is not None:
        channel = "newsletter" if work == "newsletter" else (channels[0] if channels else None)
        summary = _summary_work(work, channel, lang)
        return 4, _request(
            s, "scope", summary, channel=channel, work=work, start=start, start_date=start_date
        )

    # A volume.
    volume = _volume(low)
    if volume is not None and not revision:
        ppw, extra, extra_week, per_month, down = volume
        if _KEEP_RX.search(low) and not down:
            return None  # "we'll stick with 3 posts a week": nothing changes
        neutral = _SWITCH_RX.search(low) and not _MORE_POSTS_RX.search(low)
        changed = "frequency_change" if (down or neutral) and ppw is not None else None
        summary = _summary_volume(ppw, extra, extra_week, per_month, lang)
        channel = channels[0] if channels and channels[0] != "newsletter" else None
        return 3, _request(
            s,
            "scope",
            summary,
            channel=channel,
            posts_per_week=ppw,
            work=changed,
            start=start,
            start_date=start_date,
            extra_posts=extra,
            extra_per_week=extra_week,
            posts_per_month=per_month,
        )

    # A channel governed by a verb of adding.
    channel = _requested_channel(s, revision)
    if channel is None and offer and channels:
        channel = channels[0]  # "we'll go with the TikTok option"
    if channel is not None:
        summary = _summary_channel(channel, lang)
        return 4, _request(s, "scope", summary, channel=channel, start=start, start_date=start_date)

    if _FREQUENCY_RX.search(low) and not revision and not _HABITUAL_RX.search(low):
        day = _DATE_RX.search(low)
        thing = next(  # the deliverable, not the verb "post" ("post the giveaway")
            (
                m
                for m in re.finditer(_DELIVERABLE, low)
                if not re.match(r"\s+(?:the|it|our|le|la|les|l')\b", low[m.end() :])
            ),
            None,
        )
        if day and thing:  # "post the giveaway on Tuesday instead of Monday"
            start = s.original(day.start(), day.end())
            start_date = _resolve(start, written)
            obj = s.original(thing.start(), thing.end())
            summary = _summary_move(obj, start, start_date, lang, mail_lang, canonical=True)
            return 3, _request(
                s, "scope", summary, work="date_change", start=start, start_date=start_date
            )
        return None
    if _FREQUENCY_RX.search(low) and not revision:
        summary = "change the posting days" if lang == "en" else "changer les jours de publication"
        return 2, _request(
            s, "scope", summary, work="frequency_change", start=start, start_date=start_date
        )
    return None


def _decides_on_offer(low: str) -> bool:
    """ "we'll go with the TikTok option": a decision that takes up an offered add-on."""
    return bool(
        _DECIDE_RX.search(low)
        and re.search(r"\b(?:option|add-?on|package|offer|formule|offre|forfait)\b", low)
        and not low.rstrip().endswith("?")
        and any(rx.search(low) for _, rx in _CHANNEL_RX + _WORK_RX)
    )


def _channels(s: _Sentence) -> list[str]:
    """Channels named in the sentence, in order, leaving out those named as existing."""
    hits: list[tuple[int, str]] = []
    for name, rx in _CHANNEL_RX:
        for m in rx.finditer(s.low):
            if name == "threads" and "Threads" not in s.original(m.start(), m.end()):
                continue  # "threads" is also mail threads
            if _EXISTING_BEFORE.search(s.low[: m.start()]):
                continue
            hits.append((m.start(), name))
    return [name for _, name in sorted(hits)]


def _requested_channel(s: _Sentence, revision: bool) -> str | None:
    low = s.low
    also = _ALSO_RX.search(low)
    for name, rx in _CHANNEL_RX:
        if name == "newsletter":
            continue  # a newsletter is work (see _work)
        for m in rx.finditer(low):
            if name == "threads" and "Threads" not in s.original(m.start(), m.end()):
                continue
            before = low[: m.start()]
            if _EXISTING_BEFORE.search(before):
                continue
            window = before[-60:]
            verb = re.search("(?P<verb>" + _CHANNEL_VERB + r")(?:\s+[\w'-]+){0,4}?\s+$", window)
            if verb is None:
                continue
            between = window[verb.end("verb") :]
            if any(word not in _CHANNEL_FILLER for word in re.findall(r"[\w']+", between)):
                continue  # "add my colleague on LinkedIn", "add the logo on the FB post"
            strong = re.match(
                r"\b(?:add|adding|start|starting|open|opening|launch|set\s+up|setup|manage|managing"
                r"|ajout\w*|ouvrir|lancer|creer|ger\w*|prendre\s+en\s+charge|preniez|occuper"
                r"|take\s+care\s+of|take\s+on|cover|covering|handle)",
                window[verb.start() :],
            )
            if revision and not strong:
                continue
            if (
                strong
                or also
                or re.search(r"\b(?:too|as\s+well|aussi|egalement)\b", low[m.end() :])
            ):
                return name
            # "post on TikTok" with no "also": still a request for that channel.
            if re.match(
                r"(?:post|posting|publish|publishing|publier|poster|be|etre)\b",
                window[verb.start() :],
            ):
                return name
    return None


def _work(low: str) -> str | None:
    if _BOOST_RX.search(low) and re.search(r"\b(?:posts?|publications?|ads?|pubs?)\b", low):
        return "ads"
    for name, rx in _WORK_RX:
        for m in rx.finditer(low):
            if name == "campaign" and _WORK_RX[0][1].search(low):
                return "ads"  # "une campagne de pub"
            before = low[: m.start()]
            verb = None
            for v in re.finditer(_MAKE_VERB, before[-70:]):
                verb = v
            if verb is None:
                # "we'd like a newsletter", "on aurait besoin d'une vidéo"
                if _WISH_FOR_RX.search(before):
                    return name
                continue
            gap = before[-70:][verb.end() :]
            if _DEFINITE.search(gap) and name not in ("newsletter",):
                continue  # "make the video shorter": delivered work
            if _POSSESSIVE.search(gap) and name not in ("newsletter", "ads"):
                continue  # "posting our videos on YouTube": their content, a channel
            if len(gap.split()) > 6:
                continue
            return name
    return None


def _volume(low: str) -> tuple[int | None, int | None, int | None, int | None, bool] | None:
    """(posts per week, one-off extra posts, extra per week, posts per month, downwards)."""
    down = bool(_DOWN_RX.search(low))
    if (_DAILY_RX.search(low) and _POSTS_WORD_RX.search(low)) or re.search(
        r"\b(?:plus\s+de\s+posts|more\s+posts)\b.*\b(?:un|une|one)\s+par\s+jour\b", low
    ):
        return 7, None, None, None, down
    best = None
    for m in _VOLUME_RX.finditer(low):
        word = m.group("n")
        n = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
        if n is None or n > 30:
            continue
        text = m.group(0)
        extra = bool(m.group("extra1") or m.group("extra2"))
        has_noun = re.search(_POSTS, text) is not None
        if m.group("week") and (has_noun or extra):
            if word in ("a", "un", "une") and not has_noun:
                continue
            if extra:
                return None, None, n, None, down
            best = best or (n, None, None, None, down)
            # "from 3 to 5 posts a week": the last one is what is asked
            after = low[m.end() :]
            if not re.match(r"\s*(?:to|a)\s+\d", after):
                return best if best[0] == n else (n, None, None, None, down)
        elif m.group("month") and has_noun and not extra:
            return None, None, None, n, down
        elif extra and has_noun and not m.group("month"):
            return None, n, None, None, down
        elif extra and m.group("month"):
            return None, None, None, None, down
    if best is not None:
        return best
    if _MORE_POSTS_RX.search(low):
        return None, None, None, None, down
    return None


def _moved(s: _Sentence) -> tuple[str, str | None] | None:
    """(the deliverable as written, the new date phrase) when a deliverable is moved."""
    for m in _MOVE_RX.finditer(s.low):
        obj_low = m.group("obj")
        # Stop the object at the target ("to the 15th", "au 7 décembre", "back").
        cut = re.search(r"\s(?:to|until|till|au|a|jusqu'au|pour|by|back|d'une|de\s+\d)\b", obj_low)
        obj_end = m.start("obj") + (cut.start() if cut else len(obj_low))
        obj_text_low = s.low[m.start("obj") : obj_end]
        if not re.search(_DELIVERABLE, obj_text_low) or _MEETING_RX.search(obj_text_low):
            continue
        if _MEETING_RX.search(s.low[m.end() : m.end() + 30]) and not re.search(
            _DELIVERABLE, s.low[m.start("obj") : m.end()]
        ):
            continue
        obj = s.original(m.start("obj"), obj_end).strip(" ,")
        target = _TARGET_RX.search(s.low, obj_end)
        start = s.original(target.start("date"), target.end("date")) if target else None
        back = re.search(
            r"\bback\s+(?:by\s+)?((?:a|one|two)\s+weeks?|\d+\s+days?)", s.low[obj_end:]
        )
        if back and not start:
            start = s.original(obj_end + back.start(), obj_end + back.end())
        return obj, start
    return None


def _start(s: _Sentence) -> str | None:
    for m in _START_RX.finditer(s.low):
        phrase = s.original(m.start(), m.end()).strip()
        if re.fullmatch(r"(?:a|an|le|la|the)\s*", phrase, re.I):
            continue
        if re.match(r"(?:on|for|in|en|pour)\s", m.group(0)) and not re.search(_MONTH, m.group(0)):
            # "on Tuesday" is a day, not a start; "in March" / "en janvier" are
            continue
        return phrase
    return None


_MONTH_ONLY = re.compile(rf"(?:{_MONTH})(?:\s+\d{{4}})?$")
_NEXT_WEEK = re.compile(r"(?:next\s+week|la\s+semaine\s+prochaine)$")
_NEXT_MONTH = re.compile(r"(?:next\s+month|le\s+mois\s+prochain)$")
_PHRASE_LEAD = re.compile(
    r"^(?:from|starting(?:\s+(?:from|in|on))?|as\s+of|beginning(?:\s+in)?|effective|a\s+partir"
    r"\s+(?:du|de|d')|des(?:\s+le)?|courant|debut|in|en|pour|for|on|to|until|till|au|a|jusqu'au"
    r"|by|back\s+by|back)\s+"
)


def _resolve(phrase: str | None, written: datetime | None) -> date | None:
    if not phrase or written is None:
        return None
    low, _ = _fold(phrase)
    low = _PHRASE_LEAD.sub("", low.strip())
    if _MONTH_ONLY.fullmatch(low):
        return parse_date("1 " + low, written)
    if _NEXT_WEEK.fullmatch(low):
        today = written.date()
        return today + timedelta(days=7 - today.weekday())
    if _NEXT_MONTH.fullmatch(low):
        today = written.date()
        return (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    if re.search(r"\b(?:weeks?|days?|semaines?|jours)\b", low) and not re.search(
        r"next|prochaine|this", low
    ):
        return None  # "back by a week": relative to a date the mail does not give
    return parse_date(low, written)


# --------------------------------------------------------------------------- revisions


def _is_revision(s: _Sentence) -> bool:
    low = s.low
    if _NOT_WORK_RX.search(low) or _MEETING_RX.search(low):
        return False
    if _COMPLAINT_RX.search(low) and _REV_OBJECT_RX.search(low):
        return True
    verb = _REV_VERB_RX.search(low)
    if verb is None or not _REV_OBJECT_RX.search(low):
        return False
    if _REQUEST_RX.search(low):
        return True
    # An imperative or a list item: "Move the date to the top", "- enlever l'emoji".
    return bool(re.match(_BULLET + r"\s*(?:just\s+|juste\s+)?" + _REV_VERB, low))


def _revision(s: _Sentence, lang: str, mail_lang: str) -> tuple[int, Request] | None:
    if not _is_revision(s) or (_NOT_A_REQUEST_RX.search(s.low) and not _COMPLAINT_RX.search(s.low)):
        return None
    # Questions about a draft ("where did you find the photo?") carry no change verb.
    summary = _summary_revision(s.low, lang)
    return 3, _request(s, "revision", summary)


_REV_SUMMARY_VERBS: tuple[tuple[str, str, str], ...] = (  # (pattern, English, French)
    (r"\b(?:redo|re-do|rework|refaire|refais|revoir|reprendre)\b", "redo", "refaire"),
    (
        r"\b(?:fix|correct|corriger|corrige|corrigez|rectifier)\b|\ba\s+typo|\btypos\b|faute|coquille|wrong|mistake|errone|faux|fausse",
        "correct",
        "corriger",
    ),
    (
        r"\b(?:swap|replace|remplacer|remplace|use\s+(?:a\s+)?(?:different|another|other)|choisir\s+une?\s+autre)\b",
        "replace",
        "remplacer",
    ),
    (r"\b(?:remove|delete|take\s+out|enlever|enleve|retirer|supprimer)\b", "remove", "retirer"),
    (
        r"\b(?:shorten|raccourcir)\b|\btoo\s+long\b|\btrop\s+long|\bun\s+peu\s+long",
        "shorten",
        "raccourcir",
    ),
    (r"\b(?:add|put|ajouter|mettre)\b", "add to", "compléter"),
    (
        r"\b(?:change|changing|changer|changez|modify|modifier|modifie|modifiez|edit|update)\b",
        "change",
        "modifier",
    ),
)
# (pattern, English object, French object)
_REV_SUMMARY_OBJECTS: tuple[tuple[str, str, str], ...] = (
    (r"\b(?:caption|captions|legendes?)\b", "the caption", "la légende"),
    (r"\blogo\b", "the logo", "le logo"),
    (r"\b(?:colou?rs?|couleurs?)\b", "the colours", "les couleurs"),
    (r"\bhashtags?\b", "the hashtags", "les hashtags"),
    (r"\b(?:music|track|song|musique)\b", "the music", "la musique"),
    (r"\b(?:font|fonts|typeface|police)\b|\bla\s+typo\b", "the font", "la police"),
    (r"\b(?:price|prix)\b", "the price", "le prix"),
    (r"\b(?:address|adresse)\b", "the address", "l'adresse"),
    (r"\b(?:title|titles|headline|titres?)\b", "the title", "le titre"),
    (r"\b(?:photo|photos|picture|pictures|pic|pics|image|images)\b", "the photo", "la photo"),
    (r"\b(?:banner|banniere)\b", "the banner", "la bannière"),
    (r"\bemojis?\b", "the emoji", "l'emoji"),
    (
        r"\b(?:text|texts|copy|wording|textes?|tagline|slogan|accroche)\b|\ba\s+typo|\btypos\b|\bfaute",
        "the text",
        "le texte",
    ),
    (r"\b(?:part|passage)\b", "a part of the video", "un passage de la vidéo"),
    (r"\b(?:slides?|diapos?)\b", "the slide", "la slide"),
    (r"\b(?:carousel|carrousel)\b", "the carousel", "le carrousel"),
    (r"\b(?:reels?)\b", "the reel", "le reel"),
    (r"\b(?:stor(?:y|ies))\b", "the story", "la story"),
    (r"\b(?:videos?|montage|animation)\b", "the video", "la vidéo"),
    (
        r"\b(?:visuals?|visuels?|graphics?|design|layout|mise\s+en\s+page|maquettes?)\b",
        "the visual",
        "le visuel",
    ),
    (r"\b(?:button|cta)\b", "the button", "le bouton"),
    (r"\bdate\b", "the date", "la date"),
    (r"\b(?:posts?|publications?)\b", "the post", "la publication"),
)


def _summary_revision(low: str, lang: str) -> str:
    en_verb, fr_verb, at = "adjust", "ajuster", 0
    for rx, en, fr in _REV_SUMMARY_VERBS:
        m = re.search(rx, low)
        if m:
            en_verb, fr_verb, at = en, fr, m.start()
            break
    # The thing changed is the first one named after the verb ("remove the part of the
    # video"), else the first one named ("the logo is too small").
    en_obj, fr_obj = "the delivered work", "le contenu livré"
    best: tuple[bool, int] | None = None
    for rx, en, fr in _REV_SUMMARY_OBJECTS:
        for m in re.finditer(rx, low):
            key = (m.start() < at, m.start())
            if best is None or key < best:
                best, en_obj, fr_obj = key, en, fr
    if en_verb == "add to":
        en_verb, fr_verb = "change", "modifier"
    if lang == "fr":
        return f"{fr_verb} {fr_obj}"
    return f"{en_verb} {en_obj}"


# --------------------------------------------------------------------------- decisions


def _decision(
    s: _Sentence, lang: str, mail_lang: str, written: datetime | None
) -> tuple[int, Request] | None:
    low = s.low
    if s.question or (_NOT_WORK_RX.search(low) and not _CHOICE_RX.search(low)):
        return None
    strong = _DECIDE_STRONG_RX.search(low)
    if strong and not _about_the_work(low[strong.end() :]):
        strong = None  # "I've decided to take a few days off"
    verb = _DECIDE_RX.search(low) or _CHOICE_ALONE_RX.search(low)
    if not strong and not verb:
        return None
    choice = _CHOICE_RX.search(low)
    day = _day(s)
    volume = (
        _VOLUME_RX.search(low)
        if verb and re.search(r"\b(?:stick|keep|garde|reste|part)", low)
        else None
    )
    if not strong and not choice and not day and not volume:
        return None
    if not strong and not choice and not volume and _APPROVAL_ONLY_RX.search(low):
        return None
    if choice is not None:
        picked = _choice_phrase(s, choice)
    elif day is not None:
        picked = day
    else:
        picked = _decided_clause(s)
    start = day if day and not choice else None
    start_date = _resolve(start, written)
    summary = _translate_choice(picked, lang, mail_lang)
    return 2 + bool(choice) + bool(strong), _request(
        s, "decision", summary, start=start, start_date=start_date
    )


_WORK_NOUN_RX = re.compile(
    rf"{_REV_OBJECT}|{_DELIVERABLE}|\b(?:option|version|proposal|proposition|plan|schedule"
    r"|calendar|calendrier|planning|concept|piste|go\s+with|keep|stick|garder|partir)\b"
    r"|" + "|".join(rx for _, rx in _CHANNELS + _WORK)
)


def _about_the_work(clause: str) -> bool:
    return bool(_WORK_NOUN_RX.search(clause) or _VOLUME_RX.search(clause))


def _day(s: _Sentence) -> str | None:
    for m in _DATE_RX.finditer(s.low):
        phrase = s.original(m.start(), m.end()).strip()
        bare_number = re.fullmatch(r"(?:the|le)\s+\d{1,2}", m.group(0))
        if bare_number and not re.search(r"\b(?:works?|marche|pour|for|retient|do|say)\b", s.low):
            continue
        return phrase
    found = _TIME_RX.search(s.low)
    return s.original(found.start(), found.end()).strip() if found else None


def _choice_phrase(s: _Sentence, m: re.Match[str]) -> str:
    phrase = s.original(m.start(), m.end()).strip()
    # "the blue one", "la version 2": keep what names it; "le visuel avec le chat": a few
    # words more.
    if re.search(r"(?:avec|with)$", m.group(0)):
        rest = re.match(r"(?:\s+[\w'-]+){1,3}", s.low[m.end() :])
        if rest:
            phrase = s.original(m.start(), m.end() + rest.end()).strip()
    elif re.search(
        r"(?:option|version|proposition|piste|maquette|first|second|third|last"
        r"|premiere?|deuxieme|seconde?|troisieme|derniere?)$",
        m.group(0),
    ):
        rest = re.match(
            r"(?:\s+(?:version|option|proposition|du\s+[\w'-]+|of\s+the\s+[\w'-]+"
            r"|[a-e1-5]\b|one\b))+",
            s.low[m.end() :],
        )
        if rest:
            phrase = s.original(m.start(), m.end() + rest.end()).strip()
    return phrase.rstrip(".,!;:")


def _decided_clause(s: _Sentence) -> str:
    m = re.search(
        r"\b(?:decided|decide|choisi|chosen|picked|settled|opte|optons)\b\s*(?:to|de|d'|that|que|on|pour)?\s*",
        s.low,
    )
    if m is None:
        return s.text[:80]
    rest = s.low[m.end() :]
    end = re.search(r"[,.;!]|\s(?:as|because|since|car|parce)\b|$", rest)
    stop = m.end() + (end.start() if end else len(rest))
    return s.original(m.end(), stop).strip()[:80] or s.text[:80]


_DAY_NAMES = dict(zip(_WEEKDAYS_EN, _WEEKDAYS_FR, strict=True))
_DAY_NAMES_BACK = {fr: en.capitalize() for en, fr in _DAY_NAMES.items()}


def _translate_choice(phrase: str, lang: str, mail_lang: str) -> str:
    """Option, version, proposal and day words in the draft's language."""
    if lang == mail_lang:
        return phrase
    low, _ = _fold(phrase)
    if lang == "fr":
        for en, fr in _DAY_NAMES.items():
            low = re.sub(rf"\b{en}\b", fr, low)
        low = re.sub(r"\bproposal\b", "proposition", low)
        low = re.sub(r"\bthe\s+", "", low)
        for i, en in enumerate(_MONTHS_EN):
            low = re.sub(rf"\b{en}\b", _MONTHS_FR_WRITTEN[i], low)
        return low
    for fr, en in _DAY_NAMES_BACK.items():
        low = re.sub(rf"\b{fr}\b", en, low)
    low = re.sub(r"\bproposition\b", "proposal", low)
    low = re.sub(r"^(?:la|le|l')\s*", "", low)
    for i, fr in enumerate(_MONTHS_FR):
        low = re.sub(rf"\b{fr}\b", _MONTHS_EN[i].capitalize(), low)
    return low


# --------------------------------------------------------------------------- summaries


def _summary_channel(channel: str, lang: str) -> str:
    en, fr = CHANNEL_NAMES.get(channel, (channel, channel))
    return f"post on {en}" if lang == "en" else f"publier sur {fr}"


_WORK_SUMMARY = {
    "ads": ("run ads", "gérer des publicités"),
    "stories": ("post stories", "publier des stories"),
    "reels": ("make reels", "réaliser des reels"),
    "campaign": ("run a campaign", "mener une campagne"),
    "pillar": ("add a new content pillar", "ajouter un nouveau pilier de contenu"),
    "video": ("make a video", "réaliser une vidéo"),
    "newsletter": ("write a newsletter", "rédiger une newsletter"),
}


def _summary_work(work: str, channel: str | None, lang: str) -> str:
    en, fr = _WORK_SUMMARY[work]
    if channel and channel != "newsletter" and work in ("ads", "stories", "reels", "video"):
        name = CHANNEL_NAMES.get(channel, (channel, channel))[0]
        if lang == "en":
            return {
                "ads": f"run {name} ads",
                "stories": f"post {name} stories",
                "reels": f"make {name} reels",
                "video": f"make a video for {name}",
            }[work]
        return {
            "ads": f"gérer des publicités {name}",
            "stories": f"publier des stories {name}",
            "reels": f"réaliser des reels {name}",
            "video": f"réaliser une vidéo pour {name}",
        }[work]
    return en if lang == "en" else fr


def _summary_volume(
    ppw: int | None, extra: int | None, extra_week: int | None, per_month: int | None, lang: str
) -> str:
    def posts(n: int) -> str:
        if lang == "en":
            return f"{n} post" if n == 1 else f"{n} posts"
        return f"{n} publication" if n == 1 else f"{n} publications"

    if lang == "en":
        if ppw == 7:
            return "a post every day"
        if ppw is not None:
            return f"{posts(ppw)} a week"
        if extra_week is not None:
            return f"{extra_week} extra {'post' if extra_week == 1 else 'posts'} a week"
        if extra is not None:
            return f"{extra} extra {'post' if extra == 1 else 'posts'}"
        if per_month is not None:
            return f"{posts(per_month)} a month"
        return "more posts"
    if ppw == 7:
        return "une publication par jour"
    if ppw is not None:
        return f"{posts(ppw)} par semaine"
    if extra_week is not None:
        plural = "s" if extra_week > 1 else ""
        return f"{posts(extra_week)} supplémentaire{plural} par semaine"
    if extra is not None:
        return f"{posts(extra)} supplémentaire{'s' if extra > 1 else ''}"
    if per_month is not None:
        return f"{posts(per_month)} par mois"
    return "davantage de publications"


_OBJECTS = (  # deliverables: (pattern, English, French)
    (
        r"launch|lancement|sortie|release|go[\s-]live|mise\s+en\s+ligne",
        "the launch",
        "le lancement",
    ),
    (r"campaign|campagne", "the campaign", "la campagne"),
    (r"shoot|shooting|tournage", "the shoot", "le shooting"),
    (r"newsletter", "the newsletter", "la newsletter"),
    (r"giveaway|contest|concours", "the contest", "le concours"),
    (r"promo|sale|soldes", "the sale posts", "les publications des soldes"),
    (r"post|publication|story|reel|video|annonce|announcement", "the post", "la publication"),
)


def _summary_move(
    obj: str,
    start: str | None,
    start_date: date | None,
    lang: str,
    mail_lang: str,
    *,
    canonical: bool = False,
) -> str:
    """ "move the launch to 15 December", "décaler le lancement au 7 décembre"; `obj` as
    written when the mail is in the summary's language (unless `canonical`)."""
    obj_low, _ = _fold(obj)
    if lang == mail_lang and not canonical:
        thing = obj[0].lower() + obj[1:] if obj[:1].isupper() and not obj[1:2].isupper() else obj
    else:
        thing = next(
            ((en if lang == "en" else fr) for rx, en, fr in _OBJECTS if re.search(rx, obj_low)),
            "the work" if lang == "en" else "la publication",
        )
    duration = start is not None and re.search(
        r"\b(?:weeks?|days?|semaines?|jours)\b", _fold(start)[0]
    )
    if duration and start and lang == mail_lang:
        span = re.sub(r"^(?:back\s+)?(?:by\s+)?", "", start, flags=re.I)
        if lang == "en":
            return f"push {thing} back by {span}"
        span = re.sub(r"^(?:de\s+|d')", "", span, flags=re.I)
        return f"décaler {thing} {'d' + chr(39) if span[:1].lower() in 'aeiouéu' else 'de '}{span}"
    if lang == "en":
        if start_date is not None:
            return (
                f"move {thing} to {start_date.day} {_MONTHS_EN[start_date.month - 1].capitalize()}"
            )
        if start and lang == mail_lang:
            low, _ = _fold(start)
            return f"move {thing} {start}" if low.startswith("back") else f"move {thing} to {start}"
        return f"move {thing}"
    if start_date is not None:
        day = "1er" if start_date.day == 1 else str(start_date.day)
        return f"décaler {thing} au {day} {_MONTHS_FR_WRITTEN[start_date.month - 1]}"
    if start and lang == mail_lang:
        return f"décaler {thing} ({start})"
    return f"décaler {thing}"


def _request(s: _Sentence, kind: str, summary: str, **fields: object) -> Request:
    sentence = s.text if len(s.text) <= MAX_SENTENCE else s.text[: MAX_SENTENCE - 1].rstrip() + "…"
    return Request(kind=kind, sentence=sentence, summary=summary, **fields)  # type: ignore[arg-type]
