"""The approval digest, end to end: build it, send it, and act on the owner's replies.

- A digest lists what needs the owner (the attention list), every draft waiting for
  approval with its reason, recipients, subject, when it would go out, its full text
  and a code, and a short status table. It goes from the owner's address to
  `[digest] to`; its codes and Message-ID are recorded in the ledger first.
- A code is a keyed MAC (digest/codes.py) over the digest, the draft, its version
  and its content fingerprint, with a secret generated once and kept in the state
  (meta.json), never in mail or logs.
- The owner's replies (route `owner_command`, found in INBOX from their own address
  or in their Sent folder) are parsed (only their own lines: quotes never count),
  every command is judged (digest/verify.py) and the accepted ones go through
  `drafts/approval.change_draft`, the one path every approval takes. Each reply is
  acted on once, even when it is found in INBOX and in Sent, and gets a short
  confirmation in its thread.
"""

from __future__ import annotations

import functools
import logging
import secrets as random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from mailwatch.core.model import FAILED, PENDING
from mailwatch.digest.codes import IssuedCode, check_code, make_code, new_secret
from mailwatch.digest.view import AttentionLine, DigestView, DraftBlock, StatusLine
from mailwatch.store.records import Draft, MessageRecord

if TYPE_CHECKING:
    from mailwatch.pipeline.app import App

log = logging.getLogger("mailwatch.digest")

DIGESTS, USED, REPLIES = "digests", "used_codes", "command_replies"
SECRET_KEY = "digest_secret"


def secret(app: App) -> bytes:
    """The MAC key: made once, kept in the state's meta file (0600), never shown."""
    meta = app.store.meta()
    value = meta.get(SECRET_KEY)
    if not value:
        value = new_secret().hex()
        app.store.set_meta(**{SECRET_KEY: value})
    return bytes.fromhex(value)


def our_ids(app: App) -> frozenset[str]:
    """Message-IDs of the mail mailwatch sent the owner (digests, confirmations)."""
    return frozenset(d["message_id"] for d in app.store.docs(DIGESTS) if d.get("message_id"))


def _client_name(app: App, client: str | None) -> str | None:
    if client is None:
        return None
    known = app.settings.clients.get(client)
    return known.name if known is not None else client


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _evidence_words(item: Mapping[str, Any]) -> str:
    facts = (item.get("evidence") or {}).get("facts") or {}
    if facts.get("sentence"):
        return str(facts["sentence"])
    if facts.get("lines"):
        return " / ".join(str(line) for line in facts["lines"])
    return ""


def goes_out(app: App, draft: Draft, now: datetime) -> str:
    """When an approved draft would go out: the client's next send window."""
    from mailwatch.config.model import parse_hhmm

    if draft.client not in app.settings.clients:
        return "not at all: the client is no longer configured"
    rules = app.settings.rules_for(draft.client)
    window = (parse_hhmm(rules.send_window[0]), parse_hhmm(rules.send_window[1]))
    zone = app.settings.timezone_for(draft.client)
    if app.calendar.in_window(now, zone, window):
        return "at the next send after you approve it (within minutes)"
    opening = app.calendar.next_window_opening(now, zone, window).astimezone(ZoneInfo(zone))
    return f"{opening:%a %d %b}, from {opening:%H:%M} (the client's time)"


def waiting_drafts(app: App) -> list[Draft]:
    """Drafts the owner must decide on: waiting for approval, or failed to send."""
    return [d for d in app.store.drafts() if d.status in (PENDING, FAILED)]


@dataclass
class Built:
    view: DigestView
    items: list[dict[str, Any]] = field(default_factory=list)  # the codes it issues
    attention: list[dict[str, Any]] = field(default_factory=list)

    def json(self, message_id: str | None) -> dict[str, Any]:
        return {
            "digest_id": self.view.digest_id,
            "message_id": message_id,
            "items": [
                {"draft_id": i["draft_id"], "version": i["version"], "code": i["code"]}
                for i in self.items
            ],
            "attention": self.attention,
        }


