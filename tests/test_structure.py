"""The house a newcomer can change (issue 21): a scoring function is one class, an input file of the tender
folder is one declaration, and a run reads each input once."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from conftest import ROOT, SAMPLE_TENDER, rules_data

from scoring.audit.ledger import Ledger
from scoring.errors import RuleError
from scoring.facts import N_, fact
from scoring.pipeline import run
from scoring.rules.functions import FUNCTIONS, NO_PEERS, FieldFunction, Peers, Scored, register
from scoring.rules.load import load_rules


@pytest.fixture
def sample(tmp_path):
    import shutil

    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_TENDER, folder)
    data = yaml.safe_load((folder / "tender.yaml").read_text())
    data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
    (folder / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


@contextmanager
def registered(kernel: type) -> Iterator[None]:
    register(kernel)
    try:
        yield
    finally:
        FUNCTIONS.pop(kernel.name, None)


def test_a_scoring_function_declared_in_the_test_alone_loads_checks_scores_and_shows_in_every_report(sample, tmp_path):
    from scoring.rules.conditions import Strict

    class PerYearParams(Strict):
        points_per_year: Decimal

    class PerYear(FieldFunction):
        """So many points per year of the field's value, up to the scale."""

        name = "per_year"
        Params = PerYearParams
        kinds = None
        needs = "a numeric"
        summary = "points_per_year × the value, up to the scale"

        def check(self, c, rules):
            yield from super().check(c, rules)
            if c.params.points_per_year <= 0:
                from scoring.rules.conditions import Wrong

                yield Wrong("params.points_per_year", "must be above 0")

        def score(self, c: Any, raw: Any, scale: Decimal, peers: Peers = NO_PEERS) -> Scored:
            rule = fact(N_("%(points)s per year, up to %(scale)s"), points=c.params.points_per_year, scale=scale)
            return Scored(min(Decimal(raw or 0) * c.params.points_per_year, scale), rule)

    with registered(PerYear):
        data = rules_data()
        warranty = next(c for c in data["criteria"] if c["id"] == "warranty")
        warranty.update(function="per_year", params={"points_per_year": 2})
        path = tmp_path / "per-year.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        loaded = load_rules(path)
        assert loaded.rules.criteria[3].kernel.name == "per_year"

        broken = dict(data, criteria=[dict(c) for c in data["criteria"]])
        next(c for c in broken["criteria"] if c["id"] == "warranty")["params"] = {"points_per_year": 0}
        path.write_text(yaml.safe_dump(broken, sort_keys=False))
        with pytest.raises(RuleError, match=r"criteria\[warranty\]\.params\.points_per_year.*must be above 0"):
            load_rules(path)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

        from flows.cli import main

        assert main(["check-rules", str(path)]) == 0

        out = tmp_path / "out"
        [evaluation] = run(sample, path, out_dir=out)
        greenbyte = next(b for b in evaluation.bids if b.bid_id == "01-greenbyte")
        criterion = next(c for c in greenbyte.criteria if c.id == "warranty")
        assert criterion.score == Decimal("10.00")  # 5 years × 2, the scale
        said = "2 per year, up to 10"
        assert said in str(criterion.explanation)
        document = json.loads((out / "evaluation.json").read_text())
        assert any(said in c["explanation"] for b in document["bids"] for c in b["criteria"])
        assert said in (out / "report.html").read_text()
        book = openpyxl.load_workbook(out / "evaluation.xlsx")
        assert any(said in str(c.value) for ws in book for row in ws.iter_rows() for c in row)
        assert any(c.value == "per_year" for ws in book for row in ws.iter_rows() for c in row)  # Criteria sheet
    assert "per_year" not in FUNCTIONS


def test_an_input_file_declared_once_is_hashed_recorded_and_makes_the_tender_stale(sample, tmp_path):
    from scoring.audit import runs
    from scoring.audit.rescore import staleness
    from scoring.pipeline import prepare

    notes = runs.Input("the committee's notes", runs._beside("notes.yaml"))
    runs.INPUTS.append(notes)
    try:
        (sample / "notes.yaml").write_text("first: meeting\n")
        ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
        [evaluation] = run(sample, ledger=ledger)
        assert "notes.yaml" in ledger.latest(evaluation.tender.id).input_hashes
        prepared = prepare(sample)
        assert staleness(ledger, prepared.tender, prepared.rules, prepared.files) is None
        (sample / "notes.yaml").write_text("second: meeting\n")
        prepared = prepare(sample)
        assert "inputs changed: notes.yaml" in (staleness(ledger, prepared.tender, prepared.rules) or "")
        ledger.engine.dispose()
    finally:
        runs.INPUTS.remove(notes)


@contextmanager
def counting(roots: list[Path]) -> Iterator[Counter]:
    """How often each file under `roots` is opened, and each folder listed, while the block runs."""
    seen: Counter = Counter()
    active = [True]
    prefixes = [str(r.resolve()) for r in roots]

    def hook(event: str, args: tuple) -> None:
        if not active[0] or event not in ("open", "os.listdir", "os.scandir"):
            return
        target = args[0] if args else None
        if isinstance(target, int) or target is None:
            return
        text = str(Path(target).resolve()) if isinstance(target, (str, Path)) else ""
        if any(text.startswith(p) for p in prefixes):
            seen[(event if event == "open" else "list", text)] += 1

    sys.addaudithook(hook)  # audit hooks cannot be removed: this one turns itself off after the block
    try:
        yield seen
    finally:
        active[0] = False


def test_no_input_file_is_read_twice_in_a_run(sample, tmp_path):
    (sample / "reviews.yaml").write_text(
        "decisions:\n  - {bid: 03-budgetit, claim: BIT-DOSSIER-AM240, decision: reject, by: A. Chair, "
        "at: 2026-10-20, reason: the dossier lacks test reports}\n"
    )
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    roots = [sample, ROOT / "rules"]
    with counting(roots) as seen:
        [evaluation] = run(sample, ledger=ledger, out_dir=tmp_path / "out")
    assert evaluation.run_id
    twice = {k: n for k, n in seen.items() if n > 1}
    assert twice == {}, twice
    opened = {Path(p).name for (event, p), _ in seen.items() if event == "open"}
    assert {"tender.yaml", "reviews.yaml", "computers-2026.yaml", "labels.yaml", "index.yaml"} <= opened
    assert {"01-greenbyte.xlsx", "10-not-a-workbook.xlsx"} <= opened  # each bid once
    with counting(roots) as again:  # a re-score from the ledger's caches: each input once, still
        run(sample, ledger=ledger, out_dir=tmp_path / "out")
    assert {k: n for k, n in again.items() if n > 1} == {}
    ledger.engine.dispose()
