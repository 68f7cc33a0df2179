"""The token file and TokenSource: refresh before expiry, once after a refusal, shared
between threads and processes, and a sign-in to redo remembered until the file changes."""

from __future__ import annotations

import json
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailwatch.auth.errors import SignInRequired
from mailwatch.auth.flows import OAuthClient, device_flow
from mailwatch.auth.providers import resolve
from mailwatch.auth.source import REFRESH_MARGIN_SECONDS, TokenSource, client_secret, source_for
from mailwatch.auth.tokens import TokenFile, TokenSet
from mailwatch.config.model import OAuth2
from mailwatch.errors import ConfigError, ConnectionFailed
from mailwatch.lab.oauth import LabOAuth

USER = "sam@lab.test"


@pytest.fixture
def idp() -> Iterator[LabOAuth]:
    with LabOAuth(email=USER) as server:
        yield server


def oauth2(idp: LabOAuth, **extra: str) -> OAuth2:
    return OAuth2(
        provider="custom",
        client_id=idp.client_id,
        token_url=idp.token_url,
        device_url=idp.device_url,
        scopes=["imap", "smtp", "offline_access"],
        **extra,  # type: ignore[arg-type]
    )


def signed_in(idp: LabOAuth, path: Path) -> TokenSet:
    """`mailwatch login`, as far as the file goes."""
    tokens = device_flow(
        OAuthClient(resolve(oauth2(idp))), username=USER, say=lambda t: None, sleep=lambda s: None
    )
    file = TokenFile(path)
    with file.locked():
        file.write(tokens)
    return tokens


def source(idp: LabOAuth, path: Path, clock: list[float] | None = None) -> TokenSource:
    now = clock if clock is not None else [time.time()]
    return TokenSource(resolve(oauth2(idp)), path, clock=lambda: now[0])


