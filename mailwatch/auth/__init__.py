"""Signing in to mail servers with OAuth 2.0, the way desktop mail apps do.

Gmail / Google Workspace and Microsoft 365 no longer take a password from mail apps
(Microsoft turned it off for IMAP in 2022; Google keeps only app passwords). A mail app
registers an app id with the provider, sends its owner to the provider's sign-in page
once, and from then on holds a refresh token that buys a short-lived access token
whenever it connects; IMAP and SMTP take that access token through the SASL mechanism
XOAUTH2 (or OAUTHBEARER, RFC 7628).

- `providers`: what google, microsoft and custom providers need (addresses, scopes, flow).
- `flows`: the sign-in itself: the device code flow (RFC 8628) and the loopback
  redirect with PKCE (RFC 8252, RFC 7636), and token refresh (RFC 6749 §6).
- `loopback`: the one-shot local web server that receives the browser's redirect.
- `tokens`: the token file (mode 0600, written atomically, shared through a file lock).
- `source`: `TokenSource`, what the IMAP and SMTP adapters ask for an access token; it
  refreshes before expiry and after a refusal (once), and otherwise says to sign in again.
- `login`: `mailwatch login`; `check`: the token part of `mailwatch check-config`.

No secret ever leaves the token file: every token, code and client secret is registered
with `mailwatch.logs.register_secret` the moment it is read or received.
"""
