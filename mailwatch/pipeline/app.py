"""One mailwatch instance: settings, store, clock and adapters, wired together.

The CLI builds one per command; the daemon keeps one alive, so the message
index is built once and then only grows. The adapters (IMAP, SMTP, templates) and
the sync and send stages are imported when first used: `mailwatch status` needs
none of them.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mailwatch.clock import Clock
from mailwatch.config.model import Settings, parse_hhmm
from mailwatch.core.attribution import Directory
from mailwatch.core.calendar import BusinessCalendar
from mailwatch.core.model import SENT, ClientStatus
from mailwatch.core.tracking import STATS_DAYS
from mailwatch.drafts.evidence import word
from mailwatch.errors import UsageError
from mailwatch.imap.base import Mailbox
from mailwatch.logs import register_secret
from mailwatch.pipeline.index import MessageIndex
from mailwatch.pipeline.records import Router
from mailwatch.smtp.base import Outbox
from mailwatch.store import Draft, MessageRecord, Store
from mailwatch.store.store import KEEP_DAYS

if TYPE_CHECKING:
    # The rules and their planner are imported by the methods that run them: `mailwatch
    # sync` and `reindex` need none of them (~35 ms).
    from mailwatch.core.context import ClientContext
    from mailwatch.drafts.render import Renderer
    from mailwatch.imap.client import ImapMailbox
    from mailwatch.pipeline.evaluate import EvaluateReport, PlanCache
    from mailwatch.pipeline.facts import FactSettings
    from mailwatch.pipeline.send import SendReport
    from mailwatch.pipeline.sync import SyncReport, TextPolicy

# Mail held in memory reaches this much further back than the rules look (the
# look-back, the 90 days of statistics), so that a window read at the start of a
# day still covers the rules at its end.
WINDOW_MARGIN_DAYS = 7


class App:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        mailbox: Mailbox | None = None,
        outbox: Outbox | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._mailbox = mailbox
        self._outbox = outbox
        self._renderer = renderer
        self.router = Router.for_settings(settings)
        # One router for the app and its store: sync routes with the store's, and the
        # app tells it which mail is mailwatch's own (digests, confirmations).
        store.use_router(self.router)
        self._index: MessageIndex | None = None
        self._index_generation = -1
        self._sent_folder: str | None = None
        self._plans: PlanCache | None = None
        self._plans_generation = -1
        self.command_results: list[Any] = []  # the digest replies the last sync acted on

    # -- adapters, created on first use -----------------------------------------------

    @property
    def mailbox(self) -> Mailbox:
        if self._mailbox is None:
            self._mailbox = self.new_mailbox()
        return self._mailbox

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            from mailwatch.drafts.render import Renderer

            self._renderer = Renderer(self.settings.template_dir)
        return self._renderer

    def new_mailbox(self) -> ImapMailbox:
        """A fresh IMAP connection object (the daemon's watcher needs its own)."""
        from mailwatch.config.secrets import resolve_password
        from mailwatch.imap.client import ImapMailbox

        imap = self.settings.config.imap
        if imap is None:
            raise UsageError(
                f"{self.settings.path} has no [imap] section, so there is no mailbox to read.",
                "Add [imap] (see config.example.toml), or try `mailwatch demo`.",
            )
        password = resolve_password(imap, section="imap")
        register_secret(password)
        return ImapMailbox(imap, password, ca_file=self._ca_file(imap.ca_file))

    @property
    def outbox(self) -> Outbox:
        if self._outbox is None:
            from mailwatch.config.secrets import resolve_password
            from mailwatch.smtp.client import SmtpOutbox

            smtp = self.settings.config.smtp
            if smtp is None:
                raise UsageError(
                    f"{self.settings.path} has no [smtp] section, so nothing can be sent.",
                    "Add [smtp] (see config.example.toml).",
                )
            password = resolve_password(smtp, section="smtp")
            register_secret(password)
            self._outbox = SmtpOutbox(smtp, password, ca_file=self._ca_file(smtp.ca_file))
        return self._outbox

    def _ca_file(self, value: str) -> str:
        return str(self.settings.resolve(value)) if value else ""

    def close(self) -> None:
        if self._mailbox is not None:
            self._mailbox.close()

    @cached_property
    def calendar(self) -> BusinessCalendar:
        owner = self.settings.owner
        hours: tuple[time, time] = (
            parse_hhmm(owner.work_hours[0]),
            parse_hhmm(owner.work_hours[1]),
        )
        return BusinessCalendar.for_country(owner.timezone, owner.workdays, hours, owner.country)

    @property
    def directory(self) -> Directory:
        return self.router.directory

    def window_days(self) -> int:
        """How far back the rules look: the longest look-back, or the 90 days of
        response-time statistics, plus a margin."""
        lookbacks = [self.settings.rules_for(cid).lookback_days for cid in self.settings.clients]
        longest = max([self.settings.config.rules.lookback_days, *lookbacks, STATS_DAYS])
        return longest + 1 + WINDOW_MARGIN_DAYS

    def window_start(self) -> datetime:
        return self.clock.now() - timedelta(days=self.window_days())

    @property
    def index(self) -> MessageIndex:
        # The store holds the months of the window only; a new month of the window
        # (the daemon runs for months) rebuilds the index once.
        self.store.set_window(self.window_start())
        if self._index is None or self._index_generation != self.store.mail_generation:
            index = MessageIndex(self.directory)
            index.add_records(self.store.messages())
            self._index, self._index_generation = index, self.store.mail_generation
        self._index.set_history(self.store.client_stats())
        return self._index

    def request_phrases(self) -> list[str]:
        phrases = list(self.settings.config.rules.request_phrases)
        for client in self.settings.clients.values():
            phrases.extend(client.rules.request_phrases or [])
        return sorted(set(phrases))

    def sent_folder(self) -> str:
        if self._sent_folder is None:
            self._sent_folder = self.mailbox.sent_folder()
        return self._sent_folder

    def folders(self) -> list[str]:
        imap = self.settings.config.imap
        return [imap.inbox if imap else "INBOX", self.sent_folder()]

    # -- the pipeline -----------------------------------------------------------------

    def text_policy(self) -> TextPolicy:
        from mailwatch.pipeline.sync import TextPolicy

        lookbacks = [self.settings.rules_for(cid).lookback_days for cid in self.settings.clients]
        return TextPolicy(
            own_addresses=self.settings.owner.addresses,
            inbound_days=max([self.settings.config.rules.lookback_days, *lookbacks]),
            facts=self.fact_settings(),
            invoice_numbers=self.invoice_numbers,
        )

    def fact_settings(self) -> FactSettings:
        """What the detectors read from the configuration (pipeline/facts.py)."""
        from mailwatch.detect.billing import DEFAULT_PAYMENT_SENDERS, DEFAULT_TOOL_SENDERS
        from mailwatch.pipeline.facts import FactSettings

        config = self.settings.config
        patterns = list(config.rules.report_patterns)
        for client in self.settings.clients.values():
            patterns.extend(client.rules.report_patterns or [])
        return FactSettings(
            request_phrases=tuple(self.request_phrases()),
            report_patterns=tuple(sorted(set(patterns))),
            invoice_patterns=tuple(config.billing.invoice_patterns),
            payment_senders=(*DEFAULT_PAYMENT_SENDERS, *config.billing.payment_senders),
            tool_senders=(*DEFAULT_TOOL_SENDERS, *config.billing.tool_senders),
            languages={cid: c.language for cid, c in self.settings.clients.items()},
        )

    def after_sync(self, report: SyncReport) -> None:
        """The stages that read what sync brought: invoices, payments, commands."""
        self.after_sync_records(report.new_records)

    def after_sync_records(self, records: list[MessageRecord]) -> None:
        if not records:
            return
        from mailwatch.pipeline import digest, invoices

        with self.store.batch():
            invoices.ingest(
                self.store,
                self.settings,
                records,
                self.router.classify,
                self.clock.now(),
            )
        # The owner's replies to a digest: approvals take effect at once.
        self.command_results = digest.process(self, records)

    def _reindex_if_needed(self) -> None:
        """An upgrade whose facts are newer, or a client file with new addresses: read
        the stored mail again (and fetch what the new addresses bring) before syncing."""
        from mailwatch.pipeline import reindex
        from mailwatch.pipeline.facts import FACTS_VERSION

        if self.store.folder_state(self.folders()[0]) is None:
            # Never synced: the first sync reads everything with today's rules. Record
            # the addresses it reads with, so they are not searched for again.
            self.store.set_meta(
                facts_version=FACTS_VERSION, **{reindex.INDEXED: reindex.address_fingerprints(self)}
            )
            return
        if int(self.store.meta().get("facts_version") or 0) < FACTS_VERSION:
            with self.store.batch():
                reindex.refresh(self)
        clients = reindex.changed_clients(self)
        if clients:
            _, records = reindex.backfill(self, clients)
            self.after_sync_records(records)

    def invoice_numbers(self, client: str) -> list[str]:
        """The numbers of a client's invoices on record."""
        return [d["number"] for d in self.store.docs("invoices") if d.get("client") == client]

    def sync(self, folders: list[str] | None = None) -> SyncReport:
        from mailwatch.pipeline import digest
        from mailwatch.pipeline.sync import sync_mailbox

        self.store.set_window(self.window_start())  # a first sync keeps old months on disk
        self.router.use_our_ids(digest.our_ids(self))  # digests and confirmations we sent
        self._reindex_if_needed()
        generation = self.store.mail_generation
        report = sync_mailbox(
            self.mailbox,
            self.store,
            folders or self.folders(),
            self.clock.now(),
            self.text_policy(),
        )
        # Grow the index if it is built already; otherwise it is built when first needed
        # (a plain `mailwatch sync` never needs it).
        self.after_sync(report)
        if self._index is not None and (
            self._index_generation == generation == self.store.mail_generation
        ):
            since = self.window_start()
            self._index.add_records(r for r in report.new_records if r.date >= since)
        return report

    def _refresh_sent_drafts(self, drafts: list[Draft] | None = None) -> MessageIndex:
        from mailwatch.pipeline.notes import answering_notes

        index = self.index
        sent = self.store.drafts(statuses=[SENT]) if drafts is None else drafts
        index.set_sent_drafts(sent, answering_notes(self.store, self.index))
        return index

    def evaluate(self) -> EvaluateReport:
        from mailwatch.pipeline.evaluate import PlanCache, evaluate

        # Closed drafts and events older than the rules can see move to the archive
        # (at most once a day).
        keep = max(KEEP_DAYS, self.window_days())
        self.store.compact_if_due(self.clock.now(), keep)
        drafts = self.store.drafts()
        index = self._refresh_sent_drafts(drafts)
        if self._plans is None or self._plans_generation != self.store.mail_generation:
            # The index was rebuilt (another process changed the mail, or the window
            # moved): plan afresh.
            self._plans, self._plans_generation = PlanCache(), self.store.mail_generation
        return evaluate(
            self.settings,
            self.store,
            index,
            self.renderer,
            self.calendar,
            self.clock.now(),
            self._plans,
        )

    def recheck(self, draft: Draft) -> str | None:
        """Why this draft should not go out any more (a sentence), or None."""
        from mailwatch.core.planner import recheck
        from mailwatch.pipeline.evaluate import draft_view
        from mailwatch.rules import RULES

        why = recheck(self.context(draft.client, including=draft), draft_view(draft), RULES)
        return word(why, self.settings.owner.timezone) if why is not None else None

    async def send(self) -> SendReport:
        from mailwatch.pipeline.send import Sender

        return await Sender(self).run()

    def send_blocking(self) -> SendReport:
        import asyncio

        return asyncio.run(self.send())

    def context(self, client: str, *, including: Draft | None = None) -> ClientContext:
        """One client's context now, as the rules see it (for drafts made by hand, and
        to recheck a draft: `including` is among its drafts even if not stored yet)."""
        from mailwatch.pipeline.evaluate import LedgerView, build_context

        drafts = self.store.drafts()  # rules may look at the client's other drafts
        index = self._refresh_sent_drafts(drafts)
        if including is not None and not any(d.id == including.id for d in drafts):
            drafts.append(including)
        return build_context(
            self.settings,
            client,
            index,
            drafts,
            self.calendar,
            self.clock.now(),
            LedgerView.from_store(self.store),
        )

    def attention(self) -> list[dict[str, Any]]:
        """What needs the owner now (see pipeline/attention.py)."""
        from mailwatch.daemon.health import read_health
        from mailwatch.pipeline.attention import collect

        return collect(
            self.store.attention(),
            self.store.quarantined(),
            self.store.drafts(statuses=["failed"]),
            read_health(self.store.path),
            self.clock.now(),
        )

    def statuses(self) -> list[ClientStatus]:
        from mailwatch.pipeline.evaluate import LedgerView, statuses

        drafts = self.store.drafts()
        index = self._refresh_sent_drafts(drafts)
        return statuses(
            self.settings,
            index,
            drafts,
            self.calendar,
            self.clock.now(),
            ledger=LedgerView.from_store(self.store),
        )

    def clear_hold(self, client_id: str, note: str = "") -> None:
        """The owner has dealt with this client's flagged mail: drafts may resume."""
        now = self.clock.now()
        with self.store.batch():
            cleared = dict(self.store.meta().get("holds_cleared") or {})
            cleared[client_id] = now.isoformat()
            self.store.set_meta(holds_cleared=cleared)
            self.store.record_event(client_id, "hold_cleared", now, {"note": note} if note else {})
