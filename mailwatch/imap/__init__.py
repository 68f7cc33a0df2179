"""Where mailwatch talks IMAP: a small Mailbox interface, imapclient behind it, a fake for tests."""

from mailwatch.imap.base import FetchedMessage, FolderStatus, Mailbox

__all__ = ["FetchedMessage", "FolderStatus", "Mailbox"]
