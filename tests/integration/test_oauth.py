"""OAuth 2.0 sign-in with real parts: Dovecot's oauth2 passdb and an aiosmtpd XOAUTH2
authenticator, both asking the lab authorization server (RFC 7662 introspection), and
the real `mailwatch login`, `check-config` and `run` in their own processes.

Nothing here leaves 127.0.0.1. The lab server plays Google or Microsoft: it signs the
owner in at once, and can refuse, slow down, revoke or fail on demand.
"""

from __future__ import annotations

import asyncio
import os
import queue
import secrets
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailwatch.auth.errors import SignInRequired
from mailwatch.auth.flows import OAuthClient, device_flow
from mailwatch.auth.providers import resolve
from mailwatch.auth.source import TokenSource
from mailwatch.auth.tokens import TokenFile
from mailwatch.config.model import Imap, OAuth2, Smtp
from mailwatch.errors import AuthenticationFailed
from mailwatch.imap.client import ImapMailbox
from mailwatch.lab.dovecot import Dovecot
from mailwatch.lab.mta import LocalMTA
from mailwatch.lab.oauth import LabOAuth, browse, introspection_check
from mailwatch.smtp.client import SmtpOutbox
from mailwatch.store import Store
from tests.integration.daemon_helpers import DaemonProcess, client_message

USER = "sam@lab.test"
SECRET_ENV = "MW_TEST_OAUTH_SECRET"
DEVICE_GRANT = "token:urn:ietf:params:oauth:grant-type:device_code"


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def idp() -> Iterator[LabOAuth]:
    secret = "lab-client-secret-" + secrets.token_hex(8)
    with LabOAuth(email=USER, client_secret=secret) as server:
        yield server


@pytest.fixture
def server(make_dovecot, idp: LabOAuth) -> Dovecot:
    return make_dovecot(oauth2_introspection_url=idp.introspection_url, idle_notify_seconds=1)


def oauth2(idp: LabOAuth, flow: str = "auto") -> OAuth2:
    return OAuth2(
        provider="custom",
        client_id=idp.client_id,
        authorize_url=idp.authorize_url,
        token_url=idp.token_url,
        device_url=idp.device_url,
        scopes=["imap", "smtp", "offline_access"],
        flow=flow,  # type: ignore[arg-type]
    )


def signed_in(idp: LabOAuth, path: Path) -> TokenSource:
    provider = resolve(oauth2(idp))
    tokens = device_flow(
        OAuthClient(provider, idp.client_secret),
        username=USER,
        say=lambda text: None,
        sleep=lambda s: None,
    )
    file = TokenFile(path)
    with file.locked():
        file.write(tokens)
    return TokenSource(provider, path, client_secret=idp.client_secret)


def imap_config(server: Dovecot, username: str = USER) -> Imap:
    return Imap(
        host="127.0.0.1", port=server.port, security="none", username=username, auth="oauth2"
    )


# -- IMAP: Dovecot's oauth2 passdb ------------------------------------------------------


def test_dovecot_accepts_a_live_token_and_refuses_a_revoked_one(server, idp, tmp_path) -> None:
    server.account(USER)
    tokens = signed_in(idp, tmp_path / "token.json")
    mailbox = ImapMailbox(imap_config(server), "", tokens=tokens)
    mailbox.connect()
    assert mailbox.sent_folder() == "Sent"
    mailbox.close()
    assert "method=XOAUTH2" in server.log_path.read_text()
    assert idp.counts["introspect"] >= 1  # Dovecot asked the lab, over HTTP

    idp.revoke(USER)
    with pytest.raises(SignInRequired) as caught:
        ImapMailbox(imap_config(server), "", tokens=tokens).connect()
    text = str(caught.value)
    assert "expired or was revoked" in text and "mailwatch login" in text
    assert "password" not in text
    # Refused once, renewal refused: no loop.
    assert idp.counts["token:refresh_token"] == 1


def test_a_token_the_server_refuses_is_renewed_once(server, idp, tmp_path) -> None:
    """The provider ended the access token early (local copy says valid): Dovecot refuses,
    mailwatch renews it once and signs in."""
    server.account(USER)
    tokens = signed_in(idp, tmp_path / "token.json")
    idp.expire_access_tokens()
    mailbox = ImapMailbox(imap_config(server), "", tokens=tokens)
    mailbox.connect()
    mailbox.close()
    assert tokens.refreshes == 1 and idp.counts["token:refresh_token"] == 1


