"""Every message id the code hands over as a plain string exists in both languages.

Outbox messages carry a locale key (``Text(key=...)``) that is rendered only when the delivery
worker sends them, so a typo is a failed delivery at run time, long after the change. This
scans the code's syntax tree for the places a key is consumed (``Text``, ``i18n.get``, ``_``,
``translator.get``), follows a key given to them as a function's parameter back to the callers
of that function (``_requester_message(request, "request-taken", ...)``), and a local variable
back to the constants assigned to it; every string constant found must be a message id.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.unit.test_locales import KK, ROOT, RU

CODE_DIRS = [ROOT / "bot", ROOT / "handlers", ROOT / "scheduler"]
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class Forwarder:
    """A function whose parameter ends up as a locale key."""

    name: str
    parameter: str
    position: int | None  # among positional parameters, ``self`` not counted; None: keyword only


@dataclass
class Scan:
    keys: dict[str, set[str]] = field(default_factory=dict)  # key -> where it was found
    forwarders: set[Forwarder] = field(default_factory=set)

    def add(self, key: str, where: str) -> None:
        self.keys.setdefault(key, set()).add(where)


def _sink_argument(call: ast.Call) -> ast.expr | None:
    """The argument of ``call`` that is a locale key, when ``call`` consumes one."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    owner = func.value if isinstance(func, ast.Attribute) else None
    owner_name = (
        owner.id
        if isinstance(owner, ast.Name)
        else (owner.attr if isinstance(owner, ast.Attribute) else None)
    )
    keyword = {k.arg: k.value for k in call.keywords}
    if name == "Text":
        return keyword.get("key") or (call.args[0] if call.args else None)
    if name == "_" or (name == "get" and owner_name == "i18n"):
        return call.args[0] if call.args else None
    if name == "get" and owner_name == "translator":
        return call.args[1] if len(call.args) > 1 else None
    return None


def _forwarded_argument(call: ast.Call, forwarder: Forwarder) -> ast.expr | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name != forwarder.name:
        return None
    for keyword in call.keywords:
        if keyword.arg == forwarder.parameter:
            return keyword.value
    if forwarder.position is not None and forwarder.position < len(call.args):
        argument = call.args[forwarder.position]
        return None if isinstance(argument, ast.Starred) else argument
    return None


def _parameters(function: FunctionNode) -> dict[str, int | None]:
    positional = [*function.args.posonlyargs, *function.args.args]
    if positional and positional[0].arg in ("self", "cls"):
        positional = positional[1:]
    found: dict[str, int | None] = {a.arg: i for i, a in enumerate(positional)}
    found.update({a.arg: None for a in function.args.kwonlyargs})
    return found


def _assigned(function: FunctionNode, name: str) -> Iterator[ast.expr]:
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr):
            targets = [node.target]
        else:
            continue
        if node.value is not None and any(
            isinstance(t, ast.Name) and t.id == name for t in targets
        ):
            yield node.value


def _resolve(
    expr: ast.expr, function: FunctionNode | None, scan: Scan, where: str, depth: int = 0
) -> None:
    """Record the constant keys ``expr`` can be; a parameter makes ``function`` a forwarder.
    Anything computed (f-strings, lookups) is left to the run-time checks."""
    if depth > 5:
        return
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        scan.add(expr.value, where)
    elif isinstance(expr, ast.IfExp):
        _resolve(expr.body, function, scan, where, depth + 1)
        _resolve(expr.orelse, function, scan, where, depth + 1)
    elif isinstance(expr, ast.BoolOp):
        for value in expr.values:
            _resolve(value, function, scan, where, depth + 1)
    elif isinstance(expr, ast.Name) and function is not None:
        parameters = _parameters(function)
        if expr.id in parameters:
            scan.forwarders.add(Forwarder(function.name, expr.id, parameters[expr.id]))
        for value in _assigned(function, expr.id):
            _resolve(value, function, scan, where, depth + 1)


def _functions_and_calls(tree: ast.Module) -> Iterator[tuple[FunctionNode | None, ast.Call]]:
    """Every call with its innermost enclosing function (None at module level)."""

    def visit(
        node: ast.AST, function: FunctionNode | None
    ) -> Iterator[tuple[FunctionNode | None, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, FunctionNode) else function
            if isinstance(child, ast.Call):
                yield function, child
            yield from visit(child, inner)

    yield from visit(tree, None)


def scan_sources(sources: Iterable[tuple[str, str]]) -> Scan:
    """Scan (name, source text) pairs; forwarders are followed until no new one appears."""
    calls = [
        (name, function, call)
        for name, source in sources
        for function, call in _functions_and_calls(ast.parse(source, filename=name))
    ]
    scan = Scan()
    while True:
        known = set(scan.forwarders)
        for name, function, call in calls:
            where = f"{name}:{call.lineno}"
            sink = _sink_argument(call)
            if sink is not None:
                _resolve(sink, function, scan, where)
            for forwarder in known:
                argument = _forwarded_argument(call, forwarder)
                if argument is not None:
                    _resolve(argument, function, scan, where)
        if scan.forwarders == known:
            return scan


def _code_sources(dirs: Iterable[Path]) -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
        for directory in dirs
        for path in sorted(directory.rglob("*.py"))
        if "sandbox" not in path.parts
    ]


SCAN = scan_sources(_code_sources(CODE_DIRS))


def test_the_scan_finds_outbox_keys_and_forwarders() -> None:
    """Guards the scan itself: if these go missing, it has gone stale, not the code clean."""
    assert {"request-push", "btn-take-task", "volunteer-blocked"} <= set(SCAN.keys)
    assert "request-on-way" in SCAN.keys  # only ever given to _tell_requester
    names = {f.name for f in SCAN.forwarders}
    assert {"_requester_message", "_tell_requester"} <= names


@pytest.mark.parametrize("key", sorted(SCAN.keys))
def test_key_exists_in_both_locales(key: str) -> None:
    where = ", ".join(sorted(SCAN.keys[key]))
    assert key in RU, f"{key!r} ({where}) is missing in ru"
    assert key in KK, f"{key!r} ({where}) is missing in kk"


def test_a_typo_behind_a_forwarder_is_caught() -> None:
    source = """
def _note(request, key, args):
    return Text(key=key, args=args)

async def _tell(session, request, key, now):
    return _note(request, key, {})

async def done(session, request, now, ok):
    await _tell(session, request, "request-dnoe" if ok else "request-failed", now)
    await _tell(session, request, key="request-on-way", now=now)
"""
    scan = scan_sources([("example.py", source)])
    assert {"request-dnoe", "request-failed", "request-on-way"} <= set(scan.keys)
    assert "request-dnoe" not in RU
