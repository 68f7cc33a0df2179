"""What each provider needs: its addresses, the scopes for IMAP + SMTP + offline access,
and which sign-in flow it allows for mail.

- Google allows only the browser flow for the mail scope (its device flow refuses
  https://mail.google.com/), and gives a refresh token only when asked for offline
  access (`access_type=offline`) and, on a second sign-in, only with `prompt=consent`.
- Microsoft's identity platform (v2.0 endpoints) offers both; the device code flow is
  the default because it also works over SSH on a computer without a browser.
  `offline_access` is the scope that brings the refresh token.
- custom: any provider that speaks OAuth 2.0 (Fastmail, a Keycloak in front of
  Dovecot...), with the addresses and scopes from its documentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from mailwatch.config.model import OAuth2

Flow = Literal["device", "browser"]

GOOGLE_MAIL_SCOPE = "https://mail.google.com/"  # the only scope Gmail's IMAP and SMTP take
MICROSOFT_SCOPES = (
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
    "offline_access",
)
# Scopes a provider may leave out of its answer although it granted them: they are about
# the refresh token or the id token, not about mail.
UNREPORTED_SCOPES = frozenset({"offline_access", "openid", "profile", "email"})


@dataclass(frozen=True)
class Provider:
    name: str  # "google", "microsoft", "custom"
    label: str  # what the owner calls it: "Google", "Microsoft 365"
    authorize_url: str
    token_url: str
    device_url: str
    scopes: tuple[str, ...]
    flow: Flow
    client_id: str
    # Extra query parameters for the browser flow's sign-in page.
    authorize_params: dict[str, str] = field(default_factory=dict)
    # The host the browser is sent back to: Microsoft registers "http://localhost" for
    # desktop apps, Google and RFC 8252 prefer the literal 127.0.0.1.
    redirect_host: str = "127.0.0.1"
    redirect_port: int = 0

    @property
    def identity(self) -> dict[str, str]:
        """What a token file must match to be this provider's and this app's sign-in."""
        return {"provider": self.name, "client_id": self.client_id, "token_url": self.token_url}


def resolve(oauth2: OAuth2) -> Provider:
    """The provider described by an [oauth2] table, with defaults filled in."""
    if oauth2.provider == "google":
        return Provider(
            name="google",
            label="Google",
            authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
            token_url="https://oauth2.googleapis.com/token",
            device_url="",
            scopes=tuple(oauth2.scopes) or (GOOGLE_MAIL_SCOPE,),
            flow="browser",
            client_id=oauth2.client_id,
            authorize_params={"access_type": "offline", "prompt": "consent"},
            redirect_port=oauth2.redirect_port,
        )
    if oauth2.provider == "microsoft":
        base = f"https://login.microsoftonline.com/{oauth2.tenant or 'common'}/oauth2/v2.0"
        return Provider(
            name="microsoft",
            label="Microsoft",
            authorize_url=f"{base}/authorize",
            token_url=f"{base}/token",
            device_url=f"{base}/devicecode",
            scopes=tuple(oauth2.scopes) or MICROSOFT_SCOPES,
            flow="browser" if oauth2.flow == "browser" else "device",
            client_id=oauth2.client_id,
            authorize_params={"prompt": "select_account"},
            redirect_host="localhost",
            redirect_port=oauth2.redirect_port,
        )
    flow: Flow
    if oauth2.flow in ("device", "browser"):
        flow = oauth2.flow
    else:
        flow = "device" if oauth2.device_url else "browser"
    return Provider(
        name="custom",
        label=urlsplit(oauth2.token_url).netloc or "your sign-in provider",
        authorize_url=oauth2.authorize_url,
        token_url=oauth2.token_url,
        device_url=oauth2.device_url,
        scopes=tuple(oauth2.scopes),
        flow=flow,
        client_id=oauth2.client_id,
        redirect_port=oauth2.redirect_port,
    )


def missing_scopes(requested: tuple[str, ...], granted: str | None) -> list[str]:
    """Requested mail scopes the answer says were not granted ([] when it does not say).

    Google's consent screen lets the owner untick "Read, compose, send and permanently
    delete all your email": the sign-in then succeeds without the mail scope, and every
    IMAP login fails later. Better to say so at once.
    """
    if granted is None:
        return []
    have = {scope.lower() for scope in granted.split()}
    # Microsoft may name a scope with or without its resource ("SMTP.Send" for
    # "https://outlook.office.com/SMTP.Send"): the last part decides.
    tails = {scope.rstrip("/").rsplit("/", 1)[-1] for scope in have}
    return [
        scope
        for scope in requested
        if scope.lower() not in have
        and scope.rstrip("/").rsplit("/", 1)[-1].lower() not in tails
        and scope not in UNREPORTED_SCOPES
    ]
