"""A client's timeline from the store: their mail, month by month, merged in date order
with the events of the ledger and its archive (drafts, approvals, sends, withdrawals,
thresholds, notes, invoices, commands). Messages are read one month at a time, so a
long history streams instead of filling memory."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from mailwatch.timeline.render import Entry, Header

if TYPE_CHECKING:
    from mailwatch.pipeline.app import App

_EVENT_TITLES = {
    "draft_created": "Draft made",
    "draft_approved": "Draft approved",
    "draft_rejected": "Draft rejected",
    "draft_edited": "Draft edited",
    "draft_withdrawn": "Draft withdrawn",
    "draft_sent": "Sent",
    "draft_failed": "Sending failed",
    "draft_retry": "Sending to be retried",
    "threshold": "Threshold crossed",
    "client_silent": "Client silent",
    "note": "Note",
    "invoice_recorded": "Invoice recorded",
    "invoice_paid": "Invoice paid",
    "invoice_part_paid": "Invoice part-paid",
    "invoice_void": "Invoice cancelled",
    "hold_cleared": "Hold cleared",
    "owner_command_accepted": "Command by mail accepted",
    "owner_command_refused": "Command by mail refused",
    "state_recovered": "State recovered",
}
_SKIP = frozenset({"id", "client", "kind", "at", "key"})


def _event_entry(event: dict[str, Any]) -> Entry:
    kind = event.get("kind", "event")
    title = _EVENT_TITLES.get(kind, kind.replace("_", " ").capitalize())
    if kind == "threshold" and event.get("rule"):
        title = f"{title}: {str(event['rule']).replace('_', ' ')}" + (
            f" step {event['step']}" if event.get("step") else ""
        )
    if event.get("number"):
        title = f"{title}: {event['number']}"
    detail_bits = []
    for name in ("reason", "text", "note", "by", "amount", "evidence", "verb"):
        value = event.get(name)
        if value not in (None, "", [], {}):
            detail_bits.append(f"{name}: {value}")
    ref = str(event.get("draft") or event.get("message_id") or "")
    return Entry(datetime.fromisoformat(event["at"]), kind, "", title, "; ".join(detail_bits), ref)


def entries(
    app: App, client: str, since: date | None = None, until: date | None = None
) -> Iterator[Entry]:
    """Everything on record for `client`, oldest first, within [since, until]."""
    zone = app.settings.owner_zone()

    def inside(moment: datetime) -> bool:
        day = moment.astimezone(zone).date()
        return (since is None or day >= since) and (until is None or day <= until)

    def messages() -> Iterator[Entry]:
        """Month files come in order; each month is sorted on its own (one month in
        memory at a time)."""
        router = app.router
        for _month, records in itertools.groupby(app.store.all_messages(), lambda r: r.month):
            month: list[Entry] = []
            for record in records:
                owner_of, direction = router.classify(record)
                if owner_of != client or not inside(record.date):
                    continue
                label = record.subject or "(no subject)"
                if record.not_contact:
                    label = f"{label} [{record.not_contact}]"
                month.append(
                    Entry(
                        record.date,
                        "message",
                        direction,
                        label,
                        record.snippet,
                        record.message_id or "",
                    )
                )
            yield from sorted(month, key=lambda e: e.at)

    events = sorted(
        (
            _event_entry(e)
            for e in app.store.events(client, archived=True)
            if inside(datetime.fromisoformat(e["at"]))
        ),
        key=lambda e: e.at,
    )
    yield from heapq.merge(messages(), events, key=lambda e: e.at)


def header(app: App, client: str, since: date | None, until: date | None) -> Header:
    from mailwatch.drafts.evidence import Words

    settings = app.settings
    known = settings.clients[client]
    contract = known.contract
    money = Words.money
    rows: list[tuple[str, str]] = [("Addresses", ", ".join(known.emails) or "-")]
    if known.domains:
        rows.append(("Domains", ", ".join(known.domains)))
    if contract.fee is not None:
        terms = (
            f"{contract.payment_terms_days} days after the invoice"
            if contract.payment_terms_days is not None
            else f"due on day {contract.due_day} of the month"
        )
        rows.append(("Monthly fee", f"{money(contract.fee, contract.currency)}, {terms}"))
    if contract.late_fee_percent:
        rows.append(("Late fee", f"{contract.late_fee_percent:g} % of the amount due"))
    rows.append(("Notice period", f"{contract.notice_days} days"))
    if contract.channels:
        rows.append(("Channels", ", ".join(contract.channels)))
    if contract.posts_per_week is not None:
        rows.append(("Posts per week", str(contract.posts_per_week)))
    if contract.revisions_per_month is not None:
        rows.append(("Revision rounds per month", str(contract.revisions_per_month)))
    for name, price in known.addons.items():
        rows.append((f"Add-on: {name.replace('_', ' ')}", money(price, contract.currency)))
    period = "all mail on record"
    if since or until:
        period = f"{since.isoformat() if since else 'the start'} to " + (
            until.isoformat() if until else "today"
        )
    return Header(
        client=known.name,
        client_id=client,
        owner=f"{settings.owner.name} <{settings.owner.email}>",
        timezone=settings.owner.timezone,
        generated_at=app.clock.now(),
        period=period,
        contract=tuple(rows),
        notes=(
            "Messages are listed from the mailbox as mailwatch read them (subject and first "
            "lines); the full text stays in the mailbox.",
        ),
    )
