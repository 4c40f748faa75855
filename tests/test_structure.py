"""The package runs one way: views → forms / reports → services → definitions / models, with no cycle and
no import tucked inside a function to dodge one (only the app factory, the CLI and the blueprint registry
import lazily), and views stay thin: no queries, no state rules."""
from __future__ import annotations

import ast
import os
import re

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "campaign")
LAZY_ALLOWED = {"campaign", "campaign.cli", "campaign.views"}
# What each layer must never import (top-level helper modules such as timefmt and mail sit below all).
FORBIDDEN = {
    "models": {"services", "forms", "reports", "views", "definitions", "access", "auth", "cli", "jobs"},
    "definitions": {"services", "forms", "reports", "views", "models", "access", "auth", "cli", "jobs"},
    "services": {"forms", "reports", "views", "access", "auth", "cli", "jobs"},
    "jobs": {"forms", "views", "access", "auth", "cli"},
    "forms": {"reports", "views", "access", "cli"},
    "reports": {"forms", "views", "access", "auth", "cli", "jobs"},
}


def _modules():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in ("migrations", "__pycache__", "static")]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, os.path.join(ROOT, ".."))[:-3].replace(os.sep, ".")
                yield (rel[: -len(".__init__")] if rel.endswith(".__init__") else rel), path, name == "__init__.py"


MODULES = {name: (path, is_package) for name, path, is_package in _modules()}


def _source(name: str) -> str:
    with open(MODULES[name][0], encoding="utf-8") as fh:
        return fh.read()


def _imports(name: str):
    """(imported module, inside a function?) for every import of a campaign module in `name`."""
    is_package = MODULES[name][1]
    tree = ast.parse(_source(name))
    in_function = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(f)}
    package = name if is_package else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("campaign"):
                continue
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
            for found in subs or [target]:
                yield found, id(node) in in_function
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("campaign"):
                    yield alias.name, id(node) in in_function


def test_no_import_is_hidden_inside_a_function():
    hidden = sorted(f"{name} imports {target}" for name in MODULES if name not in LAZY_ALLOWED
                    for target, lazy in _imports(name) if lazy)
    assert not hidden


def test_no_import_cycle():
    graph = {name: {t for t, _ in _imports(name) if t in MODULES and t != name and t != "campaign"}
             for name in MODULES}
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " → ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_downwards(layer):
    wrong = sorted(f"{name} imports {target}" for name in MODULES if name.split(".")[1:2] == [layer]
                   for target, _ in _imports(name) if target.split(".")[1:2] and target.split(".")[1] in FORBIDDEN[layer])
    assert not wrong


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("campaign.views.")))
def test_views_hold_no_queries_or_state_rules(name):
    source = _source(name)
    for needle in ("sa.select(", "import sqlalchemy", "TRANSITIONS", "SubmissionState.", "effective_deadline",
                   "db.session.execute(", "db.session.scalars(", "db.session.get(", "db.session.scalar("):
        assert needle not in source, (f"{name} has {needle}: that belongs in a service, or in access.py when it "
                                      "fetches an object or answers 404")


LATENESS = re.compile(r"\b(now|submitted_at|moment)\s*[<>]=?\s*[\w.]*deadline\b|\bdeadline\s*[<>]=?\s*[\w.]*(now|submitted_at)\b")


def test_lateness_is_decided_only_by_is_overdue():
    """A deadline compared with now or a submit time anywhere but services/deadlines.py is a drifting copy."""
    found = []
    templates = os.path.join(ROOT, "..", "templates")
    paths = [p for p, _ in MODULES.values() if not p.endswith(os.path.join("services", "deadlines.py"))]
    paths += [os.path.join(folder, name) for folder, _, names in os.walk(templates) for name in names]
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if LATENESS.search(line):
                    found.append(f"{os.path.relpath(path, ROOT)}:{number}: {line.strip()}")
    assert not found, "use deadlines.is_overdue:\n" + "\n".join(found)
