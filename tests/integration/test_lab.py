"""The lab's servers, against real clients: Dovecot, pymap and the local MTA. No mocks."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import imapclient
import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from imapclient.imapclient import DRAFTS, SENT, TRASH

from mailwatch.lab import dovecot as dovecot_module
from mailwatch.lab.account import Account, LabError
from mailwatch.lab.dovecot import Dovecot, DovecotMissing, DovecotStartError
from mailwatch.lab.imap_load import RawImap
from mailwatch.lab.mta import DROP, Delivery, LocalMTA, deliveries_from_log
from mailwatch.lab.process import group_members

pytestmark = pytest.mark.integration

ClientFactory = Callable[[Account], IMAPClient]
NewUser = Callable[[str], str]
WHEN = datetime(2024, 3, 5, 9, 15, 30, tzinfo=timezone(timedelta(hours=2)))


def raw_message(n: int, subject: str = "Hello", body_size: int = 200) -> bytes:
    body = ("All work and no play makes Jack a dull boy. " * (body_size // 40 + 1))[:body_size]
    return (
        f"From: Client {n} <client{n}@example.com>\r\n"
        "To: Owner <owner@example.com>\r\n"
        f"Subject: {subject} {n}\r\n"
        f"Message-ID: <m{n}.{time.time_ns()}@example.com>\r\n"
        "Date: Tue, 05 Mar 2024 09:15:30 +0200\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()


def email_message(to: list[str], subject: str = "Proposal") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "owner@example.com"
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Message-ID"] = f"<{time.time_ns()}@owner.example.com>"
    message.set_content("Hi,\n\nplease find the proposal attached.\n")
    return message


def fetch_all(client: IMAPClient, folder: str) -> dict[int, dict[bytes, Any]]:
    client.normalise_times = False  # aware INTERNALDATEs, to compare instants
    client.select_folder(folder, readonly=True)
    uids = client.search()
    return client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE", "FLAGS"]) if uids else {}


# -- Dovecot: basics -------------------------------------------------------------------


def test_dovecot_greets_and_two_fresh_users_are_independent(
    dovecot: Dovecot, imap_client: ClientFactory, new_user: NewUser
) -> None:
    with socket.create_connection((dovecot.host, dovecot.port), timeout=5) as sock:
        assert sock.recv(512).startswith(b"* OK")
    alice = dovecot.account(new_user("alice"))
    bob = dovecot.account(new_user("bob"))
    assert alice.port == bob.port == dovecot.port and alice.password == Dovecot.PASSWORD

    imap_client(alice).append("INBOX", raw_message(1))
    assert len(fetch_all(imap_client(alice), "INBOX")) == 1
    assert fetch_all(imap_client(bob), "INBOX") == {}


def test_dovecot_rejects_a_wrong_password(make_dovecot: Callable[..., Dovecot]) -> None:
    # Its own instance: after a failed login Dovecot's anvil delays every further login
    # from 127.0.0.1 by seconds (auth penalty), which would slow the shared instance.
    server = make_dovecot()
    account = server.account("alice")
    client = IMAPClient(server.host, port=server.port, ssl=False, timeout=10)
    with pytest.raises(LoginError):
        client.login(account.username, "not-the-password")
    client.shutdown()


def test_dovecot_advertises_what_mailwatch_relies_on(
    imap_account: Account, imap_client: ClientFactory
) -> None:
    capabilities = set(imap_client(imap_account).capabilities())
    needed = {b"IDLE", b"CONDSTORE", b"QRESYNC", b"SPECIAL-USE", b"UIDPLUS", b"MULTIAPPEND"}
    assert needed <= capabilities


def test_dovecot_special_folders_exist_from_the_start(
    imap_account: Account, imap_client: ClientFactory
) -> None:
    client = imap_client(imap_account)
    assert client.find_special_folder(SENT) == "Sent"
    assert client.find_special_folder(DRAFTS) == "Drafts"
    assert client.find_special_folder(TRASH) == "Trash"
    client.select_folder("Sent", readonly=True)  # exists, not just listed


def test_dovecot_append_and_fetch_keep_bytes_and_internaldate(
    imap_account: Account, imap_client: ClientFactory
) -> None:
    raw = raw_message(7, subject="Ünïcode in the body is fine: ok")
    client = imap_client(imap_account)
    client.append("Sent", raw, flags=[imapclient.SEEN], msg_time=WHEN)
    [item] = fetch_all(client, "Sent").values()
    assert item[b"BODY[]"] == raw
    assert item[b"INTERNALDATE"] == WHEN
    assert imapclient.SEEN in item[b"FLAGS"]


def test_dovecot_idle_reports_new_mail_within_seconds(
    imap_account: Account, imap_client: ClientFactory
) -> None:
    watcher = imap_client(imap_account)
    watcher.select_folder("INBOX", readonly=True)
    watcher.idle()
    try:
        started = time.perf_counter()
        imap_client(imap_account).append("INBOX", raw_message(1))
        responses = watcher.idle_check(timeout=5)
        latency = time.perf_counter() - started
    finally:
        watcher.idle_done()
    assert any(response[1] == b"EXISTS" for response in responses), responses
    print(f"\nIDLE saw the new message after {latency:.2f} s")


# -- Dovecot: lifecycle ----------------------------------------------------------------


def test_dovecot_restart_keeps_port_and_mail(
    make_dovecot: Callable[..., Dovecot], imap_client: ClientFactory
) -> None:
    server = make_dovecot()
    account = server.account("alice")
    client = imap_client(account)
    client.append("INBOX", raw_message(1))
    uidvalidity = client.folder_status("INBOX", ["UIDVALIDITY"])[b"UIDVALIDITY"]
    port = server.port

    started = time.perf_counter()
    server.restart()
    print(f"\nDovecot restart took {time.perf_counter() - started:.3f} s")

    assert server.port == port and server.running
    client = imap_client(server.account("alice"))
    assert client.folder_status("INBOX", ["UIDVALIDITY"])[b"UIDVALIDITY"] == uidvalidity
    assert len(fetch_all(client, "INBOX")) == 1


def test_dovecot_stop_leaves_no_process_behind(
    make_dovecot: Callable[..., Dovecot], imap_client: ClientFactory
) -> None:
    server = make_dovecot()
    account = server.account("alice")
    idler = imap_client(account)
    idler.select_folder("INBOX")
    idler.idle()  # a connected `imap` process, the kind SIGTERM to the master leaves
    imap_client(account).noop()
    pgid = server.pid
    assert pgid is not None
    before = server.process_ids()
    assert len(before) >= 5, before  # master, log, config, anvil, imap-login, imap...

    started = time.perf_counter()
    server.stop()
    print(f"\nDovecot stop took {time.perf_counter() - started:.3f} s")

    assert not server.running
    assert group_members(pgid) == []
    assert [pid for pid in before if _alive(pid)] == []


def _alive(pid: int) -> bool:
    """Running, not a zombie (a container's init may be slow to reap orphans)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_dovecot_deliver_while_stopped_shows_up_after_start(
    make_dovecot: Callable[..., Dovecot], imap_client: ClientFactory
) -> None:
    server = make_dovecot()
    account = server.account("alice")
    server.stop()
    inbox_raw, sent_raw, new_user_raw = raw_message(1), raw_message(2), raw_message(3)
    server.deliver("alice", "INBOX", inbox_raw, when=WHEN)
    server.deliver("alice", "Sent", sent_raw, flags="\\Seen")
    server.deliver("carol", "INBOX", new_user_raw)  # a mailbox Dovecot never saw
    server.start()

    client = imap_client(account)
    [inbox] = fetch_all(client, "INBOX").values()
    assert inbox[b"BODY[]"] == inbox_raw and inbox[b"INTERNALDATE"] == WHEN
    assert imapclient.SEEN not in inbox[b"FLAGS"]
    [sent] = fetch_all(client, "Sent").values()
    assert sent[b"BODY[]"] == sent_raw and imapclient.SEEN in sent[b"FLAGS"]
    [carol] = fetch_all(imap_client(server.account("carol")), "INBOX").values()
    assert carol[b"BODY[]"] == new_user_raw


