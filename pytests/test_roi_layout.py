"""The business-case code keeps its layers: computation (``cases``, ``methods``) never imports presentation, and
presentation reads the cases' results, never the marts."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

ROI = PROJECT_ROOT / "customer_intel" / "roi"
COMPUTATION = ("cases", "methods")
PRESENTATION = "presentation"
MAX_LINES = 400


def modules(folder: str) -> list[Path]:
    paths = sorted((ROI / folder).glob("*.py"))
    assert paths, folder
    return paths


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, as absolute dotted names (``from x import y`` counts x and x.y)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("folder", COMPUTATION)
def test_computation_never_imports_presentation(folder):
    for path in modules(folder):
        wrong = sorted(name for name in imported_modules(path)
                       if name.startswith(("customer_intel.roi.presentation", "customer_intel.roi.run")))
        assert not wrong, f"{folder}/{path.name} imports {wrong}"


def test_computation_does_not_load_presentation_indirectly():
    """Importing every case and method loads no presentation module (nothing reaches it through another module)."""
    program = ("import sys, customer_intel.roi.cases, customer_intel.roi.methods.sensitivity, "
               "customer_intel.roi.methods.monte_carlo, customer_intel.roi.methods.scenarios\n"
               "print(sorted(m for m in sys.modules if m.startswith('customer_intel.roi.presentation')))")
    proc = subprocess.run([sys.executable, "-c", program], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"


def test_presentation_never_reads_the_marts():
    for path in modules(PRESENTATION):
        wrong = sorted(name for name in imported_modules(path) if name.startswith("customer_intel.roi.marts"))
        assert not wrong, f"presentation/{path.name} imports {wrong}"
        source = path.read_text(encoding="utf-8")
        assert ".marts." not in source and "read_marts" not in source, f"presentation/{path.name} reads marts"


def test_the_checks_above_can_fail(tmp_path):
    """The import scan sees both import forms (a scan that saw nothing would pass everything)."""
    sample = tmp_path / "sample.py"
    sample.write_text("import customer_intel.roi.marts\nfrom customer_intel.roi.presentation import charts\n")
    assert {"customer_intel.roi.marts", "customer_intel.roi.presentation.charts"} <= imported_modules(sample)


def test_no_module_is_over_400_lines():
    long = {str(path.relative_to(PROJECT_ROOT)): lines for path in (PROJECT_ROOT / "customer_intel").rglob("*.py")
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long
