"""The domain library stays free of orchestration, light to import, and layered by the stage of the data flow."""

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
    code = (
        "import sys, importlib, pkgutil, scoring\n"
        "for m in pkgutil.walk_packages(scoring.__path__, 'scoring.'): importlib.import_module(m.name)\n"
        "import flows.cli\n"
        "print(sorted(k for k in ('prefect', 'great_expectations') if k in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def test_the_bid_template_document_names_every_sheet_and_heading_the_code_declares():
    """docs/bid-template.md is what bidders read; scoring's template declaration is what the reader reads."""
    from scoring.intake.template import SHEETS

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


# The stages of the data flow, earliest first. A module may import from its own stage and earlier ones only:
# the foundation (shared models, issues, errors, formatting) is imported by all and imports none of the stages.
LAYERS = ["foundation", "intake", "rules", "claims", "award", "contract", "reports", "audit", "pipeline"]
FOUNDATION = {
    "__init__",
    "errors",
    "issues",
    "yamlio",
    "yamledit",
    "formatting",
    "models",
    "names",
    "facts",
    "dates",
    "law",
}
WHOLE = {"pipeline", "schemas", "starter"}  # over every stage: the run, the published schemas, a new tender


def _layer(module: str) -> str:
    top = module.split(".")[1] if module.count(".") else "__init__"
    return "foundation" if top in FOUNDATION else "pipeline" if top in WHOLE else top


def _imports() -> dict[str, list[tuple[str, bool]]]:
    """scoring module -> the scoring modules it imports, each marked whether the import is at module level."""
    out: dict[str, list[tuple[str, bool]]] = {}
    for path in (ROOT / "scoring").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        tree = ast.parse(path.read_text(), filename=str(path))
        top_level = {id(n) for n in tree.body}
        found = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scoring"):
                found.append((node.module, id(node) in top_level))
            elif isinstance(node, ast.Import):
                found += [(a.name, id(node) in top_level) for a in node.names if a.name.startswith("scoring")]
        out[module] = found
    return out


def test_every_module_belongs_to_a_stage():
    for module in _imports():
        assert _layer(module) in LAYERS, f"{module} is in no stage: add it to a subpackage or the foundation"


def test_imports_run_from_later_stages_to_earlier_ones():
    wrong = []
    for module, imported in _imports().items():
        for target, _top in imported:
            if target != "scoring" and LAYERS.index(_layer(target)) > LAYERS.index(_layer(module)):
                wrong.append(f"{module} imports {target} ({_layer(module)} may not import {_layer(target)})")
    assert wrong == []


def test_no_import_cycle_between_modules():
    imports = _imports()
    graph = {m: {t for t, top in imported if top and t in imports} for m, imported in imports.items()}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in graph.get(m, ()):
            assert state.get(t) != 1, "import cycle: " + " -> ".join(path + [m, t])
            if t not in state:
                visit(t, path + [m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_reports_format_figures_through_one_module():
    """Reports take money and number formats from scoring.formatting, not from the scoring functions."""
    for module, imported in _imports().items():
        if _layer(module) == "reports":
            assert not any(t == "scoring.rules.functions" for t, _ in imported), module
