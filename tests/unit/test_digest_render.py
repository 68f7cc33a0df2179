"""The digest as the owner reads it: subject, text part, HTML part.

Client text is hostile: it must render inert in HTML, and must not pose as a
command or a "Code:" line in the text part. The digest itself never contains a
ready-made command line.
"""

import re
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailwatch.digest.commands import parse_reply
from mailwatch.digest.quotes import html_to_text
from mailwatch.digest.render import digest_subject, render_html, render_text
from mailwatch.digest.view import AttentionLine, DigestView, DraftBlock, StatusLine
from tests.unit.digest_samples import FOLLOW_UP_EN, NOW, OWNER, REMINDER_FR, code, sample_view

VIEW = sample_view()
TEXT = render_text(VIEW)
HTML = render_html(VIEW)
CODE_LINE = re.compile(r"^\s*Code\s*:", re.IGNORECASE | re.MULTILINE)


def code_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if CODE_LINE.match(line)]


def nothing_parses(view: DigestView) -> None:
    text, html = render_text(view), render_html(view)
    for parsed in (parse_reply(text), parse_reply(None, html), parse_reply(text, html)):
        assert parsed.commands == [], parsed.commands
        assert parsed.ignored == [], parsed.ignored
    # Nor when the HTML's own quoting (the draft bodies' blockquotes) is not honoured.
    flat = "\n".join(line.removeprefix("> ") for line in html_to_text(html).splitlines())
    assert [c for c in parse_reply(flat).commands if c.code in {d.code for d in view.drafts}] == []


# ------------------------------------------------------------------------------ subject


def test_subject():
    assert digest_subject(VIEW) == "mailwatch: 3 drafts to approve, 3 things need you (Mon 1 Dec)"


def test_subject_singular_and_partial():
    one = replace(VIEW, drafts=VIEW.drafts[:1], attention=VIEW.attention[:1])
    assert digest_subject(one) == "mailwatch: 1 draft to approve, 1 thing needs you (Mon 1 Dec)"
    assert (
        digest_subject(replace(VIEW, attention=())) == "mailwatch: 3 drafts to approve (Mon 1 Dec)"
    )
    assert digest_subject(replace(VIEW, drafts=())) == "mailwatch: 3 things need you (Mon 1 Dec)"


def test_subject_day_is_the_owners():
    late = replace(VIEW, generated_at=datetime(2025, 12, 1, 23, 30, tzinfo=UTC))
    assert digest_subject(late).endswith("(Tue 2 Dec)")  # 00:30 in Paris


# ---------------------------------------------------------------------------- text part


def test_text_sections_in_order():
    positions = [
        TEXT.index(title)
        for title in ("NEEDS YOU", "DRAFTS WAITING FOR YOU", "CLIENTS", "HOW TO ANSWER")
    ]
    assert positions == sorted(positions)
    assert TEXT.startswith("Hello Sam,\n\n3 things need you and 3 drafts wait for your approval.\n")
    assert "Digest of Mon 1 Dec, 08:00 (Europe/Paris)." in TEXT


def test_attention_items_in_the_order_given_with_how_long():
    needs = TEXT[TEXT.index("NEEDS YOU") : TEXT.index("DRAFTS WAITING")]
    order = [needs.index(name) for name in ("Northwind", "Acme Bakery", "Boulangerie Martin")]
    assert order == sorted(order)  # the attention list comes sorted, most urgent first
    assert "* Waiting for your reply: Acme Bakery" in needs
    assert "Since Wed 26 Nov, 14:10 (5 days)." in needs  # 13:10 UTC is 14:10 in Paris
    assert "“Could you send me the revised calendar before Friday?" in needs
    assert "* Abusive or threatening mail: Northwind Fitness" in needs


def test_attention_item_without_a_date_or_client():
    item = AttentionLine("service", None, None, "The service has not read your mailbox.", "")
    text, html = (render(replace(VIEW, attention=(item,))) for render in (render_text, render_html))
    assert "* mailwatch itself\n  The service has not read your mailbox.\n" in text
    assert "Since" not in text[text.index("NEEDS YOU") : text.index("DRAFTS")]
    assert "The service has not read your mailbox." in html


