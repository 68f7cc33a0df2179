"""The real mailbox: imapclient, read-only, PEEK only, batched, CONDSTORE when offered.

imapclient is blocking and not thread-safe: one ImapMailbox per thread (the
daemon runs it in `asyncio.to_thread`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import ssl
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import imapclient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from mailwatch.config.model import Imap, is_loopback
from mailwatch.errors import AuthenticationFailed, ConnectionFailed, MailwatchError, UsageError
from mailwatch.imap import fastfetch, structure
from mailwatch.imap.base import Attachment, FetchedMessage, FolderStatus
from mailwatch.logs import redact
from mailwatch.parse.fields import HEADER_FIELDS
from mailwatch.tls import tls_context

if TYPE_CHECKING:
    from mailwatch.auth.source import TokenSource

log = logging.getLogger("mailwatch.imap")

_HEADER_ITEM = ("BODY.PEEK[HEADER.FIELDS (" + " ".join(HEADER_FIELDS).upper() + ")]").encode()


def _find_item(data: dict[bytes, object], prefix: bytes) -> bytes:
    """The value of a BODY[...] item, whatever exact key the server echoed back.

    Servers upper-case or reorder the field list (pymap sorts it), so match on the prefix.
    """
    for key, value in data.items():
        if isinstance(key, bytes) and key.startswith(prefix):
            return value if isinstance(value, bytes) else b""
    return b""


def _aware(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


P = ParamSpec("P")
R = TypeVar("R")


def _guarded(method: Callable[P, R]) -> Callable[P, R]:
    """Turn socket and protocol failures into our errors; drop a broken connection.

    A lost connection (socket error, timeout, IMAP abort) becomes ConnectionFailed
    and the next call reconnects. A command the server refused (NO/BAD) is reported
    as it is: reconnecting would not help.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        self = args[0]
        try:
            return method(*args, **kwargs)
        except MailwatchError:
            raise
        except (OSError, IMAPClientAbortError, ssl.SSLError) as exc:
            self.discard()  # type: ignore[attr-defined]
            raise ConnectionFailed(f"The IMAP connection was lost: {exc}.") from exc
        except IMAPClientError as exc:
            raise MailwatchError(
                f"The IMAP server refused a request ({method.__name__}): {exc}."
            ) from exc

    return wrapper


def login(client: imapclient.IMAPClient, username: str, password: str) -> None:
    """Log in, whatever characters the user name and password hold.

    IMAP LOGIN sends them as quoted strings, which must be 7-bit (RFC 3501 §9);
    imaplib encodes them as ASCII and raises UnicodeEncodeError, with the password
    in its message, on "pässwörd". For anything non-ASCII: SASL PLAIN, which
    carries UTF-8 (RFC 4616, and RFC 6855 for IMAP), when the server offers it;
    otherwise LOGIN with the password as a literal (RFC 3501 §4.3), 8-bit allowed.
    """
    if username.isascii() and password.isascii():
        client.login(username, password)
        return
    if b"AUTH=PLAIN" in {c.upper() for c in client.capabilities()}:
        client.plain_login(username, password)
        return
    if not username.isascii():
        raise LoginError("the user name has non-ASCII characters and the server offers no PLAIN")
    login_with_literal(client, username, password)


def login_with_literal(client: imapclient.IMAPClient, username: str, password: str) -> None:
    """LOGIN user {n}+password bytes: how RFC 3501 carries an 8-bit password."""
    imap = client._imap
    imap.literal = password.encode("utf-8")  # imaplib sends it as {n} + the bytes
    typ, data = imap._simple_command("LOGIN", imap._quote(username))
    if typ != "OK":
        raise LoginError(
            b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        )
    imap.state = "AUTH"  # imaplib's own login() does this; we went around it


