"""Crash points for the fault-injection tests (inert unless MAILWATCH_CRASH_AT is set).

The exactly-once tests kill the real process at named moments of a send
(`MAILWATCH_CRASH_AT=send.before_smtp`, ...) and check that after a restart
the message was delivered exactly once; the store's crash tests kill it between
the file writes of one commit and check that nothing is lost or doubled. SIGKILL,
not an exception: nothing gets to clean up, as in a power cut.
"""

from __future__ import annotations

import os
import signal

_TARGET = os.environ.get("MAILWATCH_CRASH_AT", "")

POINTS = (
    "send.before_smtp",  # state says "sending", nothing sent yet
    "send.before_data",  # recipients accepted, the text not sent yet
    "send.after_smtp",  # the server accepted; our store does not know yet
    "send.before_append",  # recorded as sent; our copy not yet in Sent
    # Between the writes of one store commit (mailwatch/store/store.py): each fires only
    # when the commit writes that file.
    "store.after_text",  # texts appended; mail months, aggregates, cursors not yet
    "store.after_mail",  # mail months written; aggregates, ledger, cursors not yet
    "store.after_ledger",  # ledger written; its witness in meta.json and cursors not yet
    "store.before_sync",  # all but the cursors (sync.json) written
    "store.after_archive",  # compaction: archive written, ledger not yet
)


def crash_point(name: str) -> None:
    if _TARGET and name == _TARGET:
        os.kill(os.getpid(), signal.SIGKILL)
