"""One catalogue-sized bid evaluated end to end by the library, every report written.

    .venv/bin/python bench/bench_catalogue.py [LINES]      # default 50000

A framework tender for accessories has no fixed list of items: one bid lists `LINES` item lines (each its
own item and price), beside two ordinary bids. Against the floor: reading the same files' sheets with
calamine into pandas and computing each bid's total. Target: at most 5 x the floor; peak memory under
1 GB. Timed as bench_large.py is: a warm process, best of two rounds taken in turns.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import Target, copy_rules, emit, measure, peak_mb, print_measured

from sample_bids.generate import catalogue_tender

ROUNDS = 2


def main(lines: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = catalogue_tender(root / "tender", lines, copy_rules(root / "rules"))
        run = measure(folder, root, ROUNDS)
        catalogue = next(b for b in run.evaluation.bids if b.file == "03-catalogue.xlsx")
        size = sum(p.stat().st_size for p in (folder / "bids").iterdir()) / 1e6
    memory = peak_mb()
    reading, best = run.floor, run.seconds
    print(f"{lines} item lines in one bid ({size:.1f} MB of workbooks), the catalogue {catalogue.status.value}")
    print(f"  evaluation with reports   {best:8.2f} s  ({best / lines * 1e6:.1f} µs per line; best of {ROUNDS})")
    print_measured(run, memory, ROUNDS)
    emit(
        [Target(f"evaluate a bid of {lines} lines, all reports", best, "reading it and its total", reading, 5.0)],
        {"bench": "catalogue", "peak_mb": memory, "lines": lines},
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50000)
