"""`mailwatch queue ...`: review, approve, reject and edit drafts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mailwatch.cli.format import draft_json, kind_label, when
from mailwatch.cli.hints import localize
from mailwatch.cli.runtime import Runtime, sync_finished
from mailwatch.cli.safe import cell, clean_block, clean_line, json_dumps
from mailwatch.core.model import FAILED, OPEN_STATUSES, PENDING
from mailwatch.errors import UsageError

if TYPE_CHECKING:
    from mailwatch.drafts.approval import Change
    from mailwatch.store.records import Draft


@click.group()
def queue() -> None:
    """Drafts waiting for you: list, show, approve, reject, edit."""


@queue.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include sent, rejected and withdrawn.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(rt: Runtime, show_all: bool, as_json: bool) -> None:
    """The drafts that still need you (or all of them with --all)."""
    with rt.store(readonly=True) as store:
        drafts = store.drafts()
        if not show_all:
            drafts = [d for d in drafts if d.status in OPEN_STATUSES or d.status == FAILED]
        if as_json:
            click.echo(json_dumps([draft_json(d) for d in drafts]))
            return
        if not drafts:
            if not sync_finished(store, rt.settings):
                click.echo(
                    localize(
                        "No drafts yet. mailwatch has not read your mailbox: "
                        "`mailwatch sync` (or `mailwatch tick`) reads it."
                    )
                )
            else:
                click.echo("No drafts waiting. " + ("" if show_all else "(--all shows past ones.)"))
            return
        from rich.table import Table

        from mailwatch.cli.show import console

        zone = rt.settings.owner.timezone
        table = Table()
        for column in ("#", "Client", "Draft", "Status", "To", "Subject", "Why", "Created"):
            table.add_column(column, overflow="fold")
        for d in drafts:
            client = rt.settings.clients.get(d.client)
            name = client.name if client is not None else d.client
            # Mail data goes in as Text: a subject like "Budget [/bold]" is not markup.
            table.add_row(
                d.id,
                cell(name),
                kind_label(d),
                d.status,
                cell(", ".join(d.to)),
                cell(d.subject),
                cell(d.reason.get("text", "")),
                when(d.created_at, zone),
            )
        console().print(table)
        click.echo(
            localize(
                "Read one with `mailwatch queue show ID`; approve with "
                "`mailwatch queue approve ID`."
            )
        )


@queue.command()
@click.argument("draft_id")
@click.pass_obj
def show(rt: Runtime, draft_id: str) -> None:
    """Everything about one draft: why, to whom, the text, its history."""
    from mailwatch.drafts.approval import content_fingerprint

    with rt.store(readonly=True) as store:
        d = store.draft(draft_id)
        zone = rt.settings.owner.timezone
        fingerprint = content_fingerprint(d)
        click.echo(f"Draft #{d.id} ({kind_label(d)}), version {d.version}: {d.status}")
        click.echo(f"Check:    {fingerprint}")
        click.echo(f"Why:      {clean_line(d.reason.get('text', ''))}")
        click.echo(f"To:       {clean_line(', '.join(d.to))}")
        click.echo(f"Subject:  {clean_line(d.subject)}")
        if d.in_reply_to:
            click.echo(f"Replying: {clean_line(d.in_reply_to)}")
        if d.error:
            click.echo(f"Problem:  {clean_line(d.error)}")
        click.echo("-" * 60)
        click.echo(clean_block(d.body.rstrip()))
        click.echo("-" * 60)
        for entry in d.history:
            note = f" — {clean_line(entry.note)}" if entry.note else ""
            click.echo(
                f"{when(entry.at, zone)}  {entry.action} by {entry.by} (v{entry.version}){note}"
            )
        if d.status in (PENDING, FAILED):
            click.echo(
                "To approve exactly this text: "
                f"mailwatch queue approve {d.id} --check {fingerprint}"
            )


def _decide(
    rt: Runtime,
    draft_id: str,
    change: Change,
    *,
    expected_version: int | None = None,
    expected_fingerprint: str | None = None,
    body: str | None = None,
    note: str = "",
) -> Draft:
    from mailwatch.drafts.approval import change_draft

    with rt.store() as store:
        return change_draft(
            store,
            draft_id,
            change,
            by="owner (command line)",
            now=rt.clock.now(),
            expected_version=expected_version,
            expected_fingerprint=expected_fingerprint,
            body=body,
            note=note,
        )


@queue.command()
@click.argument("draft_id")
@click.option(
    "--version", "version", type=int, help="Only approve if the draft is still at this version."
)
@click.option(
    "--check",
    "fingerprint",
    metavar="CHECK",
    help="Only approve if the draft is exactly the text `queue show` printed with this check.",
)
@click.pass_obj
def approve(rt: Runtime, draft_id: str, version: int | None, fingerprint: str | None) -> None:
    """Approve a draft; it goes out at the next send, inside the client's hours."""
    d = _decide(rt, draft_id, "approve", expected_version=version, expected_fingerprint=fingerprint)
    click.echo(
        f"Approved #{draft_id} ({kind_label(d)} to {clean_line(', '.join(d.to))}). "
        "It goes out at the next send inside the client's sending hours."
    )


@queue.command()
@click.argument("draft_id")
@click.option("--note", default="", help="Why (kept in the client's record).")
@click.pass_obj
def reject(rt: Runtime, draft_id: str, note: str) -> None:
    """Reject a draft: it will not be sent, and its step is not drafted again."""
    _decide(rt, draft_id, "reject", note=note)
    click.echo(f"Rejected #{draft_id}. It will not be sent.")


@queue.command()
@click.argument("draft_id")
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Take the new text from this file instead of opening $EDITOR.",
)
@click.pass_obj
def edit(rt: Runtime, draft_id: str, body_file: Path | None) -> None:
    """Change a draft's text (in $EDITOR, or from --body-file); approve it again after."""
    with rt.store(readonly=True) as store:
        current = store.draft(draft_id).body
    if body_file is not None:
        body = body_file.read_text(encoding="utf-8")
    else:
        edited = click.edit(current, extension=".txt")
        if edited is None:
            raise UsageError("The editor closed without saving; the draft is unchanged.")
        body = edited
    if body.strip() == current.strip():
        click.echo(f"No change to #{draft_id}.")
        return
    d = _decide(rt, draft_id, "edit", body=body)
    click.echo(
        localize(
            f"Saved #{draft_id} as version {d.version}. It needs your approval again: "
            f"`mailwatch queue approve {draft_id}`."
        )
    )
