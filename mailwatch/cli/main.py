"""mailwatch's command line. Exit codes: 0 done, 2 usage or configuration error, 1 other.

Each command imports what it needs when it runs: `mailwatch --help` or a `queue`
command should not pay for the IMAP client, the templates or the rules.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mailwatch.cli import hints, show
from mailwatch.cli import invoice as invoice_commands
from mailwatch.cli import queue as queue_commands
from mailwatch.cli.runtime import Runtime, setup_logging, sync_finished
from mailwatch.cli.safe import clean_block, clean_line
from mailwatch.errors import MailwatchError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="MAILWATCH_CONFIG",
    default="config.toml",
    show_default=True,
    help="The main configuration file.",
)
@click.option(
    "--now",
    metavar="ISO-8601",
    help="Act as if it were this moment (e.g. 2026-11-27T10:00, read in your time zone).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="How much to log to stderr [default: info for run, warning otherwise].",
)
@click.option("--log-json", is_flag=True, help="Log as JSON lines (for log collectors).")
@click.version_option(package_name="mailwatch")
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path, now: str | None, log_level: str | None, log_json: bool
) -> None:
    """Watch your client mailbox, draft calm follow-ups, send only what you approve."""
    default = "info" if ctx.invoked_subcommand == "run" else "warning"
    given = ctx.get_parameter_source("config_path") == click.core.ParameterSource.COMMANDLINE
    hints.use_config(config_path if given else None)
    setup_logging(log_level or default, log_json)
    ctx.obj = Runtime(config_path, now)


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init(directory: Path, force: bool) -> None:
    """Write a commented config.toml and clients/example.toml.sample into DIRECTORY."""
    from mailwatch.config.init import init_directory

    for path in init_directory(directory, force=force):
        click.echo(f"wrote {path}")
    click.echo(
        f"\nNext: edit {directory / 'config.toml'} (your name, address, time zone and mail "
        f"servers). Then write one file per client in {directory / 'clients'}: copy "
        f"{directory / 'clients' / 'example.toml.sample'} to a name of your own ending in "
        f".toml (acme.toml), and edit it. Then run\n"
        f"  {hints.launcher()} --config {directory / 'config.toml'} check-config"
    )


@cli.command("check-config")
@click.option("--offline", is_flag=True, help="Do not connect to the mail servers.")
@click.pass_obj
def check_config(rt: Runtime, offline: bool) -> None:
    """Check the configuration; unless --offline, log in to IMAP and SMTP too."""
    from mailwatch.cli.checks import check_servers
    from mailwatch.config.init import summary
    from mailwatch.drafts.render import Renderer
    from mailwatch.drafts.samples import check_templates
    from mailwatch.errors import ConfigError

    settings = rt.settings
    # Fill every template with sample data: a broken one is caught here, not in a draft.
    problems = check_templates(Renderer(settings.template_dir))
    if problems:
        raise ConfigError(problems)
    if not offline:
        check_servers(settings, echo=click.echo)
    click.echo(summary(settings))
    for path in settings.ignored_client_files:
        click.echo(
            f"Warning: {path} is ignored: a file whose name starts with a dot is not read "
            f"as a client (editors use such names). If it is a client, rename it to "
            f"{path.name.lstrip('.') or 'client.toml'}."
        )
    click.echo("\nThe configuration is valid.")


@cli.command()
@click.option(
    "--no-browser",
    is_flag=True,
    help="Print the sign-in address (and code) instead of opening a browser: for a "
    "computer without one, or over SSH.",
)
@click.pass_obj
def login(rt: Runtime, no_browser: bool) -> None:
    """Sign in to Gmail, Microsoft 365 or another OAuth 2.0 provider ([oauth2]), once."""
    from mailwatch.auth.login import login_command

    login_command(rt.settings, no_browser=no_browser, echo=click.echo)


@cli.command()
@click.pass_obj
def sync(rt: Runtime) -> None:
    """Read new mail from INBOX and Sent."""
    from mailwatch.cli import show

    with rt.app() as app:
        report = app.sync()
        show.sync_report(report)


@cli.command()
@click.pass_obj
def evaluate(rt: Runtime) -> None:
    """Run the rules and queue drafts for your approval."""
    from mailwatch.cli import show

    with rt.app() as app:
        show.evaluate_report(app, app.evaluate())


@cli.command()
@click.pass_obj
def send(rt: Runtime) -> None:
    """Send approved drafts (inside each client's send window)."""
    from mailwatch.cli import show

    with rt.app() as app:
        app.sync()  # the re-check before sending needs the latest mail
        show.send_report(app, app.send_blocking())


@cli.command()
@click.pass_obj
def tick(rt: Runtime) -> None:
    """One cycle: sync, evaluate, send."""
    from mailwatch.cli import show

    with rt.app() as app:
        show.sync_report(app.sync())
        show.evaluate_report(app, app.evaluate())
        show.send_report(app, app.send_blocking())


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a list).")
@click.option(
    "--daemon",
    "with_daemon",
    is_flag=True,
    help="With --json: an object {clients: [...], daemon: {...}} that adds the service's health.",
)
@click.pass_obj
def status(rt: Runtime, as_json: bool, with_daemon: bool) -> None:
    """One line per client: last contact, who is waiting, response times."""
    from mailwatch.cli import show
    from mailwatch.daemon.health import read_health

    with rt.app(readonly=True) as app:
        rows = app.statuses()
        health = read_health(rt.settings.store_path)
        if as_json:
            clients = [r.to_json() for r in rows]
            out: object = {"clients": clients, "daemon": health} if with_daemon else clients
            click.echo(json.dumps(out, indent=2))
            return
        show.status_table(app, rows)
        if not sync_finished(app.store, app.settings):
            show.never_synced(app, health, state_exists=rt.settings.store_path.exists())
        show.daemon_health(app, health)


