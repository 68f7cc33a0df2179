"""`mailwatch invoice ...`: the invoices mailwatch knows, and what the mailbox cannot tell.

Invoices found in Sent and in invoicing tools' copies are recorded by sync; these
commands add the others, record payments and cancellations, list them, and import
an accounting tool's export.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mailwatch.cli.runtime import Runtime
from mailwatch.cli.safe import cell, clean_line
from mailwatch.errors import UsageError

if TYPE_CHECKING:
    from mailwatch.pipeline.app import App


def _date(value: str | None, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise UsageError(
            f"{what} {value!r} is not a date.", "Write it as YYYY-MM-DD, e.g. 2026-12-01."
        ) from None


def _amount(value: str | None, what: str = "--amount") -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(value.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise UsageError(f"{what} {value!r} is not an amount.", "Write it like 1200.00.") from None
    if amount < 0:
        raise UsageError(f"{what} {value!r} is negative.")
    return amount


def _client(rt: Runtime, client: str) -> str:
    if client not in rt.settings.clients:
        known = ", ".join(sorted(rt.settings.clients)) or "none"
        raise UsageError(f"There is no client {client!r}.", f"Client ids are file names: {known}.")
    return client


def _replan(app: App) -> None:
    """Run the rules at once: a payment withdraws its pending reminders now, not at the
    next evaluation, and the attention list follows."""
    report = app.evaluate()
    for draft_id in report.withdrawn:
        draft = app.store.draft(draft_id)
        click.echo(f"Withdrew #{draft_id}: {clean_line(draft.withdrawn_reason or '')}")


@click.group()
def invoice() -> None:
    """Invoices: add, paid, void, list, import."""


@invoice.command()
@click.argument("client")
@click.argument("number")
@click.option("--amount", help="The amount (default: the contract's fee).")
@click.option("--currency", help="ISO code, e.g. EUR (default: the contract's).")
@click.option("--sent", help="When it was sent (YYYY-MM-DD, default: today).")
@click.option("--due", help="When it is due (default: from the contract's terms).")
@click.pass_obj
def add(
    rt: Runtime,
    client: str,
    number: str,
    amount: str | None,
    currency: str | None,
    sent: str | None,
    due: str | None,
) -> None:
    """Record an invoice sent outside this mailbox."""
    from mailwatch.pipeline import invoices

    client = _client(rt, client)
    now = rt.clock.now()
    with rt.app() as app:
        store = app.store
        store.set_window(app.window_start())  # the notices it may find: recent mail only
        key = invoices.upsert(
            store,
            client=client,
            number=number,
            amount=_amount(amount),
            currency=currency.upper() if currency else None,
            sent_on=_date(sent, "--sent") or now.date(),
            due_on=_date(due, "--due"),
            source="cli",
            contract=rt.settings.clients[client].contract,
            at=now,
        )
        doc = next(d for d in store.docs(invoices.INVOICES) if d["key"] == key)
        _replan(app)
    click.echo(
        f"Recorded invoice {clean_line(doc['number'])} for {rt.settings.clients[client].name}: "
        f"{doc['amount']} {doc['currency']}, due {doc['due_on']}."
    )


@invoice.command()
@click.argument("client")
@click.argument("number")
@click.option("--on", "paid_on", help="When it was paid (YYYY-MM-DD, default: today).")
@click.option("--amount", help="How much was paid (default: all that is due).")
@click.pass_obj
def paid(rt: Runtime, client: str, number: str, paid_on: str | None, amount: str | None) -> None:
    """Record a payment; reminders for the invoice stop at once."""
    from mailwatch.pipeline import invoices

    client = _client(rt, client)
    now = rt.clock.now()
    with rt.app() as app:
        doc = invoices.pay(
            app.store,
            client,
            number,
            on=_date(paid_on, "--on") or now.date(),
            amount=_amount(amount),
            at=now,
            evidence="recorded by hand",
            by="owner (command line)",
        )
        _replan(app)
    due = Decimal(doc["amount"]) - Decimal(doc["amount_paid"])
    if due > 0:
        click.echo(
            f"Recorded a part payment of {doc['number']}: {due} {doc['currency']} still due."
        )
    else:
        click.echo(f"Invoice {clean_line(doc['number'])} is paid. Reminders for it stop.")


@invoice.command("void")
@click.argument("client")
@click.argument("number")
@click.pass_obj
def void_(rt: Runtime, client: str, number: str) -> None:
    """Cancel an invoice: it is never chased."""
    from mailwatch.pipeline import invoices

    client = _client(rt, client)
    with rt.app() as app:
        doc = invoices.void(app.store, client, number, at=rt.clock.now())
        _replan(app)
    click.echo(f"Invoice {clean_line(doc['number'])} is cancelled; it will not be chased.")


def invoice_json(doc: dict[str, Any], today: date, reminders: int) -> dict[str, Any]:
    from mailwatch.pipeline.invoices import to_invoice

    inv = to_invoice(doc)
    return {
        "client": inv.client,
        "number": inv.number,
        "amount": str(inv.amount),
        "currency": inv.currency,
        "amount_paid": str(inv.amount_paid),
        "sent_on": inv.sent_on.isoformat() if inv.sent_on else None,
        "due_on": inv.due_on.isoformat(),
        "paid_on": inv.paid_on.isoformat() if inv.paid_on else None,
        "status": inv.status(today),
        "days_overdue": inv.days_overdue(today),
        "source": inv.source,
        "reminders_sent": reminders,
    }


@invoice.command("list")
@click.option("--client", "client", help="One client only.")
@click.option("--all", "show_all", is_flag=True, help="Include paid and cancelled ones.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(rt: Runtime, client: str | None, show_all: bool, as_json: bool) -> None:
    """The invoices still open (or all of them)."""
    from mailwatch.core.billing import FAMILY
    from mailwatch.core.model import SENT
    from mailwatch.pipeline import invoices

    if client is not None:
        _client(rt, client)
    now = rt.clock.now()
    today = now.astimezone(rt.settings.owner_zone()).date()
    with rt.store(readonly=True) as store:
        docs = [d for d in store.docs(invoices.INVOICES) if client in (None, d["client"])]
        sent = [d for d in store.drafts(statuses=[SENT]) if d.family == FAMILY]
    rows = []
    for doc in sorted(docs, key=lambda d: (d["due_on"], d["client"], d["number"])):
        reminders = sum(1 for d in sent if doc["number"] in d.meta.get("invoices", []))
        row = invoice_json(doc, today, reminders)
        if show_all or row["status"] in ("open", "overdue"):
            rows.append(row)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No open invoices." + ("" if show_all else " (--all shows paid ones.)"))
        return
    from rich.table import Table

    from mailwatch.cli.show import console

    table = Table()
    for column in ("Client", "Invoice", "Amount", "Due", "Status", "Paid", "Reminders"):
        table.add_column(column)
    for row in rows:
        name = (
            rt.settings.clients[row["client"]].name
            if row["client"] in rt.settings.clients
            else row["client"]
        )
        status = row["status"] + (f", {row['days_overdue']} days" if row["days_overdue"] else "")
        table.add_row(
            cell(name),
            cell(row["number"]),
            f"{row['amount']} {row['currency']}",
            row["due_on"],
            status,
            row["amount_paid"],
            str(row["reminders_sent"]),
        )
    console().print(table)


@invoice.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_(rt: Runtime, file: Path) -> None:
    """Import an accounting tool's export: a CSV with the columns number, client,
    amount, currency, sent, due, paid (client is the client's id; paid is a date or
    empty). Rows already known are completed, never duplicated."""
    from mailwatch.pipeline import invoices

    now = rt.clock.now()
    added = paid_count = 0
    problems: list[str] = []
    with file.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"number", "client"} - set(reader.fieldnames or [])
        if missing:
            raise UsageError(
                f"{file} has no column {', '.join(sorted(missing))}.",
                "The first line must name the columns: number,client,amount,currency,sent,due,paid",
            )
        rows = list(reader)
    with rt.app() as app:
        store = app.store
        store.set_window(app.window_start())  # the notices it may find: recent mail only
        notices = invoices.EarlierNotices(store)
        for line, row in enumerate(rows, start=2):
            try:
                client = _client(rt, (row.get("client") or "").strip())
                number = (row.get("number") or "").strip()
                if not number:
                    raise UsageError("no invoice number")
                invoices.upsert(
                    store,
                    client=client,
                    number=number,
                    amount=_amount(row.get("amount"), "amount"),
                    currency=(row.get("currency") or "").strip().upper() or None,
                    sent_on=_date(row.get("sent"), "sent"),
                    due_on=_date(row.get("due"), "due"),
                    source="import",
                    contract=rt.settings.clients[client].contract,
                    at=now,
                    notices=notices,
                )
                added += 1
                paid_on = _date(row.get("paid"), "paid")
                if paid_on is not None:
                    doc = invoices.find(store, client, number)
                    if not doc.get("paid_on"):
                        invoices.pay(
                            store,
                            client,
                            number,
                            on=paid_on,
                            amount=None,
                            at=now,
                            evidence=f"imported from {file.name}",
                            by="import",
                        )
                        paid_count += 1
            except UsageError as exc:
                problems.append(f"line {line}: {exc.message}")
        _replan(app)
    click.echo(f"Imported {added} invoice(s) from {file.name}, {paid_count} marked paid.")
    for problem in problems:
        click.echo(f"  skipped {clean_line(problem)}")
    if problems:
        raise UsageError(f"{len(problems)} line(s) of {file.name} were not imported (see above).")
