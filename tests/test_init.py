"""tenderscore init (issue 21): a new tender folder a buyer can start from, that the checks accept, that an
editor validates, whose blank bid workbook a bidder fills in and the evaluation ranks; and the same from a
wheel installed in a fresh virtual environment, without the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import jsonschema
import openpyxl
import pytest
import yaml
from conftest import ROOT

from flows.cli import main
from scoring.rules.load import load_rules
from scoring.starter import STARTER, Starter, files

SUPPLIER = {
    "Supplier name": "Acme Computers NV",
    "Registration number": "BE0123456789",
    "Country": "BE",
    "Contact email": "tenders@acme.example",
    "Submitted at": "2027-01-10 10:00",
    "Accepts Electronics Watch contract conditions": "Yes",
    "Enters into dialogue with Electronics Watch": "Yes",
    "Take-back and reuse service": "Yes",
    "Environmental management system": "ISO 14001",
}
ITEM = {
    "Category": "notebook",
    "Brand": "Acme",
    "Model": "Book 14",
    "Unit price": 800,
    "Warranty (years)": 5,
    "Spare parts availability (years)": 7,
    "Security updates (years)": 6,
    "Battery replaceable": "Yes",
    "Typical energy consumption (kWh/year)": 15,
    "Recycled plastic content (%)": 30,
    "Packaging recycled content (%)": 90,
}


def fill(blank: Path, out: Path, price: float, supplier: dict = SUPPLIER) -> Path:
    """What a bidder does with the blank workbook in a spreadsheet program: fill in and save under a name."""
    book = openpyxl.load_workbook(blank)
    ws = book["Supplier"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in supplier:
            row[1].value = supplier[row[0].value]
    items = book["Items"]
    headings = [c.value for c in items[1]]
    for row in items.iter_rows(min_row=2, max_row=items.max_row):
        if row[headings.index("Item")].value is None:
            continue
        monitor = row[headings.index("Item")].value.startswith("MON")
        for name, value in ITEM.items():
            cell = row[headings.index(name)]
            cell.value = value
        row[headings.index("Unit price")].value = price / (4 if monitor else 1)
        if monitor:
            row[headings.index("Category")].value = "monitor"
            row[headings.index("Battery replaceable")].value = "n/a"
            row[headings.index("Security updates (years)")].value = 0
    book.save(out)
    return out


def test_init_writes_a_tender_folder_the_checks_accept(tmp_path, capsys):
    folder = tmp_path / "tender"
    assert main(["init", str(folder), "--id", "CITY-2027-7", "--title", "Laptops: 2027", "--buyer", "City"]) == 0
    said = capsys.readouterr().out
    assert "bid-template.xlsx" in said and "tenderscore check" in said
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    assert names == [
        "bid-template.xlsx",
        "bids",
        "committee.yaml",
        "rules",
        "rules/criteria.yaml",
        "rules/labels.yaml",
        "rules/registers",
        "rules/registers/epeat.csv",
        "rules/registers/eu-ecolabel.csv",
        "rules/registers/index.yaml",
        "rules/registers/sa8000.csv",
        "rules/registers/tco-certified.csv",
        "rules/rules.schema.json",
        "tender.schema.json",
        "tender.yaml",
    ]
    tender = yaml.safe_load((folder / "tender.yaml").read_text())
    assert (tender["id"], tender["title"], tender["buyer"]) == ("CITY-2027-7", "Laptops: 2027", "City")
    assert main(["check", str(folder)]) == 0
    loaded = load_rules(folder / "rules" / "criteria.yaml")
    assert loaded.warnings == []  # the starting point carries no criterion the linter warns about
    assert sum(c.weight for c in loaded.rules.criteria) == 100
    # an editor validates both files with the schema written beside them (the first line names it)
    for path, schema in (("tender.yaml", "tender.schema.json"), ("rules/criteria.yaml", "rules.schema.json")):
        text = (folder / path).read_text()
        assert text.splitlines()[0] == f"# yaml-language-server: $schema={schema}"
        validator = jsonschema.Draft7Validator(json.loads(((folder / path).parent / schema).read_text()))
        data = json.loads(json.dumps(yaml.safe_load(text), default=lambda v: v.isoformat()))
        assert [e.message for e in validator.iter_errors(data)] == []


def test_the_starter_rule_set_is_built_on_the_library_and_is_the_one_it_replaced(tmp_path):
    """The starter's rule set takes its criteria from the library; written out, it is the rule set init wrote
    before the library (tests/fixtures/rules/starter-inline.yaml), criterion for criterion."""
    folder = tmp_path / "tender"
    assert main(["init", str(folder)]) == 0
    text = (folder / "rules" / "criteria.yaml").read_text()
    assert "library: tenderscore-ict" in text and "criteria:" not in text
    shutil.copy(ROOT / "tests" / "fixtures" / "rules" / "starter-inline.yaml", folder / "rules" / "inline.yaml")
    on_library, inline = load_rules(folder / "rules" / "criteria.yaml"), load_rules(folder / "rules" / "inline.yaml")
    ignore = {"source": True, "criteria": {"__all__": {"description", "descriptions"}}}  # the entries' texts
    assert on_library.rules.model_dump(exclude=ignore) == inline.rules.model_dump(exclude=ignore)
    assert [(u.id, u.version) for u in on_library.libraries[0].entries][:3] == [
        ("ew.dialogue", 1),
        ("ew.contract-conditions", 1),
        ("gpp.warranty-minimum", 1),
    ]


def test_the_starter_keeps_the_repository_catalogue_and_register_columns():
    assert (STARTER / "rules" / "labels.yaml").read_bytes() == (ROOT / "rules" / "labels.yaml").read_bytes()
    for path in (STARTER / "rules" / "registers").glob("*.csv"):
        ours = (ROOT / "rules" / "registers" / path.name).read_text().splitlines()[0]
        assert path.read_text().splitlines() == [ours]  # the columns only: the buyer exports the register


@pytest.mark.parametrize("language", ["en", "nl", "fr", "de"])
def test_a_bid_filled_in_from_the_blank_workbook_is_ranked(tmp_path, language, monkeypatch):
    from scoring.pipeline import evaluate

    folder = tmp_path / "tender"
    assert main(["init", str(folder), "--language", language]) == 0
    fill(folder / "bid-template.xlsx", folder / "bids" / "acme.xlsx", 800)
    other = dict(SUPPLIER, **{"Supplier name": "Bolt BV", "Registration number": "NL123456789B01"})
    fill(folder / "bid-template.xlsx", folder / "bids" / "bolt.xlsx", 700, other)
    [evaluation] = evaluate(folder)
    ranked = {b.bid_id: b for b in evaluation.bids}
    assert {b.status.value for b in ranked.values()} == {"ranked"}, [
        (b.bid_id, [i.code for i in b.issues]) for b in evaluation.bids
    ]
    assert [b.bid_id for b in sorted(evaluation.bids, key=lambda b: b.rank or 0)] == ["bolt", "acme"]
    assert not [i for b in evaluation.bids for i in b.issues if i.severity.value == "error"]
    book = openpyxl.load_workbook(folder / "bid-template.xlsx")
    assert book.sheetnames == ["Supplier", "Items", "Labels", "Factories"]
    supplier = {r[0].value: r[1].value for r in book["Supplier"].iter_rows(min_row=2)}
    assert supplier["Tender reference"] == "TENDER-2027-001" and supplier["Currency"] == "EUR"
    yes = book["Supplier"].data_validations.dataValidation[0].formula1
    assert yes.split(",")[0].strip('"') == {"en": "Yes", "nl": "Ja", "fr": "Oui", "de": "Ja"}[language]


def test_the_blank_workbook_follows_the_tenders_own_template(tmp_path):
    from scoring.intake.blank import blank_workbook
    from scoring.models import Tender

    data = yaml.safe_load(Starter(today=date(2027, 1, 4)).tender_yaml())
    data["template"] = {"sheets": {"Items": "Producten"}, "headings": {"Items": {"Unit price": "Eenheidsprijs"}}}
    tender = Tender.model_validate(data)
    path = tmp_path / "blank.xlsx"
    path.write_bytes(blank_workbook(tender))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Supplier", "Producten", "Labels", "Factories"]
    assert "Eenheidsprijs" in [c.value for c in book["Producten"][1]]
    assert blank_workbook(tender) == blank_workbook(tender)  # no clock in the file


def test_init_never_overwrites_and_refuses_wrong_values(tmp_path, capsys):
    folder = tmp_path / "tender"
    folder.mkdir()
    (folder / "tender.yaml").write_text("id: mine\n")
    assert main(["init", str(folder)]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert (folder / "tender.yaml").read_text() == "id: mine\n"
    assert main(["init", str(tmp_path / "new"), "--language", "es", "--currency", "euro", "--timezone", "Mars"]) == 2
    err = capsys.readouterr().err
    assert "language 'es'" in err and "currency 'euro'" in err and "time zone 'Mars'" in err
    assert not (tmp_path / "new").exists()
    # a hostile id is text in tender.yaml, never a path
    assert main(["init", str(tmp_path / "x"), "--id", "../../escape", "--title", 'a"b: [c]\\n']) == 0
    assert yaml.safe_load((tmp_path / "x" / "tender.yaml").read_text())["title"] == 'a"b: [c]\\n'
    assert not (tmp_path.parent / "escape").exists()
    assert main(["init", str(tmp_path / "y"), "--title", "two\nlines"]) == 2


def test_the_starter_files_are_the_same_for_the_same_values():
    one, two = files(Starter(today=date(2027, 1, 4))), files(Starter(today=date(2027, 1, 4)))
    assert one == two


@pytest.mark.slow
def test_a_built_wheel_installs_inits_and_evaluates_without_the_repository(tmp_path):
    """pip builds the wheel, a fresh virtual environment installs it (its dependencies are this
    environment's, on PYTHONPATH, so the test needs no network), and from a folder outside the repository
    tenderscore init and evaluate work: every module, template, catalogue, starter file and the criteria
    library is in the wheel."""
    source, wheels = tmp_path / "source", tmp_path / "wheels"
    cached = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*cache")
    top = {".git", "reports", "build", "dist"}  # the repository's own, not its sources (nor the .venv*)
    skipped = lambda folder, names: (
        cached(folder, names)
        | ({n for n in names if n in top or n.startswith(".venv")} if Path(folder) == ROOT else set())
    )
    shutil.copytree(ROOT, source, ignore=skipped)  # the build writes beside its sources: not in the repository
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    [wheel] = wheels.glob("tenderscore-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": site, "TENDERSCORE_HOME": str(tmp_path / "home")}
    env.pop("PYTHONSAFEPATH", None)
    command = venv / "bin" / "tenderscore"
    run = lambda *args: subprocess.run([command, *args], cwd=work, env=env, capture_output=True, text=True)
    done = run("init", "tender", "--language", "fr")
    assert done.returncode == 0, done.stderr
    fill(work / "tender" / "bid-template.xlsx", work / "tender" / "bids" / "acme.xlsx", 800)
    done = run("evaluate", "tender")
    assert done.returncode == 0, done.stderr
    assert "acme" in done.stdout
    where = subprocess.run(
        [
            venv / "bin" / "python",
            "-c",
            "import scoring, flows; from flows.workspace.app import TEMPLATES; "
            "print(scoring.__file__, flows.__file__, (TEMPLATES / 'status.html.j2').is_file())",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(ROOT) not in where and str(venv) in where and where.split()[-1] == "True"  # the workspace's pages
    document = json.loads(next((work / "reports").rglob("evaluation.json")).read_text())
    assert document["counts"]["ranked"] == 1
    assert [lib["id"] for lib in document["criteria_libraries"]] == ["tenderscore-ict"]  # the library is packaged
    done = run("criteria", "list", "--stage", "contract_clause")
    assert done.returncode == 0 and "ew.dialogue" in done.stdout, done.stderr
    assert (next((work / "reports").rglob("letters")) / "acme.md").is_file() or any(
        next((work / "reports").rglob("letters")).iterdir()
    )
    shutil.rmtree(venv)
