"""Guard: outside `civdash/ledgers/` no code branches on a ledger kind's name.

What a kind does (its synonyms, derived columns, composite key, colours, whether it is dated …)
lives on its `LedgerKind`; generic code asks the kind. This test reads every module of
`civdash/` outside `civdash/ledgers/` and fails listing each branch on a kind's name it finds:

- a comparison with a kind's name: `kind == "issues"`, `ledger != "targets"`,
  `kind in ("units", "volunteers")`, `case "issues":`;
- a dict literal keyed by two or more kind names (a private per-kind table);
- a `Literal[...]` naming two or more kinds (a closed list of kinds).

Code *about* one ledger (the issues page reading `led.frame("issues")`, a metric defined on the
issues ledger) is no branch and is not flagged.
"""

from __future__ import annotations

import ast
from pathlib import Path

from civdash.ledgers import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
CIVDASH = ROOT / "civdash"
KIND_NAMES = frozenset(REGISTRY)

ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        # the CLI's `districts` subcommand shares the districts kind's name; no kind is compared
        ("civdash/cli.py", 'args.command == "districts"'),
        # the volunteer teams table sorts by its "volunteers" column (head count), not a kind
        ("civdash/views/volunteers.py", 'by == "volunteers"'),
        # the sample city imports its district table on the districts' own path (boundaries
        # and population, `Store.commit_districts`): code about that one ledger
        ("civdash/sample.py", 'f.kind == "districts"'),
        ("civdash/sample.py", 'f.kind != "districts"'),
        # the sample city's office files: its contacts list and its monthly 测评 reports come
        # as whole-city files of those two ledgers (packaged or simulated), not as the weekly
        # district parts every other ledger is made of: code about the sample, not a kind rule
        ("civdash/sample/loader.py", 'kind == "contacts"'),
        ("civdash/sample/loader.py", 'kind == "assessments"'),
    }
)
"""(path, source text) of comparisons that mention a kind's name but do not branch on a kind."""


def _kind_names(node: ast.AST) -> list[str]:
    """The kind names among the string constants of `node` (itself or a tuple/list/set of them)."""
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    return [
        i.value
        for i in items
        if isinstance(i, ast.Constant) and isinstance(i.value, str) and i.value in KIND_NAMES
    ]


def _is_literal(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "Literal") or (
        isinstance(node, ast.Attribute) and node.attr == "Literal"
    )


def branches_in(source: str) -> list[tuple[int, str]]:
    """(line, source text) of every branch on a kind's name in a module's source."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        hit = False
        if isinstance(node, ast.Compare):
            hit = any(_kind_names(x) for x in (node.left, *node.comparators))
        elif isinstance(node, ast.MatchValue):
            hit = bool(_kind_names(node.value))
        elif isinstance(node, ast.Dict):
            hit = len([k for k in node.keys if k is not None and _kind_names(k)]) >= 2
        elif isinstance(node, ast.Subscript) and _is_literal(node.value):
            hit = len(_kind_names(node.slice)) >= 2
        if hit:
            text = ast.get_source_segment(source, node) or ""
            found.append((getattr(node, "lineno", 0), " ".join(text.split())))
    return found


def _modules() -> list[Path]:
    ledgers = CIVDASH / "ledgers"
    return sorted(p for p in CIVDASH.rglob("*.py") if ledgers not in p.parents)


def test_no_module_outside_ledgers_branches_on_a_kind_name() -> None:
    offending = []
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        for line, text in branches_in(path.read_text(encoding="utf-8")):
            if (rel, text) not in ALLOWED:
                offending.append(f"{rel}:{line}: {text}")
    assert offending == [], "branches on a ledger kind's name:\n" + "\n".join(offending)


def test_the_guard_finds_each_form_of_branch() -> None:
    source = """
from typing import Literal
def f(kind, ledger, k):
    if kind == "issues" or ledger != "targets":
        pass
    if k.key in ("units", "volunteers"):
        pass
    match kind:
        case "districts":
            pass
KEYS = {"units": ("a",), "issues": ("b",)}
Kind = Literal["volunteers", "issues", "units"]
columns = {"issues": 1, "closed": 2}  # one kind-named column: not a table of kinds
sort = Literal["volunteers", "hours"]
frame = led.frame("issues")
"""
    assert sorted(line for line, _ in branches_in(source)) == [4, 4, 6, 9, 11, 12]
