"""Invoices and payments through the real command, on Dovecot and the lab MTA.

An invoice is found in Sent (by subject and by PDF name, English and French, with
and without an amount in the text); the reminder ladder drafts in its thread; a
processor's notice closes it; a client's "I've paid" holds the ladder; a reminder
approved before the payment arrived is withdrawn at send.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from mailwatch.lab.messages import make_email
from tests.integration.workspace import JANE, SAM, cli, cli_json, write_workspace

SENT_ON = datetime(2026, 11, 24, 9, tzinfo=UTC)
DEC_2 = "2026-12-02T15:00:00+00:00"  # 10:00 New York, the day after the due date
PDF = b"%PDF-1.4\n% an invoice\n" * 40


def _client_files(root: Path) -> None:
    (root / "clients" / "acme.toml").write_text(
        'name = "Acme Bakery"\nemails = ["jane@acme.test"]\nlanguage = "en"\n'
        'timezone = "America/New_York"\n\n[contract]\nfee = 1200\ncurrency = "EUR"\n'
        'due_day = 1\nlate_fee_percent = 15\npayment_instructions = "IBAN FR76 3000 6000 0112"\n'
    )
    (root / "clients" / "lune.toml").write_text(
        'name = "Bistro Lune"\nemails = ["chef@lune.test"]\nlanguage = "fr"\n\n'
        '[contract]\nfee = 750\ncurrency = "EUR"\ndue_day = 5\n'
    )


def _invoice_mails() -> list[tuple[bytes, datetime]]:
    english = make_email(
        sender=SAM,
        to=[JANE],
        subject="Invoice INV-2026-031",
        body="Hi Jane,\n\nPlease find attached invoice INV-2026-031 for November.\n"
        "Amount due: €1,200.00\nDue date: 1 December 2026\n\nThanks,\nSam",
        date=SENT_ON,
        message_id="<inv31@studio.test>",
        attachments=[("INV-2026-031.pdf", "application/pdf", PDF)],
    )
    french = make_email(
        sender=SAM,
        to=[("Chef", "chef@lune.test")],
        subject="Documents de novembre",
        body="Bonjour,\n\nVous trouverez ci-joint les documents du mois.\n\nSam",
        date=SENT_ON,
        message_id="<f12@studio.test>",
        attachments=[("Facture_F-2026-12.pdf", "application/pdf", PDF)],
    )
    return [(english, SENT_ON), (french, SENT_ON)]


def _setup(dovecot, account, make_mta, tmp_path):
    mta = make_mta(local_mailboxes={"sam@studio.test": (account, "INBOX")})
    config = write_workspace(tmp_path / "mw", account, mta.port)
    _client_files(config.parent)
    dovecot.append_many(account, "Sent", _invoice_mails())
    return mta, config


def test_invoices_found_in_sent_and_the_first_reminder(dovecot, imap_account, make_mta, tmp_path):
    mta, config = _setup(dovecot, imap_account, make_mta, tmp_path)
    tick = cli(config, imap_account, "tick", now=DEC_2)
    assert tick.returncode == 0, tick.stderr
    invoices = {
        i["number"]: i for i in cli_json(config, imap_account, "invoice", "list", now=DEC_2)
    }
    inv = invoices["INV-2026-031"]
    assert (inv["client"], inv["amount"], inv["currency"]) == ("acme", "1200.00", "EUR")
    assert (inv["due_on"], inv["status"], inv["days_overdue"]) == ("2026-12-01", "overdue", 1)
    assert inv["source"] == "sent"
    # Named only by its PDF, no amount in the text: the contract's fee, due on the 5th.
    fr = invoices["F-2026-12"]
    assert (fr["client"], fr["amount"], fr["due_on"], fr["status"]) == (
        "lune",
        "750.00",
        "2026-12-05",
        "open",
    )
    drafts = cli_json(config, imap_account, "queue", "list", now=DEC_2)
    [reminder] = [d for d in drafts if d["kind"] == "payment_reminder"]
    assert reminder["in_reply_to"] == "<inv31@studio.test>"
    assert reminder["subject"] == "Re: Invoice INV-2026-031"
    assert "INV-2026-031" in reminder["body"] and "1,200.00" in reminder["body"]
    [row] = [
        r for r in cli_json(config, imap_account, "status", now=DEC_2) if r["client"] == "acme"
    ]
    assert row["billing_state"] == "overdue" and row["amount_overdue"] == "1200.00"
    assert mta.deliveries == []


def test_a_payment_notice_closes_the_invoice_and_wins_over_an_approved_reminder(
    dovecot, imap_account, make_mta, tmp_path
):
    mta, config = _setup(dovecot, imap_account, make_mta, tmp_path)
    assert cli(config, imap_account, "tick", now="2026-12-02T08:00:00+00:00").returncode == 0
    [reminder] = [
        d
        for d in cli_json(config, imap_account, "queue", "list")
        if d["kind"] == "payment_reminder"
    ]
    assert cli(config, imap_account, "queue", "approve", reminder["id"]).returncode == 0
    # Before the send window opens, the processor's notice arrives.
    notice = make_email(
        sender=("Stripe", "notifications@stripe.com"),
        to=[SAM],
        subject="Payment received for invoice INV-2026-031",
        body="You received a payment of €1,200.00 from Acme Bakery for invoice INV-2026-031.",
        date=datetime(2026, 12, 2, 10, tzinfo=UTC),
        message_id="<pay1@stripe.com>",
    )
    dovecot.append_many(imap_account, "INBOX", [(notice, datetime(2026, 12, 2, 10, tzinfo=UTC))])
    send = cli(config, imap_account, "send", now=DEC_2)
    assert send.returncode == 0, send.stderr
    assert f"Not sent #{reminder['id']}, withdrawn" in send.stdout, send.stdout
    assert mta.deliveries == []
    [inv] = [
        i
        for i in cli_json(config, imap_account, "invoice", "list", "--all", now=DEC_2)
        if i["number"] == "INV-2026-031"
    ]
    assert (inv["status"], inv["paid_on"], inv["amount_paid"]) == ("paid", "2026-12-02", "1200.00")


def test_i_have_paid_holds_the_ladder(dovecot, imap_account, make_mta, tmp_path):
    _mta, config = _setup(dovecot, imap_account, make_mta, tmp_path)
    paid = make_email(
        sender=JANE,
        to=[SAM],
        subject="Re: Invoice INV-2026-031",
        body="Hi Sam, I've just paid it, sorry for the delay!\n\nJane",
        date=datetime(2026, 12, 2, 9, tzinfo=UTC),
        message_id="<paid@acme.test>",
        reply_to_message="<inv31@studio.test>",
        references=["<inv31@studio.test>"],
    )
    dovecot.append_many(imap_account, "INBOX", [(paid, datetime(2026, 12, 2, 9, tzinfo=UTC))])
    assert cli(config, imap_account, "tick", now=DEC_2).returncode == 0
    kinds = [d["kind"] for d in cli_json(config, imap_account, "queue", "list", now=DEC_2)]
    assert "payment_reminder" not in kinds
    items = json.loads(cli(config, imap_account, "attention", "--json", now=DEC_2).stdout)
    [claim] = [i for i in items if i["kind"] == "payment_claimed"]
    assert "I've just paid it" in claim["text"]
    # The owner confirms the payment by hand: the item goes away.
    ok = cli(config, imap_account, "invoice", "paid", "acme", "INV-2026-031", now=DEC_2)
    assert ok.returncode == 0, ok.stderr
    items = json.loads(cli(config, imap_account, "attention", "--json", now=DEC_2).stdout)
    assert [i for i in items if i["kind"] == "payment_claimed"] == []


def test_invoice_commands_and_import(dovecot, imap_account, make_mta, tmp_path):
    _mta, config = _setup(dovecot, imap_account, make_mta, tmp_path)
    assert cli(config, imap_account, "sync", now=DEC_2).returncode == 0
    add = cli(
        config,
        imap_account,
        "invoice",
        "add",
        "acme",
        "INV-2026-040",
        "--amount",
        "300",
        "--sent",
        "2026-11-30",
        "--due",
        "2026-12-15",
        now=DEC_2,
    )
    assert add.returncode == 0, add.stderr
    csv_file = tmp_path / "export.csv"
    csv_file.write_text(
        "number,client,amount,currency,sent,due,paid\n"
        "INV-2026-031,acme,1200,EUR,2026-11-24,2026-12-01,2026-12-01\n"
        "X-1,nobody,10,EUR,2026-11-01,2026-11-10,\n"
    )
    imported = cli(config, imap_account, "invoice", "import", str(csv_file), now=DEC_2)
    assert imported.returncode == 2 and "line 3" in imported.stdout
    rows = {
        r["number"]: r
        for r in cli_json(config, imap_account, "invoice", "list", "--all", now=DEC_2)
    }
    assert rows["INV-2026-031"]["status"] == "paid"  # one invoice, seen in Sent and the CSV
    assert rows["INV-2026-031"]["source"] == "import,sent"
    assert rows["INV-2026-040"]["amount"] == "300"
    void = cli(config, imap_account, "invoice", "void", "acme", "INV-2026-040", now=DEC_2)
    assert void.returncode == 0
    assert cli_json(config, imap_account, "invoice", "list", "--client", "acme", now=DEC_2) == []


def _stripe_notice(number: str, amount: str, when: datetime, mid: str) -> tuple[bytes, datetime]:
    raw = make_email(
        sender=("Stripe", "notifications@stripe.com"),
        to=[SAM],
        subject=f"Payment received for invoice {number}",
        body=f"You received a payment of €{amount} from Acme Bakery for invoice {number}.",
        date=when,
        message_id=mid,
    )
    return raw, when


def test_a_payment_notice_synced_before_its_invoice_pays_it_when_the_invoice_arrives(
    dovecot, imap_account, make_mta, tmp_path
):
    """Paid on receipt, or the invoice reaches mailwatch late (added by hand, or sent
    from another mailbox and copied to Sent later): the notice already synced pays it,
    once, as soon as the invoice is on record; no reminder is ever drafted for it."""
    _mta, config = _setup(dovecot, imap_account, make_mta, tmp_path)
    paid_at = datetime(2026, 11, 26, 10, tzinfo=UTC)
    dovecot.append_many(
        imap_account,
        "INBOX",
        [
            _stripe_notice("INV-2026-040", "300.00", paid_at, "<pay40@stripe.com>"),
            _stripe_notice("INV-2026-041", "400.00", paid_at, "<pay41@stripe.com>"),
        ],
    )
    assert cli(config, imap_account, "sync", now=DEC_2).returncode == 0  # no such invoices yet

    # By hand: recorded as paid by the notice, on the notice's day.
    by_hand = ["invoice", "add", "acme", "INV-2026-040", "--amount", "300", "--sent", "2026-11-25"]
    add = cli(config, imap_account, *by_hand, now=DEC_2)
    assert add.returncode == 0, add.stderr

    # In Sent, by a later sync: a 900 invoice that the 400 notice pays in part.
    late = make_email(
        sender=SAM,
        to=[JANE],
        subject="Invoice INV-2026-041",
        body="Hi Jane,\n\nPlease find attached invoice INV-2026-041.\n"
        "Amount due: €900.00\nDue date: 1 December 2026\n\nThanks,\nSam",
        date=datetime(2026, 11, 25, 9, tzinfo=UTC),
        message_id="<inv41@studio.test>",
    )
    dovecot.append_many(imap_account, "Sent", [(late, datetime(2026, 11, 25, 9, tzinfo=UTC))])
    assert cli(config, imap_account, "tick", now=DEC_2).returncode == 0
    assert cli(config, imap_account, "tick", now=DEC_2).returncode == 0  # applied once only

    rows = {
        r["number"]: r
        for r in cli_json(config, imap_account, "invoice", "list", "--all", now=DEC_2)
    }
    assert (rows["INV-2026-040"]["status"], rows["INV-2026-040"]["paid_on"]) == (
        "paid",
        "2026-11-26",
    )
    assert rows["INV-2026-041"]["amount_paid"] == "400.00", rows["INV-2026-041"]
    assert rows["INV-2026-041"]["status"] == "overdue"  # 500 still due since 1 December
    reminders = [
        d
        for d in cli_json(config, imap_account, "queue", "list", now=DEC_2)
        if d["kind"] == "payment_reminder"
    ]
    assert all("INV-2026-040" not in d["body"] for d in reminders)
