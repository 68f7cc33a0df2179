"""The whole pipeline on the in-memory mailbox and outbox, on a fixed clock.

The same scenarios run against Dovecot and aiosmtpd in tests/integration.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from mailwatch.clock import FixedClock
from mailwatch.config.model import Client, Config, Settings
from mailwatch.drafts.approval import change_draft
from mailwatch.imap.memory import MemoryMailbox
from mailwatch.lab.messages import make_email
from mailwatch.pipeline.app import App
from mailwatch.smtp.memory import MemoryOutbox
from mailwatch.store import Store

SAM = ("Sam Rivera", "sam@studio.test")
JANE = ("Jane Doe", "jane@acme.test")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 10:00 Paris, 04:00 New York


def settings(tmp_path, **smtp) -> Settings:
    config = Config(
        owner={
            "name": "Sam Rivera",
            "email": "sam@studio.test",
            "timezone": "Europe/Paris",
            "country": "FR",
            "signature": "Sam Rivera — Rivera Social",
        },
        imap={"host": "127.0.0.1", "port": 1143, "security": "none", "username": "sam"},
        smtp={"host": "127.0.0.1", "port": 1025, "security": "none", "username": "", **smtp},
        store={"path": str(tmp_path / "state.json")},
    )
    clients = {
        "acme": Client(name="Acme Bakery", emails=["jane@acme.test"], timezone="America/New_York"),
        "bistro": Client(name="Bistro Lune", emails=["chef@lune.test"], language="fr"),
    }
    return Settings(config, clients, tmp_path / "config.toml")


class World:
    def __init__(self, tmp_path, **smtp) -> None:
        self.settings = settings(tmp_path, **smtp)
        self.mailbox = MemoryMailbox()
        self.outbox = MemoryOutbox()
        self.clock = FixedClock(MONDAY)
        self.store = Store(self.settings.store_path)
        self.app = App(
            self.settings, self.store, self.clock, mailbox=self.mailbox, outbox=self.outbox
        )

    def ask(self, when=MONDAY, mid="<ask1@studio.test>", body="Could you send the logo files?"):
        raw = make_email(
            sender=SAM,
            to=[JANE],
            subject="Logo for the December posts",
            body=body,
            date=when,
            message_id=mid,
        )
        self.mailbox.deliver("Sent", raw, when)
        return mid

    def reply(self, when, to_mid, mid="<r1@acme.test>", body="Here they are."):
        raw = make_email(
            sender=JANE,
            to=[SAM],
            subject="Re: Logo for the December posts",
            body=body,
            date=when,
            message_id=mid,
            reply_to_message=to_mid,
            references=[to_mid],
        )
        self.mailbox.deliver("INBOX", raw, when)

    def tick(self, when: datetime):
        self.clock.set(when)
        self.app.sync()
        created = self.app.evaluate().created
        report = self.app.send_blocking()
        return created, report


def rewind(world: World, draft_id: str, **values) -> None:
    """Put a draft back into an earlier state, as a crash at the right moment leaves it
    (tests only: real code changes a status through drafts.lifecycle)."""
    with world.store.batch():
        world.store.save_draft(dataclasses.replace(world.store.draft(draft_id), **values))


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    yield w
    w.store.close()


THURSDAY_NY_MORNING = MONDAY + timedelta(days=3, hours=6)  # Thu 15:00 UTC = 10:00 New York


def test_unanswered_question_is_followed_up_only_after_approval(world):
    world.ask()
    created, report = world.tick(THURSDAY_NY_MORNING)
    assert len(created) == 1
    draft = world.store.draft(created[0])
    assert draft.status == "pending" and draft.step == 1
    assert draft.to == ("jane@acme.test",)
    assert draft.subject == "Re: Logo for the December posts"
    assert draft.in_reply_to == "<ask1@studio.test>"
    assert "Hi Jane" not in draft.body  # no inbound message yet: we do not know her name
    assert "Logo for the December posts" in draft.body and "Sam Rivera" in draft.body
    assert world.outbox.sent == [] and report.sent == []  # nothing leaves pending by itself

    # Idempotent: the same moment again changes nothing.
    assert world.tick(THURSDAY_NY_MORNING)[0] == []

    change_draft(world.store, draft.id, "approve", by="test", now=world.clock.now())
    _, report = world.tick(THURSDAY_NY_MORNING + timedelta(minutes=1))
    assert report.sent == [draft.id]
    [(sender, recipients, raw)] = world.outbox.sent
    assert sender == "sam@studio.test"
    assert recipients == ("jane@acme.test", "sam@studio.test")  # envelope-only proof copy
    assert b"In-Reply-To: <ask1@studio.test>" in raw
    sent = world.store.draft(draft.id)
    assert sent.status == "sent" and sent.filed
    # Our copy, byte for byte, is in Sent and marked read.
    copies = [m for m in world.mailbox.folders["Sent"].messages.values() if m.raw == raw]
    assert len(copies) == 1 and "\\Seen" in copies[0].flags

    # Sending again sends nothing more.
    _, report = world.tick(THURSDAY_NY_MORNING + timedelta(minutes=2))
    assert report.sent == [] and len(world.outbox.sent) == 1


def test_approved_draft_waits_for_the_client_send_window(world):
    world.ask()
    created, _ = world.tick(MONDAY + timedelta(days=3))  # Thu 09:00 UTC = 04:00 New York
    change_draft(world.store, created[0], "approve", by="test", now=world.clock.now())
    _, report = world.tick(MONDAY + timedelta(days=3, minutes=5))
    assert world.outbox.sent == []
    assert report.waiting_for_window[created[0]] == datetime(2026, 11, 5, 14, 0, tzinfo=UTC)


def test_client_reply_before_sending_withdraws_the_draft(world):
    mid = world.ask()
    created, _ = world.tick(THURSDAY_NY_MORNING)
    change_draft(world.store, created[0], "approve", by="test", now=world.clock.now())
    world.reply(THURSDAY_NY_MORNING + timedelta(minutes=1), mid)
    _, _report = world.tick(THURSDAY_NY_MORNING + timedelta(minutes=2))
    assert world.outbox.sent == []
    draft = world.store.draft(created[0])
    assert draft.status == "withdrawn"
    assert "Acme Bakery replied" in draft.withdrawn_reason


def test_unreadable_message_is_quarantined_and_the_rest_goes_on(world):
    world.mailbox.deliver("INBOX", b"From: \x00\x01 <<<\r\nSubject: broken\r\n\r\nbody\r\n", MONDAY)
    world.ask()
    world.tick(THURSDAY_NY_MORNING)
    [entry] = world.store.quarantined()
    assert entry["folder"] == "INBOX" and entry["reason"]
    assert len(world.store.drafts()) == 1


def test_uidvalidity_change_rematches_and_drafts_nothing_twice(world):
    world.ask()
    _created, _ = world.tick(THURSDAY_NY_MORNING)
    count = world.store.message_count()
    world.mailbox.renumber("Sent")
    created_again, _ = world.tick(THURSDAY_NY_MORNING + timedelta(minutes=1))
    assert created_again == []
    assert world.store.message_count() == count
    assert world.store.folder_state("Sent").uidvalidity == world.mailbox.folders["Sent"].uidvalidity


def test_temporary_failure_is_retried_with_backoff(world):
    world.ask()
    created, _ = world.tick(THURSDAY_NY_MORNING)
    change_draft(world.store, created[0], "approve", by="test", now=world.clock.now())
    world.outbox.replies = ["451 4.3.0 try again later", "421 4.7.0 busy"]
    start = THURSDAY_NY_MORNING + timedelta(minutes=1)
    _, report = world.tick(start)
    assert report.retrying == [created[0]]
    draft = world.store.draft(created[0])
    assert draft.status == "approved" and "451 4.3.0" in draft.error
    first_wait = draft.retry_at - start
    assert timedelta(seconds=5) <= first_wait <= timedelta(seconds=6)
    _, report = world.tick(start + timedelta(seconds=2))
    assert report.sent == [] and world.outbox.replies  # too early: not tried
    world.tick(start + timedelta(seconds=10))  # second attempt: 421
    second = world.store.draft(created[0])
    second_wait = second.retry_at - (start + timedelta(seconds=10))
    assert second_wait >= timedelta(seconds=10)  # the wait doubles
    _, report = world.tick(start + timedelta(minutes=1))
    assert report.sent == [created[0]] and len(world.outbox.sent) == 1
    sent = world.store.draft(created[0])
    assert sent.error is None and sent.retry_at is None  # no stale "421" on a sent draft
    assert any("421 4.7.0" in entry.note for entry in sent.history)  # kept in the history


def test_permanent_failure_keeps_the_reply_and_is_not_retried(world):
    world.ask()
    created, _ = world.tick(THURSDAY_NY_MORNING)
    change_draft(world.store, created[0], "approve", by="test", now=world.clock.now())
    world.outbox.replies = ["550 5.7.1 relaying denied"]
    world.tick(THURSDAY_NY_MORNING + timedelta(minutes=1))
    draft = world.store.draft(created[0])
    assert draft.status == "failed" and "550 5.7.1 relaying denied" in draft.error
    world.tick(THURSDAY_NY_MORNING + timedelta(hours=2))
    assert world.outbox.sent == []


def test_crash_after_acceptance_is_resolved_from_the_proof_copy(world):
    """A draft left 'sending' after DATA: its bcc_self copy in INBOX proves it went."""
    world.ask()
    created, _ = world.tick(THURSDAY_NY_MORNING)
    change_draft(world.store, created[0], "approve", by="test", now=world.clock.now())
    world.tick(THURSDAY_NY_MORNING + timedelta(minutes=1))
    sent = world.store.draft(created[0])
    # Rewind the store to the moment before the 250 was recorded.
    rewind(world, created[0], status="sending", stage="data", filed=False)
    world.mailbox.deliver("INBOX", world.outbox.sent[0][2])  # what the provider delivered to us
    world.outbox.sent.clear()
    _, report = world.tick(THURSDAY_NY_MORNING + timedelta(minutes=2))
    assert world.outbox.sent == []
    assert report.sent == [created[0]]
    assert world.store.draft(created[0]).message_id == sent.message_id


def test_crash_during_data_without_proof_waits_then_resends(world):
    world.ask()
    created, _ = world.tick(THURSDAY_NY_MORNING)
    change_draft(world.store, created[0], "approve", by="test", now=world.clock.now())
    world.tick(THURSDAY_NY_MORNING + timedelta(minutes=1))
    rewind(world, created[0], status="sending", stage="data", stage_at=world.clock.now())
    world.outbox.sent.clear()
    _, report = world.tick(THURSDAY_NY_MORNING + timedelta(minutes=2))
    assert report.unresolved == [created[0]] and world.outbox.sent == []
    _, report = world.tick(THURSDAY_NY_MORNING + timedelta(minutes=7))  # proof_wait 300 s
    assert report.sent == [created[0]] and len(world.outbox.sent) == 1


def test_status_rows(world):
    mid = world.ask()
    world.reply(MONDAY + timedelta(hours=3), mid)
    world.tick(MONDAY + timedelta(days=1))
    rows = {r.client: r for r in world.app.statuses()}
    acme = rows["acme"]
    assert acme.last_inbound == MONDAY + timedelta(hours=3)
    assert acme.last_outbound == MONDAY
    assert acme.waiting_on == "owner"
    assert acme.client_response_hours_median == 3.0
    assert rows["bistro"].last_inbound is None and rows["bistro"].waiting_on is None


def test_french_client_gets_a_french_draft(world):
    ask = make_email(
        sender=SAM,
        to=[("Chef", "chef@lune.test")],
        subject="Visuels de Noël",
        body="Pouvez-vous valider les visuels ?",
        date=MONDAY,
        message_id="<fr1@studio.test>",
    )
    world.mailbox.deliver("Sent", ask, MONDAY)
    created, _ = world.tick(THURSDAY_NY_MORNING)
    body = world.store.draft(created[0]).body
    assert body.startswith("Bonjour,")
    assert "lundi 2 novembre" in body and "«\u00a0Visuels de Noël\u00a0»" in body
    assert "Bien cordialement" in body


def test_the_sender_refuses_text_other_than_the_approved(world):
    """If a draft's content changes behind its approval (a restore mixing versions, a
    bug), the sender puts it back to pending instead of sending what nobody approved."""
    world.ask()
    [draft_id], _ = world.tick(THURSDAY_NY_MORNING)
    change_draft(world.store, draft_id, "approve", by="test", now=world.clock.now())
    with world.store.batch():
        rewind(world, draft_id, body="Something the owner never read.\n")
    _, report = world.tick(THURSDAY_NY_MORNING + timedelta(minutes=1))
    assert report.sent == [] and world.outbox.sent == []
    draft = world.store.draft(draft_id)
    assert draft.status == "pending"
    assert "changed after your approval" in draft.history[-1].note


def test_a_reply_dated_in_the_future_counts_from_its_arrival(world):
    """A client whose clock is a year ahead: the reply still counts as the answer (its
    arrival time stands in for its Date), so no follow-up is drafted, and the bad Date is
    kept as a defect of the record."""
    mid = world.ask()
    arrived = MONDAY + timedelta(hours=4)
    raw = make_email(
        sender=JANE,
        to=[SAM],
        subject="Re: Logo for the December posts",
        body="Here they are.",
        date=MONDAY + timedelta(days=365),
        message_id="<future@acme.test>",
        reply_to_message=mid,
        references=[mid],
    )
    world.mailbox.deliver("INBOX", raw, arrived)
    created, _ = world.tick(THURSDAY_NY_MORNING)
    # No follow-up: she answered (a holding reply to her answer is fine).
    assert [
        world.store.draft(d).kind for d in created if world.store.draft(d).kind == "follow_up"
    ] == []
    [acme] = [s for s in world.app.statuses() if s.client == "acme"]
    assert acme.last_inbound == arrived
    [record] = [r for r in world.store.messages() if r.message_id == "<future@acme.test>"]
    assert record.date == arrived
    assert any("in the future" in d for d in record.defects)


def test_a_date_a_few_minutes_ahead_is_kept(world):
    """Clocks drift by a few minutes: such a Date is the sender's, not a defect."""
    world.clock.set(MONDAY)
    raw = make_email(
        sender=JANE,
        to=[SAM],
        subject="Hello",
        body="Hi.",
        date=MONDAY + timedelta(minutes=5),
        message_id="<soon@acme.test>",
    )
    world.mailbox.deliver("INBOX", raw, MONDAY)
    world.app.sync()
    [record] = [r for r in world.store.messages() if r.message_id == "<soon@acme.test>"]
    assert record.date == MONDAY + timedelta(minutes=5)
    assert not any("future" in d for d in record.defects)


