"""How fast is mailwatch's sync, compared with the floor that imapclient sets?

    python bench/sync_bench.py [--messages 20000] [--small 200] [--repeat 3]

Self-contained: it generates two realistic mailboxes (INBOX + Sent, 60/40), loads them
into a private Dovecot 2.3 (mdbox), and measures, in one run on one machine:

1. first sync: `App.sync()` on a fresh store against a bare imapclient loop that fetches
   the same header item in the same batches (ratio, target <= 1.5), with a breakdown of
   where mailwatch's time goes;
2. quiet cycle: sync (nothing new) + evaluate + send (nothing approved) in a long-lived
   process, big mailbox against small one (ratio, target <= 1.2); the same as a fresh
   `mailwatch tick` process, for information;
3. store file size, store open time, index build time, peak RSS of `mailwatch sync`.

Machines are shared and noisy: every timed part runs `--repeat` times, interleaved
(big/small, baseline/mailwatch), and the median is reported. Ratios are only compared
within one run. See bench/README.md for how to read the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import hashlib
import inspect
import json
import os
import pickle
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TypeVar

import imapclient

import mailwatch.parse as parse_module
import mailwatch.pipeline.sync as sync_module
import mailwatch.store.atomic as atomic_module
from mailwatch.clock import FixedClock
from mailwatch.config.loader import load_settings
from mailwatch.config.model import Settings
from mailwatch.core.tracking import STATS_DAYS
from mailwatch.imap.client import _HEADER_ITEM, ImapMailbox
from mailwatch.lab.account import Account
from mailwatch.lab.dovecot import Dovecot, dovecot_version, find_binary
from mailwatch.lab.messages import make_email
from mailwatch.lab.ports import free_port
from mailwatch.parse.fields import TEXT_PREFIX_BYTES
from mailwatch.pipeline.app import App
from mailwatch.pipeline.index import MessageIndex
from mailwatch.pipeline.sync import FETCH_BATCH, FolderSync
from mailwatch.store import Store
from mailwatch.store.atomic import AtomicJSONStorage

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PASSWORD_ENV = "MW_BENCH_IMAP_PASSWORD"

# A fixed anchor, not today's date: two runs on different days generate the same mail
# and evaluate the same rules, so their figures can be put side by side.
END = datetime(2026, 11, 17, 16, 30, tzinfo=UTC)  # a Tuesday afternoon
SPAN_DAYS = 730  # two years of mail
INBOX_SHARE = 0.6  # 12k INBOX / 8k Sent at 20k
N_CLIENTS = 50
OWNER = ("Sam Rivera", "sam@studio.test")

T = TypeVar("T")


def log(text: str) -> None:
    """Progress goes to stderr, so stdout holds only the results table."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# =====================================================================================
# 1. A realistic mailbox
# =====================================================================================

FIRST = (
    "Jane", "Camille", "Tom", "Éloïse", "Marc", "Priya", "Lucas", "Chloé", "Ahmed", "Sofia",
    "Hugo", "Nina", "Omar", "Léa", "Ben", "Inès", "Yuki", "Paul", "Zoé", "Kofi", "Anna",
    "Mateo", "Grace", "Jules", "Maya",
)  # fmt: skip
LAST = (
    "Cooper", "Martin", "Hughes", "Dubois", "Shah", "Bernard", "Nguyen", "Moreau", "Okafor",
    "Rossi", "Lefèvre", "Schmidt", "García", "Petit", "Kowalski", "Fontaine", "Brennan",
)  # fmt: skip
PLACES = (
    "Acme", "Lune", "Northfield", "Maple", "Harbor", "Olive", "Cedar", "Rivoli", "Atlas",
    "Nova", "Saffron", "Willow", "Granite", "Lotus", "Ember", "Juniper", "Côte", "Aurora",
)  # fmt: skip
TRADES = (
    "Bakery", "Bistro", "Gym", "Studio", "Florist", "Yoga", "Café", "Garage", "Boutique",
    "Salon", "Brewery", "Dental", "Pilates", "Bookshop", "Winery",
)  # fmt: skip
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")  # fmt: skip
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")  # fmt: skip
EVENTS_EN = ("launch", "summer party", "open day", "tasting", "anniversary", "sale")
EVENTS_FR = ("soirée", "dégustation", "inauguration", "fête d'été", "portes ouvertes")
SUBJECTS_EN = (
    "Posts for {month}", "Logo files", "Photos from the {event}", "Invoice {inv}",
    "Instagram stories for {month}", "Quick question about the {event}", "Menu update",
    "New opening hours", "Ad budget for {month}", "Monthly report: {month}",
    "Caption ideas", "Reel for the {event}", "Contract renewal", "Website banner",
)  # fmt: skip
SUBJECTS_FR = (
    "Publications de {month}", "Fichiers du logo", "Photos de la {event}", "Facture {inv}",
    "Réunion de lancement", "Budget pub de {month}", "Rapport mensuel — {month}",
    "Idées de légendes", "Nouveaux horaires", "Carte de saison",
)  # fmt: skip
SENTENCES_EN = (
    "Thanks for the quick turnaround on the last batch.",
    "I have drafted three options for the carousel and attached the previews.",
    "The engagement on last week's reel was well above our monthly average.",
    "We are still waiting on the final prices for the new menu.",
    "I moved the Tuesday post to Wednesday morning, when your audience is most active.",
    "The boosted post reached about four thousand people in the area.",
    "Here is the schedule for the next two weeks, with captions in the shared folder.",
    "I kept the colours from the brand guide and used the new photos from the shoot.",
    "Comments are mostly positive; two customers asked about gluten-free options.",
    "The budget for paid ads stays the same as last month unless you say otherwise.",
    "I will prepare the monthly report once the numbers from the platforms are in.",
    "We could try a short behind-the-scenes video; those tend to do well for you.",
)
SENTENCES_FR = (
    "Merci pour votre retour rapide sur la dernière série.",
    "J'ai préparé trois propositions pour le carrousel, les aperçus sont en pièce jointe.",
    "La vidéo de la semaine dernière a très bien marché, bien au-dessus de la moyenne.",
    "Nous attendons encore les prix définitifs de la nouvelle carte.",
    "J'ai décalé la publication de mardi à mercredi matin, quand votre public est actif.",
    "La publication sponsorisée a touché environ quatre mille personnes du quartier.",
    "Voici le planning des deux prochaines semaines, avec les légendes dans le dossier.",
    "Les commentaires sont plutôt positifs ; deux clients ont posé des questions.",
)
ASKS_EN = (
    "Could you send me the photos by Thursday?",
    "Can you confirm the budget for next month?",
    "Could you approve the captions so I can schedule them?",
    "Let me know which of the three options you prefer.",
)
ASKS_FR = (
    "Pourriez-vous m'envoyer les photos d'ici jeudi ?",
    "Pouvez-vous me confirmer le budget du mois prochain ?",
    "Pourriez-vous valider les légendes pour que je les programme ?",
)
NEWSLETTERS = (
    ("Canva Weekly", "news@mail.canva-weekly.test", "weekly.canva-weekly.test"),
    ("Later Blog", "hello@later-blog.test", "blog.later-blog.test"),
    ("Meta for Business", "business@news.meta-biz.test", "news.meta-biz.test"),
    ("Social Media Today", "digest@smtoday.test", "digest.smtoday.test"),
    ("Freelance Weekly", "team@freelanceweekly.test", "list.freelanceweekly.test"),
    ("Stock Photo Deals", "deals@stockphoto.test", "deals.stockphoto.test"),
    ("Hootsuite Tips", "tips@hoot-tips.test", "tips.hoot-tips.test"),
    ("La Lettre du Freelance", "lettre@freelance-fr.test", "lettre.freelance-fr.test"),
)
NOTIFIERS = (
    ("Instagram", "no-reply@mail.instagram.test"),
    ("Facebook", "notification@facebookmail.test"),
    ("Google Calendar", "calendar-notification@google.test"),
    ("Stripe", "receipts@stripe.test"),
    ("Dropbox", "no-reply@dropbox.test"),
    ("Bank", "alerts@mybank.test"),
)