def test_each_draft_shows_everything_the_owner_needs():
    drafts = TEXT[TEXT.index("DRAFTS WAITING") : TEXT.index("CLIENTS")]
    first = drafts[: drafts.index("Draft 2 of 3")]
    assert "--- Draft 1 of 3: Acme Bakery, Follow-up 2 ---" in first
    assert (
        "Why: “Could you approve the twelve December posts so I can schedule them?” "
        "(message of Wed 19 Nov, 10:02)" in first
    )
    assert "To: marie.dupont@acme-bakery.example\n" in first
    assert "Subject: Re: December content calendar\n" in first
    assert "Goes out: Mon 1 Dec, from 09:00 (client's time)\n" in first
    # The full text, every line behind the margin.
    for line in FOLLOW_UP_EN.strip().splitlines():
        assert ("  | " + line).rstrip() in first.splitlines()
    second = drafts[drafts.index("Draft 2 of 3") : drafts.index("Draft 3 of 3")]
    assert "To: jean.martin@boulangerie-martin.example, compta@boulangerie-martin.example" in second
    for line in REMINDER_FR.strip().splitlines():
        assert ("  | " + line).rstrip() in second.splitlines()


def test_code_lines():
    assert code_lines(TEXT) == [f"Code: {draft.code}" for draft in VIEW.drafts]
    for draft in VIEW.drafts:  # each code right under its draft's title
        title = next(
            line
            for line in TEXT.splitlines()
            if line.startswith("--- Draft") and draft.client_name in line
        )
        lines = TEXT.splitlines()
        assert lines[lines.index(title) + 1] == f"Code: {draft.code}"


def test_many_drafts_each_get_their_own_code_line():
    many = tuple(
        replace(VIEW.drafts[0], draft_id=f"d-{n}", code=code(f"d-{n}")) for n in range(1, 13)
    )
    text = render_text(replace(VIEW, drafts=many))
    assert code_lines(text) == [f"Code: {draft.code}" for draft in many]


def test_a_draft_that_needs_an_edit_says_so():
    third = TEXT[TEXT.index("Draft 3 of 3") : TEXT.index("CLIENTS")]
    assert "Needs your edit before it can go out" in third
    assert "Needs your edit" not in TEXT[: TEXT.index("Draft 3 of 3")]


def test_status_table():
    table = TEXT[TEXT.index("CLIENTS") : TEXT.index("HOW TO ANSWER")].strip().splitlines()
    header, rule, *rows = table[3:]
    assert header.split() == ["Client", "From", "them", "From", "you", "Waiting"]
    assert set(rule) == {"-", " "}
    assert len(rows) == 6
    assert rows[0].split() == ["Acme", "Bakery", "26", "Nov", "19", "Nov", "You,", "3", "days"]
    assert "Les Jardins de Proven…" in rows[4]  # long names are shortened
    assert "5 Dec 2024" in rows[4]  # another year says so
    assert rows[4].split()[4] == "—"  # nothing from them yet
    for row in [header, *rows]:  # columns start at 0, 24, 37 and 50
        assert all(row[start - 1] == " " and row[start] != " " for start in (24, 37, 50)), row
    assert all(len(row) <= 78 for row in table)


def test_text_part_has_no_control_characters_or_trailing_spaces():
    assert "\x00" not in TEXT
    assert all(line == line.rstrip() or line == "-- " for line in TEXT.splitlines())
    assert TEXT.endswith("-- \nmailwatch, for sam@rivera-social.example\n")


# ---------------------------------------------------------------------------- HTML part


def test_html_is_self_contained():
    lower = HTML.lower()
    for forbidden in (
        "<script",
        "<style",
        "<link",
        "<img",
        "<iframe",
        "src=",
        "url(",
        "@import",
        "http://",
        "https://",
    ):
        # The draft bodies' links are text, escaped, never an attribute or a resource.
        if forbidden in ("http://", "https://"):
            assert all(forbidden not in href for href in re.findall(r'href="([^"]*)"', HTML))
        else:
            assert forbidden not in lower, forbidden
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in HTML
    assert 'style="' in HTML


def test_html_buttons_are_mailto_links_with_the_command_in_the_subject():
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*)"', HTML)]
    assert all(h.startswith(f"mailto:{OWNER}?subject=") for h in hrefs)
    subjects = [unquote(h.split("subject=", 1)[1].split("&", 1)[0]) for h in hrefs]
    first, second, third = (d.code for d in VIEW.drafts)
    # The third draft needs an edit: no Approve button, only Reject.
    assert subjects == [
        f"approve {first}",
        f"reject {first}",
        f"approve {second}",
        f"reject {second}",
        f"reject {third}",
    ]
    assert all("%20" in h.split("&")[0] and "+" not in h for h in hrefs)
    assert HTML.count("✓ Approve</a>") == 2 and HTML.count("✗ Reject</a>") == 3


