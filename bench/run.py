"""`make bench`: every benchmark in its own process, then the table of figures, floors and ratios.

Exits 1 when a target is missed. Sizes can be given for a quicker look:
    .venv/bin/python bench/run.py --tenders 20 --bids 100 --lines 5000 --seconds 20 --scale 10
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEMORY_MB = 1024


def run(script: str, size: int) -> dict:
    done = subprocess.run([sys.executable, str(HERE / script), str(size)], capture_output=True, text=True)
    print(done.stdout.rsplit("RESULT ", 1)[0].rstrip())
    if done.returncode != 0 or "RESULT " not in done.stdout:
        print(done.stderr[-3000:])
        sys.exit(f"{script} failed")
    return json.loads(done.stdout.rsplit("RESULT ", 1)[1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenders", type=int, default=200)
    parser.add_argument("--bids", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=50000)
    parser.add_argument("--seconds", type=int, default=60, help="how long the workspace is put under load")
    parser.add_argument("--scale", type=int, default=12, help="tenders handed to 1, then 2 workers")
    args = parser.parse_args()
    # The large tender first: the re-scoring benchmark leaves 200 tenders' reports for the disk to flush.
    results = [
        run("bench_large.py", args.bids),
        run("bench_catalogue.py", args.lines),
        run("bench_rescore.py", args.tenders),
        run("bench_workspace.py", args.seconds),
        run("bench_scale.py", args.scale),
    ]
    rows = []
    for result in results:
        for t in result["targets"]:
            rows.append(
                (
                    t["name"],
                    f"{t['seconds']:.1f} s",
                    f"{t['reference']:.1f} s ({t['against']})",
                    f"{t['ratio']:.2f}",
                    f"<= {t['at_most']}",
                    t["met"],
                )
            )
        if "peak_mb" not in result:  # a served process's memory is not this benchmark's to measure
            continue
        rows.append(
            (
                f"peak memory ({result['bench']})",
                f"{result['peak_mb']:.0f} MB",
                f"{MEMORY_MB} MB",
                f"{result['peak_mb'] / MEMORY_MB:.2f}",
                "<= 1.0",
                result["peak_mb"] <= MEMORY_MB,
            )
        )
    print()
    print("| what | figure | against | ratio | target | met |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(x) for x in row[:5]) + f" | {'yes' if row[5] else 'NO'} |")
    return 0 if all(row[5] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
