"""Telegram's HTML parse mode and message-entity helpers.

The parser follows tdlib's ``parse_html`` step by step (byte offsets in errors, the same
tag set, the same entity decoding), because a bot that passes here must not fail on
Telegram with "can't parse entities".  Offsets in results are UTF-16 code units.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

JSON = dict[str, Any]

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip

_TYPE_BY_TAG = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}

# tdlib's sort priority: equal offset and length are ordered by this.
_PRIORITY = {
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
    "bot_command": 50,
}

_SPACES = frozenset(b" \t\r\n\v\x00")


class EntityParseError(ValueError):
    """Malformed markup; str(error) is the part after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(data: bytes, pos: int) -> tuple[int, int]:
    """Decode an HTML character reference at ``pos``; (0, pos) when it is not one."""

    def at(k: int) -> int:
        return data[k] if k < len(data) else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == ord("#"):
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF" and at(end):
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while ord("0") <= at(end) <= ord("9"):
                code = code * 10 + at(end) - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while chr(at(end)).isascii() and chr(at(end)).isalpha():
            end += 1
        name = data[pos + 1 : end]
        named = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}.get(name)
        if named is None:
            return 0, pos
        code = ord(named)
    if at(end) == ord(";"):
        end += 1
    return code, end


def _checked_link(url: str) -> str | None:
    """Roughly tdlib's get_checked_link: http(s)/tg/ton links, bare domains get http://."""
    url = url.strip()
    if not url or any(c.isspace() for c in url):
        return None
    scheme, sep, rest = url.partition("://")
    if sep:
        if scheme.lower() not in ("http", "https", "tg", "ton") or not rest:
            return None
        return url
    if re.match(r"^[\w-]+(\.[\w-]+)+(/.*)?$", url):
        return "http://" + url
    return None


def sort_entities(entities: list[JSON]) -> list[JSON]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))


def parse_html(
    html: str, user_lookup: Callable[[int], JSON | None] | None = None
) -> tuple[str, list[JSON]]:
    """Return (plain text, entities) or raise EntityParseError with Telegram's wording."""
    data = html.encode("utf-8")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out = bytearray()
    utf16 = 0
    entities: list[JSON] = []
    # (tag, argument, utf16 offset, byte position in out, byte offset in input)
    nested: list[tuple[str, str, int, int]] = []
    i = 0
    while i < n:
        c = data[i]
        if c == ord("&"):
            code, end = _decode_entity(data, i)
            if code:
                if 0xD800 <= code <= 0xDFFF:
                    raise EntityParseError(
                        "Text contains invalid Unicode characters after decoding HTML "
                        "entities, check for unmatched surrogate code units"
                    )
                utf16 += 2 if code > 0xFFFF else 1
                out += chr(code).encode("utf-8")
                i = end
                continue
        if c != ord("<"):
            if c & 0xC0 != 0x80:  # first byte of a UTF-8 sequence
                utf16 += 2 if c >= 0xF0 else 1
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != ord("/"):
            while at(i) not in _SPACES and at(i) != ord(">"):
                i += 1
            if at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in SUPPORTED_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != ord(">"):
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == ord(">"):
                    break
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in (ord("="), ord(">")):
                    i += 1
                attr_name = data[attr_begin:i].decode("utf-8", "replace")
                if not attr_name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if tag == "blockquote" and attr_name == "expandable" and at(i) != ord("="):
                    argument = "expandable"
                    continue
                if at(i) != ord("="):
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                value: str
                if at(i) not in (ord("'"), ord('"')):
                    token_begin = i
                    while chr(at(i)).isascii() and (chr(at(i)).isalnum() or at(i) in b".-"):
                        if at(i) == 0:
                            break
                        i += 1
                    value = data[token_begin:i].decode().lower()
                    if at(i) not in _SPACES and at(i) != ord(">"):
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    buf = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == ord("&"):
                            code, end = _decode_entity(data, i)
                            if code:
                                buf += chr(code).encode("utf-8", "surrogatepass")
                                i = end
                                continue
                        buf.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = buf.decode("utf-8", "replace")
                if at(i) == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and attr_name == "href":
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and attr_name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            nested.append((tag, argument, utf16, len(out)))
            i += 1  # skip '>'
            continue

        # an end tag
        if not nested:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _SPACES and at(i) != ord(">"):
            i += 1
        end_tag = data[begin + 2 : i].decode("utf-8", "replace").lower()
        while at(i) != 0 and at(i) in _SPACES:
            i += 1
        if at(i) != ord(">"):
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        i += 1
        tag, argument, start, out_pos = nested.pop()
        if end_tag and end_tag != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                f'found "</{end_tag}>"'
            )
        length = utf16 - start
        if length <= 0:
            continue
        entity = _make_entity(tag, argument, start, length, out[out_pos:], entities, user_lookup)
        if entity is not None:
            entities.append(entity)
    if nested:
        raise EntityParseError(f"Can't find end tag corresponding to start tag {nested[-1][0]}")
    return out.decode("utf-8"), sort_entities(entities)


