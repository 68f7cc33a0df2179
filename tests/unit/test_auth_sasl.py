"""How the IMAP adapter signs in with a token: which mechanism, and what a refusal means
(the real exchange with Dovecot is in tests/integration/test_oauth.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from imapclient.exceptions import LoginError

from mailwatch.auth.errors import SignInRequired
from mailwatch.auth.providers import resolve
from mailwatch.config.model import OAuth2
from mailwatch.errors import AuthenticationFailed
from mailwatch.imap.client import oauth_login


@dataclass
class FakeTokens:
    """A TokenSource stand-in: hands out t1, renews to t2 (or refuses to)."""

    renewable: bool = True
    renewed: list[str] = field(default_factory=list)
    provider = resolve(OAuth2(provider="google", client_id="g"))

    def access_token(self) -> str:
        return "t1"

    def renew(self, rejected: str) -> str:
        self.renewed.append(rejected)
        if not self.renewable:
            raise SignInRequired("The sign-in has expired or was revoked. Run `mailwatch login`.")
        return "t2"


@dataclass
class FakeClient:
    offered: tuple[bytes, ...]
    accept: set[str] = field(default_factory=lambda: {"t1"})
    refusal: str = "[AUTHENTICATIONFAILED] Invalid credentials (Failure)"
    calls: list[tuple[str, str, str]] = field(default_factory=list)

    def capabilities(self) -> tuple[bytes, ...]:
        return self.offered

    def _sign_in(self, mechanism: str, user: str, token: str) -> list[bytes]:
        self.calls.append((mechanism, user, token))
        if token not in self.accept:
            raise LoginError(self.refusal)
        return [b"Logged in"]

    def oauth2_login(self, user: str, token: str) -> list[bytes]:
        return self._sign_in("XOAUTH2", user, token)

    def oauthbearer_login(self, user: str, token: str) -> list[bytes]:
        return self._sign_in("OAUTHBEARER", user, token)


GMAIL = (b"IMAP4REV1", b"AUTH=XOAUTH2", b"AUTH=OAUTHBEARER", b"AUTH=PLAIN")


def test_xoauth2_is_preferred() -> None:
    client = FakeClient(GMAIL)
    assert oauth_login(client, "sam@gmail.test", FakeTokens(), "imap.gmail.com:993") == "XOAUTH2"  # type: ignore[arg-type]
    assert client.calls == [("XOAUTH2", "sam@gmail.test", "t1")]


def test_oauthbearer_when_it_is_the_only_one() -> None:
    client = FakeClient((b"IMAP4REV1", b"AUTH=OAUTHBEARER"))
    assert oauth_login(client, "sam@x.test", FakeTokens(), "x:993") == "OAUTHBEARER"  # type: ignore[arg-type]


def test_no_oauth_mechanism_says_what_to_change() -> None:
    with pytest.raises(AuthenticationFailed) as caught:
        oauth_login(FakeClient((b"IMAP4REV1", b"AUTH=PLAIN")), "s", FakeTokens(), "x:993")  # type: ignore[arg-type]
    assert 'auth = "password"' in caught.value.hint


def test_a_refused_token_is_renewed_once_then_accepted() -> None:
    client = FakeClient(GMAIL, accept={"t2"})
    tokens = FakeTokens()
    oauth_login(client, "s", tokens, "x:993")  # type: ignore[arg-type]
    assert tokens.renewed == ["t1"] and [c[2] for c in client.calls] == ["t1", "t2"]


def test_a_fresh_token_refused_too_is_reported_not_retried() -> None:
    client = FakeClient(GMAIL, accept=set())
    tokens = FakeTokens()
    with pytest.raises(AuthenticationFailed) as caught:
        oauth_login(client, "s", tokens, "x:993")  # type: ignore[arg-type]
    assert len(client.calls) == 2 and tokens.renewed == ["t1"]
    assert "password" not in caught.value.message


def test_a_renewal_refused_is_a_sign_in_to_redo() -> None:
    with pytest.raises(SignInRequired):
        oauth_login(FakeClient(GMAIL, accept=set()), "s", FakeTokens(renewable=False), "x:993")  # type: ignore[arg-type]


def test_a_busy_server_is_not_a_refused_token() -> None:
    client = FakeClient(GMAIL, accept=set(), refusal="[UNAVAILABLE] Maintenance, try later")
    tokens = FakeTokens()
    with pytest.raises(LoginError):
        oauth_login(client, "s", tokens, "x:993")  # type: ignore[arg-type]
    assert tokens.renewed == []  # nothing renewed for a server that is only busy
