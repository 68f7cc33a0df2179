"""Billing facts in mail: invoices sent, payment notices, and clients saying they paid.

Four questions, each answered from one message's own text (quotes stripped, first 8 KB),
each with the words that made it say so:

- `find_invoice`: is this mail one of the owner's invoices going out, and which one
  (number, amount due, due date)? Asked of the owner's sent mail to a client, and of the
  copies invoicing tools (Stripe, PayPal, Bonsai, Pennylane...) send of it.
- `find_payment_notice`: does a processor or bank tell the owner a payment came in,
  for which invoice numbers, how much, from whom?
- `find_payment_claim`: does a client say they have paid ("I've just paid", "virement
  effectué")? That holds the reminder ladder; it does not close the invoice.
- `mentions_invoice`: does a mail talk about a given invoice number (a reminder the owner
  wrote by hand counts as that step of the ladder)?

How the pipeline should route (what tests/unit/test_detect_billing.py does):
`find_invoice` on the owner's sent mail to a client, and on received mail for which
`invoicing_tool()` names a tool *and* that names a known client (in To/Cc or in the text:
a tool also sends the owner invoices from their own vendors, "Your invoice from Notion",
which name no client); `find_payment_notice` on all received mail (it checks the sender);
`find_payment_claim` on received mail from clients (not from a tool or payment sender).

Invoice patterns (`[billing] invoice_patterns`, added to DEFAULT_INVOICE_PATTERNS):
- a word or phrase that names an invoice, after which its number is written:
  "invoice", "facture", "note d'honoraires" find "Invoice INV-2026-031", "Facture n° F-2026-12",
  "invoice_0042.pdf" (number "0042"), "Invoice #1057". Case, accents and plurals do not matter.
- a phrase ending in "-" is how the owner's invoice numbers start: "INV-" finds
  "INV-2026-031" and "INV2026031" anywhere, the number being the whole reference.

Decisions (documented in the README text of the report):
- A pro-forma, a quote/estimate/devis and a credit note (avoir) are not invoices.
- A reminder, even one that attaches the invoice again, is not a new invoice.
- "Have you received my payment?" is a payment claim: it says the client paid.
- A pending payment, a payout to the owner's bank, a refund, a payment the owner made
  are not payment notices.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.utils import parseaddr
from functools import lru_cache

from mailwatch.core.attribution import Senders
from mailwatch.detect.dates import parse_date
from mailwatch.detect.money import Money, find_amounts, parse_amount
from mailwatch.detect.text import sentences

__all__ = [
    "DEFAULT_INVOICE_PATTERNS",
    "DEFAULT_PAYMENT_SENDERS",
    "DEFAULT_TOOL_SENDERS",
    "InvoiceMention",
    "PaymentNotice",
    "find_invoice",
    "find_payment_claim",
    "find_payment_notice",
    "invoicing_tool",
    "mentions_invoice",
    "parse_amount",
    "sender_matches",
]

MAX_TEXT = 8192  # the pipeline passes the first 8 KB; callers that pass more get the same


@dataclass(frozen=True, slots=True)
class InvoiceMention:
    number: str  # as written, trimmed ("INV-2026-031", "F-2026-12", "0042"); "" if none is
    amount: Decimal | None  # the amount due, if stated
    currency: str | None  # ISO 4217, if the amount names one
    due: date | None  # the due date, if stated (or payment terms from the message's date)
    sentence: str  # the evidence: the subject, the file name or the sentence naming it
    source: str  # "subject" | "attachment" | "text": where the invoice was named


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    numbers: tuple[str, ...]  # invoice numbers it names (may be empty: a probable payment)
    amount: Decimal | None
    currency: str | None
    payer: str | None  # the payer's name or address as the notice gives it
    sentence: str


# ---------------------------------------------------------------------------------------
# Settings' defaults
# ---------------------------------------------------------------------------------------

DEFAULT_INVOICE_PATTERNS: tuple[str, ...] = (
    "invoice",
    "facture",
    "note d'honoraires",
    "INV-",
    "FA-",
    "FAC-",
    "FACT-",
)

# Invoicing tools (and processors that send invoices): domain -> the name shown.
_TOOLS: dict[str, str] = {
    "stripe.com": "Stripe",
    "paypal.com": "PayPal",
    "paypal.fr": "PayPal",
    "paypal.co.uk": "PayPal",
    "paypal.de": "PayPal",
    "paypal.ca": "PayPal",
    "wise.com": "Wise",
    "transferwise.com": "Wise",
    "hellobonsai.com": "Bonsai",
    "freshbooks.com": "FreshBooks",
    "intuit.com": "QuickBooks",
    "quickbooks.com": "QuickBooks",
    "invoiceninja.com": "Invoice Ninja",
    "zoho.com": "Zoho",
    "zoho.eu": "Zoho",
    "zohoinvoice.com": "Zoho",
    "zohoinvoice.eu": "Zoho",
    "sumup.com": "SumUp",
    "qonto.com": "Qonto",
    "pennylane.com": "Pennylane",
    "pennylane.tech": "Pennylane",
    "abby.fr": "Abby",
    "henrri.com": "Henrri",
    "facture.net": "Facture.net",
    "tiime.fr": "Tiime",
    "xero.com": "Xero",
    "waveapps.com": "Wave",
    "harvestapp.com": "Harvest",
    "squareup.com": "Square",
    "sellsy.com": "Sellsy",
    "axonaut.com": "Axonaut",
    "indy.fr": "Indy",
    "freebe.me": "Freebe",
}
DEFAULT_TOOL_SENDERS: tuple[str, ...] = tuple(_TOOLS)

# Who may tell the owner a payment came in: the tools above (they send "invoice paid"
# notices), processors, and banks. Addresses ("service@paypal.fr") or domains, where a
# domain matches any address at it or at a subdomain ("x@mail.stripe.com").
DEFAULT_PAYMENT_SENDERS: tuple[str, ...] = (
    *DEFAULT_TOOL_SENDERS,
    "gocardless.com",
    "mollie.com",
    "payplug.com",
    "lydia-app.com",
    "payoneer.com",
    "revolut.com",
    "n26.com",
    "shine.fr",
    "boursobank.com",
    "boursorama.fr",
    "monzo.com",
    "starlingbank.com",
    "mercury.com",
)


def sender_matches(address: str | None, senders: Iterable[str]) -> bool:
    """Is `address` one of `senders`: an address, or at a domain (or a subdomain of one)?

    "stripe.com" matches "invoice+statements@stripe.com" and "x@mail.stripe.com", never
    "billing@stripe-payouts.test" or "x@notstripe.com". `address` may carry a name.
    """
    if not address:
        return False
    addr = parseaddr(address)[1].strip() or address.strip()
    return addr in (senders if isinstance(senders, Senders) else Senders(senders))


def invoicing_tool(
    from_addr: str, subject: str = "", *, senders: Sequence[str] = DEFAULT_TOOL_SENDERS
) -> str | None:
    """The invoicing tool a mail comes from ("Stripe", "Pennylane"...), else None.

    Known domains give the tool's name; a domain the owner added gives the domain. A
    subject that says "via Bonsai" (tools that send from the owner's own address) counts.
    """
    addr = (parseaddr(from_addr)[1] or from_addr).strip().lower()
    for entry in senders:
        if sender_matches(addr, [entry]):
            key = entry.strip().lower().lstrip("@")
            key = key.rpartition("@")[2] if "@" in key else key
            return _TOOLS.get(key, key)
    folded = _fold(subject)
    for name in sorted(set(_TOOLS.values())):
        if re.search(rf"\bvia {re.escape(_fold(name))}\b", folded):
            return name
    return None


# ---------------------------------------------------------------------------------------
# Text folding: lower case, no accents, straight apostrophes, plain spaces, SAME LENGTH,
# so that a match in the folded text slices the original at the same offsets.
# ---------------------------------------------------------------------------------------

_FOLD_EXTRA = {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"}
_FOLD_EXTRA.update(dict.fromkeys("\u00a0\u202f\u2009\u2007", " "))
_FOLD_EXTRA.update(dict.fromkeys("\u2010\u2011", "-"))


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    low = c.lower()
    if len(low) != 1:
        low = c
    low = _FOLD_EXTRA.get(low, low)
    if ord(low) > 127:
        base = unicodedata.normalize("NFD", low)[0]
        low = base if len(base) == 1 else low
    return low


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    # ASCII runs in one go (what _fold_char does to each of their characters: lower
    # case, a backtick is an apostrophe), the rest character by character: French mail
    # is mostly ASCII, and this runs on every sentence of every recent message.
    out: list[str] = []
    pos = 0
    for run in _NON_ASCII_RUN.finditer(text):
        if run.start() > pos:
            out.append(text[pos : run.start()].lower().replace("`", "'"))
        out.append("".join(map(_fold_char, run.group())))
        pos = run.end()
    out.append(text[pos:].lower().replace("`", "'"))
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Invoice numbers
# ---------------------------------------------------------------------------------------

# A reference as invoicing tools and freelancers write it, in folded (lower-case) text:
# at most two short letter groups, then digits, then more digit-led groups ("inv-2026-031",
# "f2026-19", "9f3c2b1a-0004", "2026-058", "0042"). A group that starts with a letter
# ends it, so "2026-047_cafelumiere" gives "2026-047" and "f-2026-12.pdf" "f-2026-12".
_NUMBER = r"(?:[a-z]{1,5}[-_]?){0,2}\d[0-9a-z]*(?:[-/._]\d[0-9a-z]*)*"
# What may stand between "invoice" and its number: "n°", "no.", "#", ":", "number", "-"...
_FILLER = (
    r"(?:[\s:#(\[\-–—_]|n\s?°|nº|n\.(?=\s*\d)|no\b\.?|nr\b\.?|num(?:ero|ber)?\b\.?|ref\b\.?)"
    r"{0,8}"
)
_CUE_NUMBER = re.compile(
    rf"(?:#|n\s?°|nº|\bno\.|\bnr\.|\bnumber\b|\bnumero\b)\s*:?\s*(?P<n>{_NUMBER})",
)
_LABEL_NUMBER = re.compile(
    rf"(?:^|\n)\s*(?:n\s?°|nº|no\.?|number|numero|invoice\s+(?:no|number|#)|ref(?:erence)?)"
    rf"\s*[:#]?\s*(?P<n>{_NUMBER})",
)
_MONTHS = (
    r"jan(?:uary|vier)?|feb(?:ruary)?|fev(?:rier)?|mar(?:ch|s)?|apr(?:il)?|avr(?:il)?|may|mai|"
    r"june?|juin|july?|juil(?:let)?|aug(?:ust)?|aout|sep(?:t(?:ember|embre)?)?|"
    r"oct(?:ober|obre)?|nov(?:ember|embre)?|dec(?:ember|embre)?"
)
_DATE_LIKE = re.compile(
    r"\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|\d{4}-\d{2}-\d{2}|\d{1,2}(?:st|nd|rd|th|er|e)?"
)
_AFTER_IS_MONEY = re.compile(
    r"\s?(?:[.,]\d{1,2})?\s?(?:k\b)?\s?(?:€|\$|£|eur\b|usd\b|gbp\b|chf\b|cad\b|euros?\b|dollars?\b|%)"
)
_AFTER_IS_MONTH = re.compile(rf"\s+(?:{_MONTHS})\b")


@dataclass(frozen=True, slots=True)
class _Patterns:
    phrase: re.Pattern[str] | None  # "invoice" then its number
    prefix: re.Pattern[str] | None  # "inv-2026-031": the whole reference
    prefix_phrase: re.Pattern[str] | None  # "INV 1042": the prefix used as a word
    names: re.Pattern[str]  # does the text name an invoice at all


@lru_cache(maxsize=32)
def _compile(patterns: tuple[str, ...]) -> _Patterns:
    phrases: list[str] = []
    prefixes: list[str] = []
    for raw in patterns:
        p = _fold(raw.strip())
        if not p:
            continue
        if p.endswith("-") and len(p) > 1:
            prefixes.append(re.escape(p[:-1].strip()))
            continue
        words = [re.escape(w) for w in re.split(r"[\s_]+", p) if w]
        body = r"[\s_\-]+".join(words).replace("\\'", r"['\s_]?")
        # Plurals: "invoices", "factures", "notes d'honoraires" (the first word).
        if len(words) == 1:
            body += "s?"
        else:
            first, _, rest = body.partition(r"[\s_\-]+")
            body = f"{first}s?" + r"[\s_\-]+" + rest
        phrases.append(body)
    phrase = re.compile(rf"(?<![a-z0-9])(?:{'|'.join(phrases)})(?![a-z0-9])") if phrases else None
    prefix = (
        re.compile(
            rf"(?<![a-z0-9])(?:[a-z]{{1,6}}-){{0,2}}(?:{'|'.join(prefixes)})-?\d[0-9a-z]*"
            r"(?:[-/._]\d[0-9a-z]*)*"
        )
        if prefixes
        else None
    )
    prefix_phrase = (
        re.compile(rf"(?<![a-z0-9])(?:{'|'.join(prefixes)})(?:\.|\s|#|:|_)+(?=\d)")
        if prefixes
        else None
    )
    names_parts = [f"(?<![a-z0-9])(?:{'|'.join(phrases)})(?![a-z0-9])"] if phrases else []
    if prefix is not None and prefix_phrase is not None:
        names_parts.append(prefix.pattern)
        names_parts.append(prefix_phrase.pattern)
    names = re.compile("|".join(names_parts) or r"(?!x)x")
    return _Patterns(phrase, prefix, prefix_phrase, names)


def _patterns(extra: Sequence[str]) -> _Patterns:
    return _compile(tuple(DEFAULT_INVOICE_PATTERNS) + tuple(extra))


def _plausible(folded: str, start: int, end: int, sent_year: int | None) -> bool:
    """Is folded[start:end] an invoice number, not a date, an amount or a year?"""
    token = folded[start:end]
    if not any(c.isdigit() for c in token) or len(token) > 32:
        return False
    if _DATE_LIKE.fullmatch(token) and not token.isdigit():
        return False  # "01/12/2026", "12th", "1er": a date
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", token) or re.fullmatch(
        rf"(?:{_MONTHS})[-_]?\d{{2,4}}", token
    ):
        return False  # an ISO date, or "oct-2026" (the month it is for)
    if _AFTER_IS_MONEY.match(folded, end):
        return False
    if token.isdigit() and len(token) <= 2 and _AFTER_IS_MONTH.match(folded, end):
        return False
    # "Facture 2026": the year the invoice is for, not its number.
    return not (
        token.isdigit()
        and len(token) == 4
        and sent_year is not None
        and abs(int(token) - sent_year) <= 1
    )


def _clean(number: str) -> str:
    return number.strip().strip(".-_/")


def _numbers_in(
    original: str, pats: _Patterns, sent_year: int | None, *, cues: bool = True
) -> list[tuple[int, str]]:
    """(position, number as written) for each invoice number named in `original`."""
    folded = _fold(original)
    out: list[tuple[int, str]] = []
    if pats.prefix is not None:
        for m in pats.prefix.finditer(folded):
            if _plausible(folded, m.start(), m.end(), sent_year):
                out.append((m.start(), _clean(original[m.start() : m.end()])))
    if pats.prefix_phrase is not None:
        for m in pats.prefix_phrase.finditer(folded):
            n = re.compile(_NUMBER).match(folded, m.end())
            if n and _plausible(folded, n.start(), n.end(), sent_year):
                out.append((m.start(), _clean(original[n.start() : n.end()])))
    if pats.phrase is not None:
        for m in pats.phrase.finditer(folded):
            f = re.compile(_FILLER).match(folded, m.end())
            at = f.end() if f else m.end()
            n = re.compile(_NUMBER).match(folded, at)
            if n and _plausible(folded, n.start(), n.end(), sent_year):
                out.append((m.start(), _clean(original[n.start() : n.end()])))
    if cues and not out and pats.names.search(folded):
        # "Invoice from Rivera Social #9F3C2B1A-0004": the number is further on.
        for m in _CUE_NUMBER.finditer(folded):
            if _plausible(folded, m.start("n"), m.end("n"), sent_year):
                out.append((m.start(), _clean(original[m.start("n") : m.end("n")])))
    out.sort(key=lambda pair: pair[0])
    seen: set[str] = set()
    unique = []
    for pos, number in out:
        key = _key(number)
        if key and key not in seen:
            seen.add(key)
            unique.append((pos, number))
    return unique


def _key(number: str) -> str:
    return re.sub(r"[^0-9a-z]", "", _fold(number))


# ---------------------------------------------------------------------------------------
# What makes a mail that names an invoice something else
# ---------------------------------------------------------------------------------------

_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|tr|aw|wg|rif|r)\s*(?:\[\d+\])?\s*:\s*)+", re.I)

# A quote, estimate, pro-forma, credit note or receipt: never an invoice to chase.
_LOOKALIKE = re.compile(
    r"(?<![a-z])(?:quotes?|quotation|estimates?|devis|proposals?|pro[\s\-_]?forma|"
    r"credit[\s\-_]+(?:note|memo)|avoirs?\s*(?:n\s?°|nº|no\b|#|sur\b|:|[a-z]{0,3}-?\d)|"
    r"facture\s+d'avoir|note\s+de\s+credit|receipts?|recue?s?|quittance|templates?|modele|"
    r"statements?(?:\s+of\s+account)?|releve\s+de\s+compte|releve\s+de\s+factures)"
    r"(?![a-z])"
)
_LOOKALIKE_FILE = re.compile(
    r"(?<![a-z])(?:quotes?|quotation|estimates?|devis|proposals?|pro[\s\-_]?forma|"
    r"credit[\s\-_]*(?:note|memo)|avoirs?|cn|receipts?|recus?|contrat|contract|rapport|"
    r"report|statements?|releve)(?![a-z])"
)
_NOT_NEW = re.compile(
    r"(?<![a-z])(?:reminders?|remind|rappel|relance[rz]?|overdue|past\s+due|en\s+retard|"
    r"impayee?s?|unpaid|outstanding|follow[\s\-]?up|nudge|"
    # "paid ads", "paid social": a service SMMs sell, not a payment
    r"paid(?!\s+(?:ads?|social|media|campaigns?|search|posts?|advertising|promotions?|"
    r"partnerships?))|payee?s?|reglee?s?|acquittee?s?|payment\s+received|paiement\s+recu|"
    r"thank\s+you\s+for\s+(?:your\s+)?payment|merci\s+pour\s+(?:votre|le|ton)\s+"
    r"(?:paiement|reglement|virement)|"
    r"cancel+ed|cancel|void|annulee?s?|annulation|annule|ignore|disregard|"
    r"failed|echec|echoue|declined|refuse|disputed?|litige|refund(?:ed)?|rembourse\w*|"
    r"tips?|astuces?|conseils?|webinar|webinaire|newsletter|how\s+to|upcoming|a\s+venir|"
    r"(?:invoice|payment)\s+request|request(?:ing)?\s+(?:for\s+)?(?:an?\s+|the\s+|your\s+)?invoice|"
    r"demande\s+de\s+(?:facture|paiement))(?![a-z])"
)
_QUESTION = re.compile(r"\?\s*$|(?<![a-z])questions?(?![a-z])")

# In the owner's text: a reminder or a thank-you for a payment, not an invoice.
_TEXT_NOT_NEW = re.compile(
    r"gentle\s+(?:reminder|nudge)|friendly\s+reminder|just\s+a\s+(?:quick\s+)?reminder|"
    r"(?:is|now|still)\s+(?:now\s+)?(?:overdue|past\s+due|unpaid|outstanding|open)|"
    r"(?:haven't|have\s+not|not)\s+(?:yet\s+)?(?:received|seen)\s+(?:a\s+|your\s+|the\s+)?payment|"
    r"following\s+up\s+on|"
    r"payment\s+received|received\s+(?:your\s+)?payment|thanks?\s+(?:you\s+)?for\s+(?:your\s+|the\s+)?payment|"
    r"n'(?:ai|avons)\s+pas\s+(?:encore\s+)?recu\s+(?:votre\s+|le\s+|ton\s+)?(?:paiement|reglement|virement)|"
    r"echue?\s+depuis|arrivee?\s+a\s+echeance|reste\s+impayee|toujours\s+(?:pas|en\s+attente)|"
    r"je\s+me\s+permets\s+de\s+vous\s+relancer|petit\s+rappel|sauf\s+erreur\s+de\s+(?:ma|notre)\s+part|"
    r"bien\s+recu\s+(?:votre|ton|le)\s+(?:paiement|reglement|virement)|"
    r"merci\s+pour\s+(?:votre|ton|le)\s+(?:paiement|reglement|virement)"
)

# The owner sending something with this mail ("please find attached", "ci-joint").
_SENDING = re.compile(
    r"please\s+(?:find|see)\s+(?:attached|enclosed|below)|find\s+attached|attached\s+(?:is|are|you'll|you\s+will)|"
    r"(?:i've|i\s+have)\s+attached|attaching|enclosed\s+(?:is|please)|see\s+(?:the\s+)?attached|"
    r"here\s+is|here's|heres|here\s+it\s+is|sending\s+(?:you\s+)?(?:the|your|my|our)|forwarding|"
    r"re-?sending|je\s+vous\s+(?:transfere|renvoie)|je\s+te\s+(?:transfere|renvoie)|"
    r"as\s+requested|is\s+below|is\s+attached|"
    r"ci[\s\-]?joint|ci[\s\-]?jointe|en\s+piece\s+jointe|en\s+pj\b|pieces?\s+jointes?|veuillez\s+trouver|"
    r"vous\s+trouverez|je\s+vous\s+(?:joins|envoie|adresse|transmets|fais\s+parvenir)|"
    r"je\s+t'envoie|je\s+te\s+(?:joins|transmets)|voici|voila"
)


# ---------------------------------------------------------------------------------------
# Amount due
# ---------------------------------------------------------------------------------------

_DUE_LABEL = re.compile(
    r"amount\s+due|balance\s+due|total\s+due|(?<![a-z])due\s*:|montant\s+du(?![a-z])|net\s+a\s+payer|"
    r"reste\s+a\s+payer|a\s+regler|a\s+payer|to\s+pay|payable|(?<![a-z])ttc(?![a-z])|"
    r"montant\s+ttc|grand\s+total|total\s+amount|invoice\s+amount|montant\s+total|"
    r"amount\s+outstanding|total\s*\(incl|incl(?:uding|\.)?\s+(?:vat|tax)"
)
_DUE_AFTER = re.compile(r"\s*(?:ttc|due|a\s+regler|a\s+payer|payable|incl)(?![a-z])")
_NOT_DUE_LABEL = re.compile(
    r"sub[\s\-]?total|sous[\s\-]?total|(?<![a-z])(?:tva|vat|tax(?:es)?|fees?|frais|commission)(?![a-z])|"
    r"indemnite|penalit|penalty|late\s+fee|interets?|discount|remise|(?<![a-z])net\s*:|"
    r"already\s+paid|deja\s+(?:paye|regle|verse)|money\s+(?:in|out)|per\s+month|/\s*month|par\s+mois"
)
_HT = re.compile(r"(?<![a-z])(?:ht|hors\s+taxes?|excl\.?|excluding)(?![a-z])")
_TOTAL = re.compile(r"(?<![a-z])total(?![a-z])")
_AMOUNT_WORD = re.compile(
    r"(?<![a-z])(?:amount|montant|sum|somme|for|pour|of|de|d'un|invoice|facture|fee|honoraires|soit|is|est)"
    r"(?![a-z])"
)
_LABELLED_BARE = re.compile(
    r"(?:amount\s+due|balance\s+due|total\s+due|total|montant(?:\s+total)?(?:\s+ttc)?|net\s+a\s+payer)"
    r"\s*:?\s*(?P<n>\d[\d\s.,']*\d|\d)(?!\s*(?:%|days|jours|j\b|[.,/]\d))"
)


def _label_before(original: str, folded: str, money: Money, floor: int) -> str:
    """The words labelling an amount: its line up to it, or the line above in a table."""
    line_start = folded.rfind("\n", 0, money.start) + 1
    start = max(line_start, floor)
    label = folded[start : money.start]
    if not label.strip(" \t:-–—|") and start == line_start and line_start > 0:
        prev_start = folded.rfind("\n", 0, line_start - 1) + 1
        label = folded[max(prev_start, floor) : line_start]
    return label[-60:]


def _amount_due(segments: Sequence[str]) -> tuple[Decimal, str | None] | None:
    best: tuple[float, int, Money] | None = None
    order = 0
    for segment in segments:
        folded = _fold(segment)
        floor = 0
        for money in find_amounts(segment):
            label = _label_before(segment, folded, money, floor)
            after = folded[money.end : money.end + 20]
            floor = money.end
            order += 1
            if _DUE_LABEL.search(label) or _DUE_AFTER.match(after):
                score = 5.0
            elif _NOT_DUE_LABEL.search(label):
                continue
            elif _HT.search(label) or re.match(r"\s*(?:ht|hors)(?![a-z])", after):
                score = 2.0
            elif _TOTAL.search(label):
                score = 4.0
            elif _AMOUNT_WORD.search(label):
                score = 3.0
            else:
                score = 1.0
            if best is None or score > best[0]:
                best = (score, order, money)
    if best is not None:
        return best[2].amount, best[2].currency
    for segment in segments:
        m = _LABELLED_BARE.search(_fold(segment))
        if m:
            parsed = parse_amount(segment[m.start("n") : m.end("n")])
            if parsed:
                return parsed
    return None


# ---------------------------------------------------------------------------------------
# Due date
# ---------------------------------------------------------------------------------------

_WEEKDAYS = (
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|"
    r"sun(?:day)?|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
)
_DATE_TOKEN = re.compile(
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.\-]\d{{1,2}}(?:[/.\-]\d{{2,4}})?|\d{{1,4}}(?:er|st|nd|rd|th|e)?|"
    rf"(?:{_MONTHS})\.?|(?:{_WEEKDAYS})|le|au|the|of|on|de|du|next|prochain|this|ce|tomorrow|demain)"
    r"[,.]?(?=\s|$|[;:)!?])"
)
_STRONG_DUE = re.compile(
    r"(?:due\s+date|date\s+d'echeance|echeance|date\s+limite(?:\s+de\s+(?:paiement|reglement))?|"
    r"payment\s+due(?:\s+(?:date|by|on))?|due\s+(?:by|on|before)|"
    r"payable\s+(?:by|on|before|avant\s+le|le|au\s+plus\s+tard\s+le|jusqu'au)|"
    r"a\s+(?:regler|payer)\s+(?:avant|pour|d'ici|au\s+plus\s+tard)(?:\s+le)?|"
    r"(?:please\s+)?pay\s+(?:by|before)|to\s+be\s+paid\s+by|(?<![a-z])due(?![a-z])|"
    r"au\s+plus\s+tard\s+le|prelevement\s+(?:sepa\s+)?(?:prevu\s+)?(?:le|au))"
    r"(?:\s+(?:du|de|of|for)\s+(?:paiement|reglement|payment))?\s*[:\-–]?\s*"
)
_END_OF_MONTH = re.compile(
    r"\s*(?:the\s+)?end\s+of\s+(?:the\s+)?month|\s*(?:la\s+)?fin\s+d[ue]\s+mois"
)
_WEAK_DUE = re.compile(
    r"(?<![a-z])(?:avant\s+le|d'ici\s+le|pour\s+le|d'ici|by|before)\s+(?!we\b|you\b)"
)
_PAY_CONTEXT = re.compile(
    r"(?<![a-z])(?:pay|paid|payment|paiement|payer|regler|reglement|virement|transfer|due|"
    r"invoice|facture|payable|echeance)"
)
_TERMS = re.compile(
    r"(?<![a-z])(?:net\s*(?P<net>\d{1,3})(?![\d/])|(?P<days>\d{1,3})\s*(?:days|jours|j)(?![a-z])"
    r"(?P<eom>\s+fin\s+de\s+mois)?)"
)
_TERMS_CONTEXT = re.compile(
    r"(?<![a-z])(?:pay|payment|paiement|payer|regler|reglement|payable|terms|conditions|due|"
    r"echeance|net|within|sous|a)(?![a-z])"
)
_ON_RECEIPT = re.compile(
    r"(?:due|payable)\s+(?:on|upon)\s+receipt|a\s+reception(?:\s+de(?:\s+la)?\s+facture)?|"
    r"des\s+reception|payable\s+immediately|au\s+comptant"
)
_NOT_DUE_CONTEXT = re.compile(
    r"valable|valid\s+until|arrivee?\s+a\s+echeance|echue|debite|sera\s+due|will\s+be\s+charged"
)


def _date_after(
    original: str, folded: str, at: int, sent: datetime, day_first: bool
) -> date | None:
    """The date written at `at`, read from the longest run of date-like words there."""
    if _END_OF_MONTH.match(folded, at):
        return _end_of_month(sent.date())
    pos = at
    tokens: list[tuple[int, int]] = []
    while len(tokens) < 6:
        space = re.compile(r"[ \t]*").match(folded, pos)
        pos = space.end() if space else pos
        m = _DATE_TOKEN.match(folded, pos)
        if not m:
            break
        tokens.append((m.start(), m.end()))
        pos = m.end()
        if folded[m.end() - 1 : m.end()] == "." and not re.match(rf"(?:{_MONTHS})\.", m.group()):
            break  # the sentence ends here ("by 10.12.2026." stops at its dot)
    for n in range(len(tokens), 0, -1):
        phrase = original[tokens[0][0] : tokens[n - 1][1]]
        fphrase = folded[tokens[0][0] : tokens[n - 1][1]]
        if not re.search(rf"\d|{_WEEKDAYS}|tomorrow|demain", fphrase):
            continue
        if not re.search(
            rf"{_MONTHS}|{_WEEKDAYS}|tomorrow|demain|\d[/.\-]\d|\d(?:st|nd|rd|th|er)\b", fphrase
        ):
            continue  # a bare number: not a due date we trust
        found = parse_date(phrase, sent, day_first=day_first)
        if found is not None:
            return found
    return None


def _due_date(text: str, sent: datetime, day_first: bool) -> date | None:
    best: tuple[int, int, date] | None = None
    for sentence in sentences(text):
        folded = _fold(sentence)
        if _NOT_DUE_CONTEXT.search(folded) or _NOT_DUE_LABEL.search(folded[:30]):
            continue
        for strength, pattern in ((3, _STRONG_DUE), (2, _WEAK_DUE)):
            if strength == 2 and not _PAY_CONTEXT.search(folded):
                continue
            for m in pattern.finditer(folded):
                found = _date_after(sentence, folded, m.end(), sent, day_first)
                if found is not None and (best is None or strength > best[0]):
                    best = (strength, m.start(), found)
                    break
        if best is not None and best[0] == 3:
            return best[2]
    if best is not None:
        return best[2]
    for sentence in sentences(text):
        folded = _fold(sentence)
        if _NOT_DUE_CONTEXT.search(folded):
            continue
        for m in _TERMS.finditer(folded):
            if not _TERMS_CONTEXT.search(
                folded[: m.start()] + " " + folded[m.end() : m.end() + 20]
            ):
                continue
            days = int(m.group("net") or m.group("days"))
            due = sent.date() + timedelta(days=days)
            if m.group("eom"):
                due = _end_of_month(due)
            return due
        if _ON_RECEIPT.search(folded):
            return sent.date()
    return None


def _end_of_month(day: date) -> date:
    nxt = day.replace(day=28) + timedelta(days=4)
    return nxt - timedelta(days=nxt.day)


# ---------------------------------------------------------------------------------------
# find_invoice
# ---------------------------------------------------------------------------------------


def find_invoice(
    subject: str,
    text: str,
    attachments: Sequence[str],
    *,
    sent: datetime,
    patterns: Sequence[str] = (),
    day_first: bool = True,
) -> InvoiceMention | None:
    """The invoice this mail sends, or None.

    Asked of the owner's sent mail to a client (and of invoicing tools' copies): the
    subject or an attachment's name names an invoice ("Invoice INV-2026-031",
    "Facture_F-2026-12.pdf"), or the text sends one ("please find attached invoice
    INV-2026-041"). Quotes, pro-formas, credit notes, receipts, reminders, thank-yous
    for a payment and questions about an invoice are not invoices. `patterns` are added
    to DEFAULT_INVOICE_PATTERNS (see the module's doc); `day_first=False` reads
    12/01/2026 as 1 December (US tools).
    """
    pats = _patterns(patterns)
    text = text[:MAX_TEXT]
    year = sent.year
    stripped = _REPLY_PREFIX.sub("", subject)
    is_reply = len(stripped) != len(subject)
    fsubject = _fold(stripped)
    ftext = _fold(text)

    invoice_files = []
    for name in attachments:
        base = re.sub(r"\.[A-Za-z0-9]{2,5}$", "", name.strip())
        fbase = _fold(base)
        if _LOOKALIKE_FILE.search(fbase) or not pats.names.search(fbase):
            continue
        invoice_files.append((name, _numbers_in(base, pats, year, cues=False)))

    # A reply's subject is its thread's ("Re: Quote Q-12", the deposit invoice attached):
    # with an invoice attached, what the thread was about does not decide.
    if (_LOOKALIKE.search(fsubject) or _NOT_NEW.search(fsubject)) and not (
        is_reply and invoice_files
    ):
        return None
    if _QUESTION.search(fsubject) and not invoice_files:
        return None
    # A reminder or a thank-you for a payment, unless an invoice goes with it ("Thanks for
    # paying October so quickly! Here's November's", the invoice attached).
    if _TEXT_NOT_NEW.search(ftext) and not invoice_files:
        return None

    subject_names = bool(pats.names.search(fsubject))
    subject_numbers = _numbers_in(stripped, pats, year) if subject_names else []
    sending = bool(_SENDING.search(ftext))

    number = ""
    source = ""
    evidence = ""
    if subject_names and (not is_reply or invoice_files or sending):
        source, evidence = "subject", subject.strip()
        if subject_numbers:
            number = subject_numbers[0][1]
    if not number:
        for name, numbers in invoice_files:
            if numbers:
                if not source:
                    source, evidence = "attachment", name
                number = numbers[0][1]
                break
        if not source and invoice_files:
            source, evidence = "attachment", invoice_files[0][0]

    text_sentence = ""
    if not number or not source:
        found = _text_invoice(text, pats, year, labels=bool(source))
        if found:
            text_sentence, text_number = found
            if not source and (text_number or attachments):
                source, evidence = "text", text_sentence
            if source and text_number and not number:
                number = text_number
    if not source:
        return None
    # "Invoice for December" with no number, nothing attached and nothing sent: only if
    # it states what is owed.
    if (
        not number
        and not (attachments or sending or text_sentence)
        and _amount_due([stripped, text]) is None
    ):
        return None

    amount = _amount_due([stripped, text])
    due = _due_date(text, sent, day_first) or _due_date(stripped, sent, day_first)
    return InvoiceMention(
        number=number,
        amount=amount[0] if amount else None,
        currency=amount[1] if amount else None,
        due=due,
        sentence=evidence,
        source=source,
    )


def _text_invoice(text: str, pats: _Patterns, year: int, *, labels: bool) -> tuple[str, str] | None:
    """(sentence, number) where the text sends an invoice, or labels its number.

    Without `labels` (the subject named no invoice) the sentence must send it ("please
    find attached invoice INV-2026-041", "voici ma facture n° 47"). With it, a tool's
    "Invoice number: 0046" or "Numéro : F-2026-20" line is enough.
    """
    for sentence in sentences(text):
        folded = _fold(sentence)
        if not pats.names.search(folded) and not (labels and _LABEL_NUMBER.search("\n" + folded)):
            continue
        numbers = _numbers_in(sentence, pats, year, cues=labels)
        if labels and not numbers:
            m = _LABEL_NUMBER.search("\n" + folded)
            if m and _plausible("\n" + folded, m.start("n"), m.end("n"), year):
                numbers = [(0, _clean(("\n" + sentence)[m.start("n") : m.end("n")]))]
        if labels and numbers:
            return sentence, numbers[0][1]
        if not labels and _SENDING.search(folded) and pats.names.search(folded):
            return sentence, numbers[0][1] if numbers else ""
    return None


# ---------------------------------------------------------------------------------------
# find_payment_notice
# ---------------------------------------------------------------------------------------

_PAY_POSITIVE = re.compile(
    r"you(?:'ve|\s+have)?\s+(?:just\s+)?received|we(?:'ve|\s+have)\s+received\s+(?:a|your|the)\s+payment|"
    r"(?:payment|money|funds|transfer)\s+received|received\s+(?:a|an|your|new)\s+(?:new\s+)?"
    r"(?:payment|transfer|wire)|you(?:'ve|\s+have)\s+got\s+money|sent\s+you|"
    r"paid\s+(?:you|your\s+invoice|invoice|the\s+invoice)|has\s+paid|you(?:'ve|\s+have)\s+been\s+paid|"
    r"(?:invoice|facture)\s+(?:n\s?°\s*|#\s*)?[a-z0-9][\w\-/]*\s+(?:paid|payee|reglee)(?![a-z])|"
    r"^paid\s+invoice|"
    r"(?:invoice|facture)\b[^.\n]{0,40}\b(?:was|has\s+been|is|a\s+ete|est)\s+(?:paid|settled|payee|reglee)|"
    r"(?:incoming|entrant)\s+(?:payment|transfer|wire|virement|paiement)|virement\s+entrant|"
    r"(?:paiement|virement|reglement|transfert|argent|fonds)\s+(?:a\s+ete\s+|bien\s+)?recus?(?![a-z])|"
    r"vous\s+avez\s+(?:bien\s+)?recu|vous\s+a\s+(?:envoye|vire|paye|regle|transfere)|"
    r"a\s+(?:paye|regle)\s+(?:votre|la|sa)\s+facture|"
    r"(?:compte|account)\s+(?:a\s+ete\s+|has\s+been\s+|was\s+)?credit(?:e|ed)|credited\s+(?:to|with)|"
    r"encaisse|payment\s+collected|money\s+in\b|^(?:new\s+)?payment\s+from|"
    r"we(?:'ve|\s+have)\s+collected|nous\s+avons\s+(?:encaisse|recu)|"
    r"paid\s+[^\n]{1,25}?\s+for\s+(?:invoice|facture)|(?<!you\s)sent\s+(?:a|the)\s+payment\s+of|"
    r"payment\s+of\s+[^\n]{1,20}?\s+from\s+(?!your\b|votre\b)|"
    r"payment\s+of\s+[^\n]{1,30}?\s+from\s+[^\n]{1,60}?\s+(?:succeeded|was\s+successful|completed)"
)
_PAY_VETO = re.compile(
    r"payout|paid\s+out|versement|on\s+its\s+way|en\s+route|en\s+chemin|in\s+transit|"
    r"refund|rembours|chargeback|disput|litige|contest|"
    r"failed|declined|unsuccessful|echec|echoue|refuse|rejete|"
    r"pending|en\s+attente|on\s+hold|"
    r"request|demande\s+de\s+paiement|"
    r"you\s+sent|vous\s+avez\s+envoye|you\s+paid|vous\s+avez\s+paye|your\s+payment\s+to|votre\s+paiement\s+a\b|"
    r"your\s+transfer|transfer\s+(?:of\s+[^.\n]{0,30})?to\s+(?!your\b)|"
    r"virement\s+(?:de\s+[^.\n]{0,30})?vers\s+(?!votre\b)|"
    r"a\s+ete\s+envoye|virement\s+(?:emis|sortant)|outgoing|debit|"
    r"receipt|votre\s+recu|statement|releve|"
    r"subscription|abonnement|prelevement|direct\s+debit|card\s+payment|paiement\s+par\s+carte|"
    r"overdue|past\s+due|reminder|rappel|relance|upcoming|a\s+venir|scheduled|programme|"
    r"invoice\s+(?:was\s+)?sent|facture\s+envoyee|new\s+invoice|nouvelle\s+facture|"
    # an invoice or a quote being sent (a tool's copy), not a payment
    r"(?:sent|envoye|transmis)\s+(?:you\s+)?(?:an?\s+|la\s+|le\s+|une?\s+|votre\s+)?(?:new\s+|nouvelle?\s+)?"
    r"(?:invoice|facture|devis|quote|estimate)|recu\s+(?:une?|la|le)\s+(?:nouvelle?\s+)?(?:facture|devis)|"
    r"tips|conseils|webinar|newsletter|introducing|decouvrez|"
    r"security|securite|password|mot\s+de\s+passe|verify|login|connexion"
)
_PAY_CONDITIONAL = re.compile(
    r"(?<![a-z])(?:when|once|if|lorsque|quand|des\s+que|une\s+fois|will|sera|we'll|you'll)(?![a-z])"
)
_REFERENCE = re.compile(
    r"(?:^|\n)\s*(?:reference|ref|motif|libelle|communication|memo|note(?:\s+from\s+[^:\n]{1,40})?|"
    r"remarque|description|message)\s*:\s*(?P<v>[^\n]{1,80})"
)
_BARE_REFERENCE = re.compile(
    r"[a-z]{0,6}[-_]?\d[0-9a-z]*(?:[-/._]\d[0-9a-z]*)+|[a-z]{1,6}[-_]?\d{2,}"
)
_AMOUNT_EXCLUDED = re.compile(
    r"(?<![a-z])(?:fees?|frais|commission|net\s*:|balance|solde|money\s+out)(?![a-z])"
)

_PAYER_LABEL = re.compile(
    r"(?:^|\n)\s*(?:payer|payeur|from|emetteur|donneur\s+d'ordre|customer|sender|expediteur|"
    r"de\s+la\s+part\s+de)\s*:\s*(?P<p>[^\n]{2,80})"
)
_PAYER_VERB = re.compile(
    r"(?:^|[\n!:]\s*|\.\s+)(?P<p>[^\n!:]{2,60}?)\s+(?:sent\s+you|sent\s+(?:a|the)\s+payment|"
    r"vous\s+a\s+(?:envoye|vire|paye|regle|transfere)|"
    r"(?:has\s+|have\s+)?paid(?!\s+out)|a\s+(?:paye|regle)|ont\s+(?:paye|regle))(?![a-z])"
)
_PAYER_FROM = re.compile(
    r"(?<![a-z])(?:from|de\s+la\s+part\s+de|paid\s+by|paye\s+par|regle\s+par|"
    r"(?<=recu\s)de|(?<=recus\s)de|(?<=€\s)de|(?<=eur\s)de|(?<=\$\s)de)\s+"
)
_PAYER_STOP = re.compile(
    r"\s*(?:[\n,;!?()\[\]]|\.(?:\s|$)|\s(?:for|pour|on|le|via|with|avec|sur|has|have|a\s+ete|"
    r"is|was|succeeded|completed|into|to|dans|vers|-|–|—|\d)(?![a-z]))"
)
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_NOT_A_NAME = re.compile(
    r"^(?:you|vous|your|votre|a|an|un|une|the|le|la|l'|les|customer|client|un\s+client|"
    r"a\s+customer|someone|quelqu'un)$"
)
_NAME_REJECT = re.compile(r"(?<![a-z])(?:invoice|facture|payment|paiement|your|votre)(?![a-z])|\d")


def find_payment_notice(
    from_addr: str,
    subject: str,
    text: str,
    *,
    senders: Sequence[str] = DEFAULT_PAYMENT_SENDERS,
    patterns: Sequence[str] = (),
) -> PaymentNotice | None:
    """A processor's or bank's notice that a payment came in, or None.

    Only mail from `senders` counts (a look-alike domain never does). A payout to the
    owner's bank, a refund, a dispute, a failed or pending payment, a payment the owner
    made, a receipt for the owner's purchase, a statement, a reminder are not notices.
    `numbers` is empty when the notice names no invoice: then the amount and the payer
    make it only a probable payment (the rules decide what to do with it).
    """
    if not sender_matches(from_addr, senders):
        return None
    text = text[:MAX_TEXT]
    fsubject = _fold(subject)
    if _PAY_VETO.search(fsubject):
        return None
    evidence = ""
    if _PAY_POSITIVE.search(fsubject):
        evidence = subject.strip()
    body_sentence = ""
    for sentence in sentences(text):
        folded = _fold(sentence)
        if _PAY_VETO.search(folded) or _PAY_CONDITIONAL.search(folded):
            continue
        if _PAY_POSITIVE.search(folded):
            body_sentence = sentence
            break
    if not evidence and not body_sentence:
        return None
    evidence = body_sentence or evidence

    pats = _patterns(patterns)
    numbers: list[str] = []
    for chunk in (subject, text):
        for _, number in _numbers_in(chunk, pats, None):
            numbers.append(number)
        fchunk = _fold(chunk)
        for m in _REFERENCE.finditer(fchunk):
            value = chunk[m.start("v") : m.end("v")].strip()
            fvalue = _fold(value)
            if pats.names.search(fvalue):
                continue  # already read above
            bare = _BARE_REFERENCE.fullmatch(fvalue.strip(" .;")) or re.fullmatch(
                r"\d{3,8}", fvalue.strip(" .;")
            )
            if bare:
                numbers.append(_clean(value.strip(" .;")))
    seen: set[str] = set()
    unique = []
    for n in numbers:
        if _key(n) not in seen:
            seen.add(_key(n))
            unique.append(n)

    amount = _payment_amount([body_sentence, subject, text])
    payer = _payer(subject, text, body_sentence)
    return PaymentNotice(
        numbers=tuple(unique),
        amount=amount[0] if amount else None,
        currency=amount[1] if amount else None,
        payer=payer,
        sentence=evidence,
    )


def _payment_amount(segments: Sequence[str]) -> tuple[Decimal, str | None] | None:
    for segment in segments:
        if not segment:
            continue
        folded = _fold(segment)
        floor = 0
        for money in find_amounts(segment):
            label = _label_before(segment, folded, money, floor)
            floor = money.end
            if _AMOUNT_EXCLUDED.search(label):
                continue
            return money.amount, money.currency
    return None


def _payer(subject: str, text: str, sentence: str) -> str | None:
    """Who paid: a "Payer:" line, else "X paid" / "X vous a envoyé", else "from X" / "de X",
    looked for in the notice's sentence first, then its subject, then the rest."""
    chunks = [c for c in (sentence, subject, text) if c]
    for chunk in chunks:
        folded = _fold(chunk)
        m = _PAYER_LABEL.search(folded)
        if m:
            name = _name_at(chunk, folded, m.start("p"))
            if name:
                return name
    for chunk in chunks:
        folded = _fold(chunk)
        for m in _PAYER_VERB.finditer(folded):
            # "Bloom Florist (chloe@bloomflorist.test)": the name, not its address
            candidate = re.sub(r"\s*\([^)]*\)", "", chunk[m.start("p") : m.end("p")])
            candidate = candidate.strip(" \t-–—:")
            for lead in ("good news", "bonne nouvelle", "great news"):
                if _fold(candidate).startswith(lead):
                    candidate = candidate[len(lead) :].strip(" !:,-")
            fc = _fold(candidate)
            if (
                candidate
                and not _NOT_A_NAME.match(fc)
                and not _NAME_REJECT.search(fc)
                and not _AUXILIARY_END.search(fc)
            ):
                return candidate
        for m in _PAYER_FROM.finditer(folded):
            name = _name_at(chunk, folded, m.end())
            if name:
                return name
    return None


_AUXILIARY_END = re.compile(
    r"(?<![a-z])(?:be|been|was|is|will|has|have|it|this|that|we|they|i)$|^(?:it|we|they|i)\s"
)


def _name_at(original: str, folded: str, at: int) -> str | None:
    email = _EMAIL.match(original, at)
    if email:
        return email.group().rstrip(".")
    if at >= len(folded) or not (folded[at].isalpha()):
        return None
    stop = _PAYER_STOP.search(folded, at)
    end = stop.start() if stop else len(folded)
    candidate = original[at:end].strip(" \t.:-–—")
    fc = _fold(candidate)
    if not candidate or _NOT_A_NAME.match(fc) or _NAME_REJECT.search(fc) or len(candidate) > 60:
        return None
    if len(candidate.split()) > 6:
        return None
    return candidate


# ---------------------------------------------------------------------------------------
# find_payment_claim
# ---------------------------------------------------------------------------------------

_PAYMENT_OBJECT = r"(?:payment|transfer|wire|bank\s+transfer|money|funds|invoice|bill)"
_CLAIM = re.compile(
    # English
    r"(?<![a-z])(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|already\s+|now\s+|finally\s+|also\s+)?"
    r"(?:paid|settled|transferred|wired)(?![a-z])|"
    r"(?<![a-z])(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|already\s+|now\s+|finally\s+)?"
    r"(?:sent|made|processed|initiated|completed|submitted|scheduled|done)\s+"
    rf"(?:the\s+|a\s+|my\s+|our\s+|your\s+|this\s+|that\s+)?(?:\w+\s+)?{_PAYMENT_OBJECT}|"
    r"(?:processed|made|sent|initiated|completed|submitted)\s+(?:the|a|my|our|your)\s+"
    r"(?:payment|transfer|wire)|"
    r"(?:payment|transfer|wire|bank\s+transfer|money|funds)(?:'s)?\s+"
    r"(?:(?:has|have|had|was|is|been|just|now|already)\s+){0,3}"
    r"(?:sent|made|done|completed|processed|initiated|issued|submitted|went\s+through|"
    r"gone\s+through|arrived|came\s+through|went\s+out|gone\s+out|left)(?![a-z])|"
    # "the payment for invoice 1042 was sent": a few words between
    r"(?:payment|transfer|wire)\b[^.?!]{1,40}?\s(?:has\s+been|had\s+been|was|were)\s+"
    r"(?:sent|made|processed|completed|initiated|issued|wired|transferred)(?![a-z])|"
    r"(?<![a-z])did\s+the\s+(?:transfer|payment|wire|bank\s+transfer)|"
    r"(?:just|already)\s+(?:paid|settled|transferred|wired|sent)\s+(?:the|your|this|that|it|invoice|"
    r"inv|our|payment|money|funds)(?![a-z])|"
    r"^(?:just\s+)?(?:sent|made|transferred|wired)\s+(?:the\s+|a\s+|my\s+|our\s+)?"
    r"(?:payment|transfer|money|funds)|"
    r"(?:payment|transfer|money|virement|paiement)\s+(?:is\s+|est\s+)?(?:on\s+(?:its|the)\s+way|en\s+route)|"
    r"cheque\s+(?:est\s+)?(?:envoye|poste|parti)|check\s+(?:is\s+)?in\s+the\s+mail|"
    r"mailed\s+(?:the|a|you\s+a)\s+(?:check|cheque)|"
    r"^(?:all\s+)?(?:paid|settled)(?:\s*[!.]|\s*$|\s+(?:in\s+full|today|yesterday|this\s+morning))|"
    r"(?:it's|it\s+is|that's|that\s+is|all|this\s+is|invoice\s+is|has\s+been|was)\s+(?:now\s+|been\s+)?"
    r"(?:paid|settled)(?![a-z])|"
    r"(?:have|did)\s+you\s+(?:get|got|receive|received|see)\s+(?:my|our|the)\s+"
    r"(?:payment|transfer|wire|money|bank\s+transfer)|"
    r"did\s+(?:my|our|the)\s+(?:payment|transfer|wire)\s+(?:go\s+through|arrive|come\s+through)|"
    # French
    r"(?<![a-z])(?:j'ai|j\s+ai|jai|nous\s+avons|on\s+a|je\s+l'ai|on\s+l'a|nous\s+l'avons|"
    r"je\s+vous\s+ai|je\s+t'ai|nous\s+vous\s+avons|on\s+vous\s+a|on\s+t'a)\s+"
    r"(?:bien\s+|deja\s+|enfin\s+)?(?:paye|regle|vire|solde|transfere|"
    r"(?:envoye|effectue|fait|lance|passe|emis)\s+(?:le|un|mon|notre)\s+(?:paiement|virement|reglement)|"
    r"procede\s+au\s+(?:paiement|reglement|virement))(?![a-z])|"
    r"(?:c'est|c\s+est|cest)\s+(?:regle|paye|(?:fait|bon)\s+pour\s+le\s+(?:virement|paiement|reglement))"
    r"(?![a-z])|^(?:regle|paye|virement\s+fait|paiement\s+fait)(?![a-z])|"
    r"je\s+vous\s+confirme\s+(?:le\s+(?:paiement|virement|reglement)|avoir\s+(?:paye|regle|effectue|fait))|"
    r"(?:virement|paiement|reglement|transfert)\s+(?:(?:a|est|bien|ete|deja)\s+){0,3}"
    r"(?:effectue|fait|envoye|parti|passe|emis|lance|ordonne|realise|execute)(?![a-z])|"
    # "le règlement de la facture F-2026-32 est parti": a few words between
    r"(?:virement|paiement|reglement)\b[^.?!]{1,40}?\s(?:a\s+ete|est|a)\s+(?:bien\s+|deja\s+)?"
    r"(?:effectue|fait|envoye|parti|passe|emis|lance|ordonne|realise|execute)e?s?(?![a-z])|"
    r"(?:je\s+viens|on\s+vient|nous\s+venons)\s+de\s+(?:faire|lancer|passer|effectuer|envoyer|"
    r"regler|payer|virer|proceder)|"
    r"factures?\b[^.?!]{0,30}\b(?:a\s+ete|ont\s+ete|est|sont)\s+(?:bien\s+)?(?:reglee|payee|soldee)s?|"
    r"(?:avez-vous|avez\s+vous|as-tu|as\s+tu|vous\s+avez|tu\s+as)\s+(?:bien\s+)?recu\s+"
    r"(?:mon|notre|le)\s+(?:virement|paiement|reglement|cheque)"
)
_CLAIM_VETO = re.compile(
    # a payment still to come, or not made
    r"(?<![a-z])(?:will|'ll|shall|going\s+to|gonna|plan\s+to|about\s+to|intend\s+to|can|could|"
    r"cannot|can't|would|should|must|need\s+to|have\s+to|want\s+to|try\s+to|tried\s+to)"
    r"(?!\s+you\b)\s+"
    r"(?:\w+\s+){0,2}?(?:pay|settle|transfer|wire|send|make|process|do)(?![a-z])|"
    r"(?<![a-z])(?:will|'ll|should|shall)\s+(?:be\s+)?(?:go\s+out|going\s+out|be\s+"
    r"(?:paid|done|sent|made|processed|settled))|"
    r"(?<![a-z])(?:haven't|have\s+not|hasn't|has\s+not|didn't|did\s+not|not\s+yet|never|"
    r"unable\s+to|not\s+been)\s+(?:\w+\s+){0,3}?(?:paid|pay|settled|settle|sent|send|made|make|"
    r"transferred|transfer|wired|wire|processed|process|done|gone)(?![a-z])|"
    r"(?<![a-z])not\s+(?:yet\s+)?(?:paid|settled|sent|made|processed|done)(?![a-z])|"
    r"(?<![a-z])(?:vais|va|allons|allez|vont|devrais|devrait|dois|doit|peux|peut|pourrais|"
    r"pourrait|voudrais|compte|comptons|prevois|prevoyons)\s+(?:\w+\s+){0,2}?"
    r"(?:payer|regler|faire|effectuer|envoyer|virer|lancer|proceder)(?![a-z])|"
    r"(?<![a-z])(?:paierai|paierons|paiera|paieront|payerai|payera|reglerai|reglerons|reglera|"
    r"virerai|ferai|ferons|fera|effectuerai|effectuerons|enverrai|enverrons|sera|seront)(?![a-z])|"
    r"(?<![a-z])(?:n'ai\s+pas|n'avons\s+pas|n'a\s+pas|pas\s+encore|jamais)(?![a-z])"
)
# "I paid for the boosted post myself": paid, but not us.
_PAID_FOR_OTHER = re.compile(
    r"paid\s+for\s+(?:the|a|an|my|our|some|those|these)\s+(?!invoice|bill|month|retainer|"
    r"services?|work|package|deposit|november|december|january|february|march|april|may|june|"
    r"july|august|september|october)\w+"
)


def find_payment_claim(own_text: str) -> str | None:
    """The client's sentence saying they have paid, or None.

    "I've just paid", "payment sent", "we paid this yesterday", "c'est réglé", "virement
    effectué", "je viens de faire le virement". A payment still to come ("I will pay on
    Friday", "on vous paiera la semaine prochaine"), not made ("I haven't paid yet") or
    asked about ("when is payment due?") is not a claim. "Have you received my payment?"
    is: asking whether it arrived says it was sent.
    """
    for sentence in sentences(own_text[:MAX_TEXT]):
        folded = _fold(sentence)
        m = _CLAIM.search(folded)
        if not m:
            continue
        if _CLAIM_VETO.search(folded) or _PAID_FOR_OTHER.search(folded):
            continue
        return sentence
    return None


# ---------------------------------------------------------------------------------------
# mentions_invoice
# ---------------------------------------------------------------------------------------

_NUMBER_CUE_BEFORE = (
    r"(?:invoices?|factures?|inv|fact|n\s?°|nº|no\.?|nr\.?|numero|number|ref\.?|reference|#)"
    r"[\s:#_\-]{0,3}"
)


def mentions_invoice(subject: str, text: str, number: str) -> bool:
    """Does this mail talk about invoice `number`?

    The number is matched whole, whatever the separators ("F-2026-12", "F 2026 12",
    "F202612" are one number; "F-2026-120" is another). A number of digits only
    ("0042", "1043") must follow a cue such as "invoice", "facture", "n°" or "#", and
    leading zeros may be dropped ("invoice #42" is invoice 0042).
    """
    key = _key(number)
    if not key:
        return False
    haystack = _fold(subject) + "\n" + _fold(text[:MAX_TEXT])
    if key.isdigit():
        digits = key.lstrip("0") or "0"
        pattern = rf"{_NUMBER_CUE_BEFORE}0*{digits}(?![0-9a-z]|[-/.]\d)"
        return re.search(rf"(?<![a-z0-9]){pattern}", haystack) is not None
    body = r"[\s\-_/.]?".join(re.escape(c) for c in key)
    pattern = rf"(?<![a-z0-9])(?<![a-z0-9][-/.]){body}(?![0-9a-z]|[-/.]\d)"
    return re.search(pattern, haystack) is not None