def oauth_login(
    client: imapclient.IMAPClient, username: str, tokens: TokenSource, where: str
) -> str:
    """Sign in with an OAuth 2.0 access token; return the SASL mechanism used.

    XOAUTH2 (Gmail, Microsoft 365, Dovecot's oauth2 passdb) is preferred, OAUTHBEARER
    (RFC 7628) when it is the only one offered. A refused token is renewed once and
    tried again (it may have been revoked, or expired early); a second refusal is
    reported, not retried. A refused renewal raises SignInRequired ("sign in again"),
    never "wrong password". Temporary refusals ([UNAVAILABLE]) come out as LoginError
    for the caller to treat as a busy server.
    """
    offered = {c.upper() for c in client.capabilities()}
    if b"AUTH=XOAUTH2" in offered:
        mechanism, sign_in = "XOAUTH2", client.oauth2_login
    elif b"AUTH=OAUTHBEARER" in offered:
        mechanism, sign_in = "OAUTHBEARER", client.oauthbearer_login
    else:
        raise AuthenticationFailed(
            f"The IMAP server {where} does not offer OAuth 2.0 sign-in (XOAUTH2 or OAUTHBEARER).",
            'Check [imap] host; for a server that takes a password, set [imap] auth = "password".',
        )
    token = tokens.access_token()
    for attempt in (1, 2):
        try:
            sign_in(username, token)
            return mechanism
        except LoginError as exc:
            if _temporary_refusal(str(exc)):
                raise
        if attempt == 1:
            log.info("the IMAP server %s refused the access token; renewing it once", where)
            token = tokens.renew(token)
    raise AuthenticationFailed(
        f"The IMAP server {where} refused the sign-in for {username!r}, even with a freshly "
        f"renewed {tokens.provider.label} token.",
        "Check that [imap] username is the address you signed in with in `mailwatch login` "
        "(sign in again with that account if not), and that IMAP is allowed for this mailbox "
        "(Microsoft 365: admin center, Users, Mail, Manage email apps).",
    )


def _temporary_refusal(reply: str) -> bool:
    text = reply.upper()
    return "[UNAVAILABLE]" in text or "[SERVERBUG]" in text or "SHUTTING DOWN" in text


