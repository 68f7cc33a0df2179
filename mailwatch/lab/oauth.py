"""A local OAuth 2.0 authorization server playing Google or Microsoft, for the tests.

    with LabOAuth(email="sam@lab.test") as idp:
        idp.device_script = ["pending", "slow_down", "approve"]
        ... point [oauth2] at idp.authorize_url / idp.token_url / idp.device_url ...
        Dovecot(oauth2_introspection_url=idp.introspection_url)   # IMAP XOAUTH2
        LocalMTA(oauth=introspection_check(idp.introspection_url))  # SMTP XOAUTH2

A ThreadingHTTPServer on 127.0.0.1 (any free port) with the endpoints a mail app and a
mail server use:

- `POST /device` (RFC 8628 §3.1): a device code and a user code;
- `GET /authorize` (RFC 6749 §4.1 with PKCE, RFC 7636): the owner "signs in" at once and
  the browser is redirected to the loopback `redirect_uri` with `code` and `state`;
- `POST /token`: authorization_code (checks redirect_uri and the S256 code_verifier),
  the device_code grant (answers from `device_script`), refresh_token (rotates the
  refresh token: the old one stops working);
- `POST /introspect` (RFC 7662): `{"active": true, "email": ..., ...}` for a live access
  token, `{"active": false}` otherwise. Dovecot's oauth2 passdb asks it at every login.

Knobs (plain attributes, change them live): `device_script` (one entry per device poll:
"pending", "slow_down", "denied", "expired", "approve"; exhausted means "approve"),
`authorize_outcome` ("approve" or "deny"), `forge_state` (redirect with this state
instead of the request's), `refresh_failure` (None, "invalid_grant", "server_error"),
`grant_scope` (the scope the answers report, e.g. without mail), `omit_refresh_token`,
`access_ttl` (seconds), `revoke()` (every token of an account stops working),
`expire_access_tokens()`.

Records: `counts` (requests by kind), `polls` (times of device polls) and `secrets()`,
every token, code, verifier and client secret it issued or received, for the tests that
look for leaks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from mailwatch.lab.account import LabError, LabServer
from mailwatch.lab.ports import LOOPBACK

MAIL_SCOPES = "imap smtp offline_access"


@dataclass
class _Token:
    kind: str  # "access" | "refresh"
    email: str
    client_id: str
    scope: str
    expires_at: float  # 0: never (refresh tokens)
    revoked: bool = False

    def active(self, now: float) -> bool:
        return not self.revoked and (self.expires_at == 0 or now < self.expires_at)


@dataclass
class _Code:
    email: str
    client_id: str
    scope: str
    redirect_uri: str
    challenge: str


@dataclass
class _Device:
    client_id: str
    scope: str
    expires_at: float
    done: bool = False


class LabOAuth(LabServer):
    """See the module docstring."""

    host = LOOPBACK

    def __init__(
        self,
        *,
        email: str = "owner@lab.test",
        client_id: str = "mailwatch-lab-app",
        client_secret: str = "",
        access_ttl: float = 3600.0,
        device_interval: int = 0,
        device_ttl: float = 600.0,
        rotate_refresh: bool = True,
    ) -> None:
        self.email = email  # the account that "signs in" on the provider's pages
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_ttl = access_ttl
        self.device_interval = device_interval
        self.device_ttl = device_ttl
        self.rotate_refresh = rotate_refresh
        self.device_script: list[str] = []
        self.authorize_outcome = "approve"
        self.forge_state: str | None = None
        self.refresh_failure: str | None = None
        self.grant_scope: str | None = None
        self.omit_refresh_token = False
        self.counts: Counter[str] = Counter()
        self.polls: list[float] = []
        self.port = 0
        self._lock = threading.RLock()
        self._tokens: dict[str, _Token] = {}
        self._codes: dict[str, _Code] = {}
        self._devices: dict[str, _Device] = {}
        self._seen: set[str] = set()  # verifiers and secrets received
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        if self._server is not None:
            return
        try:
            server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        except OSError as error:
            raise LabError(
                f"LabOAuth could not listen on {self.host}:{self.port}: {error}"
            ) from error
        server.daemon_threads = True
        self.port = int(server.server_address[1])  # kept across restarts
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="lab-oauth", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def close(self) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def authorize_url(self) -> str:
        return self.base_url + "/authorize"

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def device_url(self) -> str:
        return self.base_url + "/device"

    @property
    def introspection_url(self) -> str:
        return self.base_url + "/introspect"

    # -- knobs ------------------------------------------------------------------------

    def revoke(self, email: str | None = None) -> int:
        """Every token of `email` (default: everyone's) stops working; how many."""
        with self._lock:
            hits = [t for t in self._tokens.values() if email in (None, t.email) and not t.revoked]
            for token in hits:
                token.revoked = True
            return len(hits)

    def expire_access_tokens(self) -> None:
        with self._lock:
            for token in self._tokens.values():
                if token.kind == "access":
                    token.expires_at = min(token.expires_at, time.time() - 1)

    def secrets(self) -> set[str]:
        """Every token, code, device code, verifier and client secret seen or issued."""
        with self._lock:
            found = set(self._tokens) | set(self._codes) | set(self._devices) | self._seen
            if self.client_secret:
                found.add(self.client_secret)
            return found

    def live_tokens(self, kind: str) -> list[str]:
        now = time.time()
        with self._lock:
            return [k for k, t in self._tokens.items() if t.kind == kind and t.active(now)]

    # -- the endpoints' logic (also callable directly) --------------------------------

    def introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662: what a resource server learns about an access token."""
        with self._lock:
            self.counts["introspect"] += 1
            record = self._tokens.get(token)
            if record is None or record.kind != "access" or not record.active(time.time()):
                return {"active": False}
            return {
                "active": True,
                "email": record.email,
                "sub": record.email,
                "scope": record.scope,
                "client_id": record.client_id,
                "token_type": "Bearer",
                "exp": int(record.expires_at),
            }

    def _issue(
        self, email: str, client_id: str, scope: str, *, refresh: bool = True
    ) -> dict[str, Any]:
        access = "lab-at-" + secrets.token_urlsafe(24)
        now = time.time()
        self._tokens[access] = _Token("access", email, client_id, scope, now + self.access_ttl)
        answer: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.access_ttl),
            "scope": self.grant_scope if self.grant_scope is not None else scope,
        }
        if refresh and not self.omit_refresh_token:
            refresh_token = "lab-rt-" + secrets.token_urlsafe(32)
            self._tokens[refresh_token] = _Token("refresh", email, client_id, scope, 0)
            answer["refresh_token"] = refresh_token
        return answer

    def _client_ok(self, form: dict[str, str], basic: tuple[str, str] | None) -> bool:
        client_id, secret = (
            basic if basic else (form.get("client_id", ""), form.get("client_secret", ""))
        )
        if secret:
            self._seen.add(secret)
        if client_id != self.client_id:
            return False
        return not self.client_secret or secrets.compare_digest(secret, self.client_secret)

    def device(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.counts["device"] += 1
            if not self._client_ok(form, None):
                return 401, {"error": "invalid_client", "error_description": "unknown app id"}
            device_code = "lab-dc-" + secrets.token_urlsafe(24)
            user_code = "-".join(secrets.token_hex(2).upper() for _ in range(2))
            self._devices[device_code] = _Device(
                form.get("client_id", ""), form.get("scope", ""), time.time() + self.device_ttl
            )
            page = self.base_url + "/device-page"
            return 200, {
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": page,
                "verification_uri_complete": f"{page}?{urlencode({'user_code': user_code})}",
                "expires_in": int(self.device_ttl),
                "interval": self.device_interval,
            }

    def token(
        self, form: dict[str, str], basic: tuple[str, str] | None
    ) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type", "")
        with self._lock:
            self.counts[f"token:{grant}"] += 1
            if grant == "refresh_token" and self.refresh_failure == "server_error":
                return 500, {}
            if not self._client_ok(form, basic):
                return 401, {"error": "invalid_client", "error_description": "bad app id or secret"}
            if grant == "authorization_code":
                return self._code_grant(form)
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                return self._device_grant(form)
            if grant == "refresh_token":
                return self._refresh_grant(form)
            return 400, {"error": "unsupported_grant_type"}

    def _code_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        verifier = form.get("code_verifier", "")
        if verifier:
            self._seen.add(verifier)
        code = self._codes.pop(form.get("code", ""), None)  # single use
        if code is None:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        if form.get("redirect_uri") != code.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        if _s256(verifier) != code.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        return 200, self._issue(code.email, code.client_id, code.scope)

    def _device_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.polls.append(time.monotonic())
        device = self._devices.get(form.get("device_code", ""))
        if device is None or device.done:
            return 400, {"error": "invalid_grant", "error_description": "unknown device code"}
        if time.time() >= device.expires_at:
            return 400, {"error": "expired_token"}
        step = self.device_script.pop(0) if self.device_script else "approve"
        errors = {
            "pending": "authorization_pending",
            "slow_down": "slow_down",
            "denied": "access_denied",
            "expired": "expired_token",
        }
        if step in errors:
            return 400, {"error": errors[step]}
        device.done = True
        return 200, self._issue(self.email, device.client_id, device.scope)

    def _refresh_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        presented = form.get("refresh_token", "")
        record = self._tokens.get(presented)
        if (
            self.refresh_failure == "invalid_grant"
            or record is None
            or record.kind != "refresh"
            or not record.active(time.time())
        ):
            return 400, {
                "error": "invalid_grant",
                "error_description": "The refresh token has expired or was revoked.",
            }
        answer = self._issue(
            record.email, record.client_id, record.scope, refresh=self.rotate_refresh
        )
        if self.rotate_refresh and "refresh_token" in answer:
            record.revoked = True  # rotation: the old one is spent
        return 200, answer

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """(status, Location or message) for GET /authorize."""
        with self._lock:
            self.counts["authorize"] += 1
            redirect = query.get("redirect_uri", "")
            parts = urlsplit(redirect)
            if query.get("client_id") != self.client_id:
                return 400, "unknown client_id"
            if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
                return 400, "redirect_uri must be a loopback address"
            state = self.forge_state if self.forge_state is not None else query.get("state", "")
            answer: dict[str, str]
            if query.get("response_type") != "code":
                answer = {"error": "unsupported_response_type"}
            elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
                answer = {"error": "invalid_request", "error_description": "PKCE S256 required"}
            elif self.authorize_outcome == "deny":
                answer = {"error": "access_denied"}
            else:
                code = "lab-ac-" + secrets.token_urlsafe(24)
                self._seen.add(code)  # codes are spent at use: keep it for secrets()
                self._codes[code] = _Code(
                    self.email,
                    query["client_id"],
                    query.get("scope", ""),
                    redirect,
                    query["code_challenge"],
                )
                answer = {"code": code}
            answer["state"] = state
            return 302, f"{redirect}?{urlencode(answer)}"


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def _handler_for(server: LabOAuth) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            return dict(parse_qsl(body, keep_blank_values=True))

        def _json(self, status: int, data: dict[str, Any]) -> None:
            body = json.dumps(data).encode() if status < 500 else b"<html>oops</html>"
            self.send_response(status)
            kind = "application/json" if status < 500 else "text/html"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            form = self._form()
            if path == "/token":
                self._json(*server.token(form, _basic(self.headers.get("Authorization"))))
            elif path == "/device":
                self._json(*server.device(form))
            elif path == "/introspect":
                self._json(200, server.introspect(form.get("token", "")))
            else:
                self._json(404, {"error": "not_found"})

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/authorize":
                status, where = server.authorize(dict(parse_qsl(parts.query)))
                if status == 302:
                    self.send_response(302)
                    self.send_header("Location", where)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._json(status, {"error": "invalid_request", "error_description": where})
            elif parts.path == "/device-page":
                self._json(200, {"page": "the lab signs in without a page"})
            else:
                self._json(404, {"error": "not_found"})

        def log_message(self, format: str, *args: object) -> None:
            pass  # request lines carry codes: stay quiet

    return Handler


def introspection_check(url: str, *, timeout: float = 5.0) -> Callable[[str, str], bool]:
    """A resource server's check, as Dovecot's oauth2 passdb does it: POST the token to
    the introspection endpoint; accept if active and its email is the user's."""

    def check(user: str, token: str) -> bool:
        request = urllib.request.Request(
            url,
            data=urlencode({"token": token}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            data = json.loads(answer.read())
        return bool(data.get("active")) and data.get("email") == user

    return check


def browse(url: str, *, timeout: float = 10.0) -> str:
    """Play the owner's browser: open `url` and follow redirects (to the loopback
    receiver); the final page's address."""
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return str(answer.geturl())
