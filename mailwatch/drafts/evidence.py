"""Why a draft was made, withdrawn or raised, in sentences the owner reads.

The core decides with facts (`core.model.Evidence`: a reason code and its facts);
this is where they become words, with dates in the owner's time zone. One
function per reason code; a code nobody words yet still reads as a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from mailwatch.core.model import Evidence

Wording = Callable[[Mapping[str, Any], "Words"], str]


class Words:
    """Formatting helpers bound to the owner's time zone."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def day(self, value: datetime | date | str | None) -> str:
        """'Tue 03 Nov' (a datetime in the owner's zone; a date as it is)."""
        if value is None:
            return "?"
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        if isinstance(value, datetime):
            return f"{value.astimezone(self.zone):%a %d %b}"
        return f"{value:%a %d %b}"

    def when(self, value: datetime | str | None) -> str:
        """'Tue 03 Nov 09:12'."""
        if value is None:
            return "?"
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return f"{moment.astimezone(self.zone):%a %d %b %H:%M}"

    @staticmethod
    def money(amount: Any, currency: str | None) -> str:
        """'€1,200.00' (the owner reads these, in English)."""
        from babel.numbers import format_currency

        try:
            return str(format_currency(Decimal(str(amount)), currency or "EUR", locale="en"))
        except (ArithmeticError, ValueError):
            return f"{amount} {currency or ''}".strip()

    @staticmethod
    def plural(count: int, word: str, plural: str | None = None) -> str:
        return f"{count} {word if count == 1 else (plural or word + 's')}"


def _follow_up_due(f: Mapping[str, Any], w: Words) -> str:
    nudges = int(f.get("follow_ups_sent") or 0)
    already = f" ({w.plural(nudges, 'follow-up')} already sent)" if nudges else ""
    return (
        f"Your message of {w.day(f['asked_on'])} asked {f['client_name']} for something and "
        f"nothing has come back in {f['business_days']} business days{already}: "
        f"follow-up step {f['step']} of {f['total_steps']} is due."
    )


def _pause_due(f: Mapping[str, Any], w: Words) -> str:
    return (
        f"{f['client_name']} has not answered {w.plural(int(f['follow_ups_sent']), 'follow-up')}"
        f"; the last went out on {w.day(f['last_follow_up_on'])}, {f['days_silent']} days ago: "
        "a pause notice is due."
    )


def _client_replied(f: Mapping[str, Any], w: Words, e: Evidence) -> str:
    return (
        f"{f['client_name']} replied on {w.day(e.message_date)} ({f['subject']!r}); "
        "no need to chase."
    )


def _followed_up_yourself(f: Mapping[str, Any], w: Words) -> str:
    return f"You already followed up yourself on {w.day(f['date'])}."


def _replaced(f: Mapping[str, Any], w: Words) -> str:
    step = f.get("step")
    label = f"step {step}" if step else str(f.get("kind", "")).replace("_", " ")
    return f"Replaced by a newer draft ({label})."


def _draft_failed(f: Mapping[str, Any], w: Words) -> str:
    kind = str(f.get("kind", "a")).replace("_", " ")
    return f"mailwatch could not write the {kind} draft: {f.get('error', 'unknown error')}"


def _rule_failed(f: Mapping[str, Any], w: Words) -> str:
    return (
        "mailwatch could not apply its rules to this client and is trying again at each "
        f"evaluation ({f.get('error', 'unknown error')}). Run `mailwatch evaluate "
        "--log-level debug` to see more."
    )


def _owner_overdue(f: Mapping[str, Any], w: Words) -> str:
    return (
        f"{f['client_name']} wrote on {w.when(f['received'])} ({f['subject']!r}) and has not "
        f"had an answer; your reply promise ran out on {w.when(f['due'])}."
    )


def _holding_reply_due(f: Mapping[str, Any], w: Words) -> str:
    return (
        f"{f['client_name']} has been waiting for your answer since {w.when(f['received'])}: "
        "a short note says when you will answer."
    )


def _owner_answered(f: Mapping[str, Any], w: Words) -> str:
    return f"You answered on {w.day(f['date'])}."


def _client_wrote_elsewhere(f: Mapping[str, Any], w: Words, e: Evidence) -> str:
    return (
        f"{f['client_name']} wrote on {w.day(e.message_date)} in another conversation "
        f"({f['subject']!r}): they are not silent."
    )