def test_a_token_for_another_account_is_refused_and_not_retried(server, idp, tmp_path) -> None:
    server.account("jane@lab.test")
    tokens = signed_in(idp, tmp_path / "token.json")  # Sam signed in
    with pytest.raises(AuthenticationFailed) as caught:
        ImapMailbox(imap_config(server, "jane@lab.test"), "", tokens=tokens).connect()
    assert not isinstance(caught.value, SignInRequired)  # the sign-in itself is fine
    assert "even with a freshly renewed" in caught.value.message
    assert "username is the address you signed in with" in caught.value.hint
    assert idp.counts["token:refresh_token"] == 1  # one renewal, then it stopped


def test_password_logins_still_work_beside_oauth(server, idp) -> None:
    account = server.account(USER)
    mailbox = ImapMailbox(
        Imap(host="127.0.0.1", port=server.port, security="none", username=USER), account.password
    )
    mailbox.connect()
    mailbox.close()
    assert idp.counts["introspect"] == 0  # PLAIN never reached the oauth2 passdb


# -- SMTP: aiosmtpd's XOAUTH2 -----------------------------------------------------------


def smtp_config(mta: LocalMTA) -> Smtp:
    return Smtp(host="127.0.0.1", port=mta.port, security="none", username=USER, auth="oauth2")


def test_smtp_sends_with_xoauth2(make_mta, idp, tmp_path) -> None:
    mta = make_mta(oauth=introspection_check(idp.introspection_url))
    tokens = signed_in(idp, tmp_path / "token.json")
    outbox = SmtpOutbox(smtp_config(mta), "", tokens=tokens)
    raw = b"From: sam@lab.test\r\nTo: jane@acme.test\r\nSubject: Hi\r\n\r\nHello\r\n"
    delivery = asyncio.run(outbox.send(USER, ["jane@acme.test"], raw))
    assert delivery.accepted == ("jane@acme.test",)
    assert mta.deliveries[0].auth_user == USER

    idp.expire_access_tokens()  # refused once, renewed, accepted
    asyncio.run(outbox.send(USER, ["jane@acme.test"], raw))
    assert tokens.refreshes == 1 and mta.xoauth2_attempts == 3

    idp.revoke()
    with pytest.raises(SignInRequired, match="expired or was revoked"):
        asyncio.run(outbox.send(USER, ["jane@acme.test"], raw))
    assert len(mta.deliveries) == 2


def test_smtp_without_xoauth2_says_so(make_mta, idp, tmp_path) -> None:
    mta = make_mta(auth=("sam", "pw"))  # PLAIN and LOGIN only
    outbox = SmtpOutbox(smtp_config(mta), "", tokens=signed_in(idp, tmp_path / "t.json"))
    with pytest.raises(AuthenticationFailed, match=r"does not offer OAuth 2\.0"):
        asyncio.run(outbox.check())


# -- the real commands ------------------------------------------------------------------


