"""Amounts of money as people and invoicing tools write them, in English and French.

"€1,200.00", "1 200,00 €", "1.200,00 EUR", "$950", "950 $", "CHF 1'200.–", "600 euros",
"1,5 k€": a number next to a currency sign, code or word. A number alone is not money
(dates, invoice numbers, phone numbers and percentages are numbers too), so `find_amounts`
only returns numbers that a currency anchors; `parse_amount` also accepts a bare number
when that is all the text is ("1200.00" in a form field).

Which separator is the decimal one is read from the number itself: with both "," and ".",
the last one is decimal ("1,200.00", "1.200,00"); with one kind only, three digits after it
mean thousands ("1,200", "1.200") and one or two mean decimals ("12,50", "1200.5");
spaces, non-breaking spaces and apostrophes always group thousands ("1 200", "1'200").

price-parser (PyPI) reads a single price string just as well, but picks the first number
of a sentence ("Invoice INV-2026-031: €1,200.00, due 1 December 2026" gives 2026): finding
the amount in a sentence is the hard part, and it is what this module does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["Money", "find_amounts", "parse_amount"]


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str | None  # ISO 4217, None when only a bare number was written
    start: int  # where it is written in the text that was searched
    end: int


# A number as written in an amount: grouped thousands ("1 200", "1,200", "1.200", "1'200")
# or plain digits, then one or two decimals, then the Swiss ".–" for "no cents".
_NUM = (
    r"(?<![\w.,'’/-])"
    r"(?:\d{1,3}(?:(?:[ \u00a0\u202f]|[,.'’])\d{3})+|\d+)"
    r"(?:[.,]\d{1,2})?(?![\d])"
    r"(?:[.,][-–—])?"
)
# Currency signs and codes, longest first so that "CA$" is not read as "$".
_SIGN = r"US\$|CA\$|CAD\$|C\$|AU\$|A\$|\$|€|£"
_CODE = r"(?<![A-Za-z])(?i:USD|EUR|GBP|CHF|CAD|AUD)(?![A-Za-z])"
_WORD = r"(?i:euros?|dollars?|francs?\s+suisses?|pounds?\s+sterling)(?![A-Za-z])"
_PREFIX = rf"{_SIGN}|{_CODE}|SFr\.|Fr\."
_SUFFIX = rf"{_SIGN}|{_CODE}|{_WORD}"

_AMOUNT = re.compile(
    rf"(?P<pre>{_PREFIX})[ \u00a0\u202f]?(?P<n1>{_NUM})(?P<k1>[ \u00a0]?[kK](?![A-Za-z]))?"
    rf"(?:[ \u00a0\u202f]?(?P<code1>{_CODE}))?"
    rf"|(?P<n2>{_NUM})(?P<k2>[ \u00a0]?[kK])?[ \u00a0\u202f]?(?P<post>{_SUFFIX})"
)
_BARE = re.compile(rf"\s*(?P<n>{_NUM})\s*")

_CURRENCIES = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "pound sterling": "GBP",
    "pounds sterling": "GBP",
    "chf": "CHF",
    "sfr.": "CHF",
    "fr.": "CHF",
    "franc suisse": "CHF",
    "francs suisses": "CHF",
    "ca$": "CAD",
    "cad$": "CAD",
    "c$": "CAD",
    "cad": "CAD",
    "au$": "AUD",
    "a$": "AUD",
    "aud": "AUD",
}


def _currency(token: str | None) -> str | None:
    if not token:
        return None
    return _CURRENCIES.get(" ".join(token.lower().split()))


def _value(written: str) -> Decimal | None:
    """The number `written` means, e.g. "1 200,00" -> 1200.00, "1,200" -> 1200."""
    s = re.sub(r"[.,][-–—]$", "", written)
    s = re.sub(r"[ \u00a0\u202f'’]", "", s)
    dot, comma = s.rfind("."), s.rfind(",")
    if dot >= 0 and comma >= 0:
        decimal_sep = "." if dot > comma else ","
        thousands = "," if decimal_sep == "." else "."
        s = s.replace(thousands, "").replace(decimal_sep, ".")
    elif dot >= 0 or comma >= 0:
        sep = "." if dot >= 0 else ","
        parts = s.split(sep)
        # "1,200" and "1.200.000" group thousands; "12,50" and "1200.5" have decimals.
        s = "".join(parts) if len(parts) > 2 or len(parts[-1]) == 3 else ".".join(parts)
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def find_amounts(text: str) -> list[Money]:
    """Every amount of money written in `text` (a currency next to a number), in order."""
    found: list[Money] = []
    for m in _AMOUNT.finditer(text):
        if m.group("n1") is not None:
            number, kilo = m.group("n1"), m.group("k1")
            currency = _currency(m.group("code1")) or _currency(m.group("pre"))
        else:
            number, kilo = m.group("n2"), m.group("k2")
            currency = _currency(m.group("post"))
        value = _value(number)
        if value is None:
            continue
        if kilo:
            value *= 1000
        found.append(Money(value, currency, m.start(), m.end()))
    return found


def parse_amount(text: str) -> tuple[Decimal, str | None] | None:
    """The first amount in `text` and its ISO currency; a bare number gives no currency.

    >>> parse_amount("Total: 1 200,00 €")
    (Decimal('1200.00'), 'EUR')
    """
    amounts = find_amounts(text)
    if amounts:
        return amounts[0].amount, amounts[0].currency
    bare = _BARE.fullmatch(text)
    if bare:
        value = _value(bare.group("n"))
        if value is not None:
            return value, None
    return None
