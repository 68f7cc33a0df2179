"""Run the rules for every client and carry out the plan they return.

Failures stay where they happen: a rule that raises, or a template that cannot be
filled in, stops that client's plan (or that one draft), never the others'; the
failure goes on the attention list and is tried again at the next evaluation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mailwatch.config.model import Settings
from mailwatch.core.billing import Invoice, ProbablePayment
from mailwatch.core.calendar import BusinessCalendar
from mailwatch.core.context import ClientContext
from mailwatch.core.model import (
    PENDING,
    Action,
    Attention,
    ClientStatus,
    CreateDraft,
    DraftView,
    Evidence,
    RaiseAttention,
    RecordEvent,
    WithdrawDraft,
)
from mailwatch.core.planner import client_status, next_change, plan
from mailwatch.core.rule import Rule
from mailwatch.core.tracking import STATS_DAYS
from mailwatch.drafts.evidence import evidence_dict, json_facts, word
from mailwatch.drafts.lifecycle import DraftEvent, transition
from mailwatch.logs import redact
from mailwatch.pipeline.index import MessageIndex
from mailwatch.rules import RULES
from mailwatch.rules.chase import legacy_policy
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
    failed_clients: list[str] = field(default_factory=list)


def draft_view(draft: Draft) -> DraftView:
    family, rank = draft.family, draft.rank
    if not family:
        family, rank = legacy_policy(draft.kind, draft.step) or ("", 0)
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
        created_at=draft.created_at,
        family=family,
        rank=rank,
        slot=draft.slot,
        meta=draft.meta,
        subject=draft.subject,
    )


@dataclass(frozen=True)
class LedgerView:
    """What the store knows about clients beyond their mail and drafts, read once per
    evaluation: when the owner last cleared a client's hold (`mailwatch clear`)."""

    cleared: Mapping[str, datetime] = field(default_factory=dict)
    invoices: Mapping[str, tuple[Invoice, ...]] = field(default_factory=dict)
    probable_payments: Mapping[str, tuple[ProbablePayment, ...]] = field(default_factory=dict)

    @classmethod
    def from_store(cls, store: Store) -> LedgerView:
        from mailwatch.pipeline import invoices as ledger

        cleared = store.meta().get("holds_cleared") or {}
        by_client: dict[str, list[Invoice]] = {}
        for invoice in ledger.invoices(store):
            by_client.setdefault(invoice.client, []).append(invoice)
        return cls(
            {c: datetime.fromisoformat(at) for c, at in cleared.items()},
            {c: tuple(found) for c, found in by_client.items()},
            {c: tuple(found) for c, found in ledger.probable_payments(store).items()},
        )


def build_context(
    settings: Settings,
    client_id: str,
    index: MessageIndex,
    drafts: Sequence[Draft],
    calendar: BusinessCalendar,
    now: datetime,
    ledger: LedgerView | None = None,
) -> ClientContext:
    client = settings.clients[client_id]
    rules = settings.rules_for(client_id)
    # Enough history for the look-back and the 90-day response-time medians.
    since = now - timedelta(days=max(rules.lookback_days, STATS_DAYS) + 1)
    view = ledger or LedgerView()
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
        contact_name=client.contact_name,
        addons=dict(client.addons),
        formality=client.formality,
        emails=tuple(client.emails),
        cleared_at=view.cleared.get(client_id),
        billing=settings.billing_for(client_id),
        invoices=view.invoices.get(client_id, ()),
        probable_payments=view.probable_payments.get(client_id, ()),
    )


def statuses(
    settings: Settings,
    index: MessageIndex,
    drafts: Sequence[Draft],
    calendar: BusinessCalendar,
    now: datetime,
    rules: Sequence[Rule] = RULES,
    ledger: LedgerView | None = None,
) -> list[ClientStatus]:
    out = []
    for client_id in sorted(settings.clients):
        ctx = build_context(settings, client_id, index, drafts, calendar, now, ledger)
        out.append(client_status(ctx, rules, *index.last_contact(client_id, now)))
    return out


def attention_doc(item: Attention, timezone: str, source: str = "rules") -> dict[str, Any]:
    """An attention item as stored: what `mailwatch attention --json` shows."""
    return {
        "source": source,
        "kind": item.kind,
        "client": item.client,
        "key": item.key,
        "since": item.since.isoformat(),
        "text": word(item.evidence, timezone),
        "evidence": evidence_dict(item.evidence, timezone),
    }