class Workspace:
    """A mailwatch folder pointed at the lab servers, and its commands in subprocesses."""

    def __init__(self, root: Path, idp: LabOAuth, imap_port: int, smtp_port: int, flow: str):
        self.root, self.idp = root, idp
        self.outputs: list[str] = []  # everything the commands printed
        (root / "clients").mkdir(parents=True, exist_ok=True)
        self.config = root / "config.toml"
        self.config.write_text(
            f"""
[owner]
name = "Sam Rivera"
email = "{USER}"
timezone = "Europe/Paris"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[imap]
host = "127.0.0.1"
port = {imap_port}
security = "none"
username = "{USER}"
auth = "oauth2"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
username = "{USER}"
auth = "oauth2"
proof_wait_seconds = 2

[oauth2]
provider = "custom"
client_id = "{idp.client_id}"
client_secret_env = "{SECRET_ENV}"
authorize_url = "{idp.authorize_url}"
token_url = "{idp.token_url}"
device_url = "{idp.device_url}"
scopes = ["imap", "smtp", "offline_access"]
flow = "{flow}"

[rules]
send_window = ["00:00", "23:59"]

[schedule]
poll_seconds = 2
send_seconds = 1
evaluate_minutes = 0.05
stop_seconds = 20
"""
        )
        (root / "clients" / "acme.toml").write_text(
            'name = "Acme Bakery"\nemails = ["jane@acme.test"]\ntimezone = "Europe/Paris"\n'
        )

    @property
    def token_file(self) -> Path:
        return self.root / "state" / "mailwatch.json.oauth2.json"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAILWATCH_")}
        env[SECRET_ENV] = self.idp.client_secret
        env.pop("DISPLAY", None)  # no browser opens during the tests
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "mailwatch", "--config", str(self.config), *args]

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.command(*args), capture_output=True, text=True, timeout=timeout, env=self.env()
        )
        self.outputs += [done.stdout, done.stderr]
        return done

    def login_in_browser(self, *, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """`mailwatch login --no-browser`; the test plays the browser on the printed URL."""
        process = subprocess.Popen(
            self.command("login", "--no-browser"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(),
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: [lines.put(line) for line in process.stdout or []], daemon=True
        ).start()
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if process.poll() is not None:
                    break
                continue
            seen.append(line)
            if "/authorize?" in line:
                browse(line.strip())
                break
        try:
            process.wait(timeout)
        finally:
            process.kill()
        time.sleep(0.1)  # the reader thread drains the rest
        while not lines.empty():
            seen.append(lines.get())
        stderr = process.stderr.read() if process.stderr else ""
        assert process.stdin is not None
        process.stdin.close()
        self.outputs += ["".join(seen), stderr]
        return subprocess.CompletedProcess(process.args, process.returncode, "".join(seen), stderr)


@pytest.fixture
def workspace(tmp_path, idp, server, make_mta):
    def make(flow: str = "browser") -> Workspace:
        mta = make_mta(
            oauth=introspection_check(idp.introspection_url),
            sender_copy=(server.account(USER), "Sent"),
        )
        return Workspace(tmp_path / "mw", idp, server.port, mta.port, flow)

    return make


def test_login_in_a_browser_then_check_config(workspace, idp) -> None:
    ws = workspace("browser")
    missing = ws.run("check-config")
    assert missing.returncode == 2
    assert "You have not signed in yet" in missing.stderr
    assert "Run `mailwatch --config" in missing.stderr and "login` once" in missing.stderr
    assert missing.stderr.count("You have not signed in yet") == 1  # said once, not logged too

    done = ws.login_in_browser()
    assert done.returncode == 0, done.stderr
    assert "Open this address in a browser" in done.stdout
    assert "Signed in to" in done.stdout and "readable by you only" in done.stdout
    assert stat.S_IMODE(ws.token_file.stat().st_mode) == 0o600
    assert idp.counts["token:authorization_code"] == 1

    checked = ws.run("check-config")
    assert checked.returncode == 0, checked.stderr
    assert "the sign-in saved in" in checked.stdout and "renews" in checked.stdout
    assert "logged in with OAuth 2.0; INBOX has" in checked.stdout
    assert "SMTP 127.0.0.1" in checked.stdout and "logged in with OAuth 2.0." in checked.stdout


def test_check_config_names_the_step_after_a_revocation(workspace, idp) -> None:
    ws = workspace("device")
    assert ws.run("login").returncode == 0
    idp.revoke()
    checked = ws.run("check-config")
    assert checked.returncode == 2
    assert "expired or was revoked" in checked.stderr
    assert "login` to sign in again" in checked.stderr
    # One problem, said once: the servers are not tried with a sign-in known to be dead.
    assert "The configuration has 1 problem:" in checked.stderr
    assert "password" not in checked.stderr


def test_login_with_the_device_flow(workspace, idp) -> None:
    ws = workspace("device")
    idp.device_script = ["pending", "pending", "approve"]
    done = ws.run("login")
    assert done.returncode == 0, done.stderr
    assert f"{idp.base_url}/device-page" in done.stdout and "enter the code" in done.stdout
    assert idp.counts[DEVICE_GRANT] == 3
    assert TokenFile(ws.token_file).read().username == USER


def test_login_refuses_an_answer_with_another_state(workspace, idp) -> None:
    ws = workspace("browser")
    idp.forge_state = "not-ours"
    done = ws.login_in_browser()
    assert done.returncode == 1
    assert "does not belong to this sign-in" in done.stderr
    assert not ws.token_file.exists()
    assert idp.counts["token:authorization_code"] == 0


def test_login_declined_on_the_device_page(workspace, idp) -> None:
    ws = workspace("device")
    idp.device_script = ["pending", "denied"]
    done = ws.run("login")
    assert done.returncode == 1
    assert "declined" in done.stderr and "nothing was saved" in done.stderr
    assert not ws.token_file.exists()


# -- the service ------------------------------------------------------------------------


def message_count(config: Path) -> int:
    with Store(config.parent / "state" / "mailwatch.json", readonly=True) as store:
        return store.message_count()


def test_the_service_survives_refreshes_and_a_revocation_then_recovers_after_login(
    workspace, idp, server, tmp_path
) -> None:
    """`mailwatch run` on OAuth: access tokens that last 5 min 1 s are renewed at every new
    connection; a revoked sign-in is reported (health, log, attention) while the service
    keeps running; `mailwatch login` brings it back without a restart. Then no token,
    code or secret is found anywhere but in the token file."""
    idp.access_ttl = 301  # always within the 5-minute margin: every connection renews
    ws = workspace("device")
    assert ws.run("login").returncode == 0
    account = server.account(USER)
    d = DaemonProcess(
        ws.config, account, tmp_path / "daemon.log", env={SECRET_ENV: idp.client_secret}
    )
    try:
        d.wait_started()
        d.wait_for(lambda: "IDLE" in d.health().get("imap", ""), what="IDLE")
        # Reconnects after a server restart renew the token, and the work goes on.
        renewed = idp.counts["token:refresh_token"]
        server.restart()
        server.append_many(account, "INBOX", [client_message(1)])
        d.wait_for(lambda: message_count(ws.config) == 1, timeout=30, what="sync after restart")
        assert idp.counts["token:refresh_token"] > renewed

        # The owner (or an admin) revokes mailwatch's access; sessions end.
        idp.revoke()
        server.restart()
        d.wait_for(
            lambda: "expired or was revoked" in d.health().get("imap", ""),
            timeout=30,
            what="the revocation reported",
        )
        health = d.health()
        assert "mailwatch login" in health["imap"] and "password" not in health["imap"]
        attention = ws.run("attention")
        assert "expired or was revoked" in attention.stdout
        time.sleep(3)
        assert d.proc.poll() is None  # still running
        # Reported, then a wait: not a loop against the provider or the server.
        said = [line for line in d.log().splitlines() if "expired or was revoked" in line]
        assert 1 <= len(said) <= 4, said
        refreshes_while_dead = idp.counts["token:refresh_token"]

        # A new sign-in (in a browser this time, to put a code and a PKCE verifier in
        # play too): the service is told (SIGHUP) and connects again at once.
        ws.config.write_text(ws.config.read_text().replace('flow = "device"', 'flow = "browser"'))
        done = ws.login_in_browser()
        assert done.returncode == 0, done.stderr
        assert "The running mailwatch service (process" in done.stdout
        d.wait_for(
            lambda: (
                "IDLE" in d.health().get("imap", "") and "revoked" not in d.health().get("imap", "")
            ),
            timeout=30,
            what="reconnection after login",
        )
        server.append_many(account, "INBOX", [client_message(2)])
        d.wait_for(lambda: message_count(ws.config) == 2, timeout=30, what="sync after login")
        assert idp.counts["token:refresh_token"] >= refreshes_while_dead
        assert d.stop() == 0
    finally:
        d.kill()
    ws.outputs.append(d.log())
    assert_no_secret_outside_the_token_file(ws, tmp_path)


def assert_no_secret_outside_the_token_file(ws: Workspace, root: Path) -> None:
    """Grep every file under the test's folder (config, clients, state, health, logs,
    the MTA's records) and every captured output for every token, code, verifier and
    the client secret: only the token file may hold any, and only the current pair."""
    found = ws.idp.secrets()
    kinds = {"lab-dc", "lab-ac", "lab-at", "lab-rt"}
    assert {value[:6] for value in found} >= kinds  # every kind of secret was in play
    assert ws.idp.client_secret in found
    assert any(value[:4] not in ("lab-", "lab_") for value in found)  # a PKCE verifier
    token_file = ws.token_file.resolve()
    current = TokenFile(token_file).read()
    allowed = {current.refresh_token, current.access_token}
    leaks: list[str] = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for value in found:
            if value.encode() in data and not (path.resolve() == token_file and value in allowed):
                leaks.append(f"{path.relative_to(root)}: {value[:10]}...")
    for index, text in enumerate(ws.outputs):
        leaks += [f"output {index}: {value[:10]}..." for value in found if value in text]
    assert leaks == []
    assert ws.idp.client_secret not in token_file.read_text()