def test_a_broken_template_stops_only_its_own_drafts(tmp_path):
    """A typo in the French template must not roll back the English client's draft."""
    from mailwatch.drafts.render import Renderer

    user = tmp_path / "my-templates" / "fr"
    user.mkdir(parents=True)
    (user / "follow_up.txt.j2").write_text("Bonjour {{ nom_inconnu }}\n")
    w = World(tmp_path)
    w.app._renderer = Renderer(tmp_path / "my-templates")
    w.ask()
    w.mailbox.deliver(
        "Sent",
        make_email(
            sender=SAM,
            to=[("Chef", "chef@lune.test")],
            subject="Menu de décembre",
            body="Pouvez-vous valider le menu ?",
            date=MONDAY,
            message_id="<ask-fr@studio.test>",
        ),
        MONDAY,
    )
    created, _ = w.tick(THURSDAY_NY_MORNING)
    assert [w.store.draft(d).client for d in created] == ["acme"]
    [item] = [a for a in w.store.attention() if a["kind"] == "draft_failed"]
    assert item["client"] == "bistro" and "fr/follow_up.txt.j2" in item["text"]
    # Fixed: the draft comes at the next evaluation, and the item clears itself.
    (user / "follow_up.txt.j2").unlink()
    created, _ = w.tick(THURSDAY_NY_MORNING + timedelta(minutes=5))
    assert [w.store.draft(d).client for d in created] == ["bistro"]
    assert [a for a in w.store.attention() if a["kind"] == "draft_failed"] == []
    w.store.close()


