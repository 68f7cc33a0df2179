"""Run the rules for every client and carry out the plan they return."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mailwatch.config.model import Settings
from mailwatch.core.calendar import BusinessCalendar
from mailwatch.core.context import ClientContext
from mailwatch.core.model import (
    PENDING,
    Action,
    ClientStatus,
    CreateDraft,
    DraftView,
    RecordEvent,
    WithdrawDraft,
)
from mailwatch.core.planner import client_status, next_change, plan
from mailwatch.core.tracking import STATS_DAYS
from mailwatch.drafts.lifecycle import DraftEvent, transition
from mailwatch.pipeline.index import MessageIndex
from mailwatch.store import Draft, Store
from mailwatch.store.records import HistoryEntry

if TYPE_CHECKING:  # jinja2 is imported only when a draft is written
    from mailwatch.drafts.render import Renderer

log = logging.getLogger("mailwatch.rules")


@dataclass
class EvaluateReport:
    created: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    events: int = 0


def draft_view(draft: Draft) -> DraftView:
    return DraftView(
        id=draft.id,
        client=draft.client,
        kind=draft.kind,
        step=draft.step,
        status=draft.status,
        anchor=draft.anchor,
        edited=draft.edited,
        message_id=draft.message_id,
        in_reply_to=draft.in_reply_to,
        references=draft.references,
        sent_at=draft.sent_at,
    )


def build_context(
    settings: Settings,
    client_id: str,
    index: MessageIndex,
    drafts: Sequence[Draft],
    calendar: BusinessCalendar,
    now: datetime,
) -> ClientContext:
    client = settings.clients[client_id]
    rules = settings.rules_for(client_id)
    # Enough history for the look-back and the 90-day response-time medians.
    since = now - timedelta(days=max(rules.lookback_days, STATS_DAYS) + 1)
    return ClientContext(
        client_id=client_id,
        name=client.name,
        language=client.language,
        timezone=settings.timezone_for(client_id),
        primary_email=client.emails[0] if client.emails else "",
        rules=rules,
        contract=client.contract,
        calendar=calendar,
        threads=index.threads(client_id, since, now),
        drafts=tuple(draft_view(d) for d in drafts if d.client == client_id),
        now=now,
    )


def statuses(
    settings: Settings,
    index: MessageIndex,
    drafts: Sequence[Draft],
    calendar: BusinessCalendar,
    now: datetime,
) -> list[ClientStatus]:
    out = []
    for client_id in sorted(settings.clients):
        ctx = build_context(settings, client_id, index, drafts, calendar, now)
        out.append(client_status(ctx, *index.last_contact(client_id, now)))
    return out


class PlanApplier:
    """Carries out the core's decisions against the store, in one atomic write."""

    def __init__(self, settings: Settings, store: Store, renderer: Renderer, now: datetime) -> None:
        self.settings = settings
        self.store = store
        self.renderer = renderer
        self.now = now
        self.report = EvaluateReport()

    def apply(self, actions: Sequence[Action]) -> None:
        for action in actions:
            if isinstance(action, WithdrawDraft):
                self._withdraw(action)
            elif isinstance(action, CreateDraft):
                self._create(action)
            elif isinstance(action, RecordEvent) and self.store.record_event(
                action.client, action.kind, action.at, action.data, key=action.key
            ):
                self.report.events += 1

    def _withdraw(self, action: WithdrawDraft) -> None:
        draft = self.store.draft(action.draft_id)
        self.store.save_draft(
            transition(
                draft,
                DraftEvent.WITHDRAW,
                at=self.now,
                note=action.reason,
                withdrawn_reason=action.reason,
            )
        )
        self.store.record_event(
            draft.client,
            "draft_withdrawn",
            self.now,
            {"draft": action.draft_id, "by": "mailwatch", "reason": action.reason},
        )
        self.report.withdrawn.append(action.draft_id)
        log.info("withdrew draft %s: %s", action.draft_id, action.reason)

    def _create(self, action: CreateDraft) -> None:
        client = self.settings.clients[action.client]
        owner = self.settings.owner
        context = {
            **action.context,
            "owner": {"name": owner.name, "business": owner.business, "signature": owner.signature},
            "language": client.language,
        }
        body = self.renderer.render(
            client.language,
            action.kind,
            context,
            timezone=self.settings.timezone_for(action.client),
        )
        draft_id = self.store.next_draft_id()
        draft = Draft(
            id=draft_id,
            client=action.client,
            kind=action.kind,
            step=action.step,
            status=PENDING,
            anchor=action.anchor,
            to=tuple(action.to),
            subject=action.subject,
            body=body,
            in_reply_to=action.in_reply_to,
            references=tuple(action.references),
            reason=action.evidence.to_dict(),
            created_at=self.now,
            updated_at=self.now,
            supersedes=action.supersedes,
            history=(HistoryEntry(self.now, "drafted", "mailwatch", 1, action.evidence.text),),
        )
        self.store.insert_draft(draft)
        self.store.record_event(
            action.client,
            "draft_created",
            self.now,
            {
                "draft": draft_id,
                "kind": action.kind,
                "step": action.step,
                "reason": action.evidence.text,
            },
        )
        self.report.created.append(draft_id)
        log.info("drafted %s %s for %s", action.kind, draft_id, action.client)


class PlanCache:
    """Which clients need no planning now: same inputs as last time, no threshold crossed.

    The core says until when a plan stays the same (`next_change`); the daemon
    evaluates every few minutes, and most clients, most of the time, have nothing
    coming due.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[ClientContext, datetime | None]] = {}

    def still_valid(self, ctx: ClientContext) -> bool:
        entry = self._entries.get(ctx.client_id)
        if entry is None:
            return False
        last, until = entry
        return (
            last.threads is ctx.threads  # the index hands out the same tuple while unchanged
            and last.drafts == ctx.drafts
            and last.rules == ctx.rules
            and last.now <= ctx.now
            and (until is None or ctx.now < until)
        )

    def remember(self, ctx: ClientContext) -> None:
        self._entries[ctx.client_id] = (ctx, next_change(ctx))

    def forget(self, client_id: str) -> None:
        self._entries.pop(client_id, None)


def evaluate(
    settings: Settings,
    store: Store,
    index: MessageIndex,
    renderer: Renderer,
    calendar: BusinessCalendar,
    now: datetime,
    cache: PlanCache | None = None,
    drafts: Sequence[Draft] | None = None,
) -> EvaluateReport:
    applier = PlanApplier(settings, store, renderer, now)
    with store.batch():
        # A client's plan only touches that client's drafts: one pass to group them.
        by_client: dict[str, list[Draft]] = {}
        for draft in store.drafts() if drafts is None else drafts:
            by_client.setdefault(draft.client, []).append(draft)
        for client_id in sorted(settings.clients):
            mine = by_client.get(client_id, [])
            ctx = build_context(settings, client_id, index, mine, calendar, now)
            if cache is not None and cache.still_valid(ctx):
                continue
            actions = plan(ctx)
            applier.apply(actions)
            if cache is not None:
                if any(not isinstance(a, RecordEvent) for a in actions):
                    cache.forget(client_id)  # its drafts just changed: plan again next time
                else:
                    cache.remember(ctx)
    return applier.report
