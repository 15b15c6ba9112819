"""One large tender evaluated by the library, every report written and robustness included.

    .venv/bin/python bench/bench_large.py [BIDS]      # default 1000

Against the floor: reading the same files' sheets with calamine into pandas and computing each bid's
total. Target: at most 3 x the floor; peak memory under 1 GB.

Both sides are timed in a warm process (best of two rounds, taken in turns), their libraries imported
beforehand: pandas and calamine for the floor, the pipeline's own (Great Expectations included) for the
figure. Importing Great Expectations is a constant of every process, whatever the number of bids (about
3.5 s on two cores); it is printed beside.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import Target, copy_rules, emit, many_bids, measure, peak_mb, print_measured

ROUNDS = 2


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = many_bids(root / "tender", count, copy_rules(root / "rules"))
        run = measure(folder, root, ROUNDS)
        ranked = sum(1 for b in run.evaluation.bids if b.rank)
        written = sorted(p.name for p in (root / "out-0").iterdir())
    memory = peak_mb()
    reading, best = run.floor, run.seconds
    print(f"{count} bids ({ranked} ranked), reports: {', '.join(written)}")
    print(f"  evaluation with reports   {best:8.2f} s  ({best / count * 1000:.1f} ms per bid; best of {ROUNDS})")
    print_measured(run, memory, ROUNDS)
    emit(
        [Target(f"evaluate {count} bids, all reports", best, "reading them and their totals", reading, 3.0)],
        {"bench": "large", "peak_mb": memory, "bids": count},
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