def test_a_rule_that_raises_is_shunted_to_the_attention_list(world):
    from mailwatch.pipeline.evaluate import evaluate
    from mailwatch.rules import RULES

    class Broken:
        name = "broken"
        kinds = ("broken",)

        def propose(self, ctx):
            if ctx.client_id == "bistro":
                raise ValueError("boom")
            return []

        def next_change(self, ctx):
            return None

        def recheck(self, ctx, draft):
            return None

    world.ask()
    world.clock.set(THURSDAY_NY_MORNING)
    world.app.sync()
    app = world.app
    report = evaluate(
        app.settings,
        app.store,
        app.index,
        app.renderer,
        app.calendar,
        world.clock.now(),
        rules=(*RULES, Broken()),
    )
    assert report.failed_clients == ["bistro"]
    assert [app.store.draft(d).client for d in report.created] == ["acme"]
    [item] = [a for a in app.store.attention() if a["client"] == "bistro"]
    assert item["kind"] == "rule_failed" and "boom" in item["text"]


def test_facts_are_read_at_sync_and_reach_the_drafts(world):
    """The asking sentence is stored with the message and restated by the follow-up; a
    report that ends with a courtesy line is never chased; a client's thanks needs no
    answer."""
    world.ask(body="Hi Jane,\n\nCould you approve the December calendar by Friday?\n\nSam")
    world.mailbox.deliver(
        "Sent",
        make_email(
            sender=SAM,
            to=[JANE],
            subject="Your October report",
            body="Hi Jane,\n\nHere is your October report.\n\n"
            "Let me know if you have any questions!\n\nSam",
            date=MONDAY,
            message_id="<report@studio.test>",
        ),
        MONDAY,
    )
    thanks = make_email(
        sender=JANE,
        to=[SAM],
        subject="Re: Your October report",
        body="Thanks Sam!",
        date=MONDAY + timedelta(hours=1),
        message_id="<thanks@acme.test>",
        reply_to_message="<report@studio.test>",
        references=["<report@studio.test>"],
    )
    world.mailbox.deliver("INBOX", thanks, MONDAY + timedelta(hours=1))
    created, _ = world.tick(THURSDAY_NY_MORNING)
    records = {r.message_id: r for r in world.store.messages()}
    ask = records["<ask1@studio.test>"].facts["ask"]
    assert ask["sentence"] == "Could you approve the December calendar by Friday?"
    assert ask["what"] == "approval" and ask["by_date"] == "2026-11-06"
    assert records["<report@studio.test>"].facts.get("report") is True
    assert "ask" not in records["<report@studio.test>"].facts
    assert records["<thanks@acme.test>"].facts.get("ack") is True
    assert records["<ask1@studio.test>"].route == "client"
    drafts = [world.store.draft(d) for d in created]
    assert [d.kind for d in drafts] == ["follow_up"]  # no chase of the report, no reply to thanks
    assert "Could you approve the December calendar by Friday?" in drafts[0].body


