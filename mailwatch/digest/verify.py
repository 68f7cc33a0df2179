"""Whether one command from the owner's reply may act, and the confirmation mail's text.

`judge` is the whole decision, from facts the caller gathered: who sent the reply
(the owner's address in INBOX, or found in the owner's Sent folder), whether it
answers a digest mailwatch sent (In-Reply-To/References) or is a mailto button's
email (its subject exactly a command), what the code's record says (codes.check_code),
and the draft's current status and version. Never the From header alone: the caller
must establish `from_owner` / `found_in_sent` as it does for Sent mail.

Pure: no clock, no store, no I/O. Applying an accepted command is
mailwatch/drafts/approval.py:change_draft's job (an edit then counts as approved).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mailwatch.core.model import APPROVED, FAILED, PENDING, REJECTED, SENDING, SENT, WITHDRAWN
from mailwatch.digest.codes import CodeVerdict
from mailwatch.digest.commands import Command, IgnoredLine

__all__ = [
    "ALLOWED_FROM",
    "Outcome",
    "Refusal",
    "Verdict",
    "confirmation_subject",
    "confirmation_text",
    "judge",
]

Refusal = Literal[
    "not_from_owner",
    "not_a_reply",
    "unknown_code",
    "tampered",
    "expired",
    "used",
    "no_draft",
    "changed",
    "needs_edit",
    "state",
]

# Which draft statuses each command may act on; the same as change_draft's rules
# (a test keeps the two tables equal).
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "approve": frozenset({PENDING, FAILED}),
    # A draft whose send is in doubt may be cancelled: it is then never sent again.
    "reject": frozenset({PENDING, APPROVED, FAILED, SENDING}),
    "edit": frozenset({PENDING, APPROVED, FAILED}),
}

# Why a command cannot act on a draft in this status, as a person reads it.
_STATE_REASONS = {
    SENT: "the draft was already sent",
    SENDING: "the draft is being sent right now",
    REJECTED: "the draft was already rejected",
    WITHDRAWN: "mailwatch withdrew the draft (it was no longer needed)",
    APPROVED: "the draft was already approved",
}


@dataclass(frozen=True)
class Verdict:
    command: Command
    accepted: bool
    refusal: Refusal | None = None  # for the record and for tests
    reason: str = ""  # for the owner: why nothing was done
    draft_id: str | None = None
    version: int | None = None  # the version the code stands for


def judge(
    command: Command,
    *,
    from_owner: bool,
    found_in_sent: bool,
    replies_to_digest: bool,
    via_subject: bool,
    code: CodeVerdict,
    draft_status: str | None,
    draft_version: int | None,
    needs_edit: bool = False,
    draft_fingerprint: str | None = None,
) -> Verdict:
    """Accept `command`, or refuse it with a reason the owner reads.

    `code` is check_code's verdict on `command.code`. `draft_status` and
    `draft_version` describe the draft the code stands for now (None: it is gone).
    `needs_edit`: the draft cannot be approved as it is (a price to fill in).
    `draft_fingerprint`: the draft's content fingerprint now, compared with the one
    the code was made for (when it was made with one).
    """
    if code.code is not None and code.code != command.code:
        raise ValueError(f"the code verdict is for {code.code}, the command for {command.code}")

    def refuse(refusal: Refusal, reason: str) -> Verdict:
        issued = code.issued
        return Verdict(
            command,
            False,
            refusal,
            reason,
            issued.draft_id if issued else None,
            issued.version if issued else None,
        )

    if not (from_owner or found_in_sent):
        return refuse("not_from_owner", "not from you: it did not come from your own address")
    if not (replies_to_digest or via_subject):
        return refuse("not_a_reply", "not a reply to a mailwatch digest")
    if code.status == "unknown":
        return refuse("unknown_code", "unknown code: check it against the digest")
    if code.status == "tampered":
        return refuse(
            "tampered",
            "this code does not match mailwatch's records (was the state file changed?)",
        )
    if code.status == "used":
        return refuse("used", "already handled: this code was used before")
    if code.status == "expired":
        return refuse("expired", "expired: use the code in the latest digest")
    issued = code.issued
    assert issued is not None  # an "ok" verdict always has its record
    if draft_status is None:
        return refuse("no_draft", "this draft no longer exists")
    changed_text = (
        bool(issued.fingerprint)
        and draft_fingerprint is not None
        and (draft_fingerprint.strip().lower() != issued.fingerprint.strip().lower())
    )
    if draft_version != issued.version or changed_text:
        return refuse(
            "changed",
            "the draft was changed after this digest; read it again in the next digest",
        )
    if draft_status not in ALLOWED_FROM[command.verb]:
        return refuse("state", _STATE_REASONS.get(draft_status, f"the draft is {draft_status}"))
    if command.verb == "approve" and needs_edit:
        return refuse(
            "needs_edit",
            "this draft needs your edit first (something is missing): use edit with its code",
        )
    return Verdict(command, True, None, "", issued.draft_id, issued.version)


# ---------------------------------------------------------------------- confirmation


@dataclass(frozen=True)
class Outcome:
    """One judged command, with what the owner needs to recognise the draft."""

    verdict: Verdict
    about: str = ""  # e.g. "Acme Bakery, Follow-up 2"
    goes_out: str = ""  # for approvals and edits, e.g. "Mon 1 Dec, from 09:00"


def confirmation_subject(results: Sequence[Outcome], ignored: Sequence[IgnoredLine] = ()) -> str:
    """e.g. "mailwatch: 2 approved, 1 rejected, 1 not done"."""
    counts = _counts(results, ignored)
    parts = [f"{count} {label}" for label, count in counts.items() if count]
    return "mailwatch: " + (", ".join(parts) if parts else "no command found in your reply")


def _counts(results: Sequence[Outcome], ignored: Sequence[IgnoredLine]) -> dict[str, int]:
    done = [outcome.verdict for outcome in results if outcome.verdict.accepted]
    return {
        "approved": sum(verdict.command.verb == "approve" for verdict in done),
        "rewritten": sum(verdict.command.verb == "edit" for verdict in done),
        "rejected": sum(verdict.command.verb == "reject" for verdict in done),
        "not done": sum(not outcome.verdict.accepted for outcome in results) + len(ignored),
    }


def confirmation_text(
    results: Sequence[Outcome], ignored: Sequence[IgnoredLine] = (), *, owner_name: str = ""
) -> str:
    """The body of the short mail that tells the owner what their reply did.

    Every line the owner wrote is shown in quotes after a "- ", so a reply to the
    confirmation cannot be read as a new command."""
    lines = [f"Hello {_one(owner_name)}," if owner_name else "Hello,", ""]
    done = [outcome for outcome in results if outcome.verdict.accepted]
    refused = [outcome for outcome in results if not outcome.verdict.accepted]
    if not results and not ignored:
        lines += [
            "mailwatch found no command in your reply, so nothing was done.",
            "",
            "To act on a draft, reply to the digest with a line made of a word",
            '("approve", "reject" or "edit") and the draft\'s code, as shown after',
            '"Code:" in the digest.',
        ]
        return "\n".join(lines) + "\n"
    lines.append("Here is what mailwatch did with your reply.")
    sections = (
        ("Approved:", "approve"),
        ("Rewritten with your text, and approved:", "edit"),
        ("Rejected:", "reject"),
    )
    for title, verb in sections:
        chosen = [outcome for outcome in done if outcome.verdict.command.verb == verb]
        if not chosen:
            continue
        lines += ["", title]
        for outcome in chosen:
            lines.append(f"- {_describe(outcome)}")
            if verb in ("approve", "edit"):
                lines.append(f"  Goes out: {_one(outcome.goes_out) or 'as soon as possible'}.")
            elif outcome.verdict.command.note:
                lines.append(f"  Your reason: “{_one(outcome.verdict.command.note)}”.")
    if refused or ignored:
        lines += ["", "Not done:"]
        for outcome in refused:
            lines.append(f"- “{_one(outcome.verdict.command.line)}”: {outcome.verdict.reason}.")
        for line in ignored:
            lines.append(f"- “{_one(line.line)}”: {line.reason}.")
    if done:
        lines += [
            "",
            "Changed your mind? Until a draft goes out, `mailwatch queue reject ID` stops it.",
        ]
    return "\n".join(lines) + "\n"


def _describe(outcome: Outcome) -> str:
    verdict = outcome.verdict
    ids = f"draft {verdict.draft_id}, code {verdict.command.code}"
    return f"{_one(outcome.about)} ({ids})" if outcome.about.strip() else ids


def _one(text: str) -> str:
    return " ".join((text or "").split())
