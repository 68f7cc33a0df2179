"""A private Dovecot 2.3 IMAP server in a temp dir, for the demo, tests and benchmarks.

    with Dovecot() as dovecot:
        account = dovecot.account("alice")      # fresh user = fresh empty mailbox
        dovecot.append_many(account, "INBOX", [raw1, (raw2, when)])
        dovecot.stop(); dovecot.deliver("alice", "INBOX", raw3); dovecot.start()

What it runs (see DESIGN.md, "Real servers in tests"): `dovecot -F -c <root>/dovecot.conf`
in its own process group, listening on 127.0.0.1 only, plain IMAP (`ssl = no`,
`disable_plaintext_auth = no`), every user name logs in with `Dovecot.PASSWORD` (static
passdb) and gets a home under `<root>/home/<user>` (static userdb). INBOX, Sent (`\\Sent`),
Drafts (`\\Drafts`) and Trash (`\\Trash`) are auto-created and subscribed at first login.
It advertises IDLE, CONDSTORE, QRESYNC, SPECIAL-USE, UIDPLUS, MULTIAPPEND, LITERAL+.

As root, Dovecot refuses root-owned login/mail processes: the login processes keep
Debian's defaults (dovenull, chrooted) and mail belongs to `nobody`. As another user,
everything runs as that user and chroots are emptied.

Measured on this machine (Debian 12, Dovecot 2.3.19.1, as root): start to the `* OK`
greeting 0.04-0.07 s; stop 0.01-0.15 s (see `process.stop_group`); ~23 MiB per
instance. Bulk loading rates are in `append_many`'s docstring.

fsync is off by default (`mail_fsync = never`): this is a test server, and tests kill
clients, never the machine. One-at-a-time imapclient APPENDs into maildir then run at
~950/s instead of ~400-600/s here (DESIGN.md measured ~75/s on a slower disk). Pass
`fsync=True` for Dovecot's default (`optimized`).

Caveat: after a failed login, Dovecot's anvil delays every further login from the same
IP (127.0.0.1) by 2-15 s for ~30 s ("auth penalty"; it does not exempt
`login_trusted_networks`). Test wrong passwords on an instance of their own. With
OAuth 2.0 on (below) the penalty is off, since those tests refuse tokens on purpose.

OAuth 2.0: `Dovecot(oauth2_introspection_url=URL)` adds Dovecot's own `oauth2` passdb
for XOAUTH2 and OAUTHBEARER, in front of the password one: at every such login Dovecot
POSTs the token to URL (RFC 7662 introspection, e.g. mailwatch.lab.oauth.LabOAuth) and
accepts it if the answer is `"active": true` with an `email` equal to the user name.
PLAIN and LOGIN keep using the password.
"""

from __future__ import annotations

import functools
import grp
import itertools
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from imapclient import imap_utf7

from mailwatch.lab import imap_load
from mailwatch.lab.account import Account, LabError, LabServer
from mailwatch.lab.ports import LOOPBACK, free_port, greets
from mailwatch.lab.process import file_size, group_members, kill_group, read_tail, stop_group

INSTALL_HINT = "install it with `apt-get install -y dovecot-imapd`"
MailFormat = Literal["maildir", "mdbox"]

# Dovecot exits with FATAL_DEFAULT (89) for any fatal error, a taken port included; the
# log line tells which.
_FATAL_DEFAULT = 89
_PORT_TAKEN = "Address already in use"
# Unix socket paths are capped at 108 bytes; Dovecot's longest name under base_dir is
# about 30 ("token-login/imap-urlauth" ...), so keep base_dir well under that.
_MAX_BASE_DIR = 70
_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+@-]{0,99}$")
_MAILDIR_FLAGS = {
    "\\draft": "D",
    "\\flagged": "F",
    "\\answered": "R",
    "\\seen": "S",
    "\\deleted": "T",
}
_SPECIAL_FOLDERS = {"Sent": "\\Sent", "Drafts": "\\Drafts", "Trash": "\\Trash"}
_delivery_counter = itertools.count(1)


