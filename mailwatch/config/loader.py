"""Load `config.toml` and the clients folder into `Settings`, reporting every problem at once.

The owner is not a programmer: one run of `mailwatch check-config` must list everything
that is wrong, in every file, in plain words, each with the file, the key and what to
do. So nothing here stops at the first problem. Each file is read and validated on its
own, the checks that span files run on whatever could be validated, and only then is a
single `ConfigError` raised.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
from collections.abc import Iterable
from datetime import time
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mailwatch.config.model import Client, Config, Imap, Owner, Settings, Smtp
from mailwatch.config.secrets import source_problems
from mailwatch.errors import ConfigError, Problem

CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

# A client that claims one of these domains would own every sender on that service.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "free.fr",
        "gmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.fr",
        "googlemail.com",
        "hotmail.com",
        "hotmail.fr",
        "icloud.com",
        "laposte.net",
        "live.com",
        "me.com",
        "orange.fr",
        "outlook.com",
        "outlook.fr",
        "proton.me",
        "protonmail.com",
        "sfr.fr",
        "wanadoo.fr",
        "yahoo.com",
        "yahoo.fr",
    }
)

M = TypeVar("M", bound=BaseModel)


# -- public API -------------------------------------------------------------------------


def load_settings(path: Path) -> Settings:
    """Read the configuration file and every client file; ConfigError lists all problems."""
    path = Path(path)
    _require_config_file(path)
    file = str(path)
    problems: list[Problem] = []
    raw = _read_toml(path, problems)
    config = _validate(Config, raw, file, problems) if raw is not None else None

    # The same rule as Settings.resolve: ~ expanded, relative to the config's folder.
    clients_dir = path.parent / Path(_clients_dir_value(raw, config)).expanduser()
    ignored: list[Path] = []
    client_files = _load_client_dir(clients_dir, file, problems, ignored)

    problems += _cross_file_problems(path, raw, config, client_files)

    if problems or config is None:
        raise ConfigError(_sorted(problems))
    clients = {cid: client for cid, (_, client) in client_files.items()}
    # Absolute, so the store and clients paths survive a change of working directory.
    settings = Settings(config, clients, path.absolute())
    settings.ignored_client_files = ignored
    return settings


def load_client(path: Path) -> Client:
    """Read and validate one client file; ConfigError lists all of its problems.

    The file name is not checked here (examples/client.example.toml is a valid
    client file); `load_settings` checks it, because there the stem is the client id.
    """
    path = Path(path)
    problems: list[Problem] = []
    client = _load_client_file(path, problems)
    if client is None or problems:
        raise ConfigError(_sorted(problems))
    return client


# -- reading files ----------------------------------------------------------------------


def _require_config_file(path: Path) -> None:
    if path.is_file():
        return
    if path.is_dir():
        problem = Problem(
            str(path),
            "",
            "is a folder, not a configuration file",
            f"pass the file inside it: --config {path / 'config.toml'}",
        )
    else:
        problem = Problem(
            str(path),
            "",
            "does not exist",
            "run `mailwatch init DIR` to write a commented example, "
            "or pass the right file with --config",
        )
    raise ConfigError([problem])


def _read_toml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    """The file's TOML table, or None after recording why it cannot be read."""
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(
            Problem(
                file,
                "",
                f"cannot be read: {exc.strerror}",
                "check that the file exists and that you may read it",
            )
        )
        return None
    try:
        # utf-8-sig: Windows Notepad may start the file with a byte-order mark.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                file, "", f"is not UTF-8 text (line {line})", "save it as UTF-8 in your text editor"
            )
        )
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(_syntax_problem(file, str(exc)))
        return None


_TOML_POSITION = re.compile(r"\s*\((at line (\d+), column (\d+)|at end of document)\)\s*$")


def _syntax_problem(file: str, message: str) -> Problem:
    """A TOML syntax error, with its position and a hint for the usual mistakes."""
    match = _TOML_POSITION.search(message)
    reason = message[: match.start()] if match else message
    if match and match.group(2):
        where = f"line {match.group(2)}, column {match.group(3)}"
    elif match:
        where = "the end of the file"
    else:
        where = "somewhere in the file"
    reason = reason[:1].lower() + reason[1:]
    return Problem(file, "", f"is not valid TOML at {where}: {reason}", _syntax_fix(reason))


