"""The sign-in flows and the refresh, as a desktop mail app runs them.

- `device_flow` (RFC 8628): the provider gives a short code; the owner opens a page on
  any device, types the code and signs in; meanwhile we poll the token endpoint, as
  slowly as the provider asks (`interval`, +5 s on every `slow_down`).
- `browser_flow` (RFC 8252 with PKCE, RFC 7636): the provider's sign-in page in a
  browser, which comes back to a one-shot server on 127.0.0.1 with a code; the state
  value must match ours, and only the holder of our code_verifier can trade the code.
- `refresh` (RFC 6749 §6): a new access token from the refresh token.

Every call takes its clock and its sleep as arguments, so the tests drive the flows
against the local authorization server (mailwatch.lab.oauth) without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from mailwatch.auth import pkce
from mailwatch.auth.errors import LOGIN_AGAIN, ProviderError, SignInFailed, SignInRequired
from mailwatch.auth.http import post_form
from mailwatch.auth.loopback import RedirectReceiver
from mailwatch.auth.providers import Provider, missing_scopes
from mailwatch.auth.tokens import TokenSet, from_token_answer
from mailwatch.errors import AuthenticationFailed, ConnectionFailed
from mailwatch.logs import register_secret

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5  # RFC 8628 §3.2: when the provider names none
SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: each slow_down adds five seconds
MIN_INTERVAL = 1.0  # never poll faster than this, whatever a provider says
BROWSER_TIMEOUT_SECONDS = 600.0

Say = Callable[[str], None]


@dataclass(frozen=True)
class OAuthClient:
    """Our app at the provider: its addresses and app id, and the client secret if any."""

    provider: Provider
    client_secret: str = ""

    def __post_init__(self) -> None:
        register_secret(self.client_secret)

    def credentials(self) -> dict[str, str]:
        fields = {"client_id": self.provider.client_id}
        if self.client_secret:
            fields["client_secret"] = self.client_secret  # client_secret_post (RFC 6749 §2.3.1)
        return fields

    def token_request(self, fields: Mapping[str, str]) -> Any:
        return post_form(self.provider.token_url, {**fields, **self.credentials()})


# -- refresh ------------------------------------------------------------------------------


def refresh(client: OAuthClient, tokens: TokenSet, *, now: float | None = None) -> TokenSet:
    """A new access token (and maybe a new refresh token). Raises SignInRequired when the
    provider will not renew the sign-in any more, AuthenticationFailed when the app's
    settings are wrong, ConnectionFailed when the provider cannot be reached."""
    label = client.provider.label
    fields = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
    if client.provider.name == "microsoft":
        # Microsoft's v2.0 endpoint wants the scopes again; for others the RFC's default
        # (the scopes first granted) is right, and Google takes none.
        fields["scope"] = " ".join(client.provider.scopes)
    try:
        answer = client.token_request(fields)
    except ProviderError as exc:
        if exc.error == "invalid_grant":
            # Expired (unused for months, password changed), revoked by the owner or
            # an admin, or the app's consent withdrawn: only a new sign-in helps.
            raise SignInRequired(
                f"The sign-in to {label}{_for(tokens.username)} has expired or was revoked "
                f"({label} refused to renew it: {_said(exc)}). Run `mailwatch login` to "
                "sign in again."
            ) from None
        raise _app_problem(client.provider, exc, "renewing the sign-in") from None
    try:
        return from_token_answer(
            answer,
            provider=tokens.provider,
            client_id=tokens.client_id,
            token_url=tokens.token_url,
            username=tokens.username,
            now=time.time() if now is None else now,
            previous=tokens,
        )
    except ValueError:
        raise ConnectionFailed(
            f"{label} answered the renewal of the sign-in without an access token.",
            "mailwatch tries again later by itself.",
        ) from None


def _for(username: str) -> str:
    return f" for {username}" if username else ""


def _said(exc: ProviderError) -> str:
    return f"{exc.error}: {exc.description}" if exc.description else exc.error


def _app_problem(provider: Provider, exc: ProviderError, doing: str) -> AuthenticationFailed:
    """An OAuth error that says the app's settings are wrong (or the request), in words."""
    label = provider.label
    if exc.error == "invalid_client":
        return AuthenticationFailed(
            f"{label} does not accept the app id while {doing} ({_said(exc)}).",
            "Check [oauth2] client_id, and client_secret_env if your app has a client "
            "secret (its environment variable must hold the secret).",
        )
    if exc.error == "unauthorized_client":
        hint = {
            "microsoft": "In the Azure portal, open your app's Authentication page and set "
            "'Allow public client flows' to Yes.",
            "google": "Create the OAuth client as type 'Desktop app' in the Google Cloud "
            "console, and use its client id.",
        }.get(provider.name, "Check how the app is registered with your provider.")
        return AuthenticationFailed(
            f"{label} does not let this app id sign in this way ({_said(exc)}).", hint
        )
    if exc.error == "invalid_scope":
        return AuthenticationFailed(
            f"{label} refused the requested scopes ({_said(exc)}).",
            "Check [oauth2] scopes, or remove the line to use the built-in ones.",
        )
    return AuthenticationFailed(f"{label} refused {doing}: {_said(exc)}.", LOGIN_AGAIN)


