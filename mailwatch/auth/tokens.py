"""The token file: where the sign-in lives between runs.

One JSON file, mode 0600, written atomically (temp file, fsync, rename: a crash never
leaves half a file) through `mailwatch.store.atomic.atomic_write_bytes`. It holds the
refresh token and the current access token, and says which provider and app id they
belong to, so that a changed [oauth2] table is noticed instead of failing obscurely.

Several processes may use it at once (`mailwatch run`, a `check-config`, a new
`mailwatch login`): every read-refresh-write happens under a file lock beside it, so a
refresh token is never used twice and a new sign-in is never overwritten by an old one.
"""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from mailwatch.auth.errors import SignInRequired
from mailwatch.errors import MailwatchError
from mailwatch.logs import register_secret
from mailwatch.store.atomic import atomic_write_bytes, make_private_dir, make_private_file

FORMAT = 1
LOCK_TIMEOUT_SECONDS = 60.0  # longer than a refresh can take (HTTP timeout 30 s)


@dataclass(frozen=True)
class TokenSet:
    """What a sign-in gave us. Times are Unix seconds (UTC)."""

    refresh_token: str
    access_token: str
    expires_at: float  # when the access token stops working
    provider: str
    client_id: str
    token_url: str
    scope: str | None = None  # what the provider says it granted, if it says
    username: str = ""  # the mailbox address signed in for (from the configuration)
    signed_in_at: float = 0.0
    refreshed_at: float = 0.0

    def register(self) -> TokenSet:
        """Mask both tokens in every log line, error and output from now on."""
        register_secret(self.refresh_token)
        register_secret(self.access_token)
        return self

    def seconds_left(self, now: float) -> float:
        return self.expires_at - now

    def matches(self, identity: Mapping[str, str]) -> bool:
        mine = {"provider": self.provider, "client_id": self.client_id, "token_url": self.token_url}
        return all(mine[key] == value for key, value in identity.items())

    def with_access(
        self,
        access_token: str,
        expires_at: float,
        refresh_token: str,
        scope: str | None,
        now: float,
    ) -> TokenSet:
        return replace(
            self,
            access_token=access_token,
            expires_at=expires_at,
            # Providers may rotate the refresh token (Microsoft does): keep the newest.
            refresh_token=refresh_token or self.refresh_token,
            scope=scope if scope is not None else self.scope,
            refreshed_at=now,
        )

    def to_json(self) -> bytes:
        data: dict[str, Any] = asdict(self)
        data["format"] = FORMAT
        for key in ("expires_at", "signed_in_at", "refreshed_at"):
            # Readable dates for a person who opens the file; seconds are what count.
            data[key.replace("_at", "")] = _iso(data[key])
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes) -> TokenSet:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a mailwatch token file of a known format")
        values = {
            "refresh_token": str(data["refresh_token"]),
            "access_token": str(data.get("access_token") or ""),
            "expires_at": float(data.get("expires_at") or 0),
            "provider": str(data["provider"]),
            "client_id": str(data["client_id"]),
            "token_url": str(data["token_url"]),
            "scope": data.get("scope") if isinstance(data.get("scope"), str) else None,
            "username": str(data.get("username") or ""),
            "signed_in_at": float(data.get("signed_in_at") or 0),
            "refreshed_at": float(data.get("refreshed_at") or 0),
        }
        if not values["refresh_token"]:
            raise ValueError("the token file holds no refresh token")
        return cls(**values)  # type: ignore[arg-type]


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds") if seconds else ""


Fingerprint = tuple[int, int, int] | None  # (inode, size, mtime_ns); None: no file


class TokenFile:
    """The file and its lock. Reads register the tokens as secrets."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = FileLock(str(self.path.with_name(self.path.name + ".lock")))

    def fingerprint(self) -> Fingerprint:
        """Changes whenever the file is replaced (a new sign-in, or a refresh elsewhere)."""
        try:
            info = self.path.stat()
        except OSError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)

    @contextmanager
    def locked(self) -> Iterator[None]:
        make_private_dir(self.path.parent)
        try:
            with self._lock.acquire(timeout=LOCK_TIMEOUT_SECONDS):
                yield
        except Timeout:
            raise MailwatchError(
                f"Another mailwatch process has held the sign-in ({self.path}) for over "
                f"{LOCK_TIMEOUT_SECONDS:.0f} s.",
                "Wait a moment and try again; if it repeats, stop the other mailwatch process.",
            ) from None

    def read(self) -> TokenSet:
        """The saved sign-in; SignInRequired when there is none or it cannot be used."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise SignInRequired(
                f"You have not signed in yet (no sign-in is saved in {self.path}). Run "
                "`mailwatch login` once.",
                "mailwatch keeps the sign-in and renews it by itself from then on.",
            ) from None
        except OSError as exc:
            raise SignInRequired(
                f"The sign-in saved in {self.path} cannot be read ({exc.strerror}). Check "
                "that this user owns the file, or run `mailwatch login` to save it anew."
            ) from None
        try:
            tokens = TokenSet.from_json(raw)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise SignInRequired(
                f"The file {self.path} does not hold a sign-in mailwatch can read (damaged?). "
                "Run `mailwatch login` to sign in again; it replaces the file."
            ) from None
        # Another tool (or a copy) may have left it readable by others: tighten it.
        if self.path.exists() and stat.S_IMODE(self.path.stat().st_mode) & 0o077:
            make_private_file(self.path)
        return tokens.register()

    def write(self, tokens: TokenSet) -> None:
        """Replace the file atomically, mode 0600 (call under `locked()`)."""
        make_private_dir(self.path.parent)
        atomic_write_bytes(self.path, tokens.to_json())


def from_token_answer(
    answer: Mapping[str, Any],
    *,
    provider: str,
    client_id: str,
    token_url: str,
    username: str,
    now: float | None = None,
    previous: TokenSet | None = None,
) -> TokenSet:
    """A TokenSet from a token endpoint's answer (RFC 6749 §5.1).

    Without a refresh token in the answer, a refresh keeps the previous one; a first
    sign-in without one is an error (the caller says what to do).
    """
    now = time.time() if now is None else now
    access = answer.get("access_token")
    if not isinstance(access, str) or not access:
        raise ValueError("the answer has no access_token")
    register_secret(access)
    refresh = answer.get("refresh_token")
    refresh = refresh if isinstance(refresh, str) else ""
    register_secret(refresh)
    try:
        lifetime = float(answer.get("expires_in", 3600))
    except (TypeError, ValueError):
        lifetime = 3600.0
    # RFC 6749 makes expires_in optional; one hour is what Google and Microsoft give.
    expires_at = now + max(lifetime, 0.0)
    scope = answer.get("scope") if isinstance(answer.get("scope"), str) else None
    if previous is not None:
        return previous.with_access(access, expires_at, refresh, scope, now)
    return TokenSet(
        refresh_token=refresh,
        access_token=access,
        expires_at=expires_at,
        provider=provider,
        client_id=client_id,
        token_url=token_url,
        scope=scope,
        username=username,
        signed_in_at=now,
        refreshed_at=now,
    )