def _syntax_fix(reason: str) -> str:
    if "twice" in reason or "overwrite" in reason:
        return "a key or a [section] appears twice; keep only one"
    if "unterminated" in reason or "unclosed" in reason:
        return "a quote or a bracket is opened but never closed"
    return 'text needs double quotes, like name = "Acme Bakery"; lists need [ ]; one key per line'


# -- validation -------------------------------------------------------------------------


def _validate(model: type[M], data: Any, file: str, problems: list[Problem]) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(error, model, file) for error in exc.errors(include_url=False)]
        return None


def _salvage(model: type[M], raw: dict[str, Any] | None, section: str) -> M | None:
    """One section validated alone, leaving out the keys that are wrong, or None.

    Its problems are already reported; this only lets the cross-file checks run on
    the rest (the owner's addresses when the time zone has a typo, a server's
    password keys when its port is wrong).
    """
    data = (raw or {}).get(section)
    if not isinstance(data, dict):
        return None
    data = dict(data)
    for _ in range(3):  # a model check can only fail once the field checks pass
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            keys = {e["loc"][0] for e in exc.errors() if e["loc"]}
            wrong = {k for k in keys if k in data}
            # A required key that is wrong or missing gets a stand-in if it has one (the
            # owner's time zone does not matter to the address checks).
            stand_ins = {k: _STAND_INS[k] for k in keys if k in _STAND_INS}
            if not wrong and not stand_ins.keys() - data.keys():
                return None  # a required key is missing: nothing to salvage
            data = {k: v for k, v in data.items() if k not in wrong} | stand_ins
    return None


# Values for required keys, only for checking the rest of a section.
_STAND_INS = {"timezone": "UTC"}


def _clients_dir_value(raw: dict[str, Any] | None, config: Config | None) -> str:
    if config is not None:
        return config.clients.dir
    section = (raw or {}).get("clients")
    value = section.get("dir") if isinstance(section, dict) else None
    return value if isinstance(value, str) else "clients"


def _load_client_dir(
    directory: Path, config_file: str, problems: list[Problem], ignored: list[Path]
) -> dict[str, tuple[str, Client]]:
    """Every valid client file, by file stem, with its path for the cross-file checks.

    Dot files are left out and added to `ignored`, for check-config to mention.
    """
    if not directory.is_dir():
        what = "is not a folder" if directory.exists() else "does not exist"
        problems.append(
            Problem(
                config_file,
                "clients.dir",
                f"the clients folder {directory} {what}",
                "create it, or run `mailwatch init DIR` to start from an example",
            )
        )
        return {}
    found: dict[str, tuple[str, Client]] = {}
    for path in sorted(directory.glob("*.toml")):
        # Dot files are editor lock and backup files (".#acme.toml"), not clients; but a
        # client file hidden by mistake (".acme.toml") must not vanish without a word.
        if path.name.startswith("."):
            ignored.append(path)
            continue
        if not path.is_file():
            continue
        client = _load_client_file(path, problems)
        if not CLIENT_ID.match(path.stem):
            problems.append(_bad_name_problem(path))
        if client is not None:
            found[path.stem] = (str(path), client)
    return found


def _load_client_file(path: Path, problems: list[Problem]) -> Client | None:
    raw = _read_toml(path, problems)
    return _validate(Client, raw, str(path), problems) if raw is not None else None


def _bad_name_problem(path: Path) -> Problem:
    suggestion = re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-_") or "client"
    return Problem(
        str(path),
        "",
        "has a file name mailwatch cannot use as a client id: use only lower-case letters, "
        "digits, - and _, starting with a letter or digit",
        f"rename it to {suggestion}.toml",
    )


# -- pydantic errors into plain words ---------------------------------------------------


def _problem(error: ErrorDetails, root: type[BaseModel], file: str) -> Problem:
    loc = tuple(error["loc"])
    key = _dotted(loc)
    what, fix = _explain(error, _model_at(root, loc[:-1]), loc, root)
    return Problem(file, key, what, fix)


def _dotted(loc: tuple[int | str, ...]) -> str:
    """('rules', 'follow_up_days', 1) -> 'rules.follow_up_days (item 2)'."""
    names = ".".join(str(part) for part in loc if isinstance(part, str))
    items = [part + 1 for part in loc if isinstance(part, int)]
    return names + "".join(f" (item {n})" for n in items)


