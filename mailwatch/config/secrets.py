"""Mail server passwords: never stored in config.toml, fetched when a connection needs one.

A password comes from an environment variable (`password_env`) or from the first line
printed by a command such as a password manager (`password_command`). Every error
names the key to change and what to do, and never contains the password, the
command's output, or the command's arguments (people do write `echo hunter2`).
Errors are raised outside of `except` blocks so no exception that holds the
command's output is chained to them and printed in a traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess

from mailwatch.config.model import Imap, Smtp
from mailwatch.errors import ConfigError, Problem
from mailwatch.logs import register_secret

COMMAND_TIMEOUT_SECONDS = 15.0
# Named only when a server section is used without Settings (which records its file).
DEFAULT_FILE = "config.toml"

# What a shell accepts as a variable name. Anything else in password_env is most
# likely the password itself, typed in the wrong key: say so without repeating it.
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def source_problems(server: Imap | Smtp, *, section: str, file: str = "") -> list[Problem]:
    """What is wrong with how the password is to be found, without fetching it."""
    file = file or server.source_file or DEFAULT_FILE
    if not server.username or server.auth == "oauth2":
        return []  # no login, or a sign-in token instead of a password (mailwatch.auth)
    if server.password_env:
        return _env_name_problems(server.password_env, section, file)
    if server.password_command:
        return _command_problems(server.password_command, section, file)
    return [
        Problem(
            file,
            f"{section}.password_env",
            f"username is set but there is no way to get the password: set "
            f"{section}.password_env or {section}.password_command",
            f'for example password_env = "MAILWATCH_{section.upper()}_PASSWORD", then export '
            f'that variable before starting mailwatch; or set username = "" if the server '
            "needs no login",
        )
    ]


def resolve_password(server: Imap | Smtp, *, section: str, file: str = "") -> str:
    """The password for `server` ("" when it needs no login); ConfigError if unavailable.

    `section` is "imap" or "smtp", used to name the key at fault; `file` names the
    configuration file in the error (by default the file the section was read from).
    """
    file = file or server.source_file or DEFAULT_FILE
    problems = source_problems(server, section=section, file=file)
    if problems:
        raise ConfigError(problems)
    if not server.username or server.auth == "oauth2":
        return ""
    if server.password_env:
        password = _from_env(server.password_env, section, file)
    else:
        password = _from_command(server.password_command, section, file)
    # From here on, whatever text carries it (a log line, an error, the health file)
    # shows it masked.
    register_secret(password)
    return password


def _env_name_problems(name: str, section: str, file: str) -> list[Problem]:
    if _ENV_NAME.match(name):
        return []
    return [
        Problem(
            file,
            f"{section}.password_env",
            "must be the NAME of an environment variable (letters, digits and _), "
            "not the password itself",
            f'for example password_env = "MAILWATCH_{section.upper()}_PASSWORD"; if you typed '
            "your password here, remove it from the file",
        )
    ]


def _command_problems(command: str, section: str, file: str) -> list[Problem]:
    key = f"{section}.password_command"
    try:
        argv = shlex.split(command)
    except ValueError:
        argv = None
    if argv is None:
        return [
            Problem(
                file, key, "has a quote that is never closed", "check the quotes in the command"
            )
        ]
    if not argv:
        return [Problem(file, key, "is empty", 'give a command, like "pass show mail/imap"')]
    return []


def _from_env(name: str, section: str, file: str) -> str:
    value = os.environ.get(name)
    key = f"{section}.password_env"
    if value is None:
        raise ConfigError(
            [
                Problem(
                    file,
                    key,
                    f"the environment variable {name} is not set",
                    f"export it before starting mailwatch, "
                    f"or set {section}.password_command instead",
                )
            ]
        )
    if not value:
        raise ConfigError(
            [
                Problem(
                    file,
                    key,
                    f"the environment variable {name} is set but empty",
                    "export it with the password as its value",
                )
            ]
        )
    return value


def _from_command(command: str, section: str, file: str) -> str:
    argv = shlex.split(command)  # already checked by _command_problems
    program = argv[0]
    stdout, problem = _run(argv, program, section, file)
    if problem is not None:
        raise ConfigError([problem])
    assert stdout is not None
    first_line = stdout.split("\n", 1)[0].removesuffix("\r")
    if not first_line:
        raise ConfigError(
            [
                _command_problem(
                    file,
                    section,
                    f"the command ({program}) printed nothing on its first line",
                    "mailwatch uses the first line the command prints as the password",
                )
            ]
        )
    return first_line


def _run(
    argv: list[str], program: str, section: str, file: str
) -> tuple[str | None, Problem | None]:
    """Run the command; return its output as text, or the problem to report."""
    try:
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,  # a prompt must fail fast, not hang the daemon
            capture_output=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        return None, _command_problem(
            file,
            section,
            f"the program {program!r} was not found",
            "check its spelling, or give its full path",
        )
    except PermissionError:
        return None, _command_problem(
            file,
            section,
            f"the program {program!r} cannot be run (permission denied)",
            "make it executable, or give the right program",
        )
    except subprocess.TimeoutExpired:
        return None, _command_problem(
            file,
            section,
            f"the command ({program}) did not finish within {COMMAND_TIMEOUT_SECONDS:g} seconds",
            "make sure it does not wait for input (unlock your password manager first)",
        )
    except OSError as exc:
        return None, _command_problem(
            file,
            section,
            f"the command ({program}) could not be started: {exc.strerror}",
            "run it yourself in a terminal to see why",
        )
    if done.returncode != 0:
        return None, _command_problem(
            file,
            section,
            f"the command ({program}) failed with exit status {done.returncode}",
            "run it yourself in a terminal to see its message",
        )
    try:
        return done.stdout.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, _command_problem(
            file,
            section,
            f"the command ({program}) printed something that is not UTF-8 text",
            "make it print the password as plain text",
        )


def _command_problem(file: str, section: str, what: str, fix: str) -> Problem:
    return Problem(file, f"{section}.password_command", what, fix)