class DovecotMissing(LabError):
    """No dovecot binary on this machine."""


class DovecotStartError(LabError):
    """Dovecot did not come up; the message carries the log tail and the config path."""


def find_binary() -> str | None:
    """The dovecot binary: $MAILWATCH_DOVECOT, else PATH, else /usr/sbin (not on a user's PATH)."""
    configured = os.environ.get("MAILWATCH_DOVECOT")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    found = shutil.which("dovecot")
    if found:
        return found
    return "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None


@functools.cache
def dovecot_version(binary: str) -> str:
    """`dovecot --version`, e.g. "2.3.19.1 (9b53102964)"."""
    result = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
    )
    return result.stdout.strip() or result.stderr.strip()


def _require_binary() -> str:
    binary = find_binary()
    if binary is None:
        raise DovecotMissing(
            "Dovecot is not installed (no `dovecot` on PATH or in /usr/sbin).", INSTALL_HINT
        )
    version = dovecot_version(binary)
    # The config below is 2.3 syntax; 2.4 renamed most settings and would refuse it.
    if not version.startswith("2.3."):
        raise LabError(
            f"{binary} reports version {version!r}; the lab writes Dovecot 2.3 configuration.",
            "Install Dovecot 2.3 (Debian 12: `apt-get install -y dovecot-imapd`) or point "
            "MAILWATCH_DOVECOT at a 2.3 binary.",
        )
    return binary


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)


