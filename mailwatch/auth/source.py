"""`TokenSource`: what the IMAP and SMTP adapters ask for an access token.

One per token file in a process (`source_for`), shared by every connection: the
daemon's IDLE watcher, its sync connection and the SMTP sends use one access token
and refresh it once, not three times. Thread-safe: imapclient runs in worker threads.

- An access token is handed out only if it stays valid for a few more minutes;
  otherwise it is refreshed first (under the token file's lock, after re-reading the
  file: another process may have refreshed it already).
- After a server refused a token (`renew(rejected)`), it is refreshed once; if the
  server refuses the fresh one too, the adapter says so and stops (no loop).
- A sign-in that cannot be used (none yet, expired, revoked, for another app id) is
  remembered with the token file's fingerprint: until the file changes (a new
  `mailwatch login`), asking again raises the same SignInRequired at once, without
  bothering the provider. When the file changes, the new sign-in is used at once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from mailwatch.auth import flows
from mailwatch.auth.errors import SignInRequired
from mailwatch.auth.flows import OAuthClient
from mailwatch.auth.providers import Provider, resolve
from mailwatch.auth.tokens import Fingerprint, TokenFile, TokenSet
from mailwatch.config.model import OAuth2
from mailwatch.errors import ConfigError, Problem, UsageError
from mailwatch.logs import register_secret

log = logging.getLogger("mailwatch.auth")

# Refresh when less than this is left: a connection that starts with a token about to
# expire would fail halfway through its login on a slow link.
REFRESH_MARGIN_SECONDS = 300.0


class TokenSource:
    def __init__(
        self,
        provider: Provider,
        path: Path,
        *,
        client_secret: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = OAuthClient(provider, client_secret)
        self.file = TokenFile(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: TokenSet | None = None
        self._seen: Fingerprint = None  # the file as it was when _tokens was read or written
        self._dead: tuple[Fingerprint, SignInRequired] | None = None
        self.refreshes = 0  # how many refreshes this process made (tests and figures)

    @property
    def provider(self) -> Provider:
        return self.client.provider

    def access_token(self, *, min_valid: float = REFRESH_MARGIN_SECONDS) -> str:
        """An access token valid for at least `min_valid` more seconds."""
        with self._lock:
            return self._current(min_valid, rejected=None).access_token

    def renew(self, rejected: str) -> str:
        """A server refused `rejected`: a fresh token (unless another thread or process
        has renewed it meanwhile). SignInRequired if the provider will not renew."""
        with self._lock:
            return self._current(REFRESH_MARGIN_SECONDS, rejected=rejected).access_token

    def refreshed(self) -> TokenSet:
        """Refresh now, whatever is left of the current token (check-config: proves the
        sign-in still renews, which a still-valid access token does not show)."""
        with self._lock:
            current = self._current(0, rejected=None)
            return self._current(0, rejected=current.access_token)

    def _current(self, min_valid: float, rejected: str | None) -> TokenSet:
        fingerprint = self.file.fingerprint()
        if self._dead is not None:
            if self._dead[0] == fingerprint:
                error = self._dead[1]
                raise SignInRequired(error.message, error.hint)
            self._dead = None  # a new sign-in (or the file restored): try it
        try:
            if self._tokens is None or fingerprint != self._seen:
                self._load()
            assert self._tokens is not None
            if self._usable(self._tokens, min_valid, rejected):
                return self._tokens
            with self.file.locked():
                self._load()  # another process may have refreshed while we waited
                assert self._tokens is not None
                if self._usable(self._tokens, min_valid, rejected):
                    return self._tokens
                return self._refresh(self._tokens)
        except SignInRequired as exc:
            self._dead = (self.file.fingerprint(), exc)
            # Info only: the caller reports it (the daemon logs and records it, the
            # CLI prints it); a warning here would say everything twice.
            log.info("%s", exc.message)
            raise

    def _usable(self, tokens: TokenSet, min_valid: float, rejected: str | None) -> bool:
        return (
            bool(tokens.access_token)
            and tokens.access_token != rejected
            and tokens.seconds_left(self._clock()) > min_valid
        )

    def _load(self) -> None:
        fingerprint = self.file.fingerprint()
        tokens = self.file.read()
        if not tokens.matches(self.provider.identity):
            raise SignInRequired(
                f"The sign-in saved in {self.file.path} was made with another provider or "
                f"app id ({tokens.provider}, client_id {tokens.client_id}) than [oauth2] "
                "now names. Run `mailwatch login` to sign in with the current settings."
            )
        self._tokens, self._seen = tokens, fingerprint

    def _refresh(self, tokens: TokenSet) -> TokenSet:
        started = time.monotonic()
        fresh = flows.refresh(self.client, tokens, now=self._clock())
        self.file.write(fresh)
        self._tokens, self._seen = fresh, self.file.fingerprint()
        self.refreshes += 1
        log.info(
            "renewed the %s access token in %.2f s (valid %d min)",
            self.provider.label,
            time.monotonic() - started,
            fresh.seconds_left(self._clock()) // 60,
        )
        return fresh


_SOURCES: dict[tuple[str, ...], TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def client_secret(oauth2: OAuth2, *, file: str = "config.toml") -> str:
    """The app's client secret from its environment variable ("" when there is none)."""
    name = oauth2.client_secret_env
    if not name:
        return ""
    value = os.environ.get(name, "")
    if not value:
        what = "is set but empty" if name in os.environ else "is not set"
        raise ConfigError(
            [
                Problem(
                    file,
                    "oauth2.client_secret_env",
                    f"the environment variable {name} {what}",
                    "export it with your app's client secret before starting mailwatch, or "
                    "remove client_secret_env if your app has no secret",
                )
            ]
        )
    register_secret(value)
    return value


def source_for(oauth2: OAuth2 | None, token_file: Path | None, *, file: str = "") -> TokenSource:
    """The process's TokenSource for this [oauth2] table and token file."""
    if oauth2 is None or token_file is None:
        raise UsageError(
            'auth = "oauth2" needs the [oauth2] section, which this configuration lacks.',
            'Add [oauth2] with provider and client_id (see the README), or set auth = "password".',
        )
    provider = resolve(oauth2)
    secret = client_secret(oauth2, file=file or "config.toml")
    key = (str(Path(token_file).absolute()), *provider.identity.values(), secret)
    with _SOURCES_LOCK:
        source = _SOURCES.get(key)
        if source is None:
            source = _SOURCES[key] = TokenSource(provider, Path(token_file), client_secret=secret)
        return source
