"""Approval codes: bound to one digest, one draft and one version; short-lived; once."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailwatch.digest.codes import (
    ALPHABET,
    IssuedCode,
    check_code,
    codes_equal,
    make_code,
    new_secret,
    normalise_code,
)

SECRET = bytes(range(32))
ISSUED_AT = datetime(2025, 12, 1, 7, 0, tzinfo=UTC)


def issue(draft_id="d-1", version=1, digest_id="dg-1", secret=SECRET, at=ISSUED_AT):
    code = make_code(secret, digest_id, draft_id, version)
    return code, {code: IssuedCode(digest_id, draft_id, version, at)}


def check(code, issued, used=(), *, hours_later=1.0, code_hours=72, secret=SECRET):
    return check_code(
        code,
        issued,
        set(used),
        now=ISSUED_AT + timedelta(hours=hours_later),
        code_hours=code_hours,
        secret=secret,
    )


def test_a_code_is_8_unambiguous_characters_and_stable():
    code = make_code(SECRET, "dg-1", "d-1", 1)
    assert len(code) == 8 and set(code) <= set(ALPHABET)
    assert not set(code) & set("ILOU")
    assert make_code(SECRET, "dg-1", "d-1", 1) == code  # the same inputs, the same code


def test_a_code_depends_on_digest_draft_version_and_secret():
    base = make_code(SECRET, "dg-1", "d-1", 1)
    assert make_code(SECRET, "dg-2", "d-1", 1) != base
    assert make_code(SECRET, "dg-1", "d-2", 1) != base
    assert make_code(SECRET, "dg-1", "d-1", 2) != base
    assert make_code(new_secret(), "dg-1", "d-1", 1) != base
    # Field boundaries matter: ("dg-1", "1d") is not ("dg-11", "d").
    assert make_code(SECRET, "a", "bc", 1) != make_code(SECRET, "ab", "c", 1)


def test_codes_do_not_collide_in_practice():
    codes = {make_code(SECRET, "dg-1", f"d-{n}", 1) for n in range(5000)}
    assert len(codes) == 5000


def test_new_secret_is_32_random_bytes():
    first, second = new_secret(), new_secret()
    assert len(first) == 32 and first != second


def test_an_empty_secret_is_refused():
    with pytest.raises(ValueError):
        make_code(b"", "dg-1", "d-1", 1)


def test_ok_within_the_validity():
    code, issued = issue()
    verdict = check(code, issued, hours_later=71.9)
    assert verdict.ok and verdict.status == "ok"
    assert verdict.issued == issued[code]
    assert verdict.expires_at == ISSUED_AT + timedelta(hours=72)


def test_expired_at_code_hours():
    code, issued = issue()
    assert check(code, issued, hours_later=72).status == "expired"
    assert check(code, issued, hours_later=200).status == "expired"
    assert check(code, issued, hours_later=23, code_hours=24).ok
    assert check(code, issued, hours_later=25, code_hours=24).status == "expired"


def test_a_used_code_never_acts_again():
    code, issued = issue()
    assert check(code, issued, used={code}).status == "used"
    # Used is said first, even when it has also expired since: it says more.
    assert check(code, issued, used={code}, hours_later=100).status == "used"


def test_unknown_codes():
    _code, issued = issue()
    other = make_code(SECRET, "dg-1", "d-9", 1)
    assert check(other, issued).status == "unknown"
    assert check(other, issued).code == other
    assert check("hello", issued).status == "unknown"
    assert check("hello", issued).code is None
    assert check("nonsense", issued).code == "N0NSENSE"  # the shape of a code, unknown
    assert check("", issued).status == "unknown"


def test_a_record_pointed_at_another_draft_is_caught():
    """Someone edits the state so that a code issued for d-1 approves d-2."""
    code, _issued = issue(draft_id="d-1")
    forged = {code: IssuedCode("dg-1", "d-2", 1, ISSUED_AT)}
    assert check(code, forged).status == "tampered"


def test_a_record_pointed_at_another_version_is_caught():
    code, _ = issue(version=1)
    forged = {code: IssuedCode("dg-1", "d-1", 2, ISSUED_AT)}
    assert check(code, forged).status == "tampered"


def test_a_record_moved_to_another_digest_is_caught():
    code, _ = issue(digest_id="dg-1")
    forged = {code: IssuedCode("dg-2", "d-1", 1, ISSUED_AT)}
    assert check(code, forged).status == "tampered"


def test_another_secret_makes_every_code_tampered():
    code, issued = issue()
    assert check(code, issued, secret=b"another secret of 32 bytes......").status == "tampered"


def test_a_code_for_version_1_does_not_stand_for_version_2():
    code_v1, issued = issue(version=1)
    code_v2 = make_code(SECRET, "dg-1", "d-1", 2)
    assert code_v1 != code_v2
    verdict = check(code_v1, issued)
    assert verdict.ok and verdict.issued.version == 1  # judge() compares with the draft


def test_a_newer_digest_does_not_invalidate_an_older_code():
    old, issued_old = issue(digest_id="dg-1")
    new, issued_new = issue(digest_id="dg-2", at=ISSUED_AT + timedelta(hours=24))
    issued = {**issued_old, **issued_new}
    assert old != new
    assert check(old, issued, hours_later=30).ok
    assert check(new, issued, hours_later=30).ok


def test_a_code_can_bind_the_content_fingerprint_too():
    plain = make_code(SECRET, "dg-1", "d-1", 1)
    bound = make_code(SECRET, "dg-1", "d-1", 1, "0a1b2c3d4e5f")
    assert bound != plain != make_code(SECRET, "dg-1", "d-1", 1, "ffffffffffff")
    record = IssuedCode("dg-1", "d-1", 1, ISSUED_AT, "0a1b2c3d4e5f")
    assert check(bound, {bound: record}).ok
    # A record whose fingerprint was changed no longer matches its code.
    forged = IssuedCode("dg-1", "d-1", 1, ISSUED_AT, "ffffffffffff")
    assert check(bound, {bound: forged}).status == "tampered"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7M2QX9P", "K7M2QX9P"),
        ("k7m2qx9p", "K7M2QX9P"),
        ("K7M2 QX9P", "K7M2QX9P"),
        ("k7m2-qx9p", "K7M2QX9P"),
        (" K7M2\u00a0QX9P ", "K7M2QX9P"),
        ("K7M2–QX9P", "K7M2QX9P"),  # a phone's en dash
        ("O0I1L1AB", "001111AB"),  # O read as 0, I and L as 1
        ("oo11ilab", "001111AB"),
        ("K7M2QX9", None),  # 7 characters
        ("K7M2QX9PP", None),  # 9
        ("K7M2QX9U", None),  # U is not in the alphabet
        ("K7M2QX9!", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_code(typed, expected):
    assert normalise_code(typed) == expected


def test_a_code_typed_loosely_still_checks():
    code, issued = issue()
    loose = (code[:4] + "-" + code[4:]).lower()
    assert check(loose, issued).ok
    assert check(loose, issued).code == code


def test_codes_equal():
    code = make_code(SECRET, "dg-1", "d-1", 1)
    assert codes_equal(code, code.lower())
    assert not codes_equal(code, make_code(SECRET, "dg-1", "d-2", 1))
    assert not codes_equal(code, "nonsense")


@given(
    secret=st.binary(min_size=1, max_size=64),
    digest_id=st.text(max_size=30),
    draft_id=st.text(max_size=30),
    version=st.integers(min_value=1, max_value=10_000),
)
def test_every_code_normalises_to_itself(secret, digest_id, draft_id, version):
    code = make_code(secret, digest_id, draft_id, version)
    assert normalise_code(code) == code
    assert normalise_code(" " + code[:4].lower() + " - " + code[4:] + " ") == code
