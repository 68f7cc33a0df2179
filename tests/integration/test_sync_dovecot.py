"""The sync pipeline against a real Dovecot: big first sync, quiet re-sync, read-only
guarantees, UIDVALIDITY renumbering, mail delivered while the server was down, a sync
broken off half-way, and the real-world mail corpus.

Everything goes through the product's own wiring (App builds ImapMailbox from Settings,
the password comes from `password_env`); the only wrapper is `Instrumented`, which passes
every call to the real ImapMailbox, counting calls and, when asked, failing one of them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from mailwatch.clock import FixedClock
from mailwatch.config.model import Client, Config, Settings
from mailwatch.errors import ConnectionFailed
from mailwatch.imap.base import FetchedMessage, FolderStatus, Mailbox
from mailwatch.imap.client import ImapMailbox
from mailwatch.lab.account import Account, imap_login
from mailwatch.lab.dovecot import Dovecot
from mailwatch.lab.messages import make_email
from mailwatch.pipeline import sync as sync_module
from mailwatch.pipeline.app import App
from mailwatch.store import MessageRecord, Store

PASSWORD_ENV = "MW_TEST_SYNC_IMAP_PASSWORD"
SAM = ("Sam Rivera", "sam@studio.test")
JANE = ("Jane Doe", "jane@acme.test")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # the owner asks a question
THURSDAY = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)  # 10:00 in New York: one follow-up due
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "mail-corpus"

# -- building blocks -------------------------------------------------------------------


def settings_for(account: Account, tmp_path: Path) -> Settings:
    """The unit tests' settings, with [imap] pointed at the lab account (SPECIAL-USE Sent)."""
    config = Config(
        owner={
            "name": "Sam Rivera",
            "email": "sam@studio.test",
            "timezone": "Europe/Paris",
            "country": "FR",
            "signature": "Sam Rivera — Rivera Social",
        },
        imap={
            "host": "127.0.0.1",
            "port": account.port,
            "security": "none",
            "username": account.username,
            "password_env": PASSWORD_ENV,
        },
        store={"path": str(tmp_path / "state.json")},
    )
    clients = {
        "acme": Client(name="Acme Bakery", emails=["jane@acme.test"], timezone="America/New_York"),
        "bistro": Client(name="Bistro Lune", emails=["chef@lune.test"], language="fr"),
    }
    return Settings(config, clients, tmp_path / "config.toml")


class Instrumented:
    """The real ImapMailbox, every call passed through; counts calls, can fail one FETCH.

    Fault injection, not a mock: the data all comes from Dovecot. `fail_fetch_on=3` makes
    the third fetch_headers call raise ConnectionError, as a dropped connection would.
    """

    def __init__(self, inner: ImapMailbox, *, fail_fetch_on: int | None = None) -> None:
        self.inner = inner
        self.fail_fetch_on = fail_fetch_on
        self.calls: Counter[str] = Counter()
        self.fetched: list[list[int]] = []  # the UID batches of every fetch_headers call

    def connect(self) -> None:
        self.inner.connect()

    def close(self) -> None:
        self.inner.close()

    def sent_folder(self) -> str:
        self.calls["sent_folder"] += 1
        return self.inner.sent_folder()

    def status(self, folder: str) -> FolderStatus:
        self.calls["status"] += 1
        return self.inner.status(folder)

    def uids_after(self, folder: str, last_uid: int) -> list[int]:
        self.calls["uids_after"] += 1
        return self.inner.uids_after(folder, last_uid)

    def fetch_headers(self, folder: str, uids: Sequence[int]) -> list[FetchedMessage]:
        self.calls["fetch_headers"] += 1
        if self.calls["fetch_headers"] == self.fail_fetch_on:
            self.inner.discard()  # the connection really is gone afterwards
            raise ConnectionError("injected: connection reset during FETCH")
        self.fetched.append(list(uids))
        return self.inner.fetch_headers(folder, uids)

    def fetch_text(self, folder: str, uids: Sequence[int], limit: int) -> dict[int, bytes]:
        self.calls["fetch_text"] += 1
        return self.inner.fetch_text(folder, uids, limit)

    def find_message_id(self, folder: str, message_id: str) -> list[int]:
        self.calls["find_message_id"] += 1
        return self.inner.find_message_id(folder, message_id)

    def append(self, folder: str, raw: bytes, when: datetime) -> None:
        self.calls["append"] += 1
        self.inner.append(folder, raw, when)