@cli.command()
@click.argument("client")
@click.argument("text")
@click.option("--thread", help="The Message-ID of a message in the conversation.")
@click.option("--answers", is_flag=True, help="It counts as the client's answer there.")
@click.pass_obj
def note(rt: Runtime, client: str, text: str, thread: str | None, answers: bool) -> None:
    """Record a fact in CLIENT's timeline (e.g. "approved by phone")."""
    from mailwatch.pipeline.notes import add_note

    with rt.app() as app:
        add_note(app, client, text, thread=thread, answers=answers)
        report = app.evaluate() if answers else None
    click.echo(f"Noted in {client}'s timeline.")
    if report is not None:
        show.evaluate_report(app, report)


@cli.command()
@click.argument("client")
@click.argument("text")
@click.option("--thread", help="The Message-ID of a message in the conversation.")
@click.option("--from", "on", help="The day of the call (YYYY-MM-DD, default today).")
@click.pass_obj
def confirm(rt: Runtime, client: str, text: str, thread: str | None, on: str | None) -> None:
    """Draft a written recap of what was agreed with CLIENT on a call."""
    from datetime import date

    from mailwatch.pipeline.notes import confirm_call

    day = date.fromisoformat(on) if on else None
    with rt.app() as app:
        draft_id = confirm_call(app, client, text, thread=thread, on=day)
        draft = app.store.draft(draft_id)
    click.echo(
        hints.localize(
            f"Drafted #{draft_id} ({clean_line(draft.subject)}); review it with "
            f"`mailwatch queue show {draft_id}`."
        )
    )


@cli.command()
@click.argument("client")
@click.argument("what")
@click.option("--by", "by", required=True, help="The new delivery date (YYYY-MM-DD).")
@click.option("--thread", help="The Message-ID of a message in the conversation.")
@click.option("--reason", default="", help="Why, in a sentence the client reads (optional).")
@click.pass_obj
def delay(rt: Runtime, client: str, what: str, by: str, thread: str | None, reason: str) -> None:
    """Draft "I need until DATE to deliver WHAT" for CLIENT: say it before the last day."""
    from datetime import date

    from mailwatch.errors import UsageError
    from mailwatch.pipeline.notes import announce_delay

    try:
        day = date.fromisoformat(by)
    except ValueError:
        raise UsageError(f"--by {by!r} is not a date.", "Write it as YYYY-MM-DD.") from None
    with rt.app() as app:
        draft_id = announce_delay(app, client, what, by=day, thread=thread, reason=reason)
    click.echo(
        hints.localize(f"Drafted #{draft_id}; review it with `mailwatch queue show {draft_id}`.")
    )


