"""pymap (pure-Python IMAP server) as a zero-setup stand-in for Dovecot in the demo.

    with PymapServer() as server:
        account = server.account("alice")   # any user name, password PymapServer.PASSWORD
        server.append_many(account, "INBOX", [raw1, (raw2, when)])

Runs `python -m mailwatch.lab.pymap_main --host 127.0.0.1 --port N --no-tls dict
--demo-password PASSWORD` in its own process group: pymap's in-memory `dict` backend,
wrapped so any user name logs in with the one password and gets a fresh, empty mailbox
(stock pymap knows a single `--demo-user`). Demo data is NOT loaded (pymap loads it only
with `--demo-data`), so INBOX starts empty; `account()` creates Sent, Drafts and Trash.

Checked against pymap 0.36.7 with imapclient 4.1:
- works: LOGIN, LIST, CREATE, SELECT/EXAMINE, APPEND (keeps bytes and INTERNALDATE),
  MULTIAPPEND, LITERAL+, UIDPLUS (APPENDUID), FETCH, SEARCH, STORE, MOVE, IDLE.
- missing: CONDSTORE, QRESYNC, ENABLE, SPECIAL-USE (find Sent by name, not by
  `find_special_folder`).
- quirks: UIDs in a new folder start at 101, not 1; `BODY[HEADER.FIELDS (...)]` comes
  back with the field names sorted alphabetically; APPEND is slow unless the client
  sets TCP_NODELAY (the bulk loader does); imapclient's `idle_check` sometimes fails
  with "unterminated line"; ~1 GB RSS at 20,000 messages.
- everything is in memory: stop() or restart() loses all mail and users' folders.
- start to greeting takes ~0.4-0.6 s (Python imports); ~150 MB RSS after 6,000 messages.
- a wrong password costs no delay for later logins (unlike Dovecot's auth penalty).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Sequence
from pathlib import Path

from mailwatch.lab import imap_load
from mailwatch.lab.account import Account, LabError, LabServer
from mailwatch.lab.ports import LOOPBACK, free_port, greets
from mailwatch.lab.process import file_size, group_members, kill_group, read_tail, stop_group

_PORT_TAKEN = "Address already in use"
_FOLDERS = ("Sent", "Drafts", "Trash")


class PymapStartError(LabError):
    """pymap did not come up; the message carries its output."""


class PymapServer(LabServer):
    """A pymap IMAP server on a free loopback port. See the module docstring."""

    PASSWORD = "lab-password"
    host = LOOPBACK

    def __init__(self, *, start_timeout: float = 20.0) -> None:
        self.start_timeout = start_timeout
        self.port = 0  # chosen at first start, kept by restart()
        self._dir = Path(tempfile.mkdtemp(prefix="mailwatch-pymap-"))
        weakref.finalize(self, shutil.rmtree, self._dir, ignore_errors=True)
        self.log_path = self._dir / "pymap.log"
        # pymap puts $FQDN in its greeting: a token there proves we reached this instance.
        self._token = f"mailwatch-lab-{secrets.token_hex(6)}"
        self._process: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize | None = None

    @staticmethod
    def available() -> bool:
        """True if pymap can be imported (it is a dependency, so normally yes)."""
        try:
            import pymap.main  # noqa: F401
        except ImportError:
            return False
        return True

    # -- lifecycle --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start pymap and wait for its greeting. No-op when already running."""
        if self.running:
            return
        keep_port = self.port != 0
        for _ in range(1 if keep_port else 5):
            if not keep_port:
                self.port = free_port()
            if self._try_start():
                return
        raise PymapStartError(
            f"pymap could not listen on {self.host}:{self.port}: the port is taken.\n"
            f"output:\n{read_tail(self.log_path)}"
        )

    def stop(self) -> None:
        """Stop the server. All mail is lost: the dict backend lives in memory."""
        if self._process is None:
            return
        stop_group(self._process)
        self._forget_process()

    def _forget_process(self) -> None:
        self._process = None
        if self._finalizer is not None:
            self._finalizer.detach()  # its pid may be recycled by an unrelated process
            self._finalizer = None

    def restart(self) -> None:
        """Stop and start on the same port. Unlike Dovecot, the mailboxes come back empty."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def process_ids(self) -> list[int]:
        return group_members(self._process.pid) if self._process is not None else []

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "mailwatch.lab.pymap_main",
            "--pid-file",  # only used if the optional `pid` package is installed
            str(self._dir / "pymap.pid"),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--no-tls",  # else it offers STARTTLS, which clients may try
            "dict",
            "--demo-password",
            self.PASSWORD,
        ]

    def _try_start(self) -> bool:
        """One launch; False if the port was taken."""
        offset = file_size(self.log_path)
        env = {**os.environ, "FQDN": self._token, "PYTHONUNBUFFERED": "1"}
        # The wrapper module must be importable by the child even without an install.
        project_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [project_root, env.get("PYTHONPATH")]))
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                start_new_session=True,
            )
        self._finalizer = weakref.finalize(self, kill_group, self._process.pid, signal.SIGKILL)
        return self._wait_for_greeting(offset)

    def _wait_for_greeting(self, offset: int) -> bool:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            returncode = self._process.poll()
            if returncode is not None:
                self._forget_process()
                output = read_tail(self.log_path, offset)
                if _PORT_TAKEN in output:
                    return False
                raise PymapStartError(f"pymap exited with code {returncode}:\n{output}")
            if greets(self.host, self.port, self._token):
                return True
            time.sleep(0.02)
        self.stop()
        raise PymapStartError(
            f"pymap did not greet on {self.host}:{self.port} within {self.start_timeout} s:\n"
            f"{read_tail(self.log_path, offset)}"
        )

    # -- users and mail ---------------------------------------------------------------

    def account(self, user: str) -> Account:
        """Login details for `user` (created on first login); ensures Sent, Drafts, Trash."""
        if not self.running:
            raise LabError("pymap keeps mail in memory: start() it before account().")
        with imap_load.RawImap(self.host, self.port, timeout=10) as imap:
            imap.login(user, self.PASSWORD)
            for folder in _FOLDERS:
                # NO [ALREADYEXISTS] on a second call is fine.
                imap.run([b"CREATE ", imap_load.quote(folder)], check=False)
        return Account(self.host, self.port, user, self.PASSWORD)

    def append_many(
        self,
        account: Account,
        folder: str,
        messages: Sequence[imap_load.Message],
        *,
        flags: Sequence[str] = (),
    ) -> list[int]:
        """APPEND many messages (MULTIAPPEND + LITERAL+, TCP_NODELAY); return their UIDs.

        A `(raw, datetime)` item keeps that INTERNALDATE. Measured here with 1.5 KiB
        messages: 900-1,800 msg/s (pymap parses every message in Python; big commands
        do not help, so chunks are small). One imapclient APPEND at a time: ~23 msg/s.
        """
        return imap_load.append_many(account, folder, messages, flags=flags, chunk_count=100)

    def deliver(self, *args: object, **kwargs: object) -> Path:
        """Not possible: pymap's mail lives in its process memory, not in files."""
        raise NotImplementedError("PymapServer keeps mail in memory; use Dovecot for deliver()")