# -- a new sign-in -----------------------------------------------------------------------


def _signed_in(client: OAuthClient, answer: Any, username: str, now: float) -> TokenSet:
    provider = client.provider
    try:
        tokens = from_token_answer(
            answer,
            provider=provider.name,
            client_id=provider.client_id,
            token_url=provider.token_url,
            username=username,
            now=now,
        )
    except ValueError:
        raise SignInFailed(
            f"{provider.label} finished the sign-in without an access token."
        ) from None
    if not tokens.refresh_token:
        raise SignInFailed(
            f"{provider.label} gave no refresh token, so the sign-in would stop working "
            "within the hour.",
            "Add offline access to [oauth2] scopes (offline_access for most providers), "
            "or remove scopes to use the built-in ones, then run `mailwatch login` again.",
        )
    missing = missing_scopes(provider.scopes, tokens.scope)
    if missing:
        raise SignInFailed(
            f"The sign-in to {provider.label} succeeded, but without access to your mail "
            f"(not granted: {', '.join(missing)}).",
            "Run `mailwatch login` again and, on the consent page, allow everything it asks "
            "(on Google, tick the box for reading, composing and sending email).",
        )
    return tokens


def _login_failure(provider: Provider, exc: ProviderError, doing: str) -> SignInFailed:
    if "client_secret" in exc.description:
        # Google's answer when a "Desktop app" client id comes without its secret.
        return SignInFailed(
            f"{provider.label} wants the app's client secret ({_said(exc)}).",
            "Set [oauth2] client_secret_env to the name of an environment variable that "
            "holds the client secret shown beside your client id, and export it.",
        )
    if exc.error in ("invalid_client", "unauthorized_client", "invalid_scope"):
        problem = _app_problem(provider, exc, doing)
        return SignInFailed(problem.message, problem.hint)
    return SignInFailed(f"{provider.label} refused {doing} ({_said(exc)}).", LOGIN_AGAIN)


@dataclass(frozen=True)
class DeviceCode:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: float
    interval: float


def start_device(client: OAuthClient) -> DeviceCode:
    provider = client.provider
    try:
        answer = post_form(
            provider.device_url,
            {**client.credentials(), "scope": " ".join(provider.scopes)},
        )
    except ProviderError as exc:
        raise _login_failure(provider, exc, "to start the sign-in") from None
    try:
        device_code = str(answer["device_code"])
        user_code = str(answer["user_code"])
        # Google (when it allows the flow) says verification_url, the RFC verification_uri.
        uri = str(answer.get("verification_uri") or answer["verification_url"])
    except KeyError:
        raise SignInFailed(
            f"{provider.label}'s device sign-in answer is incomplete (no code or page).",
            'Check [oauth2] device_url, or set flow = "browser".',
        ) from None
    register_secret(device_code)
    return DeviceCode(
        device_code=device_code,
        user_code=user_code,
        verification_uri=uri,
        verification_uri_complete=str(answer.get("verification_uri_complete") or ""),
        expires_in=_number(answer.get("expires_in"), 900),
        interval=_number(answer.get("interval"), DEFAULT_INTERVAL),
    )


