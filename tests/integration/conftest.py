"""Fixtures for tests against real servers: a private Dovecot, pymap, and a local MTA.

- `dovecot`: one Dovecot for the session (maildir, IDLE notifications every second).
  Tests must not stop it; use `make_dovecot` for an instance of your own.
- `imap_account`: a fresh user on it, i.e. a fresh empty mailbox (INBOX, Sent, ...).
- `imap_client(account)`: a logged-in IMAPClient, logged out after the test.
- `make_dovecot(**kwargs)`: a private, started Dovecot, stopped after the test.
- `mta`: a started LocalMTA logging to `tmp_path / "mta.jsonl"`; `make_mta(**kwargs)`
  for one with faults, TLS or AUTH.
- `new_user(hint)`: a unique user name; `dovecot_required`: skip/fail without Dovecot.
- `pymap_server`: one pymap for the session (skipped if pymap cannot be imported).

Every test in this folder is marked `integration`. A missing Dovecot skips the Dovecot
tests, except under CI or with MAILWATCH_REQUIRE_DOVECOT set, where it fails them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from mailwatch.lab.account import Account, imap_login
from mailwatch.lab.dovecot import Dovecot
from mailwatch.lab.mta import LocalMTA

_HERE = Path(__file__).resolve().parent
_user_numbers = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The hook sees the whole session's items: mark only the ones in this folder.
    for item in items:
        if _HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.integration)


def require_dovecot() -> None:
    """Skip without Dovecot; but under CI a missing Dovecot is a failure, not a skip."""
    if Dovecot.available():
        return
    if os.environ.get("CI") or os.environ.get("MAILWATCH_REQUIRE_DOVECOT"):
        pytest.fail(
            f"{Dovecot.missing_reason()}. CI or MAILWATCH_REQUIRE_DOVECOT is set, "
            "so the Dovecot tests must run here.",
            pytrace=False,
        )
    pytest.skip(Dovecot.missing_reason())


def fresh_user(hint: str = "user") -> str:
    """A user name no other test uses (a fresh mailbox on a shared Dovecot)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", hint).strip("-.")[:40] or "user"
    return f"u{os.getpid()}-{next(_user_numbers)}-{cleaned}"


@pytest.fixture
def new_user() -> Callable[[str], str]:
    """`new_user("alice")`: a user name no other test uses."""
    return fresh_user


@pytest.fixture
def dovecot_required() -> None:
    """For tests that build their own Dovecot: skip (or fail under CI) without one."""
    require_dovecot()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    require_dovecot()
    with Dovecot(idle_notify_seconds=1) as server:
        yield server


@pytest.fixture
def imap_account(dovecot: Dovecot, request: pytest.FixtureRequest) -> Account:
    return dovecot.account(fresh_user(request.node.name))


@pytest.fixture
def imap_client() -> Iterator[Callable[[Account], IMAPClient]]:
    clients: list[IMAPClient] = []

    def connect(account: Account) -> IMAPClient:
        client = imap_login(account)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        with contextlib.suppress(Exception):
            client.logout()


@pytest.fixture
def make_dovecot() -> Iterator[Callable[..., Dovecot]]:
    require_dovecot()
    servers: list[Dovecot] = []

    def make(**kwargs: Any) -> Dovecot:
        server = Dovecot(**kwargs)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def make_mta(tmp_path: Path) -> Iterator[Callable[..., LocalMTA]]:
    servers: list[LocalMTA] = []

    def make(**kwargs: Any) -> LocalMTA:
        kwargs.setdefault("log_path", tmp_path / f"mta-{len(servers)}.jsonl")
        server = LocalMTA(**kwargs)
        servers.append(server)
        server.start()
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def mta(make_mta: Callable[..., LocalMTA], tmp_path: Path) -> LocalMTA:
    return make_mta(log_path=tmp_path / "mta.jsonl")


@pytest.fixture(scope="session")
def pymap_server() -> Iterator[Any]:
    pytest.importorskip("pymap.main", reason="pymap is not installed")
    from mailwatch.lab.pymap_server import PymapServer

    with PymapServer() as server:
        yield server
