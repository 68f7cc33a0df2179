"""What the owner records by hand: notes, confirmations after a call, announced delays.

- `note CLIENT "approved by phone" [--thread ID] [--answers]` records a fact in the
  client's timeline. With `--answers`, it counts as the client's answer in that
  conversation: it stands in the message index for a reply from the client (the
  follow-up ladder stops), and it offers a confirmation draft of what was said.
- `confirm CLIENT "what we agreed" [--thread ID] [--from DATE]` drafts a recap of a
  call, priced like any confirmation when it names an add-on.
- `delay CLIENT "what" --by DATE [--thread ID]` drafts "I need until D to deliver X".

The drafts go through the same queue, approval and exactly-once sending as every
other draft.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from mailwatch.core.model import CreateDraft, Evidence, Message
from mailwatch.core.rule import Reply
from mailwatch.drafts.evidence import json_facts
from mailwatch.errors import UsageError

if TYPE_CHECKING:
    from mailwatch.core.context import ClientContext
    from mailwatch.core.threads import Thread
    from mailwatch.pipeline.app import App
    from mailwatch.pipeline.index import MessageIndex
    from mailwatch.store import Store

NOTES = "notes"

_NEW_SUBJECTS = {
    "call": {"en": "Following our call", "fr": "Suite à notre appel"},
    "delay": {"en": "New delivery date", "fr": "Nouvelle date de livraison"},
}


def answering_notes(store: Store, index: MessageIndex) -> list[Message]:
    """Notes recorded with `--answers`, as the client's reply in their conversation."""
    out = []
    for doc in store.docs(NOTES):
        if not doc.get("answers"):
            continue
        thread = doc.get("thread")
        out.append(
            Message(
                key=f"note/{doc['key']}",
                join_id=f"<note-{doc['key']}@mailwatch.invalid>",
                in_reply_to=thread,
                references=(thread,) if thread else (),
                subject=f"(note) {doc['text'][:60]}",
                date=datetime.fromisoformat(doc["at"]),
                direction="in",
                client=doc["client"],
                counterparts=(),
                facts={
                    "note": True,
                    "ack": True,  # the owner's own record: no reply is owed to it
                    "requests": [
                        {"kind": "decision", "sentence": doc["text"], "summary": doc["text"]}
                    ],
                },
            )
        )
    return out


def _client(app: App, client: str) -> None:
    if client not in app.settings.clients:
        known = ", ".join(sorted(app.settings.clients)) or "none"
        raise UsageError(f"There is no client {client!r}.", f"Client ids are file names: {known}.")


def _thread(ctx: ClientContext, message_id: str | None) -> Thread | None:
    if not message_id:
        return None
    wanted = message_id.strip()
    if not wanted.startswith("<"):
        wanted = f"<{wanted}>"
    for thread in ctx.threads:
        if wanted in thread.ids():
            return thread
    raise UsageError(
        f"No conversation with {ctx.name} has the message {wanted}.",
        "Give the Message-ID of a message in the conversation (see `mailwatch timeline`), "
        "or leave out --thread to start a new message.",
    )


def add_note(
    app: App, client: str, text: str, *, thread: str | None = None, answers: bool = False
) -> str:
    _client(app, client)
    if not text.strip():
        raise UsageError("A note needs some text.")
    now = app.clock.now()
    key = f"{now:%Y%m%d%H%M%S}-{secrets.token_hex(2)}"
    ctx = app.context(client)
    found = _thread(ctx, thread)
    mid = None
    if found is not None:
        mid = next((m.join_id for m in reversed(found.messages) if m.join_id.startswith("<")), None)
    with app.store.batch():
        app.store.put(
            NOTES,
            key,
            {
                "client": client,
                "text": text.strip(),
                "at": now.isoformat(),
                "thread": mid,
                "answers": answers,
            },
        )
        app.store.record_event(
            client, "note", now, {"text": text.strip(), "thread": mid, "answers": answers}
        )
    return key


def _manual_draft(
    app: App,
    client: str,
    kind: str,
    *,
    thread_id: str | None,
    context: dict[str, Any],
    evidence: Evidence,
    target: str,
    subject_kind: str,
    needs_edit: bool = False,
) -> str:
    from mailwatch.core.replies import base_context, reply_in
    from mailwatch.pipeline.evaluate import PlanApplier

    ctx = app.context(client)
    thread = _thread(ctx, thread_id)
    if thread is not None:
        reply = reply_in(ctx, thread)
    else:
        language = ctx.language if ctx.language in ("en", "fr") else "en"
        reply = Reply((ctx.primary_email,), _NEW_SUBJECTS[subject_kind][language])
    create = CreateDraft(
        client=client,
        kind=kind,
        step=None,
        anchor=target,
        to=reply.to,
        subject=reply.subject,
        in_reply_to=reply.in_reply_to,
        references=reply.references,
        evidence=evidence,
        context={**base_context(ctx, thread), **context},
        family="manual",
        rank=1,
        slot=target,
        needs_edit=needs_edit,
    )
    applier = PlanApplier(app.settings, app.store, app.renderer, app.clock.now())
    with app.store.batch():
        problems = applier.apply_client(client, [create])
    if problems:
        raise UsageError(
            f"The draft could not be written: {problems[0].evidence.facts.get('error')}"
        )
    return applier.report.created[0]


def confirm_call(
    app: App, client: str, text: str, *, thread: str | None = None, on: date | None = None
) -> str:
    from mailwatch.core.pricing import price_request
    from mailwatch.detect.scope import Request, find_requests
    from mailwatch.rules.confirmation import _price_context

    _client(app, client)
    now = app.clock.now()
    settings = app.settings.clients[client]
    found = [
        r for r in find_requests(text, language=settings.language, written=now) if r.kind == "scope"
    ]
    request = found[0] if found else Request("decision", text, text)
    price = price_request(request, settings.contract, settings.addons)
    context = {
        "request_kind": "call",
        "request": text,
        "sentence": text,
        "start_date": request.start_date,
        "revision_round": None,
        "revisions_allowed": settings.contract.revisions_per_month,
        "call_date": on or app.calendar.local(now).date(),
        **_price_context(price, settings.contract.currency),
    }
    evidence = Evidence(
        "call_recap",
        {"client_name": settings.name, "text": text, "request": json_facts(asdict(request))},
    )
    return _manual_draft(
        app,
        client,
        "confirmation",
        thread_id=thread,
        context=context,
        evidence=evidence,
        target=f"call:{now.isoformat()}",
        subject_kind="call",
        needs_edit=price.verdict == "quote",
    )


def announce_delay(
    app: App, client: str, what: str, *, by: date, thread: str | None = None, reason: str = ""
) -> str:
    _client(app, client)
    now = app.clock.now()
    if by <= app.calendar.local(now).date():
        raise UsageError(
            f"--by {by.isoformat()} is not in the future.",
            "Give the new delivery date (YYYY-MM-DD); say it before the last day.",
        )
    evidence = Evidence(
        "delay_announced",
        {"client_name": app.settings.clients[client].name, "what": what, "by": by},
    )
    return _manual_draft(
        app,
        client,
        "delay",
        thread_id=thread,
        context={"what": what, "new_date": by, "reason": reason},
        evidence=evidence,
        target=f"delay:{now.isoformat()}",
        subject_kind="delay",
    )
