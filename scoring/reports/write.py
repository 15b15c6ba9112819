"""Write the three reports of an evaluation into one folder."""

from __future__ import annotations

import json
from pathlib import Path

from scoring.award.results import Evaluation, RunKind
from scoring.formatting import plain
from scoring.reports.diff import render_diff_md
from scoring.reports.evaluation_json import render_json
from scoring.reports.evaluation_xlsx import write_xlsx
from scoring.reports.letters import letters
from scoring.reports.ocds import render_ocds
from scoring.reports.report_html import render_html
from scoring.reports.summary_md import render_summary

REPORTS = ("evaluation.xlsx", "evaluation.json", "summary.md", "report.html")


def default_out_dir(evaluation: Evaluation, base: Path | str = "reports") -> Path:
    """reports/<tender>/ for official runs; a scenario never overwrites them: reports/<tender>/scenarios/<run>/."""
    folder = Path(base) / evaluation.tender.id
    if evaluation.kind is RunKind.SCENARIO and evaluation.run_id:
        folder = folder / "scenarios" / evaluation.run_id[:8]
    return lot_dir(evaluation, folder)


def lot_dir(evaluation: Evaluation, out: Path | str) -> Path:
    """Reports of a lot evaluated on its own go into lot-<id>/ under the tender's folder."""
    return Path(out) / f"lot-{evaluation.lot}" if evaluation.lot is not None else Path(out)


def write_reports(evaluation: Evaluation, out_dir: Path | str, diff: dict | None = None) -> list[Path]:
    """The reports, report.html, a letter per bid in letters/, and the OCDS export; the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_xlsx(evaluation, out / "evaluation.xlsx")
    (out / "evaluation.json").write_text(render_json(evaluation), encoding="utf-8")
    (out / "summary.md").write_text(render_summary(evaluation), encoding="utf-8")
    (out / "report.html").write_text(render_html(evaluation, diff), encoding="utf-8")
    written = [out / name for name in REPORTS]
    folder = out / "letters"
    folder.mkdir(exist_ok=True)
    for bid_id, (markdown, html) in letters(evaluation).items():
        for suffix, text in ((".md", markdown), (".html", html)):
            (folder / f"{bid_id}{suffix}").write_text(text, encoding="utf-8")
            written.append(folder / f"{bid_id}{suffix}")
    (out / "ocds.json").write_text(render_ocds(evaluation), encoding="utf-8")
    written.append(out / "ocds.json")
    if diff is not None:
        (out / "diff.json").write_text(json.dumps(plain(diff), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (out / "diff.md").write_text(render_diff_md(diff), encoding="utf-8")
        written += [out / "diff.json", out / "diff.md"]
    return written
