"""Printing what a command did, in sentences and tables a non-programmer can read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from mailwatch.cli.format import day, duration, hours, kind_label, when
from mailwatch.cli.hints import localize
from mailwatch.cli.safe import cell, clean_line
from mailwatch.core.model import OPEN_STATUSES, PENDING, ClientStatus

if TYPE_CHECKING:
    from rich.console import Console

    from mailwatch.pipeline.app import App
    from mailwatch.pipeline.evaluate import EvaluateReport
    from mailwatch.pipeline.send import SendReport
    from mailwatch.pipeline.sync import SyncReport


def console() -> Console:
    # rich is imported here, not above: commands that print sentences only (sync, tick)
    # start ~25 ms sooner.
    from rich.console import Console

    # Markup and emoji codes off: nothing printed here relies on them, and a table cell
    # from mail arrives as a Text (see cli/safe.py) whatever these settings are.
    out = Console(highlight=False, soft_wrap=False, markup=False, emoji=False)
    if not out.is_terminal:
        out.width = max(out.width, 120)  # piped or captured: do not squeeze tables to 80
    return out


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def sync_report(report: SyncReport) -> None:
    parts = [
        f"{clean_line(f.folder)}: {plural(f.new, 'new message')}"
        + (f" from clients ({f.other} more from others, not kept)" if f.other else "")
        for f in report.folders
    ]
    click.echo("Synced. " + "; ".join(parts) + ".")
    if report.quarantined:
        click.echo(
            localize(
                f"{plural(report.quarantined, 'message')} could not be read and "
                f"{'was' if report.quarantined == 1 else 'were'} set aside "
                "(see `mailwatch status`)."
            )
        )
    for folder in report.folders:
        if folder.renumbered:
            click.echo(
                f"The server renumbered {clean_line(folder.folder)}; messages were matched "
                "again by Message-ID, nothing is drafted twice."
            )


def evaluate_report(app: App, report: EvaluateReport) -> None:
    if report.created:
        click.echo(f"{plural(len(report.created), 'new draft')} waiting for your approval:")
        for draft_id in report.created:
            draft = app.store.draft(draft_id)
            name = clean_line(app.settings.clients[draft.client].name)
            subject = clean_line(draft.subject)
            click.echo(f"  #{draft_id} {kind_label(draft)} to {name}: {subject}")
        click.echo(localize("Review them with `mailwatch queue list`."))
    else:
        click.echo("No new drafts.")
    if report.withdrawn:
        click.echo(f"{plural(len(report.withdrawn), 'draft')} withdrawn (no longer needed):")
        for draft_id in report.withdrawn:
            draft = app.store.draft(draft_id)
            click.echo(f"  #{draft_id}: {clean_line(draft.withdrawn_reason or '')}")


def send_report(app: App, report: SendReport) -> None:
    zone = app.settings.owner.timezone
    for draft_id in report.sent:
        draft = app.store.draft(draft_id)
        to = clean_line(", ".join(draft.to))
        click.echo(f"Sent #{draft_id} to {to}: {clean_line(draft.subject)}")
        if draft.refused:
            for address, reply in draft.refused.items():
                click.echo(f"  but {clean_line(address)} was refused: {clean_line(reply)}")
    for draft_id in report.withdrawn:
        draft = app.store.draft(draft_id)
        reason = clean_line(draft.withdrawn_reason or "")
        click.echo(f"Not sent #{draft_id}, withdrawn: {reason}")
    for draft_id, opening in report.waiting_for_window.items():
        click.echo(
            f"#{draft_id} is approved and waits for the client's sending hours "
            f"(from {when(opening, zone)} your time)."
        )
    for draft_id in report.retrying:
        draft = app.store.draft(draft_id)
        click.echo(f"#{draft_id} will be tried again later ({clean_line(draft.error or '')}).")
    for draft_id in report.failed:
        draft = app.store.draft(draft_id)
        click.echo(f"#{draft_id} FAILED: {clean_line(draft.error or '')}")
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
    from rich.table import Table

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
            cell(row.name),
            day(row.last_inbound, zone),
            day(row.last_outbound, zone),
            waiting,
            str(row.follow_ups_unanswered or "—"),
            f"{hours(row.owner_response_hours_median)} / {hours(row.client_response_hours_median)}",
        )
    out = console()
    out.print(table)
    drafts = app.store.drafts(statuses=OPEN_STATUSES)
    pending = [d for d in drafts if d.status == PENDING]
    if pending:
        out.print(
            localize(
                f"{plural(len(pending), 'draft')} waiting for your approval: "
                "`mailwatch queue list`."
            )
        )
    attention_list(app, app.attention(), limit=10)


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
        prefix = f"{clean_line(who)}: " if who else ""
        click.echo(f"  - {prefix}{clean_line(item['text'])}{since}")
    if limit is not None and len(items) > limit:
        click.echo(f"  ... and {len(items) - limit} more: `mailwatch attention`.")


def never_synced(app: App, health: dict[str, Any], *, state_exists: bool) -> None:
    """Empty rows because the mailbox was never read, not because it is empty."""
    zone = app.settings.owner.timezone
    error = health.get("last_error")
    if error and not health.get("last_sync_at"):
        click.echo(
            f"Never synced: the last sync failed ({when(error['at'], zone)}): "
            f"{clean_line(error['message'])}"
        )
    elif state_exists:
        click.echo(
            localize(
                "Never synced: no sync has finished yet, so the rows above are empty (the "
                "last one failed or was stopped). Run `mailwatch sync` to see why."
            )
        )
    else:
        click.echo(
            localize(
                "Never synced: mailwatch has not read your mailbox yet, so the rows above "
                "are empty. Run `mailwatch sync` (or `mailwatch tick`) to read it."
            )
        )


def daemon_health(app: App, health: dict[str, Any]) -> None:
    zone = app.settings.owner.timezone
    if not health.get("started_at"):
        click.echo(localize("The service (`mailwatch run`) has not run yet."))
        return
    if health["running"]:
        click.echo(
            f"The service is running (process {health['pid']}, since "
            f"{when(health['started_at'], zone)}); mailbox: {clean_line(health.get('imap', '?'))}."
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
            f"Last problem ({when(error['at'], zone)}, {clean_line(error['where'])}): "
            f"{clean_line(error['message'])}"
        )
