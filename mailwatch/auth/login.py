"""`mailwatch login`: sign in once, save the sign-in, tell a running service.

The flow is the provider's (see providers.py): the device code flow prints a page and a
code to type there, the browser flow opens the provider's page (or, with --no-browser,
prints its address and accepts the address the browser ends on, pasted back).
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mailwatch.auth.errors import SignInFailed
from mailwatch.auth.flows import OAuthClient, Say, browser_flow, device_flow
from mailwatch.auth.providers import resolve
from mailwatch.auth.source import client_secret
from mailwatch.auth.tokens import TokenFile, TokenSet
from mailwatch.config.model import Settings
from mailwatch.errors import UsageError

Opener = Callable[[str], bool]
Paster = Callable[[float], str | None]


@dataclass(frozen=True)
class LoginResult:
    tokens: TokenSet
    path: Path
    label: str
    daemon_pid: int | None  # the running service told to use the sign-in, if any


def open_browser(url: str) -> bool:
    """Open `url` in a graphical browser if this computer has one; False otherwise.

    Python's webbrowser falls back to text browsers (lynx, w3m) in the terminal when
    there is no display: on a server over SSH that would take over the terminal, so
    without a display we do not try.
    """
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False
    try:
        return webbrowser.open(url, new=1)
    except webbrowser.Error:
        return False


def terminal_lines() -> Paster:
    """Lines typed (or piped) into stdin, without blocking longer than asked."""
    ended = False

    def read(timeout: float) -> str | None:
        nonlocal ended
        stdin = sys.stdin
        if ended or stdin is None or os.name != "posix":
            time.sleep(timeout)
            return None
        try:
            ready, _, _ = select.select([stdin], [], [], timeout)
        except (OSError, ValueError):
            ended = True
            return None
        if not ready:
            return None
        line = stdin.readline()
        if not line:
            ended = True  # end of input: keep waiting for the browser alone
            return None
        return line

    return read


def login(
    settings: Settings,
    *,
    no_browser: bool,
    say: Say,
    opener: Opener = open_browser,
    pasted: Paster | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> LoginResult:
    oauth2 = settings.config.oauth2
    if oauth2 is None:
        raise UsageError(
            f"{settings.path} has no [oauth2] section, so there is nothing to sign in to.",
            'Add [oauth2] with provider and client_id (see the README), and auth = "oauth2" '
            "in [imap] and [smtp].",
        )
    servers = [s for s in (settings.config.imap, settings.config.smtp) if s is not None]
    users = [s.username for s in servers if s.auth == "oauth2"]
    if not users:
        say(
            'Note: neither [imap] nor [smtp] says auth = "oauth2", so this sign-in is saved '
            "but not used until one of them does."
        )
    username = users[0] if users else ""
    provider = resolve(oauth2)
    client = OAuthClient(provider, client_secret(oauth2, file=str(settings.path)))
    chosen = None if no_browser else opener
    if provider.flow == "device":
        tokens = device_flow(client, username=username, say=say, open_browser=chosen, sleep=sleep)
    else:
        tokens = browser_flow(
            client,
            username=username,
            say=say,
            open_browser=chosen,
            pasted=pasted if pasted is not None else terminal_lines(),
        )
    path = settings.oauth2_token_path
    token_file = TokenFile(path)
    with token_file.locked():
        token_file.write(tokens)
    return LoginResult(tokens, path, provider.label, _tell_daemon(settings))


def _tell_daemon(settings: Settings) -> int | None:
    """A running `mailwatch run` on this state reloads (SIGHUP): its new connections
    use the new sign-in at once instead of at its next retry."""
    from mailwatch.daemon.health import read_health
    from mailwatch.daemon.service import run_lock

    health = read_health(settings.store_path)
    pid = health.get("pid")
    if not health.get("running") or not isinstance(pid, int) or pid == os.getpid():
        return None
    # A health file left by a killed service names a pid that may now be another
    # program's: signal it only if it also holds the service's lock file (pid written
    # by `mailwatch run` when it took the lock).
    if run_lock(settings.store_path).holder() != pid:
        return None
    try:
        os.kill(pid, signal.SIGHUP)
    except OSError:
        return None
    return pid


def login_command(settings: Settings, *, no_browser: bool, echo: Say) -> None:
    """What `mailwatch login` prints around the sign-in."""
    try:
        result = login(settings, no_browser=no_browser, say=echo)
    except KeyboardInterrupt:
        raise SignInFailed("The sign-in was stopped; nothing was saved.") from None
    minutes = max(0, int(result.tokens.seconds_left(time.time()) // 60))
    who = f" for {result.tokens.username}" if result.tokens.username else ""
    echo(
        f"\nSigned in to {result.label}{who}. The sign-in is saved in {result.path} "
        f"(readable by you only); mailwatch renews it by itself (this access token: "
        f"{minutes} more minutes)."
    )
    if result.daemon_pid is not None:
        echo(f"The running mailwatch service (process {result.daemon_pid}) uses it from now on.")
    echo("Next: `mailwatch check-config` checks IMAP and SMTP with it.")
