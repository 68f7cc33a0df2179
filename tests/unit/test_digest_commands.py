"""Commands in the owner's replies, as real mail clients write them.

Only the reply's own text counts: every quoting style of Gmail, Apple Mail,
Thunderbird and Outlook (English and French), in text and in HTML, hides the quoted
part. Each quoted part below holds a real command line (from an earlier reply in the
thread) that would act if the quote were read.
"""

import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailwatch.digest.commands import Command, parse_reply, parse_subject
from mailwatch.digest.quotes import html_to_text, own_lines
from mailwatch.digest.render import render_html, render_text
from tests.unit.digest_samples import sample_view

A, B, C = "K7M2QX9P", "TVQSA77F", "36N563B2"
QUOTED = "ZZZZ9999"  # a code that appears only in quoted text


def only(parsed, *expected):
    """The (verb, code) pairs found, in order."""
    assert [(command.verb, command.code) for command in parsed.commands] == list(expected)


def quote(text: str, prefix: str = "> ") -> str:
    return "\n".join((prefix + line).rstrip() for line in text.splitlines())


DIGEST_TEXT = render_text(sample_view())
DIGEST_HTML = render_html(sample_view())
EARLIER = f"approve {QUOTED}\n\nThanks!\n"  # an earlier reply, now quoted


# --------------------------------------------------------------------------- text clients


def test_gmail_english_top_post():
    reply = (
        f"approve {A}\nreject {B} too early in the month\n\n"
        "On Mon, 1 Dec 2025 at 08:00, Sam Rivera <sam@rivera-social.example> wrote:\n\n"
        + quote(EARLIER + "\n" + DIGEST_TEXT)
    )
    parsed = parse_reply(reply)
    only(parsed, ("approve", A), ("reject", B))
    assert parsed.commands[1].note == "too early in the month"
    assert parsed.ignored == []


def test_gmail_french_attribution_wrapped_over_two_lines():
    reply = (
        f"Approuver {A}\n\nMerci\n\n"
        "Le lun. 1 déc. 2025 à 08:00, Sam Rivera <sam@rivera-social.example> a\n"
        "écrit :\n\n" + quote(EARLIER)
    )
    only(parse_reply(reply), ("approve", A))


def test_unprefixed_text_after_an_attribution_is_quoted():
    """Some clients write "On ... wrote:" and then the original without "> "."""
    reply = f"approve {A}\n\nOn 1 Dec 2025, at 08:00, Sam <sam@x.example> wrote:\n\n{EARLIER}"
    only(parse_reply(reply), ("approve", A))


def test_apple_mail_english_and_nested_quotes():
    reply = (
        f"edit {A}\nHi Marie,\n\nShort and sweet this time.\n\nSam\nend\n\n"
        "Sent from my iPhone\n\n"
        "On 1 Dec 2025, at 08:00, Sam Rivera <sam@rivera-social.example> wrote:\n\n"
        + quote(EARLIER + "\n" + quote(EARLIER, ">"), ">")
    )
    parsed = parse_reply(reply)
    only(parsed, ("edit", A))
    assert parsed.commands[0].body == "Hi Marie,\n\nShort and sweet this time.\n\nSam\n"


def test_thunderbird_bottom_post_reads_what_follows_the_quote():
    reply = (
        "On 01/12/2025 08:00, mailwatch wrote:\n"
        + quote(EARLIER)
        + f"\n\nreject {B} the client already paid\napprove {A}\n"
    )
    parsed = parse_reply(reply)
    only(parsed, ("reject", B), ("approve", A))
    assert parsed.commands[0].note == "the client already paid"


def test_inline_answers_between_quoted_draft_blocks():
    blocks = DIGEST_TEXT.split("--- Draft ")
    reply = (
        "On Mon, 1 Dec 2025 at 08:00, Sam <sam@x.example> wrote:\n"
        + quote(blocks[0] + "--- Draft " + blocks[1])
        + f"\n\napprove {A}\n\n"
        + quote("--- Draft " + blocks[2])
        + f"\n\nrefuser {B} : trop tôt\n\n"
        + quote(EARLIER)
    )
    parsed = parse_reply(reply)
    only(parsed, ("approve", A), ("reject", B))
    assert parsed.commands[1].note == "trop tôt"


OUTLOOK_EN = """\
approve {a}

Sam

________________________________
From: Sam Rivera <sam@rivera-social.example>
Sent: Monday, December 1, 2025 8:00 AM
To: Sam Rivera <sam@rivera-social.example>
Subject: mailwatch: 3 drafts to approve, 3 things need you (Mon 1 Dec)

{earlier}
{digest}"""

