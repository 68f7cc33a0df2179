"""The real outbox: aiosmtplib, TLS chosen explicitly, per-recipient results read.

aiosmtplib's default upgrades to TLS only if the server offers STARTTLS and
otherwise silently sends in clear text; here the security setting decides, and
clear text is only possible towards this machine (checked by the config too).
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import logging
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING

import aiosmtplib

from mailwatch.config.model import Smtp, is_loopback
from mailwatch.errors import AuthenticationFailed, ConnectionFailed, UsageError
from mailwatch.smtp.base import (
    BeforeData,
    Delivery,
    DeliveryUnknown,
    PermanentFailure,
    TemporaryFailure,
)
from mailwatch.tls import tls_context

if TYPE_CHECKING:
    from mailwatch.auth.source import TokenSource

log = logging.getLogger("mailwatch.smtp")


def _reply(code: int, message: str) -> str:
    return f"{code} {message}".strip()


class SmtpOutbox:
    def __init__(
        self,
        config: Smtp,
        password: str,
        *,
        ca_file: str = "",
        tokens: TokenSource | None = None,
    ) -> None:
        if config.security == "none" and not is_loopback(config.host):
            raise UsageError(f"Refusing a plain-text SMTP connection to {config.host}.")
        self.config = config
        self._password = password
        self._ca_file = ca_file
        self._tokens = tokens  # auth = "oauth2": where access tokens come from

    def token_source(self) -> TokenSource:
        if self._tokens is None:
            from mailwatch.auth.source import source_for

            cfg = self.config
            self._tokens = source_for(cfg.oauth2, cfg.token_file, file=cfg.source_file)
        return self._tokens

    def _client(self) -> aiosmtplib.SMTP:
        cfg = self.config
        return aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            use_tls=cfg.security == "ssl",
            start_tls=cfg.security == "starttls",  # never "if offered"
            tls_context=tls_context(self._ca_file) if cfg.security != "none" else None,
            timeout=cfg.timeout_seconds,
        )

    async def check(self) -> str:
        """Connect and log in, nothing more (for `check-config`)."""
        smtp = self._client()
        try:
            await self._open(smtp)
            return f"{self.config.host}:{self.config.port}"
        finally:
            await self._close(smtp)

    async def _open(self, smtp: aiosmtplib.SMTP) -> None:
        where = f"{self.config.host}:{self.config.port}"
        try:
            await smtp.connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            # No server spoke, so this is not "the server asked to try again later".
            raise _connect_failure(self.config.host, where, exc) from exc
        if self.config.username and self.config.auth == "oauth2":
            await self._oauth_login(smtp, where)
        elif self.config.username:
            try:
                await smtp.login(self.config.username, self._password)
            except aiosmtplib.SMTPAuthenticationError as exc:
                raise AuthenticationFailed(
                    f"The SMTP server {where} refused the login for {self.config.username!r}.",
                    "Check [smtp] username and its password source; some providers need "
                    "an app password.",
                ) from exc
            except (aiosmtplib.SMTPException, OSError) as exc:
                raise TemporaryFailure(f"login to {where} failed: {exc}") from exc

    async def _oauth_login(self, smtp: aiosmtplib.SMTP, where: str) -> None:
        """AUTH XOAUTH2 with an access token; a refused token is renewed once.

        The token source blocks (file lock, HTTP refresh): it runs in a thread so the
        event loop keeps serving the daemon meanwhile.
        """
        username = self.config.username
        tokens = self.token_source()
        try:
            if smtp.is_ehlo_or_helo_needed:
                await smtp.ehlo()
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"login to {where} failed: {exc}") from exc
        if "xoauth2" not in smtp.server_auth_methods:
            raise AuthenticationFailed(
                f"The SMTP server {where} does not offer OAuth 2.0 sign-in (XOAUTH2).",
                "Check [smtp] host and port; for a server that takes a password, set [smtp] "
                'auth = "password".',
            )
        token = await asyncio.to_thread(tokens.access_token)
        for attempt in (1, 2):
            try:
                await _xoauth2(smtp, username, token)
                return
            except aiosmtplib.SMTPAuthenticationError as exc:
                if 400 <= exc.code < 500:
                    raise TemporaryFailure(
                        f"login to {where} failed: {_reply(exc.code, exc.message)}"
                    ) from None
                if attempt == 2:
                    raise AuthenticationFailed(
                        f"The SMTP server {where} refused the sign-in for {username!r}, even "
                        f"with a freshly renewed {tokens.provider.label} token "
                        f"({_reply(exc.code, exc.message)}).",
                        "Check that [smtp] username is the address you signed in with in "
                        "`mailwatch login`, and that authenticated SMTP is allowed for this "
                        "mailbox (Microsoft 365: admin center, Users, Mail, Manage email apps, "
                        "Authenticated SMTP).",
                    ) from None
                log.info("the SMTP server %s refused the access token; renewing it once", where)
                token = await asyncio.to_thread(tokens.renew, token)
            except (aiosmtplib.SMTPException, OSError) as exc:
                raise TemporaryFailure(f"login to {where} failed: {exc}") from exc

    @staticmethod
    async def _close(smtp: aiosmtplib.SMTP) -> None:
        try:
            if smtp.is_connected:
                await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()

    async def send(
        self,
        sender: str,
        recipients: Sequence[str],
        raw: bytes,
        before_data: BeforeData | None = None,
    ) -> Delivery:
        smtp = self._client()
        await self._open(smtp)
        try:
            return await self._transaction(smtp, sender, recipients, raw, before_data)
        finally:
            await self._close(smtp)

    async def _transaction(
        self,
        smtp: aiosmtplib.SMTP,
        sender: str,
        recipients: Sequence[str],
        raw: bytes,
        before_data: BeforeData | None,
    ) -> Delivery:
        try:
            await smtp.mail(sender)
        except aiosmtplib.SMTPResponseException as exc:
            raise _failure(exc.code, _reply(exc.code, exc.message)) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"connection lost before sending: {exc}") from exc
        accepted: list[str] = []
        refused: dict[str, str] = {}
        for recipient in recipients:
            try:
                await smtp.rcpt(recipient)
                accepted.append(recipient)
            except aiosmtplib.SMTPRecipientRefused as exc:
                refused[recipient] = _reply(exc.code, exc.message)
            except (aiosmtplib.SMTPException, OSError) as exc:
                raise TemporaryFailure(f"connection lost before sending: {exc}") from exc
        if not accepted:
            worst = "\n".join(f"{a}: {r}" for a, r in refused.items())
            permanent = all(r.startswith("5") for r in refused.values())
            cls = PermanentFailure if permanent else TemporaryFailure
            raise cls(worst, refused)
        if before_data is not None:
            result = before_data()
            if inspect.isawaitable(result):
                await result
        try:
            await smtp.data(raw)
        except aiosmtplib.SMTPDataError as exc:
            raise _failure(exc.code, _reply(exc.code, exc.message), refused) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # The text went out but no final answer came back: accepted or not, we can't tell.
            raise DeliveryUnknown(
                f"The connection broke while the message was being sent: {exc}."
            ) from exc
        log.info("delivered to %s (%d refused)", ", ".join(accepted), len(refused))
        return Delivery(tuple(accepted), refused)


async def _xoauth2(smtp: aiosmtplib.SMTP, username: str, token: str) -> None:
    """AUTH XOAUTH2: aiosmtplib's own method where it has one (5.x), else by hand."""
    method = getattr(smtp, "auth_xoauth2", None)
    if method is not None:
        await method(username, token)
        return
    blob = base64.b64encode(f"user={username}\x01auth=Bearer {token}\x01\x01".encode())
    response = await smtp.execute_command(b"AUTH", b"XOAUTH2", blob)
    if response.code == 334:
        # The server's error details come as a challenge; an empty line ends the exchange.
        response = await smtp.execute_command(b"")
    if response.code != 235:
        raise aiosmtplib.SMTPAuthenticationError(response.code, response.message)


def _connect_failure(host: str, where: str, exc: BaseException) -> ConnectionFailed:
    """Why no connection was made, in words: the name unknown (DNS), or the server away."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, socket.gaierror):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, socket.gaierror):
        return ConnectionFailed(
            f"Cannot find the server {host} (DNS): {cause.strerror or cause}.",
            "Check [smtp] host for a typo, and that this computer is online.",
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):  # it answered, but refused us
        detail = _reply(exc.code, exc.message)
    elif isinstance(exc.__cause__ or exc, ConnectionRefusedError):
        detail = "the connection was refused (nothing listens on that port)"
    elif isinstance(exc, aiosmtplib.SMTPConnectTimeoutError | TimeoutError):
        detail = "no answer in time"
    else:
        detail = str(exc.__cause__ or exc)
    return ConnectionFailed(
        f"Cannot connect to the SMTP server {where}: {detail}.",
        "Check [smtp] host, port and security; mailwatch tries again later by itself.",
    )


def _failure(
    code: int, reply: str, refused: dict[str, str] | None = None
) -> TemporaryFailure | PermanentFailure:
    return (PermanentFailure if code >= 500 else TemporaryFailure)(reply, refused)