def test_a_new_client_s_earlier_mail_is_fetched_again(tmp_path):
    """Mail of someone who is nobody's client is not kept; once their file exists, the
    next sync searches the mailbox for them and fetches what it lacks (within the
    rules' window), without anyone running a command."""
    from dataclasses import replace

    w = World(tmp_path)
    question = make_email(
        sender=("Léa", "lea@newco.test"),
        to=[SAM],
        subject="Devis pour janvier",
        body="Bonjour, pouvez-vous m'envoyer un devis pour janvier ?",
        date=MONDAY,
        message_id="<devis@newco.test>",
    )
    w.mailbox.deliver("INBOX", question, MONDAY)
    w.tick(MONDAY + timedelta(hours=1))
    assert not [r for r in w.store.messages() if r.message_id == "<devis@newco.test>"]
    clients = {
        **w.settings.clients,
        "newco": Client(name="NewCo", emails=["lea@newco.test"], language="fr"),
    }
    w.settings = Settings(w.settings.config, clients, w.settings.path)
    w.app = App(w.settings, w.store, w.clock, mailbox=w.mailbox, outbox=w.outbox)
    w.tick(MONDAY + timedelta(hours=2))
    [record] = [r for r in w.store.messages() if r.message_id == "<devis@newco.test>"]
    assert record.route == "client"
    # And its facts were read: a question that waits for an answer.
    assert record.facts.get("ack") is None
    assert not record.facts.get("text_error")
    # A reindex routes stored mail again and derives its facts from the stored text.
    w.store.update_messages([replace(record, route="other", facts={"stale": True})])
    from mailwatch.pipeline import reindex

    with w.store.batch():
        assert reindex.refresh(w.app) >= 1
    [again] = [r for r in w.store.messages() if r.message_id == "<devis@newco.test>"]
    assert (again.route, again.facts) == (record.route, record.facts)
    w.store.close()