class Runs:
    """Builds Apps on one account; each `app()` is like one CLI run (a new connection)."""

    def __init__(self, account: Account, tmp_path: Path) -> None:
        self.account = account
        self.settings = settings_for(account, tmp_path)
        self.store = Store(self.settings.store_path)
        self.clock = FixedClock(THURSDAY)
        self._apps: list[App] = []

    def app(self, mailbox: Mailbox | None = None) -> App:
        app = App(self.settings, self.store, self.clock, mailbox=mailbox)
        self._apps.append(app)
        return app

    def imap(self) -> ImapMailbox:
        """A real mailbox built the way App builds it (config + password_env)."""
        return self.app().new_mailbox()

    def close(self) -> None:
        for app in self._apps:
            app.close()
        self.store.close()

    # What the store holds, for the assertions.
    def records(self, folder: str | None = None) -> list[MessageRecord]:
        return [r for r in self.store.all_messages() if folder is None or r.folder == folder]

    def assert_each_once(self, expected_mids: set[str]) -> None:
        records = self.records()
        keys = [r.key for r in records]
        mids = Counter(r.message_id for r in records)
        assert len(keys) == len(set(keys)), "a message key is stored twice"
        duplicated = sorted(mid for mid, n in mids.items() if n > 1)
        assert not duplicated, f"recorded more than once: {duplicated[:5]}"
        missing = sorted(expected_mids - set(mids))
        assert not missing, f"{len(missing)} messages never recorded, e.g. {missing[:5]}"
        assert set(mids) == expected_mids, f"unexpected records: {set(mids) - expected_mids}"


@pytest.fixture
def runs_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[Account], Runs]]:
    monkeypatch.setenv(PASSWORD_ENV, Dovecot.PASSWORD)
    made: list[Runs] = []

    def make(account: Account) -> Runs:
        runs = Runs(account, tmp_path / f"ws{len(made)}")
        made.append(runs)
        return runs

    yield make
    for runs in made:
        runs.close()


def bulk(n: int, when: datetime, *, folder: str = "INBOX", client: bool = False) -> bytes:
    """A small plain message (built by hand: make_email is too slow for thousands)."""
    other = JANE if client else ("Newsletter", f"news{n % 7}@elsewhere.test")
    sender, to = (SAM, other) if folder == "Sent" else (other, SAM)
    return (
        f"From: {sender[0]} <{sender[1]}>\r\n"
        f"To: {to[0]} <{to[1]}>\r\n"
        f"Subject: Update {n}\r\n"
        f"Date: {format_datetime(when)}\r\n"
        f"Message-ID: {bulk_mid(n, folder)}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n"
        f"\r\n"
        f"Update number {n}. Could you have a look?\r\n"
    ).encode()


def bulk_mid(n: int, folder: str) -> str:
    return f"<bulk{n}.{folder.lower()}@mailwatch.test>"


def seed(
    dovecot: Dovecot,
    account: Account,
    folder: str,
    numbers: range,
    *,
    days: int = 200,
    client_every: int = 5,
) -> set[str]:
    """APPEND messages numbered `numbers` to `folder` (dates spread over `days` before
    THURSDAY, so some are recent enough to have their text fetched; every
    `client_every`-th one with the client, 0 for none); return the Message-IDs of those
    mailwatch stores (the client's: other mail is read and not kept)."""
    span = len(numbers) or 1
    items = []
    for i, n in enumerate(numbers):
        when = THURSDAY - timedelta(days=days) + timedelta(days=days) * i / span
        client = bool(client_every) and n % client_every == 0
        items.append((bulk(n, when, folder=folder, client=client), when))
    uids = dovecot.append_many(account, folder, items)
    assert len(uids) == len(items), f"Dovecot stored {len(uids)} of {len(items)} in {folder}"
    return {bulk_mid(n, folder) for n in numbers if client_every and n % client_every == 0}


