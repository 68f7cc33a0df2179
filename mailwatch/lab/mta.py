"""A local SMTP server playing the user's mail provider, with faults on demand.

    with LocalMTA(local_mailboxes={"me@example.com": (account, "INBOX")},
                  sender_copy=(account, "Sent"), log_path=tmp / "mta.jsonl") as mta:
        ...send to 127.0.0.1:mta.port...
        mta.wait_for_deliveries(1)

It is an aiosmtpd server on 127.0.0.1 in a background thread. What it does with a
message, in order, for each DATA command:

1. takes the next reply from `data_replies` (if any), then asks `on_data(envelope)`
   (if set), whose non-None answer wins. A reply that is not 2xx rejects the message
   (nothing recorded); `DROP` aborts the connection as if it were lost (nothing
   recorded, the client gets no reply).
2. files the message like a provider would: APPENDs the exact bytes to the IMAP folder
   of every envelope recipient listed in `local_mailboxes`, and to `sender_copy` (with
   \\Seen, as Gmail and Office 365 file the sender's copy in Sent). If an APPEND fails
   the client gets 451 and nothing is recorded.
3. records a `Delivery` in `deliveries` and, with `log_path`, appends a JSON line and
   fsyncs it, so another process can count deliveries even if this one dies.
4. calls `after_accept(delivery)`: the moment "server accepted, client not told yet"
   (tests SIGKILL the sending process here).
5. sleeps `data_delay` seconds (a slow server: the message is already accepted, so a
   client that times out here is in the "unknown outcome" case), then replies.

`rcpt_replies` answers RCPT TO per address (e.g. 550 for one recipient: the others are
still accepted, as on a real server). Optional AUTH (PLAIN/LOGIN, allowed without TLS on
loopback) and TLS (`tls="ssl"` implicit, or `"starttls"` required before MAIL) with a
trustme CA: trust `ca_path` or use `client_ssl_context()`.

`oauth=check` offers AUTH XOAUTH2 (Gmail's and Microsoft 365's SASL mechanism for
OAuth 2.0): `check(user, access_token)` decides, e.g. `mailwatch.lab.oauth.
introspection_check(url)`, which asks an RFC 7662 endpoint as Dovecot does. A refused
token gets Google's answer: a 334 challenge carrying a JSON error, then 535 after the
client's empty line.

Hooks run on the server's event loop thread: keep them short; they may be coroutines.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import json
import logging
import os
import ssl
import tempfile
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from typing import Any, Final, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from mailwatch.lab.account import Account, LabError, LabServer
from mailwatch.lab.ports import LOOPBACK


class _QuietDeprecation(logging.Filter):
    """aiosmtpd 1.4 logs "Session.login_data is deprecated" on every successful AUTH,
    from its own code; it says nothing about ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Session.login_data is deprecated")


logging.getLogger("mail.log").addFilter(_QuietDeprecation())

# A reply meaning "the connection dies here": no reply, nothing recorded.
DROP: Final = "DROP"
TlsMode = Literal["ssl", "starttls"]
Mailbox = tuple[Account, str]
DataHook = Callable[[Envelope], str | Awaitable[str | None] | None]
AcceptHook = Callable[["Delivery"], Awaitable[None] | None]
TokenCheck = Callable[[str, str], bool]  # (user, access token) -> accepted


@dataclass(frozen=True)
class Delivery:
    """One message the MTA accepted (it answered, or was about to answer, 250)."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    message_id: str | None
    at: datetime
    auth_user: str | None = None  # who logged in with AUTH, if anyone
    tls: bool = False  # the session was encrypted (implicit TLS or STARTTLS)
    filed: list[str] = field(default_factory=list)  # "user:folder" it was APPENDed to

    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def to_json(self) -> str:
        record = {
            "mail_from": self.mail_from,
            "rcpt_tos": self.rcpt_tos,
            "message_id": self.message_id,
            "at": self.at.isoformat(),
            "auth_user": self.auth_user,
            "tls": self.tls,
            "filed": self.filed,
            "data": base64.b64encode(self.data).decode("ascii"),
        }
        return json.dumps(record, sort_keys=True)

    @classmethod
    def from_json(cls, line: str) -> Delivery:
        record = json.loads(line)
        return cls(
            mail_from=record["mail_from"],
            rcpt_tos=list(record["rcpt_tos"]),
            data=base64.b64decode(record["data"]),
            message_id=record.get("message_id"),
            at=datetime.fromisoformat(record["at"]),
            auth_user=record.get("auth_user"),
            tls=bool(record.get("tls", False)),
            filed=list(record.get("filed", [])),
        )


def deliveries_from_log(path: Path) -> list[Delivery]:
    """Every delivery in a LocalMTA log; a torn last line (killed mid-write) is skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    deliveries: list[Delivery] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            deliveries.append(Delivery.from_json(line))
        except (ValueError, KeyError):
            if index == len(lines) - 1:
                break  # only the last line can be torn: lines are fsynced one by one
            raise
    return deliveries


