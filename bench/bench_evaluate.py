"""Time a whole evaluation (library, no Prefect) on a generated tender of many bids.

    make bench            # 60 bids
    .venv/bin/python bench/bench_evaluate.py 200

Prints seconds per stage and per bid. Targets live here, not in timed tests.
"""

from __future__ import annotations

import copy
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_bids.generate import TENDER, sample_bids, write_bid  # noqa: E402


def build(folder: Path, count: int) -> Path:
    (folder / "bids").mkdir(parents=True)
    data = yaml.safe_load((TENDER / "tender.yaml").read_text())
    data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
    (folder / "tender.yaml").write_text(yaml.safe_dump(data))
    base = sample_bids()["01-greenbyte.xlsx"]
    for n in range(count):
        spec = copy.deepcopy(base)
        spec["supplier"]["Registration number"] = f"BE0{400000000 + n}"
        spec["items"][0]["Unit price"] = 900 + n
        write_bid(folder / "bids" / f"bid-{n:04d}.xlsx", **spec)
    return folder


def main(count: int = 60) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = build(Path(tmp) / "tender", count)
        t0 = time.perf_counter()
        from scoring import pipeline
        from scoring.intake.panel_sheets import PanelSheets

        tender, rules, files = pipeline.prepare(folder)
        t1 = time.perf_counter()
        reads = [pipeline.read_bid(p, tender) for p in files]
        t2 = time.perf_counter()
        checked = pipeline.validate_bids(reads, tender, rules)
        t3 = time.perf_counter()
        checks, sheets = pipeline.verification(tender, rules), PanelSheets()
        [unit] = pipeline.units(checked, tender, rules)
        results, warnings = pipeline.rank_unit(pipeline.score_unit(unit, rules, checks, sheets), unit, rules)
        t4 = time.perf_counter()
        robust = pipeline.assess_unit(unit, results, rules, checks, sheets)
        t45 = time.perf_counter()
        evaluation = pipeline.assemble(unit, rules, results, warnings, checks, sheets, robust)
        pipeline.write(evaluation, Path(tmp) / "out", None)
        t5 = time.perf_counter()
    print(f"{count} bids")
    for name, seconds in (
        ("load tender and rules", t1 - t0),
        ("read workbooks", t2 - t1),
        ("validate (incl. GX import)", t3 - t2),
        ("verify, score and rank", t4 - t3),
        ("robustness", t45 - t4),
        ("write reports", t5 - t45),
    ):
        print(f"  {name:<28} {seconds:7.2f} s")
    print(f"  {'total per bid':<28} {(t5 - t0) / count * 1000:7.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
