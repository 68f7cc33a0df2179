"""Dates written by people, in English or French, resolved to calendar days.

"1 December 2026", "01/12/2026", "1er décembre", "next Monday", "lundi prochain",
"demain", "back on the 7th": what a due date, a return date or a requested date
looks like in mail. dateparser does the hard part (month and day names in many
languages, relative dates); this module picks its settings, so every detector
reads dates the same way:

- a date without a year is the next such date on or after the message's date
  (an out-of-office written on 28 December that says "back on 4 January");
- numeric dates are day first (01/12/2026 is 1 December), as written in France
  and the UK; a US owner gets month first with `day_first=False`;
- nothing here reads the clock: relative dates resolve from `base`, the moment
  the message was written.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache

__all__ = ["MONTHS", "UNSURE", "WEEKDAYS", "parse_date", "quick_day"]

# dateparser does not know "lundi prochain" / "mardi prochain": with future dates
# preferred, the bare weekday means the same thing.
_PROCHAIN = re.compile(
    r"\b(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+prochain\b", re.I
)
_ORDINAL_FR = re.compile(r"\b1\s*er\b", re.I)
_ORDINAL_EN = re.compile(r"\b(\d{1,2})(st|nd|rd|th)\b", re.I)
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"\b(19|20)\d\d\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2}\b")
_MONTH = re.compile(
    r"\b(jan|feb|fev|fév|mar|apr|avr|may|mai|jun|juin|jul|juil|aug|aou|aoû|sep|oct|nov|dec|déc)",
    re.I,
)
_DAY_WORD = re.compile(
    r"\b(mon|tue|wed|thu|fri|sat|sun|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"today|tomorrow|aujourd|demain|apres-demain|après-demain|week|semaine)",
    re.I,
)
_LEADING = re.compile(r"^\s*(on|the|le|la|du|au|a|à|d'ici|by|until|till|before|avant)\s+", re.I)


@lru_cache(maxsize=1)
def _parser():  # type: ignore[no-untyped-def]
    # Imported on first use: dateparser costs ~60 ms to import, and most commands
    # never read a date out of a message.
    import dateparser

    return dateparser


def parse_date(
    text: str, base: datetime, languages: tuple[str, ...] = ("en", "fr"), *, day_first: bool = True
) -> date | None:
    """The calendar day `text` names, read as written on `base`; None if it names none.

    `text` should be the date phrase itself ("1er décembre", "next Monday"), not a
    whole sentence: finding the phrase is the detector's job, reading it is this one's.
    """
    phrase = text.strip().strip(".,;:!?()")
    if not phrase or len(phrase) > 60:
        return None
    phrase = _PROCHAIN.sub(r"\1", phrase)
    phrase = _ORDINAL_FR.sub("1", phrase)
    phrase = _ORDINAL_EN.sub(r"\1", phrase)
    while True:
        shorter = _LEADING.sub("", phrase)
        if shorter == phrase:
            break
        phrase = shorter
    settings = {
        "RELATIVE_BASE": base.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "DMY" if day_first else "MDY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        found = _parser().parse(phrase, languages=list(languages), settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; a miss is a miss
        return None
    if found is None or not (_DIGIT.search(phrase) or _DAY_WORD.search(phrase)):
        return None  # "December" alone names no day
    day = found.date()
    if day < base.date() and not _YEAR.search(phrase):
        # "the 7th" written on the 27th means next month's; "4 January" written in
        # December means next year's.
        if _MONTH.search(phrase) or "/" in phrase or "." in phrase:
            day = _shift_year(day, 1)
        else:
            day = _shift_month(day)
    return day


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _shift_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    return day


# --------------------------------------------------------------------------- quick reading

WEEKDAYS = {
    **dict.fromkeys(("monday", "mon", "lundi"), 0),
    **dict.fromkeys(("tuesday", "tue", "tues", "mardi"), 1),
    **dict.fromkeys(("wednesday", "wed", "mercredi"), 2),
    **dict.fromkeys(("thursday", "thu", "thur", "thurs", "jeudi"), 3),
    **dict.fromkeys(("friday", "fri", "vendredi"), 4),
    **dict.fromkeys(("saturday", "samedi"), 5),
    **dict.fromkeys(("sunday", "dimanche"), 6),
}
MONTHS = {
    **dict.fromkeys(("january", "jan", "janvier", "janv"), 1),
    **dict.fromkeys(("february", "feb", "fevrier", "fev", "fevr"), 2),
    **dict.fromkeys(("march", "mars"), 3),
    **dict.fromkeys(("april", "apr", "avril", "avr"), 4),
    **dict.fromkeys(("may", "mai"), 5),
    **dict.fromkeys(("june", "jun", "juin"), 6),
    **dict.fromkeys(("july", "jul", "juillet", "juil"), 7),
    **dict.fromkeys(("august", "aug", "aout"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septembre"), 9),
    **dict.fromkeys(("october", "oct", "octobre"), 10),
    **dict.fromkeys(("november", "nov", "novembre"), 11),
    **dict.fromkeys(("december", "dec", "decembre"), 12),
}
_ORDINAL_WORD = re.compile(r"^(\d{1,2})(?:st|nd|rd|th|er)?$")
UNSURE = object()


def quick_day(phrase: str, today: date) -> date | object | None:
    """The common shapes read with plain date arithmetic, as `parse_date` reads them (a
    test holds the two together) but without its ~1 ms a phrase, nor the ~0.2 s that
    dateparser's first phrase costs a fresh process: "Friday", "tomorrow", "the 5th",
    "3 décembre", "jeudi 3 décembre". `phrase` is folded (lower case, no accents).
    `UNSURE` for anything else, which `parse_date` then reads. One difference: a day
    and month that are `today` ("3 décembre" written on 3 December) is today here,
    next year for `parse_date`."""
    words = [w.strip(".") for w in phrase.replace(",", " ").split()]
    while words and words[0] in ("this", "next", "coming", "ce", "the", "le", "on"):
        words = words[1:]
    if words and words[-1] == "prochain":
        words = words[:-1]
    if words in (["tomorrow"], ["demain"]):
        return today + timedelta(days=1)
    if len(words) == 1 and words[0] in WEEKDAYS:
        return today + timedelta(days=(WEEKDAYS[words[0]] - today.weekday()) % 7 or 7)
    if words and words[0] in WEEKDAYS:
        words = words[1:]  # "jeudi 3 décembre": the date decides
        if words and words[0] == "the":
            words = words[1:]
    if words and words[0] in MONTHS:  # "December 3"
        words = words[1:2] + words[:1] + words[2:]
    number = _ORDINAL_WORD.match(words[0]) if words else None
    if number is None or int(number.group(1)) > 28:
        return UNSURE  # the 29th to 31st: leave month lengths to dateparser
    day = int(number.group(1))
    rest = [w for w in words[1:] if w != "of"]
    if not rest:  # "the 5th": this month's, or next month's if it has passed
        if day >= today.day:
            return today.replace(day=day)
        return (today.replace(day=1) + timedelta(days=32)).replace(day=day)
    if rest[0] not in MONTHS or len(rest) > 2:
        return UNSURE
    month = MONTHS[rest[0]]
    if len(rest) == 2:
        if not rest[1].isdigit() or len(rest[1]) != 4:
            return UNSURE
        return date(int(rest[1]), month, day)
    named = today.replace(month=month, day=day)
    return named if named >= today else named.replace(year=today.year + 1)