def test_a_big_ingest_collects_garbage_less_often_and_gives_the_setting_back(world, monkeypatch):
    import gc

    import mailwatch.pipeline.sync as sync_module

    monkeypatch.setattr(sync_module, "FETCH_BATCH", 2)  # "big": more than one batch
    seen: list[int] = []
    fetch = world.mailbox.fetch_headers

    def watching(folder, uids):
        seen.append(gc.get_threshold()[0])
        return fetch(folder, uids)

    monkeypatch.setattr(world.mailbox, "fetch_headers", watching)
    before = gc.get_threshold()
    for n in range(5):
        world.ask(when=MONDAY + timedelta(minutes=n), mid=f"<a{n}@studio.test>")
    world.app.sync()
    assert seen and set(seen) == {max(before[0], sync_module.BIG_INGEST_GC_THRESHOLD)}
    assert gc.get_threshold() == before

    # A small ingest never changes it; a big one that fails half-way gives it back.
    world.ask(when=MONDAY + timedelta(hours=1), mid="<late@studio.test>")
    seen.clear()
    world.app.sync()
    assert seen == [before[0]] and gc.get_threshold() == before
    for n in range(5):
        world.ask(when=MONDAY + timedelta(hours=2, minutes=n), mid=f"<b{n}@studio.test>")

    def broken(folder, uids):
        raise ConnectionError("injected")

    monkeypatch.setattr(world.mailbox, "fetch_headers", broken)
    with pytest.raises(ConnectionError):
        world.app.sync()
    assert gc.get_threshold() == before
