"""Errors that say what is true: the real file, the ignored client file, the DNS failure,
and what was sent when something unexpected stops a command."""

from __future__ import annotations

import asyncio
import socket
import sys

import pytest

from mailwatch.config.loader import load_settings
from mailwatch.config.model import Smtp
from mailwatch.config.secrets import resolve_password
from mailwatch.errors import ConfigError, ConnectionFailed
from mailwatch.smtp.base import TemporaryFailure
from mailwatch.smtp.client import SmtpOutbox
from tests.unit.cli_world import run_cli, write_config

# -- the password command names the real file ------------------------------------------


def test_password_command_errors_name_the_real_file(tmp_path, monkeypatch, capsys) -> None:
    config = write_config(tmp_path / "my-mailwatch")
    text = config.read_text().replace(
        'port = 1\nsecurity = "none"\nusername = ""\n',
        f'port = 1\nsecurity = "none"\nusername = "sam"\npassword_command = "{sys.executable} '
        "-c 'raise SystemExit(3)'\"\n",
        1,
    )
    config.write_text(text)
    settings = load_settings(config)
    with pytest.raises(ConfigError) as caught:
        resolve_password(settings.config.imap, section="imap")  # type: ignore[arg-type]
    [problem] = caught.value.problems
    assert problem.file == str(config.absolute())
    assert problem.key == "imap.password_command" and "exit status 3" in problem.what
    # The same through a command the owner runs.
    result = run_cli(["--config", str(config), "sync"], monkeypatch, capsys)
    assert result.code == 2
    assert f"{config.absolute()}: imap.password_command" in result.err


def test_password_env_errors_name_the_real_file(tmp_path, monkeypatch) -> None:
    config = write_config(tmp_path / "elsewhere")
    config.write_text(
        config.read_text().replace(
            'port = 1\nsecurity = "none"\nusername = ""\n',
            'port = 1\nsecurity = "none"\nusername = "sam"\npassword_env = "MW_UNSET_FOR_TEST"\n',
            1,
        )
    )
    monkeypatch.delenv("MW_UNSET_FOR_TEST", raising=False)
    settings = load_settings(config)
    with pytest.raises(ConfigError) as caught:
        resolve_password(settings.config.imap, section="imap")  # type: ignore[arg-type]
    assert str(caught.value.problems[0]).startswith(f"{config.absolute()}: imap.password_env:")


# -- a dot file in clients/ is mentioned, not silently skipped --------------------------


@pytest.mark.parametrize("name", ["..evil.toml", ".hidden.toml"])
def test_check_config_says_which_client_files_it_ignores(
    tmp_path, monkeypatch, capsys, name
) -> None:
    config = write_config(tmp_path / "mw")
    (config.parent / "clients" / name).write_text('name = "Hidden"\nemails = ["h@hidden.test"]\n')
    result = run_cli(["--config", str(config), "check-config", "--offline"], monkeypatch, capsys)
    assert result.code == 0, result.err  # a warning, not an error
    warning = [line for line in result.out.splitlines() if name in line]
    assert warning, result.out
    assert "ignored" in warning[0].lower()
    assert "The configuration is valid." in result.out
    assert load_settings(config).clients.keys() == {"acme"}


# -- a DNS failure is not the server asking to try later --------------------------------


def test_smtp_dns_failure_says_the_server_name_cannot_be_found(monkeypatch) -> None:
    real = socket.getaddrinfo

    def no_such_host(host, *args, **kwargs):
        if host == "smtp.nowhere.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    outbox = SmtpOutbox(Smtp(host="smtp.nowhere.test", port=465), "secret")
    with pytest.raises(ConnectionFailed) as caught:
        asyncio.run(outbox.send("sam@studio.test", ["jane@acme.test"], b"Subject: x\r\n\r\nx"))
    assert not isinstance(caught.value, TemporaryFailure)
    assert "Cannot find the server smtp.nowhere.test (DNS)" in str(caught.value)
    assert "try again later" not in str(caught.value)
    with pytest.raises(ConnectionFailed):
        asyncio.run(outbox.check())


def test_smtp_refused_connection_is_a_connection_failure() -> None:
    from mailwatch.lab.ports import free_port

    outbox = SmtpOutbox(Smtp(host="127.0.0.1", port=free_port(), security="none"), "")
    with pytest.raises(ConnectionFailed) as caught:
        asyncio.run(outbox.send("sam@studio.test", ["jane@acme.test"], b"Subject: x\r\n\r\nx"))
    assert "Cannot connect to the SMTP server 127.0.0.1" in str(caught.value)
    assert "refused" in str(caught.value)
    assert "try again later" not in str(caught.value)


# -- the catch-all error does not claim that nothing was sent ---------------------------


def test_unexpected_error_does_not_claim_nothing_was_sent(tmp_path, monkeypatch, capsys) -> None:
    config = write_config(tmp_path / "mw")

    def boom(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("mailwatch.pipeline.app.App.evaluate", boom)
    result = run_cli(["--config", str(config), "evaluate"], monkeypatch, capsys)
    assert result.code == 1
    assert "disk on fire" in result.err
    assert "Nothing was sent" not in result.err
    assert "queue list --all" in result.err
