"""What can go wrong with a sign-in, in words that say what to do next."""

from __future__ import annotations

from mailwatch.errors import AuthenticationFailed, MailwatchError

LOGIN_AGAIN = "Run `mailwatch login` again."
PICKED_UP = "A running `mailwatch run` picks up the new sign-in by itself."


class SignInRequired(AuthenticationFailed):
    """The saved sign-in cannot be used any more (missing, expired, revoked, for another
    app): only the owner can fix it, by running `mailwatch login` again.

    An AuthenticationFailed, so the daemon waits instead of retrying fast, and the
    IMAP/SMTP adapters pass it on as it is: it is not "wrong password". The message
    itself says to run `mailwatch login`, because the daemon's health file and the
    attention list show the message without the hint.
    """

    def __init__(self, message: str, hint: str = PICKED_UP) -> None:
        super().__init__(message, hint)


class SignInFailed(MailwatchError):
    """`mailwatch login` did not finish: declined, timed out, a forged answer..."""


class ProviderError(MailwatchError):
    """The provider's token endpoint answered with an OAuth error (RFC 6749 §5.2)."""

    def __init__(self, error: str, description: str = "", status: int = 400) -> None:
        text = f"{error}: {description}" if description else error
        super().__init__(f"The sign-in provider answered {text}.")
        self.error = error
        self.description = description
        self.status = status