def _model_at(root: type[BaseModel], path: Iterable[int | str]) -> type[BaseModel] | None:
    """The model class that holds the value at `path` (to list its allowed keys)."""
    current: Any = root
    for part in path:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return None
        current = _unwrap_model(field.annotation)
    return current if _is_model(current) else None


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """`Imap | None` -> Imap."""
    if _is_model(annotation):
        return annotation
    return next((arg for arg in typing.get_args(annotation) if _is_model(arg)), None)


def _explain(
    error: ErrorDetails,
    parent: type[BaseModel] | None,
    loc: tuple[int | str, ...],
    root: type[BaseModel] | None = None,
) -> tuple[str, str]:
    """(what, fix) for one pydantic error, in words for someone who is not a programmer."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    name = str(loc[-1]) if loc else ""
    given = "" if "password" in name else _given(value)
    if kind == "string_type":
        return "must be text" + given, _quote_fix(value)
    if kind == "missing":
        return "is required", _missing_fix(loc)
    if kind == "extra_forbidden":
        return _unknown_key(name, parent)
    if kind in ("value_error", "assertion_error"):
        return _our_message(str(ctx.get("error", error["msg"])), name, value)
    simple = _SIMPLE.get(kind)
    if simple is not None:
        what, fix = simple
        return what + given, fix
    if kind in _BOUNDS or kind in ("int_parsing_size", "finite_number"):
        return _out_of_range(kind, ctx, root, loc, given), ""
    if kind in ("too_short", "too_long"):
        return _length(kind, ctx, value), ""
    if kind == "literal_error":
        # TOML-style double quotes, like the value shown after it.
        expected = str(ctx.get("expected", "")).replace("'", '"')
        return f"must be one of {expected}{given}", ""
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return (
            "must be a section of keys, not a single value",
            f"write [{'.'.join(str(p) for p in loc)}] on its own line, then one key = value "
            "per line",
        )
    # Anything unforeseen: pydantic's own sentence, minus its jargon.
    return error["msg"].replace("Input should be", "should be"), ""


_SIMPLE: dict[str, tuple[str, str]] = {
    "int_type": ("must be a whole number", "write it without quotes, like 14"),
    "int_parsing": ("must be a whole number", "write it without quotes or units, like 14"),
    "int_from_float": ("must be a whole number", "drop the decimals"),
    "float_type": ("must be a number", "write it without quotes, like 24 or 2.5"),
    "float_parsing": ("must be a number", "write it without quotes or units, like 24 or 2.5"),
    "bool_type": ("must be true or false", "write true or false, without quotes"),
    "bool_parsing": ("must be true or false", "write true or false, without quotes"),
    "list_type": ("must be a list", 'put the values in square brackets, like ["a", "b"]'),
}

_BOUNDS = {
    "greater_than_equal": "must be at least {}",
    "greater_than": "must be more than {}",
    "less_than_equal": "must be at most {}",
    "less_than": "must be less than {}",
}


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # 10000000, not 1e+07
    return f"{value:g}" if isinstance(value, float) else str(value)


def _out_of_range(
    kind: str,
    ctx: dict[str, Any],
    root: type[BaseModel] | None,
    loc: tuple[int | str, ...],
    given: str,
) -> str:
    """'must be between 1 and 365, not 400': the whole range when the model gives one."""
    allowed = _range_text(root, loc) if root is not None else ""
    if kind == "finite_number":
        return "must be a real number (nan and inf are not)" + (f", {allowed}" if allowed else "")
    if allowed:
        return f"must be {allowed}" + given
    if kind == "int_parsing_size":
        return "is far too large a number" + given
    bound = next(iter(ctx.values()), "")
    return _BOUNDS[kind].format(_number(bound)) + given


def _range_text(root: type[BaseModel], loc: tuple[int | str, ...]) -> str:
    """'between 1 and 365' or 'more than 0 and at most 720'; '' if not bounded both ways."""
    current: Any = root
    metadata: list[Any] = []
    for part in loc:
        current, metadata = _flatten(current)
        if _is_model(current) and isinstance(part, str):
            field = current.model_fields.get(part)
            if field is None:
                return ""
            current, metadata = field.annotation, list(field.metadata)
        elif typing.get_origin(current) is list and isinstance(part, int):
            current, metadata = typing.get_args(current)[0], []
        elif typing.get_origin(current) is dict:
            current, metadata = typing.get_args(current)[1], []
        else:
            return ""
    bounds: dict[str, Any] = {}
    for item in [*metadata, *_flatten(current)[1]]:
        for name in ("ge", "gt", "le", "lt"):
            if getattr(item, name, None) is not None:
                bounds[name] = getattr(item, name)
    high = bounds.get("le", bounds.get("lt"))
    if high is None or ("ge" not in bounds and "gt" not in bounds):
        return ""
    top = "at most" if "le" in bounds else "less than"
    if "ge" in bounds and "le" in bounds:
        return f"between {_number(bounds['ge'])} and {_number(high)}"
    low = (
        f"at least {_number(bounds['ge'])}"
        if "ge" in bounds
        else f"more than {_number(bounds['gt'])}"
    )
    return f"{low} and {top} {_number(high)}"


def _flatten(annotation: Any) -> tuple[Any, list[Any]]:
    """`Annotated[int, Field(ge=1)] | None` -> (int, [Ge(1)])."""
    metadata: list[Any] = []
    while True:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if typing.get_origin(annotation) is Annotated:
            for extra in typing.get_args(annotation)[1:]:
                metadata.extend(getattr(extra, "metadata", [extra]))
            annotation = typing.get_args(annotation)[0]
        elif typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
            annotation = args[0]
        else:
            return annotation, metadata


def _given(value: Any) -> str:
    """', not "abc"' for a short scalar the user typed; '' when showing it would not help."""
    if isinstance(value, bool):
        return f", not {str(value).lower()}"
    if isinstance(value, int | float):
        return f", not {_number(value)}"
    if isinstance(value, str) and len(value) <= 40:
        return f', not "{value}"'
    return ""


def _quote_fix(value: Any) -> str:
    # An unquoted 09:00:00 is a TOML time of day; mailwatch wants the text "09:00".
    shown = value.strftime("%H:%M") if isinstance(value, time) else value
    if isinstance(shown, str | int | float) and not isinstance(shown, bool):
        return f'put it in double quotes: "{_number(shown)}"'
    return "put it in double quotes"


def _length(kind: str, ctx: dict[str, Any], value: Any) -> str:
    unit = "characters" if isinstance(value, str) else "items"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} {unit}"
    return f"must have at most {ctx.get('max_length')} {unit}"


def _missing_fix(loc: tuple[int | str, ...]) -> str:
    if len(loc) == 1 and loc[0] in ("owner", "imap", "smtp"):
        return f"add an [{loc[0]}] section (see config.example.toml)"
    field = str(loc[-1])
    example = _EXAMPLES.get(field, f"{field} = ...")
    section = ".".join(str(p) for p in loc[:-1] if isinstance(p, str))
    return f"add a line {example}" + (f" in the [{section}] section" if section else "")


_EXAMPLES = {
    "timezone": 'timezone = "Europe/Paris" (your time zone, an IANA name)',
    "name": 'name = "..."',
    "email": 'email = "you@example.com"',
    "host": 'host = "mail.example.com"',
}


def _unknown_key(name: str, parent: type[BaseModel] | None) -> tuple[str, str]:
    if parent is None:
        return "unknown key", "remove it, or check its spelling"
    allowed = list(parent.model_fields)
    what = f"unknown key (allowed here: {', '.join(allowed)})"
    if "password" in name:
        return what, (
            "never write a password in this file: use password_env (an environment "
            "variable) or password_command instead"
        )
    close = difflib.get_close_matches(name.lower(), allowed, n=1, cutoff=0.65)
    return what, f"did you mean {close[0]}?" if close else "remove it, or check its spelling"


def _our_message(message: str, name: str, value: Any) -> tuple[str, str]:
    """The model's own validators write "what; what to do"; split it in two."""
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    what, _, fix = message.partition("; ")
    if name == "timezone" and isinstance(value, str):
        fix = _timezone_fix(value) or fix
    return what, fix


