"""Is a client's message abusive or threatening? (issue 12)

The playbook: abusive or threatening mail is never answered automatically; it is
flagged in the digest, recorded, and the owner decides. A flag freezes every automatic
draft for that client and tells the owner their client is abusive, so a false flag on a
polite complaint is a real cost: this detector is built for precision first.

What counts, in English and French:

- insult: contempt aimed at the owner or their work ("you're useless", "bande
  d'escrocs", "this is garbage, my nephew could do better", "connard");
- threat: intimidation or violence ("you'll regret this", "je sais où vous habitez"),
  and threats to someone's reputation ("I'll leave a 1-star review everywhere and tell
  everyone you're a scammer");
- legal_threat: a lawyer, a court, a complaint or small claims used as pressure ("my
  lawyer will be in touch", "je vais porter plainte"), flagged even when polite, since
  the owner must decide what to do with it;
- harassment: sexual remarks, and shouted demands ("ANSWER ME NOW") that come with
  insults or swearing.

What does not: disappointment and firm complaints ("this is unacceptable, please fix
it today", "je suis très déçu"), ending a contract, swearing in praise ("this is
f***ing amazing", "putain c'est top"), slang ("killer content", "c'est une tuerie"),
marketing copy and trolls' comments quoted in quotation marks, contempt for someone
else (a previous agency, a competitor), the client's own bad day, and lawyers who are
simply part of the client's business ("our new attorney joins on Monday").

Why hand-written patterns rather than a profanity library or a toxicity model:
profanity is the wrong signal here (praise swears as often as abuse does), the
available lists and models are English-only or far larger than a few MB, and every
rule below can be read, tested and explained to the owner. Each pattern needs a
target (you, your work, a first-person threat), not just a bad word.

Input: the client's own text. Quotes are stripped upstream, but lines starting with
">" and everything after "On ... wrote:" / "Le ... a écrit :" or a forwarded-message
marker are dropped again here (mailwatch.parse.text.strip_quotes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailwatch.detect.text import normalise, sentences
from mailwatch.parse.text import strip_quotes

__all__ = ["KINDS", "Abuse", "find_abuse"]

# The order is the severity: when a message is several things at once, the digest
# names the most serious.
KINDS: tuple[str, ...] = ("threat", "harassment", "legal_threat", "insult")
_MAX_LINE = 300
_MAX_LINES = 5


@dataclass(frozen=True, slots=True)
class Abuse:
    kind: str  # "insult" | "threat" | "legal_threat" | "harassment"
    lines: tuple[str, ...]  # the offending sentences, as written, for the owner to read


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_TARGETED: set[re.Pattern[str]] = set()


def _you(pattern: str) -> re.Pattern[str]:
    """An insult pattern that names its target itself ("you", "vous", "tu", "your team")."""
    compiled = _rx(pattern)
    _TARGETED.add(compiled)
    return compiled


# --------------------------------------------------------------------------- words
# All patterns run on normalised text: lower case, no accents, straight apostrophes.

_YOU_ARE = (
    r"(?:\byou\s*'?\s*re\b|\byoure\b|\byou\s+are\b|\bu\s+r\b|\bu\s+are\b|\bur\b|\byou\s+r\b"
    r"|\byou\s+(?:people|guys|lot|two|all)\s+are\b|\by'?all\s+are\b)"
)
_STARRED = r"(?:s\*+t?|sh\*+t|f\*+k?)"
_EN_NOUN = (
    r"(?:idiots?|morons?|imbeciles?|clowns?|amateurs?|losers?|liars?|thie(?:f|ves)|crooks?"
    r"|scammers?|scam|frauds?|con\s+artists?|joke|disgrace|incompetents?|muppets?|jerks?"
    r"|assholes?|arseholes?|dickheads?|pricks?|bitch(?:es)?|cunts?|twats?|douche(?:bag)?s?"
    r"|retards?|halfwits?|dimwits?|dumbass(?:es)?|cowboys|thieving\s+\w+"
    rf"|piece\s+of\s+(?:shit|{_STARRED}|crap|garbage|trash|work)"
    r"|waste\s+of\s+(?:space|money|oxygen|air))"
)
_EN_ADJ_WORDS = (
    r"useless|incompetent|stupid|pathetic|worthless|clueless|hopeless|brainless|dumb"
    r"|lazy|moronic|idiotic|retarded|dishonest|thick\s+as\s+\w+"
)
_EN_ADJ = rf"(?:{_EN_ADJ_WORDS})"
_EN_FILLER = (
    r"(?:such|so|a|an|the|just|really|truly|completely|totally|utterly|absolutely|all|both"
    r"|nothing\s+but|bunch\s+of|a\s+bunch\s+of|fucking|f\*+ing|effing|bloody|damn|freaking"
    r"|most|biggest|worst|complete|total|absolute|utter|incompetent|useless|lazy|stupid"
    r"|pathetic|lying|thieving|little|honestly|literally|officially|seriously|genuinely"
    r"|clearly|obviously|definitely|actually|frankly|now|still|always|being)"
)
# "you are honestly the laziest person I have ever hired"
_EN_SUPERLATIVE = (
    r"(?:the\s+(?:laziest|stupidest|dumbest|worst|most\s+(?:incompetent|useless|unprofessional"
    r"|pathetic|clueless|dishonest|disgusting|hopeless))\b)"
)
_FR_NOUN = (
    r"(?:incapables?|incompetent(?:e|s|es)?|nul(?:le|s|les)?|idiot(?:e|s|es)?"
    r"|abruti(?:e|s|es)?|cretin(?:e|s|es)?|debiles?|con(?:ne|s|nes)?|imbeciles?|minables?"
    r"|escrocs?|voleur(?:s)?|voleuse(?:s)?|arnaqueur(?:s)?|arnaqueuse(?:s)?|amateurs?"
    r"|bon(?:ne)?s?\s+a\s+rien|guignols?|clowns?|bouffon(?:ne)?s?|tocard(?:e|s|es)?"
    r"|branquignols?|charlots?|menteur(?:s)?|menteuse(?:s)?|feignant(?:e|s|es)?"
    r"|faineant(?:e|s|es)?|fumistes?|une\s+blague|une\s+honte|pourri(?:e|s|es)?|nazes?"
    r"|nases?|bras\s+casses|brelles?|bouffons?|pignoufs?|baltringues?|blaireaux|blaireau"
    r"|branleu(?:r|rs|se|ses)|glandeu(?:r|rs|se|ses)|quiches?|truffes?|manches)"
)
_FR_FILLER = (
    r"(?:vraiment|completement|totalement|franchement|une|un|des|de|d'|qu'une|qu'un"
    r"|que\s+des|que|tellement|trop|si|juste|bien|vraiment\s+des|une\s+belle\s+bande\s+d'?"
    r"|une\s+bande\s+d'?|une\s+bande\s+de|bande\s+d'?|bande\s+de|de\s+sacres|une\s+sacree"
    r"|un\s+sacre|grave|carrement|clairement|que\s+d'|qu'|putain\s+d'|putain\s+de|sale)"
)
_FR_YOU_ARE = (
    r"(?:\bvous\s+etes\b|\bt\s*'\s*es\b|\btes\b|\btu\s+es\b|\bvous\s+n'etes\b|\btu\s+n'es\b"
    r"|\bt'es\s+qu'|\bt\s+es\b)"
)
_SECOND_PERSON = re.compile(
    r"\b(?:you|your|yours|u|ur|ya|vous|votre|vos|tu|te|toi|ton|ta|tes)\b|\bt'"
)
# Someone else is the target: a previous agency, a competitor, trolls, "they".
_THIRD_PARTY = re.compile(
    r"\b(?:previous|former|old|last|other)\s+(?:agency|agencies|freelancer|provider|guy|team"
    r"|designer|manager|supplier|company)\b|\bcompetitors?\b|\bcompetition\b|\btrolls?\b"
    r"|\bthey\b|\bthem\b|\btheir\b|\bhe\b|\bshe\b|\bhis\b|\bthose\b|\bthese\s+guys\b"
    r"|\b(?:the|those|these|our|my)\s+(?:\w+\s+)?(?:guys|people|printers?|couriers?|suppliers?"
    r"|developers?|devs?|photographers?|bank|landlord|insurers?|customers?|delivery)\b"
    r"|\b(?:imprimeur|livreur|fournisseur|banque|developpeur|photographe|proprio|assurance"
    r"|la\s+poste)s?\b"
    r"|\b(?:my|our|mon|ma|mes|notre|nos)\s+(?:associe\w*|partners?|co-?founders?|ex|mari|femme"
    r"|wife|husband|fr[e]re|soeur|brother|sister|mere|pere|mum|mom|dad|son|fils|fille|daughter"
    r"|family|famille)\b|\bdivorce\b"
    r"|\bneighbou?r\b|\baccountant\b|\b(?:this|that|a|my|one)\s+(?:client|customer|guy)\b|\bcomments?\b|\bcommented\b|\breviews?\b"
    r"|\bancien(?:ne)?s?\b|\bprecedent(?:e)?s?\b|\bconcurren(?:t|ts|ce)\b|\bils\b|\belles\b"
    r"|\beux\b|\bleurs?\b|\b(?:ce|un|mon|cette|une|ma)\s+(?:client|cliente|livreur|type|mec|gars)\b|\bcette\s+(?:fille|femme|nana)\b"
    r"|\bces\s+gens\b|\bvoisin(?:e|s|es)?\b|\b(?:a|ont|avait|avaient)\s+menace\b|\bcomptable\b|\bcommentaires?\b|\bnous\s+traitent\b"
    r"|\bme\s+traite\b|\bnous\s+traite\b|\btraitent\b"
)
_SELF = re.compile(
    r"\b(?:i'?m|i\s+am|i\s+feel|i\s+was|myself|what\s+an?\s+\w+\s+i\s+am|je\s+suis|j'?suis"
    r"|chuis|j'etais|je\s+me\s+sens|quel(?:le)?\s+\w+\s+je\s+fais)\b"
)
_NEGATION_BEFORE = re.compile(
    r"(?:\bnot\b|\bn't\b|\bnever\b|\bno\s+need\b|\bno\s+intention\b|\bno\s+plans?\b"
    r"|\bwon'?t\b|\bwouldn'?t\b|\bdon'?t\s+want\b|\bpas\b|\bjamais\b|\baucune?\b"
    r"|\bpas\s+besoin\b|\bni\b|\bsans\b|\bpoint\s+de\b|\bdon'?t\s+worry\b|\brassurez\b)"
)
# Laughing it off: "I could kill you for that pun haha", "you idiot :) no worries".
_JOKING = re.compile(
    r"\b(?:haha+|hehe+|lol|lmao|jk|just\s+kidding|mdr|ptdr|je\s+plaisante|je\s+rigole)\b"
    r"|[:;]-?[)dp](?!\w)|[\U0001F602\U0001F923\U0001F605\U0001F609\U0001F61C\U0001F606]"
)
_NOT_NEGATION = re.compile(
    r"\b(?:won'?t|will\s+not|wouldn'?t|would\s+not)\s+hesitate\b"
    r"|\bno\s+(?:other\s+)?(?:choice|option|alternative)\b|\bpas\s+(?:d'autre\s+)?choix\b"
    r"|\bn'?\s*hesiter(?:ai|ons|a|ont|ais)?\s+pas\b|\bne\s+pas\s+hesiter\b"
)

# --------------------------------------------------------------------------- insults

# A sentence that is only an insult: "Idiots.", "Incompetents!", "Bande de nuls !"
# (unless the sentence before was about someone else: see find_abuse)
_ALONE = _you(
    r"^\W*(?:(?:bunch\s+of|bande\s+(?:de|d')\s*)?(?:idiots|morons|clowns|incompetents|imbeciles"
    r"|losers|amateurs|crooks|scammers|thieves|liars|incapables|nuls|nazes|guignols|escrocs"
    r"|voleurs|menteurs|abrutis|cretins|branquignols|charlots|tocards))\W*$"
)

_INSULT = [
    # "you're useless", "you people are a bunch of clowns", "ur a joke mate"
    _you(rf"{_YOU_ARE}\s+(?:{_EN_FILLER}\s+){{0,4}}(?:{_EN_NOUN}|{_EN_ADJ}|{_EN_SUPERLATIVE})"),
    _ALONE,
    # "your team is useless", "your agency is a joke"
    _you(
        r"\byour\s+(?:whole\s+|entire\s+)?(?:team|staff|people|agency|company|designer|intern"
        r"|guys|freelancers?|business)\s+(?:is|are|was|were)\s+(?:"
        + _EN_FILLER
        + rf"\s+){{0,3}}(?:{_EN_NOUN}|{_EN_ADJ})\b"
    ),
    # "whoever wrote these captions is a moron"
    _you(
        r"\bwhoever\b[^.!?]{0,60}\b(?:is|was|are|were)\s+(?:"
        + _EN_FILLER
        + rf"\s+){{0,4}}(?:{_EN_NOUN}|{_EN_ADJ})\b"
    ),
    # "you idiot", "you useless piece of s***"
    _you(
        r"\b(?:you|u|ya)\s+(?:(?:fucking|f\*+ing|bloody|absolute|complete|total|utter|lying"
        r"|thieving|little|" + _EN_ADJ_WORDS + r")\s+){0,3}"
        r"(?:idiots?|morons?|imbeciles?|clowns?|losers?|liars?|thie(?:f|ves)|crooks?"
        r"|scammers?|frauds?|assholes?|arseholes?|dickheads?|pricks?|bitch(?:es)?|cunts?"
        r"|twats?|muppets?|amateurs?|retards?|cows?|pigs?|snakes?|rats?|slugs?|dogs?"
        rf"|piece\s+of\s+(?:shit|{_STARRED}|crap|garbage|trash))(?![\w*])"
    ),
    # "incompetent idiot", "complete morons", "bunch of clowns" (not about oneself, see _SELF)
    _rx(
        r"\b(?:incompetent|useless|stupid|fucking|f\*+ing|bloody|pathetic|lazy|complete"
        r"|total|absolute|utter|bunch\s+of)\s+(?:idiots?|morons?|imbeciles?|clowns?|losers?"
        r"|amateurs?|crooks?|scammers?|frauds?|assholes?|bitch(?:es)?|thieves|cowboys|muppets?"
        r"|incompetents|jokers)\b"
    ),
    # Swearing at someone.
    _you(
        r"\b(?:fuck\s+(?:you|u|off|yourself)|f\*+k?\s+(?:you|u|off)|screw\s+you|go\s+to\s+hell"
        r"|piss\s+off|stfu|kiss\s+my\s+(?:ass|arse)|go\s+fuck\s+yourself|bite\s+me)\b"
    ),
    _rx(r"\b(?:assholes?|arseholes?|dickheads?|cunts?|twats?|motherfuckers?|wankers?)\b"),
    # Contempt for the work: "this is garbage", "your posts are shit".
    _rx(
        r"\b(?:this|that|it|what\s+you\s+(?:sent|did|made|delivered)|your\s+(?:\w+\s+)?"
        r"(?:posts?|work|content|captions?|report|designs?|visuals?|videos?|copy|agency"
        r"|service|stuff|company|reels?|graphics?))\s*(?:'s|is|are|was|were)\s+"
        r"(?:(?:absolute|complete|total|utter|pure|just|such|fucking|f\*+ing|bloody|a|an"
        r"|load\s+of|pile\s+of|piece\s+of|steaming|fucking)\s+){0,3}"
        rf"(?:garbage|trash|crap|shit|{_STARRED}|rubbish|junk|worthless|pathetic|amateurish"
        r"|dogshit|a\s+disgrace)(?![\w*])"
    ),
    # "my 12 year old nephew could do better", "a monkey could have done this"
    _rx(
        r"\b(?:child|kid|toddler|nephew|niece|son|daughter|grandma|granny|dog|monkey|chimp"
        r"|intern|year[- ]old)\b[^.!?]{0,40}\b(?:could|would|can)\s+(?:have\s+)?"
        r"(?:do|done|make|made|design|designed|write|written)\s+(?:it\s+|this\s+|that\s+)?"
        r"(?:better|this|that)\b"
    ),
    _you(
        r"\bare\s+(?:you|u)\s+(?:\w+\s+)?(?:stupid|deaf|blind|dumb|thick|retarded|an\s+idiot"
        r"|incompetent|a\s+moron)\b|\bcan\s+(?:you|u)\s+even\s+read\b|\bdo\s+(?:you|u)\s+even"
        r"\s+read\b"
    ),
    # French: "vous êtes une incapable", "t'es vraiment une bonne à rien", "vous n'êtes que des..."
    _you(rf"{_FR_YOU_ARE}\s*(?:que\s+|qu'\s*)?(?:{_FR_FILLER}\s*){{0,4}}{_FR_NOUN}(?!\w)"),
    # "bande d'escrocs", "espèce d'idiot", "pauvre conne"
    _rx(
        r"\b(?:bande|espece)\s+(?:d'\s*|de\s+)(?:sales?\s+)?(?:escrocs|incapables|incompetents"
        r"|guignols|nuls|amateurs|idiots|abrutis|branquignols|voleurs|arnaqueurs|cons|cretins"
        r"|bras\s+casses|tocards|bouffons|charlots|imbeciles|nazes|idiote?|incapable|abrutie?"
        r"|conne?|cretine?|imbecile|escroc|voleur|voleuse|arnaqueuse?|salope|enfoire)\b"
        r"|\bpauvre\s+(?:merde|con|conne|idiot|idiote|imbecile|cretin|cretine|nulle?|tache|tanche"
        r"|cloche|type|naze|nase|abruti|abrutie|minable)\b"
    ),
    _rx(
        r"\b(?:connard|connards|connasses?|salopes?|salauds?|encule(?:e|s|es)?"
        r"|enfoire(?:e|s|es)?|petasses?|pouffiasses?|batards?|raclures?|fils\s+de\s+pute"
        r"|sale\s+pute|trou\s+du\s+cul|ta\s+gueule|fermez?\s+(?:ta|la|votre)\s+gueule"
        r"|va\s+te\s+faire\s+(?:foutre|voir|enculer)|allez\s+vous\s+faire\s+(?:foutre|voir)"
        r"|va\s+chier|allez\s+chier)\b"
    ),
    # Contempt for the work: "c'est de la merde", "ce carrousel est à chier".
    _rx(
        r"\b(?:de\s+la\s+(?:grosse\s+)?merde|une\s+merde|a\s+chier|merdique|de\s+la\s+daube"
        r"|(?:du|un)\s+travail\s+d'amateurs?|bacle\s+et\s+minable|torche\s+a\s+la\s+va\s+vite)\b"
    ),
    _you(
        r"\b(?:vous\s+(?:vous\s+)?fou(?:tez|ez)|tu\s+te\s+fous|on\s+se\s+fout|se\s+fout|vous"
        r"\s+foutez)\s+(?:de\s+ma|de\s+notre|de\s+la)\s+gueule\b|\bfoutez\s+de\s+moi\b"
    ),
    # "un stagiaire ferait mieux", "mon neveu de 10 ans aurait fait mieux"
    _rx(
        r"\b(?:enfant|gamin|gosse|stagiaire|singe|eleve|neveu|niece|fils|fille|chien)\b"
        r"[^.!?]{0,30}\b(?:ferait|aurait\s+fait|fait|ferai)\s+(?:\w+\s+)?mieux\b"
    ),
    _you(r"\b(?:vous\s+savez|tu\s+sais)\s+(?:meme\s+)?lire\b|\bt'es\s+(?:bete|con|conne)\s+ou"),
]
_INSULT.extend(
    [
        # "worst freelancer ever", "the worst agency I've ever dealt with"
        _rx(
            r"\bworst\s+(?:\w+\s+)?(?:freelancer|agency|service|manager|designer|provider"
            r"|supplier|contractor|company|professional|community\s+manager|social\s+media"
            r"\s+manager|team)s?\s+(?:ever|i'?ve\s+ever|i\s+have\s+ever|in\s+the\s+world)"
        ),
        # "do your f***ing job"
        _you(
            r"\b(?:do|learn|get)\s+your\s+(?:fucking|f\*+ing|effing|bloody|damn|goddamn|freaking)"
            r"\s+(?:job|work|act)\b|\bfais\s+ton\s+(?:putain\s+de\s+)?(?:boulot|taf|travail)\s+"
            r"(?:de\s+merde|putain)\b|\bfaites\s+votre\s+putain\s+de\s+(?:boulot|travail)\b"
        ),
    ]
)
_INSULT.extend(
    [
        # "espèce de nulle", "what kind of moron posts ..."
        _rx(rf"\bespece\s+(?:d'\s*|de\s+)(?:sale\s+)?{_FR_NOUN}(?!\w)"),
        _you(
            r"\bwhat\s+(?:kind|sort)\s+of\s+(?:an?\s+)?(?:\w+\s+)?(?:moron|idiot|imbecile|amateur"
            r"|clown|incompetent|halfwit|dimwit|cretin)s?\b"
        ),
    ]
)
# Patterns made with _you name their target; the others are skipped when the sentence
# is about the writer ("I'm such an idiot") or about someone else with no "you" in
# sight ("our previous agency were a bunch of clowns").

# --------------------------------------------------------------------------- threats

_FIRST_FUTURE_EN = (
    r"(?:\bi\s*'?ll\b|\bi\s+will\b|\bi\s*'?m\s+(?:going\s+to|gonna)\b|\bim\s+(?:going\s+to|gonna)\b"
    r"|\bi\s+am\s+(?:going\s+to|gonna)\b|\bgonna\b|\bwe\s*'?ll\b|\bwe\s+will\b"
    r"|\bwe\s*'?re\s+(?:going\s+to|gonna)\b|\bi\s*'?m\b|\bwe\s*'?re\b|\bor\s+i\b)"
)
_FIRST_FUTURE_FR = (
    r"(?:\bje\s+vais\b|\bj'?\s*vais\b|\bon\s+va\b|\bnous\s+allons\b|\bje\s+(?:vous|te|t')\s*"
    r"(?:mettrai|laisserai|ferai)\b|\bje\s+(?:mettrai|laisserai|ferai|compte)\b|\bje\s+vous\b"
    r"|\bje\s+te\b|\bsinon\b)"
)
_SCAM_WORD = (
    r"(?:scam|scammer|fraud|crook|rip[- ]?off|thie|liar|incompetent|useless|what\s+you\s+(?:are"
    r"|did)|arnaqu|escroc|voleu|incompetent|menteu|nuls?\b|incapable)"
)
_THREAT = [
    _rx(
        r"\b(?:you|u)\s*(?:'ll|will|'re\s+going\s+to|are\s+going\s+to|'re\s+gonna|are\s+gonna"
        r"|re\s+gonna|gonna|ll)\s+(?:really\s+|seriously\s+|so\s+|truly\s+)?"
        r"(?:regret|be\s+sorry)\b"
    ),
    _rx(
        r"\bi\s+know\s+where\s+(?:you|u)\s+(?:live|work|sleep)|\bi\s+know\s+where\s+your\s+"
        r"(?:office|kids|children|family|house|home)"
    ),
    _rx(
        r"\b(?:you|u)\s*(?:'ll|will|'re\s+going\s+to|are\s+going\s+to|'re\s+gonna)\s+pay\s+for"
        r"\s+(?:this|that|it)\s*(?:[.!,;]|$|i\s+promise|trust\s+me|believe\s+me)"
        r"|\b(?:make|making)\s+(?:you|u)\s+pay\b"
    ),
    _rx(
        r"\bwatch\s+your\s+back\b|\bbetter\s+watch\s+(?:out|yourself|it)\b|\bdon'?t\s+push\s+me\b"
        r"|\bdon'?t\s+mess\s+with\s+me\b|\bwho\s+(?:you'?re|you\s+are)\s+dealing\s+with\b"
        r"|\byou'?ve\s+been\s+warned\b|\bconsider\s+yourself\s+warned\b|\byour\s+last\s+warning\b"
    ),
    _rx(
        rf"{_FIRST_FUTURE_EN}\s+(?:\w+\s+){{0,2}}(?:kill|hurt|beat\s+up|beat|punch|smash"
        r"|bury|come\s+for|come\s+after|end|destroy|ruin|wreck)\s+(?:you|u|your\s+(?:business"
        r"|reputation|career|agency|company|life|name|brand|family))\b"
    ),
    # "I have friends who'd love to pay you a visit", "je débarque à votre bureau"
    _rx(
        r"\bpay\s+you\s+a\s+(?:little\s+)?visit\b|\bfriends\s+who\b[^.!?]{0,30}\bvisit\b"
        r"|\b(?:je\s+)?(?:debarque|viens|passe|monte)\s+(?:a|dans)\s+(?:votre|ton)\s+(?:bureau|agence"
        r"|domicile)\b[^.!?]{0,30}\b(?:regler|expliquer|voir\s+ce\s+qui)"
        r"|\bsinon\b[^.!?]{0,20}\b(?:je\s+)?(?:debarque|rapplique)\s+(?:a|chez|dans)\s+(?:votre|ton"
        r"|vous|toi)\b|\bvous\s+fais\s+une\s+(?:sale\s+)?reputation\b"
        r"|\bte\s+fais\s+une\s+(?:sale\s+)?reputation\b"
    ),
    # "I'll make your life hell", "tu vas le sentir passer"
    _rx(
        r"\bmake\s+your\s+life\s+(?:a\s+)?(?:living\s+)?(?:hell|misery|miserable|a\s+nightmare)\b"
        r"|\b(?:tu\s+vas|vous\s+allez)\s+(?:le\s+)?(?:sentir\s+passer|morfler|prendre\s+cher"
        r"|le\s+payer)\b|\bpourrir\s+la\s+vie\b|\bvie\s+(?:un\s+)?enfer\b"
    ),
    # "I'm coming down to your office and you won't like it"
    _rx(
        r"\b(?:coming|come|show\s+up|turn\s+up|pay\s+you\s+a\s+visit)\s+(?:down\s+|round\s+"
        r"|over\s+)?(?:to|at)\s+your\s+(?:office|house|home|place|door|flat)\b[^.!?]{0,40}"
        r"\b(?:won'?t\s+like|will\s+not\s+like|regret|be\s+sorry|see\s+what\s+happens)"
        r"|\band\s+you\s+(?:won'?t|will\s+not)\s+like\s+it\s*[.!]*$"
    ),
    _rx(
        r"\bbreak\s+your\s+(?:legs?|neck|face|nose|arms?|jaw)\b|\bkill\s+you\b"
        r"|\bnever\s+work\s+(?:in\s+this\s+(?:town|city|industry|business)|again)\b"
    ),
    # Reputation: a 1-star review, or telling everyone, with a first-person intent.
    _rx(
        r"\b(?:leave|leaving|post|posting|write|writing|give|giving|put|putting)\s+(?:you\s+)?"
        r"(?:a\s+|some\s+)?(?:1|one)[- ]?star\s+reviews?\b"
        r"|\b(?:1|one)[- ]?star\s+reviews?\s+(?:everywhere|all\s+over|on\s+every)"
        r"|\b(?:bad|terrible|negative|scathing|awful)\s+reviews?\s+(?:everywhere|all\s+over"
        r"|on\s+every)"
    ),
    _rx(
        rf"(?:{_FIRST_FUTURE_EN}|\bor\s+i'?m\b)[^.!?]{{0,40}}\b(?:tell|telling|warn|warning"
        r"|post|posting|share|sharing|expose|exposing|let)\b[^.!?]{0,60}" + _SCAM_WORD
    ),
    _rx(
        rf"(?:{_FIRST_FUTURE_EN}|{_FIRST_FUTURE_FR})[^.!?]{{0,40}}\b(?:post|posting|write|writing"
        r"|share|sharing|tell|telling|review|reviewing|publish|publishing|poster|publier|partager"
        r"|raconter|ecrire|laisser)\b[^.!?]{0,120}\b(?:google|trustpilot|yelp|linkedin|facebook"
        r"|instagram|tiktok|twitter|reddit|reviews?|everyone|everybody|everywhere|all\s+over"
        r"|partout|tout\s+le\s+monde|reseaux|avis)\b[^.!?]{0,80}\b(?:scam|fraud|crook|rip[- ]?off"
        r"|so[- ]called|nobody\s+else|no\s+one\s+else|avoid|warn|thie|liar|incompetent|arnaqu"
        r"|escroc|voleu|fuyez|eviter|personne\s+d'autre|se\s+fasse\s+avoir)"
    ),
    _rx(
        r"\beveryone\s+(?:in\s+town\s+)?will\s+know\s+(?:what\s+you|you'?re|who\s+you)"
        r"|\bname\s+and\s+shame\b|\bexpose\s+you\b"
    ),
    # French.
    _rx(
        r"\b(?:vous\s+allez|tu\s+vas|vous|tu)\s+(?:le\s+|la\s+)?regrett(?:er|erez|eras)\b"
        r"|\bvous\s+allez\s+regretter\b|\btu\s+vas\s+regretter\b"
    ),
    _rx(
        r"\bje\s+sais\s+ou\s+(?:tu\s+(?:habites|vis|travailles|dors)|vous\s+(?:habitez|vivez"
        r"|travaillez)|sont\s+(?:tes|vos)\s+enfants)"
    ),
    _rx(
        r"\b(?:faire\s+la\s+peau|casser\s+la\s+(?:gueule|figure)|peter\s+la\s+gueule"
        r"|defoncer\s+(?:la|ta)\s+gueule|je\s+vais\s+(?:te|vous)\s+(?:tuer|buter|crever"
        r"|defoncer|detruire|demolir|pourrir|couler|ruiner|faire\s+couler|massacrer)"
        r"|(?:vous\s+allez|tu\s+vas)\s+(?:me\s+le\s+payer|le\s+payer\s+cher|payer\s+pour\s+(?:ca"
        r"|cela))|ca\s+va\s+se\s+payer|gare\s+a\s+(?:vous|toi)|fai(?:s|tes)\s+gaffe\s+a\s+(?:toi"
        r"|vous)|prenez\s+garde\s+a\s+vous|a\s+qui\s+(?:tu\s+as|vous\s+avez)\s+affaire"
        r"|ce\s+qui\s+va\s+(?:t'|vous\s+)arriver|tu\s+vas\s+voir\s+ce\s+que\s+tu\s+vas\s+voir"
        r"|vous\s+allez\s+voir\s+ce\s+que\s+vous\s+allez\s+voir"
        r"|m'occuper\s+de\s+(?:ton|votre)\s+cas|plus\s+(?:jamais\s+)?(?:un\s+seul|aucun)\s+client"
        r"|ne\s+(?:retravailleras|travaillerez|retravaillerez)\s+plus)"
    ),
    _rx(
        r"\b(?:detruire|ruiner|salir|pourrir|couler|bousiller)\s+(?:votre|ta|ton|vos|tes)\s+"
        r"(?:reputation|e-reputation|image|agence|boite|business|entreprise|carriere|nom)"
    ),
    _rx(
        rf"{_FIRST_FUTURE_FR}[^.!?]{{0,50}}(?:avis\s+(?:a\s+)?(?:1|une)\s+etoile"
        r"|(?:1|une)\s+etoile|mauvais\s+avis|avis\s+negatifs?|mauvaise\s+pub(?:licite)?"
        r"|sale\s+pub)"
    ),
    _rx(
        rf"{_FIRST_FUTURE_FR}[^.!?]{{0,40}}(?:prevenir|dire\s+a|faire\s+savoir|balancer"
        r"|denoncer|raconter)[^.!?]{0,60}" + _SCAM_WORD
    ),
]

# --------------------------------------------------------------------------- legal

_LEGAL_ACTOR_EN = (
    r"(?:\b(?:my|our)\s+(?:lawyers?|attorneys?|solicitors?|barristers?|counsel|legal\s+(?:team"
    r"|counsel|department|advisers?|advisors?|representatives?|dept))\b)"
)
_LEGAL_ACTOR_FR = (
    r"(?:\b(?:mon|ma|notre|nos|mes)\s+(?:avocat(?:e|s)?|conseil(?:\s+juridique)?|juriste"
    r"|service\s+juridique|cabinet\s+d'avocats)\b|\bun\s+avocat\b|\bhuissier\b"
    r"|\bcommissaire\s+de\s+justice\b)"
)
_REVIEW_CONTEXT = re.compile(
    r"\b(?:review|reviewed|reviewing|check|checked|look\s+over|looked\s+over|read\s+through"
    r"|before\s+signing|sign\s+it|signing|all\s+fine|looks\s+fine|relu|relire|relecture"
    r"|valider|valide|avant\s+de\s+signer|signer|verifier|verifie|tout\s+est\s+ok"
    r"|partenaire|joins|rejoint|specialis|intervient|handles|templates?|nda|you\s+asked"
    r"|as\s+requested|as\s+discussed|comme\s+convenu|modeles?|a\s+votre\s+demande)\b"
)
_LEGAL = [
    # "my lawyer will be in touch", "I have instructed my solicitor", "cc: my lawyer"
    _rx(
        rf"{_LEGAL_ACTOR_EN}[^.!?]{{0,40}}\b(?:be\s+in\s+touch|get\s+in\s+touch"
        r"|contact(?:ing)?\s+(?:you|u)|write\s+to\s+you|writing\s+to\s+you|send(?:ing)?\s+you|handle\s+(?:this"
        r"|it|the\s+matter)|deal\s+with\s+(?:this|it|you)|take\s+(?:this|it)\s+(?:from\s+here"
        r"|further)|follow\s+up|pursue|pursuing|reach\s+out|reaching\s+out|is\s+cc'?d"
        r"|are\s+cc'?d|copied|in\s+copy)\b"
    ),
    _rx(
        r"\b(?:instructed|engaged|retained|consulted|contacted|spoken\s+(?:to|with)"
        r"|talked\s+to|cc'?(?:ing|ed)?|copied|copying|involve|involving|involved)\s+"
        rf"(?:\w+\s+){{0,3}}?{_LEGAL_ACTOR_EN}"
        r"|\b(?:forward(?:ed|ing)?|pass(?:ed|ing)?|hand(?:ed|ing)?|sen[dt](?:ing)?|giv(?:en|ing))"
        r"\s+(?:this|these|it|everything|all|our|your|the\s+(?:whole|entire|emails?"
        r"|correspondence|thread|file))\b[^.!?]{0,40}\bto\s+"
        + _LEGAL_ACTOR_EN
        + r"|\b(?:get|getting|got)\s+"
        + _LEGAL_ACTOR_EN
        + r"\s+involved\b"
    ),
    _rx(rf"\bhear(?:ing)?\s+from\s+{_LEGAL_ACTOR_EN}"),
    # First person + a legal step: "I will sue you", "we are considering legal action".
    _rx(
        r"\b(?:i|we)\s*(?:'ll|'m|'re|will|am|are|shall|may|might|would|'d|have|had)?\s*"
        r"(?:[\w']+\s+){0,8}?"
        r"(?P<term>sue|suing|take\s+(?:you|this|it|the\s+matter)\s+to\s+(?:court|small\s+claims"
        r"|a\s+tribunal|the\s+tribunal)|taking\s+(?:you|this|it)\s+to\s+(?:court|small\s+claims)"
        r"|(?:take|taking|pursue|pursuing|start|starting|initiate|initiating|begin)\s+legal"
        r"\s+(?:action|proceedings|steps)|legal\s+action|legal\s+proceedings|court\s+action"
        r"|file\s+(?:a\s+)?(?:lawsuit|claim|complaint)\s+against|press(?:ing)?\s+charges"
        r"|report(?:ing)?\s+you\s+to|go(?:ing)?\s+to\s+(?:court|small\s+claims)|small\s+claims"
        r"|chargeback\s+and\s+(?:a\s+)?complaint|seek(?:ing)?\s+damages|through\s+the\s+courts"
        r"|(?:file|filed|filing|lodge|lodged|make|made)\s+(?:a\s+)?(?:formal\s+)?(?:complaint"
        r"|claim)\s+(?:with|to|against))\b"
    ),
    _rx(
        r"\bsee\s+you\s+in\s+court\b|\bcease\s+and\s+desist\b|\bletter\s+before\s+action\b"
        r"|\btrading\s+standards\b|\bbetter\s+business\s+bureau\b|\bsue\s+you\b|\bbbb\b"
        r"|\bombudsman\b|\b(?:this\s+is|consider\s+this)\s+(?:your|a|my|our)\s+formal\s+notice\b"
    ),
    # French: an actor and what it will do, or a legal step with a first-person intent.
    _rx(
        rf"{_LEGAL_ACTOR_FR}[^.!?]{{0,40}}(?:affaire|nouvelles|vous\s+contacter|vous\s+contactera"
        r"|prendr[ae]\s+contact|va\s+prendre\s+contact|se\s+chargera|s'en\s+chargera|saisi"
        r"|vous\s+ecrira|reviendra\s+vers\s+vous|s'occupera|prendra\s+le\s+relais|en\s+copie"
        r"|en\s+cc|vous\s+recontactera|suit\s+le\s+dossier)"
    ),
    _rx(
        r"\b(?:affaire\s+a|transmis|transmets|transmettre|transmettrai|transmettrons|envoye|envoie"
        r"|envoyer|enverrai|enverrons|contacte|consulte|mandate|saisi|saisir|saisirai|confie"
        r"|confierai)\b[^.!?]{0,50}" + _LEGAL_ACTOR_FR
    ),
    _rx(
        r"\b(?:je|j'|nous|on)\s*(?:[\w']+\s+){0,8}?"
        r"(?P<term>porter\s+plainte|porte\s+plainte|porterai\s+plainte|porterons\s+plainte"
        r"|deposer\s+(?:une\s+)?plainte|deposerai\s+(?:une\s+)?plainte|plainte\s+contre\s+vous"
        r"|poursuivre\s+en\s+justice|vous\s+poursuivre|engager\s+des\s+poursuites|poursuites"
        r"\s+judiciaires|attaquer\s+en\s+justice|vous\s+attaquer|action\s+en\s+justice"
        r"|saisir\s+(?:la\s+justice|le\s+tribunal|les\s+tribunaux|le\s+juge|les\s+prud'?hommes"
        r"|la\s+dgccrf|le\s+mediateur)|saisirai\s+(?:la\s+justice|le\s+tribunal|les\s+tribunaux)"
        r"|tribunal|prud'?hommes|injonction\s+de\s+payer|procedure\s+judiciaire|au\s+penal"
        r"|devant\s+les\s+tribunaux|signaler\s+a\s+la\s+dgccrf)"
    ),
    _rx(
        r"\bmise\s+en\s+demeure\b|\bvous\s+trainer\s+en\s+justice\b|\bon\s+se\s+verra\s+au\s+tribunal"
    ),
]
# "I'm talking to a lawyer about getting my deposit back", "j'appelle mon avocat"; not
# "I'll talk to my lawyer about the contract first".
_L_CONSULT = _rx(
    r"\b(?:talk(?:ing)?\s+to|speak(?:ing)?\s+(?:to|with)|consult(?:ing)?|hir(?:e|ing)|get(?:ting)?"
    r"|call(?:ing)?|contact(?:ing)?|see(?:ing)?)\s+(?:a|my|our)\s+(?:lawyer|attorney|solicitor)s?\b"
    r"|\b(?:contacte|appelle|appeler|consulter|consulte|prendre|prends|vois\s+avec|voir\s+avec"
    r"|parler\s+a|parle\s+a)\s+(?:mon|un|une|notre)\s+avocat(?:e)?\b"
)
# Routine legal work: "I'll talk to my lawyer about the contract first".
_ROUTINE_LEGAL = re.compile(
    r"\b(?:contract|contrat|terms|agreement|nda|template|sign|signing|signer|statuts|cgv"
    r"|mentions\s+legales|disclaimer)\b"
)
_GRIEVANCE = re.compile(
    r"\b(?:breach|refund|deposit|money|damages|compensation|my\s+\w+\s+back|about\s+(?:this"
    r"|you|your|what|it|the\s+situation)|rembours\w*|acompte|prejudice|dommages|contre\s+vous"
    r"|cette\s+affaire|ce\s+dossier|la\s+situation|pour\s+(?:ca|cela|vous))\b"
)
(
    _L_ACTOR_EN,
    _L_TO_ACTOR_EN,
    _L_HEAR_FROM,
    _L_STEP_EN,
    _L_PLAIN_EN,
    _L_ACTOR_FR,
    _L_TO_ACTOR_FR,
    _L_STEP_FR,
    _L_DEMEURE,
) = _LEGAL
_L_ABOUT_A_LAWYER = (_L_ACTOR_EN, _L_TO_ACTOR_EN, _L_ACTOR_FR, _L_TO_ACTOR_FR)
# A legal step ("small claims", "tribunal") counts only with an intent to take it.
_LEGAL_INTENT_FR = re.compile(
    r"\b(?:vais|allons|va|compte|comptons|hesiterai|hesiterons|verrai|verrons|reserve|reservons"
    r"|envisage|envisageons|pret|prete|prets|oblige|obligee|contraint|contrainte|contraints"
    r"|porterai|deposerai|saisirai|saisirons|irai|irons|engagerai|engagerons|ai\s+(?:deja\s+)?"
    r"(?:porte|depose|saisi|contacte|engage)|avons\s+(?:deja\s+)?(?:porte|depose|saisi|engage)"
    r"|porte|irai|si\s+|sinon|sans\s+(?:retour|reponse|reglement|remboursement))"
)
_LEGAL_INTENT_EN = re.compile(
    r"\b(?:will|'ll|shall|going\s+to|gonna|considering|consider|intend|reserve\s+the\s+right"
    r"|prepared\s+to|plan\s+to|planning|no\s+choice|have\s+to|forced\s+to|taking|hesitate"
    r"|if\s+|or\s+(?:i|we|else))"
)
# Not "court" or "tribunal" alone: a tennis court, jury duty, a partner's divorce.
_LEGAL_WORD = re.compile(
    r"\b(?:lawyers?|attorneys?|solicitors?|barristers?|counsel|llp|law\s+firm|legal\s+(?:action"
    r"|department|dept|team|proceedings|steps|remedies|route|advice)|lawsuit|sue|suing"
    r"|small\s+claims|damages|avocat(?:e|s|es)?|huissier|commissaire\s+de\s+justice|plainte"
    r"|mise\s+en\s+demeure|juridique|contentieux|poursuites)\b"
)
# Talk about law as content or as the client's own business, not as pressure on us.
_CONTENT = re.compile(
    r"\b(?:posts?|article|caption|linkedin|publish|story|stories|tag|announce|announcing"
    r"|joins?|webinar|event|conference|speakers?|newsletter|publier|publication|concours"
    r"|rejoint|conference|salon|interview|client\s+of\s+ours|nos\s+clients|our\s+clients)\b"
)
_OURS = re.compile(
    r"\b(?:i|i'?[mdv]e?|we|we'?(?:ve|re|ll)|my|our|je|j'|nous|mon|ma|notre|nos|mes)\b"
)
_PRESSURE = re.compile(
    r"\b(?:expect|unless|otherwise|or\s+else|or\s+(?:i|we)|after\s+which|instructed|engaged"
    r"|retained|will|'ll|going\s+to|shall|intend|by\s+(?:monday|tuesday|wednesday|thursday|friday"
    r"|tomorrow|the\s+end)|recover|sinon|faute\s+de|a\s+defaut|apres\s+quoi|je\s+vous\s+laisse"
    r"|vais|allons|compte|comptons|sous\s+\d+\s+jours|d'ici|mandate|saisi|s'en\s+occupe"
    r"|recouvrer|prendra|contactera)\b"
)
_RECEIVED = re.compile(r"\b(?:recu|recoit|recevons|received|got\s+a)\b")

# --------------------------------------------------------------------------- harassment

_SEXUAL = [
    _rx(
        r"\b(?:you|u)\s*(?:'re|re|are|r|look|looked|looking|looks)\s+(?:\w+\s+){0,2}?"
        r"(?:hot|sexy|fine\s+as\s+hell|so\s+fine|irresistible|bangable|fuckable)\b"
    ),
    _rx(
        r"\b(?:send|show)\s+(?:me\s+)?(?:a\s+|some\s+|a\s+few\s+|more\s+)?(?:pics?|photos?"
        r"|pictures?|selfies?|nudes?)\s+of\s+(?:you|yourself)\b|\bnudes\b"
        r"|\bwhat\s+are\s+you\s+wearing\b|\bsleep\s+with\s+(?:me|you)\b"
        r"|\byour\s+(?:legs|ass|butt|boobs|tits|breasts|lips|figure|cleavage)\b"
        r"|\bmy\s+hotel\s+room\b|\bsexy\s+voice\b"
    ),
    _rx(
        r"\b(?:look|be|feel)\s+(?:even\s+)?(?:better|hotter|sexier)\s+without\s+(?:that|your|the|any)"
        r"\b|\bwithout\s+(?:your|that)\s+(?:top|shirt|blouse|bra|clothes|dress|skirt)\b"
    ),
    _rx(
        r"^\W*(?:hey|hi|hello|morning|evening)\s+(?:there\s+)?(?:gorgeous|sexy|beautiful|babe|baby"
        r"|hot\s+stuff|sweet\s+cheeks)\b(?!\s+(?:people|team|folks|ladies|all|everyone|humans))|\btake\s+you\s+out\s+(?:for|to|on)\s+(?:a\s+)?(?:dinner"
        r"|drinks?|a\s+date|date)\b|\b(?:keep|can'?t\s+stop)\s+thinking"
        r"\s+about\s+you\b|\bthinking\s+about\s+you\s+at\s+night\b|\bdream(?:ed|t|ing)?\s+about"
        r"\s+you\b|\bje\s+pense\s+a\s+(?:toi|vous)\s+(?:la\s+nuit|tout\s+le\s+temps|sans\s+arret)"
        r"|\ben\s+tete[- ]a[- ]tete\b|\bt'?es\s+(?:trop\s+|super\s+|tellement\s+)?craquante\b"
    ),
    _rx(
        r"\b(?:t'?es|tu\s+es|vous\s+etes)\s+(?:\w+\s+){0,2}?(?:bonne|canon|sexy|bandante"
        r"|chaudasse|excitante)\b(?!\s+(?:en|pour|a|au|aux|dans|nouvelle|idee))"
        r"|\b(?:ton|votre)\s+(?:cul|fessier|decollete|poitrine|seins|bouche|corps)\b"
        r"|\bcoucher\s+avec\b|\bdans\s+ma\s+chambre\b|\bchez\s+moi\s+ce\s+soir\b"
        r"|\bnudes?\b|\bphotos?\s+de\s+toi\b"
    ),
]
_SHOUT_DEMAND = re.compile(
    r"\b(?:answer|reply|respond|call\s+me|pick\s+up|get\s+back\s+to\s+me|reponds|repondez"
    r"|repond|rappelle|rappelez|decroche|decrochez)\b"
)
_PROFANITY = re.compile(
    r"\b(?:fuck\w*|f\*+\w*|shit\w*|s\*+t?|damn|goddamn|bloody|pathetic|useless|crap|bullshit"
    r"|putain|merde|bordel|chier|foutre|bon(?:ne)?\s+a\s+rien|con(?:ne|nard|nasse)?"
    r"|incapables?|nul(?:le|s|les)?|pitoyable|minable|gueule|foutage|foutez|fout)(?![\w])"
)
# A demand to answer, with swearing: "pick up your damn phone", "réponds-moi putain".
_PROFANE_DEMAND = re.compile(
    r"\b(?:pick\s+up|answer)\s+(?:your|the)\s+(?:damn|fucking|f\*+ing|bloody|goddamn|freaking)"
    r"\s+(?:phone|emails?|messages?)\b|\b(?:answer|reply\s+to|call)\s+me\s+(?:back\s+)?(?:you\s+)?"
    r"(?:damn|fucking|f\*+ing|bloody)\b|\b(?:reponds|repondez|rappelle|rappelez|decroche|decrochez)"
    r"(?:[- ]moi)?\s*,?\s*(?:putain|bordel|merde)\b|\bton\s+putain\s+de\s+telephone\b"
)
_HARASS_PERSIST = re.compile(
    r"\bi'?ll\s+keep\s+(?:calling|emailing|texting|messaging)\b[^.!?]{0,30}\buntil\b"
    r"|\bje\s+vais\s+(?:t'|vous\s+|te\s+)(?:appeler|harceler|relancer)\s+(?:toutes\s+les"
    r"|jusqu'a)"
)

# --------------------------------------------------------------------------- quoting

_QUOTED_SPAN = re.compile(r'"[^"\n]{2,}"|“[^”\n]{2,}”|«[^»\n]{2,}»|„[^“”\n]{2,}[“”]')
# Marketing copy the client proposes: everything after "Caption idea:" is copy.
_COPY_LABEL = re.compile(
    r"\b(?:captions?|legendes?|accroches?|slogans?|taglines?|hooks?|headlines?|titres?"
    r"|texte\s+du\s+post|post\s+copy|lyrics?|paroles|quote|citation)\b[^:]{0,40}:"
)
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|tr|ref|aw|wg|r)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


def find_abuse(own_text: str, *, subject: str = "") -> Abuse | None:
    """The abuse in a client's own text (and subject), or None.

    Returns the most serious kind found (threat, harassment, legal threat, insult) and
    every offending sentence as written, cut to 300 characters, at most five.
    """
    candidates: list[tuple[str, str]] = []  # (original sentence, normalised matchable text)
    clean_subject = _SUBJECT_PREFIX.sub("", subject or "").strip()
    if clean_subject:
        candidates.append((clean_subject, _matchable(clean_subject)))
    for sentence in sentences(unwrap(_own(own_text))):
        candidates.append((sentence, _matchable(sentence)))

    found: dict[str, list[str]] = {kind: [] for kind in KINDS}
    shouted: list[str] = []
    swearing = False
    previous = ""
    for original, text in candidates:
        if not text.strip():
            continue
        # "The printer sent the wrong banner. Idiots." is about the printer.
        elsewhere = bool(_THIRD_PARTY.search(previous)) and not _SECOND_PERSON.search(previous)
        previous = text
        for kind, hit in (
            ("threat", _threat(text)),
            (
                "harassment",
                _sexual(text)
                or bool(_HARASS_PERSIST.search(text))
                or bool(_PROFANE_DEMAND.search(text)),
            ),
            ("legal_threat", _legal(text)),
            ("insult", _insult(text, elsewhere)),
        ):
            if hit:
                found[kind].append(original)
        if _PROFANITY.search(text):
            swearing = True
        if _shouted_demand(original):
            shouted.append(original)
    # A shouted demand is harassment only with insults or swearing beside it: an
    # "URGENT: PLEASE CALL ME" about a site that is down is not.
    if shouted and (swearing or found["insult"]):
        found["harassment"] = [*shouted, *found["harassment"], *found["insult"]]

    for kind in KINDS:
        if found[kind]:
            lines: list[str] = []
            for k in KINDS:  # the most serious lines first, then the others
                for line in found[kind] if k == kind else found[k]:
                    clipped = _clip(line)
                    if clipped not in lines:
                        lines.append(clipped)
            return Abuse(kind=kind, lines=tuple(lines[:_MAX_LINES]))
    return None


# --------------------------------------------------------------------------- helpers


# A line of 40+ characters that ends mid-sentence, followed by more text: a mail client
# wrapped it, and the sentence splitter would cut it before a capital ("my lawyer will
# be in touch / Regarding ...").
_WRAPPED = re.compile(r"(?<=[^\n]{40}[\w,;–-])[ \t]*\n(?=[ \t]*[\w(])")


def unwrap(text: str) -> str:
    return _WRAPPED.sub(" ", text)


def _own(text: str) -> str:
    own = strip_quotes(text or "")
    return "\n".join(line for line in own.split("\n") if not line.lstrip().startswith(">"))


def _matchable(sentence: str) -> str:
    """Normalised text with quoted copy blanked out: words in quotation marks are
    someone else's (a caption, a troll's comment, a lyric), not the client's."""
    text = _QUOTED_SPAN.sub(" ", sentence)
    text = normalise(text)
    label = _COPY_LABEL.search(text)
    if label:
        text = text[: label.start()]
    return text