OUTLOOK_FR = """\
Refuser {b} pas maintenant

De : Sam Rivera <sam@rivera-social.example>
Envoyé : lundi 1 décembre 2025 08:00
À : Sam Rivera <sam@rivera-social.example>
Objet : mailwatch: 3 drafts to approve, 3 things need you (Mon 1 Dec)

{earlier}
{digest}"""


def test_outlook_english_header_block_ends_the_own_text():
    reply = OUTLOOK_EN.format(a=A, earlier=EARLIER, digest=DIGEST_TEXT)
    parsed = parse_reply(reply)
    only(parsed, ("approve", A))
    assert parsed.ignored == []


def test_outlook_french_header_block_ends_the_own_text():
    reply = OUTLOOK_FR.format(b=B, earlier=EARLIER, digest=DIGEST_TEXT)
    parsed = parse_reply(reply)
    only(parsed, ("reject", B))
    assert parsed.commands[0].note == "pas maintenant"


def test_outlook_bold_headers_after_html_conversion():
    reply = (
        f"approve {A}\n\n*From:* Sam Rivera <sam@x.example>\n*Sent:* Monday, December 1, "
        f"2025 8:00 AM\n*To:* sam@x.example\n*Subject:* digest\n\n{EARLIER}"
    )
    only(parse_reply(reply), ("approve", A))


@pytest.mark.parametrize(
    "marker",
    [
        "-----Original Message-----",
        "-----Message d'origine-----",
        "---------- Forwarded message ---------",
        "Begin forwarded message:",
        "Début du message réexpédié :",
    ],
)
def test_original_message_markers_end_the_own_text(marker):
    reply = f"approve {A}\n\n{marker}\n{EARLIER}"
    only(parse_reply(reply), ("approve", A))


# ------------------------------------------------------------------------------- HTML


def test_gmail_html_reply_with_blockquote():
    html = f"""<div dir="ltr">approve {A}<div>reject {B}</div></div><br>
<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 1 Dec 2025 at 08:00,
Sam Rivera &lt;<a href="mailto:sam@x.example">sam@x.example</a>&gt; wrote:<br></div>
<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid
rgb(204,204,204);padding-left:1ex"><div>approve {QUOTED}</div>{DIGEST_HTML}</blockquote></div>"""
    parsed = parse_reply(None, html)
    only(parsed, ("approve", A), ("reject", B))
    assert parsed.ignored == []


def test_apple_mail_html_reply():
    html = f"""<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8">
</head><body dir="auto">Approve {A}<br><br><div dir="ltr">Sent from my iPhone</div>
<div dir="ltr"><br><blockquote type="cite">On 1 Dec 2025, at 08:00, Sam wrote:<br><br>
</blockquote></div>
<blockquote type="cite"><div dir="ltr">approve {QUOTED}</div></blockquote></body></html>"""
    only(parse_reply(None, html), ("approve", A))


def test_thunderbird_html_reply():
    html = f"""<html><body><p>modifier {A}<br>Bonjour Marie,<br><br>Voici la nouvelle version.
<br>fin<br></p><div class="moz-cite-prefix">Le 01/12/2025 à 08:00, mailwatch a écrit&nbsp;:<br>
</div><blockquote type="cite" cite="mid:abc@x.example"><pre>approve {QUOTED}</pre></blockquote>
</body></html>"""
    parsed = parse_reply(None, html)
    only(parsed, ("edit", A))
    assert parsed.commands[0].body == "Bonjour Marie,\n\nVoici la nouvelle version.\n"


def test_outlook_html_reply_cuts_at_its_reply_header():
    html = f"""<html><body><div>approve {A}</div><div><br></div>
<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Sam Rivera<br><b>Sent:</b> Monday,
December 1, 2025 8:00 AM<br><b>To:</b> Sam<br><b>Subject:</b> digest</div>
<div>approve {QUOTED}</div>{DIGEST_HTML}</body></html>"""
    only(parse_reply(None, html), ("approve", A))


def test_outlook_desktop_html_with_paragraphs():
    html = f"""<html><body><div class="WordSection1"><p class="MsoNormal">edit {A}</p>
<p class="MsoNormal">Hi Marie,</p><p class="MsoNormal">&nbsp;</p>
<p class="MsoNormal">New text.</p><p class="MsoNormal">end</p>
<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">
<p class="MsoNormal"><b>From:</b> Sam Rivera &lt;sam@x.example&gt;<br><b>Sent:</b> Monday,
December 1, 2025 8:00 AM<br><b>To:</b> sam@x.example<br><b>Subject:</b> digest</p></div>
<p class="MsoNormal">approve {QUOTED}</p></div></body></html>"""
    parsed = parse_reply(None, html)
    only(parsed, ("edit", A))
    assert parsed.commands[0].body == "Hi Marie,\n\nNew text.\n"


def test_the_text_part_wins_when_it_has_commands():
    parsed = parse_reply(f"approve {A}", f"<p>approve {B}</p>")
    only(parsed, ("approve", A))


