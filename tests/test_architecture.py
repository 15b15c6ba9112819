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


def test_the_bid_template_document_names_every_sheet_and_heading_the_code_declares():
    """docs/bid-template.md is what bidders read; scoring's template declaration is what the reader reads."""
    from scoring.template import SHEETS

    doc = (ROOT / "docs" / "bid-template.md").read_text(encoding="utf-8")
    for sheet in SHEETS:
        assert f"## Sheet `{sheet.name}`" in doc, sheet.name
        for f in sheet.fields:
            assert f"| {f.heading} |" in doc, (sheet.name, f.heading)


def test_nothing_reads_outside_the_repository():
    import re

    pattern = re.compile(r"\.\./shared|parent\s*/\s*[\"']shared[\"']|parents\[\d\]\s*/\s*[\"']shared")
    for folder in ("scoring", "flows", "tests", "bench", "sample_bids"):
        for path in (ROOT / folder).rglob("*.py"):
            assert not pattern.search(path.read_text(encoding="utf-8")), path