def ask_raw() -> bytes:
    """The owner's question from tests/unit/test_pipeline.py: one follow-up on Thursday."""
    return make_email(
        sender=SAM,
        to=[JANE],
        subject="Logo for the December posts",
        body="Could you send the logo files?",
        date=MONDAY,
        message_id="<ask1@studio.test>",
    )


def folder_status(account: Account, folder: str) -> FolderStatus:
    client = imap_login(account)
    try:
        data = client.folder_status(folder, [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"])
    finally:
        client.logout()
    return FolderStatus(int(data[b"UIDVALIDITY"]), int(data[b"UIDNEXT"]), int(data[b"MESSAGES"]))


# -- big first sync, quiet second sync, incremental third ------------------------------


def test_big_first_sync_then_quiet_then_incremental(
    dovecot: Dovecot, imap_account: Account, runs_for: Callable[[Account], Runs]
) -> None:
    expected = seed(dovecot, imap_account, "INBOX", range(1100))
    expected |= seed(dovecot, imap_account, "Sent", range(150))
    runs = runs_for(imap_account)
    mailbox = Instrumented(runs.imap())
    app = runs.app(mailbox)

    report = app.sync()
    # Every fifth message is the client's: only those are stored; the rest is read once.
    assert (report.new, report.other, report.quarantined) == (250, 1000, 0), report.folders
    runs.assert_each_once(expected)
    # 1,100 INBOX UIDs need three FETCHes of at most 500, Sent one.
    assert [len(batch) for batch in mailbox.fetched] == [500, 500, 100, 150], mailbox.fetched
    for folder, count in (("INBOX", 1100), ("Sent", 150)):
        state = runs.store.folder_state(folder)
        status = folder_status(imap_account, folder)
        assert state is not None, f"no cursor for {folder}"
        assert (state.last_uid, state.uidnext) == (count, status.uidnext), state
        assert state.uidvalidity == status.uidvalidity
    # Recent messages had their text read; old ones only feed statistics.
    recent = [r for r in runs.records() if r.snippet]
    assert 0 < len(recent) < 250, "text should be fetched for recent mail only"
    assert runs.store.texts(recent).keys() == {r.key for r in recent}  # the text store

    # Nothing new: one STATUS per folder, no SEARCH, no FETCH, no write.
    calls, writes = Counter(mailbox.calls), runs.store.writes
    quiet = app.sync()
    assert quiet.new == 0 and not quiet.changed, quiet.folders
    fetches = mailbox.calls["fetch_headers"] - calls["fetch_headers"]
    assert fetches == 0, f"a quiet sync fetched {fetches} times"
    assert mailbox.calls["uids_after"] == calls["uids_after"], "a quiet sync searched"
    assert mailbox.calls["status"] - calls["status"] == 2
    assert runs.store.writes == writes, "a quiet sync wrote the state file"

    # New mail afterwards: only it is fetched, and recorded once.
    expected |= seed(dovecot, imap_account, "INBOX", range(1100, 1107), days=1)
    expected |= seed(dovecot, imap_account, "Sent", range(150, 152), days=1)
    batches_before = len(mailbox.fetched)
    report = app.sync()
    assert (report.new, report.other) == (3, 6), report.folders  # 1100, 1105, Sent 150
    assert mailbox.fetched[batches_before:] == [list(range(1101, 1108)), [151, 152]]
    runs.assert_each_once(expected)
    assert app.sync().new == 0, "the sync after the incremental one should be quiet again"


# -- the mailbox is never modified -----------------------------------------------------


def snapshot(account: Account) -> dict[str, Any]:
    """Every message's FLAGS and each folder's counters, read with EXAMINE from a separate
    connection. \\Recent is kept on purpose: a read-write SELECT by the sync would claim it
    (measured on Dovecot 2.3), so it shows a non-read-only select."""
    client: IMAPClient = imap_login(account)
    try:
        state: dict[str, Any] = {}
        for folder in ("INBOX", "Sent"):
            status = client.folder_status(
                folder, [b"MESSAGES", b"UIDNEXT", b"UNSEEN", b"UIDVALIDITY", b"HIGHESTMODSEQ"]
            )
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            flags = client.fetch(uids, ["FLAGS"]) if uids else {}
            state[folder] = {
                "status": dict(status),
                "flags": {uid: tuple(sorted(data[b"FLAGS"])) for uid, data in flags.items()},
            }
            client.unselect_folder()
        return state
    finally:
        client.logout()


def test_sync_and_evaluate_never_modify_the_mailbox(
    dovecot: Dovecot, imap_account: Account, runs_for: Callable[[Account], Runs]
) -> None:
    recent = THURSDAY - timedelta(days=2)  # recent: the sync also reads the text
    groups: list[tuple[str, list[str], int]] = [
        ("INBOX", [], 3),
        ("INBOX", ["\\Seen"], 2),
        ("INBOX", ["\\Flagged"], 1),
        ("INBOX", ["\\Answered"], 1),
        ("INBOX", ["\\Seen", "\\Answered"], 2),
        ("INBOX", ["\\Seen", "\\Flagged"], 1),
        ("Sent", ["\\Seen"], 3),
        ("Sent", [], 1),
        ("Sent", ["\\Seen", "\\Answered"], 1),
    ]
    n = 0
    for folder, flags, count in groups:
        raws = []
        for _ in range(count):
            raws.append((bulk(n, recent, folder=folder, client=True), recent))
            n += 1
        dovecot.append_many(imap_account, folder, raws, flags=flags)
    dovecot.append_many(imap_account, "Sent", [(ask_raw(), MONDAY)], flags=["\\Seen"])
    dovecot.append_many(imap_account, "INBOX", [(bulk(n, recent, client=True), recent)])

    before = snapshot(imap_account)
    assert before["INBOX"]["status"][b"UNSEEN"] == 6, before["INBOX"]["status"]
    # Fresh APPENDs are \Recent until a read-write SELECT claims them: checked below.
    assert any(b"\\Recent" in f for f in before["INBOX"]["flags"].values())

    runs = runs_for(imap_account)
    app = runs.app()
    report = app.sync()
    assert report.new == 17, report.folders
    assert any(r.snippet for r in runs.records()), "the text (BODY.PEEK[TEXT]) was not read"
    app.evaluate()
    app.sync()

    after = snapshot(imap_account)
    for folder in ("INBOX", "Sent"):
        assert after[folder]["status"] == before[folder]["status"], (
            f"{folder} STATUS changed: {before[folder]['status']} -> {after[folder]['status']}"
        )
        changed = {
            uid: (flags, after[folder]["flags"].get(uid))
            for uid, flags in before[folder]["flags"].items()
            if after[folder]["flags"].get(uid) != flags
        }
        assert not changed, f"{folder} flags changed (uid: before, after): {changed}"
    assert after == before


# -- UIDVALIDITY change ----------------------------------------------------------------


def forget_uids(dovecot: Dovecot, user: str, folders: Sequence[str]) -> None:
    """With Dovecot stopped: drop the UID list and indexes, so it renumbers at start."""
    maildir = dovecot.home(user) / "Maildir"
    for folder in folders:
        path = maildir if folder == "INBOX" else maildir / f".{folder}"
        doomed = [path / "dovecot-uidlist", *path.glob("dovecot.index*")]
        assert (path / "dovecot-uidlist").exists(), f"no UID list in {path}"
        for file in doomed:
            file.unlink(missing_ok=True)


def test_uidvalidity_change_rematches_by_message_id(
    make_dovecot: Callable[..., Dovecot], runs_for: Callable[[Account], Runs]
) -> None:
    server = make_dovecot()
    account = server.account("sam")
    # Other correspondents only: the client's thread is the one question below.
    history = seed(server, account, "INBOX", range(40), days=60, client_every=0)
    history |= seed(server, account, "Sent", range(10), days=60, client_every=0)
    server.append_many(account, "Sent", [(ask_raw(), MONDAY)], flags=["\\Seen"])
    # No Message-ID: it is matched by its fingerprint (From, Date, Subject) instead.
    no_id = (
        b"From: chef@lune.test\r\nSubject: Menu\r\n"
        b"Date: Mon, 2 Nov 2026 08:00:00 +0000\r\n\r\nHi\r\n"
    )
    server.append_many(account, "INBOX", [(no_id, MONDAY)])

    runs = runs_for(account)
    app = runs.app()
    app.sync()
    # The follow-up to the question, and a holding reply: the chef's message has waited
    # for an answer past the reply promise.
    created = sorted(app.evaluate().created)
    kinds = sorted(runs.store.draft(d).kind for d in created)
    assert kinds == ["follow_up", "holding_reply"], kinds
    count = runs.store.message_count()
    assert count == 2  # the question and the client's message; other mail is not kept
    old = {f: folder_status(account, f).uidvalidity for f in ("INBOX", "Sent")}

    server.stop()
    forget_uids(server, "sam", ["INBOX", "Sent"])
    server.start()
    new = {f: folder_status(account, f).uidvalidity for f in ("INBOX", "Sent")}
    assert all(new[f] != old[f] for f in old), f"Dovecot kept its UIDVALIDITY: {old} {new}"

    runs.clock.set(THURSDAY + timedelta(minutes=5))
    app = runs.app()  # a new run: the old connection died with the server
    report = app.sync()
    assert [f.renumbered for f in report.folders] == [True, True], report.folders
    assert report.new == 0, f"re-found messages were recorded again: {report.folders}"
    assert runs.store.message_count() == count, "duplicate records after renumbering"
    for record in runs.records():
        assert record.uidvalidity == new[record.folder], record.key
        assert record.key == f"{record.folder}/{new[record.folder]}/{record.uid}"
    for folder in ("INBOX", "Sent"):
        state = runs.store.folder_state(folder)
        status = folder_status(account, folder)
        assert state is not None and state.uidvalidity == new[folder]
        assert (state.last_uid, state.uidnext) == (status.uidnext - 1, status.uidnext), state
    assert {r.message_id for r in runs.records()} >= history | {"<ask1@studio.test>"}

    again = app.evaluate()
    assert again.created == [], f"drafted again after renumbering: {again.created}"
    drafts = runs.store.drafts()
    assert sorted(d.id for d in drafts) == created
    assert all(d.status == "pending" for d in drafts)

    # And the new cursor works: later mail is picked up once.
    seed(server, account, "INBOX", range(40, 43), days=0, client_every=1)
    assert app.sync().new == 3
    assert runs.store.message_count() == count + 3


# -- mail delivered while the server (and we) were down --------------------------------


def test_mail_delivered_while_disconnected_is_recorded(
    make_dovecot: Callable[..., Dovecot], runs_for: Callable[[Account], Runs]
) -> None:
    server = make_dovecot()
    account = server.account("sam")
    expected = seed(server, account, "INBOX", range(5), days=10, client_every=1)
    runs = runs_for(account)
    app = runs.app()  # one long-lived App, like the daemon
    assert app.sync().new == 5

    server.stop()
    late = THURSDAY - timedelta(hours=1)
    server.deliver("sam", "INBOX", bulk(100, late, client=True), when=late)  # unseen
    server.deliver("sam", "INBOX", bulk(101, late, client=True), flags="\\Seen", when=late)
    server.deliver(
        "sam", "Sent", bulk(102, late, folder="Sent", client=True), flags="\\Seen", when=late
    )
    expected |= {bulk_mid(100, "INBOX"), bulk_mid(101, "INBOX"), bulk_mid(102, "Sent")}
    server.start()

    # The old connection died with the server: the first attempt says so (the daemon
    # then reconnects), the next one opens a new connection and catches up.
    with pytest.raises(ConnectionFailed):
        app.sync()
    report = app.sync()
    assert report.new == 3, report.folders
    runs.assert_each_once(expected)
    # The cursor written right after the reconnect is complete (UIDNEXT and
    # HIGHESTMODSEQ), so the next cycle is quiet: no SEARCH, no write.
    writes = runs.store.writes
    assert app.sync().new == 0
    assert runs.store.writes == writes, "the first cycle after a reconnect wrote again"
    for folder in ("INBOX", "Sent"):
        state = runs.store.folder_state(folder)
        assert state is not None and state.highestmodseq is not None, state


# -- a sync broken off half-way resumes ------------------------------------------------


@pytest.mark.parametrize("commit_every", [500, sync_module.COMMIT_EVERY])
def test_interrupted_first_sync_resumes_without_loss_or_duplicates(
    dovecot: Dovecot,
    imap_account: Account,
    runs_for: Callable[[Account], Runs],
    monkeypatch: pytest.MonkeyPatch,
    commit_every: int,
) -> None:
    # 500: two batches are durable before the failure; default: nothing is yet.
    monkeypatch.setattr(sync_module, "COMMIT_EVERY", commit_every)
    expected = seed(dovecot, imap_account, "INBOX", range(1200), client_every=1)
    runs = runs_for(imap_account)

    broken = Instrumented(runs.imap(), fail_fetch_on=3)
    with pytest.raises(ConnectionError, match="injected"):
        runs.app(broken).sync()
    committed = 1000 if commit_every == 500 else 0
    assert runs.store.message_count() == committed
    state = runs.store.folder_state("INBOX")
    if committed:
        assert state is not None and state.last_uid == committed
        assert state.uidnext is None, "a partial sync must not look complete"
    else:
        assert state is None

    good = Instrumented(runs.imap())
    report = runs.app(good).sync()
    assert report.new == 1200 - committed, report.folders
    runs.assert_each_once(expected)
    fetched = [uid for batch in good.fetched for uid in batch]
    assert fetched == list(range(committed + 1, 1201)), "resumed from the wrong place"
    status = folder_status(imap_account, "INBOX")
    state = runs.store.folder_state("INBOX")
    assert state is not None
    assert (state.last_uid, state.uidnext) == (1200, status.uidnext), state


# -- the real-world corpus -------------------------------------------------------------

_FROM_FIELD = re.compile(rb"^From:[^\n]*\n(?:[ \t][^\n]*\n)*", re.IGNORECASE | re.MULTILINE)


def as_client(raw: bytes) -> bytes | None:
    """The message with its From field (continuation lines too) replaced by the client's;
    None if its header has no From field."""
    blank = re.search(rb"(\r?\n)\r?\n", raw)
    end = blank.end(1) if blank else len(raw)  # the header block with its last line end
    header, rest = raw[:end], raw[end:]
    eol = b"\r\n" if b"\r\n" in header else b"\n"
    replaced, count = _FROM_FIELD.subn(
        lambda _m: b"From: Jane Doe <jane@acme.test>" + eol, header, count=1
    )
    return replaced + rest if count else None


def test_real_world_corpus_is_recorded_or_quarantined(
    dovecot: Dovecot, imap_account: Account, runs_for: Callable[[Account], Runs]
) -> None:
    paths = sorted(CORPUS.rglob("*.eml")) if CORPUS.is_dir() else []
    if not paths:
        pytest.skip(f"the shared mail corpus is not at {CORPUS} (it lives beside the project)")
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)  # INTERNALDATE, the fallback date
    items: list[tuple[bytes, datetime]] = []
    as_jane: set[int] = set()  # positions (UID - 1) rewritten as the client's mail
    for i, path in enumerate(paths):
        raw = path.read_bytes()
        rewritten = as_client(raw) if i % 3 == 0 else None
        if rewritten is not None:
            as_jane.add(i)
        items.append((rewritten or raw, when))
    # The corpus parses (the parser is lenient), so two messages nobody can track are
    # added in the middle, to see the quarantine path end to end and the batch go on.
    unreadable = [
        b"From: <<<>>>\r\nSubject: no address at all\r\nMessage-ID: <bad1@x.test>\r\n\r\nx\r\n",
        b"From: \r\nSubject: empty From\r\nMessage-ID: <bad2@x.test>\r\n\r\nx\r\n",
    ]
    middle = len(items) // 2
    items[middle:middle] = [(raw, when) for raw in unreadable]
    as_jane = {i + len(unreadable) if i >= middle else i for i in as_jane}
    uids = dovecot.append_many(imap_account, "INBOX", items)
    assert uids == list(range(1, len(items) + 1)), "Dovecot refused some of the corpus"

    runs = runs_for(imap_account)
    app = runs.app()
    report = app.sync()  # must not raise

    records = runs.records("INBOX")
    quarantined = runs.store.quarantined()
    recorded_uids = {r.uid for r in records}
    quarantined_uids = {q["uid"] for q in quarantined}
    assert not recorded_uids & quarantined_uids, "a message both recorded and quarantined"
    assert len(records) + report.other + len(quarantined) == len(items), (
        f"{len(items)} appended, {len(records)} recorded + {report.other} not a client's + "
        f"{len(quarantined)} quarantined"
    )
    assert report.new == len(records) and report.quarantined == len(quarantined)
    blank = [q["key"] for q in quarantined if not str(q.get("reason", "")).strip()]
    assert not blank, f"quarantined without a reason: {blank}"
    planted = {middle + 1, middle + 2}
    assert planted <= quarantined_uids, f"unreadable UIDs {planted} were not quarantined"
    assert runs.store.folder_state("INBOX").last_uid == len(items), "the batch stopped early"

    # The client's messages are attributed to the client, and only they are kept.
    jane_keys = {r.key for r in records if r.uid - 1 in as_jane}
    assert jane_keys == {r.key for r in records}, "a message not the client's was kept"
    assert all(r.from_addr == "jane@acme.test" for r in records if r.key in jane_keys)
    window = app.index.window(
        "acme", datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    )
    # The index holds the rules' window; older mail reaches status through the aggregates.
    since = app.window_start()
    assert {m.key for m in window} == {r.key for r in records if r.date >= since}
    assert all(m.direction == "in" for m in window)
    [acme] = [s for s in app.statuses() if s.client == "acme"]
    contact = [
        r.date
        for r in records
        if r.key in jane_keys and r.not_contact is None and r.date <= THURSDAY
    ]
    if contact:
        assert acme.last_inbound is not None, "the client's mail did not reach its status"
    app.evaluate()  # the rules run on whatever the corpus left in the store

    reasons = Counter(q["reason"].split(":")[0] for q in quarantined)
    print(
        f"\ncorpus: {len(items)} appended ({len(paths)} files, {len(as_jane)} as the client, "
        f"{len(unreadable)} unreadable on purpose), "
        f"{len(records)} recorded ({len(jane_keys)} attributed to acme, "
        f"{sum(1 for r in records if r.not_contact)} not contact), "
        f"{len(quarantined)} quarantined: {dict(reasons)}"
    )
    for entry in quarantined:
        print(f"  quarantined uid {entry['uid']}: {entry['reason']}")
