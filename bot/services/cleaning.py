"""Cleaning of text typed by a person before it is stored or shown to anyone else.

Names, addresses, details, reasons and comments reach volunteers and coordinators. Invisible
characters (zero-width spaces, bidi overrides such as U+202E that display a name reversed,
other control and format characters) are dropped, so a value is what it looks like and a
value made of nothing visible is refused as empty.
"""

from __future__ import annotations

import re
import unicodedata

# A person's name: the columns help_requests.person_name and volunteers.name.
NAME_MAX = 100

# Characters that break a line; everything else Unicode calls whitespace becomes a space.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# Letters that render as nothing (Hangul fillers, the blank Braille pattern): spaces to us.
_BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Control, format (zero-width, bidi, BOM, soft hyphen, tags) and lone surrogates.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_SPACES = re.compile(r" {2,}")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """``value`` without control and format characters, NFC-normalised, with runs of spaces
    (and, unless ``multiline``, line breaks) folded to one space and the ends stripped; ""
    when nothing visible is left. Multiline text keeps at most one blank line in a row."""
    if not value:
        return ""
    kept: list[str] = []
    for char in value.replace("\r\n", "\n"):
        if char in _LINE_BREAKS:
            kept.append("\n" if multiline else " ")
        elif char.isspace() or char in _BLANK_LOOKALIKES:
            kept.append(" ")
        elif unicodedata.category(char) not in _DROPPED_CATEGORIES:
            kept.append(char)
    # Normalised after dropping, so a mark split from its letter by a zero-width joins it.
    text = unicodedata.normalize("NFC", "".join(kept))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    return text if any(_visible(char) for char in text) else ""


def _visible(char: str) -> bool:
    """A letter, digit, punctuation mark or symbol: combining marks alone show nothing."""
    return unicodedata.category(char)[0] in "LNPS"


def clean_bounded(value: str | None, low: int, high: int, *, multiline: bool = False) -> str | None:
    """The cleaned text when its length is within ``low``..``high``, else None."""
    text = clean_text(value, multiline=multiline)
    return text if text and low <= len(text) <= high else None


# --- the time window of a help request --------------------------------------------------
# It goes to every volunteer offered the request, so it must not carry a phone number,
# however the digits are spaced. Only hours and times of day are numbers there.
MAX_WINDOW_NUMBERS = 4  # "9:00–12:00, 15:00–18:00"
_TIME = re.compile(r"(?<!\d)(\d{1,2})\s?[:.]\s?(\d{2})(?!\d)")
_NUMBER = re.compile(r"\d+")


def ascii_digits(text: str) -> str:
    """NFKC (fullwidth, superscript, circled digits) and every other Unicode decimal digit
    (Arabic-Indic, Devanagari, ...) written as 0-9."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in folded)


def window_numbers_ok(text: str) -> bool:
    """Whether every number in a typed time window is an hour (0-24) or a time of day
    (H:MM or H.MM up to 24:00), and there are at most four of them. A phone number, spaced
    or dashed ("8 9 1 3 ...", "8-913-123-45-67"), fails: too many numbers or too big ones."""
    digits = ascii_digits(text)
    count = 0
    for match in _TIME.finditer(digits):
        if int(match[1]) > 24 or int(match[2]) > 59:
            return False
        count += 1
    for match in _NUMBER.finditer(_TIME.sub(" ", digits)):
        token = match[0]
        if len(token) > 2 or int(token) > 24:
            return False
        count += 1
    return count <= MAX_WINDOW_NUMBERS