class PlanApplier:
    """Carries out the core's decisions against the store (the caller batches the writes)."""

    def __init__(self, settings: Settings, store: Store, renderer: Renderer, now: datetime) -> None:
        self.settings = settings
        self.store = store
        self.renderer = renderer
        self.now = now
        self.zone = settings.owner.timezone
        self.report = EvaluateReport()

    def apply_client(self, client_id: str, actions: Sequence[Action]) -> list[Attention]:
        """Apply one client's plan. Drafts whose text cannot be written are skipped (and
        so are the withdrawals that would have made room for them); the problems come
        back as attention items."""
        problems: list[Attention] = []
        bodies: dict[int, str] = {}
        skipped: set[str] = set()
        for n, action in enumerate(actions):
            if isinstance(action, CreateDraft):
                try:
                    bodies[n] = self._render(action)
                except Exception as exc:  # a broken template must not stop the others
                    log.error("could not write a %s draft for %s: %s", action.kind, client_id, exc)
                    problems.append(self._draft_failed(action, exc))
                    if action.supersedes:
                        skipped.add(action.supersedes)
        attention: list[Attention] = []
        for n, action in enumerate(actions):
            if isinstance(action, WithdrawDraft):
                if action.draft_id not in skipped:
                    self._withdraw(action)
            elif isinstance(action, CreateDraft):
                if n in bodies:
                    self._create(action, bodies[n])
            elif isinstance(action, RecordEvent):
                if self.store.record_event(
                    action.client, action.kind, action.at, action.data, key=action.key
                ):
                    self.report.events += 1
            elif isinstance(action, RaiseAttention):
                attention.append(action.item)
        return [*attention, *problems]

    def _draft_failed(self, action: CreateDraft, exc: Exception) -> Attention:
        return Attention(
            kind="draft_failed",
            client=action.client,
            since=self.now,
            key=f"draft_failed:{action.kind}:{action.anchor}",
            evidence=Evidence(
                "draft_failed",
                {"kind": action.kind, "error": redact(str(exc))},
                action.evidence.message_key,
                action.evidence.message_id,
                action.evidence.message_date,
            ),
        )

    def _render(self, action: CreateDraft) -> str:
        client = self.settings.clients[action.client]
        owner = self.settings.owner
        context = {
            **action.context,
            "owner": {"name": owner.name, "business": owner.business, "signature": owner.signature},
            "language": client.language,
        }
        return self.renderer.render(
            client.language,
            action.kind,
            context,
            timezone=self.settings.timezone_for(action.client),
        )

    def _withdraw(self, action: WithdrawDraft) -> None:
        draft = self.store.draft(action.draft_id)
        reason = word(action.evidence, self.zone)
        self.store.save_draft(
            transition(
                draft,
                DraftEvent.WITHDRAW,
                at=self.now,
                note=reason,
                withdrawn_reason=reason,
                withdrawn_code=action.evidence.reason,
            )
        )
        self.store.record_event(
            draft.client,
            "draft_withdrawn",
            self.now,
            {"draft": action.draft_id, "by": "mailwatch", "reason": reason},
        )
        self.report.withdrawn.append(action.draft_id)
        log.info("withdrew draft %s: %s", action.draft_id, reason)

    def _create(self, action: CreateDraft, body: str) -> None:
        reason = evidence_dict(action.evidence, self.zone)
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
            reason=reason,
            created_at=self.now,
            updated_at=self.now,
            supersedes=action.supersedes,
            history=(HistoryEntry(self.now, "drafted", "mailwatch", 1, reason["text"]),),
            family=action.family,
            rank=action.rank,
            slot=action.slot,
            needs_edit=action.needs_edit,
            meta=json_facts(action.meta),
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
                "reason": reason["text"],
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
            # What the ledger knows besides drafts: a payment recorded, a hold cleared.
            and last.invoices == ctx.invoices
            and last.probable_payments == ctx.probable_payments
            and last.cleared_at == ctx.cleared_at
            and last.billing == ctx.billing
            and last.now <= ctx.now
            and (until is None or ctx.now < until)
        )

    def remember(self, ctx: ClientContext, rules: Sequence[Rule]) -> None:
        self._entries[ctx.client_id] = (ctx, next_change(ctx, rules))

    def forget(self, client_id: str) -> None:
        self._entries.pop(client_id, None)


def _failure(client_id: str, now: datetime, exc: Exception) -> Attention:
    return Attention(
        kind="rule_failed",
        client=client_id,
        since=now,
        key=f"rule_failed:{client_id}",
        evidence=Evidence("rule_failed", {"error": redact(f"{type(exc).__name__}: {exc}")}),
    )


def evaluate(
    settings: Settings,
    store: Store,
    index: MessageIndex,
    renderer: Renderer,
    calendar: BusinessCalendar,
    now: datetime,
    cache: PlanCache | None = None,
    drafts: Sequence[Draft] | None = None,
    rules: Sequence[Rule] = RULES,
) -> EvaluateReport:
    applier = PlanApplier(settings, store, renderer, now)
    zone = settings.owner.timezone
    ledger = LedgerView.from_store(store)
    with store.batch():
        # A client's plan only touches that client's drafts: one pass to group them.
        by_client: dict[str, list[Draft]] = {}
        for draft in store.drafts() if drafts is None else drafts:
            by_client.setdefault(draft.client, []).append(draft)
        for client_id in sorted(settings.clients):
            mine = by_client.get(client_id, [])
            try:
                ctx = build_context(settings, client_id, index, mine, calendar, now, ledger)
                if cache is not None and cache.still_valid(ctx):
                    continue
                actions = plan(ctx, rules)
            except Exception as exc:  # one client's failure is that client's alone
                log.exception("the rules failed for %s", client_id)
                applier.report.failed_clients.append(client_id)
                store.set_attention(client_id, [attention_doc(_failure(client_id, now, exc), zone)])
                if cache is not None:
                    cache.forget(client_id)
                continue
            items = applier.apply_client(client_id, actions)
            store.set_attention(client_id, [attention_doc(item, zone) for item in items])
            if cache is not None:
                failed = any(i.kind == "draft_failed" for i in items)
                if failed or any(isinstance(a, CreateDraft | WithdrawDraft) for a in actions):
                    cache.forget(client_id)  # its drafts just changed: plan again next time
                else:
                    cache.remember(ctx, rules)
    return applier.report