def message_id_of(data: bytes) -> str | None:
    header = BytesHeaderParser(policy=policy.default).parsebytes(data)
    value = header.get("Message-ID")
    return str(value).strip() if value else None


class _Controller(Controller):
    """aiosmtpd's Controller, but binding port 0 works: the real port is read back.

    The stock one passes its `port` to both bind and its readiness probe, so port 0
    binds somewhere and then probes port 0. Binding first and reading the socket's
    port also removes the pick-a-free-port race.
    """

    def __init__(self, handler: Any, smtp_factory: Callable[[], SMTP], **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._smtp_factory = smtp_factory

    def factory(self) -> SMTP:
        return self._smtp_factory()

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self._bind()

    async def _bind(self) -> asyncio.AbstractServer:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
        )
        self.port = server.sockets[0].getsockname()[1]
        return server


class LocalMTA(LabServer):
    """The user's mail provider, on 127.0.0.1. See the module docstring."""

    host = LOOPBACK

    def __init__(
        self,
        *,
        port: int = 0,
        log_path: Path | None = None,
        local_mailboxes: dict[str, Mailbox] | None = None,
        sender_copy: Mailbox | None = None,
        rcpt_replies: dict[str, str] | None = None,
        data_replies: Sequence[str] = (),
        data_delay: float = 0.0,
        on_data: DataHook | None = None,
        after_accept: AcceptHook | None = None,
        auth: tuple[str, str] | None = None,
        tls: TlsMode | None = None,
        oauth: TokenCheck | None = None,
    ) -> None:
        if tls not in (None, "ssl", "starttls"):
            raise ValueError(f"tls must be None, 'ssl' or 'starttls', not {tls!r}")
        self.port = port  # 0: any free port at first start, then kept across restarts
        self.log_path = log_path
        # Plain attributes: tests may change them between (or during) sends.
        self.local_mailboxes = dict(local_mailboxes or {})
        self.sender_copy = sender_copy
        self.rcpt_replies = dict(rcpt_replies or {})
        self.data_replies = list(data_replies)
        self.data_delay = data_delay
        self.on_data = on_data
        self.after_accept = after_accept
        self.auth = auth
        self.tls = tls
        self.oauth = oauth
        self.xoauth2_attempts = 0  # AUTH XOAUTH2 commands seen, accepted or not
        self.data_attempts = 0  # DATA commands seen, accepted or not
        self._deliveries: list[Delivery] = []
        self._changed = threading.Condition()
        self._controller: _Controller | None = None
        self._tls_dir: tempfile.TemporaryDirectory[str] | None = None
        self._server_context: ssl.SSLContext | None = None
        self.ca_path: Path | None = None
        if tls is not None:
            self._make_certificates()

    # -- lifecycle --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is not None:
            return
        handler = _Handler(self)
        controller = _Controller(
            handler,
            lambda: self._smtp(handler),
            hostname=self.host,
            port=self.port,
            ssl_context=self._server_context if self.tls == "ssl" else None,
        )
        try:
            controller.start()
        except OSError as error:
            where = f"{self.host}:{self.port}"
            raise LabError(f"LocalMTA could not listen on {where}: {error}") from error
        self.port = controller.port
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def close(self) -> None:
        self.stop()
        if self._tls_dir is not None:
            self._tls_dir.cleanup()
            self._tls_dir = None

    def _smtp(self, handler: _Handler) -> SMTP:
        return SMTP(
            handler,
            hostname="mta.lab.localhost",  # no DNS lookup (socket.getfqdn) per connection
            ident="mailwatch LocalMTA",
            enable_SMTPUTF8=True,
            tls_context=self._server_context if self.tls == "starttls" else None,
            require_starttls=self.tls == "starttls",
            # AUTH over plain text is fine on loopback. auth_required stays False (with
            # TLS off it would warn in every session): handle_MAIL enforces it instead.
            auth_require_tls=False,
            authenticator=self._authenticate if self.auth else None,
            # Without `auth` (or `oauth`), offer no AUTH at all, like a server that needs none.
            auth_exclude_mechanism=(["XOAUTH2"] if self.oauth is None else [])
            + ([] if self.auth else ["LOGIN", "PLAIN"]),
        )

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert self.auth is not None
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = self.auth
        ok = data.login == user.encode() and data.password == password.encode()
        return AuthResult(success=ok, handled=False, auth_data=data)

    # -- TLS --------------------------------------------------------------------------

    def _make_certificates(self) -> None:
        """A throwaway CA and a certificate for 127.0.0.1 and localhost (trustme)."""
        try:
            import trustme
        except ImportError as error:
            raise LabError(
                "LocalMTA TLS needs trustme.", "pip install trustme (it is in the test extra)"
            ) from error
        ca = trustme.CA()
        certificate = ca.issue_cert(LOOPBACK, "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        self._server_context = context
        self._tls_dir = tempfile.TemporaryDirectory(prefix="mailwatch-mta-ca-")
        self.ca_path = Path(self._tls_dir.name) / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this MTA's CA (and verifies the host name)."""
        if self.ca_path is None:
            raise LabError("This LocalMTA has no TLS; create it with tls='ssl' or 'starttls'.")
        return ssl.create_default_context(cafile=str(self.ca_path))

    # -- deliveries -------------------------------------------------------------------

    @property
    def deliveries(self) -> list[Delivery]:
        """A snapshot of every accepted message, oldest first."""
        with self._changed:
            return list(self._deliveries)

    def wait_for_deliveries(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until at least `count` messages were accepted; raise LabError on timeout."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._deliveries) >= count, timeout):
                raise LabError(
                    f"LocalMTA accepted {len(self._deliveries)} message(s) in {timeout} s, "
                    f"expected {count}."
                )
            return list(self._deliveries)

    def clear(self) -> None:
        """Forget the recorded deliveries (the log file is kept)."""
        with self._changed:
            self._deliveries.clear()

    def _record(self, delivery: Delivery) -> None:
        with self._changed:
            if self.log_path is not None:
                _append_synced(self.log_path, delivery.to_json() + "\n")
            self._deliveries.append(delivery)
            self._changed.notify_all()


def _append_synced(path: Path, line: str) -> None:
    """Append one line and fsync it (and the directory when the file is new)."""
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if new:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _imap_append(mailbox: Mailbox, raw: bytes, flags: Sequence[str]) -> None:
    from mailwatch.lab.account import imap_login

    account, folder = mailbox
    client = imap_login(account)
    try:
        client.append(folder, raw, flags=tuple(flags), msg_time=datetime.now(UTC))
    finally:
        with contextlib.suppress(Exception):
            client.logout()


class _Handler:
    """aiosmtpd hooks; all state lives on the LocalMTA so tests can change it live."""

    def __init__(self, mta: LocalMTA) -> None:
        self.mta = mta

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """AUTH XOAUTH2 (aiosmtpd finds `auth_*` methods on the handler)."""
        mta = self.mta
        mta.xoauth2_attempts += 1
        if mta.oauth is None:
            return AuthResult(success=False, handled=False)
        if len(args) == 1:
            blob = await server.challenge_auth("")  # no initial response: ask for it
            if not isinstance(blob, bytes):
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except ValueError:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        fields = dict(part.split(b"=", 1) for part in blob.split(b"\x01") if b"=" in part)
        user = fields.get(b"user", b"").decode("utf-8", "replace")
        bearer = fields.get(b"auth", b"").decode("utf-8", "replace")
        token = bearer[7:] if bearer.lower().startswith("bearer ") else ""
        check = mta.oauth
        try:
            accepted = bool(token) and await asyncio.to_thread(check, user, token)
        except Exception:
            # An introspection endpoint away: as a provider says it, "try again later".
            return AuthResult(
                success=False, handled=False, message="454 4.7.0 Temporary authentication failure"
            )
        if accepted:
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        # Google's way: the error as a JSON challenge, then 535 once the client answers.
        error = json.dumps({"status": "401", "schemes": "bearer", "scope": "mail"})
        answered = await server.challenge_auth(error)
        # An aborted exchange ("*") was answered by aiosmtpd already.
        return AuthResult(success=False, handled=not isinstance(answered, bytes))

    async def handle_MAIL(  # aiosmtpd's hook names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if (self.mta.auth is not None or self.mta.oauth is not None) and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = _lookup(self.mta.rcpt_replies, address)
        if reply == DROP:
            return await _drop(server)
        if reply is not None and not reply.startswith("2"):
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return reply or "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        mta = self.mta
        mta.data_attempts += 1
        reply = mta.data_replies.pop(0) if mta.data_replies else None
        if mta.on_data is not None:
            override = await _maybe_await(mta.on_data(envelope))
            reply = override if override is not None else reply
        if reply == DROP:
            return await _drop(server)
        if reply is not None and not reply.startswith("2"):
            await asyncio.sleep(mta.data_delay)
            return reply
        raw = envelope.original_content or b""
        # Filing the local copies and logging the delivery is the commit: once the
        # whole message is in, it completes even if the client hangs up meanwhile (as
        # a real server's queue write does), so a local copy never exists without
        # its log line. Shielded: aiosmtpd cancels the handler when the client drops.
        delivery = await asyncio.shield(self._accept(server, session, envelope, raw))
        if isinstance(delivery, str):
            return delivery
        if mta.after_accept is not None:
            await _maybe_await(mta.after_accept(delivery))
        await asyncio.sleep(mta.data_delay)
        return reply or "250 OK"

    async def _accept(
        self, server: SMTP, session: Session, envelope: Envelope, raw: bytes
    ) -> Delivery | str:
        """File the local copies, then log the delivery; a reply string if filing failed."""
        try:
            filed = await self._file(envelope, raw)
        except Exception as error:  # a provider that cannot store says "try later"
            return f"451 4.3.0 local delivery failed: {type(error).__name__}: {error}"[:500]
        delivery = Delivery(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            data=raw,
            message_id=message_id_of(raw),
            at=datetime.now(UTC),
            auth_user=_auth_user(session),
            tls=_is_tls(server, session),
            filed=filed,
        )
        # A blocking fsync on the loop thread: fine for a test server, and it is what
        # makes "logged" mean "on disk" before the client hears 250.
        self.mta._record(delivery)
        return delivery

    async def _file(self, envelope: Envelope, raw: bytes) -> list[str]:
        """APPEND to the recipients' local mailboxes and the sender's Sent copy."""
        targets: list[tuple[Mailbox, tuple[str, ...]]] = []
        for address in envelope.rcpt_tos:
            mailbox = _lookup(self.mta.local_mailboxes, address)
            if mailbox is not None and all(mailbox != known for known, _ in targets):
                targets.append((mailbox, ()))
        if self.mta.sender_copy is not None:
            targets.append((self.mta.sender_copy, ("\\Seen",)))
        for mailbox, flags in targets:
            await asyncio.to_thread(_imap_append, mailbox, raw, flags)
        return [f"{account.username}:{folder}" for (account, folder), _ in targets]


def _lookup(table: dict[str, Any], address: str) -> Any:
    """Addresses compare case-insensitively (the domain is, and providers fold the rest)."""
    wanted = address.lower()
    for key, value in table.items():
        if key.lower() == wanted:
            return value
    return None


def _is_tls(server: SMTP, session: Session) -> bool:
    # STARTTLS fills session.ssl; implicit TLS only shows on the transport.
    transport = server.transport
    return session.ssl is not None or (
        transport is not None and transport.get_extra_info("ssl_object") is not None
    )


def _auth_user(session: Session) -> str | None:
    data = session.auth_data
    if isinstance(data, LoginPassword):
        return data.login.decode("utf-8", "replace")
    return None


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def _drop(server: SMTP) -> str:
    """Abort the connection like a network failure; aiosmtpd then cancels this task."""
    if isinstance(server.transport, asyncio.Transport):
        server.transport.abort()
    elif server.transport is not None:
        server.transport.close()
    await asyncio.sleep(3600)  # cancelled by connection_lost()
    return "421 4.4.2 connection dropped"  # not reached