class Dovecot(LabServer):
    """A private Dovecot 2.3 instance. See the module docstring."""

    PASSWORD = "lab-password"
    host = LOOPBACK

    def __init__(
        self,
        root: Path | None = None,
        *,
        mail_format: MailFormat = "maildir",
        idle_notify_seconds: int | None = None,
        fsync: bool = False,
        start_timeout: float = 15.0,
        password: str = PASSWORD,
        auth_mechanisms: str = "plain login",
        oauth2_introspection_url: str | None = None,
    ) -> None:
        if mail_format not in ("maildir", "mdbox"):
            raise ValueError(f"mail_format must be 'maildir' or 'mdbox', not {mail_format!r}")
        self._owns_root = root is None
        if root is None:
            root = Path(tempfile.mkdtemp(prefix="mailwatch-dovecot-"))
            # Our own temp dir goes away with this object even if close() is never called.
            weakref.finalize(self, shutil.rmtree, root, ignore_errors=True)
        self.root = root.resolve()
        self.mail_format: MailFormat = mail_format
        # Read at every start: change it, then restart(), to test another interval.
        self.idle_notify_seconds = idle_notify_seconds
        self.fsync = fsync
        self.start_timeout = start_timeout
        # Every user logs in with this password (a non-ASCII one tests UTF-8 logins).
        self.password = password
        self.auth_mechanisms = auth_mechanisms
        # Read at every start, like the settings above.
        self.oauth2_introspection_url = oauth2_introspection_url
        self.port = 0  # chosen at first start, then kept across restarts
        self._process: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize | None = None
        self.base_dir = self._choose_base_dir()
        self._as_root = os.geteuid() == 0
        # In the greeting, so start() knows it reached this instance and not a stranger.
        self._greeting = f"mailwatch-lab-{secrets.token_hex(6)} ready."
        self._mail_uid, self._mail_gid = self._mail_owner()

    # -- paths ------------------------------------------------------------------------

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def home_root(self) -> Path:
        return self.root / "home"

    def _choose_base_dir(self) -> Path:
        """Runtime sockets: `<root>/run`, or a short dir under /tmp if that path is long."""
        preferred = self.root / "run"
        if len(str(preferred)) <= _MAX_BASE_DIR:
            return preferred
        short = Path(tempfile.mkdtemp(prefix="mwdc-", dir="/tmp"))
        weakref.finalize(self, shutil.rmtree, short, ignore_errors=True)
        return short

    def home(self, user: str) -> Path:
        return self.home_root / _check_user(user)

    # -- availability -----------------------------------------------------------------

    @staticmethod
    def available() -> bool:
        """True if a dovecot binary is installed (its version is checked at start)."""
        return find_binary() is not None

    @staticmethod
    def missing_reason() -> str:
        """Why `available()` is False, with what to do about it."""
        return f"Dovecot is not installed; {INSTALL_HINT}"

    # -- lifecycle --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The master's pid, which is also the process group of every Dovecot process."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start Dovecot and wait for its `* OK` greeting. No-op when already running."""
        if self.running:
            return
        binary = _require_binary()
        self._prepare_dirs()
        log_offset = file_size(self.log_path)
        keep_port = self.port != 0
        for _ in range(1 if keep_port else 5):
            if not keep_port:
                self.port = free_port()
            if self._try_start(binary, patience=2.0 if keep_port else 0.0):
                return
        raise DovecotStartError(
            f"Dovecot could not listen on 127.0.0.1:{self.port}: the port is taken.\n"
            f"config: {self.config_path}\nlog tail:\n{read_tail(self.log_path, log_offset)}"
        )

    def stop(self, timeout: float = 3.0) -> None:
        """Stop every process of this instance (the whole group), then return."""
        if self._process is None:
            return
        stop_group(self._process, timeout)
        self._forget_process()
        # A SIGKILLed master leaves its pid file; a recycled pid must not look like us.
        (self.base_dir / "master.pid").unlink(missing_ok=True)

    def _forget_process(self) -> None:
        self._process = None
        if self._finalizer is not None:
            self._finalizer.detach()  # its pid may be recycled by an unrelated process
            self._finalizer = None

    def restart(self) -> None:
        """Stop and start again on the same port with the same data (config rewritten)."""
        self.stop()
        self.start()

    def process_ids(self) -> list[int]:
        """Pids of every live process of this instance (master, login, imap, ...)."""
        return group_members(self._process.pid) if self._process is not None else []

    def close(self) -> None:
        """Stop, and delete the instance directory if this object created it."""
        self.stop()
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)
        if not self.base_dir.is_relative_to(self.root):
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def _try_start(self, binary: str, patience: float) -> bool:
        """One launch; False if the port was taken (after `patience` seconds of retries)."""
        deadline = time.monotonic() + patience
        while True:
            self.config_path.write_text(self._config())
            log_offset = file_size(self.log_path)
            self._launch(binary)
            if self._wait_for_greeting(log_offset):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def _launch(self, binary: str) -> None:
        with (self.root / "dovecot.stderr").open("ab") as stderr:
            self._process = subprocess.Popen(
                [binary, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,  # its own process group, killed as a whole
            )
        # If the test process dies without stop(), do not leave a server running.
        self._finalizer = weakref.finalize(self, kill_group, self._process.pid, signal.SIGKILL)

    def _wait_for_greeting(self, log_offset: int) -> bool:
        """True once `* OK` is read; False if Dovecot quit because the port is taken."""
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            returncode = self._process.poll()
            if returncode is not None:
                self._forget_process()
                log = read_tail(self.log_path, log_offset)
                if returncode == _FATAL_DEFAULT and _PORT_TAKEN in log:
                    return False
                raise self._start_error(f"Dovecot exited with code {returncode}", log_offset)
            if greets(self.host, self.port, self._greeting):
                return True
            time.sleep(0.01)
        self.stop()
        raise self._start_error(
            f"Dovecot did not greet on {self.host}:{self.port} within {self.start_timeout} s",
            log_offset,
        )

    def _start_error(self, what: str, log_offset: int) -> DovecotStartError:
        stderr = read_tail(self.root / "dovecot.stderr", lines=10)
        return DovecotStartError(
            f"{what}.\nconfig: {self.config_path}\n"
            f"log ({self.log_path}) tail:\n{read_tail(self.log_path, log_offset)}\n"
            f"stderr tail:\n{stderr}"
        )

    # -- users ------------------------------------------------------------------------

    def account(self, user: str) -> Account:
        """Login details for `user`; makes sure the mailbox exists with INBOX and Sent.

        Running: logs in once, which makes Dovecot create INBOX, Sent, Drafts and Trash.
        Stopped (maildir only): creates the same folders on disk.
        """
        _check_user(user)
        account = Account(self.host, self.port, user, self.password)
        if self.running:
            with imap_load.RawImap(self.host, self.port, timeout=10) as imap:
                imap.login(user, self.password)
                # LIST alone only shows auto folders; STATUS opens, hence creates, each
                # one, so its UIDVALIDITY is fixed from now on.
                for folder in ("INBOX", *_SPECIAL_FOLDERS):
                    imap.run([b"STATUS ", imap_load.quote(folder), b" (UIDVALIDITY)"])
        elif self.mail_format == "maildir":
            self._prepare_dirs()
            for folder in ("INBOX", *_SPECIAL_FOLDERS):
                self._ensure_maildir(self._maildir(user, folder))
        else:
            raise LabError("Dovecot must be running to create an mdbox mailbox; start() first.")
        return account

    # -- mail -------------------------------------------------------------------------

    def append_many(
        self,
        account: Account,
        folder: str,
        messages: Sequence[imap_load.Message],
        *,
        flags: Sequence[str] = (),
    ) -> list[int]:
        """APPEND many messages fast (MULTIAPPEND + LITERAL+ in chunks); return their UIDs.

        A `(raw, datetime)` item keeps that INTERNALDATE (naive datetimes are UTC).
        `flags` (e.g. ["\\\\Seen"]) apply to every message. Measured here, 2 KiB messages:
        maildir ~9,000 msg/s, mdbox ~12,000 msg/s (20,000 messages in ~2 s), against
        ~75 msg/s for one imapclient APPEND at a time with fsync on (~600/s without).
        """
        return imap_load.append_many(account, folder, messages, flags=flags)

    def deliver(
        self,
        user: str,
        folder: str,
        raw: bytes,
        *,
        flags: str = "",
        when: datetime | None = None,
    ) -> Path:
        """Write `raw` straight into `user`'s maildir folder; works while Dovecot is down.

        This is how mail "arrives while the daemon is cut off". `flags` is IMAP system
        flags ("\\\\Seen \\\\Flagged") or maildir letters ("FS"); without flags the message
        goes to new/ (unseen, \\Recent), with flags to cur/. `when` becomes INTERNALDATE
        (the file's mtime). Returns the file's path.
        """
        if self.mail_format != "maildir":
            raise NotImplementedError("deliver() writes maildir files; this instance uses mdbox")
        _check_user(user)
        letters = _maildir_letters(flags)
        self._prepare_dirs()
        maildir = self._maildir(user, folder)
        self._ensure_maildir(maildir)
        stamp = (when or datetime.now(UTC)).timestamp()
        name = _unique_maildir_name(stamp)
        temporary = maildir / "tmp" / name
        with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        self._own(temporary)
        os.utime(temporary, (stamp, stamp))
        # tmp/ then rename: the maildir protocol, so a running Dovecot never sees half a file.
        final = maildir / "cur" / f"{name}:2,{letters}" if letters else maildir / "new" / name
        os.rename(temporary, final)
        return final

    def _maildir(self, user: str, folder: str) -> Path:
        """Maildir++ path: INBOX is ~/Maildir, "A/B" is ~/Maildir/.A.B (mUTF-7 names)."""
        base = self.home(user) / "Maildir"
        if folder.upper() == "INBOX":
            return base
        if "." in folder or folder.startswith("/") or not folder:
            raise ValueError(f"deliver() cannot map folder {folder!r} to a maildir")
        encoded = imap_utf7.encode(folder).decode("ascii")
        return base / ("." + encoded.replace("/", "."))

    def _ensure_maildir(self, maildir: Path) -> None:
        for sub in ("cur", "new", "tmp"):
            self._makedirs_owned(maildir / sub)
        if maildir.name.startswith("."):
            marker = maildir / "maildirfolder"  # Maildir++: marks a subfolder
            if not marker.exists():
                marker.touch()
                self._own(marker)

    def _makedirs_owned(self, path: Path) -> None:
        """mkdir -p, giving each directory created under the homes to the mail user."""
        missing: list[Path] = []
        current = path
        while not current.exists():
            missing.append(current)
            current = current.parent
        for directory in reversed(missing):
            directory.mkdir(mode=0o700)
            self._own(directory)

    def _own(self, path: Path) -> None:
        if self._as_root:
            os.chown(path, self._mail_uid, self._mail_gid)

    # -- configuration ----------------------------------------------------------------

    def _mail_owner(self) -> tuple[int, int]:
        """Who owns mail: `nobody` as root (Dovecot refuses uid 0), else ourselves."""
        if not self._as_root:
            return os.getuid(), os.getgid()
        nobody = pwd.getpwnam("nobody")
        return nobody.pw_uid, nobody.pw_gid

    def _prepare_dirs(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(exist_ok=True)
        self.home_root.mkdir(exist_ok=True)
        self.base_dir.mkdir(exist_ok=True)
        if self._as_root:
            # Mail processes run as `nobody`: they must reach the root and own the homes.
            os.chmod(self.root, 0o755)
            _chown_tree(self.home_root, self._mail_uid, self._mail_gid)
            _make_reachable(self.root)

    def _config(self) -> str:
        """The whole dovecot.conf (2.3 syntax), rewritten at every start."""
        location = "maildir:~/Maildir" if self.mail_format == "maildir" else "mdbox:~/mdbox"
        idle = (
            f"imap_idle_notify_interval = {self.idle_notify_seconds} secs\n"
            if self.idle_notify_seconds is not None
            else ""
        )
        mailboxes = "".join(
            f"  mailbox {name} {{\n    special_use = {use}\n    auto = subscribe\n  }}\n"
            for name, use in _SPECIAL_FOLDERS.items()
        )
        return (
            "# Written by mailwatch.lab.dovecot for a private test instance (Dovecot 2.3).\n"
            f"base_dir = {self.base_dir}\n"
            f"state_dir = {self.state_dir}\n"
            f"log_path = {self.log_path}\n"
            "protocols = imap\n"
            f"listen = {self.host}\n"
            "ssl = no\n"
            "disable_plaintext_auth = no\n"
            f"auth_mechanisms = {self._mechanisms()}\n"
            f"login_greeting = {self._greeting}\n"
            "auth_failure_delay = 0\n"  # wrong-password tests should not wait 2 s
            f"{self._oauth2_passdb()}"
            "passdb {\n  driver = static\n"
            f"{self._password_mechanisms()}"
            f"  args = password={self.password}\n}}\n"
            "userdb {\n  driver = static\n"
            f"  args = uid={self._mail_uid} gid={self._mail_gid} home={self.home_root}/%u\n}}\n"
            f"first_valid_uid = {min(self._mail_uid, 500)}\n"
            f"first_valid_gid = {min(self._mail_gid, 1)}\n"
            f"mail_location = {location}\n"
            f"mail_fsync = {'optimized' if self.fsync else 'never'}\n"
            "mail_max_userip_connections = 200\n"  # tests open many connections per user
            f"{idle}"
            "namespace inbox {\n  inbox = yes\n  separator = /\n"
            f"{mailboxes}}}\n"
            "service imap-login {\n"
            f"  inet_listener imap {{\n    address = {self.host}\n    port = {self.port}\n  }}\n"
            "  inet_listener imaps {\n    port = 0\n  }\n"
            "}\n"
            f"{self._unprivileged_config()}"
            f"{self._anvil_config()}"
        )

    # -- OAuth 2.0 (XOAUTH2, OAUTHBEARER) ------------------------------------------------

    @property
    def oauth2_config_path(self) -> Path:
        return self.root / "dovecot-oauth2.conf.ext"

    def _mechanisms(self) -> str:
        if self.oauth2_introspection_url is None:
            return self.auth_mechanisms
        return f"{self.auth_mechanisms} xoauth2 oauthbearer"

    def _password_mechanisms(self) -> str:
        # Tokens go to the oauth2 passdb only: never compared with the password.
        if self.oauth2_introspection_url is None:
            return ""
        return f"  mechanisms = {self.auth_mechanisms}\n"

    def _oauth2_passdb(self) -> str:
        """Dovecot 2.3's oauth2 passdb, asking the introspection endpoint (DESIGN.md)."""
        url = self.oauth2_introspection_url
        if url is None:
            return ""
        self.oauth2_config_path.write_text(
            "# Written by mailwatch.lab.dovecot: tokens are checked by RFC 7662 introspection.\n"
            "introspection_mode = post\n"
            f"introspection_url = {url}\n"
            "username_attribute = email\n"
            "active_attribute = active\n"
            "active_value = true\n"
        )
        return (
            "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
            f"  args = {self.oauth2_config_path}\n}}\n"
        )

    def _anvil_config(self) -> str:
        """No auth penalty with OAuth tests: they refuse tokens on purpose, and the
        penalty (up to 15 s) would delay the good logins that follow."""
        if self.oauth2_introspection_url is None:
            return ""
        listener = "  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n"
        return f"service anvil {{\n{listener}}}\n"

    def _unprivileged_config(self) -> str:
        """As a normal user: run every process as that user and drop the chroots."""
        if self._as_root:
            return ""  # keep Debian's dovenull/dovecot users and chroots
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        chrooted = ("anvil", "imap-login", "ipc", "old-stats")
        services = "".join(f"service {name} {{\n  chroot =\n}}\n" for name in chrooted)
        return (
            f"default_internal_user = {user}\n"
            f"default_internal_group = {group}\n"
            f"default_login_user = {user}\n"
            f"{services}"
        )


def _check_user(user: str) -> str:
    # %u becomes a directory name: no slashes, no dot-dot, nothing exotic.
    if not _USER_NAME.match(user):
        raise ValueError(f"lab user names are letters, digits and ._+@- ; got {user!r}")
    return user


def _make_reachable(root: Path) -> None:
    """Mail runs as `nobody`, so every parent of the root must be searchable (o+x).

    Temp dirs (mkdtemp, pytest's tmp_path) are 0700: under the temp dir we add o+x,
    which lets others reach known names but not list them. Elsewhere we do not touch
    the user's directories and say what to do instead.
    """
    temp = Path(tempfile.gettempdir()).resolve()
    for parent in root.parents:
        mode = parent.stat().st_mode
        if mode & 0o001:
            continue
        if temp in parent.parents:
            os.chmod(parent, (mode & 0o7777) | 0o001)
            continue
        raise LabError(
            f"{parent} is not searchable by other users, so Dovecot's mail processes "
            f"(running as nobody) cannot reach {root}.",
            "Use a root under the temp dir (the default) or `chmod o+x` that directory.",
        )


def _maildir_letters(flags: str) -> str:
    """Maildir info letters, sorted as Dovecot does: "\\Seen \\Flagged" or "SF" -> "FS"."""
    letters: set[str] = set()
    for token in flags.split():
        if token.startswith("\\"):
            try:
                letters.add(_MAILDIR_FLAGS[token.lower()])
            except KeyError:
                raise ValueError(f"deliver() knows system flags only, not {token!r}") from None
        elif set(token) <= set("DFRST"):
            letters.update(token)
        else:
            raise ValueError(f"deliver() flags are IMAP system flags or maildir letters: {token!r}")
    return "".join(sorted(letters))


def _unique_maildir_name(stamp: float) -> str:
    """time.M<usec>P<pid>Q<n>.host: unique per process, as the maildir spec asks."""
    seconds = int(stamp)
    micro = time.time_ns() // 1000 % 1_000_000
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")
    return f"{seconds}.M{micro}P{os.getpid()}Q{next(_delivery_counter)}.{host}"
