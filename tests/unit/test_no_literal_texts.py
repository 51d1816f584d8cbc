"""Handlers and keyboards hold no user-facing text: everything comes from the locale files."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SCANNED = sorted(
    [
        *(ROOT / "handlers").rglob("*.py"),
        *(ROOT / "bot" / "keyboards").rglob("*.py"),
        ROOT / "bot" / "commands.py",
    ]
)
TEXT_ARGS = {"text", "caption", "description", "title", "placeholder", "input_field_placeholder"}
SENDERS = {
    "answer",
    "reply",
    "send_message",
    "edit_text",
    "edit_message_text",
    "answer_callback_query",
    "send_document",
    "send_photo",
    "edit_caption",
    "answer_document",
    "answer_photo",
}
LETTERS = re.compile(r"[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]{2,}")


def _is_literal_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(LETTERS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_is_literal_text(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _is_literal_text(node.left) or _is_literal_text(node.right)
    return False


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):  # callback_answer.text = "..."
            for target in node.targets:
                attribute = isinstance(target, ast.Attribute) and target.attr in TEXT_ARGS
                if attribute and _is_literal_text(node.value):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            continue
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        candidates = [kw.value for kw in node.keywords if kw.arg in TEXT_ARGS]
        if name in SENDERS and node.args:
            candidates.append(node.args[0] if name != "send_message" else node.args[-1])
        found += [f"{path.relative_to(ROOT)}:{c.lineno}" for c in candidates if _is_literal_text(c)]
    return found


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_literal_user_facing_text(path: Path) -> None:
    assert _offences(path) == []


def test_the_scan_catches_a_literal(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        'async def h(m, a):\n    await m.answer("Привет")\n    await m.answer(text=f"Hi {m}")\n'
        '    a.text = "Кнопка устарела"\n'
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(_offences(bad)) == 3
    finally:
        ROOT = saved
