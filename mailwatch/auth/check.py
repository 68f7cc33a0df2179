"""The sign-in part of `mailwatch check-config`: does the saved sign-in still renew?

A still-valid access token proves little (it may be revoked at the next renewal), so
the check renews it: one request to the provider. Each problem names the step to redo:
`mailwatch login` for the sign-in itself, [oauth2] client_id / client_secret_env for
the app's registration, the network for a provider out of reach.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from mailwatch.auth.errors import SignInRequired
from mailwatch.config.model import Settings
from mailwatch.errors import ConfigError, ConnectionFailed, MailwatchError, Problem


def uses_oauth2(settings: Settings) -> bool:
    servers = (settings.config.imap, settings.config.smtp)
    return any(s is not None and s.auth == "oauth2" for s in servers)


def check_sign_in(settings: Settings, echo: Callable[[str], None]) -> list[Problem]:
    """Renew the saved sign-in; the problems found ([] when it works)."""
    from mailwatch.auth.source import source_for

    file = str(settings.path)
    oauth2 = settings.config.oauth2
    if oauth2 is None:
        return []  # the loader reports the missing [oauth2] section
    try:
        source = source_for(oauth2, settings.oauth2_token_path, file=file)
        tokens = source.refreshed()
    except ConfigError as exc:
        return list(exc.problems)
    except SignInRequired as exc:
        # The message names the step to redo (`mailwatch login`).
        return [Problem(file, "oauth2", exc.message, exc.hint)]
    except ConnectionFailed as exc:
        return [Problem(file, "oauth2", exc.message, exc.hint)]
    except MailwatchError as exc:
        # The app's registration: client_id, its secret, the scopes.
        return [Problem(file, "oauth2.client_id", exc.message, exc.hint)]
    minutes = int(tokens.seconds_left(time.time()) // 60)
    echo(
        f"OAuth 2.0 ({source.provider.label}): the sign-in saved in {source.file.path} renews; "
        f"the new access token is valid for {minutes} minutes."
    )
    problems = []
    for section, server in (("imap", settings.config.imap), ("smtp", settings.config.smtp)):
        if server is None or server.auth != "oauth2" or not tokens.username:
            continue
        if server.username.lower() != tokens.username.lower():
            problems.append(
                Problem(
                    file,
                    f"{section}.username",
                    f"is {server.username}, but `mailwatch login` signed in for {tokens.username}",
                    "step to redo: `mailwatch login`, with the account of this username",
                )
            )
    return problems
