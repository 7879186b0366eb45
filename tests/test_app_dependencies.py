"""The apps depend one way: ``corpus_app`` <- ``annotations`` <- ``dashboard``.

Read from the source (``ast``), so an import inside a function counts as much as one at the top.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each app must never import: the apps built on it.
FORBIDDEN = {
    "corpus_app": {"annotations", "dashboard"},
    "annotations": {"dashboard"},
}


def imported_apps(path):
    """The top-level package of every module ``path`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def modules(app):
    return sorted((ROOT / app).rglob("*.py"))


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_imports_nothing_from_the_apps_built_on_it(app):
    assert modules(app), f"no modules found for {app}"
    offenders = {}
    for path in modules(app):
        name = path.relative_to(ROOT).as_posix()
        wrong = FORBIDDEN[app] & set(imported_apps(path))
        if wrong:
            offenders[name] = sorted(wrong)
    assert offenders == {}, f"{app} must not import the apps built on it"


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from annotations.models import Claim\n    import dashboard.views\n")
    assert set(imported_apps(module)) == {"annotations", "dashboard"}