def build(app: App, *, issue_codes: bool = True) -> Built:
    """The digest as of now (codes made only when it will really be sent)."""
    from mailwatch.cli.format import kind_label
    from mailwatch.drafts.approval import content_fingerprint

    now = app.clock.now()
    digest_id = f"dg-{now:%Y%m%d%H%M}-{random.token_hex(3)}"
    key = secret(app) if issue_codes else b"preview only: these codes approve nothing"
    attention = app.attention()
    lines = tuple(
        AttentionLine(
            kind=item["kind"],
            client_name=_client_name(app, item.get("client")),
            since=_when(item.get("since")),
            text=item.get("text", ""),
            evidence=_evidence_words(item),
        )
        for item in attention
    )
    blocks: list[DraftBlock] = []
    items: list[dict[str, Any]] = []
    for draft in waiting_drafts(app):
        fingerprint = content_fingerprint(draft)
        code = make_code(key, digest_id, draft.id, draft.version, fingerprint)
        items.append(
            {
                "code": code,
                "draft_id": draft.id,
                "version": draft.version,
                "fingerprint": fingerprint,
                "issued_at": now.isoformat(),
            }
        )
        why = draft.reason.get("text", "")
        if draft.status == FAILED:
            why = f"It could not be sent: {draft.error or 'see its history'}. {why}".strip()
        blocks.append(
            DraftBlock(
                draft_id=draft.id,
                version=draft.version,
                code=code,
                client_name=_client_name(app, draft.client) or draft.client,
                kind_label=kind_label(draft),
                why=why,
                answers_date=_when(draft.reason.get("message_date")),
                to=draft.to,
                subject=draft.subject,
                goes_out=goes_out(app, draft, now),
                body=draft.body,
                needs_edit=draft.needs_edit,
            )
        )
    statuses = []
    for row in app.statuses():
        waiting = ""
        if row.waiting_on and row.waiting_since:
            days = max((now - row.waiting_since).days, 0)
            who = "You" if row.waiting_on == "owner" else "Them"
            waiting = f"{who}, {days} day{'s' if days != 1 else ''}"
        statuses.append(StatusLine(row.name, row.last_inbound, row.last_outbound, waiting))
    owner = app.settings.owner
    view = DigestView(
        digest_id=digest_id,
        owner_name=owner.name,
        owner_email=owner.email,
        generated_at=now,
        timezone=owner.timezone,
        attention=lines,
        drafts=tuple(blocks),
        statuses=tuple(statuses),
    )
    return Built(view, items, attention)


def recipient(app: App) -> str:
    return app.settings.config.digest.to or app.settings.owner.email


def message(app: App, built: Built) -> EmailMessage:
    """One multipart/alternative message: text for any client, HTML for a phone."""
    from mailwatch.digest.render import digest_subject, render_html, render_text

    owner = app.settings.owner
    mail = EmailMessage()
    mail["From"] = formataddr((owner.name, owner.email))
    mail["To"] = recipient(app)
    mail["Subject"] = digest_subject(built.view)
    mail["Date"] = format_datetime(app.clock.now())
    mail["Message-ID"] = make_msgid(idstring="mailwatch-digest", domain=owner.domain)
    mail["Auto-Submitted"] = "auto-generated"  # never answered by a client's auto-reply
    mail.set_content(render_text(built.view), charset="utf-8")
    mail.add_alternative(render_html(built.view), subtype="html", charset="utf-8")
    return mail


def due(app: App, built: Built) -> bool:
    """Is there anything to show? (The weekly all-quiet is decided by the caller.)"""
    return bool(built.view.drafts or built.view.attention)


async def send(app: App, built: Built) -> str:
    """Record the digest and its codes, then send it; returns its Message-ID.

    Recorded first: a code in a digest that reached the owner must be known, even if
    the process dies right after the server took the message.
    """
    mail = message(app, built)
    message_id = str(mail["Message-ID"])
    now = app.clock.now()
    with app.store.batch():
        app.store.put(
            DIGESTS,
            built.view.digest_id,
            {
                "message_id": message_id,
                "created_at": now.isoformat(),
                "to": recipient(app),
                "items": built.items,
                "attention": len(built.attention),
            },
        )
    raw = mail.as_bytes()
    await app.outbox.send(app.settings.owner.email, [recipient(app)], raw)
    with app.store.batch():
        doc = next(d for d in app.store.docs(DIGESTS) if d["key"] == built.view.digest_id)
        app.store.put(DIGESTS, built.view.digest_id, {**doc, "sent_at": now.isoformat()})
    log.info(
        "digest %s sent: %d draft(s), %d item(s)",
        built.view.digest_id,
        len(built.items),
        len(built.attention),
    )
    return message_id