def test_html_shows_codes_bodies_and_dates():
    for draft in VIEW.drafts:
        assert f">{draft.code}</span>" in HTML
    assert "Bonjour Monsieur Martin,<br>" in HTML
    assert "échappé : pourriez-vous" in HTML
    assert "Wed 19 Nov, 10:02" in HTML
    text = html_to_text(HTML)
    assert text.index("Needs you") < text.index("Drafts waiting for you") < text.index("Clients")


# --------------------------------------------------------------------------- no command


def test_the_digest_contains_no_command_line():
    nothing_parses(VIEW)


HOSTILE_STRINGS = [
    "<img src=x onerror=alert(1)>",
    "</style><script>alert('x')</script>",
    "approve K7M2QX9P",
    "reject K7M2QX9P",
    "Code: ABCD1234",
    "code : ABCD1234",
    "edit K7M2QX9P\nnew text\nend",
    "Approve Media",
    "Edit Studio",
    "  approuver ZZZZ9999  ",
    "line one\r\napprove K7M2QX9P\r\nCode: K7M2QX9P",
    "\x00code-line\x001",
    '" onmouseover="alert(1)',
    "javascript:alert(1)",
]


def hostile_view(value: str) -> DigestView:
    draft = DraftBlock(
        draft_id="d-666",
        version=1,
        code=code("d-666"),
        client_name=value,
        kind_label=value,
        why=value,
        answers_date=NOW,
        to=(value,),
        subject=value,
        goes_out=value,
        body=f"{value}\napprove {code('d-1')}\nCode: {code('d-1')}\n{value}",
    )
    return replace(
        VIEW,
        owner_name=value,
        attention=(
            AttentionLine("owner_overdue", value, NOW, value, value),
            AttentionLine(value, None, NOW, value, value),
        ),
        drafts=(draft, *VIEW.drafts),
        statuses=(StatusLine(value, NOW, None, value), *VIEW.statuses),
    )


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_hostile_client_text_is_inert(value):
    view = hostile_view(value)
    text, html = render_text(view), render_html(view)
    nothing_parses(view)
    assert code_lines(text) == [f"Code: {draft.code}" for draft in view.drafts]
    lower = html.lower()
    assert "<img" not in lower and "<script" not in lower and "</style" not in lower
    assert '" onmouseover="' not in html  # quotes are escaped: no attribute breaks out
    assert all(h.startswith("mailto:") for h in re.findall(r'href="([^"]*)"', html))
    assert "\x00" not in text and "\x00" not in html


def test_hostile_html_is_shown_escaped():
    html = render_html(hostile_view("<img src=x onerror=alert(1)>"))
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_client_named_like_a_command_is_shown_in_quotes():
    text = render_text(hostile_view("Edit Studio"))
    assert "“Edit Studio”" in text


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.text(max_size=80) | st.sampled_from(HOSTILE_STRINGS),
    st.sampled_from(["approve", "Reject", "modifier", "Code:"]),
)
def test_no_client_text_makes_a_command(value, word):
    view = hostile_view(f"{value}\n{word} {code('d-1')} {value}")
    nothing_parses(view)
    assert code_lines(render_text(view)) == [f"Code: {draft.code}" for draft in view.drafts]


# ------------------------------------------------------------------------------ all quiet


def test_all_quiet_digest():
    quiet = replace(VIEW, attention=(), drafts=())
    assert quiet.all_quiet and not VIEW.all_quiet
    assert digest_subject(quiet) == "mailwatch: all quiet (Mon 1 Dec)"
    text, html = render_text(quiet), render_html(quiet)
    assert "All quiet: nothing needs you and no draft is waiting." in text
    assert "CLIENTS" in text and "Acme Bakery" in text
    assert "NEEDS YOU" not in text and "DRAFTS" not in text and "HOW TO ANSWER" not in text
    assert "Code:" not in text and "mailto:" not in html
    assert "All quiet" in html
    nothing_parses(quiet)


def test_an_empty_digest_renders():
    empty = replace(VIEW, attention=(), drafts=(), statuses=())
    assert "All quiet" in render_text(empty)
    assert "<table" not in render_html(empty)
