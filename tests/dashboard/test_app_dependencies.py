"""The dashboard builds on the annotations and the corpus, never the reverse."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package):
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path.relative_to(ROOT), node.module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield path.relative_to(ROOT), alias.name


def test_neither_the_corpus_nor_the_annotations_import_the_dashboard():
    offending = [
        f"{path}: {module}"
        for package in ("corpus_app", "annotations")
        for path, module in imported_modules(package)
        if module == "dashboard" or module.startswith("dashboard.")
    ]
    assert offending == []
