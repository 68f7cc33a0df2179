"""Whether a command may act (judge), the confirmation mail, and the mailto links."""

from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from mailwatch.core.model import APPROVED, FAILED, PENDING, REJECTED, SENDING, SENT, WITHDRAWN
from mailwatch.digest.codes import CodeVerdict, IssuedCode, make_code
from mailwatch.digest.commands import Command, IgnoredLine, parse_reply
from mailwatch.digest.links import mailto
from mailwatch.digest.verify import (
    ALLOWED_FROM,
    Outcome,
    confirmation_subject,
    confirmation_text,
    judge,
)

SECRET = b"s" * 32
CODE = make_code(SECRET, "dg-1", "d-1", 2)
ISSUED = IssuedCode("dg-1", "d-1", 2, datetime(2025, 12, 1, 7, tzinfo=UTC))
OK = CodeVerdict("ok", CODE, ISSUED, datetime(2025, 12, 4, 7, tzinfo=UTC))
APPROVE = Command("approve", CODE, line=f"approve {CODE}")
REJECT = Command("reject", CODE, note="too early", line=f"reject {CODE} too early")
EDIT = Command("edit", CODE, body="New text.\n", line=f"edit {CODE}")


def decide(command=APPROVE, **facts):
    base = {
        "from_owner": True,
        "found_in_sent": False,
        "replies_to_digest": True,
        "via_subject": False,
        "code": OK,
        "draft_status": PENDING,
        "draft_version": 2,
    }
    return judge(command, **{**base, **facts})


def test_accepted():
    verdict = decide()
    assert verdict.accepted and verdict.refusal is None and verdict.reason == ""
    assert (verdict.draft_id, verdict.version) == ("d-1", 2)


def test_found_in_sent_counts_as_from_the_owner():
    assert decide(from_owner=False, found_in_sent=True).accepted


def test_a_mailto_email_need_not_be_a_reply():
    assert decide(replies_to_digest=False, via_subject=True).accepted


@pytest.mark.parametrize(
    ("facts", "refusal", "words"),
    [
        ({"from_owner": False}, "not_from_owner", "not from you"),
        ({"replies_to_digest": False}, "not_a_reply", "not a reply to a mailwatch digest"),
        ({"code": CodeVerdict("unknown", CODE)}, "unknown_code", "unknown code"),
        ({"code": CodeVerdict("unknown")}, "unknown_code", "unknown code"),
        ({"code": CodeVerdict("tampered", CODE, ISSUED)}, "tampered", "does not match"),
        ({"code": CodeVerdict("used", CODE, ISSUED)}, "used", "already handled"),
        ({"code": CodeVerdict("expired", CODE, ISSUED)}, "expired", "expired"),
        ({"draft_status": None, "draft_version": None}, "no_draft", "no longer exists"),
        ({"draft_version": 3}, "changed", "changed after this digest"),
        ({"draft_status": SENT}, "state", "already sent"),
        ({"draft_status": SENDING}, "state", "being sent right now"),
        ({"draft_status": REJECTED}, "state", "already rejected"),
        ({"draft_status": WITHDRAWN}, "state", "withdrew"),
        ({"draft_status": APPROVED}, "state", "already approved"),
        ({"needs_edit": True}, "needs_edit", "needs your edit"),
    ],
)
def test_refusals(facts, refusal, words):
    verdict = decide(**facts)
    assert not verdict.accepted
    assert verdict.refusal == refusal
    assert words in verdict.reason


def test_the_sender_is_checked_before_anything_else():
    verdict = decide(from_owner=False, replies_to_digest=False, code=CodeVerdict("unknown"))
    assert verdict.refusal == "not_from_owner"


def test_a_code_for_version_1_does_not_approve_version_2():
    """The owner edited the draft (from the CLI) after the digest went out."""
    verdict = decide(draft_version=3)
    assert verdict.refusal == "changed" and verdict.version == 2


def test_a_code_bound_to_a_fingerprint_refuses_other_content():
    issued = IssuedCode("dg-1", "d-1", 2, ISSUED.issued_at, "0a1b2c3d4e5f")
    code = make_code(SECRET, "dg-1", "d-1", 2, "0a1b2c3d4e5f")
    verdict = CodeVerdict("ok", code, issued)
    command = Command("approve", code, line=f"approve {code}")
    assert decide(command, code=verdict, draft_fingerprint="0A1B2C3D4E5F").accepted
    assert decide(command, code=verdict).accepted  # the caller did not say: version only
    refused = decide(command, code=verdict, draft_fingerprint="ffffffffffff")
    assert refused.refusal == "changed"


def test_reject_and_edit_of_an_approved_draft_are_allowed():
    assert decide(REJECT, draft_status=APPROVED).accepted
    assert decide(EDIT, draft_status=APPROVED).accepted
    assert decide(EDIT, draft_status=FAILED).accepted
    assert decide(APPROVE, draft_status=FAILED).accepted  # to send it again
    assert decide(EDIT, needs_edit=True).accepted  # the edit is what it needs
    assert decide(REJECT, needs_edit=True).accepted
    assert decide(REJECT, draft_status=SENDING).accepted  # a send in doubt is cancelled
    assert not decide(EDIT, draft_status=SENDING).accepted


