"""The direction of every import, as README's Layout section states it:
views -> forms, store, migration, export; migration and export -> store;
store -> domain, db. The database layer and the domain know nothing above
them, and none of them imports Flask."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEBAPP = ROOT / "webapp"

# Which of our own packages each package may import (itself always).
ALLOWED = {
    "db": set(),
    "domain": set(),
    "store": {"domain", "db"},
    "migration": {"store", "domain", "db"},
    "export": {"store", "domain", "db"},
    "forms": {"domain", "export"},
    "views": {"forms", "store", "migration", "export", "domain", "security"},
    "security": {"store", "domain"},
    "templating": {"domain", "security"},
}
WEB = {"flask", "flask_login", "flask_wtf", "wtforms", "click"}
DATABASE = {"pymongo", "bson"}
# Third-party packages a layer must not import. A CLI module is the one
# place migration/ and export/ meet Flask (its command groups).
FORBIDDEN = {
    "db": WEB, "domain": WEB | DATABASE, "store": WEB,
    "migration": WEB, "export": WEB,
    "forms": DATABASE, "views": DATABASE, "security": DATABASE, "templating": DATABASE,
}


def package_of(path):
    parts = path.relative_to(WEBAPP).with_suffix("").parts
    return parts[0]


def imports(path):
    """(our package, third-party top-level name) pairs a module imports."""
    tree = ast.parse(path.read_text(), str(path))
    ours, theirs = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{a.name}" if node.module == "webapp" else node.module for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "webapp" and len(parts) > 1:
                ours.add(parts[1])
            else:
                theirs.add(parts[0])
    return ours, theirs


def modules():
    return sorted(p for p in WEBAPP.rglob("*.py") if package_of(p) in ALLOWED)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_one_way(path):
    package = package_of(path)
    ours, theirs = imports(path)
    against = sorted(ours - ALLOWED[package] - {package})
    assert not against, f"{path.relative_to(ROOT)} ({package}) imports {against}: against README's arrows"
    forbidden = FORBIDDEN[package]
    if path.stem == "cli" and package in {"migration", "export"}:
        forbidden = forbidden - {"flask", "click"}
    assert not sorted(theirs & forbidden), f"{path.relative_to(ROOT)} ({package}) imports {sorted(theirs & forbidden)}"


def test_the_rules_cover_every_package():
    packages = {package_of(p) for p in WEBAPP.rglob("*.py")}
    top = {"__init__", "app", "cli", "config", "converters", "demo", "embedded"}  # the factory and its glue
    assert packages - top <= set(ALLOWED), f"no layering rule for {sorted(packages - top - set(ALLOWED))}"


def test_a_wrong_arrow_is_caught(tmp_path):
    """The checker itself: a store module importing a view is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("from webapp.views import patients\nimport flask\n")
    ours, theirs = imports(bad)
    assert "views" in ours - ALLOWED["store"] and "flask" in theirs & FORBIDDEN["store"]


def test_domain_store_and_db_import_without_flask():
    code = ("import sys, webapp.domain, webapp.store, webapp.db\n"
            "import pkgutil, importlib\n"
            "for pkg in (webapp.domain, webapp.store):\n"
            "    for m in pkgutil.iter_modules(pkg.__path__):\n"
            "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
            "print(sorted(m for m in sys.modules if m == 'flask' or m.startswith('flask.')))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
