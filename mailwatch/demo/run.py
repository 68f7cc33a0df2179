"""Run the demo: real local IMAP and SMTP servers, the real pipeline, a fixed moment."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mailwatch.cli import hints, show
from mailwatch.cli.format import kind_label, when
from mailwatch.cli.safe import clean_block, clean_line
from mailwatch.clock import FixedClock
from mailwatch.config.loader import load_settings
from mailwatch.demo.scenario import CLIENTS, CONFIG, OWNER, demo_moment, seeds
from mailwatch.drafts.approval import change_draft
from mailwatch.lab.account import Account, imap_login
from mailwatch.pipeline.app import App
from mailwatch.store import Draft, Store

if TYPE_CHECKING:
    from mailwatch.lab.mta import LocalMTA


def _title(text: str) -> None:
    click.echo()
    # "mailwatch tick" as the owner would type it ("./run tick" from the README).
    click.secho(f"== {text.replace('mailwatch ', hints.launcher() + ' ')} ==", bold=True)


@contextlib.contextmanager
def imap_server(root: Path) -> Iterator[tuple[Any, str]]:
    """A private Dovecot when installed, else the embedded pure-Python pymap."""
    from mailwatch.lab.dovecot import Dovecot

    if Dovecot.available():
        with Dovecot(root / "dovecot") as server:
            yield server, "Dovecot (a private instance, on this machine only)"
        return
    from mailwatch.lab.pymap_server import PymapServer

    with PymapServer() as server:
        yield server, "pymap (embedded; install dovecot-imapd for the real thing)"


def run_demo(keep: Path | None) -> None:
    """Run the demo in `keep` (or a new temporary folder), and leave its files there.

    The folder is kept either way: the demo's own hints (`queue list`, `status`) name
    its config, and they must still work once it has finished.
    """
    from mailwatch.lab.mta import LocalMTA

    base = keep or Path(tempfile.mkdtemp(prefix="mailwatch-demo-"))
    if keep is not None and (keep / "config.toml").exists():
        shutil.rmtree(keep / "state", ignore_errors=True)
    base.mkdir(parents=True, exist_ok=True)
    now = demo_moment(datetime.now(UTC))
    hints.use_config(base / "config.toml")  # the demo's hints name its own config
    with imap_server(base) as (server, label):
        account: Account = server.account("sam")
        with LocalMTA(local_mailboxes={OWNER[1]: (account, "INBOX")}) as mta:
            _run(base, server, label, account, mta, now)
    command = hints.command()
    click.echo(
        f"\nThe demo's files are in {base}. The mail servers have stopped, but you can "
        f"still read the state:\n  {command} --now {now.isoformat()} status\n"
        f"  {command} queue list --all\n"
        f"To remove them: rm -r {shlex.quote(str(base))}"
    )


def _write_config(base: Path, account: Account, smtp_port: int) -> Path:
    (base / "clients").mkdir(exist_ok=True)
    config = base / "config.toml"
    config.write_text(
        CONFIG.format(imap_port=account.port, imap_user=account.username, smtp_port=smtp_port)
    )
    for client_id, text in CLIENTS.items():
        (base / "clients" / f"{client_id}.toml").write_text(text)
    os.environ["MAILWATCH_DEMO_PASSWORD"] = account.password
    return config


def _run(
    base: Path, server: Any, label: str, account: Account, mta: LocalMTA, now: datetime
) -> None:
    config = _write_config(base, account, mta.port)
    _title("mailwatch demo")
    click.echo(f"IMAP server: {label} on 127.0.0.1:{account.port}")
    click.echo(f"SMTP server: aiosmtpd on 127.0.0.1:{mta.port}")
    click.echo(f"Config:      {config}")
    batch = seeds(now)
    for folder in ("INBOX", "Sent"):
        server.append_many(
            account,
            folder,
            [(s.raw, s.when) for s in batch if s.folder == folder],
        )
    click.echo(f"Seeded a small agency mailbox: {len(batch)} messages, 3 clients.")
    settings = load_settings(config)
    zone = settings.owner.timezone
    click.echo(f"The demo acts as if it were {when(now, zone)} ({zone}), like `--now`.")

    with Store(settings.state_dir, legacy=settings.store_path) as store:
        app = App(settings, store, FixedClock(now))
        try:
            _title("mailwatch tick: sync, evaluate, send")
            show.sync_report(app.sync())
            report = app.evaluate()
            show.evaluate_report(app, report)
            show.send_report(app, app.send_blocking())

            _title("mailwatch status")
            show.status_table(app, app.statuses())

            drafts = store.drafts()
            _title("The drafts, waiting for your approval")
            for draft in drafts:
                to = clean_line(", ".join(draft.to))
                click.echo(f"#{draft.id} to {to} — {clean_line(draft.subject)}")
                click.echo(f"   why: {clean_line(draft.reason.get('text', ''))}")
            first = next(d for d in drafts if d.client == "acme" and d.kind == "follow_up")
            _title(f"mailwatch queue show {first.id}")
            click.echo(clean_block(first.body.rstrip()))

            _title(f"mailwatch queue approve {first.id}, then mailwatch send")
            change_draft(store, first.id, "approve", by="owner (demo)", now=now)
            click.echo(f"Approved #{first.id}.")
            app.sync()
            show.send_report(app, app.send_blocking())
            _show_delivery(mta, account, app.sent_folder(), store.draft(first.id))

            _title("mailwatch invoice list --all")
            _show_invoices(app)
            for kind in ("payment_reminder", "scope_note", "confirmation"):
                shown = next((d for d in store.drafts() if d.kind == kind), None)
                if shown is not None:
                    _title(f"mailwatch queue show {shown.id}  ({kind_label(shown)})")
                    click.echo(clean_block(shown.body.rstrip()))

            _title("mailwatch tick again at the same moment: nothing changes")
            app.sync()
            again = app.evaluate()
            click.echo(
                f"{len(again.created)} new drafts, {len(again.withdrawn)} withdrawn; "
                "nothing is ever drafted or sent twice."
            )
            click.echo("\nOther drafts stay in the queue until you approve, edit or reject them.")
        finally:
            app.close()


def _show_delivery(mta, account: Account, sent_folder: str, draft: Draft) -> None:
    delivered = [d for d in mta.deliveries if d.message_id == draft.message_id]
    for delivery in delivered:
        click.echo(
            f"The SMTP server accepted it for {', '.join(delivery.rcpt_tos)} "
            "(your own address gets an envelope-only copy: the proof it went out)."
        )
    client = imap_login(account)
    try:
        client.select_folder(sent_folder, readonly=True)
        uids = client.search(["HEADER", "Subject", "December content calendar"])
        fields = b"BODY.PEEK[HEADER.FIELDS (SUBJECT MESSAGE-ID IN-REPLY-TO)]"
        click.echo(f"In your {sent_folder} folder, the conversation now reads:")
        for _uid, data in sorted(client.fetch(uids, [fields]).items()):
            header = next(v for k, v in data.items() if k.startswith(b"BODY[")).decode()
            lines = [line for line in header.splitlines() if line.strip()]
            click.echo("   " + clean_line(" | ".join(lines)))
    finally:
        client.logout()


def _show_invoices(app: App) -> None:
    from mailwatch.pipeline import invoices

    today = app.calendar.local(app.clock.now()).date()
    for invoice in sorted(invoices.invoices(app.store), key=lambda i: i.due_on):
        name = app.settings.clients[invoice.client].name
        status = invoice.status(today)
        late = f", {invoice.days_overdue(today)} days late" if status == "overdue" else ""
        paid = f", paid {invoice.paid_on:%a %d %b}" if invoice.paid_on else ""
        click.echo(
            f"{name}: {invoice.number}, {invoice.amount} {invoice.currency}, "
            f"due {invoice.due_on:%a %d %b}: {status}{late}{paid}"
        )
