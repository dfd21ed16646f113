"""Dependencies point one way: matching <- mdm <- stewardship; the app that joins them is ``hub``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What each package may never import.
FORBIDDEN = {"matching": ("mdm", "stewardship", "flask", "sqlalchemy", "hub"), "mdm": ("stewardship", "hub"),
             "stewardship": ("hub",)}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_never_imports_the_layers_above_it(package: str) -> None:
    offending = {str(path.relative_to(ROOT)): sorted(_imports(path) & set(FORBIDDEN[package]))
                 for path in (ROOT / package).rglob("*.py")}
    assert {path: names for path, names in offending.items() if names} == {}
