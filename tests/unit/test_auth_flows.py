"""The sign-in flows against the local authorization server (loopback HTTP only).

Device code flow (RFC 8628) with every answer a provider gives while the owner types
the code; the loopback redirect with PKCE (RFC 8252, RFC 7636), including an answer
whose state is not ours; and what a sign-in must bring back (a refresh token, the
mail scope).
"""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from mailwatch.auth import pkce
from mailwatch.auth.errors import SignInFailed
from mailwatch.auth.flows import (
    MIN_INTERVAL,
    SLOW_DOWN_STEP,
    OAuthClient,
    authorize_url,
    browser_flow,
    device_flow,
)
from mailwatch.auth.loopback import parse_answer
from mailwatch.auth.providers import Provider, resolve
from mailwatch.config.model import OAuth2
from mailwatch.lab.oauth import LabOAuth, browse
from mailwatch.logs import MASK, redact

USER = "sam@lab.test"
SCOPES = ["imap", "smtp", "offline_access"]


@pytest.fixture
def idp() -> Iterator[LabOAuth]:
    with LabOAuth(email=USER, client_secret="lab-client-secret-42") as server:
        yield server


def client(idp: LabOAuth, flow: str = "auto", secret: str | None = None) -> OAuthClient:
    oauth2 = OAuth2(
        provider="custom",
        client_id=idp.client_id,
        authorize_url=idp.authorize_url,
        token_url=idp.token_url,
        device_url=idp.device_url,
        scopes=SCOPES,
        flow=flow,  # type: ignore[arg-type]
    )
    return OAuthClient(resolve(oauth2), idp.client_secret if secret is None else secret)


class Said(list[str]):
    def __call__(self, text: str) -> None:
        self.append(text)


# -- device code flow ------------------------------------------------------------------


def test_device_flow_waits_through_pending_and_slows_down_when_asked(idp: LabOAuth) -> None:
    idp.device_script = ["pending", "slow_down", "pending", "approve"]
    sleeps: list[float] = []
    said = Said()
    tokens = device_flow(client(idp), username=USER, say=said, sleep=sleeps.append)
    # The lab asks for no interval (0): mailwatch still waits MIN_INTERVAL; every
    # slow_down adds five seconds for good (RFC 8628 §3.5).
    slower = MIN_INTERVAL + SLOW_DOWN_STEP
    assert sleeps == [MIN_INTERVAL, MIN_INTERVAL, slower, slower]
    assert idp.counts["token:urn:ietf:params:oauth:grant-type:device_code"] == 4
    assert tokens.refresh_token and tokens.access_token
    assert tokens.username == USER and tokens.scope == " ".join(SCOPES)
    # The owner is told where to go and what to type, in words.
    page = f"{idp.base_url}/device-page"
    assert page in said[0] and "enter the code" in said[0] and "10 minutes" in said[0]


def test_device_flow_uses_the_providers_interval(idp: LabOAuth) -> None:
    idp.device_interval = 5
    sleeps: list[float] = []
    device_flow(client(idp), username=USER, say=Said(), sleep=sleeps.append)
    assert sleeps == [5.0]


def test_device_flow_declined(idp: LabOAuth) -> None:
    idp.device_script = ["pending", "denied"]
    with pytest.raises(SignInFailed) as caught:
        device_flow(client(idp), username=USER, say=Said(), sleep=lambda s: None)
    assert "declined" in caught.value.message and "nothing was saved" in caught.value.message
    assert "mailwatch login" in caught.value.hint


def test_device_flow_code_expired_at_the_provider(idp: LabOAuth) -> None:
    idp.device_script = ["pending", "expired"]
    with pytest.raises(SignInFailed) as caught:
        device_flow(client(idp), username=USER, say=Said(), sleep=lambda s: None)
    assert "expired" in caught.value.message
    assert "new code within 10 minutes" in caught.value.hint


def test_device_flow_gives_up_when_the_code_runs_out_locally(idp: LabOAuth) -> None:
    idp.device_script = ["pending"] * 100
    idp.device_ttl = 30
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    with pytest.raises(SignInFailed, match="expired"):
        device_flow(client(idp), username=USER, say=Said(), sleep=sleep, monotonic=lambda: clock[0])
    assert 25 <= idp.counts["token:urn:ietf:params:oauth:grant-type:device_code"] <= 31


def test_device_flow_with_an_unknown_app_id_says_which_key(idp: LabOAuth) -> None:
    bad = dataclasses.replace(client(idp).provider, client_id="nobody")
    with pytest.raises(SignInFailed) as caught:
        device_flow(OAuthClient(bad), username=USER, say=Said(), sleep=lambda s: None)
    assert "client_id" in caught.value.hint


def test_a_wrong_client_secret_is_an_app_problem_and_never_shown(idp: LabOAuth) -> None:
    with pytest.raises(SignInFailed) as caught:
        device_flow(client(idp, secret="not-the-secret-1"), username=USER, say=Said(), sleep=print)
    assert "client_secret_env" in caught.value.hint
    assert "not-the-secret-1" not in str(caught.value)


def test_a_sign_in_without_refresh_token_is_refused(idp: LabOAuth) -> None:
    idp.omit_refresh_token = True
    with pytest.raises(SignInFailed) as caught:
        device_flow(client(idp), username=USER, say=Said(), sleep=lambda s: None)
    assert "no refresh token" in caught.value.message
    assert "offline" in caught.value.hint


def test_a_sign_in_without_the_mail_scope_is_refused(idp: LabOAuth) -> None:
    idp.grant_scope = "offline_access"  # the owner unticked the mail box
    with pytest.raises(SignInFailed) as caught:
        device_flow(client(idp), username=USER, say=Said(), sleep=lambda s: None)
    assert "without access to your mail" in caught.value.message
    assert "imap, smtp" in caught.value.message