def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


# (Message-ID, subject, recipient, date, language) of one of our messages to a client:
# what an auto-reply or a bounce answers.
SentInfo = tuple[str, str, tuple[str, str], datetime, str]


@dataclass(frozen=True)
class ClientSpec:
    cid: str
    name: str
    domain: str
    contacts: tuple[tuple[str, str], ...]  # (display name, address)
    language: str
    timezone: str
    by_domain: bool  # the client file lists the domain too (colleagues count)

    def toml(self) -> str:
        emails = ", ".join(f'"{addr}"' for _, addr in self.contacts)
        lines = [f'name = "{self.name}"', f"emails = [{emails}]", f'language = "{self.language}"']
        if self.by_domain:
            lines.append(f'domains = ["{self.domain}"]')
        if self.timezone:
            lines.append(f'timezone = "{self.timezone}"')
        return "\n".join(lines) + "\n"


def make_clients(seed: int) -> list[ClientSpec]:
    """Fifty clients, each with 1-3 contacts at their own domain (the same for both sizes)."""
    rng = random.Random(seed)
    names = [f"{place} {trade}" for place in PLACES for trade in TRADES]
    rng.shuffle(names)
    zones = ("", "", "Europe/Paris", "Europe/London", "America/New_York")
    clients = []
    for n, name in enumerate(names[:N_CLIENTS], start=1):
        domain = f"{ascii_slug(name)}.test"
        people = rng.sample([(f, la) for f in FIRST for la in LAST], rng.randint(1, 3))
        contacts = tuple(
            (f"{first} {last}", f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}")
            for first, last in people
        )
        clients.append(
            ClientSpec(
                cid=f"c{n:02d}",
                name=name,
                domain=domain,
                contacts=contacts,
                language="fr" if n % 3 == 0 else "en",
                timezone=rng.choice(zones),
                by_domain=n % 5 == 0,
            )
        )
    return clients


