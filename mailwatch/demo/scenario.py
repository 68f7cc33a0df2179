"""The demo's made-up agency: one owner, three clients, a few weeks of mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailwatch.lab.messages import make_email

OWNER = ("Sam Rivera", "sam@studio.test")
JANE = ("Jane Cooper", "jane@acme.test")
CAMILLE = ("Camille Martin", "camille@bistro-lune.test")
TOM = ("Tom Hughes", "tom@northfield.test")

CONFIG = """\
# The demo's configuration (written by `mailwatch demo`).
[owner]
name = "Sam Rivera"
email = "sam@studio.test"
business = "Rivera Social"
timezone = "Europe/Paris"
country = "FR"
signature = "Sam Rivera — Rivera Social"

[imap]
host = "127.0.0.1"
port = {imap_port}
security = "none"        # allowed only because the demo server is on this machine
username = "{imap_user}"
password_env = "MAILWATCH_DEMO_PASSWORD"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
username = ""
save_to_sent = true

[store]
path = "state/mailwatch.json"

[clients]
dir = "clients"
"""

CLIENTS = {
    "acme": """\
name = "Acme Bakery"
emails = ["jane@acme.test"]
language = "en"
timezone = "America/New_York"

[contract]
fee = 900
currency = "USD"
due_day = 1
late_fee_percent = 10
payment_instructions = "Card or bank transfer: https://pay.rivera.social/acme"
channels = ["instagram", "facebook"]
posts_per_week = 3
revisions_per_month = 2

[addons]
extra_channel = 150
extra_post = 40
""",
    "bistro-lune": """\
name = "Bistro Lune"
emails = ["camille@bistro-lune.test"]
language = "fr"
timezone = "Europe/Paris"

[contract]
fee = 750
currency = "EUR"
notice_days = 30
payment_terms_days = 30
""",
    "northfield": """\
name = "Northfield Gym"
emails = ["tom@northfield.test"]
domains = ["northfield.test"]
language = "en"
timezone = "Europe/London"
""",
}


@dataclass(frozen=True)
class Seed:
    folder: str  # "INBOX" or "Sent"
    raw: bytes
    when: datetime


def demo_moment(today: datetime) -> datetime:
    """The last Thursday at 15:30 UTC: inside every demo client's sending hours."""
    moment = today.astimezone(UTC).replace(hour=15, minute=30, second=0, microsecond=0)
    while moment.weekday() != 3 or moment > today:
        moment -= timedelta(days=1)
    return moment


