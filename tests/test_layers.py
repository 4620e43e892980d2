"""The layer rules of DESIGN.md: Qt only in annotator.gui; no torch in core, store, export."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "annotator"


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] != "__main__":  # importing it would start the program
            names.append(".".join(parts))
    return names


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _loaded_after_import(modules: list[str], roots: tuple[str, ...]) -> list[str]:
    """Import ``modules`` in a fresh interpreter; which modules under ``roots`` got loaded."""
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {roots!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    return [m for m in out.stdout.strip().split(",") if m]


def test_no_qt_outside_gui_even_indirectly() -> None:
    outside = [m for m in _modules() if not m.startswith("annotator.gui")]
    for path in sorted(PACKAGE.rglob("*.py")):
        if "gui" not in path.relative_to(PACKAGE).parts:
            assert "PySide6" not in _imported_roots(path), f"{path} imports PySide6"
    assert _loaded_after_import(outside, ("PySide6", "shiboken6")) == []


@pytest.mark.parametrize("package", ["core", "store", "export"])
def test_no_torch_in_core_store_export(package: str) -> None:
    for path in sorted((PACKAGE / package).rglob("*.py")):
        assert "torch" not in _imported_roots(path), f"{path} imports torch"
    inside = [m for m in _modules() if m.startswith(f"annotator.{package}")]
    assert _loaded_after_import(inside, ("torch",)) == []


def test_the_ast_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6 import QtCore\nimport torch.nn as nn\n")
    assert {"PySide6", "torch"} <= _imported_roots(bad)