def _timezone_fix(value: str) -> str:
    from zoneinfo import available_timezones  # slow-ish, only needed on this error

    zones = {zone.lower(): zone for zone in available_timezones()}
    wanted = value.strip().lower().replace(" ", "_")
    # "paris" or "new york": a city alone names its zone.
    by_city = sorted(zone for low, zone in zones.items() if low.rsplit("/", 1)[-1] == wanted)
    close = by_city or [zones[z] for z in difflib.get_close_matches(wanted, zones, n=1, cutoff=0.7)]
    return f'did you mean "{close[0]}"?' if close else ""


# -- checks across files ----------------------------------------------------------------


def _cross_file_problems(
    path: Path,
    raw: dict[str, Any] | None,
    config: Config | None,
    clients: dict[str, tuple[str, Client]],
) -> list[Problem]:
    file = str(path)
    # When config.toml itself is invalid, salvage the sections these checks need, so
    # the client files are still checked against the owner and the servers.
    owner = config.owner if config else _salvage(Owner, raw, "owner")
    imap = config.imap if config else _salvage(Imap, raw, "imap")
    smtp = config.smtp if config else _salvage(Smtp, raw, "smtp")

    problems = _claim_problems(clients)
    if owner is not None:
        problems += _owner_address_problems(owner, clients)
    for section, server in (("imap", imap), ("smtp", smtp)):
        if server is not None:
            problems += source_problems(server, section=section, file=file)
            problems += _ca_file_problems(server, section, path.parent, file)
            problems += _oauth2_section_problems(server, section, raw, file)
    if config is not None:
        problems += _templates_problems(config, path.parent, file)
    return problems