# -- the owner's replies ------------------------------------------------------------------


def issued_codes(app: App) -> dict[str, IssuedCode]:
    issued: dict[str, IssuedCode] = {}
    for digest in app.store.docs(DIGESTS):
        for item in digest.get("items") or ():
            issued[item["code"]] = IssuedCode(
                digest_id=digest["key"],
                draft_id=item["draft_id"],
                version=int(item["version"]),
                issued_at=datetime.fromisoformat(item["issued_at"]),
                fingerprint=item.get("fingerprint", ""),
            )
    return issued


@dataclass
class ReplyResult:
    record_key: str
    accepted: list[str] = field(default_factory=list)  # draft ids
    refused: list[str] = field(default_factory=list)  # refusal codes
    confirmation_id: str | None = None


def process(app: App, records: Iterable[MessageRecord]) -> list[ReplyResult]:
    """Act on the owner's command mail among `records` (each reply once)."""
    from mailwatch import route as routes

    replies = [r for r in records if r.route == routes.OWNER_COMMAND]
    if not replies:
        return []
    done = {d["key"] for d in app.store.docs(REPLIES)}
    texts = app.store.texts(replies)
    results = []
    for record in replies:
        reply_key = record.message_id or record.join_id
        if reply_key in done:
            continue  # the same reply in INBOX and in Sent: acted on once
        done.add(reply_key)
        results.append(_process_one(app, record, texts.get(record.key, ""), reply_key))
    return results


def _process_one(app: App, record: MessageRecord, text: str, reply_key: str) -> ReplyResult:
    from mailwatch.cli.format import kind_label
    from mailwatch.digest.commands import parse_reply, parse_subject
    from mailwatch.digest.verify import Outcome, judge
    from mailwatch.drafts.approval import content_fingerprint
    from mailwatch.errors import MailwatchError

    now = app.clock.now()
    settings = app.settings
    inbox = settings.config.imap.inbox if settings.config.imap else "INBOX"
    parsed = parse_reply(text)
    subject_command = parse_subject(record.subject)
    via_subject = subject_command is not None and not parsed.commands
    commands = list(parsed.commands) or ([subject_command] if subject_command else [])
    from_owner = record.folder == inbox and (record.from_addr or "") in settings.owner.addresses
    found_in_sent = record.folder != inbox
    digest_ids = our_ids(app)
    parents = {*record.references, *([record.in_reply_to] if record.in_reply_to else [])}
    replies_to_digest = bool(parents & digest_ids)
    issued = issued_codes(app)
    used = {d["key"] for d in app.store.docs(USED)}
    key = secret(app)
    code_hours = settings.config.digest.code_hours
    result = ReplyResult(record.key)
    outcomes: list[Outcome] = []
    with app.store.batch():
        for command in commands:
            verdict_code = check_code(
                command.code, issued, used, now=now, code_hours=code_hours, secret=key
            )
            draft = None
            if verdict_code.issued is not None:
                try:
                    draft = app.store.draft(verdict_code.issued.draft_id)
                except MailwatchError:
                    draft = None
            # Everything about the command's envelope is fixed; only the draft may move.
            judge_command = functools.partial(
                judge,
                command,
                from_owner=from_owner,
                found_in_sent=found_in_sent,
                replies_to_digest=replies_to_digest,
                via_subject=via_subject,
                code=verdict_code,
            )
            verdict = judge_command(
                draft_status=draft.status if draft else None,
                draft_version=draft.version if draft else None,
                needs_edit=draft.needs_edit if draft else False,
                draft_fingerprint=content_fingerprint(draft) if draft else None,
            )
            about = ""
            if draft is not None:
                about = f"{_client_name(app, draft.client)}, {kind_label(draft)}"
            when = ""
            if verdict.accepted and draft is not None:
                try:
                    draft = _apply(app, command, draft, verdict.version or draft.version, now)
                except MailwatchError as exc:  # the draft moved meanwhile: say so
                    verdict = judge_command(draft_status=None, draft_version=None)
                    log.warning("command %s not applied: %s", command.verb, exc)
                else:
                    used.add(command.code)
                    app.store.put(USED, command.code, {"at": now.isoformat(), "reply": reply_key})
                    result.accepted.append(draft.id)
                    if command.verb in ("approve", "edit"):
                        when = goes_out(app, draft, now)
            if not verdict.accepted:
                result.refused.append(verdict.refusal or "refused")
            client = draft.client if draft is not None else None
            app.store.record_event(
                client,
                "owner_command_accepted" if verdict.accepted else "owner_command_refused",
                now,
                {
                    "verb": command.verb,
                    "draft": verdict.draft_id,
                    "reason": verdict.reason,
                    "reply": reply_key,
                },
            )
            outcomes.append(Outcome(verdict, about, when))
        app.store.put(
            REPLIES,
            reply_key,
            {
                "at": now.isoformat(),
                "record": record.key,
                "accepted": result.accepted,
                "refused": result.refused,
            },
        )
    if outcomes or parsed.ignored:
        result.confirmation_id = _confirm(app, record, outcomes, parsed.ignored)
    return result


