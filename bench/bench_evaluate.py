"""Seconds per stage of a whole evaluation (library, no Prefect) on a generated tender of many bids.

    .venv/bin/python bench/bench_evaluate.py 300

A diagnostic, to see where the time goes; the targets are in bench/run.py (`make bench`).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_bids.generate import many_bids  # noqa: E402


def main(count: int = 60) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = many_bids(Path(tmp) / "tender", count, ROOT / "rules" / "computers-2026.yaml")
        t0 = time.perf_counter()
        from scoring import pipeline

        prepared = pipeline.prepare(folder)
        t1 = time.perf_counter()
        reads = [pipeline.read_bid(p, prepared.tender, None, prepared.files) for p in prepared.entries]
        t2 = time.perf_counter()
        checked = pipeline.validate_bids(reads, prepared)
        t3 = time.perf_counter()
        [unit] = pipeline.units(checked, prepared)
        results, warnings = pipeline.rank_unit(pipeline.score_unit(unit), unit)
        t4 = time.perf_counter()
        robust = pipeline.assess_unit(unit, results)
        pending = pipeline.weigh_unit(unit, results)
        t45 = time.perf_counter()
        evaluation = pipeline.assemble(unit, prepared, results, warnings, robust, pending)
        pipeline.write(evaluation, Path(tmp) / "out", None)
        t5 = time.perf_counter()
    print(f"{count} bids")
    for name, seconds in (
        ("load tender and rules", t1 - t0),
        ("read workbooks", t2 - t1),
        ("validate (incl. GX import)", t3 - t2),
        ("verify, score and rank", t4 - t3),
        ("robustness and pending decisions", t45 - t4),
        ("write reports", t5 - t45),
    ):
        print(f"  {name:<28} {seconds:7.2f} s")
    print(f"  {'total per bid':<28} {(t5 - t0) / count * 1000:7.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
