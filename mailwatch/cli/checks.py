"""`check-config` online part: can we log in to IMAP and SMTP, and find Sent?"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from mailwatch.auth.check import check_sign_in, uses_oauth2
from mailwatch.config.model import Settings
from mailwatch.errors import ConfigError, MailwatchError, Problem


def check_servers(settings: Settings, echo: Callable[[str], None]) -> None:
    """Collect every server problem, then raise them together (exit code 2)."""
    from mailwatch.config.secrets import resolve_password
    from mailwatch.imap.client import ImapMailbox
    from mailwatch.smtp.client import SmtpOutbox

    problems: list[Problem] = []
    file = str(settings.path)
    imap, smtp = settings.config.imap, settings.config.smtp
    # OAuth 2.0: the saved sign-in first. If it does not renew, the servers would only
    # repeat that, so they are not tried with it.
    signed_in = True
    if uses_oauth2(settings):
        sign_in_problems = check_sign_in(settings, echo)
        problems.extend(sign_in_problems)
        signed_in = not any(p.key.startswith("oauth2") for p in sign_in_problems)
    if imap is None:
        problems.append(Problem(file, "imap", "is missing", "add an [imap] section"))
    elif imap.auth == "oauth2" and not signed_in:
        pass
    else:
        try:
            ca = str(settings.resolve(imap.ca_file)) if imap.ca_file else ""
            mailbox = ImapMailbox(imap, resolve_password(imap, section="imap"), ca_file=ca)
            mailbox.connect()
            try:
                sent = mailbox.sent_folder()
                inbox = mailbox.status(imap.inbox)
                how = " with OAuth 2.0" if imap.auth == "oauth2" else ""
                echo(
                    f"IMAP {imap.host}:{imap.port}: logged in{how}; {imap.inbox} has "
                    f"{inbox.messages} messages; Sent folder is {sent!r}."
                )
            finally:
                mailbox.close()
        except ConfigError as exc:
            problems.extend(exc.problems)
        except MailwatchError as exc:
            problems.append(Problem(file, "imap", exc.message, exc.hint))
    if smtp is None:
        problems.append(Problem(file, "smtp", "is missing", "add an [smtp] section"))
    elif smtp.auth == "oauth2" and smtp.username and not signed_in:
        pass
    else:
        try:
            ca = str(settings.resolve(smtp.ca_file)) if smtp.ca_file else ""
            outbox = SmtpOutbox(smtp, resolve_password(smtp, section="smtp"), ca_file=ca)
            where = asyncio.run(outbox.check())
            if not smtp.username:
                how = " (no login configured)."
            else:
                how = " with OAuth 2.0." if smtp.auth == "oauth2" else "."
            echo(f"SMTP {where}: logged in{how}")
        except ConfigError as exc:
            problems.extend(exc.problems)
        except MailwatchError as exc:
            problems.append(Problem(file, "smtp", exc.message, exc.hint))
    if problems:
        raise ConfigError(problems)