def _abusive_mail(f: Mapping[str, Any], w: Words, e: Evidence) -> str:
    lines = " / ".join(f'"{line}"' for line in f.get("lines", [])[:3])
    kind = str(f.get("kind") or "abusive").replace("_", " ")
    return (
        f"{f['client_name']}'s message of {w.day(e.message_date)} ({f.get('subject', '')!r}) "
        f"reads as {kind}: {lines}. No draft goes to this client until you run "
        "`mailwatch clear`."
    )


def _held_for_abuse(f: Mapping[str, Any], w: Words) -> str:
    return (
        f"Held: {f['client_name']} sent a message on {w.day(f['date'])} that reads as abusive; "
        "you decide what to answer."
    )


def _report_due(f: Mapping[str, Any], w: Words) -> str:
    last = f.get("last_report")
    since = f" (the last one went on {w.day(last)})" if last else ""
    return f"The monthly report for {f['client_name']} was due on {w.day(f['due'])}{since}."


def _new_address(f: Mapping[str, Any], w: Words, e: Evidence) -> str:
    primary = f" (their main address is {f['primary']})" if f.get("primary") else ""
    return (
        f"{f['client_name']} wrote from a new address, {f['address']}, on "
        f"{w.day(e.message_date)}{primary}. Add it to their file, or make it the main one."
    )


def _numbers(f: Mapping[str, Any]) -> str:
    numbers = list(f.get("invoices") or [])
    return ", ".join(numbers) if numbers else "the invoice"


def _billing_due(label: str) -> Callable[[Mapping[str, Any], Words], str]:
    def wording(f: Mapping[str, Any], w: Words) -> str:
        plural = len(f.get("invoices") or []) > 1
        invoices = "Invoices" if plural else "Invoice"
        sent = int(f.get("mails_sent") or 0)
        already = f" ({w.plural(sent, 'reminder')} already sent)" if sent else ""
        return (
            f"{invoices} {_numbers(f)} of {f['client_name']}, "
            f"{w.money(f['total_due'], f['currency'])} in all, "
            f"{'are' if plural else 'is'} {f['days_overdue']} days "
            f"overdue (due {w.day(f['oldest_due_on'])}){already}: {label} is due."
        )

    return wording


def _resume_due(f: Mapping[str, Any], w: Words) -> str:
    return (
        f"{f['client_name']} paid {_numbers(f)} on {w.day(f['paid_on'])}: their work was "
        "paused for it, so a note that it resumes is due."
    )


def _payment_claimed(f: Mapping[str, Any], w: Words) -> str:
    return (
        f"{f['client_name']} says they have paid {_numbers(f)}: "
        f'"{f.get("sentence") or ""}". Reminders wait until {w.day(f["until"])}; confirm '
        "it with `mailwatch invoice paid` when the money is there."
    )


def _payment_claimed_hold(f: Mapping[str, Any], w: Words) -> str:
    return f"{f['client_name']} says they have paid: reminders wait until {w.day(f['until'])}."


def _invoices_paid(f: Mapping[str, Any], w: Words) -> str:
    return f"{_numbers(f)} paid (or cancelled): no reminder needed."


def _invoices_changed(f: Mapping[str, Any], w: Words) -> str:
    parts = []
    if f.get("paid"):
        parts.append(f"{', '.join(f['paid'])} paid")
    if f.get("new"):
        parts.append(f"{', '.join(f['new'])} now overdue too")
    return "The invoices changed (" + "; ".join(parts) + "): a new reminder replaces it."


def _invoice_not_sent(f: Mapping[str, Any], w: Words) -> str:
    return (
        f"No invoice to {f['client_name']} is on record for the payment due on "
        f"{w.day(f['due'])} ({w.money(f['fee'], f['currency'])}): send it, or record it with "
        "`mailwatch invoice add`."
    )


def _probable_payment(f: Mapping[str, Any], w: Words) -> str:
    payer = f" from {f['payer']}" if f.get("payer") else ""
    open_ = ", ".join(f.get("open") or []) or "no open invoice"
    return (
        f"A payment of {w.money(f['amount'], f.get('currency'))}{payer} probably comes from "
        f"{f['client_name']} (open: {open_}); it names no invoice. Confirm it with "
        "`mailwatch invoice paid`."
    )


