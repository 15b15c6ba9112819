"""What the benchmarks share: generated tenders, the floor they are measured against, timing and memory.

The floor is what the job cannot do without, written as plainly as possible with calamine and pandas:
read the sheets a bid has, and compute each bid's total. A benchmark prints its figure, the floor measured
in the same run on the same files, and their ratio, so the target holds on any machine.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_bids.generate import TENDER, many_bids  # noqa: E402,F401 (many_bids: for the benchmarks)

SHEETS = ("Supplier", "Items", "Labels", "Factories")


def copy_rules(folder: Path) -> Path:
    """A private copy of the rule sets (with the catalogue and register snapshots beside them)."""
    shutil.copytree(ROOT / "rules", folder)
    return folder / "computers-2026.yaml"


def sample_copies(root: Path, count: int, rules: Path) -> list[Path]:
    """`count` copies of the sample tender under their own ids, all under one rule set."""
    folders = []
    for n in range(count):
        folder = root / f"tender-{n:03d}"
        shutil.copytree(TENDER, folder)
        data = yaml.safe_load((folder / "tender.yaml").read_text())
        data.update(id=f"BENCH-{n:03d}", rules=str(rules))
        (folder / "tender.yaml").write_text(yaml.safe_dump(data))
        folders.append(folder)
    return folders


def floor(files: list[Path]) -> float:
    """Seconds to read every sheet of every file with calamine into pandas and compute each bid's total."""
    import pandas as pd
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    totals = {}
    for path in files:
        try:
            book = CalamineWorkbook.from_path(str(path))
        except Exception:  # the sample's deliberately broken file
            continue
        frames = {}
        for name in SHEETS:
            if name in book.sheet_names:
                rows = book.get_sheet_by_name(name).to_python()
                frames[name] = pd.DataFrame(rows[1:], columns=rows[0]) if rows else pd.DataFrame()
        items = frames.get("Items")
        if items is not None and {"Quantity", "Unit price"} <= set(items.columns):
            quantity = pd.to_numeric(items["Quantity"], errors="coerce")
            price = pd.to_numeric(items["Unit price"], errors="coerce")
            totals[path.name] = float((quantity * price).sum())
    return time.perf_counter() - start


def peak_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its finished child processes), in MB."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_maxrss / 1024  # kilobytes on Linux


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    end: list[float] = []
    try:
        yield lambda: (end[0] if end else time.perf_counter()) - start
    finally:
        end.append(time.perf_counter())


@dataclass
class Measured:
    """A tender evaluated by the library against its floor: the best of some rounds of each."""

    evaluation: Any  # the last round's Evaluation
    seconds: float  # the best evaluation, reports included
    floor: float  # the best floor on the same files
    imports: float  # importing the pipeline and Great Expectations, once


def measure(folder: Path, out: Path, rounds: int = 2) -> Measured:
    """Evaluate the tender in `folder` with every report (into out/out-N) and time the floor on its files,
    in a warm process: the libraries each side uses are imported first. Best of `rounds` for both, taken
    in turns, so a busy moment of the machine weighs on neither alone."""
    files = sorted((folder / "bids").iterdir())
    with timed() as imports:
        import great_expectations  # noqa: F401

        from scoring import pipeline

    readings, wholes = [], []
    for n in range(rounds):
        readings.append(floor(files))
        with timed() as whole:
            [evaluation] = pipeline.run(folder, out_dir=out / f"out-{n}")
        wholes.append(whole())
    return Measured(evaluation, min(wholes), min(readings), imports())


def print_measured(run: Measured, memory: float, rounds: int) -> None:
    """The lines every end-to-end benchmark prints under its own first two."""
    print(f"  floor: read and total     {run.floor:8.2f} s  (best of {rounds})")
    print(f"  (imports, once a process  {run.imports:8.2f} s, not in the figure)")
    print(f"  peak memory               {memory:8.0f} MB")


@dataclass
class Target:
    """One line of the table: a figure, what it is compared with, and the ratio it must stay within."""

    name: str
    seconds: float
    against: str
    reference: float
    at_most: float

    @property
    def ratio(self) -> float:
        return self.seconds / self.reference

    @property
    def met(self) -> bool:
        return self.ratio <= self.at_most


def emit(targets: list[Target], extra: dict) -> None:
    """The last line a benchmark prints: its targets as JSON, for bench/run.py."""
    print(
        "RESULT "
        + json.dumps(
            {"targets": [t.__dict__ | {"ratio": t.ratio, "met": t.met} for t in targets], **extra}, sort_keys=True
        )
    )