def _claim_problems(clients: dict[str, tuple[str, Client]]) -> list[Problem]:
    """An address or domain in two client files: mail from it could go to either."""
    first: dict[tuple[str, str], str] = {}
    problems = []
    for file, client in clients.values():
        for kind, values in (("emails", client.emails), ("domains", client.domains)):
            for value in values:
                owner = first.setdefault((kind, value), file)
                if owner != file:
                    problems.append(
                        Problem(
                            file,
                            kind,
                            f"{value} is also listed in {owner}",
                            "keep it in one client's file only, so its mail goes to one client",
                        )
                    )
    return problems


def _owner_address_problems(owner: Owner, clients: dict[str, tuple[str, Client]]) -> list[Problem]:
    own_domains = {address.rsplit("@", 1)[1] for address in owner.addresses}
    problems = []
    for file, client in clients.values():
        problems += [
            Problem(
                file,
                "emails",
                f"{address} is your own address (owner.email or owner.aliases), not the client's",
                "remove it from this client's emails",
            )
            for address in client.emails
            if address in owner.addresses
        ]
        for domain in client.domains:
            if domain in own_domains:
                problems.append(
                    Problem(
                        file,
                        "domains",
                        f"{domain} is your own mail domain",
                        "list the client's addresses in emails instead",
                    )
                )
            elif domain in PUBLIC_MAIL_DOMAINS:
                problems.append(
                    Problem(
                        file,
                        "domains",
                        f"{domain} is a public mail service: everyone who writes from it would "
                        "count as this client",
                        "list the client's own addresses in emails instead",
                    )
                )
    return problems


def _ca_file_problems(server: Imap | Smtp, section: str, base: Path, file: str) -> list[Problem]:
    if not server.ca_file or (base / Path(server.ca_file).expanduser()).is_file():
        return []
    return [
        Problem(
            file,
            f"{section}.ca_file",
            f"the file {server.ca_file} does not exist",
            "give the path of the certificate (PEM) file, relative to this file's "
            "folder, or remove the line",
        )
    ]


def _oauth2_section_problems(
    server: Imap | Smtp, section: str, raw: dict[str, Any] | None, file: str
) -> list[Problem]:
    """auth = "oauth2" signs in with the [oauth2] table: it must be there."""
    if server.auth != "oauth2" or isinstance((raw or {}).get("oauth2"), dict):
        return []
    return [
        Problem(
            file,
            f"{section}.auth",
            'is "oauth2" but there is no [oauth2] section saying how to sign in',
            'add [oauth2] with provider and client_id (see the README), or set auth = "password"',
        )
    ]


def _templates_problems(config: Config, base: Path, file: str) -> list[Problem]:
    value = config.templates.dir
    if not value or (base / Path(value).expanduser()).is_dir():
        return []
    return [
        Problem(
            file,
            "templates.dir",
            f"the folder {value} does not exist",
            'create it, or set dir = "" to use the built-in templates',
        )
    ]


# -- output -----------------------------------------------------------------------------


def _sorted(problems: list[Problem]) -> list[Problem]:
    """By file, then key, with item numbers in numeric order; duplicates dropped."""
    return sorted(dict.fromkeys(problems), key=lambda p: (p.file, _natural(p.key), p.what))


def _natural(text: str) -> list[tuple[int, str]]:
    # "item 10" after "item 9": digits compare as numbers.
    return [(int(part), "") if part.isdigit() else (0, part) for part in re.split(r"(\d+)", text)]