def test_the_token_file_is_private_and_readable_by_people(tmp_path: Path, idp: LabOAuth) -> None:
    path = tmp_path / "state" / "token.json"
    tokens = signed_in(idp, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = json.loads(path.read_text())
    assert data["refresh_token"] == tokens.refresh_token
    assert data["expires"].endswith("+00:00")  # a date a person can read
    assert TokenFile(path).read() == tokens
    # No temporary file left behind by the atomic write.
    assert sorted(p.name for p in path.parent.iterdir()) == ["token.json", "token.json.lock"]


def test_a_file_left_readable_by_others_is_tightened(tmp_path: Path, idp: LabOAuth) -> None:
    path = tmp_path / "token.json"
    signed_in(idp, path)
    path.chmod(0o644)
    TokenFile(path).read()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_valid_token_is_used_without_asking_the_provider(tmp_path: Path, idp: LabOAuth) -> None:
    tokens = signed_in(idp, tmp_path / "t.json")
    tokens_source = source(idp, tmp_path / "t.json")
    assert tokens_source.access_token() == tokens.access_token
    assert idp.counts["token:refresh_token"] == 0


def test_a_token_about_to_expire_is_refreshed_first(tmp_path: Path, idp: LabOAuth) -> None:
    path = tmp_path / "t.json"
    tokens = signed_in(idp, path)
    clock = [tokens.expires_at - REFRESH_MARGIN_SECONDS + 1]  # 4 min 59 s left
    tokens_source = source(idp, path, clock)
    fresh = tokens_source.access_token()
    assert fresh != tokens.access_token
    assert idp.counts["token:refresh_token"] == 1
    saved = TokenFile(path).read()
    assert saved.access_token == fresh
    # The provider rotated the refresh token: the new one is kept, the old one is spent.
    assert saved.refresh_token != tokens.refresh_token
    assert saved.refresh_token in idp.live_tokens("refresh")
    assert tokens.refresh_token not in idp.live_tokens("refresh")


def test_a_refused_token_is_renewed_once(tmp_path: Path, idp: LabOAuth) -> None:
    path = tmp_path / "t.json"
    tokens = signed_in(idp, path)
    tokens_source = source(idp, path)
    renewed = tokens_source.renew(tokens.access_token)
    assert renewed != tokens.access_token
    # A second refusal of the OLD token (another connection's) does not refresh again.
    assert tokens_source.renew(tokens.access_token) == renewed
    assert idp.counts["token:refresh_token"] == 1


def test_many_threads_share_one_refresh(tmp_path: Path, idp: LabOAuth) -> None:
    path = tmp_path / "t.json"
    tokens = signed_in(idp, path)
    tokens_source = source(idp, path, [tokens.expires_at])  # expired
    got: list[str] = []
    threads = [
        threading.Thread(target=lambda: got.append(tokens_source.access_token())) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(got)) == 1 and idp.counts["token:refresh_token"] == 1


def test_two_processes_do_not_refresh_twice(tmp_path: Path, idp: LabOAuth) -> None:
    """`mailwatch run` and a `check-config`: the second reads what the first wrote."""
    path = tmp_path / "t.json"
    tokens = signed_in(idp, path)
    clock = [time.time()]
    first, second = source(idp, path, clock), source(idp, path, clock)
    assert first.access_token() == second.access_token() == tokens.access_token
    clock[0] = tokens.expires_at  # an hour later, both need a new token
    fresh = first.access_token()
    assert second.access_token() == fresh
    assert idp.counts["token:refresh_token"] == 1  # the rotated refresh token was not reused


def test_a_revoked_sign_in_is_remembered_until_a_new_one(tmp_path: Path, idp: LabOAuth) -> None:
    path = tmp_path / "t.json"
    tokens = signed_in(idp, path)
    tokens_source = source(idp, path)
    idp.revoke(USER)
    with pytest.raises(SignInRequired) as caught:
        tokens_source.renew(tokens.access_token)
    assert "expired or was revoked" in caught.value.message
    assert "mailwatch login" in caught.value.message  # the health file shows the message only
    assert "password" not in str(caught.value)
    # Asked again (the daemon's next try): same answer, the provider is not asked.
    with pytest.raises(SignInRequired):
        tokens_source.access_token()
    with pytest.raises(SignInRequired):
        tokens_source.renew("anything")
    assert idp.counts["token:refresh_token"] == 1
    # `mailwatch login` writes a new file: it is used at once.
    again = signed_in(idp, path)
    assert tokens_source.access_token() == again.access_token


def test_refresh_failure_invalid_grant(tmp_path: Path, idp: LabOAuth) -> None:
    path = tmp_path / "t.json"
    tokens = signed_in(idp, path)
    idp.refresh_failure = "invalid_grant"
    with pytest.raises(SignInRequired, match=r"refused to renew it: invalid_grant"):
        source(idp, path, [tokens.expires_at]).access_token()


def test_a_provider_that_is_down_is_not_a_sign_in_to_redo(tmp_path: Path, idp: LabOAuth) -> None:
    path = tmp_path / "t.json"
    tokens = signed_in(idp, path)
    tokens_source = source(idp, path, [tokens.expires_at])
    idp.refresh_failure = "server_error"
    with pytest.raises(ConnectionFailed) as caught:
        tokens_source.access_token()
    assert not isinstance(caught.value, SignInRequired)
    assert "HTTP 500" in caught.value.message
    # Not remembered as dead: once the provider is back, it works.
    idp.refresh_failure = None
    assert tokens_source.access_token()
    idp.stop()
    with pytest.raises(ConnectionFailed, match="Cannot reach the sign-in provider"):
        source(idp, path, [time.time() + 10**6]).access_token()


def test_no_sign_in_yet(tmp_path: Path, idp: LabOAuth) -> None:
    with pytest.raises(SignInRequired) as caught:
        source(idp, tmp_path / "none.json").access_token()
    assert "You have not signed in yet" in caught.value.message
    assert "mailwatch login" in caught.value.message


def test_a_damaged_file(tmp_path: Path, idp: LabOAuth) -> None:
    path = tmp_path / "t.json"
    path.write_text("{not json")
    with pytest.raises(SignInRequired, match="damaged"):
        source(idp, path).access_token()


def test_a_sign_in_for_another_app_id_is_not_used(tmp_path: Path, idp: LabOAuth) -> None:
    path = tmp_path / "t.json"
    signed_in(idp, path)
    other = TokenSource(resolve(oauth2(idp).model_copy(update={"client_id": "other-app"})), path)
    with pytest.raises(SignInRequired, match="another provider or app id"):
        other.access_token()


def test_the_client_secret_comes_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    config = OAuth2(provider="google", client_id="g", client_secret_env="MW_TEST_SECRET")
    monkeypatch.delenv("MW_TEST_SECRET", raising=False)
    with pytest.raises(ConfigError) as caught:
        client_secret(config, file="c.toml")
    (problem,) = caught.value.problems
    assert problem.key == "oauth2.client_secret_env" and "is not set" in problem.what
    monkeypatch.setenv("MW_TEST_SECRET", "GOCSPX-s3cret")
    assert client_secret(config) == "GOCSPX-s3cret"


def test_one_source_per_token_file(tmp_path: Path, idp: LabOAuth) -> None:
    config = oauth2(idp)
    a = source_for(config, tmp_path / "a.json")
    assert source_for(config, tmp_path / "a.json") is a
    assert source_for(config, tmp_path / "b.json") is not a
