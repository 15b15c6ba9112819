"""Write the three reports of an evaluation into one folder."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from scoring.award.results import Evaluation, RunKind
from scoring.formatting import plain
from scoring.reports.clarifications import FOLDER as CLARIFICATIONS
from scoring.reports.clarifications import render_request, with_clarifications
from scoring.reports.diff import render_diff_md
from scoring.reports.evaluation_json import render_json
from scoring.reports.evaluation_xlsx import write_xlsx
from scoring.reports.letters import letters
from scoring.reports.ocds import render_ocds
from scoring.reports.report_html import render_html
from scoring.reports.summary_md import render_summary

REPORTS = ("evaluation.xlsx", "evaluation.json", "summary.md", "report.html")
FOLDERS = ("letters", CLARIFICATIONS)  # written whole; clarifications/ only when a bid has a request or answer


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
    """The reports, report.html, a letter per bid in letters/, and the OCDS export; the paths written.

    Everything is written into a fresh folder beside out_dir first and moved into place only once complete:
    a run stopped or failing while it writes leaves the previous reports as they were, never a half-written
    file. The moves are renames within one folder (each file replaced at once, letters/ as a whole).
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.writing-{os.getpid()}-", dir=out.parent))
    try:
        written = _write_all(evaluation, staging, diff)
        out.mkdir(exist_ok=True)
        for path in written:
            if path.parent.name not in FOLDERS:
                os.replace(staging / path, out / path)
        for folder in FOLDERS:  # each folder replaced as a whole: no file of an earlier run is left in it
            if (out / folder).exists():
                os.replace(out / folder, staging / f"{folder}-before")
            if (staging / folder).exists():
                os.replace(staging / folder, out / folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / path for path in written]


def _remove_abandoned(out: Path) -> None:
    """Staging folders of runs that were stopped while writing (their process is gone)."""
    for folder in out.parent.glob(f".{out.name}.writing-*"):
        try:
            pid = int(folder.name.rsplit(".writing-", 1)[1].split("-", 1)[0])
            os.kill(pid, 0)  # raises when no such process
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, IndexError, PermissionError):
            continue


def _write_all(evaluation: Evaluation, out: Path, diff: dict | None) -> list[Path]:
    """Every report into `out`; the paths written, relative to it."""
    write_xlsx(evaluation, out / "evaluation.xlsx")
    (out / "evaluation.json").write_text(render_json(evaluation), encoding="utf-8")
    (out / "summary.md").write_text(render_summary(evaluation), encoding="utf-8")
    (out / "report.html").write_text(render_html(evaluation, diff), encoding="utf-8")
    written = [Path(name) for name in REPORTS]
    (out / "letters").mkdir()
    for bid_id, (markdown, html) in letters(evaluation).items():
        for suffix, text in ((".md", markdown), (".html", html)):
            letter = Path("letters") / f"{bid_id}{suffix}"
            (out / letter).write_text(text, encoding="utf-8")
            written.append(letter)
    for bid in with_clarifications(evaluation):
        (out / CLARIFICATIONS).mkdir(exist_ok=True)
        request = Path(CLARIFICATIONS) / f"{bid.bid_id}.md"
        (out / request).write_text(render_request(evaluation, bid), encoding="utf-8")
        written.append(request)
    (out / "ocds.json").write_text(render_ocds(evaluation), encoding="utf-8")
    written.append(Path("ocds.json"))
    if diff is not None:
        (out / "diff.json").write_text(json.dumps(plain(diff), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (out / "diff.md").write_text(render_diff_md(diff), encoding="utf-8")
        written += [Path("diff.json"), Path("diff.md")]
    return written