class ImapMailbox:
    def __init__(
        self,
        config: Imap,
        password: str,
        *,
        ca_file: str = "",
        tokens: TokenSource | None = None,
    ) -> None:
        if config.security == "none" and not is_loopback(config.host):
            # The config check refuses this too; this is the last line of defence.
            raise UsageError(f"Refusing a plain-text IMAP connection to {config.host}.")
        self.config = config
        self._password = password
        self._ca_file = ca_file
        # With auth = "oauth2": where access tokens come from (by default the process's
        # source for the [oauth2] table that Settings attached to the section).
        self._tokens = tokens
        self._client: imapclient.IMAPClient | None = None
        self._selected: str | None = None
        self.capabilities: frozenset[str] = frozenset()

    # -- connection -------------------------------------------------------------------

    def connect(self) -> None:
        cfg = self.config
        where = f"{cfg.host}:{cfg.port}"
        if cfg.auth == "oauth2":
            # A sign-in to redo (or a refresh to make) is known before any connection:
            # no server is bothered for nothing, and no login waits on a refresh.
            self.token_source().access_token()
        try:
            client = imapclient.IMAPClient(
                cfg.host,
                port=cfg.port,
                ssl=cfg.security == "ssl",
                ssl_context=tls_context(self._ca_file) if cfg.security == "ssl" else None,
                timeout=cfg.timeout_seconds,
            )
            if cfg.security == "starttls":
                client.starttls(tls_context(self._ca_file))
        except (OSError, IMAPClientError, ssl.SSLError) as exc:
            raise ConnectionFailed(
                f"Cannot reach the IMAP server {where}: {exc}.",
                "Check [imap] host, port and security, and your network connection.",
            ) from exc
        client.normalise_times = False  # keep INTERNALDATE's zone: we work in UTC
        try:
            if cfg.auth == "oauth2":
                oauth_login(client, cfg.username, self.token_source(), where)
            else:
                login(client, cfg.username, self._password)
        except MailwatchError:
            # Said in our words already (a sign-in to redo, a missing [oauth2] section).
            self._safe_logout(client)
            raise
        except LoginError as exc:
            self._safe_logout(client)
            if _temporary_refusal(str(exc)):
                # RFC 5530 [UNAVAILABLE] etc.: the server is busy or shutting down, the
                # password is not the problem; retry soon, not in 15 minutes.
                raise ConnectionFailed(
                    f"The IMAP server {where} cannot take logins right now: {exc}."
                ) from exc
            raise AuthenticationFailed(
                f"The IMAP server {where} refused the login for {cfg.username!r}.",
                "Check [imap] username and the password source (password_env / "
                "password_command). Some providers need an app password.",
            ) from exc
        except (OSError, IMAPClientError) as exc:
            self._safe_logout(client)
            raise ConnectionFailed(
                f"The IMAP server {where} dropped the login: {redact(str(exc))}."
            ) from None
        except Exception as exc:
            # Whatever else goes wrong while the password is in play, its text may carry
            # the password (imaplib's UnicodeEncodeError did): never pass it on as is.
            self._safe_logout(client)
            raise ConnectionFailed(
                f"Logging in to the IMAP server {where} failed ({type(exc).__name__}).",
                "Run `mailwatch check-config`; if it repeats, report it (no password is "
                "included in this message).",
            ) from None
        self.capabilities = frozenset(c.decode().upper() for c in client.capabilities())
        if "CONDSTORE" in self.capabilities:
            try:
                client.enable("CONDSTORE")
            except IMAPClientError:  # some servers list it but refuse ENABLE
                self.capabilities -= {"CONDSTORE"}
        self._client = client
        self._selected = None
        log.info("connected to %s as %s (%s)", where, cfg.username, cfg.security)

    def token_source(self) -> TokenSource:
        if self._tokens is None:
            from mailwatch.auth.source import source_for

            cfg = self.config
            self._tokens = source_for(cfg.oauth2, cfg.token_file, file=cfg.source_file)
        return self._tokens

    @staticmethod
    def _safe_logout(client: imapclient.IMAPClient) -> None:
        with contextlib.suppress(OSError, IMAPClientError):
            client.logout()

    def close(self) -> None:
        if self._client is not None:
            self._safe_logout(self._client)
        self._client = None
        self._selected = None

    def discard(self) -> None:
        """Forget a (maybe broken) connection without talking to it."""
        if self._client is not None:
            with contextlib.suppress(OSError, IMAPClientError):
                self._client.shutdown()
        self._client = None
        self._selected = None

    def interrupt(self) -> None:
        """From another thread: make a blocked read (IDLE) return at once."""
        client = self._client
        if client is not None:
            with contextlib.suppress(OSError):
                client.socket().shutdown(socket.SHUT_RDWR)

    @property
    def client(self) -> imapclient.IMAPClient:
        if self._client is None:
            self.connect()
        assert self._client is not None
        return self._client

    def _unselect(self) -> None:
        if "UNSELECT" in self.capabilities:
            self.client.unselect_folder()
            self._selected = None
        else:
            # No UNSELECT (RFC 3691): CLOSE should do on a read-only folder, but some
            # servers (pymap) refuse it there. A NOOP brings the session's view, and so
            # the STATUS answer, up to date as well.
            self.client.noop()

    def _select(self, folder: str, *, fresh: bool = False) -> None:
        if self._selected != folder:
            # Read-only: the owner's \Seen flags and everything else stay as they are.
            self.client.select_folder(folder, readonly=True)
            self._selected = folder
        elif fresh:
            # A selected folder's view moves only when the server syncs it: a SEARCH
            # alone does not see mail that arrived since (measured on Dovecot 2.3).
            self.client.noop()

    # -- folders ----------------------------------------------------------------------

    @_guarded
    def sent_folder(self) -> str:
        if self.config.sent:
            if not self.client.folder_exists(self.config.sent):
                raise UsageError(
                    f"The IMAP folder {self.config.sent!r} named in [imap] sent does not exist.",
                    'Fix the name, or set sent = "" to find the Sent folder automatically.',
                )
            return self.config.sent
        found = self.client.find_special_folder(imapclient.imapclient.SENT)
        if not found:
            raise UsageError(
                "Could not find your Sent folder (no \\Sent marker and no usual name).",
                'Set [imap] sent to its name, e.g. sent = "Sent Items".',
            )
        return found

    @_guarded
    def status(self, folder: str) -> FolderStatus:
        client = self.client  # connect first: capabilities are only known after login
        items = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"]
        if "CONDSTORE" in self.capabilities:
            items.append(b"HIGHESTMODSEQ")
        if self._selected == folder:
            # STATUS on the selected folder answers from this session's view, which
            # does not see new mail until the next sync (measured on Dovecot 2.3):
            # leave the folder first so the answer is current.
            self._unselect()
        data = client.folder_status(folder, items)
        modseq = data.get(b"HIGHESTMODSEQ")
        return FolderStatus(
            uidvalidity=int(data[b"UIDVALIDITY"]),
            uidnext=int(data[b"UIDNEXT"]),
            messages=int(data[b"MESSAGES"]),
            highestmodseq=int(modseq) if modseq is not None else None,
        )

    @_guarded
    def uids_after(self, folder: str, last_uid: int) -> list[int]:
        self._select(folder, fresh=True)
        uids = self.client.search(["UID", f"{last_uid + 1}:*"])
        # "UID n:*" returns the newest message even when n is past it: drop those.
        return sorted(uid for uid in uids if uid > last_uid)

    @_guarded
    def fetch_headers(self, folder: str, uids: Sequence[int]) -> list[FetchedMessage]:
        if not uids:
            return []
        self._select(folder)
        items = [_HEADER_ITEM, b"INTERNALDATE", b"RFC822.SIZE"]
        gmail = "X-GM-EXT-1" in self.capabilities
        if gmail:
            items.append(b"X-GM-MSGID")
        # Explicit UID lists (imapclient 4 refuses range strings); callers batch them
        # a few hundred at a time, far below servers' command-length limits.
        found = fastfetch.fetch_headers(self.client._imap, uids, _HEADER_ITEM, gmail)
        missing = [uid for uid in uids if uid not in found]
        out = list(found.values())
        # Whatever the lean reader did not recognise (or UIDs gone meanwhile): again,
        # through imapclient's general parser.
        response = self.client.fetch(missing, items) if missing else {}
        for uid, data in response.items():
            out.append(
                FetchedMessage(
                    uid=int(uid),
                    header=_find_item(data, b"BODY[HEADER.FIELDS"),
                    internaldate=_aware(data.get(b"INTERNALDATE")),
                    size=int(data.get(b"RFC822.SIZE") or 0),
                    gm_msgid=int(data[b"X-GM-MSGID"]) if gmail and b"X-GM-MSGID" in data else None,
                )
            )
        return sorted(out, key=lambda m: m.uid)

    @_guarded
    def fetch_text(self, folder: str, uids: Sequence[int], limit: int) -> dict[int, bytes]:
        if not uids:
            return {}
        self._select(folder)
        response = self.client.fetch(list(uids), [f"BODY.PEEK[TEXT]<0.{limit}>".encode()])
        return {int(uid): _find_item(data, b"BODY[TEXT]") for uid, data in response.items()}

    @_guarded
    def fetch_attachments(
        self, folder: str, uids: Sequence[int]
    ) -> dict[int, tuple[Attachment, ...]]:
        if not uids:
            return {}
        self._select(folder)
        response = self.client.fetch(list(uids), [b"BODYSTRUCTURE"])
        return {
            int(uid): structure.attachments(data.get(b"BODYSTRUCTURE"))
            for uid, data in response.items()
        }

    @_guarded
    def find_message_id(self, folder: str, message_id: str) -> list[int]:
        self._select(folder, fresh=True)
        found = set(self.client.search(["HEADER", "Message-ID", message_id]))
        # Outlook rewrites Message-ID and keeps ours in this header.
        found.update(self.client.search(["HEADER", "X-Microsoft-Original-Message-ID", message_id]))
        return sorted(found)

    @_guarded
    def search_addresses(self, folder: str, addresses: Sequence[str], since: datetime) -> list[int]:
        if not addresses:
            return []
        self._select(folder, fresh=True)
        found: set[int] = set()
        for address in addresses:
            # SEARCH matches header substrings (RFC 3501 6.4.4): "@acme.test" finds the
            # whole domain. One search per address keeps each command short.
            criteria = [
                "OR",
                "OR",
                "FROM",
                address,
                "TO",
                address,
                "CC",
                address,
                "SINCE",
                since.date(),
            ]
            found.update(self.client.search(criteria))
        return sorted(found)

    @_guarded
    def append(self, folder: str, raw: bytes, when: datetime) -> None:
        self.client.append(folder, raw, flags=[imapclient.SEEN], msg_time=when)
        if self._selected == folder:
            # Re-select so that a read-only view sees the new message.
            self._selected = None

    def noop(self) -> None:
        try:
            self.client.noop()
        except (TimeoutError, OSError, IMAPClientError) as exc:
            raise ConnectionFailed(f"The IMAP connection was lost: {exc}.") from exc
