"""The draft lifecycle table, and the typed Draft's one JSON form."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from mailwatch.core.model import APPROVED, FAILED, PENDING, REJECTED, SENDING, SENT, WITHDRAWN
from mailwatch.drafts.lifecycle import (
    TRANSITIONS,
    DraftEvent,
    allowed,
    sources,
    transition,
)
from mailwatch.errors import DraftStateError
from mailwatch.store.records import Attempt, Draft, HistoryEntry

NOW = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
STATUSES = (PENDING, APPROVED, SENDING, SENT, REJECTED, WITHDRAWN, FAILED)


def draft(status: str = PENDING, **values) -> Draft:
    made = Draft(
        id="k3x9qa",
        client="acme",
        kind="follow_up",
        status=PENDING,
        anchor="<ask1@studio.test>",
        to=("jane@acme.test",),
        subject="Re: Logo",
        body="Hi Jane,\n",
        created_at=NOW - timedelta(days=1),
        updated_at=NOW - timedelta(days=1),
        step=1,
        history=(HistoryEntry(NOW - timedelta(days=1), "drafted", "mailwatch", 1, "why"),),
    )
    return dataclasses.replace(made, status=status, **values)


def test_only_the_owner_moves_a_draft_out_of_pending_towards_sending():
    leaving_pending = {e for (s, e) in TRANSITIONS if s == PENDING}
    assert leaving_pending == {
        DraftEvent.APPROVE,
        DraftEvent.REJECT,
        DraftEvent.EDIT,
        DraftEvent.WITHDRAW,
    }
    assert TRANSITIONS[(PENDING, DraftEvent.APPROVE)] == APPROVED
    # Nothing reaches "sending" except from "approved".
    assert {s for (s, e), to in TRANSITIONS.items() if to == SENDING} == {APPROVED}


def test_a_sent_draft_never_changes_again():
    assert not [e for (s, e) in TRANSITIONS if s == SENT]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("event", list(DraftEvent))
def test_every_pair_is_either_in_the_table_or_refused(status, event):
    before = draft(status)
    if allowed(status, event):
        after = transition(before, event, at=NOW, by="owner")
        assert after.status == TRANSITIONS[(status, event)]
        assert after.updated_at == NOW
        assert after.history[-1].by == "owner" and after.history[:-1] == before.history
    else:
        with pytest.raises(DraftStateError, match=f"is {status}; it cannot be"):
            transition(before, event, at=NOW)


def test_the_sources_the_owner_sees():
    assert sources(DraftEvent.APPROVE) == {PENDING, FAILED}
    assert sources(DraftEvent.REJECT) == {PENDING, APPROVED, FAILED, SENDING}
    assert sources(DraftEvent.EDIT) == {PENDING, APPROVED, FAILED}
    assert sources(DraftEvent.SENT) == {SENDING, REJECTED, WITHDRAWN}


def test_a_transition_sets_values_and_can_leave_no_history():
    after = transition(
        draft(APPROVED), DraftEvent.PREPARE, at=NOW, history=False, message_id="<x@y>"
    )
    assert after.status == SENDING and after.message_id == "<x@y>"
    assert len(after.history) == 1


def test_status_changes_only_through_the_table():
    with pytest.raises(ValueError):
        draft().changed(status=SENT)
    with pytest.raises(ValueError):
        transition(draft(), DraftEvent.APPROVE, at=NOW, status=SENT)


def test_draft_json_round_trip_keeps_everything():
    full = draft(
        SENDING,
        raw=b"From: me\r\n\r\nbody\xe9",
        message_id="<m@studio.test>",
        stage="data",
        stage_at=NOW,
        attempts=(Attempt(NOW, "451 later"),),
        refused={"x@y": "550"},
        retry_at=NOW + timedelta(minutes=5),
        meta={"invoice": "2026-014"},
    )
    doc = full.to_json()
    assert doc["stage_at"] == NOW.isoformat() and isinstance(doc["raw"], str)
    assert Draft.from_json(doc) == full


def test_unknown_keys_of_an_older_or_newer_draft_are_kept_in_meta():
    doc = draft().to_json()
    doc["snoozed_until"] = "2026-12-01"
    back = Draft.from_json(doc)
    assert back.meta["snoozed_until"] == "2026-12-01"
    assert Draft.from_json(back.to_json()).meta == back.meta
