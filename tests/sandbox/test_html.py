"""The HTML parse mode, checked against Telegram's documented behaviour."""

from __future__ import annotations

import pytest

from bot.sandbox.entities import EntityParseError, find_bot_commands, parse_text


def test_tags_become_entities_with_utf16_offsets() -> None:
    text, entities = parse_text(
        "😀 <b>bold <i>both</i></b> <u>u</u> <s>s</s> <code>c</code> "
        '<a href="https://example.org/?a=1&amp;b=2">link</a> <tg-spoiler>x</tg-spoiler> '
        "<blockquote>q</blockquote> &lt;tag&gt; &amp; &quot;",
        "HTML",
    )
    assert text == '😀 bold both u s c link x q <tag> & "'
    kinds = [(e["type"], e["offset"], e["length"]) for e in entities]
    # The emoji is two UTF-16 code units, so "bold" starts at 3.
    assert kinds == [
        ("bold", 3, 9),
        ("italic", 8, 4),
        ("underline", 13, 1),
        ("strikethrough", 15, 1),
        ("code", 17, 1),
        ("text_link", 19, 4),
        ("spoiler", 24, 1),
        ("blockquote", 26, 1),
    ]
    link = next(e for e in entities if e["type"] == "text_link")
    assert link["url"] == "https://example.org/?a=1&b=2"


def test_synonyms_and_pre_with_language() -> None:
    text, entities = parse_text(
        "<strong>a</strong><em>b</em><ins>c</ins><del>d</del><strike>e</strike>"
        '<pre><code class="language-python">x = 1</code></pre>',
        "html",
    )
    assert text == "abcdex = 1"
    assert [e["type"] for e in entities] == [
        "bold", "italic", "underline", "strikethrough", "strikethrough", "pre",
    ]  # fmt: skip
    assert entities[-1]["language"] == "python"


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>x", "Can't find end tag corresponding to start tag b"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("Ж<p>", 'Unsupported start tag "p" at byte offset 2'),
    ],
)
def test_malformed_html_is_rejected(html: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_text(html, "HTML")
    assert str(caught.value) == error


def test_plain_text_is_trimmed_and_unparsed() -> None:
    text, entities = parse_text("  <b>not html</b>\n", None)
    assert text == "<b>not html</b>"
    assert entities == []


def test_bot_commands_are_found() -> None:
    found = find_bot_commands("/start now, then /help@sandbox_bot but not a/b")
    assert [(e["offset"], e["length"]) for e in found] == [(0, 6), (17, 17)]