def _number(value: Any, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def device_flow(
    client: OAuthClient,
    *,
    username: str,
    say: Say,
    open_browser: Callable[[str], bool] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    now: Callable[[], float] = time.time,
) -> TokenSet:
    """RFC 8628 from start to tokens. `open_browser` (None: do not) may open the page."""
    provider = client.provider
    code = start_device(client)
    minutes = max(1, round(code.expires_in / 60))
    say(
        f"To sign in to {provider.label}{_for(username)}, open this page on any computer or "
        f"phone:\n\n    {code.verification_uri}\n\nand enter the code:\n\n    {code.user_code}\n\n"
        f"The code works for {minutes} minute{'s' if minutes != 1 else ''}. Waiting for you "
        "to finish signing in..."
    )
    if open_browser is not None:
        open_browser(code.verification_uri_complete or code.verification_uri)
    interval = max(code.interval, MIN_INTERVAL)
    deadline = monotonic() + code.expires_in
    while True:
        if monotonic() >= deadline:
            raise _expired(minutes)
        sleep(interval)
        try:
            answer = client.token_request(
                {"grant_type": DEVICE_GRANT, "device_code": code.device_code}
            )
        except ConnectionFailed:
            continue  # a blip while the owner types: keep waiting until the code expires
        except ProviderError as exc:
            if exc.error == "authorization_pending":
                continue
            if exc.error == "slow_down":
                interval += SLOW_DOWN_STEP
                continue
            if exc.error == "access_denied":
                raise SignInFailed(
                    f"The sign-in was declined on {provider.label}'s page (access_denied); "
                    "nothing was saved.",
                    "Run `mailwatch login` again and accept, if you meant to sign in.",
                ) from None
            if exc.error == "expired_token":
                raise _expired(minutes) from None
            raise _login_failure(provider, exc, "the sign-in") from None
        return _signed_in(client, answer, username, now())


def _expired(minutes: int) -> SignInFailed:
    return SignInFailed(
        "The code expired before the sign-in was finished (expired_token); nothing was saved.",
        f"Run `mailwatch login` again and enter the new code within {minutes} minutes.",
    )


def authorize_url(
    provider: Provider, redirect_uri: str, state: str, verifier: str, username: str
) -> str:
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(provider.scopes),
        "state": state,
        "code_challenge": pkce.challenge(verifier),
        "code_challenge_method": "S256",
        **provider.authorize_params,
    }
    if username:
        params["login_hint"] = username  # the right account preselected
    separator = "&" if "?" in provider.authorize_url else "?"
    return provider.authorize_url + separator + urlencode(params)


def browser_flow(
    client: OAuthClient,
    *,
    username: str,
    say: Say,
    open_browser: Callable[[str], bool] | None,
    pasted: Callable[[float], str | None] | None = None,
    timeout: float = BROWSER_TIMEOUT_SECONDS,
    now: Callable[[], float] = time.time,
) -> TokenSet:
    """RFC 8252 + PKCE from start to tokens.

    `open_browser(url)` opens a browser and says whether it could (None: print the
    address only, for --no-browser). `pasted` reads an address typed in the terminal.
    """
    provider = client.provider
    state, verifier = pkce.new_state(), pkce.new_verifier()
    register_secret(verifier)
    with RedirectReceiver(provider.redirect_host, state, provider.redirect_port) as receiver:
        url = authorize_url(provider, receiver.redirect_uri, state, verifier, username)
        opened = open_browser(url) if open_browser is not None else False
        if opened:
            say(
                f"Your browser opens {provider.label}'s sign-in page{_for(username)}. If it "
                f"does not, open this address yourself:\n\n    {url}\n"
            )
        else:
            say(
                f"Open this address in a browser to sign in to {provider.label}"
                f"{_for(username)}:\n\n    {url}\n\nAfter you sign in, the browser goes to "
                f"{receiver.redirect_uri}. If that browser is on another computer, the page "
                "will not load: copy its whole address from the address bar and paste it "
                "here, then press Enter."
            )
        answer = receiver.wait(timeout, pasted=pasted, say=say)
    if not pkce.same(answer.get("state", ""), state):
        raise SignInFailed(
            "The answer that came back does not belong to this sign-in (its state value "
            "differs): it may come from an old browser tab, or from another program. "
            "Nothing was saved.",
            "Run `mailwatch login` again, and finish the sign-in in the page it opens.",
        )
    if "error" in answer:
        if answer["error"] == "access_denied":
            raise SignInFailed(
                f"The sign-in was declined on {provider.label}'s page (access_denied); "
                "nothing was saved.",
                "Run `mailwatch login` again and accept, if you meant to sign in.",
            )
        description = answer.get("error_description", "")
        raise SignInFailed(
            f"{provider.label} ended the sign-in with an error: {answer['error']}"
            + (f" ({description[:300]})" if description else "")
            + ".",
            LOGIN_AGAIN,
        )
    code = answer.get("code", "")
    if not code:
        raise SignInFailed(f"{provider.label} came back without a sign-in code.", LOGIN_AGAIN)
    try:
        tokens = client.token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": receiver.redirect_uri,
                "code_verifier": verifier,
            }
        )
    except ProviderError as exc:
        raise _login_failure(provider, exc, "the sign-in code") from None
    return _signed_in(client, tokens, username, now())
