"""Imports point one way: the core never imports the web, telephony or job adapters."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_CORE = ("flask", "flask_socketio", "flask_wtf", "socketio", "panoramisk", "asterisk",
                     "rq", "twilio", "agent_ui", "ivr", "integrations")
COMPOSITION_ROOT = {"cli.py", "cli_core.py", "bootstrap.py", "serving.py"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_imports_no_adapter():
    offenders = {}
    for path in (ROOT / "callcenter").rglob("*.py"):
        if path.name in COMPOSITION_ROOT and path.parent.name == "callcenter":
            continue
        bad = imported_roots(path) & set(FORBIDDEN_IN_CORE)
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_domain_imports_neither_the_store_nor_sqlalchemy():
    for path in (ROOT / "callcenter" / "domain").rglob("*.py"):
        assert not imported_roots(path) & {"sqlalchemy", "flask"}, path