def test_the_table_matches_the_draft_lifecycle():
    from mailwatch.drafts.lifecycle import DraftEvent, sources

    for verb, allowed in ALLOWED_FROM.items():
        assert allowed == sources(DraftEvent(verb)), verb


def test_a_verdict_for_another_code_is_a_bug():
    other = CodeVerdict("ok", make_code(SECRET, "dg-1", "d-2", 1), ISSUED)
    with pytest.raises(ValueError):
        decide(code=other)


# ------------------------------------------------------------------------- confirmation


def outcomes():
    a, b, c, d = (make_code(SECRET, "dg-1", f"d-{n}", 1) for n in range(4))
    issued = {
        code: IssuedCode("dg-1", f"d-{n}", 1, ISSUED.issued_at)
        for n, code in enumerate((a, b, c, d))
    }

    def ok(command):
        return decide(
            command, code=CodeVerdict("ok", command.code, issued[command.code]), draft_version=1
        )

    return [
        Outcome(
            ok(Command("approve", a, line=f"approve {a}")),
            "Acme Bakery, Follow-up 2",
            "Mon 1 Dec, from 09:00",
        ),
        Outcome(
            ok(Command("edit", b, body="x\n", line=f"edit {b}")),
            "Lumen Studio, Scope confirmation",
            "as soon as possible",
        ),
        Outcome(
            ok(Command("reject", c, note="not now", line=f"reject {c} not now")),
            "Boulangerie Martin, Payment reminder 1",
        ),
        Outcome(
            decide(
                Command("approve", d, line=f"approve {d}"), code=CodeVerdict("used", d, issued[d])
            )
        ),
    ]


def test_confirmation_text():
    results = outcomes()
    ignored = [IgnoredLine("approve all", "“all” is not a draft code")]
    text = confirmation_text(results, ignored, owner_name="Sam")
    a, b, c, d = (o.verdict.command.code for o in results)
    assert text == (
        "Hello Sam,\n\nHere is what mailwatch did with your reply.\n\n"
        "Approved:\n"
        f"- Acme Bakery, Follow-up 2 (draft d-0, code {a})\n"
        "  Goes out: Mon 1 Dec, from 09:00.\n\n"
        "Rewritten with your text, and approved:\n"
        f"- Lumen Studio, Scope confirmation (draft d-1, code {b})\n"
        "  Goes out: as soon as possible.\n\n"
        "Rejected:\n"
        f"- Boulangerie Martin, Payment reminder 1 (draft d-2, code {c})\n"
        "  Your reason: “not now”.\n\n"
        "Not done:\n"
        f"- “approve {d}”: already handled: this code was used before.\n"
        "- “approve all”: “all” is not a draft code.\n\n"
        "Changed your mind? Until a draft goes out, `mailwatch queue reject ID` stops it.\n"
    )
    assert confirmation_subject(results, ignored) == (
        "mailwatch: 1 approved, 1 rewritten, 1 rejected, 2 not done"
    )
    # The confirmation quotes the owner's lines, but none of them reads as a command.
    parsed = parse_reply(text)
    assert parsed.commands == [] and parsed.ignored == []


def test_confirmation_of_a_reply_without_commands():
    text = confirmation_text([], [])
    assert "found no command in your reply" in text
    assert confirmation_subject([]) == "mailwatch: no command found in your reply"
    assert parse_reply(text).commands == [] and parse_reply(text).ignored == []


def test_confirmation_of_refusals_only():
    text = confirmation_text([outcomes()[3]])
    assert "Approved" not in text and "Changed your mind" not in text
    assert "Not done:" in text


# ------------------------------------------------------------------------------ mailto


def test_mailto_encodes_spaces_as_percent_20():
    link = mailto("sam@rivera-social.example", "approve K7M2QX9P")
    assert link == "mailto:sam@rivera-social.example?subject=approve%20K7M2QX9P"


def test_mailto_body_and_special_characters():
    link = mailto("sam+mw@x.example", "reject A&B? 1+1=2 #x", "Line one\nLigne deux : é")
    assert link.startswith("mailto:sam+mw@x.example?subject=")
    subject = link.split("subject=", 1)[1].split("&", 1)[0]
    assert unquote(subject) == "reject A&B? 1+1=2 #x"
    assert "+" not in subject and " " not in subject  # a "+" would stay a plus in mail apps
    body = link.split("&body=", 1)[1]
    assert "%0D%0A" in body
    assert unquote(body) == "Line one\r\nLigne deux : é"


@pytest.mark.parametrize("bad", ["", "a@x.example, b@x.example", "a@x.example\r\nBcc: c@x.example"])
def test_mailto_takes_one_address(bad):
    with pytest.raises(ValueError):
        mailto(bad, "approve K7M2QX9P")
