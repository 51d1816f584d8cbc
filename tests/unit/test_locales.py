"""Both languages hold the same messages with the same variables, and the code only asks for
messages that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

ROOT = Path(__file__).parents[2]
LOCALES = ROOT / "locales"
CODE_DIRS = [ROOT / "bot", ROOT / "handlers", ROOT / "scheduler"]
# Same in every language on purpose: each language's own name is written in that language.
SAME_IN_BOTH = {"language-name-ru", "language-name-kk", "language-choose-first"}


class _Variables(Visitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.names.add(node.id.name)


def _messages(locale: str) -> dict[str, ast.Message]:
    messages: dict[str, ast.Message] = {}
    parser = FluentParser()
    for path in sorted((LOCALES / locale).glob("*.ftl")):
        resource = parser.parse(path.read_text(encoding="utf-8"))
        for entry in resource.body:
            if isinstance(entry, ast.Junk):
                raise AssertionError(f"{path}: syntax error near {(entry.content or '')[:60]!r}")
            if isinstance(entry, ast.Message):
                assert entry.id.name not in messages, f"{locale}: {entry.id.name} defined twice"
                messages[entry.id.name] = entry
    return messages


def _variables(message: ast.Message) -> set[str]:
    visitor = _Variables()
    visitor.visit(message)
    return visitor.names


def _plain_text(message: ast.Message) -> str:
    assert message.value is not None
    return "".join(el.value for el in message.value.elements if isinstance(el, ast.TextElement))


RU = _messages("ru")
KK = _messages("kk")


def test_same_message_ids() -> None:
    assert set(RU) - set(KK) == set(), "missing in kk"
    assert set(KK) - set(RU) == set(), "missing in ru"


@pytest.mark.parametrize("key", sorted(RU))
def test_same_variables(key: str) -> None:
    assert _variables(RU[key]) == _variables(KK[key])


@pytest.mark.parametrize("key", sorted(set(RU) - SAME_IN_BOTH))
def test_kazakh_is_not_a_russian_copy(key: str) -> None:
    ru, kk = _plain_text(RU[key]), _plain_text(KK[key])
    if re.search(r"[А-Яа-яЁё]", ru):
        assert ru != kk, f"{key}: Kazakh text is the Russian one"


def test_kazakh_uses_kazakh_letters() -> None:
    text = " ".join(_plain_text(m) for m in KK.values())
    assert re.search(r"[әғқңөұүһі]", text, re.IGNORECASE)


KEY_PATTERNS = [
    re.compile(r"""\bi18n\.get\(\s*["']([a-z0-9-]+)["']"""),
    re.compile(r"""\b_\(\s*f?["']([a-z0-9-]+)["']"""),
    re.compile(r"""translator\.get\(\s*[a-z_.]+,\s*["']([a-z0-9-]+)["']"""),
    re.compile(r"""\bButton\(\s*["']([a-z0-9-]+)["']"""),
]


def _keys_used_in_code() -> set[str]:
    keys: set[str] = set()
    for directory in CODE_DIRS:
        for path in directory.rglob("*.py"):
            if "sandbox" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            for pattern in KEY_PATTERNS:
                keys.update(pattern.findall(source))
    return keys


def test_code_asks_only_for_existing_messages() -> None:
    used = _keys_used_in_code()
    assert used, "the scan found no message ids at all: the patterns are stale"
    assert used - set(RU) == set()


def test_every_command_has_a_description() -> None:
    from bot.commands import CITIZEN_COMMANDS, COORDINATOR_COMMANDS

    for name in (*CITIZEN_COMMANDS, *COORDINATOR_COMMANDS):
        assert f"cmd-{name}" in RU


def test_translator_renders_both_languages() -> None:
    from bot.i18n import Translator

    translator = Translator("ru")
    assert translator.get("ru", "start-greeting", name="Анна").startswith("Здравствуйте, Анна!")
    assert translator.get("kk", "start-greeting", name="Анна").startswith("Сәлеметсіз бе, Анна!")
    # No bidi isolation marks: they break tel: links and numbers.
    assert "\u2068" not in translator.get("kk", "stats-users", total=1, blocked=0, ru=1, kk=0)
    assert translator.variants("btn-help") == {"ℹ️ Справка", "ℹ️ Анықтама"}
