"""When is the person behind an out-of-office reply back? (issue 12)

An automatic reply ("I'm out of the office until 4 December", "de retour le 7
décembre", "en congés du 20 décembre au 3 janvier") should move the thread's next
follow-up past the absence: chasing someone who is on holiday is noise. This module
finds the return date; the follow-up rules apply it (with the owner's calendar).

How a reply is read, in English and French:

- "back on X", "returning X", "I will return on X", "de retour le X", "retour prévu le
  X", "je reprendrai le X", "de nouveau joignable à partir du X": back on X, as written.
- "until X", "till X", "through X", "jusqu'au X (inclus)", "du A au X", "A – X", "out
  of the office on X": X is the last day away, so the person is back on the next
  weekday (Monday to Friday) after X. "Until Monday" therefore gives Tuesday: English
  uses "until" both ways, and the later reading never chases someone still away.
  "jusqu'au X exclu" (or "X not included") gives X itself.
- "back after X" / "de retour après le X": the next weekday after X.
- An explicit return ("back on 4 January") beats an "until" or a range in the same
  reply; of several return dates the latest is kept (never chase too early). A reply
  that only says when it will answer ("I'll reply on Thursday") counts last.
- "next week" / "la semaine prochaine", and "until EOW" / "until the end of the week":
  the Monday of the next week.
- Relative dates ("next Monday", "lundi prochain", "demain") resolve from `written`,
  the auto-reply's own date, through mailwatch.detect.dates.parse_date.
- Numeric dates are day first (12/07 is 12 July); month first only when day first is
  impossible (12/21 is 21 December).
- Dates before `written` are ignored ("I was out until 30 November"), as are vague
  returns ("early January", "after the holidays"): no date, no Absence.
- Public holidays are not this module's business: the follow-up rules move the
  follow-up to a working day of the owner's calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mailwatch.detect.dates import WEEKDAYS, parse_date, quick_day
from mailwatch.detect.text import normalise, sentences
from mailwatch.parse.text import strip_quotes

__all__ = ["Absence", "return_date"]

_MAX_AHEAD = timedelta(days=400)  # an absence longer than this is a misreading
_RECENT_PAST = timedelta(days=90)  # "30 November" written on 2 December is the past
_MAX_PHRASES = 40  # an auto-reply names a few dates; a long text is not an auto-reply


@dataclass(frozen=True, slots=True)
class Absence:
    back_on: date  # the first day the person is back (see the module's rules)
    sentence: str  # the sentence that says so, as written


# --------------------------------------------------------------------------- date phrases
# On normalised text: lower case, no accents, straight apostrophes.

_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?"
    r"|fri|sat|sun|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lun|mar|mer|jeu|ven)"
    r"\.?"
)
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre"
    r"|novembre|decembre|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|janv|fevr?|avr"
    r"|juil)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|er)?"
_YEAR = r"(?:,?\s*(?:20\d\d))"
_NUMERIC = r"(?:\d{1,2}[/.]\d{1,2}(?:[/.](?:20)?\d\d)?(?![/.]?\d))"
_ISO = r"(?:20\d\d-\d\d-\d\d)"
_FULL = (
    rf"(?:(?:{_WEEKDAY},?\s+)?(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH}{_YEAR}?"
    rf"|(?:{_WEEKDAY},?\s+)?{_MONTH}\s+(?:the\s+)?{_DAY}{_YEAR}?"
    rf"|(?:{_WEEKDAY},?\s+)?{_ISO}|(?:{_WEEKDAY},?\s+)?{_NUMERIC})"
)
_RELATIVE = (
    r"(?:eow|end\s+of\s+(?:the\s+)?week|fin\s+de\s+(?:la\s+)?semaine|next\s+week|early\s+next\s+week|la\s+semaine\s+prochaine|(?:debut\s+de\s+)?"
    rf"semaine\s+prochaine|(?:next|this|coming)\s+{_WEEKDAY}|{_WEEKDAY}\s+(?:prochain|next)"
    r"|tomorrow|demain|apres-demain|apres\s+demain)"
)
_WEEKDAY_DAY = rf"(?:{_WEEKDAY}\s+(?:the\s+)?{_DAY})"
_BARE_DAY = rf"(?:(?:the|le)\s+{_DAY})"
# Longest forms first: a regex alternation takes the first that matches.
_DATE = rf"(?:{_FULL}|{_RELATIVE}|{_WEEKDAY_DAY}|{_BARE_DAY}|{_WEEKDAY})(?![\w/])"
_DATE_WITH_DAY = rf"(?:{_FULL}|{_WEEKDAY_DAY})(?![\w/])"

# --------------------------------------------------------------------------- triggers

_BACK = re.compile(
    r"(?:\bback\b(?!\s+(?:to\s+(?:you|u|me|your)|with\s+you|from\b|up\b))"
    r"(?:\s+(?:in|at)\s+(?:the\s+|my\s+)?[a-z]+|\s+to\s+(?:the\s+)?(?:office|work|my\s+desk))?"
    r"|\breturn(?:ing|s)?\b(?:\s+to\s+(?:the\s+)?(?:office|work))?|\breturn\s+date\b"
    r"|\bavailable\s+again\b|\breachable\s+again\b"
    r"|\bde\s+retour\b(?:\s+au\s+bureau|\s+parmi\s+(?:vous|nous)|\s+(?:dans|a)\s+(?:nos|mes"
    r"|les)\s+(?:bureaux|locaux))?|\bretour\b(?:\s+(?:prevu|au\s+bureau))?"
    r"|\brepren(?:drai|ds|d)\b(?:\s+(?:mes\s+fonctions|le\s+travail|mon\s+poste))?"
    r"|\breprise\b(?:\s+prevue)?|\breviens\b|\brentre\b|\breouverture\b(?:\s+prevue)?"
    r"|\breopen(?:s|ing)?\b"
    r"|\b(?:de|a)\s+nouveau\s+(?:joignable|disponible|present|presente|au\s+bureau)"
    r"|\bjoignable\s+(?=a\s+partir|des\b))"
    r"\s*[,:]?\s*(?:on|from|by|le|a\s+partir\s+du|a\s+partir\s+de|des\s+le|des|au|prevu\s+le)?\s*"
    rf"(?P<date>{_DATE})"
)
_UNTIL = re.compile(
    r"(?:\buntil\b|\btill\b|\btil\b|\bthrough\b|\bthru\b|\bup\s+to\s+and\s+including\b"
    r"|\bjusqu\s*'?\s*(?:au|a|aux)\b"
    r"|\b(?:out|off|away|absent|absente|en\s+conges?|en\s+rtt)"
    r"(?:\s+of\s+(?:the\s+)?office)?\s+(?=on\b|le\b|ce\b))"
    r"\s*(?:on|le|the|ce)?\s*"
    # "jusqu'au 6": a bare day number, but not an hour ("until 5 pm", "jusqu'à 18 h").
    rf"(?P<date>{_DATE}|{_DAY}(?![\w/:]|[.,]\d|\s*(?:pm|am|h|heures?|o'clock)\b))"
    r"(?P<excluded>\s*\(?\s*(?:exclu|non\s+inclus|not\s+included|exclusive)\b)?"
)
# "back in touch after the 10th", "de retour après le 10": the day after X.
_BACK_AFTER = re.compile(
    r"\b(?:back|return(?:ing)?|retour|reviens)\b[^.!?]{0,25}?\b(?:after|apres)\s+(?:the\s+|le\s+)?"
    rf"(?P<date>{_DATE})"
)
# "du 20 décembre au 3 janvier", "from 10 August to 21 August", "21–31 December".
_RANGE = re.compile(
    rf"(?P<start>{_DATE_WITH_DAY}|{_DAY})"
    r"\s*(?:to|until|till|through|thru|-|–|—|au|a|and|et|>)\s*(?:the\s+|le\s+)?"
    rf"(?P<date>{_DATE_WITH_DAY})"
    r"(?P<excluded>\s*\(?\s*(?:exclu|non\s+inclus|not\s+included|exclusive)\b)?"
)
# A line of 40+ characters that ends mid-sentence, followed by more text.
_WRAPPED = re.compile(r"(?<=[^\n]{40}[\w,;–-])[ \t]*\n(?=[ \t]*[\w(])")
_ENDS_WITH_MONTH = re.compile(
    r"\b(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|janv|fevr?|avr|juil)\.$"
)
# "until the end of the week" means back the Monday after, like "back next week".
# An auto-reply that only says when it will be answered: "I'll reply on Thursday".
_REPLY_ON = re.compile(
    r"\b(?:reply|respond|answer|get\s+back\s+to\s+you|repondrai|reviendrai\s+vers\s+vous)"
    r"(?:\s+to\s+(?:your|all)\s+(?:e-?mails?|messages?))?\s+(?:on|le|from|des\s+le)\s+"
    rf"(?P<date>{_DATE})"
)
_NEXT_WEEK = re.compile(r"next\s+week|semaine\s+prochaine|eow|end\s+of|fin\s+de")
_HAS_YEAR = re.compile(r"\b20\d\d\b|\d{1,2}[/.]\d{1,2}[/.]\d\d")
_NUMERIC_PARTS = re.compile(r"(\d{1,2})[/.](\d{1,2})(?:[/.]((?:20)?\d\d))?")
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|tr|aw|auto|automatic\s+reply|reponse\s+automatique|out\s+of\s+office"
    r"\s+reply|absence\s+du\s+bureau)\s*:\s*)+",
    re.IGNORECASE,
)


def return_date(subject: str, own_text: str, *, written: datetime) -> Absence | None:
    """The day the person who sent this auto-reply is back, or None if it names none.

    `written` is the auto-reply's own date: relative dates resolve from it, and dates
    before it are ignored.
    """
    today = written.date()
    backs: list[tuple[date, str]] = []
    untils: list[tuple[date, str]] = []
    cache: dict[str, date | None] = {}

    def resolve(phrase: str) -> date | None:
        # dateparser takes ~0.5 ms a phrase: read each phrase once, and only so many.
        if phrase not in cache:
            cache[phrase] = _resolve(phrase, written) if len(cache) < _MAX_PHRASES else None
        return cache[phrase]

    for original in _candidates(subject, own_text):
        text = normalise(original)
        for match in _BACK.finditer(text):
            day = resolve(match.group("date"))
            if day is not None and today <= day <= today + _MAX_AHEAD:
                backs.append((day, original))
        for pattern in (_UNTIL, _RANGE, _BACK_AFTER):
            for match in pattern.finditer(text):
                day = resolve(match.group("date"))
                if day is None or not today <= day <= today + _MAX_AHEAD:
                    continue
                if match.groupdict().get("excluded") or _NEXT_WEEK.search(match.group("date")):
                    back = day  # "until EOW" already names the Monday after
                else:
                    back = _next_weekday(day)
                untils.append((back, original))
    replies: list[tuple[date, str]] = []
    if not backs and not untils:
        for original in _candidates(subject, own_text):
            for match in _REPLY_ON.finditer(normalise(original)):
                day = resolve(match.group("date"))
                if day is not None and today < day <= today + _MAX_AHEAD:
                    replies.append((day, original))
    chosen = backs or untils or replies
    if not chosen:
        return None
    back_on, sentence = max(chosen, key=lambda found: found[0])
    return Absence(back_on=back_on, sentence=sentence)


def _candidates(subject: str, own_text: str) -> list[str]:
    """The subject (without its "Automatic reply:" prefixes), then the text's sentences.
    Quoted originals are left out: their "Sent: Tuesday, 1 December" is not a return."""
    out: list[str] = []
    clean = _SUBJECT_PREFIX.sub("", subject or "").strip()
    if clean:
        out.append(clean)
    for sentence in sentences(unwrap(strip_quotes(own_text or ""))):
        # The sentence splitter ends a sentence at "Dec." in "until Dec. 7th": glue it back.
        if out and _ENDS_WITH_MONTH.search(normalise(out[-1])):
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return out


def unwrap(text: str) -> str:
    """Join lines that a mail client wrapped mid-sentence ("I will be returning on /
    Thursday 7 January"): the sentence splitter would cut them before the capital."""
    return _WRAPPED.sub(" ", text)


def _resolve(phrase: str, written: datetime) -> date | None:
    """The day a date phrase names, read as written on `written`; None if past or vague."""
    phrase = " ".join(phrase.split())
    today = written.date()
    if _NEXT_WEEK.search(phrase):
        return today + timedelta(days=7 - today.weekday())  # Monday of next week
    numeric = _NUMERIC_PARTS.fullmatch(_strip_weekday(phrase))
    if numeric:
        return _numeric(numeric, today)
    day = _weekday_and_day(phrase, today)
    if day is None:
        quick = quick_day(phrase, today)
        # Not "today" from the quick reading: parse_date says next year for a day and
        # month that are today's, and what follows expects its answer.
        day = quick if isinstance(quick, date) and quick != today else parse_date(phrase, written)
    if day is None:
        return None
    if not _HAS_YEAR.search(phrase) and day.year > today.year:
        # parse_date moves a yearless date that has passed to next year ("4 January"
        # written in December); one that passed only weeks ago is just the past.
        last_year = _replace_year(day, day.year - 1)
        if last_year is not None and today - _RECENT_PAST <= last_year < today:
            return None
    return day


def _numeric(parts: re.Match[str], today: date) -> date | None:
    first, second = int(parts.group(1)), int(parts.group(2))
    year_text = parts.group(3)
    # Day first, as written in France and the UK; month first only if it must be.
    if 1 <= second <= 12:
        day, month = first, second
    elif 1 <= first <= 12:
        day, month = second, first
    else:
        return None
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _make(year, month, day)
    found = _make(today.year, month, day)
    if found is None:
        return None
    if found < today:
        if today - found <= _RECENT_PAST:
            return None  # the past, not next year
        found = _make(today.year + 1, month, day)
    return found


def _weekday_and_day(phrase: str, today: date) -> date | None:
    """ "mardi 8", "Tuesday the 8th": the next 8th, preferring one that is a Tuesday."""
    match = re.fullmatch(rf"({_WEEKDAY})\s+(?:the\s+)?({_DAY})", phrase)
    if not match:
        return None
    number = int(re.match(r"\d+", match.group(2)).group(0))  # type: ignore[union-attr]
    name = match.group(1).rstrip(".")
    weekday = WEEKDAYS.get(name)
    if weekday is None:  # an abbreviation the table lacks ("mer", "ven")
        named = parse_date(name, datetime(today.year, today.month, today.day))
        weekday = named.weekday() if named is not None else None
    candidates = []
    year, month = today.year, today.month
    for _ in range(3):
        found = _make(year, month, number)
        if found is not None and found >= today:
            candidates.append(found)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if not candidates:
        return None
    if weekday is not None:
        for found in candidates:
            if found.weekday() == weekday:
                return found
    return candidates[0]


def _strip_weekday(phrase: str) -> str:
    return re.sub(rf"^{_WEEKDAY},?\s+", "", phrase)


def _next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _replace_year(day: date, year: int) -> date | None:
    return _make(year, day.month, day.day)
