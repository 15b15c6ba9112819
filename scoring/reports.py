"""Write the three reports of an evaluation into one folder."""

from __future__ import annotations

from pathlib import Path

from scoring.models import Evaluation
from scoring.report_json import render_json
from scoring.report_md import render_summary
from scoring.report_xlsx import write_xlsx

REPORTS = ("evaluation.xlsx", "evaluation.json", "summary.md")


def default_out_dir(evaluation: Evaluation, base: Path | str = "reports") -> Path:
    return lot_dir(evaluation, Path(base) / evaluation.tender.id)


def lot_dir(evaluation: Evaluation, out: Path | str) -> Path:
    """Reports of a lot evaluated on its own go into lot-<id>/ under the tender's folder."""
    return Path(out) / f"lot-{evaluation.lot}" if evaluation.lot is not None else Path(out)


def write_reports(evaluation: Evaluation, out_dir: Path | str) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_xlsx(evaluation, out / "evaluation.xlsx")
    (out / "evaluation.json").write_text(render_json(evaluation), encoding="utf-8")
    (out / "summary.md").write_text(render_summary(evaluation), encoding="utf-8")
    return [out / name for name in REPORTS]