def _apply(app: App, command: Any, draft: Draft, version: int, now: datetime) -> Draft:
    from mailwatch.drafts.approval import change_draft

    by = "owner (reply to the digest)"
    if command.verb == "approve":
        return change_draft(
            app.store, draft.id, "approve", by=by, now=now, expected_version=version
        )
    if command.verb == "reject":
        return change_draft(
            app.store,
            draft.id,
            "reject",
            by=by,
            now=now,
            expected_version=version,
            note=command.note,
        )
    # An edit replaces the text and counts as approved: the owner wrote it.
    edited = change_draft(
        app.store, draft.id, "edit", by=by, now=now, expected_version=version, body=command.body
    )
    return change_draft(
        app.store, draft.id, "approve", by=by, now=now, expected_version=edited.version
    )


def _confirm(app: App, record: MessageRecord, outcomes: list[Any], ignored: list[Any]) -> str:
    """A short mail in the reply's thread: what was done, and what was not and why."""
    import asyncio

    from mailwatch.core.threads import reply_subject
    from mailwatch.digest.verify import confirmation_subject, confirmation_text

    owner = app.settings.owner
    mail = EmailMessage()
    mail["From"] = formataddr((owner.name, owner.email))
    mail["To"] = recipient(app)
    mail["Subject"] = (
        reply_subject(record.subject) if record.subject else confirmation_subject(outcomes, ignored)
    )
    mail["Date"] = format_datetime(app.clock.now())
    message_id = make_msgid(idstring="mailwatch-confirm", domain=owner.domain)
    mail["Message-ID"] = message_id
    mail["Auto-Submitted"] = "auto-replied"
    if record.message_id:
        mail["In-Reply-To"] = record.message_id
        mail["References"] = " ".join([*record.references[-10:], record.message_id])
    mail.set_content(confirmation_text(outcomes, ignored, owner_name=owner.name), charset="utf-8")
    with app.store.batch():
        app.store.put(
            DIGESTS,
            f"confirmation:{message_id}",
            {
                "message_id": message_id,
                "kind": "confirmation",
                "created_at": app.clock.now().isoformat(),
            },
        )
    try:
        asyncio.run(app.outbox.send(owner.email, [recipient(app)], mail.as_bytes()))
    except Exception as exc:  # the commands are applied; a lost confirmation is logged
        log.warning("could not send the confirmation of a digest reply: %s", exc)
    return message_id


def all_quiet_due(app: App, now: datetime) -> bool:
    """The weekly all-quiet: on the owner's first working day of the week, once."""
    local = app.calendar.local(now)
    monday = local.date() - timedelta(days=local.weekday())
    first = app.calendar.next_business_day(monday)
    if local.date() != first:
        return False
    sent = [d for d in app.store.docs(DIGESTS) if d.get("sent_at") and not d.get("kind")]
    return not any(
        app.calendar.local(datetime.fromisoformat(d["sent_at"])).date() == first for d in sent
    )
