"""Sample contexts for every kind of draft, and the check that renders them all.

`SAMPLES[kind]` lists realistic contexts covering each variant a template must
handle (each step, one or several invoices, with and without a late fee, each
verdict, tu and vous, no contact name, no asking sentence). Words that depend on
the client's language (a subject, the client's sentence) are written in both
languages as `L(en, fr)`; `in_language(sample, language)` picks one.

`check_templates(renderer)` renders every kind in every language with every sample,
so that `mailwatch check-config` catches a broken template (a user's copy above all)
before it fails a real draft.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from mailwatch.errors import Problem

LANGUAGES = ("en", "fr")


class L(NamedTuple):
    """A value written in each language."""

    en: Any
    fr: Any


def in_language(sample: dict[str, Any], language: str) -> dict[str, Any]:
    """The sample as a template receives it for a client writing in `language`."""

    def pick(value: Any) -> Any:
        if isinstance(value, L):
            return pick(getattr(value, language))
        if isinstance(value, dict):
            return {k: pick(v) for k, v in value.items()}
        if isinstance(value, list):
            return [pick(v) for v in value]
        return value

    return {**pick(sample), "language": language}


OWNER = {
    "name": "Sam Rivera",
    "business": "Rivera Social",
    "signature": "Sam Rivera\nRivera Social",
}

# Three clients: one with a contact name (vous), one on "tu", one whose name we don't know.
JANE = {
    "contact_name": "Jane",
    "client_name": "Acme Bakery",
    "formality": "vous",
    "owner": OWNER,
}
LEA = {
    "contact_name": "Léa",
    "client_name": "Studio Pixel",
    "formality": "tu",
    "owner": OWNER,
}
NOBODY = {
    "contact_name": "",
    "client_name": "Garage Martin",
    "formality": "vous",
    "owner": OWNER,
}

CALENDAR = L("December content calendar", "Calendrier de décembre")
VISUALS = L("Christmas visuals", "Visuels de Noël")
IBAN = L(
    "Bank transfer to IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP, "
    "quoting the invoice number.",
    "Virement sur l'IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP, "
    "en indiquant le numéro de facture.",
)
LINK = L(
    "Card payment: https://pay.rivera.social/i/INV-2026-011?lang=en",
    "Paiement par carte : https://pay.rivera.social/i/INV-2026-011?lang=fr",
)


def _invoice(
    number: str, amount: str, due_on: date, days_overdue: int, paid: str = "0.00"
) -> dict[str, Any]:
    return {
        "number": number,
        "amount": Decimal(amount),
        "currency": "EUR",
        "due_on": due_on,
        "days_overdue": days_overdue,
        "amount_paid": Decimal(paid),
        "amount_due": Decimal(amount) - Decimal(paid),
    }


OCTOBER = _invoice("INV-2026-009", "1200.00", date(2026, 10, 1), 31)
NOVEMBER = _invoice("INV-2026-011", "1200.00", date(2026, 11, 1), 0)
NOVEMBER_LATE = _invoice("INV-2026-011", "1200.00", date(2026, 11, 1), 14)
NOVEMBER_PART = _invoice("INV-2026-011", "1200.00", date(2026, 11, 1), 7, paid="500.00")
SMALL = _invoice("F-0042", "450.50", date(2026, 10, 15), 17)

ASKED_ON = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # Monday 2 November
FOLLOWED_UP = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "follow_up": [
        {
            **JANE,
            "subject": CALENDAR,
            "step": 1,
            "total_steps": 3,
            "asked_on": ASKED_ON,
            "days_waiting": 3,
            "business_days_waiting": 3,
            "follow_ups_sent": 0,
            "ask_sentence": L(
                "Could you approve the December calendar by Friday?",
                "Pourriez-vous valider le calendrier de décembre d'ici vendredi ?",
            ),
            "ask_what": "approval",
            "asked_by": date(2026, 11, 6),
        },
        {
            **LEA,
            "subject": VISUALS,
            "step": 1,
            "total_steps": 3,
            "asked_on": ASKED_ON,
            "days_waiting": 3,
            "business_days_waiting": 3,
            "follow_ups_sent": 0,
            "ask_sentence": L(
                "can you send me the photos of the new cakes",
                "tu peux m'envoyer les photos des nouveaux gâteaux?",
            ),
            "ask_what": "content",
            "asked_by": None,
        },
        {
            **JANE,
            "subject": CALENDAR,
            "step": 2,
            "total_steps": 3,
            "asked_on": ASKED_ON,
            "days_waiting": 9,
            "business_days_waiting": 7,
            "follow_ups_sent": 1,
            "ask_sentence": None,
            "ask_what": "feedback",
            "asked_by": date(2026, 11, 6),
        },
        {
            **LEA,
            "subject": L("Access to the Instagram account", "Accès au compte Instagram"),
            "step": 2,
            "total_steps": 3,
            "asked_on": ASKED_ON,
            "days_waiting": 9,
            "business_days_waiting": 7,
            "follow_ups_sent": 1,
            "ask_sentence": L(
                "Could you add me as an editor on the Instagram account?",
                "Tu peux m'ajouter comme éditrice sur le compte Instagram ?",
            ),
            "ask_what": "access",
            "asked_by": None,
        },
        {
            **NOBODY,
            "subject": "",
            "step": 3,
            "total_steps": 3,
            "asked_on": ASKED_ON,
            "days_waiting": 18,
            "business_days_waiting": 14,
            "follow_ups_sent": 2,
            "ask_sentence": None,
            "ask_what": None,
            "asked_by": None,
        },
        {
            **LEA,
            "subject": L(
                "Launch date for the spring menu", "Date de lancement du menu de printemps"
            ),
            "step": 3,
            "total_steps": 3,
            "asked_on": datetime(2026, 11, 13, 17, 0, tzinfo=UTC),
            "days_waiting": 18,
            "business_days_waiting": 14,
            "follow_ups_sent": 2,
            "ask_sentence": L(
                "Which date would you like for the launch: 1 or 8 December?",
                "Quelle date préfères-tu pour le lancement : le 1er ou le 8 décembre ?",
            ),
            "ask_what": "date",
            "asked_by": date(2026, 12, 1),
        },
        {
            **JANE,
            "subject": L("Logo options", "Propositions de logo"),
            "step": 3,
            "total_steps": 3,
            "asked_on": ASKED_ON,
            "days_waiting": 18,
            "business_days_waiting": 14,
            "follow_ups_sent": 2,
            "ask_sentence": L(
                "Which of the three logos do you prefer?",
                "Laquelle des trois propositions de logo préférez-vous ?",
            ),
            "ask_what": "decision",
            "asked_by": None,
        },
    ],
    "pause_notice": [
        {
            **JANE,
            "subject": CALENDAR,
            "asked_on": ASKED_ON,
            "last_follow_up_on": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
            "follow_ups_sent": 2,
            "days_silent": 15,
            "notice_days": 30,
            "ask_sentence": L(
                "Could you approve the December calendar by Friday?",
                "Pourriez-vous valider le calendrier de décembre d'ici vendredi ?",
            ),
        },
        {
            **LEA,
            "subject": VISUALS,
            "asked_on": ASKED_ON,
            "last_follow_up_on": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
            "follow_ups_sent": 3,
            "days_silent": 16,
            "notice_days": 15,
            "ask_sentence": None,
        },
        {
            **NOBODY,
            "subject": "",
            "asked_on": ASKED_ON,
            "last_follow_up_on": FOLLOWED_UP,
            "follow_ups_sent": 2,
            "days_silent": 14,
            "notice_days": 30,
            "ask_sentence": None,
        },
    ],
    "payment_reminder": [
        {  # on the due date, one invoice, no late fee in the contract
            **JANE,
            "subject": "",
            "step": 1,
            "invoices": [NOVEMBER],
            "total_due": Decimal("1200.00"),
            "currency": "EUR",
            "late_fee_percent": None,
            "late_fee": None,
            "payment_instructions": IBAN,
            "reminders_sent": 0,
        },
        {  # on the due date, an older invoice still open too
            **LEA,
            "subject": "",
            "step": 1,
            "invoices": [SMALL, NOVEMBER],
            "total_due": Decimal("1650.50"),
            "currency": "EUR",
            "late_fee_percent": 15.0,
            "late_fee": None,
            "payment_instructions": LINK,
            "reminders_sent": 0,
        },
        {  # a week later, part paid, with the late fee
            **JANE,
            "subject": L("Invoice INV-2026-011", "Facture INV-2026-011"),
            "step": 2,
            "invoices": [NOVEMBER_PART],
            "total_due": Decimal("700.00"),
            "currency": "EUR",
            "late_fee_percent": 15.0,
            "late_fee": Decimal("105.00"),
            "payment_instructions": IBAN,
            "reminders_sent": 1,
        },
        {  # third reminder, two invoices, no payment details on file
            **NOBODY,
            "subject": "",
            "step": 3,
            "invoices": [OCTOBER, NOVEMBER_LATE],
            "total_due": Decimal("2400.00"),
            "currency": "EUR",
            "late_fee_percent": 12.5,
            "late_fee": Decimal("300.00"),
            "payment_instructions": "",
            "reminders_sent": 2,
        },
        {  # second reminder, tu, no late fee
            **LEA,
            "subject": "",
            "step": 2,
            "invoices": [NOVEMBER_LATE],
            "total_due": Decimal("1200.00"),
            "currency": "EUR",
            "late_fee_percent": None,
            "late_fee": None,
            "payment_instructions": LINK,
            "reminders_sent": 1,
        },
    ],
    "payment_pause_notice": [
        {
            **JANE,
            "subject": "",
            "invoices": [OCTOBER],
            "total_due": Decimal("1200.00"),
            "currency": "EUR",
            "oldest_days_overdue": 31,
            "paused_from": date(2026, 11, 2),
            "payment_instructions": IBAN,
        },
        {
            **LEA,
            "subject": "",
            "invoices": [SMALL, NOVEMBER_LATE],
            "total_due": Decimal("1650.50"),
            "currency": "EUR",
            "oldest_days_overdue": 31,
            "paused_from": date(2026, 12, 1),
            "payment_instructions": LINK,
        },
        {
            **NOBODY,
            "subject": "",
            "invoices": [NOVEMBER_PART],
            "total_due": Decimal("700.00"),
            "currency": "EUR",
            "oldest_days_overdue": 15,
            "paused_from": date(2026, 11, 16),
            "payment_instructions": "",
        },
    ],
    "final_notice": [
        {
            **JANE,
            "subject": "",
            "invoices": [OCTOBER, NOVEMBER_LATE],
            "total_due": Decimal("2400.00"),
            "currency": "EUR",
            "reminder_dates": [date(2026, 11, 1), date(2026, 11, 8), date(2026, 11, 15)],
            "late_fee": Decimal("360.00"),
            "notice_days": 8,
            "payment_instructions": IBAN,
            "deadline": date(2026, 11, 27),
        },
        {
            **LEA,
            "subject": "",
            "invoices": [SMALL],
            "total_due": Decimal("450.50"),
            "currency": "EUR",
            "reminder_dates": [date(2026, 10, 15), date(2026, 10, 22)],
            "late_fee": None,
            "notice_days": 8,
            "payment_instructions": LINK,
            "deadline": date(2026, 12, 1),
        },
        {
            **NOBODY,
            "subject": "",
            "invoices": [NOVEMBER_PART],
            "total_due": Decimal("700.00"),
            "currency": "EUR",
            "reminder_dates": [date(2026, 11, 1), date(2026, 11, 8)],
            "late_fee": Decimal("105.00"),
            "notice_days": 8,
            "payment_instructions": "",
            "deadline": date(2026, 11, 24),
        },
    ],
    "resume_notice": [
        {
            **JANE,
            "subject": "",
            "invoices": [OCTOBER],
            "paid_on": date(2026, 11, 5),
            "resume_on": date(2026, 11, 6),
        },
        {
            **LEA,
            "subject": "",
            "invoices": [SMALL, NOVEMBER_LATE],
            "paid_on": date(2026, 11, 30),
            "resume_on": date(2026, 12, 1),
        },
        {
            **NOBODY,
            "subject": "",
            "invoices": [NOVEMBER_PART],
            "paid_on": date(2026, 11, 20),
            "resume_on": date(2026, 11, 23),
        },
    ],
    "confirmation": [
        {  # a new channel, included
            **JANE,
            "subject": L("TikTok", "TikTok"),
            "request_kind": "scope",
            "request": L("post on TikTok", "publier sur TikTok"),
            "sentence": L(
                "Could you also start posting on TikTok from December?",
                "Est-ce que vous pourriez aussi publier sur TikTok à partir de décembre ?",
            ),
            "start_date": date(2026, 12, 1),
            "verdict": "included",
            "addon": None,
            "price": None,
            "per": None,
            "units": None,
            "currency": "EUR",
            "revision_round": None,
            "revisions_allowed": None,
            "call_date": None,
        },
        {  # a new channel, an add-on per month
            **LEA,
            "subject": L("TikTok?", "TikTok ?"),
            "request_kind": "scope",
            "request": L("post on TikTok", "publier sur TikTok"),
            "sentence": L(
                "we'd love to be on tiktok too, can you do it from december?",
                "on aimerait bien être sur tiktok aussi, tu peux t'en occuper dès décembre?",
            ),
            "start_date": date(2026, 12, 1),
            "verdict": "addon",
            "addon": L("extra channel", "réseau supplémentaire"),
            "price": Decimal("150.00"),
            "per": "month",
            "units": None,
            "currency": "EUR",
            "revision_round": None,
            "revisions_allowed": None,
            "call_date": None,
        },
        {  # ads: outside the package, a quote to write
            **NOBODY,
            "subject": L("Ads for the open day", "Publicités pour les portes ouvertes"),
            "request_kind": "scope",
            "request": L("run Facebook ads", "gérer des publicités Facebook"),
            "sentence": L(
                "Can you run some Facebook ads for our open day?",
                "Pouvez-vous lancer des publicités Facebook pour nos portes ouvertes ?",
            ),
            "start_date": None,
            "verdict": "quote",
            "addon": None,
            "price": None,
            "per": None,
            "units": None,
            "currency": "EUR",
            "revision_round": None,
            "revisions_allowed": None,
            "call_date": None,
        },
        {  # extra posts, an add-on per unit
            **JANE,
            "subject": L("Extra posts for Christmas", "Publications en plus pour Noël"),
            "request_kind": "scope",
            "request": L("4 extra posts", "4 publications supplémentaires"),
            "sentence": L(
                "Could we have 4 extra posts in the week before Christmas?",
                "Serait-il possible d'avoir 4 publications de plus la semaine avant Noël ?",
            ),
            "start_date": date(2026, 12, 14),
            "verdict": "addon",
            "addon": L("extra post", "publication supplémentaire"),
            "price": Decimal("40.00"),
            "per": "unit",
            "units": 4,
            "currency": "EUR",
            "revision_round": None,
            "revisions_allowed": None,
            "call_date": None,
        },
        {  # a revision within the allowance
            **JANE,
            "subject": VISUALS,
            "request_kind": "revision",
            "request": L("change the logo", "modifier le logo"),
            "sentence": L(
                "Could you make the logo a bit bigger on the second visual?",
                "Pourriez-vous agrandir un peu le logo sur le deuxième visuel ?",
            ),
            "start_date": None,
            "verdict": "included",
            "addon": None,
            "price": None,
            "per": None,
            "units": None,
            "currency": "EUR",
            "revision_round": 2,
            "revisions_allowed": 2,
            "call_date": None,
        },
        {  # a revision past the allowance, an add-on per round
            **LEA,
            "subject": VISUALS,
            "request_kind": "revision",
            "request": L("correct the text", "corriger le texte"),
            "sentence": L(
                "there's still a typo in the caption, can you fix it",
                "il reste une faute dans la légende, tu peux corriger ?",
            ),
            "start_date": None,
            "verdict": "addon",
            "addon": L("extra revision round", "série de retouches supplémentaire"),
            "price": Decimal("60.00"),
            "per": "round",
            "units": None,
            "currency": "EUR",
            "revision_round": 3,
            "revisions_allowed": 2,
            "call_date": None,
        },
        {  # a revision past the allowance, no price list entry
            **NOBODY,
            "subject": L("Video edit", "Montage vidéo"),
            "request_kind": "revision",
            "request": L("redo the video", "refaire la vidéo"),
            "sentence": L(
                "We would like you to redo the video with the new music.",
                "Nous aimerions que vous refassiez la vidéo avec la nouvelle musique.",
            ),
            "start_date": None,
            "verdict": "quote",
            "addon": None,
            "price": None,
            "per": None,
            "units": None,
            "currency": "EUR",
            "revision_round": 4,
            "revisions_allowed": 3,
            "call_date": None,
        },
        {  # a decision
            **JANE,
            "subject": L("Logo options", "Propositions de logo"),
            "request_kind": "decision",
            "request": L("option B", "l'option B"),
            "sentence": L(
                "Let's go with option B, the blue one.",
                "On part sur l'option B, la bleue.",
            ),
            "start_date": date(2026, 11, 9),
            "verdict": "included",
            "addon": None,
            "price": None,
            "per": None,
            "units": None,
            "currency": "EUR",
            "revision_round": None,
            "revisions_allowed": None,
            "call_date": None,
        },
        {  # agreed on a call, an add-on per month
            **LEA,
            "subject": "",
            "request_kind": "call",
            "request": L("a monthly newsletter", "une newsletter mensuelle"),
            "sentence": L(
                "From January, I will write and send one newsletter a month to your "
                "customer list, on the first Tuesday of the month.",
                "À partir de janvier, je rédige et j'envoie une newsletter par mois à ta "
                "liste de clients, le premier mardi du mois.",
            ),
            "start_date": date(2027, 1, 5),
            "verdict": "addon",
            "addon": L("newsletter", "newsletter"),
            "price": Decimal("200.00"),
            "per": "month",
            "units": None,
            "currency": "EUR",
            "revision_round": None,
            "revisions_allowed": None,
            "call_date": date(2026, 12, 1),
        },
        {  # agreed on a call, the price still to be written
            **JANE,
            "subject": "",
            "request_kind": "call",
            "request": L("a photo shoot", "une séance photo"),
            "sentence": L(
                "I will organise a photo shoot of the new shop in January.",
                "J'organise une séance photo de la nouvelle boutique en janvier.",
            ),
            "start_date": None,
            "verdict": "quote",
            "addon": None,
            "price": None,
            "per": None,
            "units": None,
            "currency": "EUR",
            "revision_round": None,
            "revisions_allowed": None,
            "call_date": None,
        },
    ],
    "scope_note": [
        {
            **JANE,
            "subject": L("TikTok", "TikTok"),
            "request": L("post on TikTok", "publier sur TikTok"),
            "package": {
                "channels": ["Instagram", "Facebook"],
                "posts_per_week": 3,
                "revisions_per_month": 2,
            },
            "addon": L("extra channel", "réseau supplémentaire"),
            "price": Decimal("150.00"),
            "per": "month",
            "currency": "EUR",
        },
        {
            **LEA,
            "subject": VISUALS,
            "request": L("a third revision round", "une troisième série de retouches"),
            "package": {"channels": ["Instagram"], "posts_per_week": 5, "revisions_per_month": 2},
            "addon": L("extra revision round", "série de retouches supplémentaire"),
            "price": Decimal("60.00"),
            "per": "round",
            "currency": "EUR",
        },
        {
            **NOBODY,
            "subject": "",
            "request": L("run Google ads", "gérer des publicités Google"),
            "package": {
                "channels": ["LinkedIn"],
                "posts_per_week": None,
                "revisions_per_month": None,
            },
            "addon": None,
            "price": None,
            "per": None,
            "currency": "EUR",
        },
        {
            **JANE,
            "subject": L("Christmas posts", "Publications de Noël"),
            "request": L("2 extra posts a week", "2 publications de plus par semaine"),
            "package": {
                "channels": ["Instagram", "Facebook", "LinkedIn"],
                "posts_per_week": 1,
                "revisions_per_month": 1,
            },
            "addon": L("extra post", "publication supplémentaire"),
            "price": Decimal("40.00"),
            "per": "unit",
            "currency": "GBP",
        },
    ],
    "holding_reply": [
        {
            **JANE,
            "subject": L("Question about the December posts", "Question sur les posts de décembre"),
            "received_on": datetime(2026, 11, 2, 16, 45, tzinfo=UTC),
            "answer_by": date(2026, 11, 5),
            "primary_email": "jane@acmebakery.com",
            "primary_channel_changed": True,
        },
        {
            **LEA,
            "subject": VISUALS,
            "received_on": datetime(2026, 11, 27, 15, 30, tzinfo=UTC),
            "answer_by": date(2026, 12, 1),
            "primary_email": "lea@studiopixel.fr",
            "primary_channel_changed": False,
        },
        {
            **NOBODY,
            "subject": "",
            "received_on": ASKED_ON,
            "answer_by": date(2026, 11, 4),
            "primary_email": "contact@garage-martin.fr",
            "primary_channel_changed": True,
        },
    ],
    "delay": [
        {
            **JANE,
            "subject": CALENDAR,
            "what": L("the December content calendar", "le calendrier de décembre"),
            "new_date": date(2026, 11, 12),
            "reason": L(
                "the photos from the shoot arrived later than planned",
                "les photos de la séance sont arrivées plus tard que prévu",
            ),
        },
        {
            **LEA,
            "subject": "",
            "what": L("the monthly report", "le rapport mensuel"),
            "new_date": date(2026, 12, 1),
            "reason": "",
        },
        {
            **NOBODY,
            "subject": L("New website launch", "Lancement du nouveau site"),
            "what": L("the launch video", "la vidéo de lancement"),
            "new_date": date(2026, 11, 20),
            "reason": L(
                "The music licence is still being cleared.",
                "La licence de la musique est en cours de validation.",
            ),
        },
    ],
}

KINDS = tuple(SAMPLES)


def check_templates(renderer: Any, timezone: str = "Europe/Paris") -> list[Problem]:
    """Every kind, in every language, filled in with every sample: what fails.

    One problem per file and error (the first sample that fails), so a broken file is
    one line in `check-config`, not twenty; its key names the drafts it breaks
    ("follow_up/en, pause_notice/en").
    """
    from mailwatch.drafts.render import TemplateProblem

    # (file, what went wrong) -> the kinds it breaks: a broken _greeting.txt.j2 is one
    # problem that names every kind it breaks, not one problem per kind.
    found: dict[tuple[str, str], list[str]] = {}
    for kind, samples in SAMPLES.items():
        for language in LANGUAGES:
            for sample in samples:
                try:
                    renderer.render(
                        language, kind, in_language(sample, language), timezone=timezone
                    )
                except TemplateProblem as exc:
                    file = exc.file or str(renderer.template_path(language, kind))
                    found.setdefault((file, exc.detail), []).append(f"{kind}/{language}")
                    break  # one problem per template is enough
    return [
        Problem(file, _which(kinds), what, _fix(renderer, Path(file)))
        for (file, what), kinds in found.items()
    ]


def _which(kinds: list[str]) -> str:
    """ "follow_up/en, delay/en", or "every en draft" when a partial breaks them all."""
    languages = {k.split("/")[1] for k in kinds}
    if len(languages) == 1 and len(kinds) == len(SAMPLES):
        return f"every {languages.pop()} draft"
    return ", ".join(kinds)


def _fix(renderer: Any, file: Path) -> str:
    user_dir = getattr(renderer, "user_dir", None)
    if user_dir is not None and file.is_relative_to(user_dir):
        return (
            "fix it, or delete it to use the built-in one; the built-in file of the same"
            " name lists the variables it can use"
        )
    return "a built-in template is broken: reinstall mailwatch, or report it"