_GROUP_NAME = re.compile(r"\(\?P<\w+>")


def _any_of(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern that matches where any of `patterns` does: a first look in one pass,
    before each is tried with its exceptions. Most sentences match none, and one pass
    over a sentence costs a third of a pass per pattern for threats and legal steps."""
    return re.compile("|".join(f"(?:{_GROUP_NAME.sub('(?:', p.pattern)})" for p in patterns))


_ANY_THREAT = _any_of(_THREAT)
_ANY_LEGAL = _any_of([_LEGAL_WORD, _L_CONSULT, *_LEGAL])  # what _legal needs, one of


def _insult(text: str, after_someone_else: bool = False) -> bool:
    if _JOKING.search(text):
        return False
    for pattern in _INSULT:
        match = pattern.search(text)
        if not match:
            continue
        untargeted = pattern is _ALONE or pattern not in _TARGETED
        if after_someone_else and untargeted and not _SECOND_PERSON.search(text):
            continue  # "L'imprimeur s'est encore planté. Bande de nuls."
        if pattern in _TARGETED:
            return True
        if _SELF.search(text[max(0, match.start() - 40) : match.end()]):
            continue
        if _about_someone_else(text, match):
            continue
        return True
    return False


def _about_someone_else(text: str, match: re.Match[str]) -> bool:
    """Someone else is named in the sentence, and "you" is not before the insult: "our
    previous agency were a bunch of clowns, that's why we came to you"."""
    return bool(_THIRD_PARTY.search(text)) and not _SECOND_PERSON.search(text[: match.start()])


def _threat(text: str) -> bool:
    if not _ANY_THREAT.search(text) or _JOKING.search(text):
        return False
    for pattern in _THREAT:
        match = pattern.search(text)
        if match and not _negated(text, match):
            return True
    return False


def _legal(text: str) -> bool:
    if not _ANY_LEGAL.search(text):
        return False
    if _legal_pressure(text):
        return True
    consult = _L_CONSULT.search(text)
    if (
        consult
        and not _negated(text, consult, window=40)
        and _GRIEVANCE.search(text)
        and not _ROUTINE_LEGAL.search(text)
        and not _REVIEW_CONTEXT.search(text)
    ):
        return True
    for pattern in _LEGAL:
        match = pattern.search(text)
        if not match or _negated(text, match, window=40):
            continue
        if pattern in _L_ABOUT_A_LAWYER and _REVIEW_CONTEXT.search(text):
            continue  # "my lawyer reviewed the contract", "notre avocat partenaire"
        if pattern is _L_STEP_EN and not _LEGAL_INTENT_EN.search(text):
            continue
        if pattern is _L_STEP_FR:
            if not _LEGAL_INTENT_FR.search(text):
                continue
            if _THIRD_PARTY.search(text) and not _SECOND_PERSON.search(text[match.start() :]):
                continue  # "je porte plainte contre mon voisin"
        if pattern is _L_DEMEURE and _RECEIVED.search(text):
            continue  # "on a reçu une mise en demeure de la CNIL"
        return True
    return False


def _legal_pressure(text: str) -> bool:
    """The general case: the client's own lawyers or a legal step, with pressure ("expect
    a letter from our attorneys", "we've instructed Harper & Lowe LLP to recover the fees",
    "après quoi mon avocate s'en occupe"), and not routine legal work, content about law,
    someone else's dispute, or a negation."""
    word = _LEGAL_WORD.search(text)
    if not word or _negated(text, word, window=40):
        return False
    if _ROUTINE_LEGAL.search(text) or _REVIEW_CONTEXT.search(text) or _CONTENT.search(text):
        return False
    if _THIRD_PARTY.search(text) and not _SECOND_PERSON.search(text):
        return False
    return bool(_OURS.search(text)) and bool(_PRESSURE.search(text))


def _sexual(text: str) -> bool:
    return any(p.search(text) for p in _SEXUAL)


def _negated(text: str, match: re.Match[str], window: int = 25) -> bool:
    """A negation just before a match, in the same clause: "we won't sue you", "you
    won't regret it". "I won't hesitate to sue" / "je n'hésiterai pas" is no negation,
    and neither is one in an earlier clause ("if it isn't fixed, my lawyer will...")."""
    if "term" in match.re.groupindex:
        # "we won't sue you": the negation sits between the subject and the step.
        before = text[match.start() : match.start("term")]
    else:
        before = text[max(0, match.start() - window) : match.start()]
        before = re.split(r"[,;:]", before)[-1]
    before = _NOT_NEGATION.sub(" ", before)
    return bool(_NEGATION_BEFORE.search(before))


def _shouted_demand(sentence: str) -> bool:
    """A demand to answer written in capitals: "ANSWER ME NOW, this is ridiculous"."""
    if sum(map(str.isupper, sentence)) < 5:
        return False  # no clause can be shouted: 6+ letters, 70 % of them capitals
    for clause in re.split(r"[,.;:!?]+", sentence):
        letters = [c for c in clause if c.isalpha()]
        shouted = len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) >= 0.7
        if shouted and _SHOUT_DEMAND.search(normalise(clause)):
            return True
    return False


def _clip(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= _MAX_LINE else line[: _MAX_LINE - 1].rstrip() + "…"
