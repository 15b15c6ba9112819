"""Scaling out: N copies of the sample tender, evaluated one after another and in worker processes.

    .venv/bin/python bench/bench_scale.py 8 2      # 8 tenders, 2 worker processes

Each tender is independent, so tenders parallelise across processes (and, with a Dask or Ray task
runner or Prefect workers, across machines); the per-process start-up (importing Great
Expectations) is paid once per worker.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_tenders(root: Path, count: int) -> list[str]:
    folders = []
    for n in range(count):
        folder = root / f"tender-{n:03d}"
        shutil.copytree(ROOT / "sample_bids" / "city-computers-2026", folder)
        data = yaml.safe_load((folder / "tender.yaml").read_text())
        data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
        (folder / "tender.yaml").write_text(yaml.safe_dump(data))
        folders.append(str(folder))
    return folders


def evaluate_one(folder: str) -> str:
    from scoring.pipeline import evaluate_tender
    from scoring.reports.write import write_reports

    evaluation = evaluate_tender(folder)
    write_reports(evaluation, Path(folder) / "reports")
    return evaluation.bids[0].bid_id


def main(count: int = 8, workers: int = 2) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folders = make_tenders(Path(tmp), count)
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=1) as pool:  # a fresh process: start-up included, as for a worker
            sequential = list(pool.map(evaluate_one, folders))
        one = time.perf_counter() - start
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parallel = list(pool.map(evaluate_one, folders))
        many = time.perf_counter() - start
    assert sequential == parallel
    print(
        f"{count} tenders of 10 bids: 1 process {one:.1f} s ({one / count:.2f} s per tender); "
        f"{workers} processes {many:.1f} s; speed-up {one / many:.2f}×"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