def _make_entity(
    tag: str,
    argument: str,
    offset: int,
    length: int,
    inner: bytes | bytearray,
    entities: list[JSON],
    user_lookup: Callable[[int], JSON | None] | None,
) -> JSON | None:
    if tag in _TYPE_BY_TAG:
        kind = _TYPE_BY_TAG[tag]
        if kind == "blockquote" and argument == "expandable":
            kind = "expandable_blockquote"
        return {"type": kind, "offset": offset, "length": length}
    if tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        return {
            "type": "custom_emoji",
            "offset": offset,
            "length": length,
            "custom_emoji_id": argument,
        }
    if tag == "a":
        url = argument or bytes(inner).decode("utf-8")
        mention = re.match(r"^tg://user\?id=(\d+)$", url)
        if mention:
            user = user_lookup(int(mention.group(1))) if user_lookup else None
            if user is None:
                return None
            return {"type": "text_mention", "offset": offset, "length": length, "user": user}
        checked = _checked_link(url)
        if checked is None:
            return None
        return {"type": "text_link", "offset": offset, "length": length, "url": checked}
    if tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and last["offset"] == offset
            and last["length"] == length
            and last.get("language")
        ):
            last["type"] = "pre"
            return None
        return {"type": "pre", "offset": offset, "length": length}
    if tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and last["offset"] == offset
            and last["length"] == length
            and argument
        ):
            last["language"] = argument
            return None
        entity: JSON = {"type": "code", "offset": offset, "length": length}
        if argument:
            # kept only until an enclosing <pre> claims it (see finalize below)
            entity["language"] = argument
        return entity
    return None  # pragma: no cover - every supported tag is handled above


def finalize_entities(entities: list[JSON]) -> list[JSON]:
    """A language on a bare <code> is dropped, as tdlib does after parsing."""
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return entities


def trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip leading/trailing whitespace like Telegram, moving entities with the text."""
    stripped_left = text.lstrip(" \t\r\n\v\f")
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(" \t\r\n\v\f")
    total = utf16_len(result)
    fixed: list[JSON] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    return result, fixed


_COMMAND = re.compile(r"(?<![\w/<>])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/<>])")


def find_bot_commands(text: str) -> list[JSON]:
    """bot_command entities as Telegram clients report them for incoming text."""
    found: list[JSON] = []
    for match in _COMMAND.finditer(text):
        offset = utf16_len(text[: match.start()])
        found.append({"type": "bot_command", "offset": offset, "length": utf16_len(match.group())})
    return found


def parse_text(
    text: str,
    parse_mode: str | None,
    explicit_entities: list[JSON] | None = None,
    user_lookup: Callable[[int], JSON | None] | None = None,
) -> tuple[str, list[JSON]]:
    """Apply a Bot API parse_mode (only HTML is implemented) and Telegram's trimming."""
    if parse_mode:
        mode = parse_mode.lower()
        if mode != "html":
            raise NotImplementedError(parse_mode)
        plain, entities = parse_html(text, user_lookup)
        entities = finalize_entities(entities)
    else:
        plain, entities = text, list(explicit_entities or [])
    return trim(plain, entities)