@cli.command()
@click.argument("client")
@click.option("--from", "since", help="From this day (YYYY-MM-DD).")
@click.option("--to", "until", help="Up to this day (YYYY-MM-DD).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "csv", "json", "html"]),
    default="md",
    show_default=True,
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
@click.pass_obj
def timeline(
    rt: Runtime, client: str, since: str | None, until: str | None, fmt: str, output: Path | None
) -> None:
    """Everything on record with CLIENT, in date order: a document for a dispute."""
    from datetime import date

    from mailwatch.errors import UsageError
    from mailwatch.timeline.gather import entries, header
    from mailwatch.timeline.render import write

    def day(value: str | None, what: str) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            raise UsageError(
                f"{what} {value!r} is not a date.", "Write it as YYYY-MM-DD."
            ) from None

    first, last = day(since, "--from"), day(until, "--to")
    if client not in rt.settings.clients:
        known = ", ".join(sorted(rt.settings.clients)) or "none"
        raise UsageError(f"There is no client {client!r}.", f"Client ids are file names: {known}.")
    with rt.app(readonly=True) as app:
        head = header(app, client, first, last)
        if output is not None:
            with output.open("w", encoding="utf-8", newline="") as handle:
                count = write(fmt, head, entries(app, client, first, last), handle)
            click.echo(f"Wrote {count} entries to {output}.", err=True)
        else:
            write(fmt, head, entries(app, client, first, last), sys.stdout)


@cli.command()
@click.option("--no-fetch", is_flag=True, help="Only what is stored; do not search the mailbox.")
@click.pass_obj
def reindex(rt: Runtime, no_fetch: bool) -> None:
    """Read stored mail again with today's rules and clients (and fetch a new client's)."""
    from mailwatch.pipeline import reindex as reindexing

    with rt.app() as app:
        report = reindexing.run(app, fetch=not no_fetch)
    click.echo(f"Reindexed: {report.rerouted} stored message(s) read differently now.")
    if report.clients:
        click.echo(
            f"Searched the mailbox for {', '.join(report.clients)}: "
            f"{report.fetched} message(s) added."
        )


@cli.group()
def digest() -> None:
    """The approval digest: what needs you and every draft, by mail."""


def _digest(rt: Runtime, *, send: bool, as_json: bool) -> None:
    import asyncio

    from mailwatch.pipeline import digest as digests

    with rt.app(readonly=not send) as app:
        built = digests.build(app, issue_codes=send)
        if not send:
            if as_json:
                click.echo(json.dumps(built.json(None), indent=2, ensure_ascii=False))
                return
            from mailwatch.digest.render import digest_subject, render_text

            click.echo(f"Subject: {digest_subject(built.view)}\n")
            click.echo(render_text(built.view))
            click.echo("(A preview: its codes approve nothing. `mailwatch digest send` sends one.)")
            return
        message_id = asyncio.run(digests.send(app, built))
        if as_json:
            click.echo(json.dumps(built.json(message_id), indent=2, ensure_ascii=False))
            return
        click.echo(
            f"Digest sent to {digests.recipient(app)}: {len(built.items)} draft(s), "
            f"{len(built.attention)} thing(s) that need you."
        )


@digest.command("send")
@click.option("--json", "as_json", is_flag=True, help="Print the digest's id, codes and items.")
@click.pass_obj
def digest_send(rt: Runtime, as_json: bool) -> None:
    """Send the digest now (even when nothing is waiting)."""
    _digest(rt, send=True, as_json=as_json)


@digest.command("preview")
@click.option("--json", "as_json", is_flag=True, help="Print the items as JSON.")
@click.pass_obj
def digest_preview(rt: Runtime, as_json: bool) -> None:
    """Print the digest's text part; send nothing."""
    _digest(rt, send=False, as_json=as_json)


@cli.command()
@click.argument("client")
@click.option("--note", default="", help="What you decided (kept in the client's record).")
@click.pass_obj
def clear(rt: Runtime, client: str, note: str) -> None:
    """You have dealt with CLIENT's flagged mail (abusive or threatening): resume drafts."""
    from mailwatch.errors import UsageError

    with rt.app() as app:
        if client not in app.settings.clients:
            known = ", ".join(sorted(app.settings.clients)) or "none"
            raise UsageError(
                f"There is no client {client!r}.", f"Client ids are file names: {known}."
            )
        app.clear_hold(client, note)
        name = app.settings.clients[client].name
        click.echo(
            f"Cleared {name}: flagged mail up to now is settled, and drafts for them resume "
            "at the next evaluation. New flagged mail holds them again."
        )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (a list).")
@click.pass_obj
def attention(rt: Runtime, as_json: bool) -> None:
    """What needs you and is not a draft: late replies, failures, mail set aside..."""
    with rt.app(readonly=True) as app:
        items = app.attention()
        if as_json:
            click.echo(json.dumps(items, indent=2, ensure_ascii=False))
            return
        show.attention_list(app, items)


@cli.command()
@click.pass_obj
def run(rt: Runtime) -> None:
    """Run continuously: watch the mailbox, draft, send what you approved (stop: Ctrl-C)."""
    from mailwatch.clock import SystemClock
    from mailwatch.daemon.service import run_daemon
    from mailwatch.errors import UsageError

    if rt.now_text:
        raise UsageError(
            "--now does not apply to `run`: the service always runs on the real clock.",
            "To see what would happen at another moment, use `tick --now ...` instead.",
        )
    sys.exit(run_daemon(rt.config_path, rt.settings, SystemClock()))


@cli.command()
@click.option("--keep", type=click.Path(path_type=Path), help="Keep the demo's files here.")
def demo(keep: Path | None) -> None:
    """Try mailwatch on a made-up agency mailbox, on real local mail servers."""
    from mailwatch.demo.run import run_demo

    run_demo(keep)


cli.add_command(queue_commands.queue)
cli.add_command(invoice_commands.invoice)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code == 2 else exc.exit_code)
    except MailwatchError as exc:
        from mailwatch.logs import redact

        # Errors can quote a server's reply or a header: no control codes on the terminal.
        click.echo(f"mailwatch: {hints.localize(clean_block(redact(str(exc))))}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # an unexpected failure still reads as a sentence
        from mailwatch.logs import redact

        click.echo(
            hints.localize(
                f"mailwatch: something unexpected went wrong: {clean_line(redact(repr(exc)))}.\n"
                # Not "nothing was sent": send and tick may have sent drafts before failing.
                "Drafts sent before this are recorded; one interrupted while sending is checked "
                "at the next run and never sent twice. `mailwatch queue list --all` shows where "
                "each draft stands. Run again with --log-level debug to see more, and report it "
                "if it repeats."
            ),
            err=True,
        )
        if "--log-level" in sys.argv and "debug" in sys.argv:
            raise
        sys.exit(1)
