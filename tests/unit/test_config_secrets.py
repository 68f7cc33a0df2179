"""Mail passwords from the environment or a command; never shown in an error."""

from __future__ import annotations

import sys
import traceback

import pytest

from mailwatch.config import secrets
from mailwatch.config.model import Imap, Smtp
from mailwatch.config.secrets import resolve_password
from mailwatch.errors import ConfigError

SECRET = "c0rrect-h0rse battery"
ENV = "MAILWATCH_TEST_PASSWORD"


def imap(**keys: str) -> Imap:
    return Imap(host="imap.example.com", username="sam@studio.test", **keys)


def python_command(code: str) -> str:
    """A password_command running `code` in this Python (always present, no shell)."""
    return f"{sys.executable} -c '{code}'"


def failure(server: Imap | Smtp, section: str = "imap") -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        resolve_password(server, section=section)
    return caught.value


def assert_no_secret(error: ConfigError) -> None:
    """Not in the message, the repr, the problems, nor any chained exception."""
    texts = [
        str(error),
        repr(error),
        repr(error.problems),
        error.hint,
        "".join(traceback.format_exception(error)),
    ]
    for text in texts:
        assert SECRET not in text
        assert "c0rrect" not in text
    assert error.__cause__ is None and error.__context__ is None


# -- environment variable -------------------------------------------------------------


def test_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, SECRET)
    assert resolve_password(imap(password_env=ENV), section="imap") == SECRET


def test_unset_variable_names_it_and_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    error = failure(imap(password_env=ENV))
    (problem,) = error.problems
    assert problem.key == "imap.password_env"
    assert problem.what == f"the environment variable {ENV} is not set"
    assert "export it" in problem.fix and "imap.password_command" in problem.fix


def test_empty_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "")
    assert "empty" in failure(imap(password_env=ENV)).problems[0].what


def test_no_login_needs_no_password() -> None:
    server = Smtp(host="127.0.0.1", port=2525, security="none", username="")
    assert resolve_password(server, section="smtp") == ""


def test_username_without_any_password_source() -> None:
    (problem,) = failure(Smtp(host="smtp.example.com", username="sam"), "smtp").problems
    assert problem.key == "smtp.password_env"
    assert "password_command" in problem.what and 'username = ""' in problem.fix


def test_password_typed_into_password_env_is_not_repeated() -> None:
    error = failure(imap(password_env=SECRET))
    assert "NAME of an environment variable" in error.problems[0].what
    assert_no_secret(error)


# -- command --------------------------------------------------------------------------


def test_password_from_a_command_is_its_first_line() -> None:
    command = python_command(f'print("{SECRET}"); print("second line")')
    assert resolve_password(imap(password_command=command), section="imap") == SECRET


def test_only_the_newline_is_removed() -> None:
    command = python_command('import sys; sys.stdout.write("  spaced  \\r\\n")')
    assert resolve_password(imap(password_command=command), section="imap") == "  spaced  "


def test_command_not_found() -> None:
    (problem,) = failure(imap(password_command="no-such-program-xyz show mail")).problems
    assert problem.key == "imap.password_command"
    assert "'no-such-program-xyz' was not found" in problem.what


def test_failing_command_does_not_leak_its_output() -> None:
    code = f'import sys; print("{SECRET}"); print("{SECRET}", file=sys.stderr); sys.exit(3)'
    error = failure(imap(password_command=python_command(code)))
    assert "exit status 3" in error.problems[0].what
    assert_no_secret(error)


def test_command_timeout_does_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "COMMAND_TIMEOUT_SECONDS", 0.5)
    code = f'import sys, time; print("{SECRET}", flush=True); time.sleep(30)'
    error = failure(imap(password_command=python_command(code)))
    assert "did not finish within 0.5 seconds" in error.problems[0].what
    assert_no_secret(error)


def test_command_arguments_are_not_repeated() -> None:
    # People do write `echo <password>`; the error names the program only.
    error = failure(imap(password_command=f"no-such-program-xyz '{SECRET}'"))
    assert_no_secret(error)


def test_command_printing_nothing() -> None:
    error = failure(imap(password_command=python_command("print()")))
    assert "printed nothing" in error.problems[0].what


def test_command_with_an_unclosed_quote() -> None:
    error = failure(imap(password_command=f"pass show 'mail/imap {SECRET}"))
    assert "quote" in error.problems[0].what
    assert_no_secret(error)


def test_command_gets_no_input() -> None:
    # A command that prompts must fail at once, not wait for a keyboard that is not there.
    code = 'import sys; line = sys.stdin.readline(); print(line.strip() or "no input")'
    assert (
        resolve_password(imap(password_command=python_command(code)), section="imap") == "no input"
    )


def test_the_error_names_the_configuration_file() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_password(
            Imap(host="h.test", username="u"), section="imap", file="/home/sam/mw/config.toml"
        )
    assert str(caught.value.problems[0]).startswith("/home/sam/mw/config.toml: imap.password_env:")