def _confirmation_due(f: Mapping[str, Any], w: Words, e: Evidence) -> str:
    what = {
        "scope": "asked on {day} for something new",
        "revision": "asked on {day} for a change to delivered work",
        "decision": "decided on {day}",
    }.get(str(f.get("request_kind")), "wrote on {day}")
    addon = str(f.get("addon") or "").replace("_", " ")
    verdict = {
        "included": "included in the package",
        "addon": f"the add-on “{addon}” at {w.money(f.get('price'), f.get('currency'))}",
        "quote": "not in the package or the add-on list: fill in a price",
    }.get(str(f.get("verdict")), "")
    return (
        f"{f['client_name']} {what.format(day=w.day(e.message_date))}: "
        f'"{f.get("sentence")}" ({f.get("request")}; {verdict}). Confirm it in writing.'
    )


def _call_recap(f: Mapping[str, Any], w: Words) -> str:
    return f'You asked for a written recap of a call with {f["client_name"]}: "{f["text"]}".'


def _delay_announced(f: Mapping[str, Any], w: Words) -> str:
    return (
        f"You said {f['what']} for {f['client_name']} needs until {w.day(f['by'])}: "
        "tell them before the last day."
    )


_WORDINGS: dict[str, Callable[..., str]] = {
    "call_recap": _call_recap,
    "delay_announced": _delay_announced,
    "payment_reminder_due": _billing_due("a payment reminder"),
    "payment_pause_notice_due": _billing_due("a notice that work pauses until payment"),
    "final_notice_due": _billing_due("a final notice"),
    "resume_due": _resume_due,
    "payment_claimed": _payment_claimed,
    "payment_claimed_hold": _payment_claimed_hold,
    "invoices_paid": _invoices_paid,
    "invoices_changed": _invoices_changed,
    "invoice_not_sent": _invoice_not_sent,
    "probable_payment": _probable_payment,
    "owner_overdue": _owner_overdue,
    "holding_reply_due": _holding_reply_due,
    "owner_answered": _owner_answered,
    "held_for_abuse": _held_for_abuse,
    "report_due": _report_due,
    "draft_failed": _draft_failed,
    "rule_failed": _rule_failed,
    "follow_up_due": _follow_up_due,
    "pause_due": _pause_due,
    "followed_up_yourself": _followed_up_yourself,
    "replaced": _replaced,
}


# Wordings that also read the evidence's own message date.
def _text_unreadable(f: Mapping[str, Any], w: Words, e: Evidence) -> str:
    who = "Your message" if f.get("direction") == "out" else f"{f['client_name']}'s message"
    return (
        f"{who} of {w.day(e.message_date)} ({f.get('subject', '')!r}) could not be read "
        f"({f.get('error', '')}): mailwatch cannot tell what it asks or says. Read it "
        "yourself; nothing is chased for it automatically."
    )


_WITH_EVIDENCE: dict[str, Callable[..., str]] = {
    "text_unreadable": _text_unreadable,
    "confirmation_due": _confirmation_due,
    "client_replied": _client_replied,
    "client_wrote_elsewhere": _client_wrote_elsewhere,
    "abusive_mail": _abusive_mail,
    "new_address": _new_address,
}


def register(code: str, wording: Callable[[Mapping[str, Any], Words], str]) -> None:
    """Word a new reason code (rules added later register theirs here)."""
    _WORDINGS[code] = wording


def word(evidence: Evidence, timezone: str) -> str:
    """The sentence for `evidence`, dates in `timezone`."""
    w = Words(timezone)
    try:
        if evidence.reason in _WITH_EVIDENCE:
            return _WITH_EVIDENCE[evidence.reason](evidence.facts, w, evidence)
        if evidence.reason in _WORDINGS:
            return _WORDINGS[evidence.reason](evidence.facts, w)
    except (KeyError, TypeError, ValueError):
        pass  # a fact missing: fall back to a plain sentence rather than fail a cycle
    text = evidence.facts.get("text") if isinstance(evidence.facts, Mapping) else None
    return str(text) if text else evidence.reason.replace("_", " ").capitalize() + "."


def json_facts(value: Any) -> Any:
    """Facts as JSON: datetimes as ISO 8601, amounts as decimal strings, tuples as
    lists, the rest as it is."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_facts(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_facts(v) for v in value]
    if hasattr(value, "isoformat"):  # date
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # amounts stay exact: "1200.00", never a float
    return value


def evidence_dict(evidence: Evidence, timezone: str) -> dict[str, Any]:
    """How a draft stores why it was made: the sentence, the code, the facts."""
    return {
        "text": word(evidence, timezone),
        "code": evidence.reason,
        "facts": json_facts(evidence.facts),
        "message_key": evidence.message_key,
        "message_id": evidence.message_id,
        "message_date": evidence.message_date.isoformat() if evidence.message_date else None,
    }