def test_dovecot_deliver_while_running_is_seen_by_a_selected_client(
    dovecot: Dovecot, imap_account: Account, imap_client: ClientFactory
) -> None:
    client = imap_client(imap_account)
    client.select_folder("INBOX")
    dovecot.deliver(imap_account.username, "INBOX", raw_message(1))
    client.noop()
    assert len(client.search()) == 1


@pytest.mark.usefixtures("dovecot_required")
def test_dovecot_picks_another_port_when_the_first_is_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        offers = iter([taken])
        real_free_port = dovecot_module.free_port
        monkeypatch.setattr(
            dovecot_module, "free_port", lambda: next(offers, 0) or real_free_port()
        )
        with Dovecot() as server:
            assert server.port != taken
            assert "Address already in use" in server.log_path.read_text()


def test_dovecot_restart_on_a_taken_port_fails_with_the_log(
    make_dovecot: Callable[..., Dovecot],
) -> None:
    server = make_dovecot()
    server.stop()
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", server.port))
        squatter.listen()
        with pytest.raises(DovecotStartError) as caught:
            server.start()
    message = str(caught.value)
    assert "port is taken" in message and str(server.config_path) in message
    assert "Address already in use" in message
    server.start()  # the same port, free again
    assert server.running


def test_dovecot_start_failure_shows_config_path_and_log(
    make_dovecot: Callable[..., Dovecot], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_dovecot()
    server.stop()
    monkeypatch.setattr(server, "_config", lambda: "no_such_setting = 1\n")
    with pytest.raises(DovecotStartError) as caught:
        server.start()
    message = str(caught.value)
    assert str(server.config_path) in message and "no_such_setting" in message


def test_dovecot_missing_or_wrong_version_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(dovecot_module, "find_binary", lambda: None)
    assert not Dovecot.available()
    with pytest.raises(DovecotMissing, match="apt-get install -y dovecot-imapd"):
        Dovecot(tmp_path / "missing").start()

    monkeypatch.setattr(dovecot_module, "find_binary", lambda: "/usr/sbin/dovecot")
    monkeypatch.setattr(dovecot_module, "dovecot_version", lambda binary: "2.4.1 (abc)")
    with pytest.raises(LabError, match=r"2\.3"):
        Dovecot(tmp_path / "wrong").start()


# -- Dovecot: bulk loading -------------------------------------------------------------


def _bulk(count: int) -> list[tuple[bytes, datetime]]:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    return [(raw_message(n, body_size=1500), start + timedelta(minutes=n)) for n in range(count)]


def test_dovecot_append_many_is_fast_and_keeps_dates(
    dovecot: Dovecot, imap_account: Account, imap_client: ClientFactory
) -> None:
    messages = _bulk(2000)
    started = time.perf_counter()
    uids = dovecot.append_many(imap_account, "INBOX", messages)
    elapsed = time.perf_counter() - started
    print(f"\nDovecot maildir append_many: {len(messages) / elapsed:,.0f} msg/s")

    assert uids == list(range(1, 2001))
    client = imap_client(imap_account)
    client.normalise_times = False
    client.select_folder("INBOX", readonly=True)
    assert len(client.search()) == 2000
    sample = [1, 1000, 2000]
    fetched = client.fetch(sample, ["INTERNALDATE", "BODY.PEEK[]"])
    for uid in sample:
        raw, when = messages[uid - 1]
        assert fetched[uid][b"INTERNALDATE"] == when
        assert fetched[uid][b"BODY[]"] == raw


def test_dovecot_mdbox_bulk_load_and_no_deliver(
    make_dovecot: Callable[..., Dovecot], imap_client: ClientFactory
) -> None:
    server = make_dovecot(mail_format="mdbox")
    account = server.account("alice")
    messages = _bulk(2000)
    started = time.perf_counter()
    uids = server.append_many(account, "Sent", messages, flags=["\\Seen"])
    elapsed = time.perf_counter() - started
    print(f"\nDovecot mdbox append_many: {len(messages) / elapsed:,.0f} msg/s")
    assert len(uids) == 2000
    client = imap_client(account)
    assert client.find_special_folder(SENT) == "Sent"
    client.select_folder("Sent", readonly=True)
    assert len(client.search(["SEEN"])) == 2000
    with pytest.raises(NotImplementedError):
        server.deliver("alice", "INBOX", raw_message(1))


@pytest.mark.parametrize(
    "without",
    [set(), {b"LITERAL+"}, {b"MULTIAPPEND"}, {b"LITERAL+", b"MULTIAPPEND"}],
    ids=["all", "no-literal+", "no-multiappend", "neither"],
)
def test_bulk_loader_works_without_the_extensions_it_prefers(
    imap_account: Account, imap_client: ClientFactory, without: set[bytes]
) -> None:
    messages = _bulk(5)
    with RawImap(imap_account.host, imap_account.port) as imap:
        imap.login(imap_account.username, imap_account.password)
        imap.capabilities -= without  # as if the server did not offer them
        assert imap.append("INBOX", messages, ["\\Seen"]) == [1, 2, 3, 4, 5]
    fetched = fetch_all(imap_client(imap_account), "INBOX")
    assert [item[b"INTERNALDATE"] for item in fetched.values()] == [w for _, w in messages]
    assert all(imapclient.SEEN in item[b"FLAGS"] for item in fetched.values())


def test_bulk_loader_reports_a_refused_append(dovecot: Dovecot, imap_account: Account) -> None:
    with pytest.raises(LabError, match="TRYCREATE"):
        dovecot.append_many(imap_account, "No such folder", [raw_message(1)])


# -- pymap -----------------------------------------------------------------------------


def test_pymap_login_append_fetch_and_sent(pymap_server: Any, new_user: NewUser) -> None:
    alice = pymap_server.account(new_user("alice"))
    bob = pymap_server.account(new_user("bob"))
    client = IMAPClient(alice.host, port=alice.port, ssl=False, timeout=10)
    client.login(alice.username, alice.password)
    try:
        folders = {name for _flags, _sep, name in client.list_folders()}
        assert {"INBOX", "Sent", "Drafts", "Trash"} <= folders
        raw = raw_message(1)
        client.append("Sent", raw, msg_time=WHEN)
        [item] = fetch_all(client, "Sent").values()
        assert item[b"BODY[]"] == raw and item[b"INTERNALDATE"] == WHEN
        print(f"\npymap capabilities: {sorted(c.decode() for c in client.capabilities())}")
    finally:
        client.logout()

    messages = _bulk(300)
    started = time.perf_counter()
    uids = pymap_server.append_many(bob, "INBOX", messages)
    print(f"pymap append_many: {len(messages) / (time.perf_counter() - started):,.0f} msg/s")
    assert len(uids) == 300  # note: pymap numbers UIDs from 101
    bob_client = IMAPClient(bob.host, port=bob.port, ssl=False, timeout=10)
    bob_client.login(bob.username, bob.password)
    try:
        bob_client.select_folder("INBOX", readonly=True)
        assert len(bob_client.search()) == 300
        bob_client.select_folder("Sent", readonly=True)
        assert bob_client.search() == []  # alice's Sent is hers alone
    finally:
        bob_client.logout()


# -- LocalMTA --------------------------------------------------------------------------


def send(mta: LocalMTA, message: EmailMessage, **kwargs: Any) -> Any:
    kwargs.setdefault("start_tls", False)  # say it: aiosmtplib's default is opportunistic
    kwargs.setdefault("timeout", 10)
    return asyncio.run(aiosmtplib.send(message, hostname=mta.host, port=mta.port, **kwargs))


def test_mta_records_and_logs_each_delivery(mta: LocalMTA) -> None:
    message = email_message(["client@example.com"])
    errors, _reply = send(mta, message)
    assert errors == {}
    [delivery] = mta.deliveries
    assert delivery.mail_from == "owner@example.com"
    assert delivery.rcpt_tos == ["client@example.com"]
    assert delivery.message_id == message["Message-ID"]
    assert delivery.message()["Subject"] == "Proposal"
    assert delivery.at.tzinfo is not None

    assert mta.log_path is not None
    [line] = mta.log_path.read_text().splitlines()
    assert json.loads(line)["message_id"] == message["Message-ID"]
    assert deliveries_from_log(mta.log_path) == [delivery]


def test_mta_files_mail_into_local_mailboxes_and_the_senders_sent(
    dovecot: Dovecot,
    imap_account: Account,
    make_mta: Callable[..., LocalMTA],
    imap_client: ClientFactory,
    new_user: NewUser,
) -> None:
    sender = dovecot.account(new_user("sender"))
    mta = make_mta(
        local_mailboxes={"Owner@Example.com": (imap_account, "INBOX")},
        sender_copy=(sender, "Sent"),
    )
    send(mta, email_message(["owner@example.com", "someone@elsewhere.example"]))
    [delivery] = mta.deliveries
    assert delivery.filed == [f"{imap_account.username}:INBOX", f"{sender.username}:Sent"]

    [inbox] = fetch_all(imap_client(imap_account), "INBOX").values()
    assert inbox[b"BODY[]"] == delivery.data
    [sent] = fetch_all(imap_client(sender), "Sent").values()
    assert sent[b"BODY[]"] == delivery.data and imapclient.SEEN in sent[b"FLAGS"]


def test_mta_rejects_one_recipient_and_accepts_the_others(
    make_mta: Callable[..., LocalMTA],
) -> None:
    mta = make_mta(rcpt_replies={"gone@example.com": "550 5.1.1 no such user"})
    errors, _reply = send(mta, email_message(["client@example.com", "gone@example.com"]))
    assert errors["gone@example.com"].code == 550
    assert "no such user" in errors["gone@example.com"].message
    assert [d.rcpt_tos for d in mta.deliveries] == [["client@example.com"]]

    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        send(mta, email_message(["gone@example.com"]))


def test_mta_451_then_250(make_mta: Callable[..., LocalMTA]) -> None:
    mta = make_mta(data_replies=["451 4.3.0 try again later"])
    message = email_message(["client@example.com"])
    with pytest.raises(aiosmtplib.SMTPDataError) as caught:
        send(mta, message)
    assert caught.value.code == 451
    assert mta.deliveries == []
    send(mta, message)
    assert mta.data_attempts == 2 and len(mta.deliveries) == 1


def test_mta_drop_looks_like_a_lost_connection(make_mta: Callable[..., LocalMTA]) -> None:
    mta = make_mta(data_replies=[DROP])
    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        send(mta, email_message(["client@example.com"]))
    assert mta.deliveries == [] and mta.data_attempts == 1
    assert mta.log_path is not None and deliveries_from_log(mta.log_path) == []


def test_mta_on_data_can_reject_by_content(make_mta: Callable[..., LocalMTA]) -> None:
    def spam_filter(envelope: Any) -> str | None:
        return "554 5.7.1 looks like spam" if b"lottery" in envelope.original_content else None

    mta = make_mta(on_data=spam_filter)
    with pytest.raises(aiosmtplib.SMTPDataError) as caught:
        send(mta, email_message(["client@example.com"], subject="You won the lottery"))
    assert caught.value.code == 554
    send(mta, email_message(["client@example.com"]))
    assert len(mta.deliveries) == 1


def test_mta_after_accept_runs_when_logged_but_before_the_client_hears(
    make_mta: Callable[..., LocalMTA],
) -> None:
    client_done = threading.Event()
    seen: list[tuple[int, bool]] = []

    def after_accept(delivery: Delivery) -> None:
        assert mta.log_path is not None
        seen.append((len(deliveries_from_log(mta.log_path)), client_done.is_set()))

    mta = make_mta(after_accept=after_accept)
    send(mta, email_message(["client@example.com"]))
    client_done.set()
    assert seen == [(1, False)]


def test_mta_slow_reply_leaves_the_client_unsure_but_the_mail_accepted(
    make_mta: Callable[..., LocalMTA],
) -> None:
    mta = make_mta(data_delay=2.0)
    with pytest.raises(aiosmtplib.SMTPTimeoutError):
        send(mta, email_message(["client@example.com"]), timeout=0.5)
    assert len(mta.deliveries) == 1  # accepted: resending blindly would duplicate it


def test_mta_auth(make_mta: Callable[..., LocalMTA]) -> None:
    mta = make_mta(auth=("owner@example.com", "s3cret"))
    send(
        mta, email_message(["client@example.com"]), username="owner@example.com", password="s3cret"
    )
    assert mta.deliveries[0].auth_user == "owner@example.com"
    with pytest.raises(aiosmtplib.SMTPAuthenticationError):
        send(mta, email_message(["client@example.com"]), username="owner@example.com", password="x")
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as caught:
        send(mta, email_message(["client@example.com"]))
    assert caught.value.code == 530


def test_mta_implicit_tls(make_mta: Callable[..., LocalMTA]) -> None:
    mta = make_mta(tls="ssl", auth=("owner", "pw"))
    assert mta.ca_path is not None and mta.ca_path.exists()
    send(
        mta,
        email_message(["client@example.com"]),
        use_tls=True,
        tls_context=mta.client_ssl_context(),
        username="owner",
        password="pw",
    )
    assert mta.deliveries[0].tls
    untrusting = ssl.create_default_context()  # the system CAs do not know the lab CA
    with pytest.raises((aiosmtplib.SMTPException, ssl.SSLError)):
        send(mta, email_message(["client@example.com"]), use_tls=True, tls_context=untrusting)


def test_mta_starttls(make_mta: Callable[..., LocalMTA]) -> None:
    mta = make_mta(tls="starttls")
    send(
        mta,
        email_message(["client@example.com"]),
        start_tls=True,
        tls_context=mta.client_ssl_context(),
    )
    assert mta.deliveries[0].tls
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as caught:  # STARTTLS is required
        send(mta, email_message(["client@example.com"]), start_tls=False)
    assert caught.value.code == 530


def test_mta_restart_keeps_its_port(make_mta: Callable[..., LocalMTA]) -> None:
    mta = make_mta()
    port = mta.port
    mta.stop()
    with pytest.raises(aiosmtplib.SMTPConnectError):
        send(mta, email_message(["client@example.com"]))
    mta.start()
    assert mta.port == port
    send(mta, email_message(["client@example.com"]))
    assert len(mta.deliveries) == 1


def test_deliveries_from_log_skips_a_torn_last_line(mta: LocalMTA) -> None:
    send(mta, email_message(["client@example.com"]))
    assert mta.log_path is not None
    with mta.log_path.open("a") as log:
        log.write('{"mail_from": "half a line')  # what a kill -9 mid-write leaves
    assert len(deliveries_from_log(mta.log_path)) == 1
    assert deliveries_from_log(mta.log_path.with_name("absent.jsonl")) == []


def test_mta_wait_for_deliveries_times_out_clearly(mta: LocalMTA) -> None:
    with pytest.raises(LabError, match="expected 1"):
        mta.wait_for_deliveries(1, timeout=0.1)


def test_lab_servers_run_side_by_side(make_dovecot: Callable[..., Dovecot]) -> None:
    first, second = make_dovecot(), make_dovecot()
    assert first.port != second.port
    assert os.path.commonpath([first.root, second.root]) != str(first.root)
