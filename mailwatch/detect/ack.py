"""Does a client's message need an answer, or is it a mere acknowledgement?

"Thanks!", "Perfect, thank you", "Bien reçu, merci", "OK 👍", "Top !": the client
closes the loop; nobody owes them a reply, and the owner's reply promise does not
start. Anything that asks, requests, or says more than a short thank-you needs an
answer (a client who sends the photos deserves a "got them").

Rule of thumb, in order: the own text (quotes, greeting and sign-off removed) asks
something (a "?" or a request, per the asks detector's phrases): not an ack. Then, if
every remaining sentence is made of thanks/agreement words and the whole is short,
it is an ack.
"""

from __future__ import annotations

import re

from mailwatch.detect.asks import find_ask
from mailwatch.detect.text import normalise, sentences

__all__ = ["is_ack"]

_MAX_CHARS = 240  # longer than this, the client is saying something


# Words an acknowledgement is made of (normalised: lower case, no accents).
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words an acknowledgement is made of (normalised: lower case, no accents).
_ACK_WORDS = _words(
    """
thanks thank you thx ty many much lot so very a great perfect perfecto awesome super
brilliant lovely wonderful excellent nice cool fine good ok okay okey k kk noted
received got it all sounds looks look sound works work for me that this will do
cheers appreciated appreciate again as always indeed yes yep yeah sure alright right
understood gotcha fab fabulous amazing love it beautiful
merci beaucoup mille bien recu recus recue parfait super top genial nickel ca marche
c est note entendu d accord daccord ok oui tres cool excellent impeccable extra
vu compris au top trop bien cela me va me va ca me va je valide valide bravo
encore une fois vraiment tout
    """
)
_GREETING = re.compile(
    r"^(hi|hello|hey|dear|bonjour|bonsoir|salut|coucou|hello)\b[^.!?]*[,!.]?\s*$", re.I
)
_SIGNOFF = re.compile(
    r"^(best|regards|kind regards|cheers|thanks|thank you|merci|cordialement|bien a vous|"
    r"bonne journee|bonne soiree|a bientot|bises|sent from my|envoye de mon)\b",
    re.I,
)
_WORD = re.compile(r"[a-z]+")
_EMOJI_OK = re.compile(r"^[\W_]*$")  # 👍, 🙏, "!!!", ":)"


def _core_lines(own_text: str) -> list[str]:
    lines = [line.strip() for line in own_text.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(">")]
    # A short name alone on the last line is a signature ("Jane", "J.").
    while lines and (len(lines[-1].split()) <= 2 and not lines[-1].endswith(("!", "?", "."))):
        if len(lines) == 1:
            break
        lines.pop()
    return lines


def is_ack(own_text: str) -> bool:
    """True when the message only thanks or agrees, and needs no answer."""
    text = (own_text or "").strip()
    if not text or len(text) > _MAX_CHARS * 3:
        return False
    if "?" in text or find_ask(text) is not None:
        return False
    body: list[str] = []
    for line in _core_lines(text):
        norm = normalise(line)
        if _GREETING.match(norm) and len(norm) < 40:
            continue
        body.append(line)
    if not body:
        return False
    joined = " ".join(body)
    if len(joined) > _MAX_CHARS:
        return False
    for sentence in sentences(joined):
        norm = normalise(sentence)
        if _EMOJI_OK.match(norm):
            continue
        words = _WORD.findall(norm)
        if not words:
            continue
        if _SIGNOFF.match(norm) and len(words) <= 4:
            continue
        unknown = [w for w in words if w not in _ACK_WORDS]
        # A name or one odd word is fine ("Thanks Sam!", "Perfect, thanks Marie").
        if len(unknown) > 1 or (unknown and len(words) <= 1):
            return False
    return True