@dataclass
class Corpus:
    inbox: list[tuple[bytes, datetime]] = field(default_factory=list)
    sent: list[tuple[bytes, datetime]] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    conversations: int = 0
    multipart: int = 0

    @property
    def total(self) -> int:
        return len(self.inbox) + len(self.sent)

    def dates(self) -> list[datetime]:
        return [when for _, when in self.inbox + self.sent]

    def describe(self, now: datetime) -> dict[str, Any]:
        dates = self.dates()
        sizes = sorted(len(raw) for raw, _ in self.inbox + self.sent)
        recent = sum(1 for d in dates if d >= now - timedelta(days=STATS_DAYS))
        return {
            "messages": self.total,
            "inbox": len(self.inbox),
            "sent": len(self.sent),
            "conversations": self.conversations,
            "kinds": dict(self.kinds),
            "multipart_alternative": self.multipart,
            "oldest": min(dates).isoformat(),
            "newest": max(dates).isoformat(),
            "within_90_days": recent,
            "within_90_days_share": recent / self.total,
            "size_bytes_median": sizes[len(sizes) // 2],
            "size_bytes_p10": sizes[len(sizes) // 10],
            "size_bytes_p90": sizes[len(sizes) * 9 // 10],
            "size_bytes_total": sum(sizes),
        }


class MailboxFactory:
    """Conversations of 2-6 messages between the owner and clients or other people,
    spread over two years, plus noise (newsletters, notifications, auto-replies,
    bounces, one-off strangers) that fills INBOX to its share.

    Owner messages go to Sent, everything else to INBOX. Generated with
    EmailMessage (via make_email) so headers are encoded as mail clients encode them.
    """

    def __init__(self, clients: Sequence[ClientSpec], seed: int) -> None:
        self.rng = random.Random(seed)
        self.clients = clients
        self.strangers = [
            (f"{f} {la}", f"{ascii_slug(f)}.{ascii_slug(la)}@{ascii_slug(la)}-mail.test")
            for f in FIRST
            for la in LAST[:6]
        ]
        self.serial = 0
        self.multipart = 0

    # -- pieces -------------------------------------------------------------------

    def _message_id(self, when: datetime, domain: str) -> str:
        self.serial += 1
        return f"<{when:%Y%m%d%H%M%S}.{self.serial}.{self.rng.getrandbits(40):x}@{domain}>"

    def _when(self, day: datetime) -> datetime:
        """Office hours, so replies and business-hour rules see plausible times."""
        return day.replace(hour=self.rng.randint(7, 17), minute=self.rng.randint(0, 59),
                           second=self.rng.randint(0, 59), microsecond=0)  # fmt: skip

    def _body(self, lang: str, *, ask: bool, greeting: str, signer: str) -> str:
        sentences = SENTENCES_FR if lang == "fr" else SENTENCES_EN
        # Mostly short, sometimes long: 1-6 paragraphs of 1-4 sentences.
        paragraphs = [
            " ".join(self.rng.choices(sentences, k=self.rng.randint(1, 4)))
            for _ in range(min(6, 1 + int(self.rng.expovariate(0.6))))
        ]
        if ask:
            paragraphs.append(self.rng.choice(ASKS_FR if lang == "fr" else ASKS_EN))
        closing = "Bien à vous," if lang == "fr" else "Best,"
        return f"{greeting}\n\n" + "\n\n".join(paragraphs) + f"\n\n{closing}\n{signer}\n"

    @staticmethod
    def _quote(previous: str, sender: tuple[str, str], when: datetime) -> str:
        quoted = "\n".join("> " + line if line else ">" for line in previous[:2500].splitlines())
        return f"\n\nOn {format_datetime(when)}, {sender[0]} <{sender[1]}> wrote:\n{quoted}\n"

    def _email(
        self,
        *,
        sender: tuple[str, str],
        to: Sequence[tuple[str, str]],
        subject: str,
        body: str,
        when: datetime,
        message_id: str,
        parent: str | None = None,
        references: Sequence[str] = (),
        cc: Sequence[tuple[str, str]] = (),
        headers: dict[str, str] | None = None,
        html: bool = False,
    ) -> bytes:
        markup = None
        if html:
            self.multipart += 1
            paragraphs = "".join(
                f'<p style="margin:0 0 12px 0;font-family:Arial,sans-serif">{p}</p>\n'
                for p in body.split("\n\n")
            )
            markup = (
                f'<html><head><meta charset="utf-8"></head><body><div dir="ltr">\n{paragraphs}'
                "</div></body></html>\n"
            )
        return make_email(
            sender=sender, to=to, subject=subject, body=body, date=when,
            message_id=message_id, reply_to_message=parent, references=references,
            cc=cc, headers=headers, html=markup,
        )  # fmt: skip

    def _subject(self, lang: str, when: datetime) -> str:
        month = (MONTHS_FR if lang == "fr" else MONTHS_EN)[when.month % 12]
        template = self.rng.choice(SUBJECTS_FR if lang == "fr" else SUBJECTS_EN)
        event = self.rng.choice(EVENTS_FR if lang == "fr" else EVENTS_EN)
        return template.format(month=month, event=event, inv=f"{when:%Y}-{self.serial % 997:03d}")

    # -- the mailbox --------------------------------------------------------------

    def build(self, n_messages: int) -> Corpus:
        corpus = Corpus()
        n_sent = n_messages - round(n_messages * INBOX_SHARE)
        n_inbox = n_messages - n_sent
        inbox_human: list[tuple[bytes, datetime]] = []
        sent_to_clients: list[SentInfo] = []
        while len(corpus.sent) < n_sent:
            corpus.conversations += 1
            for raw, when, outbound, info in self._conversation():
                if outbound:
                    if len(corpus.sent) >= n_sent:
                        break
                    corpus.sent.append((raw, when))
                    corpus.kinds["sent"] += 1
                    if info is not None:
                        sent_to_clients.append(info)
                else:
                    inbox_human.append((raw, when))
                    corpus.kinds["inbound human"] += 1
        # Noise fills INBOX up to its share; if conversations alone overshoot, keep the
        # newest (recent mail is what the rules read).
        inbox_human.sort(key=lambda item: item[1])
        if len(inbox_human) > n_inbox:
            corpus.kinds["inbound human"] -= len(inbox_human) - n_inbox
            inbox_human = inbox_human[len(inbox_human) - n_inbox :]
        noise = self._noise(n_inbox - len(inbox_human), sent_to_clients, corpus)
        corpus.inbox = inbox_human + noise
        # Arrival order: the server numbers UIDs in APPEND order, as mail arrives.
        corpus.inbox.sort(key=lambda item: item[1])
        corpus.sent.sort(key=lambda item: item[1])
        return corpus

    def _conversation(self) -> Iterator[tuple[bytes, datetime, bool, SentInfo | None]]:
        rng = self.rng
        client: ClientSpec | None = rng.choice(self.clients) if rng.random() < 0.75 else None
        if client is not None:
            other = rng.choice(client.contacts)
            lang = client.language
            cc = [c for c in client.contacts if c != other][: rng.randint(0, 1)]
        else:
            other = rng.choice(self.strangers)
            lang = "en"
            cc = []
        length = rng.randint(2, 6)
        owner_first = rng.random() < 0.55
        when = self._when(END - timedelta(days=rng.uniform(0, SPAN_DAYS)))
        subject = self._subject(lang, when)
        html_client = rng.random() < 0.35  # this person's mail client sends HTML too
        ids: list[str] = []
        previous_body = ""
        previous_sender = OWNER
        previous_when = when
        for position in range(length):
            if when > END:
                return  # the conversation is still going on "now": cut it here
            outbound = (position % 2 == 0) == owner_first
            sender, recipient = (OWNER, other) if outbound else (other, OWNER)
            domain = "studio.test" if outbound else sender[1].split("@")[1]
            mid = self._message_id(when, domain)
            first_name = recipient[0].split()[0]
            greeting = f"Bonjour {first_name}," if lang == "fr" else f"Hi {first_name},"
            body = self._body(lang, ask=outbound and rng.random() < 0.6, greeting=greeting,
                              signer=sender[0].split()[0])  # fmt: skip
            if ids:
                body += self._quote(previous_body, previous_sender, previous_when)
            raw = self._email(
                sender=sender, to=[recipient], cc=cc if position == 0 else (),
                subject=subject if not ids else f"Re: {subject}", body=body, when=when,
                message_id=mid, parent=ids[-1] if ids else None, references=ids[-19:],
                html=html_client and not outbound,
            )  # fmt: skip
            info = (mid, subject, recipient, when, lang) if outbound and client else None
            # INTERNALDATE: the server's arrival time, a few seconds after Date.
            yield raw, when + timedelta(seconds=rng.randint(1, 30)), outbound, info
            ids.append(mid)
            previous_body, previous_sender, previous_when = body, sender, when
            # Replies come after an hour to a few days.
            when = self._when(when + timedelta(hours=1 + rng.expovariate(1 / 30)))

    def _noise(
        self,
        count: int,
        sent_to_clients: Sequence[SentInfo],
        corpus: Corpus,
    ) -> list[tuple[bytes, datetime]]:
        rng = self.rng
        out: list[tuple[bytes, datetime]] = []
        for _ in range(count):
            roll = rng.random()
            when = self._when(END - timedelta(days=rng.uniform(0, SPAN_DAYS)))
            if roll < 0.10 and sent_to_clients:
                # Out-of-office answer to one of our messages.
                mid, subject, person, sent_at, lang = rng.choice(sent_to_clients)
                when = min(sent_at + timedelta(minutes=1), END)
                text = (
                    "Je suis absente jusqu'au lundi."
                    if lang == "fr"
                    else "I am out of the office until Monday with limited access to email."
                )
                raw = self._email(
                    sender=person, to=[OWNER], subject=f"Automatic reply: {subject}",
                    body=text, when=when, message_id=self._message_id(when, "autoreply.test"),
                    parent=mid, references=[mid],
                    headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
                )  # fmt: skip
                corpus.kinds["auto-reply"] += 1
            elif roll < 0.13 and sent_to_clients:
                mid, subject, person, sent_at, _ = rng.choice(sent_to_clients)
                when = min(sent_at + timedelta(minutes=2), END)
                raw = self._email(
                    sender=("Mail Delivery System", "MAILER-DAEMON@mx.studio.test"),
                    to=[OWNER], subject="Undelivered Mail Returned to Sender",
                    body=f"This is the mail system.\n\nI'm sorry to have to inform you that "
                    f"your message could not be delivered to {person[1]}.\n\n"
                    f"<{person[1]}>: host mx.{person[1].split('@')[1]} said: 550 5.1.1 "
                    "User unknown\n",
                    when=when, message_id=self._message_id(when, "mx.studio.test"),
                    headers={"Auto-Submitted": "auto-replied", "Return-Path": "<>"},
                )  # fmt: skip
                corpus.kinds["bounce"] += 1
            elif roll < 0.25:
                stranger = rng.choice(self.strangers)
                raw = self._email(
                    sender=stranger, to=[OWNER], subject="Quick question about your services",
                    body=self._body("en", ask=True, greeting="Hi Sam,",
                                    signer=stranger[0].split()[0]),
                    when=when, message_id=self._message_id(when, stranger[1].split("@")[1]),
                    html=rng.random() < 0.5,
                )  # fmt: skip
                corpus.kinds["stranger"] += 1
            elif roll < 0.50:
                name, address = rng.choice(NOTIFIERS)
                raw = self._email(
                    sender=(name, address), to=[OWNER],
                    subject=f"{name}: you have {rng.randint(2, 40)} new notifications",
                    body="You have new activity on your account.\n\n" + " ".join(
                        rng.choices(SENTENCES_EN, k=rng.randint(1, 3))) + "\n",
                    when=when, message_id=self._message_id(when, address.split("@")[1]),
                    headers={"Auto-Submitted": "auto-generated"}, html=True,
                )  # fmt: skip
                corpus.kinds["notification"] += 1
            else:
                name, address, list_id = rng.choice(NEWSLETTERS)
                raw = self._email(
                    sender=(name, address), to=[OWNER],
                    subject=f"{name} #{rng.randint(10, 300)}: {rng.choice(SENTENCES_EN)[:50]}",
                    body="\n\n".join(" ".join(rng.choices(SENTENCES_EN, k=4))
                                     for _ in range(rng.randint(2, 8))),
                    when=when, message_id=self._message_id(when, address.split("@")[1]),
                    headers={"List-Id": f"<{list_id}>", "Precedence": "bulk",
                             "List-Unsubscribe": f"<mailto:unsubscribe@{list_id}>"},
                    html=True,
                )  # fmt: skip
                corpus.kinds["newsletter"] += 1
            out.append((raw, min(when, END) + timedelta(seconds=rng.randint(1, 30))))
        corpus.multipart = self.multipart
        return out


def corpus_cached(clients: Sequence[ClientSpec], count: int, seed: int, cache: Path | None
                  ) -> tuple[Corpus, bool]:  # fmt: skip
    """Build a mailbox, or load the same one from a cache (EmailMessage makes ~0.5k msg/s).

    The key covers this section's source and make_email's, so any change to how mail is
    generated builds afresh.
    """
    source = Path(__file__).read_text()
    section = source[source.index("# 1. A realistic mailbox") : source.index("# 2. Workspaces")]
    source_key = section + inspect.getsource(make_email) + f"span={SPAN_DAYS}"
    digest = hashlib.sha256(source_key.encode()).hexdigest()[:12]
    path = cache / f"corpus-{count}-{seed}-{digest}.pickle" if cache else None
    if path is not None and path.exists():
        with path.open("rb") as handle:
            return Corpus(**pickle.load(handle)), True
    corpus = MailboxFactory(clients, seed).build(count)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(vars(corpus), handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    return corpus, False


# =====================================================================================
# 2. Workspaces: config.toml + clients/, exactly what a user would have
# =====================================================================================


def write_workspace(
    root: Path, account: Account, clients: Sequence[ClientSpec], store: str
) -> Path:
    (root / "clients").mkdir(parents=True, exist_ok=True)
    config = root / f"config-{Path(store).parent.name}.toml"
    config.write_text(
        f"""[owner]
name = "{OWNER[0]}"
email = "{OWNER[1]}"
business = "Rivera Social"
timezone = "Europe/Paris"
country = "FR"
signature = "Sam Rivera — Rivera Social"

[imap]
host = "{account.host}"
port = {account.port}
security = "none"
username = "{account.username}"
password_env = "{PASSWORD_ENV}"

[smtp]
host = "127.0.0.1"
port = {free_port()}
security = "none"
username = ""

[store]
path = "{store}"
"""
    )
    for client in clients:
        (root / "clients" / f"{client.cid}.toml").write_text(client.toml())
    return config


# =====================================================================================
# 3. Measurements
# =====================================================================================


def _batches(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bare_fetch(account: Account, folders: Sequence[str], *, text_since: datetime | None = None
               ) -> tuple[float, int]:  # fmt: skip
    """The floor: what any imapclient program pays to read the same header fields.

    Log in, select read-only, SEARCH ALL, FETCH the same item mailwatch asks for in
    batches of the same size, throw the answer away. With `text_since`, also fetch the
    same body prefix for the same recent messages (information only).
    """
    started = time.perf_counter()
    client = imapclient.IMAPClient(account.host, port=account.port, ssl=False, timeout=60)
    client.normalise_times = False  # as ImapMailbox does: skip the local-time conversion
    client.login(account.username, account.password)
    seen = 0
    items = [_HEADER_ITEM, b"INTERNALDATE", b"RFC822.SIZE"]
    for folder in folders:
        client.select_folder(folder, readonly=True)
        uids = client.search(["ALL"])
        for batch in _batches(uids, FETCH_BATCH):
            response = client.fetch(list(batch), items)
            seen += len(response)
            if text_since is not None:
                recent = [
                    uid
                    for uid, data in response.items()
                    if data[b"INTERNALDATE"].astimezone(UTC) >= text_since
                ]
                if recent:
                    client.fetch(recent, [f"BODY.PEEK[TEXT]<0.{TEXT_PREFIX_BYTES}>".encode()])
    client.logout()
    return time.perf_counter() - started, seen


def bare_status(account: Account, folders: Sequence[str], rounds: int) -> float:
    """The server's share of a quiet sync: one STATUS per folder, mean of `rounds`.

    Dovecot's STATUS cost grows with the mailbox (its index is bigger), so this is the
    part of the quiet-cycle ratio that no change to mailwatch can remove.
    """
    client = imapclient.IMAPClient(account.host, port=account.port, ssl=False, timeout=60)
    client.login(account.username, account.password)
    client.enable("CONDSTORE")
    items = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES", b"HIGHESTMODSEQ"]
    started = time.perf_counter()
    for _ in range(rounds):
        for folder in folders:
            client.folder_status(folder, items)
    seconds = (time.perf_counter() - started) / rounds
    client.logout()
    return seconds


class Probe:
    """Exclusive ("self") time per label, for functions patched in for one block.

    Nested probes subtract their time from the caller's, so the labels add up to the
    time spent inside probed code, with no double counting. Overhead is about a
    microsecond per call (~0.1 s on a 20k sync, reported as the difference between
    the probed and the clean totals).
    """

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self._stack: list[list[float]] = []

    def wrap(self, label: str, fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def probed(*args: Any, **kwargs: Any) -> T:
            frame = [0.0]  # time spent in nested probes
            self._stack.append(frame)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                self._stack.pop()
                self.seconds[label] += spent - frame[0]
                self.calls[label] += 1
                if self._stack:
                    self._stack[-1][0] += spent

        return probed

    @contextlib.contextmanager
    def patched(self, targets: Sequence[tuple[str, Any, str]]) -> Iterator[Probe]:
        saved = []
        try:
            for label, owner, name in targets:
                original = vars(owner).get(name)
                if original is None:  # renamed since this was written: say so, carry on
                    log(f"probe skipped: {getattr(owner, '__name__', owner)}.{name} not found")
                    continue
                saved.append((owner, name, original))
                setattr(owner, name, self.wrap(label, original))
            yield self
        finally:
            for owner, name, original in reversed(saved):
                setattr(owner, name, original)


# What a first sync is made of. The names are looked up at call time in these modules,
# so patching the module attribute reaches every call.
SYNC_PROBES: tuple[tuple[str, Any, str], ...] = (
    ("imap: connect + login", ImapMailbox, "connect"),
    ("imap: status, list, search", ImapMailbox, "status"),
    ("imap: status, list, search", ImapMailbox, "sent_folder"),
    ("imap: status, list, search", ImapMailbox, "uids_after"),
    ("imap: header fetch", ImapMailbox, "fetch_headers"),
    ("imap: text fetch (recent only)", ImapMailbox, "fetch_text"),
    ("parse: headers", sync_module, "parse_headers"),
    ("parse: build record", sync_module, "build_record"),
    ("text: extract", parse_module, "extract_text"),
    ("text: strip quotes", parse_module, "strip_quotes"),
    ("text: asks + snippet", parse_module, "asks_something"),
    ("text: asks + snippet", parse_module, "snippet"),
    ("text: add_text (rest)", sync_module, "add_text"),
    ("store: TinyDB table update", FolderSync, "_commit"),
    ("store: JSON serialise", AtomicJSONStorage, "flush"),
    ("store: write + fsync + rename", atomic_module, "atomic_write_bytes"),
    ("index: add records", MessageIndex, "add_records"),
)


@dataclass
class SyncRun:
    seconds: float
    new: int
    quarantined: int
    writes: int
    other: int = 0  # read, not kept (not a client's)
    breakdown: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)


def state_bytes(state_dir: Path) -> int:
    """What the state folder holds, backups and locks left out."""
    return sum(
        p.stat().st_size
        for p in state_dir.rglob("*")
        if p.is_file() and p.suffix in (".json", ".jsonl")
    )


def mailwatch_first_sync(settings: Settings, store_path: Path, now: datetime,
                         probe: Probe | None = None) -> SyncRun:  # fmt: skip
    """`App.sync()` on a fresh store with a real ImapMailbox (it connects on first use)."""
    store = Store(store_path)
    app = App(settings, store, FixedClock(now))
    try:
        with probe.patched(SYNC_PROBES) if probe else contextlib.nullcontext():
            started = time.perf_counter()
            report = app.sync()
            seconds = time.perf_counter() - started
        run = SyncRun(seconds, report.new, report.quarantined, store.writes, report.other)
        if probe is not None:
            run.breakdown = dict(probe.seconds)
            run.calls = dict(probe.calls)
        return run
    finally:
        app.close()
        store.close()


class Daemonish:
    """What `mailwatch run` keeps between cycles: the store open, the index built,
    one IMAP connection, one event loop."""

    def __init__(self, settings: Settings, now: datetime) -> None:
        # As mailwatch/daemon/service.py: the lock is taken around each job, not held,
        # and each job first checks (one stat) whether another process wrote the file.
        self.store = Store(settings.state_dir, hold_lock=False)
        self.app = App(settings, self.store, FixedClock(now))
        self.loop = asyncio.new_event_loop()

    def cycle(self, sent_only: bool = False) -> tuple[float, float, float, dict[str, int]]:
        """One quiet cycle. `sent_only`: as `mailwatch run` polls while IDLE watches
        INBOX (the daemon's usual quiet cycle); otherwise both folders, as without IDLE."""
        writes = self.store.writes
        t0 = time.perf_counter()
        with self.store.writing():
            synced = self.app.sync([self.app.sent_folder()] if sent_only else None)
        t1 = time.perf_counter()
        with self.store.writing():
            evaluated = self.app.evaluate()
        t2 = time.perf_counter()
        with self.store.writing():
            sent = self.loop.run_until_complete(self.app.send())
        t3 = time.perf_counter()
        activity = {
            "new": synced.new,
            "drafts_created": len(evaluated.created),
            "drafts_withdrawn": len(evaluated.withdrawn),
            "events": evaluated.events,
            "sent": len(sent.sent),
            "store_writes": self.store.writes - writes,
        }
        return t1 - t0, t2 - t1, t3 - t2, activity

    def close(self) -> None:
        self.loop.close()
        self.app.close()
        self.store.close()


def quiet_samples(
    daemon: Daemonish, inner: int, sent_only: bool = False
) -> tuple[float, float, float, float]:
    """One sample: the mean of `inner` consecutive quiet cycles (ms-level, so a single
    cycle is at the mercy of one scheduler hiccup). Returns total, sync, evaluate, send."""
    parts = [daemon.cycle(sent_only) for _ in range(inner)]
    for *_, activity in parts:
        busy = {k: v for k, v in activity.items() if v}
        if busy:
            raise RuntimeError(f"a 'quiet' cycle did something: {busy}")
    sync = statistics.fmean(p[0] for p in parts)
    evaluate = statistics.fmean(p[1] for p in parts)
    send = statistics.fmean(p[2] for p in parts)
    return sync + evaluate + send, sync, evaluate, send


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILWATCH_")}
    env[PASSWORD_ENV] = Dovecot.PASSWORD
    return env


# Runs `mailwatch ARGS` like `python -m mailwatch`, then writes its own peak RSS at exit.
# Why not wait4()'s rusage: Linux carries ru_maxrss across exec, so a child forked from
# this (large) process reports at least our RSS. VmHWM belongs to the new address space.
_CHILD = """
import atexit, json, resource, sys
def _report(path=sys.argv[1]):
    hwm = None
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    with open(path, "w") as out:
        json.dump({"vmhwm_kib": hwm,
                   "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, out)
atexit.register(_report)
sys.argv = ["mailwatch", *sys.argv[2:]]
from mailwatch.cli.main import main
main()
"""


def run_cli(args: Sequence[str], cwd: Path) -> tuple[float, int, str]:
    """Run mailwatch's CLI in a fresh process: (wall seconds, peak RSS KiB, output)."""
    out_path, rss_path = cwd / "cli-output.txt", cwd / "cli-rss.json"
    rss_path.unlink(missing_ok=True)
    with out_path.open("wb") as out:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", _CHILD, str(rss_path), *args], cwd=cwd, env=cli_env(),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - started
    output = out_path.read_text(errors="replace")
    if result.returncode != 0:
        raise RuntimeError(f"mailwatch {' '.join(args)} failed ({result.returncode}):\n{output}")
    usage = json.loads(rss_path.read_text())
    return seconds, usage["vmhwm_kib"] or usage["ru_maxrss_kib"], output


def profile_call(fn: Callable[[], Any], path_stem: Path) -> str:
    """Profile one call with pyinstrument if installed (readable tree), else cProfile."""
    try:
        from pyinstrument import Profiler  # type: ignore[import-not-found]
    except ImportError:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(fn)
        profiler.dump_stats(path_stem.with_suffix(".prof"))
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
        path_stem.with_suffix(".txt").write_text(text.getvalue())
        return str(path_stem.with_suffix(".prof"))
    profiler = Profiler(interval=0.0005)
    profiler.start()
    try:
        fn()
    finally:
        profiler.stop()
    path_stem.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
    path_stem.with_suffix(".html").write_text(profiler.output_html())
    return str(path_stem.with_suffix(".txt"))


# =====================================================================================
# 4. The run
# =====================================================================================


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=BENCH_DIR.parent, capture_output=True,
                                text=True, check=False)  # fmt: skip
        return result.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000, help="big mailbox size")
    parser.add_argument("--small", type=int, default=200, help="small mailbox size")
    parser.add_argument("--repeat", type=int, default=3, help="samples per timed part (median)")
    parser.add_argument("--cycles", type=int, default=10,
                        help="quiet cycles averaged into one sample")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile one first sync and one quiet cycle (big mailbox)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="generate the mailboxes even if bench/results/cache has them",
    )
    parser.add_argument("--keep", type=Path, help="keep the work files (stores, configs) here")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if find_binary() is None:
        print(Dovecot.missing_reason(), file=sys.stderr)
        return 2

    return recorded_run(
        args, "mailwatch-bench-", "", lambda work, stamp, results: run(args, work, stamp, results),
        print_table,
    )  # fmt: skip


def recorded_run(
    args: argparse.Namespace,
    prefix: str,
    name: str,
    body: Callable[[Path, str, dict[str, Any]], None],
    show: Callable[[dict[str, Any]], None],
) -> int:
    """Run `body(work, stamp, results)` in a fresh work folder, with the machine, the git
    state and the load average recorded; write the figures to `args.results` as
    `<name><stamp>.json`, then show them."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.results.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ[PASSWORD_ENV] = Dovecot.PASSWORD  # in-process Apps read the same env
    results: dict[str, Any] = {
        "when": stamp,
        "params": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "imapclient": imapclient.__version__,
            "dovecot": dovecot_version(find_binary() or "dovecot"),
        },
        "git": git_state(),
        # Other work on a shared machine shows here first: read ratios, not raw seconds.
        "loadavg_start": os.getloadavg(),
    }
    try:
        body(work, stamp, results)
    finally:
        results["loadavg_end"] = os.getloadavg()
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    out = args.results / f"{name}{stamp}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    show(results)
    print(f"\nfigures: {out}")
    return 0


def run(args: argparse.Namespace, work: Path, stamp: str, results: dict[str, Any]) -> None:
    sizes = {"big": args.messages, "small": args.small}
    clients = make_clients(args.seed)

    log(f"generating {args.messages:,} + {args.small:,} messages ...")
    started = time.perf_counter()
    corpora: dict[str, Corpus] = {}
    for n, (name, count) in enumerate(sizes.items()):
        cache = None if args.no_cache else args.results / "cache"
        corpora[name], results.setdefault("corpus_from_cache", {})[name] = corpus_cached(
            clients, count, args.seed + n, cache
        )
    newest = max(max(c.dates()) for c in corpora.values())
    now = newest + timedelta(minutes=10)  # "a little after the newest message"
    results["generation_seconds"] = time.perf_counter() - started
    results["now"] = now.isoformat()
    results["mailboxes"] = {name: c.describe(now) for name, c in corpora.items()}

    with Dovecot(mail_format="mdbox") as dovecot:
        log(f"Dovecot (mdbox) on port {dovecot.port}; loading ...")
        accounts: dict[str, Account] = {}
        started = time.perf_counter()
        for name, corpus in corpora.items():
            account = dovecot.account(name)
            dovecot.append_many(account, "INBOX", corpus.inbox)
            dovecot.append_many(account, "Sent", corpus.sent)
            accounts[name] = account
        results["load_seconds"] = time.perf_counter() - started
        results["mail_format"] = "mdbox"
        del corpora  # ~60 MB of raw mail we no longer need; keeps RSS figures honest

        configs = {
            name: write_workspace(work, accounts[name], clients, f"state-{name}/mailwatch.json")
            for name in sizes
        }
        settings = {name: load_settings(path) for name, path in configs.items()}
        folders = ["INBOX", "Sent"]
        text_since = now - timedelta(days=STATS_DAYS)

        # Warm Dovecot's caches (index files, page cache) so neither side pays for them.
        for name in sizes:
            bare_fetch(accounts[name], folders)

        # -- first sync ---------------------------------------------------------------
        first: dict[str, dict[str, list[float]]] = {n: defaultdict(list) for n in sizes}
        last_run: dict[str, SyncRun] = {}
        for r in range(args.repeat):
            for name in sizes:
                log(f"first sync {name} #{r + 1}")
                seconds, seen = bare_fetch(accounts[name], folders)
                first[name]["bare"].append(seconds)
                seconds, _ = bare_fetch(accounts[name], folders, text_since=text_since)
                first[name]["bare_with_text"].append(seconds)
                store_path = work / f"run-{name}-{r}" / "mailwatch.json"
                sync_run = mailwatch_first_sync(settings[name], store_path, now)
                first[name]["mailwatch"].append(sync_run.seconds)
                if sync_run.new + sync_run.other + sync_run.quarantined != seen:
                    raise RuntimeError(f"{name}: mailwatch stored {sync_run.new} + skipped "
                                       f"{sync_run.other} + quarantined "
                                       f"{sync_run.quarantined}, server has {seen}")  # fmt: skip
                last_run[name] = sync_run
                if r < args.repeat - 1:
                    shutil.rmtree(store_path.parent)
                else:  # the last one becomes the state the quiet cycles run on
                    shutil.copytree(store_path.parent, settings[name].state_dir,
                                    dirs_exist_ok=True)  # fmt: skip
        log("first sync big, probed (breakdown)")
        probe = Probe()
        probed = mailwatch_first_sync(settings["big"], work / "run-probed" / "mailwatch.json",
                                      now, probe)  # fmt: skip
        results["first_sync"] = {
            name: {
                "bare_seconds": first[name]["bare"],
                "bare_with_text_seconds": first[name]["bare_with_text"],
                "mailwatch_seconds": first[name]["mailwatch"],
                "bare_median": median(first[name]["bare"]),
                "bare_with_text_median": median(first[name]["bare_with_text"]),
                "mailwatch_median": median(first[name]["mailwatch"]),
                "ratio": median(first[name]["mailwatch"]) / median(first[name]["bare"]),
                "stored": last_run[name].new,
                "quarantined": last_run[name].quarantined,
                "store_writes": last_run[name].writes,
            }
            for name in sizes
        }
        results["first_sync"]["big"]["probed"] = {
            "seconds": probed.seconds,
            "breakdown": probed.breakdown,
            "calls": probed.calls,
        }

        # -- the store at 20k ---------------------------------------------------------
        big_store = settings["big"].state_dir
        opens, index_builds = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            store = Store(big_store)
            opens.append(time.perf_counter() - started)
            app = App(settings["big"], store, FixedClock(now))
            started = time.perf_counter()
            _ = app.index
            index_builds.append(time.perf_counter() - started)
            store.close()
        results["store"] = {
            "file_bytes": state_bytes(big_store),
            "messages": last_run["big"].new,
            "open_seconds": opens,
            "open_median": median(opens),
            "index_build_seconds": index_builds,
            "index_build_median": median(index_builds),
        }

        # -- quiet cycle, long-lived process ------------------------------------------
        log("quiet cycles (in process)")
        daemons = {name: Daemonish(settings[name], now) for name in sizes}
        warmup = {}
        try:
            for name, daemon in daemons.items():
                # The first cycle drafts follow-ups for threads that are waiting; the
                # second must already be quiet. Both are untimed.
                warmup[name] = [daemon.cycle()[3] for _ in range(2)]
            quiet: dict[str, list[tuple[float, float, float, float]]] = {n: [] for n in sizes}
            idle: dict[str, list[tuple[float, float, float, float]]] = {n: [] for n in sizes}
            floor: dict[str, list[float]] = {n: [] for n in sizes}
            for _ in range(args.repeat):
                for name, daemon in daemons.items():
                    quiet[name].append(quiet_samples(daemon, args.cycles))
                    idle[name].append(quiet_samples(daemon, args.cycles, sent_only=True))
                    floor[name].append(bare_status(accounts[name], folders, args.cycles))
            if args.profile:
                log("profiling one quiet cycle (big)")
                results.setdefault("profiles", {})["quiet_cycle"] = profile_call(
                    lambda: [daemons["big"].cycle() for _ in range(20)],
                    args.results / f"{stamp}-quiet-cycle-x20",
                )
        finally:
            for daemon in daemons.values():
                daemon.close()
        results["quiet_cycle"] = {
            name: {
                "samples_ms": [[round(x * 1000, 3) for x in s] for s in quiet[name]],
                "total_ms": median([s[0] for s in quiet[name]]) * 1000,
                "sync_ms": median([s[1] for s in quiet[name]]) * 1000,
                "evaluate_ms": median([s[2] for s in quiet[name]]) * 1000,
                "send_ms": median([s[3] for s in quiet[name]]) * 1000,
                "bare_status_ms": median(floor[name]) * 1000,
                "warmup_activity": warmup[name],
            }
            for name in sizes
        }
        results["quiet_cycle"]["ratio"] = (
            results["quiet_cycle"]["big"]["total_ms"] / results["quiet_cycle"]["small"]["total_ms"]
        )
        results["quiet_cycle_idle"] = {
            name: {
                "total_ms": median([s[0] for s in idle[name]]) * 1000,
                "sync_ms": median([s[1] for s in idle[name]]) * 1000,
                "evaluate_ms": median([s[2] for s in idle[name]]) * 1000,
                "send_ms": median([s[3] for s in idle[name]]) * 1000,
            }
            for name in sizes
        }
        results["quiet_cycle_idle"]["ratio"] = (
            results["quiet_cycle_idle"]["big"]["total_ms"]
            / results["quiet_cycle_idle"]["small"]["total_ms"]
        )

        # -- quiet cycle, fresh CLI process (information) -----------------------------
        log("quiet cycles (mailwatch tick, fresh process)")
        ticks: dict[str, list[tuple[float, int]]] = {n: [] for n in sizes}
        floor = []
        for _ in range(args.repeat):
            for name in sizes:
                seconds, rss, _ = run_cli(
                    ["--config", str(configs[name]), "--now", now.isoformat(), "tick"], work
                )
                ticks[name].append((seconds, rss))
            floor.append(run_cli(["--help"], work)[:2])
        results["cli_tick"] = {
            name: {
                "seconds": [t[0] for t in ticks[name]],
                "median_seconds": median([t[0] for t in ticks[name]]),
                "peak_rss_kib": max(t[1] for t in ticks[name]),
            }
            for name in sizes
        }
        results["cli_tick"]["ratio"] = (
            results["cli_tick"]["big"]["median_seconds"]
            / results["cli_tick"]["small"]["median_seconds"]
        )
        results["cli_startup"] = {
            "median_seconds": median([f[0] for f in floor]),
            "peak_rss_kib": max(f[1] for f in floor),
        }

        # -- peak RSS of a first sync (fresh process, fresh store) --------------------
        log("first sync as `mailwatch sync` (peak RSS)")
        rss = {}
        for name in sizes:
            fresh = write_workspace(work, accounts[name], clients, f"fresh-{name}/mailwatch.json")
            seconds, peak, _ = run_cli(
                ["--config", str(fresh), "--now", now.isoformat(), "sync"], work
            )
            rss[name] = {"seconds": seconds, "peak_rss_kib": peak}
        rss["bench_process_peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        results["cli_first_sync"] = rss

        if args.profile:
            log("profiling one first sync (big)")
            results.setdefault("profiles", {})["first_sync"] = profile_call(
                lambda: mailwatch_first_sync(
                    settings["big"], work / "run-profile" / "mailwatch.json", now
                ),
                args.results / f"{stamp}-first-sync",
            )


# =====================================================================================
# 5. The table
# =====================================================================================

BREAKDOWN_ORDER = (
    "imap: connect + login",
    "imap: status, list, search",
    "imap: header fetch",
    "imap: text fetch (recent only)",
    "parse: headers",
    "parse: build record",
    "text: extract",
    "text: strip quotes",
    "text: asks + snippet",
    "text: add_text (rest)",
    "store: TinyDB table update",
    "store: JSON serialise",
    "store: write + fsync + rename",
    "index: add records",
)


def print_table(results: dict[str, Any]) -> None:
    big, small = results["mailboxes"]["big"], results["mailboxes"]["small"]
    fs, qc, st = results["first_sync"], results["quiet_cycle"], results["store"]
    mib = 1024 * 1024

    def row(label: str, *cells: str) -> None:
        print(f"  {label:<44}" + "".join(f"{c:>14}" for c in cells))

    print("\nmailwatch sync benchmark", results["when"], "—", results["machine"]["platform"])
    machine = results["machine"]
    print(
        f"  Dovecot {machine['dovecot']} ({results['mail_format']}), imapclient "
        f"{machine['imapclient']}, Python {machine['python']}, {machine['cpus']} CPUs; "
        f"median of {results['params']['repeat']}"
    )
    print(f"  git {results['git']['commit'][:10]}{' (dirty)' if results['git']['dirty'] else ''}"
          f"; now = {results['now']}")  # fmt: skip
    load = "/".join(f"{x:.1f}" for x in results["loadavg_start"][:1] + results["loadavg_end"][:1])
    print(f"  load average at start/end: {load} (other work on the machine makes raw times move)")

    print("\nMailboxes")
    row("", "big", "small")
    for key, label in (("messages", "messages"), ("inbox", "INBOX"), ("sent", "Sent"),
                       ("conversations", "conversations"),
                       ("multipart_alternative", "multipart/alternative")):  # fmt: skip
        row(label, f"{big[key]:,}", f"{small[key]:,}")
    row("within 90 days (get a text fetch)",
        f"{big['within_90_days']:,} ({big['within_90_days_share']:.1%})",
        f"{small['within_90_days']:,} ({small['within_90_days_share']:.1%})")  # fmt: skip
    row("size median / p90 (bytes)", f"{big['size_bytes_median']:,}/{big['size_bytes_p90']:,}",
        f"{small['size_bytes_median']:,}/{small['size_bytes_p90']:,}")  # fmt: skip

    print("\nFirst sync (seconds)")
    row("", "big", "small")
    row("bare imapclient header fetch", f"{fs['big']['bare_median']:.3f}",
        f"{fs['small']['bare_median']:.3f}")  # fmt: skip
    row("  + text prefix of recent mail (info)", f"{fs['big']['bare_with_text_median']:.3f}",
        f"{fs['small']['bare_with_text_median']:.3f}")  # fmt: skip
    row("mailwatch App.sync() on a fresh store", f"{fs['big']['mailwatch_median']:.3f}",
        f"{fs['small']['mailwatch_median']:.3f}")  # fmt: skip
    row("RATIO mailwatch / bare (target <= 1.5)", f"{fs['big']['ratio']:.2f}",
        f"{fs['small']['ratio']:.2f}")  # fmt: skip
    per_message = {
        name: (fs[name]["mailwatch_median"] - fs[name]["bare_median"]) / mbox["messages"] * 1e6
        for name, mbox in (("big", big), ("small", small))
    }
    row("mailwatch's own cost, µs per message", f"{per_message['big']:.0f}",
        f"{per_message['small']:.0f}")  # fmt: skip
    row("store writes during the sync", str(fs["big"]["store_writes"]),
        str(fs["small"]["store_writes"]))  # fmt: skip

    probed = fs["big"]["probed"]
    total = probed["seconds"]
    print(f"\nWhere a big first sync goes (one probed run: {total:.3f} s; exclusive times)")
    accounted = 0.0
    for label in BREAKDOWN_ORDER:
        seconds = probed["breakdown"].get(label, 0.0)
        accounted += seconds
        calls = probed["calls"].get(label, 0)
        row(label, f"{seconds:.3f}", f"{seconds / total:.1%}", f"{calls:,} calls")
    row("other (sync loop, dedupe, date checks)", f"{total - accounted:.3f}",
        f"{(total - accounted) / total:.1%}")  # fmt: skip

    print("\nQuiet cycle in a long-lived process (ms; mean of "
          f"{results['params']['cycles']} cycles per sample)")  # fmt: skip
    row("", "big", "small")
    for key, label in (("sync_ms", "sync (2 STATUS)"), ("evaluate_ms", "evaluate (rules)"),
                       ("send_ms", "send (nothing approved)"), ("total_ms", "total")):  # fmt: skip
        row(label, f"{qc['big'][key]:.2f}", f"{qc['small'][key]:.2f}")
    row("RATIO big / small (target <= 1.2)", f"{qc['ratio']:.2f}")
    row("  Dovecot alone: 2 STATUS, bare imapclient", f"{qc['big']['bare_status_ms']:.2f}",
        f"{qc['small']['bare_status_ms']:.2f}")  # fmt: skip
    qi = results["quiet_cycle_idle"]
    print("\nQuiet cycle as `mailwatch run` does it while IDLE watches INBOX (Sent poll only)")
    row("", "big", "small")
    for key, label in (("sync_ms", "sync (1 STATUS)"), ("evaluate_ms", "evaluate (rules)"),
                       ("send_ms", "send (nothing approved)"), ("total_ms", "total")):  # fmt: skip
        row(label, f"{qi['big'][key]:.2f}", f"{qi['small'][key]:.2f}")
    row("RATIO big / small (target <= 1.2)", f"{qi['ratio']:.2f}")

    ct, cs = results["cli_tick"], results["cli_startup"]
    print("\nQuiet cycle as a fresh process: `mailwatch tick` (seconds, information)")
    row("", "big", "small")
    row("mailwatch tick", f"{ct['big']['median_seconds']:.3f}",
        f"{ct['small']['median_seconds']:.3f}")  # fmt: skip
    row("ratio big / small", f"{ct['ratio']:.2f}")
    row("`mailwatch --help` (interpreter + imports)", f"{cs['median_seconds']:.3f}")

    cf = results["cli_first_sync"]
    print("\nStore and memory")
    row("state folder at big size (no .bak)", f"{st['file_bytes'] / mib:.1f} MiB",
        f"{st['file_bytes'] / st['messages']:.0f} B/msg")  # fmt: skip
    row("open the store (Store(path))", f"{st['open_median']:.3f} s")
    row("build the message index (App.index)", f"{st['index_build_median']:.3f} s")
    row("peak RSS `mailwatch sync`, first sync", f"{cf['big']['peak_rss_kib'] / 1024:.0f} MiB",
        f"{cf['small']['peak_rss_kib'] / 1024:.0f} MiB")  # fmt: skip
    row("  its wall time (incl. startup)", f"{cf['big']['seconds']:.2f} s",
        f"{cf['small']['seconds']:.2f} s")  # fmt: skip
    row("peak RSS `mailwatch tick`, quiet", f"{ct['big']['peak_rss_kib'] / 1024:.0f} MiB",
        f"{ct['small']['peak_rss_kib'] / 1024:.0f} MiB")  # fmt: skip
    row("peak RSS `mailwatch --help`", f"{cs['peak_rss_kib'] / 1024:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
