"""Write the golden reports of the sample tender (see README.md beside this file)."""

from __future__ import annotations

import shutil
from pathlib import Path

from scoring.pipeline import evaluate  # the installed package (.venv/bin/python tests/golden/regenerate.py)
from scoring.reports.write import lot_dir, write_reports

ROOT = Path(__file__).resolve().parents[2]

SAMPLE = ROOT / "sample_bids" / "city-computers-2026"
VARIANTS = {"sample": None, "value-for-money": "computers-2026-value-for-money.yaml",
            "ratio": "computers-2026-ratio.yaml", "panel": "computers-2026-panel.yaml"}


def write_all(out: Path) -> None:
    for name, rules in VARIANTS.items():
        for evaluation in evaluate(SAMPLE, ROOT / "rules" / rules if rules else None):
            write_reports(evaluation, lot_dir(evaluation, out / name))


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    for name in VARIANTS:
        shutil.rmtree(here / name, ignore_errors=True)
    write_all(here)
