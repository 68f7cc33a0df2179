"""Send approved drafts: inside the send window, re-checked, exactly once.

The protocol, step by step (each state change is an atomic store write):

1. `approved` -> `sending`: a Message-ID and the exact bytes are stored first.
2. Just before DATA the draft is marked `stage = data`: from here on, a crash
   leaves it unknown whether the server took the message.
3. The server's 250 -> `sent`. Then, if we file our own copies, APPEND to Sent
   and mark it filed.

After a crash a draft still `sending` is resolved by looking for its
Message-ID in the mailbox: the Sent copy the server files itself, or the
envelope-only copy to the owner (`bcc_self`), both exist only if the server
accepted the message. Found: it is `sent`. Not found and DATA never started:
send again. Not found after DATA: wait `proof_wait_seconds` for a slow server
to file it, then send again. With no possible proof, it is never sent twice:
the draft fails and the owner decides.

Every (re)send passes the same checks as a first send: the client is still
configured, the client's window is open, and the draft's reason still holds (a
client who replied meanwhile withdraws it). The owner may cancel a draft while
it is `sending`; it is then never sent again, and if the attempt in doubt did
reach the server, its copy turning up later records it as sent after all.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from mailwatch.core.model import APPROVED, REJECTED, SENDING, SENT, WITHDRAWN
from mailwatch.drafts.approval import content_fingerprint
from mailwatch.drafts.compose import build_message, message_bytes, new_message_id
from mailwatch.drafts.lifecycle import PAST, DraftEvent, transition
from mailwatch.errors import AuthenticationFailed, ConnectionFailed
from mailwatch.faults import crash_point
from mailwatch.logs import redact
from mailwatch.retry import AUTH_FAILURE_WAIT, backoff
from mailwatch.smtp.base import DeliveryUnknown, PermanentFailure, TemporaryFailure
from mailwatch.store.records import Attempt, Draft

if TYPE_CHECKING:
    from mailwatch.pipeline.app import App

log = logging.getLogger("mailwatch.smtp")

GIVE_UP_AFTER = timedelta(days=3)  # then the draft fails and the owner is told


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    waiting_for_window: dict[str, datetime] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class Sender:
    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.store = app.store
        self.now = app.clock.now()
        self.report = SendReport()

    # -- state changes ----------------------------------------------------------------

    def _save(self, draft: Draft) -> Draft:
        with self.store.batch():
            self.store.save_draft(draft)
        return draft

    def _step(
        self,
        draft: Draft,
        event: DraftEvent,
        note: str = "",
        timeline: dict[str, Any] | None = None,
        **values: Any,
    ) -> Draft:
        """A lifecycle transition, saved (and, with `timeline`, an event in the client's
        timeline) in one atomic write."""
        changed = transition(draft, event, at=self.now, note=note, **values)
        with self.store.batch():
            self.store.save_draft(changed)
            if timeline is not None:
                self.store.record_event(
                    draft.client,
                    f"draft_{PAST[event]}",
                    self.now,
                    {"draft": draft.id, **timeline},
                )
        return changed

    # -- the pass ---------------------------------------------------------------------

    async def run(self) -> SendReport:
        for draft in self.store.drafts(statuses=[REJECTED, WITHDRAWN]):
            if draft.outcome_unknown:
                await self._look_for_late_proof(draft)
        for draft in self.store.drafts(statuses=[SENDING]):
            await self._resume(draft)
        for draft in self.store.drafts(statuses=[SENT]):
            if (
                self.settings.config.smtp
                and self.settings.config.smtp.save_to_sent
                and not draft.filed
            ):
                await self._file_copy(draft)
        for draft in self.store.drafts(statuses=[APPROVED]):
            await self._send_approved(draft)
        return self.report

    def _may_send_now(self, draft: Draft) -> bool:
        """The checks every send and every resend passes: client, window, reason."""
        client_id = draft.client
        if client_id not in self.settings.clients:
            self._step(
                draft,
                DraftEvent.FAIL,
                f"The client {client_id!r} is no longer in your client files.",
                {"reason": "client removed"},
                error="client no longer configured",
                stage=None,
            )
            self.report.failed.append(draft.id)
            return False
        rules = self.settings.rules_for(client_id)
        window = (_hhmm(rules.send_window[0]), _hhmm(rules.send_window[1]))
        zone = self.settings.timezone_for(client_id)
        if not self.app.calendar.in_window(self.now, zone, window):
            opening = self.app.calendar.next_window_opening(self.now, zone, window)
            self.report.waiting_for_window[draft.id] = opening
            return False
        reason = self.app.recheck(draft)
        if reason:
            self._step(
                draft,
                DraftEvent.WITHDRAW,
                reason,
                {"reason": reason},
                withdrawn_reason=reason,
                # An earlier attempt may have reached the server: keep watching for it.
                outcome_unknown=draft.outcome_unknown or draft.stage == "data",
            )
            self.report.withdrawn.append(draft.id)
            return False
        return True

    async def _send_approved(self, draft: Draft) -> None:
        if draft.retry_at is not None and draft.retry_at > self.now:
            self.report.retrying.append(draft.id)
            return
        if not self._may_send_now(draft):
            return
        approved = draft.approved_fingerprint
        if approved and approved != content_fingerprint(draft):
            # The approval was for other text (or other recipients): never send what the
            # owner did not approve.
            note = "Its text or recipients changed after your approval; approve it again."
            self._step(
                draft, DraftEvent.UNAPPROVE, note, {"reason": note}, approved_fingerprint=None
            )
            return
        if not draft.message_id:
            draft = self._prepare(draft)
        else:
            draft = self._step_quietly(draft, DraftEvent.PREPARE, stage="prepared")
        crash_point("send.before_smtp")
        await self._transmit(draft)

    def _step_quietly(self, draft: Draft, event: DraftEvent, **values: Any) -> Draft:
        """A transition that leaves no line in the history (a step of the protocol)."""
        changed = transition(draft, event, at=self.now, history=False, stage_at=self.now, **values)
        return self._save(changed)

    def _prepare(self, draft: Draft) -> Draft:
        owner = self.settings.owner
        message_id = new_message_id(owner)
        raw = message_bytes(build_message(draft, owner, message_id, self.now))
        # Identity and bytes are durable before the server hears of them.
        return self._step_quietly(
            draft, DraftEvent.PREPARE, message_id=message_id, raw=raw, stage="prepared"
        )

    def _recipients(self, draft: Draft) -> list[str]:
        smtp = self.settings.config.smtp
        recipients = list(draft.to)
        if smtp is not None and smtp.bcc_self and self.settings.owner.email not in recipients:
            recipients.append(self.settings.owner.email)  # envelope only: the proof copy
        return recipients

    async def _transmit(self, draft: Draft) -> None:
        assert draft.raw is not None
        current = draft

        def before_data() -> None:
            nonlocal current
            current = self._save(
                current.changed(stage="data", stage_at=self.now, updated_at=self.now)
            )
            crash_point("send.before_data")

        try:
            delivery = await self.app.outbox.send(
                self.settings.owner.email, self._recipients(draft), draft.raw, before_data
            )
        except PermanentFailure as exc:
            self._failed(current, exc.reply, exc.refused)
            return
        except AuthenticationFailed as exc:
            self._retry_later(current, str(exc), AUTH_FAILURE_WAIT)
            return
        except (TemporaryFailure, ConnectionFailed) as exc:
            self._retry_later(current, str(exc))
            return
        except DeliveryUnknown as exc:
            log.warning("draft %s: %s; will look for proof before any retry", draft.id, exc)
            self.report.unresolved.append(draft.id)
            return
        crash_point("send.after_smtp")
        refused = {a: r for a, r in delivery.refused.items() if a != self.settings.owner.email}
        note = "Sent." + (
            " Not delivered to: " + "; ".join(f"{a} ({r})" for a, r in refused.items())
            if refused
            else ""
        )
        sent = self._mark_sent(current, note, refused)
        await self._file_copy(sent)

    def _mark_sent(self, draft: Draft, note: str, refused: dict[str, str]) -> Draft:
        sent = self._step(
            draft,
            DraftEvent.SENT,
            note,
            {"message_id": draft.message_id, "refused": refused},
            sent_at=self.now,
            stage=None,
            refused=refused,
            # Earlier failed attempts stay in the history; the draft no longer has a
            # problem to show.
            error=None,
            retry_at=None,
            outcome_unknown=False,
        )
        self.report.sent.append(draft.id)
        log.info("sent draft %s to %s", draft.id, ", ".join(draft.to))
        return sent

    def _failed(self, draft: Draft, reply: str, refused: dict[str, str]) -> None:
        reply = redact(reply)
        self._step(
            draft,
            DraftEvent.FAIL,
            f"The mail server refused it: {reply}",
            {"reply": reply},
            error=reply,
            refused=refused,
            stage=None,
        )
        self.report.failed.append(draft.id)

    def _retry_later(self, draft: Draft, reason: str, wait: timedelta | None = None) -> None:
        reason = redact(reason)
        attempts = (*draft.attempts, Attempt(self.now, reason))
        if self.now - attempts[0].at > GIVE_UP_AFTER:
            self._failed(draft, f"still failing after {len(attempts)} attempts: {reason}", {})
            return
        delay = wait or backoff(len(attempts))
        self._step(
            draft,
            DraftEvent.RETRY,
            f"Will try again after {delay}: {reason}",
            stage=None,
            attempts=attempts,
            retry_at=self.now + delay,
            error=reason,
        )
        self.report.retrying.append(draft.id)
        log.warning("draft %s: %s; retrying in %s", draft.id, reason, delay)

    # -- after a crash ----------------------------------------------------------------

    def _proof_folders(self) -> list[str]:
        smtp = self.settings.config.smtp
        folders = []
        if smtp is not None and not smtp.save_to_sent:
            folders.append(self.app.sent_folder())  # the server files its own copy
        if smtp is not None and smtp.bcc_self:
            folders.append(
                self.settings.config.imap.inbox if self.settings.config.imap else "INBOX"
            )
        return folders

    async def _find(self, folder: str, message_id: str) -> bool:
        uids = await asyncio.to_thread(self.app.mailbox.find_message_id, folder, message_id)
        return bool(uids)

    async def _resume(self, draft: Draft) -> None:
        assert draft.message_id is not None
        folders = self._proof_folders()
        for folder in folders:
            if await self._find(folder, draft.message_id):
                sent = self._mark_sent(
                    draft, f"Confirmed sent: found in {folder} after a restart.", {}
                )
                await self._file_copy(sent)
                return
        if draft.stage != "data":
            # Never reached DATA: nothing can have gone out. Send it, if it still should go.
            if self._may_send_now(draft):
                await self._transmit(draft)
            return
        if not folders:
            self._failed(
                draft,
                "unknown whether it went out (the connection broke during "
                "sending and this mailbox gives no proof); check your Sent folder "
                "and approve it again to resend",
                {},
            )
            return
        stage_at = draft.stage_at or draft.updated_at
        wait = timedelta(seconds=self.settings.config.smtp.proof_wait_seconds)  # type: ignore[union-attr]
        if self.now - stage_at < wait:
            self.report.unresolved.append(draft.id)
            return
        if not self._may_send_now(draft):
            return  # withdrawn (and still watched for a late copy) or out of hours
        log.warning(
            "draft %s: no copy found %s after sending; sending again",
            draft.id,
            self.now - stage_at,
        )
        await self._transmit(draft)

    async def _look_for_late_proof(self, draft: Draft) -> None:
        """A draft cancelled or withdrawn while its outcome was unknown: if the attempt
        did reach the server after all, its copy shows up; record what really happened."""
        if not draft.message_id or draft.stage_at is None:
            return
        if self.now - draft.stage_at > GIVE_UP_AFTER:
            self._save(draft.changed(outcome_unknown=False, updated_at=self.now))  # stop looking
            return
        for folder in self._proof_folders():
            if await self._find(folder, draft.message_id):
                sent = self._mark_sent(
                    draft,
                    f"It did go out: the attempt in doubt reached the server (its copy is "
                    f"in {folder}), although the draft was {draft.status} afterwards.",
                    {},
                )
                await self._file_copy(sent)
                return

    async def _file_copy(self, draft: Draft) -> None:
        smtp = self.settings.config.smtp
        if smtp is None or not smtp.save_to_sent or draft.filed:
            return
        assert draft.message_id is not None and draft.raw is not None
        crash_point("send.before_append")
        sent = self.app.sent_folder()
        if not await self._find(sent, draft.message_id):
            when = draft.sent_at or self.now
            await asyncio.to_thread(self.app.mailbox.append, sent, draft.raw, when)
        self._save(draft.changed(filed=True, updated_at=self.now))
