# ruff: noqa: E501  (draft bodies are one line per paragraph, as the templates write them)
"""A realistic digest view, shared by the digest's unit tests and the browser test."""

from __future__ import annotations

from datetime import UTC, datetime

from mailwatch.digest.codes import make_code
from mailwatch.digest.view import AttentionLine, DigestView, DraftBlock, StatusLine

SECRET = b"k" * 32
DIGEST_ID = "dg-2025-12-01-0800"
NOW = datetime(2025, 12, 1, 7, 0, tzinfo=UTC)  # Monday 1 December, 08:00 in Paris
OWNER = "sam@rivera-social.example"


def code(draft_id: str, version: int = 1, digest_id: str = DIGEST_ID) -> str:
    return make_code(SECRET, digest_id, draft_id, version)


# Draft bodies as the templates write them: one line per paragraph.
FOLLOW_UP_EN = """Hi Marie,

I'm following up again on my message of Wednesday 19 November about "December content calendar".

I still need your answer to continue, and until I have it this part of your project is on hold: any delay on this moves the delivery back by as much. The first posts are planned for 1 December. Could you reply, even briefly, to let me know where things stand?

Here is the calendar again: https://docs.example.com/d/1a2b3c4d5e6f7g8h9i0j-very-long-link-that-does-not-break-anywhere/edit?usp=sharing

Best,
Sam Rivera — Rivera Social
"""

REMINDER_FR = """Bonjour Monsieur Martin,

Je me permets de revenir vers vous au sujet de la facture n° 2025-041 de 1 200,00 €, arrivée à échéance le 1er novembre. Il se peut qu’elle vous ait échappé : pourriez-vous me dire quand le règlement est prévu ?

Conformément à notre contrat, des pénalités de retard de 15 % s’appliquent à partir du 15 novembre. Vous trouverez la facture en pièce jointe, et le lien de paiement ici : https://pay.example.fr/facture/2025-041

Je reste à votre disposition pour toute question.

Bien cordialement,
Sam Rivera — Rivera Social
"""

SCOPE_EN = """Hi Priya,

Thank you for your message about adding TikTok. Happy to help.

Your package covers Instagram and LinkedIn, 3 posts a week each. A new channel is an add-on: TikTok, 3 posts a week, would be [PRICE] a month, starting on 1 January.

If that works for you, just reply "yes" and I will set it up.

Best,
Sam
"""


def sample_view() -> DigestView:
    return DigestView(
        digest_id=DIGEST_ID,
        owner_name="Sam",
        owner_email=OWNER,
        generated_at=NOW,
        timezone="Europe/Paris",
        # In the order the attention list gives them (pipeline/attention.py ORDER).
        attention=(
            AttentionLine(
                kind="abusive_mail",
                client_name="Northwind Fitness",
                since=datetime(2025, 11, 28, 18, 45, tzinfo=UTC),
                text="A message with threats; nothing was drafted.",
                evidence="If the posts are not up tomorrow you will regret it.",
            ),
            AttentionLine(
                kind="owner_overdue",
                client_name="Acme Bakery",
                since=datetime(2025, 11, 26, 13, 10, tzinfo=UTC),
                text="Marie asked for the revised calendar; you have not answered yet.",
                evidence="Could you send me the revised calendar before Friday? We need it "
                "for the board meeting.",
            ),
            AttentionLine(
                kind="invoice_not_sent",
                client_name="Boulangerie Martin",
                since=datetime(2025, 11, 24, 9, 0, tzinfo=UTC),
                text="The December invoice (1 200 €) should have gone out by 24 Nov.",
                evidence="",
            ),
        ),
        drafts=(
            DraftBlock(
                draft_id="d-101",
                version=1,
                code=code("d-101"),
                client_name="Acme Bakery",
                kind_label="Follow-up 2",
                why="Could you approve the twelve December posts so I can schedule them?",
                answers_date=datetime(2025, 11, 19, 9, 2, tzinfo=UTC),
                to=("marie.dupont@acme-bakery.example",),
                subject="Re: December content calendar",
                goes_out="Mon 1 Dec, from 09:00 (client's time)",
                body=FOLLOW_UP_EN,
            ),
            DraftBlock(
                draft_id="d-102",
                version=3,
                code=code("d-102", 3),
                client_name="Boulangerie Martin",
                kind_label="Payment reminder 1",
                why="Facture 2025-041, échue le 1er novembre, toujours impayée.",
                answers_date=None,
                to=("jean.martin@boulangerie-martin.example", "compta@boulangerie-martin.example"),
                subject="Facture 2025-041 : petit rappel",
                goes_out="Mon 1 Dec, from 09:00",
                body=REMINDER_FR,
            ),
            DraftBlock(
                draft_id="d-103",
                version=1,
                code=code("d-103"),
                client_name="Lumen Studio",
                kind_label="Scope confirmation",
                why="Could we add TikTok from January? Same rhythm as Instagram.",
                answers_date=datetime(2025, 11, 27, 16, 30, tzinfo=UTC),
                to=("priya@lumen.example",),
                subject="Re: TikTok?",
                goes_out="as soon as you approve",
                body=SCOPE_EN,
                needs_edit=True,
            ),
        ),
        statuses=(
            StatusLine(
                "Acme Bakery",
                datetime(2025, 11, 26, 13, 10, tzinfo=UTC),
                datetime(2025, 11, 19, 9, 2, tzinfo=UTC),
                "You, 3 days",
            ),
            StatusLine(
                "Boulangerie Martin",
                datetime(2025, 10, 28, 10, 0, tzinfo=UTC),
                datetime(2025, 11, 2, 8, 0, tzinfo=UTC),
                "Them",
            ),
            StatusLine(
                "Lumen Studio",
                datetime(2025, 11, 27, 16, 30, tzinfo=UTC),
                datetime(2025, 11, 25, 11, 0, tzinfo=UTC),
                "You, 2 days",
            ),
            StatusLine(
                "Northwind Fitness",
                datetime(2025, 11, 28, 18, 45, tzinfo=UTC),
                datetime(2025, 11, 20, 15, 0, tzinfo=UTC),
                "—",
            ),
            StatusLine(
                "Les Jardins de Provence — Association des producteurs",
                None,
                datetime(2024, 12, 5, 10, 0, tzinfo=UTC),
                "Them",
            ),
            StatusLine(
                "Café Olé",
                datetime(2025, 11, 29, 8, 0, tzinfo=UTC),
                datetime(2025, 11, 29, 9, 30, tzinfo=UTC),
                "",
            ),
        ),
    )