# -- loopback redirect with PKCE -------------------------------------------------------


def test_browser_flow_with_pkce(idp: LabOAuth) -> None:
    opened: list[str] = []

    def browser(url: str) -> bool:
        opened.append(url)
        browse(url)  # the owner signs in; the provider redirects to our loopback
        return True

    said = Said()
    tokens = browser_flow(client(idp, "browser"), username=USER, say=said, open_browser=browser)
    assert tokens.refresh_token and tokens.username == USER
    # The server checked S256(code_verifier) == code_challenge and the redirect_uri.
    assert idp.counts["token:authorization_code"] == 1
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(opened[0]).query))
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"].startswith("http://127.0.0.1:")
    assert query["login_hint"] == USER
    assert "code_verifier" not in opened[0]
    assert "If it does not, open this address yourself" in said[0]


def test_browser_flow_refuses_an_answer_with_another_state(idp: LabOAuth) -> None:
    idp.forge_state = "state-from-somewhere-else"
    with pytest.raises(SignInFailed) as caught:
        browser_flow(
            client(idp, "browser"),
            username=USER,
            say=Said(),
            open_browser=lambda url: bool(browse(url)),
        )
    assert "does not belong to this sign-in" in caught.value.message
    # The code that came with it was never traded for tokens.
    assert idp.counts["token:authorization_code"] == 0


def test_browser_flow_declined(idp: LabOAuth) -> None:
    idp.authorize_outcome = "deny"
    with pytest.raises(SignInFailed, match="declined"):
        browser_flow(
            client(idp, "browser"),
            username=USER,
            say=Said(),
            open_browser=lambda url: bool(browse(url)),
        )


def test_no_browser_prints_the_address_and_takes_the_pasted_one(idp: LabOAuth) -> None:
    """--no-browser over SSH: the browser is elsewhere and cannot reach our loopback, so
    the owner pastes the address it ended on."""
    said = Said()
    pasted: list[str] = []

    def terminal(timeout: float) -> str | None:
        if pasted:
            return None
        (url,) = [
            line.strip() for text in said for line in text.splitlines() if "/authorize?" in line
        ]
        # The remote browser: follows the sign-in, fails to load 127.0.0.1:PORT itself.
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(url)
        except urllib.error.HTTPError as redirect:
            pasted.append("nonsense")
            return redirect.headers["Location"]
        raise AssertionError("the provider did not redirect")

    tokens = browser_flow(
        client(idp, "browser"), username=USER, say=said, open_browser=None, pasted=terminal
    )
    assert tokens.access_token
    assert "copy its whole address" in said[0]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_a_pasted_line_that_is_not_the_address_gets_a_hint(idp: LabOAuth) -> None:
    said = Said()
    lines = iter(["hello", None])
    with pytest.raises(SignInFailed, match="No sign-in came back"):
        browser_flow(
            client(idp, "browser"),
            username=USER,
            say=said,
            open_browser=None,
            pasted=lambda timeout: next(lines, None),
            timeout=0.5,
        )
    assert any("Paste the whole address" in text for text in said)


def test_authorize_url_carries_the_providers_parameters() -> None:
    google = resolve(OAuth2(provider="google", client_id="g.apps"))
    verifier = pkce.new_verifier()
    url = authorize_url(google, "http://127.0.0.1:5000/", "st", verifier, "sam@gmail.test")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert query["access_type"] == "offline" and query["prompt"] == "consent"
    assert query["scope"] == "https://mail.google.com/"
    assert query["code_challenge"] == pkce.challenge(verifier)


def test_parse_answer() -> None:
    assert parse_answer("http://127.0.0.1:5/?code=abcd&state=x") == {"code": "abcd", "state": "x"}
    assert parse_answer("  ?error=access_denied&state=x ") == {
        "error": "access_denied",
        "state": "x",
    }
    assert parse_answer("/favicon.ico") is None
    assert parse_answer("hello") is None


def test_pkce_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    fresh = pkce.new_verifier()
    assert 43 <= len(fresh) <= 128 and set(fresh) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )
    assert pkce.new_state() != pkce.new_state()


def test_every_secret_a_flow_touches_is_masked(idp: LabOAuth) -> None:
    device_flow(client(idp), username=USER, say=Said(), sleep=lambda s: None)
    browser_flow(
        client(idp, "browser"), username=USER, say=Said(), open_browser=lambda u: bool(browse(u))
    )
    leaked = [s for s in idp.secrets() if redact(f"x {s} y") != f"x {MASK} y"]
    assert leaked == []


def test_provider_dataclass_is_frozen() -> None:
    provider = resolve(OAuth2(provider="google", client_id="g"))
    assert isinstance(provider, Provider)
    with pytest.raises(dataclasses.FrozenInstanceError):
        provider.client_id = "x"  # type: ignore[misc]


def test_a_missing_client_secret_is_named(idp: LabOAuth, monkeypatch: pytest.MonkeyPatch) -> None:
    """Google answers invalid_request "client_secret is missing." to a Desktop app client
    id sent without its secret."""
    from mailwatch.auth import flows
    from mailwatch.auth.errors import ProviderError

    def answer(self: OAuthClient, fields: object) -> object:
        raise ProviderError("invalid_request", "client_secret is missing.")

    monkeypatch.setattr(flows.OAuthClient, "token_request", answer)
    with pytest.raises(SignInFailed) as caught:
        device_flow(client(idp), username=USER, say=Said(), sleep=lambda s: None)
    assert "client_secret_env" in caught.value.hint
