"""Printing what a command did, in sentences and tables a non-programmer can read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from mailwatch.cli.format import day, duration, hours, kind_label, when
from mailwatch.core.model import OPEN_STATUSES, PENDING, ClientStatus
from mailwatch.pipeline.app import App
from mailwatch.pipeline.evaluate import EvaluateReport
from mailwatch.pipeline.send import SendReport
from mailwatch.pipeline.sync import SyncReport


def console() -> Console:
    out = Console(highlight=False, soft_wrap=False)
    if not out.is_terminal:
        out.width = max(out.width, 120)  # piped or captured: do not squeeze tables to 80
    return out


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def sync_report(report: SyncReport) -> None:
    parts = [f"{f.folder}: {plural(f.new, 'new message')}" for f in report.folders]
    click.echo("Synced. " + "; ".join(parts) + ".")
    if report.quarantined:
        click.echo(
            f"{plural(report.quarantined, 'message')} could not be read and "
            f"{'was' if report.quarantined == 1 else 'were'} set aside (see `mailwatch status`)."
        )
    for folder in report.folders:
        if folder.renumbered:
            click.echo(
                f"The server renumbered {folder.folder}; messages were matched again by "
                "Message-ID, nothing is drafted twice."
            )


def evaluate_report(app: App, report: EvaluateReport) -> None:
    if report.created:
        click.echo(f"{plural(len(report.created), 'new draft')} waiting for your approval:")
        for draft_id in report.created:
            draft = app.store.draft(draft_id)
            name = app.settings.clients[draft["client"]].name
            click.echo(f"  #{draft_id} {kind_label(draft)} to {name}: {draft['subject']}")
        click.echo("Review them with `mailwatch queue list`.")
    else:
        click.echo("No new drafts.")
    if report.withdrawn:
        click.echo(f"{plural(len(report.withdrawn), 'draft')} withdrawn (no longer needed):")
        for draft_id in report.withdrawn:
            draft = app.store.draft(draft_id)
            click.echo(f"  #{draft_id}: {draft.get('withdrawn_reason', '')}")


def send_report(app: App, report: SendReport) -> None:
    zone = app.settings.owner.timezone
    for draft_id in report.sent:
        draft = app.store.draft(draft_id)
        click.echo(f"Sent #{draft_id} to {', '.join(draft['to'])}: {draft['subject']}")
        if draft.get("refused"):
            for address, reply in draft["refused"].items():
                click.echo(f"  but {address} was refused: {reply}")
    for draft_id in report.withdrawn:
        draft = app.store.draft(draft_id)
        click.echo(f"Not sent #{draft_id}, withdrawn: {draft.get('withdrawn_reason', '')}")
    for draft_id, opening in report.waiting_for_window.items():
        click.echo(
            f"#{draft_id} is approved and waits for the client's sending hours "
            f"(from {when(opening, zone)} your time)."
        )
    for draft_id in report.retrying:
        draft = app.store.draft(draft_id)
        click.echo(f"#{draft_id} will be tried again later ({draft.get('error', '')}).")
    for draft_id in report.failed:
        draft = app.store.draft(draft_id)
        click.echo(f"#{draft_id} FAILED: {draft.get('error', '')}")
    for draft_id in report.unresolved:
        click.echo(
            f"#{draft_id}: the connection broke while sending; mailwatch is checking "
            "whether it went out before trying again (it will never send it twice)."
        )
    if not any(
        [
            report.sent,
            report.withdrawn,
            report.waiting_for_window,
            report.retrying,
            report.failed,
            report.unresolved,
        ]
    ):
        click.echo("Nothing approved to send.")


def status_table(app: App, rows: Sequence[ClientStatus]) -> None:
    now = app.clock.now()
    zone = app.settings.owner.timezone
    table = Table(title=f"Your clients on {when(now, zone)}", title_justify="left")
    for column in (
        "Client",
        "Last from them",
        "Last from you",
        "Waiting on",
        "Follow-ups",
        "Reply time (you / them)",
    ):
        table.add_column(column)
    for row in rows:
        waiting = "—"
        if row.waiting_on and row.waiting_since:
            who = "YOU" if row.waiting_on == "owner" else "them"
            waiting = f"{who}, {duration(row.waiting_since, now)}"
        if row.silent:
            waiting += ", silent"
        table.add_row(
            row.name,
            day(row.last_inbound, zone),
            day(row.last_outbound, zone),
            waiting,
            str(row.follow_ups_unanswered or "—"),
            f"{hours(row.owner_response_hours_median)} / {hours(row.client_response_hours_median)}",
        )
    out = console()
    out.print(table)
    drafts = app.store.drafts(statuses=OPEN_STATUSES)
    pending = [d for d in drafts if d["status"] == PENDING]
    if pending:
        out.print(
            f"{plural(len(pending), 'draft')} waiting for your approval: `mailwatch queue list`."
        )
    attention_list(app, app.attention(), limit=10)


def _plain(text: str) -> str:
    """Mail-supplied text on one terminal line: no control characters or escapes."""
    return "".join(c if c.isprintable() else " " for c in str(text))


def attention_list(app: App, items: Sequence[dict[str, Any]], limit: int | None = None) -> None:
    """'Needs you': one line per item, most urgent first."""
    if not items:
        click.echo("Nothing needs you right now.")
        return
    zone = app.settings.owner.timezone
    click.echo(f"Needs you ({len(items)}):")
    for item in items[:limit]:
        client = item.get("client")
        who = app.settings.clients[client].name if client in app.settings.clients else client
        since = f" (since {when(item['since'], zone)})" if item.get("since") else ""
        prefix = f"{_plain(who)}: " if who else ""
        click.echo(f"  - {prefix}{_plain(item['text'])}{since}")
    if limit is not None and len(items) > limit:
        click.echo(f"  ... and {len(items) - limit} more: `mailwatch attention`.")


def daemon_health(app: App, health: dict[str, Any]) -> None:
    zone = app.settings.owner.timezone
    if not health.get("started_at"):
        click.echo("The service (`mailwatch run`) has not run yet.")
        return
    if health["running"]:
        click.echo(
            f"The service is running (process {health['pid']}, since "
            f"{when(health['started_at'], zone)}); mailbox: {health.get('imap', '?')}."
        )
    else:
        stopped = health.get("stopped_at")
        click.echo(
            "The service is not running"
            + (f" (stopped {when(stopped, zone)})." if stopped else " (it did not stop cleanly).")
        )
    click.echo(
        f"Last sync {when(health.get('last_sync_at'), zone)}, "
        f"last evaluation {when(health.get('last_evaluate_at'), zone)}, "
        f"last send {when(health.get('last_send_at'), zone)}."
    )
    error = health.get("last_error")
    if error:
        click.echo(
            f"Last problem ({when(error['at'], zone)}, {error['where']}): {error['message']}"
        )