def test_the_html_part_is_read_when_the_text_part_says_nothing():
    only(parse_reply("", f"<p>approve {B}</p>"), ("approve", B))
    only(parse_reply("Thanks!\n", f"<p>approve {B}</p>"), ("approve", B))


def test_html_is_made_inert_text():
    html = "<style>p{}</style><script>approve K7M2QX9P</script><p>a &amp; b</p>"
    assert html_to_text(html) == "a & b"


# -------------------------------------------------------------------- the digest quoted


@pytest.mark.parametrize("prefix", ["> ", ">", "", "    "])
def test_a_reply_quoting_the_digest_whole_approves_nothing(prefix):
    parsed = parse_reply("Thanks!\n\n" + quote(DIGEST_TEXT, prefix))
    assert parsed.commands == [] and parsed.ignored == []


def test_the_digest_html_quoted_whole_approves_nothing():
    html = f"<div>ok</div><blockquote>{DIGEST_HTML}</blockquote>"
    parsed = parse_reply(None, html)
    assert parsed.commands == [] and parsed.ignored == []
    # Even with the quote unmarked, the digest holds no command line.
    unmarked = "\n".join(line.text.removeprefix("> ") for line in own_lines(html_to_text(html)))
    assert parse_reply(unmarked).commands == []


@pytest.mark.parametrize("width", [30, 40, 52, 66, 72, 78, 100])
def test_the_digest_rewrapped_by_a_client_still_approves_nothing(width):
    rewrapped = "\n".join(
        "\n".join(textwrap.wrap(line, width)) if line.strip() else ""
        for line in DIGEST_TEXT.splitlines()
    )
    assert parse_reply(rewrapped).commands == []


# ----------------------------------------------------------------------- verbs and codes


@pytest.mark.parametrize(
    ("line", "verb"),
    [
        (f"approve {A}", "approve"),
        (f"APPROVE {A}", "approve"),
        (f"Approve: {A}", "approve"),
        (f"  approve   {A}  ", "approve"),
        (f"approuver {A}", "approve"),
        (f"Approuvé {A}", "approve"),
        (f"APPROUVER : {A}", "approve"),
        (f"approuver\u00a0: {A}", "approve"),
        (f"approve {A}.", "approve"),
        (f"reject {A}", "reject"),
        (f"Refuser {A}", "reject"),
        (f"refuse {A}", "reject"),
        (f"REJECT: {A} - wrong tone", "reject"),
    ],
)
def test_verbs_in_english_and_french(line, verb):
    parsed = parse_reply(line)
    assert [(c.verb, c.code) for c in parsed.commands] == [(verb, A)]
    assert parsed.commands[0].line == line.strip()


@pytest.mark.parametrize(
    "typed", ["k7m2qx9p", "K7M2 QX9P", "K7M2-QX9P", "k7m2 - qx9p", "K7M2\u2013QX9P", "K7M 2QX9P"]
)
def test_codes_typed_loosely(typed):
    only(parse_reply(f"approve {typed}"), ("approve", A))


def test_o_and_i_typed_for_zero_and_one():
    only(parse_reply("approve 0O11IL22"), ("approve", "00111122"))


def test_reject_reasons():
    parsed = parse_reply(f"reject {A}: the price is wrong\nreject {B} — trop insistant\nreject {C}")
    assert [c.note for c in parsed.commands] == ["the price is wrong", "trop insistant", ""]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("approve", "no code"),
        ("approve all", "“all” is not a draft code"),
        ("approve K7M2QX9", "“K7M2QX9” is not a draft code"),
        ("reject K7M2QX9PP", "is not a draft code"),
        ("approve K7M2QX9U", "is not a draft code"),
        (f"approve {A} but change the date", "more text after the code"),
        (f"edit {A} Hi Marie", "on the line after"),
        ("Refuser", "no code"),
    ],
)
def test_lines_that_look_like_commands_but_cannot_act_are_reported(line, why):
    parsed = parse_reply(line)
    assert parsed.commands == []
    assert [ignored.line for ignored in parsed.ignored] == [line]
    assert why in parsed.ignored[0].reason


@pytest.mark.parametrize(
    "line",
    [
        f"I approve {A}",
        f"approved {A}",
        f"Approving {A}",
        f"approve, {A}",
        f"approve{A}",
        f"> approve {A}",
        "Thanks, all good!",
        "end",
        "fin",
        "Code: K7M2QX9P",
    ],
)
def test_lines_that_are_not_commands(line):
    parsed = parse_reply(line)
    assert parsed.commands == [] and parsed.ignored == []


# --------------------------------------------------------------------------- edit blocks


