"""The attention list: everything that needs the owner and is not a draft.

One model, several sources, gathered here for `status`, `mailwatch attention` and
the digest:

- what the rules raised (stored per client by evaluate, cleared when no longer
  raised): a client waiting on the owner, an invoice not sent, abusive mail...;
- what evaluate could not do (a rule that failed, a draft whose template failed);
- mail set aside by sync (the quarantine), with the reason;
- drafts that failed to send;
- the service's own health: last sync too old, last error.

Each item: kind, client (or None), since, text (a sentence for the owner), evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from mailwatch.core.model import FAILED
from mailwatch.store.records import Draft

# A running service syncs every few minutes; this long without a sync is a problem.
SYNC_TOO_OLD = timedelta(minutes=30)
# A service error older than this, with syncs since, is history rather than news.
ERROR_FRESH = timedelta(hours=24)

# Most urgent first: what the owner must act on before anything else.
ORDER = (
    "abusive_mail",
    "owner_overdue",
    "service",
    "draft_failed",
    "send_failed",
    "rule_failed",
    "probable_payment",
    "payment_claimed",
    "invoice_not_sent",
    "report_due",
    "new_address",
    "text_unreadable",
    "message_set_aside",
)


def _item(
    kind: str, client: str | None, since: str | None, text: str, evidence: Mapping[str, Any]
) -> dict[str, Any]:
    return {"kind": kind, "client": client, "since": since, "text": text, "evidence": evidence}


def _rank(item: Mapping[str, Any]) -> tuple[int, str]:
    kind = item.get("kind", "")
    position = ORDER.index(kind) if kind in ORDER else len(ORDER)
    return position, str(item.get("since") or "")


def collect(
    stored: Sequence[Mapping[str, Any]],
    quarantined: Sequence[Mapping[str, Any]],
    drafts: Sequence[Draft],
    health: Mapping[str, Any],
    now: datetime,
) -> list[dict[str, Any]]:
    items = [
        _item(d["kind"], d.get("client"), d.get("since"), d.get("text", ""), d.get("evidence", {}))
        for d in stored
    ]
    for entry in quarantined:
        items.append(
            _item(
                "message_set_aside",
                None,
                entry.get("at"),
                f"A message in {entry.get('folder')} (UID {entry.get('uid')}) could not be "
                f"read and was set aside: {entry.get('reason')}. Nothing was lost; it is "
                "still in your mailbox.",
                {"key": entry.get("key"), "header_excerpt": entry.get("header_excerpt", "")},
            )
        )
    for draft in drafts:
        if draft.status == FAILED:
            items.append(
                _item(
                    "send_failed",
                    draft.client,
                    draft.updated_at.isoformat(),
                    f"Draft #{draft.id} ({draft.subject!r}) could not be sent: "
                    f"{draft.error or 'see its history'}. Approve it again to retry, "
                    "or reject it.",
                    {"draft": draft.id},
                )
            )
    items.extend(_health_items(health, now))
    return sorted(items, key=_rank)


def _health_items(health: Mapping[str, Any], now: datetime) -> list[dict[str, Any]]:
    if not health.get("running"):
        return []
    out = []
    last_sync = health.get("last_sync_at")
    started = health.get("started_at")
    reference = last_sync or started
    if reference and now - datetime.fromisoformat(reference) > SYNC_TOO_OLD:
        out.append(
            _item(
                "service",
                None,
                reference,
                "The service has not read your mailbox since "
                f"{reference[:16].replace('T', ' ')} UTC"
                + (f" (last problem: {health['imap']})." if health.get("imap") else "."),
                {"last_sync_at": last_sync},
            )
        )
    error = health.get("last_error")
    if error and now - datetime.fromisoformat(error["at"]) < ERROR_FRESH:
        synced_after = last_sync and last_sync > error["at"]
        if not synced_after or error.get("where") not in ("imap", "sync"):
            out.append(
                _item(
                    "service",
                    None,
                    error["at"],
                    f"The service reported a problem ({error['where']}): {error['message']}",
                    dict(error),
                )
            )
    return out
