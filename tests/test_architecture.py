"""The domain library stays free of orchestration, and light to import."""

import ast
import subprocess
import sys

from conftest import ROOT


def test_scoring_never_imports_prefect():
    for path in (ROOT / "scoring").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n == "prefect" or n.startswith("prefect.") for n in names), path


def test_heavy_libraries_load_only_when_used():
    code = ("import sys, importlib, pkgutil, scoring\n"
            "for m in pkgutil.iter_modules(scoring.__path__): importlib.import_module('scoring.' + m.name)\n"
            "import flows.cli\n"
            "print(sorted(k for k in ('prefect', 'great_expectations') if k in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"