def seeds(now: datetime) -> list[Seed]:
    def ago(days: float, hour: int = 9) -> datetime:
        return (now - timedelta(days=days)).replace(hour=hour, minute=12)

    out: list[Seed] = []

    def mail(folder: str, sender, to, subject, body, when, mid, parent=None, refs=(), **kw):
        out.append(
            Seed(
                folder,
                make_email(
                    sender=sender,
                    to=[to],
                    subject=subject,
                    body=body,
                    date=when,
                    message_id=mid,
                    reply_to_message=parent,
                    references=list(refs),
                    **kw,
                ),
                when,
            )
        )
        return mid

    # Acme: we asked for approval six days ago; only an out-of-office came back.
    q = mail(
        "Sent",
        OWNER,
        JANE,
        "December content calendar",
        "Hi Jane,\n\nThe December calendar is ready: 12 posts, 4 reels.\n"
        "Could you approve it, or send me your changes?\n\nSam",
        ago(6, 14),
        "<dec-calendar@studio.test>",
    )
    mail(
        "INBOX",
        JANE,
        OWNER,
        "Automatic reply: December content calendar",
        "I'm out of the office until Monday with limited access to email.",
        ago(6, 14) + timedelta(minutes=1),
        "<ooo-1@acme.test>",
        q,
        [q],
        headers={"Auto-Submitted": "auto-replied"},
    )

    # Acme, another thread: a new channel asked for two days ago (a confirmation in
    # writing, priced with the add-on list).
    mail(
        "INBOX",
        JANE,
        OWNER,
        "TikTok?",
        "Hi Sam,\n\nCould you also post on TikTok from January? Our younger customers "
        "are all there.\n\nJane",
        ago(2, 15),
        "<tiktok@acme.test>",
    )

    # Acme's invoice, sent 24 days ago and due 10 days ago: unpaid, so a first reminder.
    due = (now - timedelta(days=10)).date()
    mail(
        "Sent",
        OWNER,
        JANE,
        "Invoice INV-2026-011",
        "Hi Jane,\n\nPlease find attached invoice INV-2026-011 for the month.\n"
        f"Amount due: $900.00\nDue date: {due.day} {due:%B %Y}\n\nThank you,\nSam",
        ago(24, 9),
        "<inv-011@studio.test>",
        attachments=[("INV-2026-011.pdf", "application/pdf", b"%PDF-1.4 demo invoice\n")],
    )

    # Bistro Lune's invoice, paid: the bank's notice names it.
    mail(
        "Sent",
        OWNER,
        CAMILLE,
        "Facture F-2026-10",
        "Bonjour Camille,\n\nVeuillez trouver ci-joint la facture F-2026-10.\n"
        "Montant : 750,00 €\n\nBien cordialement,\nSam",
        ago(40, 9),
        "<facture-f10@studio.test>",
        attachments=[("Facture_F-2026-10.pdf", "application/pdf", b"%PDF-1.4 facture\n")],
    )
    mail(
        "INBOX",
        ("Qonto", "notifications@qonto.com"),
        OWNER,
        "Virement reçu : 750,00 €",
        "Vous avez reçu un virement de 750,00 € de BISTRO LUNE SARL.\nLibellé : Facture F-2026-10",
        ago(12, 8),
        "<qonto-1@qonto.com>",
    )

    # Bistro Lune: asked 25 days ago, followed up twice by hand, silence since.
    r = mail(
        "Sent",
        OWNER,
        CAMILLE,
        "Photos du nouveau menu",
        "Bonjour Camille,\n\nPouvez-vous m'envoyer les photos du nouveau menu d'hiver ?\n"
        "Il me les faut pour préparer les publications.\n\nSam",
        ago(25, 10),
        "<menu-photos@studio.test>",
    )
    f1 = mail(
        "Sent",
        OWNER,
        CAMILLE,
        "Re: Photos du nouveau menu",
        "Bonjour Camille,\n\nAvez-vous pu regarder pour les photos ?\n\nSam",
        ago(21, 10),
        "<menu-photos-2@studio.test>",
        r,
        [r],
    )
    mail(
        "Sent",
        OWNER,
        CAMILLE,
        "Re: Photos du nouveau menu",
        "Bonjour Camille,\n\nJe reviens vers vous pour les photos du menu : "
        "pouvez-vous me les envoyer cette semaine ?\n\nSam",
        ago(16, 10),
        "<menu-photos-3@studio.test>",
        f1,
        [r, f1],
    )

    # Northfield: an older, brisk exchange, and a new request we have not answered yet.
    a = mail(
        "Sent",
        OWNER,
        TOM,
        "October report",
        "Hi Tom,\n\nHere is the October report. Any questions?\n\nSam",
        ago(30, 9),
        "<oct-report@studio.test>",
    )
    b = mail(
        "INBOX",
        TOM,
        OWNER,
        "Re: October report",
        "Thanks Sam, all clear. Can we add Reels next month?\n\nTom",
        ago(29, 11),
        "<oct-report-re@northfield.test>",
        a,
        [a],
    )
    mail(
        "Sent",
        OWNER,
        TOM,
        "Re: October report",
        "Hi Tom,\n\nYes, Reels are an add-on at 150 a month; I will send details.\n\nSam",
        ago(29, 15),
        "<oct-report-re2@studio.test>",
        b,
        [a, b],
    )
    mail(
        "INBOX",
        TOM,
        OWNER,
        "Posting schedule over the holidays",
        "Hi Sam,\n\nWe close from 24 December to 2 January. Can we plan the posts for "
        "that week?\n\nTom",
        ago(1, 10),
        "<holidays@northfield.test>",
    )

    # Not client contact: a newsletter, and a message too broken to read.
    mail(
        "INBOX",
        ("Social Weekly", "news@socialweekly.test"),
        OWNER,
        "This week in social",
        "Ten trends for the new year.",
        ago(2, 7),
        "<nl-1@socialweekly.test>",
        headers={"List-Id": "Social Weekly <weekly.socialweekly.test>", "Precedence": "bulk"},
    )
    out.append(
        Seed(
            "INBOX",
            b'From: "unterminated <\r\nSubject: =?x-unknown?q?broken?=\r\n'
            b"Date: not a date\r\n\r\n\xff\xfe garbage\r\n",
            ago(3, 8),
        )
    )
    return out