def test_edit_block_keeps_the_text_as_written():
    reply = (
        f"edit {A}\n\nHi Marie,\n\n  - item one\n  - item two\n\nBest,\n-- \nSam\n\nEND\n"
        f"approve {B}\n"
    )
    parsed = parse_reply(reply)
    only(parsed, ("edit", A), ("approve", B))
    assert parsed.commands[0].body == (
        "Hi Marie,\n\n  - item one\n  - item two\n\nBest,\n-- \nSam\n"
    )


def test_edit_block_lines_are_text_not_commands():
    parsed = parse_reply(f"modifier {A}\nApprove the posts by Friday, please.\nreject {B}\nfin\n")
    only(parsed, ("edit", A))
    assert parsed.commands[0].body == f"Approve the posts by Friday, please.\nreject {B}\n"


def test_edit_copied_from_the_digest_loses_its_margin():
    reply = f"edit {A}\n  | Hi Marie,\n  |\n  | New | text.\nend\n"
    only(parse_reply(reply), ("edit", A))
    assert parse_reply(reply).commands[0].body == "Hi Marie,\n\nNew | text.\n"


def test_edit_without_end_is_refused_and_later_commands_still_count():
    parsed = parse_reply(f"edit {A}\nHi Marie,\nNew text.\n\napprove {B}\n")
    only(parsed, ("approve", B))
    assert len(parsed.ignored) == 1
    assert parsed.ignored[0].line == f"edit {A}"
    assert "end" in parsed.ignored[0].reason


def test_edit_running_into_quoted_text_is_refused():
    reply = (
        f"edit {A}\nHi Marie,\n\nOn Mon, 1 Dec 2025 at 08:00, Sam <s@x.example> wrote:\n"
        "> Hello\n> end\n"
    )
    parsed = parse_reply(reply)
    assert parsed.commands == []
    assert "end" in parsed.ignored[0].reason


def test_edit_with_an_empty_text_is_refused():
    parsed = parse_reply(f"edit {A}\n\n\nend\n")
    assert parsed.commands == []
    assert parsed.ignored[0].reason == "the new text is empty"


def test_several_commands_in_one_reply():
    reply = f"Hello,\n\napprove {A}\nreject {B} not now\nedit {C}\nNew text.\nend\n\nThanks\n"
    parsed = parse_reply(reply)
    only(parsed, ("approve", A), ("reject", B), ("edit", C))
    assert parsed.ignored == []


def test_contradictory_commands_for_one_code_do_nothing():
    parsed = parse_reply(f"approve {A}\nreject {A}\napprove {B}\n")
    only(parsed, ("approve", B))
    assert [i.line for i in parsed.ignored] == [f"approve {A}", f"reject {A}"]
    assert "several different commands" in parsed.ignored[0].reason


def test_a_repeated_command_counts_once():
    parsed = parse_reply(f"approve {A}\nApprove {A}\n")
    only(parsed, ("approve", A))
    assert parsed.ignored[0].line == f"Approve {A}"


def test_windows_line_endings_and_zero_width_characters():
    parsed = parse_reply(f"\ufeffapprove {A}\r\nreject\u200b {B}\r\n")
    only(parsed, ("approve", A), ("reject", B))


def test_empty_replies():
    for text in (None, "", "   \n\n"):
        parsed = parse_reply(text)
        assert parsed.commands == [] and parsed.ignored == []


@given(st.text())
def test_quoted_lines_never_act(text):
    quoted = "\n".join("> " + line for line in text.replace("\r", "\n").split("\n"))
    parsed = parse_reply(quoted)
    assert parsed.commands == [] and parsed.ignored == []


@given(st.text(), st.text())
def test_parsing_never_fails(text, html):
    parse_reply(text, html)
    parse_reply(None, html)


# ------------------------------------------------------------------------- mailto subject


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (f"approve {A}", Command("approve", A, line=f"approve {A}")),
        (f"Approve {A}", Command("approve", A, line=f"Approve {A}")),
        (f" approuver {A} ", Command("approve", A, line=f"approuver {A}")),
        (f"reject {A}", Command("reject", A, line=f"reject {A}")),
        (
            f"reject {A} too pushy",
            Command("reject", A, note="too pushy", line=f"reject {A} too pushy"),
        ),
        (f"Re: approve {A}", None),
        (f"RE: approve {A}", None),
        (f"Fwd: approve {A}", None),
        (f"TR: approve {A}", None),
        (f"edit {A}", None),  # an edit needs a body: never by subject
        (f"approve {A} thanks", None),
        (f"approve {A[:7]}", None),
        ("approve", None),
        ("mailwatch: 3 drafts to approve, 3 things need you (Mon 1 Dec)", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_subject(subject, expected):
    assert parse_subject(subject) == expected


def test_a_folded_subject_is_unfolded():
    assert parse_subject(f"approve\r\n {A}") == Command("approve", A, line=f"approve {A}")
