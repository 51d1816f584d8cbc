"""Text typed by a person is stored without invisible characters; time windows carry no phone
numbers however they are spaced."""

from __future__ import annotations

import pytest

from bot.services import volunteers
from bot.services.cleaning import ascii_digits, clean_bounded, clean_text, window_numbers_ok

INVISIBLE_ONLY = [
    "\u200b",
    "\u200b\u202e",
    "\u200c\u200d\u2060\ufeff",
    "\u200e\u200f\u061c",
    "\u202a\u202b\u202c\u202d\u202e",
    "\u2066\u2067\u2068\u2069",
    "\u00ad\u180e\U000e0041",  # soft hyphen, Mongolian vowel separator, a tag character
    "\x00\x07\x1b\x7f\x9f",
    "\u3164\u115f\u1160\uffa0\u2800",  # fillers that render blank
    " \t\u00a0\u3000\u2028 ",
    "\u0301\u034f",  # a combining mark with nothing to sit on
    "",
]


@pytest.mark.parametrize("value", INVISIBLE_ONLY)
def test_nothing_visible_is_empty(value: str) -> None:
    assert clean_text(value) == ""
    assert clean_text(value, multiline=True) == ""


def test_none_is_empty() -> None:
    assert clean_text(None) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Анна\u202e Петрова", "Анна Петрова"),
        ("\u202eавонаП анаМ", "авонаП анаМ"),
        ("  Иван \u200b  Иванович\t ", "Иван Иванович"),
        ("ул.\u00a0Ленина,\u20035", "ул. Ленина, 5"),
        ("строка\nвторая\r\nтретья", "строка вторая третья"),
        ("Е\u0301лка", "Е\u0301лка"),  # no precomposed form: kept as is
        ("e\u200b\u0301", "\u00e9"),  # joined once the zero-width between them is gone
        ("A\u0308", "\u00c4"),
        ("Айгүл 👩\u200d👩\u200d👧", "Айгүл 👩👩👧"),
        ("\ud800Ира", "Ира"),  # a lone surrogate cannot be stored
    ],
)
def test_single_line(value: str, expected: str) -> None:
    assert clean_text(value) == expected


def test_multiline_keeps_line_breaks_and_one_blank_line() -> None:
    value = "  Хлеб,\u200b молоко \r\n\n\n\n  лекарства\u2028по списку  \n"
    assert clean_text(value, multiline=True) == "Хлеб, молоко\n\nлекарства\nпо списку"


def test_bounded_counts_what_is_left() -> None:
    assert clean_bounded("\u200b" * 10 + "ab", 3, 10) is None
    assert clean_bounded("abc\u200b\u200b", 3, 3) == "abc"
    assert clean_bounded("\u202e", 0, 10) is None


@pytest.mark.parametrize(
    ("clean", "value"),
    [
        (volunteers.clean_name, "\u200b\u202e"),
        (volunteers.clean_dobro, "\ufeff\u2060"),
        (volunteers.clean_reason, "\u2066\u2069 \u200b"),
    ],
)
def test_volunteer_fields_refuse_invisible_text(clean: object, value: str) -> None:
    assert callable(clean)
    assert clean(value) is None


def test_volunteer_name_loses_the_override() -> None:
    assert volunteers.clean_name("Мария\u202e Иванова") == "Мария Иванова"
    assert volunteers.clean_reason("не\u200bт  связи") == "нет связи"


def test_ascii_digits() -> None:
    assert ascii_digits("８９１３") == "8913"  # fullwidth
    assert ascii_digits("٨٩١٣ ८९") == "8913 89"  # Arabic-Indic, Devanagari
    assert ascii_digits("①²") == "12"


ACCEPTED_WINDOWS = [
    "утром",
    "после обеда",
    "с 9 до 12",
    "после 18",
    "до 24",
    "10:00-12:00",
    "10.00-12.00",
    "9:00–12:00, 15:00–18:00",
    "10-12 и 15-18",
    "с 0 до 6",
    "в 14:30",
    "с 09:00 до 11:30",
    "сағат 10-нан 12-ге дейін",
    "с ９ до １２",  # fullwidth hours are hours too
]

REFUSED_WINDOWS = [
    "8 9 1 3 1 2 3 4 5 6 7",
    "8-913-123-45-67",
    "+7 913 123 45 67",
    "8 (913) 123-45-67",
    "89131234567",
    "8.913.123.45.67",
    "８９１３１２３４５６７",
    "٨ ٩ ١ ٣ ١ ٢ ٣ ٤ ٥ ٦ ٧",
    "8⁹¹³",
    "1 2 3 4 5",
    "10 11 12 13 14",
    "звоните 12 34 56",
    "с 9 до 25",
    "12:60",
    "25:00",
    "9:00 12:00 15:00 18:00 20:00",
    "007",
]


@pytest.mark.parametrize("window", ACCEPTED_WINDOWS)
def test_window_accepted(window: str) -> None:
    assert window_numbers_ok(window)


@pytest.mark.parametrize("window", REFUSED_WINDOWS)
def test_window_refused(window: str) -> None:
    assert not window_numbers_ok(window)
