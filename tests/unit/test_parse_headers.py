"""parse_headers: the DESIGN.md parsing pitfalls, one test each, plus fuzzing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailwatch.parse import (
    HEADER_FIELDS,
    ParsedHeaders,
    ParseError,
    parse_headers,
    select_header_fields,
    split_message,
)
from mailwatch.parse.headers import MAX_REFERENCES

BASE = {
    "From": "Jean Dupont <jean@client.test>",
    "To": "me@freelance.test",
    "Subject": "Logo",
    "Date": "Mon, 3 Mar 2025 10:00:00 +0100",
    "Message-ID": "<m1@client.test>",
}


def block(*lines: str, **overrides: str | None) -> bytes:
    """A fetched HEADER.FIELDS block: BASE fields (None drops one), extra raw lines."""
    fields = {**BASE, **{k.replace("_", "-"): v for k, v in overrides.items()}}
    out = [f"{name}: {value}" for name, value in fields.items() if value is not None]
    return ("\r\n".join([*out, *lines]) + "\r\n\r\n").encode()


def parse(*lines: str, **overrides: str | None) -> ParsedHeaders:
    return parse_headers(block(*lines, **overrides))


# --------------------------------------------------------------------------- basics


def test_typical_reply_is_read_into_typed_facts():
    h = parse(
        'Cc: "Martin, Anne" <Anne.Martin@Client.test>, bob@client.test',
        "Reply-To: Sales <sales@client.test>",
        "In-Reply-To: <q1@freelance.test>",
        "References: <root@freelance.test> <q1@freelance.test>",
        From='"Dupont, Jean" <Jean.Dupont@Client.TEST>',
        Subject="=?utf-8?q?R=C3=A9ponse?= au\r\n sujet  du logo",
    )
    assert h.from_addr == "jean.dupont@client.test"
    assert h.from_name == "Dupont, Jean"
    assert h.to_addrs == ("me@freelance.test",)
    assert h.cc_addrs == ("anne.martin@client.test", "bob@client.test")
    assert h.reply_to == ("sales@client.test",)
    assert h.subject == "Réponse au sujet du logo"
    assert h.date == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert h.message_id == "<m1@client.test>"
    assert h.in_reply_to == "<q1@freelance.test>"
    assert h.references == ("<root@freelance.test>", "<q1@freelance.test>")
    assert h.not_contact is None
    assert h.defects == ()


def test_parsed_headers_is_frozen():
    h = parse()
    with pytest.raises(AttributeError):
        h.subject = "x"  # type: ignore[misc]


def test_empty_block_gives_defaults_not_an_error():
    h = parse_headers(b"\r\n")
    assert h.from_addr is None and h.message_id is None and h.date is None
    assert h.subject == "" and h.content_type == "text/plain"
    assert "no From header" in h.defects


def test_a_whole_message_is_accepted_and_parsing_stops_at_the_body():
    h = parse_headers(block() + b"From: someone@else.test\r\n")
    assert h.from_addr == "jean@client.test"


def test_lf_only_line_ends():
    assert parse_headers(block().replace(b"\r\n", b"\n")).subject == "Logo"


# --------------------------------------------------------------------------- ParseError


def test_bytes_that_are_not_a_header_block_raise_parse_error_with_a_reason():
    with pytest.raises(ParseError) as info:
        parse_headers(b"this is not a header\r\nat all\r\n")
    assert "not a header block" in info.value.reason


def test_from_header_without_any_address_raises_parse_error():
    with pytest.raises(ParseError) as info:
        parse(From="Just A Name")
    assert info.value.reason.startswith("the From header cannot be read")


def test_empty_from_header_raises_parse_error():
    with pytest.raises(ParseError, match="From header"):
        parse(From="")


def test_from_without_angle_brackets_is_recovered_with_a_defect():
    h = parse(From="Big Bug bb@bug.com")
    assert h.from_addr == "bb@bug.com"
    assert any("recovered" in d for d in h.defects)


def test_bare_mailer_daemon_from_is_kept_for_bounce_detection():
    h = parse(From="MAILER-DAEMON", Subject="Undelivered Mail")
    assert h.from_addr == "mailer-daemon"
    assert h.not_contact == "bounce"


def test_junk_lines_among_fields_are_skipped_and_noted():
    h = parse_headers(b"From jamis@x.test Mon May  2 16:07:05 2005\r\n" + block())
    assert h.from_addr == "jean@client.test"
    assert any("not header fields" in d for d in h.defects)


# --------------------------------------------------------------------------- charsets


def test_unknown_charset_in_subject_is_a_defect_not_an_error():
    h = parse(Subject="=?x-unknown-42?B?VEVTVA==?=")
    assert h.subject == "TEST"
    assert any("unknown charset" in d for d in h.defects)


def test_broken_base64_encoded_word_is_tolerated():
    assert parse(Subject="=?NONE?B?VEVTVA=?=").subject == "TEST"


def test_encoded_words_split_inside_a_utf8_character_are_joined():
    # "é" is C3 A9: an encoder split it across two adjacent words.
    h = parse(Subject="=?utf-8?q?caf=C3?= =?utf-8?q?=A9?= ok")
    assert h.subject == "café ok"


def test_encoded_display_name_is_decoded_after_address_parsing():
    h = parse(From="=?utf-8?B?0JrQsNGD0LrQuNC9?= <k@yandex.test>")
    assert (h.from_addr, h.from_name) == ("k@yandex.test", "Каукин")


def test_raw_utf8_headers_rfc6532():
    raw = 'From: "Jöhn Doe" <jdöe@mächine.example>\r\nSubject: Säying\r\n\r\n'.encode()
    h = parse_headers(raw)
    assert (h.from_addr, h.from_name, h.subject) == ("jdöe@mächine.example", "Jöhn Doe", "Säying")


def test_raw_latin1_subject_is_read_and_noted():
    raw = b"From: a@b.test\r\nSubject: Caf\xe9\r\n\r\n"
    h = parse_headers(raw)
    assert h.subject == "Café"
    assert any("not UTF-8" in d for d in h.defects)


# --------------------------------------------------------------------------- dates


def test_bad_date_gives_none_and_a_defect():
    h = parse(Date="Pn, 29 paX 2007 21:13:00 +0100")
    assert h.date is None
    assert any("Date" in d for d in h.defects)


def test_missing_date_gives_none():
    assert parse(Date=None).date is None


def test_minus_0000_zone_gives_aware_utc():
    h = parse(Date="Mon, 3 Mar 2025 10:00:00 -0000")
    assert h.date == datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    assert h.date.tzinfo is not None and h.date.utcoffset().total_seconds() == 0


def test_obsolete_zone_names_and_comments_are_normalised_to_utc():
    h = parse(Date="Tue, 1 Jul 2003 10:52:37 EST")
    assert h.date == datetime(2003, 7, 1, 15, 52, 37, tzinfo=UTC)
    assert parse(Date="Wed, 2 Dec 2009 22:39:33 +1300 (NZDT)").date == datetime(
        2009, 12, 2, 9, 39, 33, tzinfo=UTC
    )


def test_unknown_zone_is_read_as_utc_with_a_defect():
    h = parse(Date="Tue, 12 Oct 2010 16:21:05 H0500")
    assert h.date == datetime(2010, 10, 12, 16, 21, 5, tzinfo=UTC)
    assert any("time zone" in d for d in h.defects)


def test_far_future_date_is_rejected_so_internaldate_wins():
    assert parse(Date="Mon, 30 Jun 3609 15:33:50 +0600").date is None


def test_fast_and_stdlib_date_paths_agree():
    from email.utils import parsedate_to_datetime

    for value in (
        "Mon, 3 Mar 2025 10:00:00 +0100",
        "3 Mar 2025 23:59 -0930",
        "Sat, 29 Feb 2020 00:00:01 +1400",
        "Thu, 13 Feb 1969 23:32:54 -0330",
    ):
        assert parse(Date=value).date == parsedate_to_datetime(value).astimezone(UTC)


# --------------------------------------------------------------------------- Message-ID


def test_missing_message_id_is_none():
    assert parse(Message_ID=None).message_id is None


def test_empty_message_id_is_none():
    assert parse(Message_ID="  ").message_id is None
    assert parse(Message_ID="<>").message_id is None


def test_message_id_is_normalised():
    assert parse(Message_ID="  < abc@x.test >  ").message_id == "<abc@x.test>"
    assert parse(Message_ID="abc@x.test").message_id == "<abc@x.test>"


def test_duplicated_message_id_field_keeps_the_first_and_notes_it():
    h = parse("Message-ID: <m2@client.test>")
    assert h.message_id == "<m1@client.test>"
    assert any("message-id appears 2 times" in d for d in h.defects)


def test_two_messages_may_share_a_message_id():
    # Identity is (folder, UIDVALIDITY, UID): parsing must not care about duplicates.
    assert parse().message_id == parse(Subject="Other").message_id


def test_outlook_original_message_id_is_kept_as_an_alias():
    h = parse(
        "X-Microsoft-Original-Message-ID: <orig@client.test>",
        Message_ID="<DM6PR01MB1@namprd01.prod.outlook.com>",
    )
    assert h.alias_ids == ("<orig@client.test>",)


# --------------------------------------------------------------------------- threading


def test_references_keep_order_and_drop_duplicates():
    h = parse("References: <a@x> <b@x>\r\n\t<c@x> <b@x>")
    assert h.references == ("<a@x>", "<b@x>", "<c@x>")


def test_long_references_keep_the_root_and_the_last_19():
    ids = [f"<r{i}@x>" for i in range(50)]
    h = parse("References: " + " ".join(ids))
    assert len(h.references) == MAX_REFERENCES == 20
    assert h.references[0] == "<r0@x>"
    assert h.references[1:] == tuple(ids[-19:])


def test_in_reply_to_takes_the_first_msg_id_among_text():
    h = parse('In-Reply-To: Your message of "Mon" <p1@x.test> <p2@x.test>')
    assert h.in_reply_to == "<p1@x.test>"


def test_references_with_a_broken_id_keep_the_good_ones():
    h = parse("References: <foo@bar.net>", "References: <baz@bar.net>, <invalid.   ")
    assert h.references == ("<foo@bar.net>", "<baz@bar.net>")


# --------------------------------------------------------------------------- addresses


def test_unparseable_recipients_are_skipped_and_noted():
    h = parse(To="<Undisclosed-Recipient:@mailman.enron.com;>, ok@x.test")
    assert h.to_addrs == ("ok@x.test",)
    assert any("unreadable address" in d for d in h.defects)


def test_group_syntax_and_empty_groups():
    h = parse(To="A Group:Chris <c@a.test>,joe@where.test;", Cc="Undisclosed recipients:;")
    assert h.to_addrs == ("c@a.test", "joe@where.test")
    assert h.cc_addrs == ()


def test_repeated_to_fields_are_merged():
    h = parse("To: bb@aa.test", "To:", To="aa@aa.test")
    assert h.to_addrs == ("aa@aa.test", "bb@aa.test")


def test_cve_2023_27043_shape_is_flagged():
    h = parse(From="alice@example.org)<bob@example.org>")
    assert h.from_addr is not None
    assert any("unbalanced" in d or "addresses" in d for d in h.defects)


# --------------------------------------------------------------------------- MIME fields


def test_content_type_parameters():
    h = parse(
        'Content-Type: Multipart/Alternative;\r\n\tBoundary="==b 1;x=="; charset=UTF-8',
        "Content-Transfer-Encoding: Quoted-Printable",
    )
    assert h.content_type == "multipart/alternative"
    assert h.boundary == "==b 1;x=="
    assert h.charset == "UTF-8"
    assert h.transfer_encoding == "quoted-printable"


def test_rfc2231_parameters():
    h = parse("Content-Type: text/plain; charset*=utf-8''%75tf-8; boundary*0=ab; boundary*1=cd")
    assert (h.charset, h.boundary) == ("utf-8", "abcd")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7-bit", "7bit"),
        ("quoted-printable;", "quoted-printable"),
        ("Base64 ", "base64"),
        ("8bits", "8bit"),
        ("", "7bit"),
    ],
)
def test_sloppy_transfer_encodings(value, expected):
    assert parse(f"Content-Transfer-Encoding: {value}").transfer_encoding == expected


def test_unreadable_content_type_means_text_plain():
    h = parse("Content-Type: garbage")
    assert h.content_type == "text/plain"
    assert any("content-type" in d for d in h.defects)


# --------------------------------------------------------------------------- not contact


@pytest.mark.parametrize(
    "line",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated (failure)",
        "Auto-Submitted: auto-notified; owner-email=x@y",
        "X-Autoreply: yes",
        "X-Autorespond: Thanks for your mail",
        "X-Auto-Response-Suppress: All",
        "X-Auto-Response-Suppress: OOF, AutoReply",
        "Precedence: auto_reply",
    ],
)
def test_auto_reply_headers(line):
    assert parse(line, Subject="Re: Logo").not_contact == "auto-reply"


@pytest.mark.parametrize(
    "line",
    ["Auto-Submitted: no", "X-Auto-Response-Suppress: DR, RN, NRN", "X-Autoreply: no"],
)
def test_headers_that_do_not_make_a_message_automatic(line):
    assert parse(line, Subject="Re: Logo").not_contact is None


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Logo",
        "Automatic reply: Logo",
        "Auto-Reply: Logo",
        "Réponse automatique : Logo",
        "Reponse automatique: Logo",
        "Absence du bureau",
        "Absence : Marie Dupont",
        "Abwesenheitsnotiz: Logo",
        "Jean Dupont is out of the office.",
        "Message d'absence",
    ],
)
def test_out_of_office_subjects_en_fr_de(subject):
    assert parse(Subject=subject).not_contact == "out-of-office"


def test_out_of_office_wins_over_auto_reply_when_both_apply():
    h = parse(
        "Auto-Submitted: auto-replied",
        "X-Auto-Response-Suppress: All",
        Subject="Automatic reply: Logo",
    )
    assert h.not_contact == "out-of-office"


def test_away_words_count_only_with_an_automatic_header():
    assert parse(Subject="Vacation plans?").not_contact is None
    assert parse("Auto-Submitted: auto-replied", Subject="On vacation").not_contact == (
        "out-of-office"
    )


def test_a_human_writing_about_an_absence_is_contact():
    assert parse(Subject="Re: Out of office until Monday?").not_contact is None
    assert parse(Subject="RE: Paul est absent lundi").not_contact is None
    assert parse(Subject="Paul est absent lundi").not_contact == "out-of-office"  # caveat


def test_bounce_multipart_report_delivery_status():
    h = parse(
        'Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="b"',
        From="Mail Delivery System <postfix@mx.test>",
        Subject="Undelivered Mail Returned to Sender",
    )
    assert h.not_contact == "bounce"


def test_bounce_from_mailer_daemon_without_report():
    h = parse(From="Mail Delivery Subsystem <MAILER-DAEMON@mx.test>", Subject="Returned mail")
    assert h.not_contact == "bounce"


def test_bounce_from_postmaster_null_return_path_and_failed_recipients():
    assert parse(From="Postmaster <postmaster@ci.test>").not_contact == "bounce"
    assert parse("Return-Path: <>", Subject="Delivery failure").not_contact == "bounce"
    assert parse("X-Failed-Recipients: x@y.test").not_contact == "bounce"


def test_read_receipt_is_an_auto_reply_not_a_bounce():
    h = parse("Content-Type: multipart/report; report-type=disposition-notification; boundary=b")
    assert h.not_contact == "auto-reply"


def test_list_mail():
    assert parse("List-Id: <news.shop.test>").not_contact == "list"
    assert parse("List-Unsubscribe: <mailto:u@shop.test>").not_contact == "list"


@pytest.mark.parametrize("value", ["bulk", "junk", "list", "Bulk "])
def test_bulk_precedence(value):
    assert parse(f"Precedence: {value}").not_contact == "bulk"


def test_header_fields_cover_what_classification_reads():
    for name in (
        "Auto-Submitted",
        "X-Autoreply",
        "X-Autorespond",
        "X-Auto-Response-Suppress",
        "Precedence",
        "List-Id",
        "List-Unsubscribe",
        "Return-Path",
        "X-Failed-Recipients",
        "X-Microsoft-Original-Message-ID",
        "Sender",
        "Content-Type",
        "Content-Transfer-Encoding",
    ):
        assert name in HEADER_FIELDS


# --------------------------------------------------------------------------- fields helper


def test_select_header_fields_emulates_imap_header_fields():
    raw = (
        b"From mbox-line Mon May  2 16:07:05 2005\n"
        b"Received: from x\n\tby y\n"
        b"Subject: Hello\n  world\n"
        b"X-Other: 1\n"
        b"to: a@b.test\n"
        b"\n"
        b"Subject: in the body\n"
    )
    header, body = split_message(raw)
    assert body == b"Subject: in the body\n"
    assert select_header_fields(header, ("Subject", "To")) == (
        b"Subject: Hello\r\n  world\r\nto: a@b.test\r\n\r\n"
    )


def test_select_header_fields_with_nothing_selected_is_an_empty_block():
    assert select_header_fields(b"X-A: 1\r\n", ("Subject",)) == b"\r\n"
    assert parse_headers(b"\r\n").from_addr is None


# --------------------------------------------------------------------------- fuzzing


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_result_or_parse_error(raw):
    try:
        h = parse_headers(raw)
    except ParseError as exc:
        assert exc.reason
        assert not exc.reason.startswith("internal parser error"), exc.reason
    else:
        assert isinstance(h, ParsedHeaders)


_FIELD_NAMES = st.sampled_from([*HEADER_FIELDS, "X-Other", "from", "DATE"])
_VALUE_TEXT = st.lists(
    st.sampled_from([*'abcé@<>"(),;:=?_ \t-+.0123456789\\QqBb', "\r\n ", "=?utf-8?q?", "-0000"]),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_FIELD_NAMES, _VALUE_TEXT), max_size=12))
def test_header_shaped_fuzz_never_raises_anything_but_parse_error(fields):
    raw = "".join(f"{name}: {value}\r\n" for name, value in fields).encode() + b"\r\n"
    try:
        h = parse_headers(raw)
    except ParseError as exc:
        assert exc.reason and not exc.reason.startswith("internal parser error"), exc.reason
    else:
        assert h.date is None or h.date.tzinfo is not None
        assert all(a == a.lower() for a in h.to_addrs + h.cc_addrs + h.reply_to)
        assert h.not_contact in (None, "bounce", "out-of-office", "auto-reply", "list", "bulk")
        assert len(h.references) <= MAX_REFERENCES
