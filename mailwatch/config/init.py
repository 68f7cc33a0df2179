"""`mailwatch init DIR` (a starting configuration) and the `check-config` summary."""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from mailwatch.config.model import WEEKDAYS, Imap, Settings, Smtp
from mailwatch.errors import MailwatchError, UsageError
from mailwatch.resources import resource_path
from mailwatch.store.atomic import make_private_dir

# What `init` writes, and the example each file is copied from (relative to the target
# folder and to the project root respectively). The client example is a .sample, not an
# active client file: copying it to acme.toml (as the README says) must not make two
# clients claim the same address.
TEMPLATES = {
    Path("config.toml"): Path("config.example.toml"),
    Path("clients") / "example.toml.sample": Path("examples") / "client.example.toml",
}
STATE_DIR = Path("state")


def init_directory(target: Path, *, force: bool = False) -> list[Path]:
    """Write config.toml, clients/example.toml.sample and an empty state/ into `target`.

    Returns the paths created. Existing files are left alone (UsageError) unless
    `force`; nothing is written until every check has passed, so a refused init
    leaves the folder as it was.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise UsageError(
            f"{target} is a file, not a folder.",
            "Give a folder for mailwatch's files (it is created if needed).",
        )
    sources = {target / dest: _example(src) for dest, src in TEMPLATES.items()}
    _refuse_overwrite(list(sources), force)
    written = []
    for dest, source in sources.items():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        written.append(dest)
    state = target / STATE_DIR
    make_private_dir(state)  # client mail metadata and drafts: the owner's only
    written.append(state)
    return written


def _example(relative: Path) -> Path:
    path = resource_path(relative.as_posix())  # shipped in the wheel (mailwatch/resources)
    if not path.is_file():
        raise MailwatchError(
            f"The example file {path} is missing from this mailwatch installation.",
            "Reinstall mailwatch: pipx install . (or pip install .) from its source folder.",
        )
    return path


def _refuse_overwrite(destinations: list[Path], force: bool) -> None:
    folders = [p for p in destinations if p.is_dir()]
    if folders:
        raise UsageError(
            f"{folders[0]} is a folder; mailwatch init needs to write a file there.",
            "Move it away, or choose another folder.",
        )
    existing = [p for p in destinations if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise UsageError(
            f"{names} already exist{'s' if len(existing) == 1 else ''}; "
            "mailwatch init does not overwrite files.",
            "Pass --force to overwrite (your edits in them are lost), or choose another folder.",
        )


# -- check-config summary ---------------------------------------------------------------


def summary(settings: Settings) -> str:
    """A short, human description of a loaded configuration."""
    lines = [
        *_owner_lines(settings),
        *_client_lines(settings),
        *_rules_lines(settings),
        *_billing_lines(settings),
        _digest_line(settings),
        _row("State", str(settings.state_dir)),
        _row("IMAP", _server_text(settings.config.imap, "imap")),
        _row("SMTP", _server_text(settings.config.smtp, "smtp")),
    ]
    return "\n".join(lines)


_LABEL_WIDTH = 9


def _row(label: str, text: str) -> str:
    return f"{label + ':':<{_LABEL_WIDTH}} {text}" if label else f"{'':<{_LABEL_WIDTH}} {text}"


def _owner_lines(settings: Settings) -> list[str]:
    owner = settings.owner
    who = f"{owner.name} <{owner.email}>" + (f", {owner.business}" if owner.business else "")
    if owner.aliases:
        who += f" (also {', '.join(owner.aliases)})"
    hours = "–".join(owner.work_hours)
    holidays = f"public holidays of {owner.country}" if owner.country else "no public holidays"
    return [
        _row("Owner", who),
        _row("", f"time zone {owner.timezone}; works {_days(owner.workdays)}, {hours}; {holidays}"),
    ]


def _days(days: Sequence[str]) -> str:
    """'mon–fri' for a run of consecutive days, else the list."""
    ordered = sorted(set(days), key=WEEKDAYS.index)
    first = WEEKDAYS.index(ordered[0])
    if len(ordered) > 2 and list(WEEKDAYS[first : first + len(ordered)]) == ordered:
        return f"{ordered[0]}–{ordered[-1]}"
    return ", ".join(ordered)


def _client_lines(settings: Settings) -> list[str]:
    count = len(settings.clients)
    if not count:
        sample = settings.clients_dir / "example.toml.sample"
        how = f" (copy {sample.name} to acme.toml, say, and edit it)" if sample.exists() else ""
        return [
            _row(
                "Clients",
                f"none yet: add one .toml file per client to {settings.clients_dir}{how}",
            )
        ]
    by_language: dict[str, list[str]] = defaultdict(list)
    for client_id, client in sorted(settings.clients.items()):
        zone = f" ({client.timezone})" if client.timezone else ""
        by_language[client.language].append(client_id + zone)
    lines = [_row("Clients", f"{count} in {settings.clients_dir}")]
    lines += [
        _row("", f"{language}: {', '.join(ids)}") for language, ids in sorted(by_language.items())
    ]
    return lines


def _rules_lines(settings: Settings) -> list[str]:
    rules = settings.config.rules
    steps = ", ".join(str(d) for d in rules.follow_up_days)
    lines = [
        _row("Rules", f"follow-ups after {steps} business days"),
        _row(
            "",
            f"pause notice after {rules.pause_after_silent_days} silent days, once "
            f"{rules.pause_min_follow_ups} follow-ups went unanswered",
        ),
        _row(
            "",
            f"reply within {rules.reply_within_hours:g} business hours; look back "
            f"{rules.lookback_days} days; send between {rules.send_window[0]} and "
            f"{rules.send_window[1]}",
        ),
    ]
    return lines + _override_lines(settings, "rules")


def _billing_lines(settings: Settings) -> list[str]:
    billing = settings.config.billing
    lines = [
        _row(
            "Billing",
            f"reminds you to invoice {billing.invoice_lead_days} days before due; "
            f"payment reminders at most every {billing.reminder_every_days} days, "
            f"a final notice after {billing.final_after_reminders}",
        ),
        _row(
            "",
            f'work pauses after {billing.pause_after_days} days overdue; "I have paid" '
            f"holds reminders {billing.hold_days} working days",
        ),
    ]
    return lines + _override_lines(settings, "billing")


def _digest_line(settings: Settings) -> str:
    digest = settings.config.digest
    to = digest.to or settings.owner.email
    return _row(
        "Digest",
        f"to {to} at {', '.join(digest.times)} on working days; approval codes work "
        f"{digest.code_hours:g} hours",
    )


def _override_lines(settings: Settings, section: str) -> list[str]:
    """One line per client whose file changes a figure of `section` ([rules], [billing])."""
    lines = []
    for client_id, client in sorted(settings.clients.items()):
        override = getattr(client, section).model_dump(exclude_none=True)
        if override:
            changes = ", ".join(f"{key} = {_toml(value)}" for key, value in override.items())
            lines.append(_row("", f"{client_id} overrides: {changes}"))
    return lines


def _toml(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _server_text(server: Imap | Smtp | None, section: str) -> str:
    if server is None:
        needed = "reading mail" if section == "imap" else "sending approved drafts"
        return f"not configured (add an [{section}] section for {needed})"
    text = f"{server.host}:{server.port}, security {server.security}"
    if not server.username:
        text += ", no login"
    elif server.auth == "oauth2":
        text += f", user {server.username}, signs in with OAuth 2.0 (mailwatch login)"
    elif server.password_env:
        text += f", user {server.username}, password from ${server.password_env}"
    else:
        text += f", user {server.username}, password from password_command"
    if isinstance(server, Smtp) and server.save_to_sent:
        text += ", saves a copy in Sent"
    return text
