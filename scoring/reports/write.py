"""Write the three reports of an evaluation into one folder."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from scoring.award.results import Evaluation, RunKind
from scoring.errors import OutputError, os_problem
from scoring.formatting import json_text, plain
from scoring.names import inside, safe_name
from scoring.reports.clarifications import FOLDER as CLARIFICATIONS
from scoring.reports.clarifications import render_request, to_request
from scoring.reports.diff import render_diff_md
from scoring.reports.evaluation_json import render_json
from scoring.reports.evaluation_xlsx import write_xlsx
from scoring.reports.letters import letters
from scoring.reports.ocds import render_ocds
from scoring.reports.report_html import render_html
from scoring.reports.summary_md import render_summary

REPORTS = ("evaluation.xlsx", "evaluation.json", "summary.md", "report.html")
FOLDERS = ("letters", CLARIFICATIONS)  # written whole; clarifications/ only when a bid has a request or answer


def reports_folder(tender_folder: Path | str, tender_id: str) -> Path:
    """A tender's reports folder when none is named: reports/<tender>/ beside the tender folder, as an
    absolute path, whatever the current folder (a worker's is a temporary one). The tender's id is a folder
    name only through `safe_name`."""
    return Path(tender_folder).resolve().parent / "reports" / safe_name(tender_id)


def default_out_dir(evaluation: Evaluation) -> Path:
    """reports/<tender>/ beside the tender folder for official runs; a scenario never overwrites them:
    reports/<tender>/scenarios/<run>/."""
    return out_dir_of(evaluation, reports_folder(evaluation.tender.folder, evaluation.tender.id))


def out_dir_of(evaluation: Evaluation, folder: Path) -> Path:
    """Where a run's reports go under a tender's reports folder: a scenario (a what-if under other rules) in
    scenarios/<run>/ of it, never over the official reports and letters, whichever folder was named."""
    if evaluation.kind is RunKind.SCENARIO and evaluation.run_id:
        folder = folder / "scenarios" / safe_name(evaluation.run_id[:8])
    return lot_dir(evaluation, folder)


def lot_dir(evaluation: Evaluation, out: Path | str) -> Path:
    """Reports of a lot evaluated on its own go into lot-<id>/ under the tender's folder."""
    return Path(out) / f"lot-{safe_name(evaluation.lot)}" if evaluation.lot is not None else Path(out)


STAGING = ".writing-"


def write_reports(
    evaluation: Evaluation,
    out_dir: Path | str,
    diff: dict | None = None,
    before_move: Callable[[], object] | None = None,
) -> list[Path]:
    """The reports, report.html, a letter per bid in letters/, and the OCDS export; the paths written.

    Everything is written into a fresh staging folder inside out_dir first (on its own file system, whatever
    links lead there), every path checked to be inside it, and moved into place only once complete: a run
    stopped or failing while it writes leaves the previous reports as they were, never a half-written file.
    `before_move` runs once all is staged (the pipeline writes the run's ledger record there): when it
    fails, nothing is moved. A full disk or a folder that cannot be written is an OutputError in words.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        real = out.resolve()
        _remove_abandoned(real)
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}@{_HOST}@", dir=real))
    except OSError as error:
        raise OutputError(out, f"the reports could not be written: {os_problem(error)}") from None
    moving = False
    try:
        written = _write_all(evaluation, staging, diff)
        for path in written:
            inside(staging, staging / path)
        if before_move is not None:
            before_move()
        moving = True
        for path in written:
            if path.parts[0] not in FOLDERS:
                os.replace(staging / path, inside(real, real / path))
        for folder in FOLDERS:  # each folder replaced as a whole: no file of an earlier run is left in it
            if (real / folder).exists():
                os.replace(real / folder, staging / f"{folder}-before")
            if (staging / folder).exists():
                os.replace(staging / folder, inside(real, real / folder))
    except OSError as error:
        recorded = f"; the run is recorded in the ledger as {evaluation.run_id}" if moving and evaluation.run_id else ""
        raise OutputError(out, f"the reports could not be written: {os_problem(error)}{recorded}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / path for path in written]


_HOST = safe_name(socket.gethostname()).replace("@", "-")
ABANDONED_AFTER = 24 * 3600  # a staging folder of another machine (shared storage) this old is abandoned


def _remove_abandoned(out: Path) -> None:
    """Staging folders of runs that were stopped while writing: of this machine, when their process is gone;
    of another machine writing to the same shared folder, when a day old (its processes cannot be seen from
    here). Inside the folder, and beside it where earlier versions staged."""
    found = [(f, f.name[len(STAGING) :]) for f in out.glob(f"{STAGING}*")]
    found += [(f, f.name.rsplit(".writing-", 1)[1]) for f in out.parent.glob(f".{out.name}.writing-*")]
    for folder, rest in found:
        # <pid>@<host>@<random>, or <pid>-<random> as before the host was named
        pid_text, _, after = rest.partition("@")
        pid_text, host = pid_text.split("-", 1)[0], after.split("@", 1)[0] or _HOST
        try:
            if host != _HOST:
                if time.time() - folder.stat().st_mtime > ABANDONED_AFTER:
                    shutil.rmtree(folder, ignore_errors=True)
                continue
            os.kill(int(pid_text), 0)  # raises when no such process
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, IndexError, OSError):
            continue


def _write_all(evaluation: Evaluation, out: Path, diff: dict | None) -> list[Path]:
    """Every report into `out`; the paths written, relative to it."""
    write_xlsx(evaluation, out / "evaluation.xlsx")
    (out / "evaluation.json").write_text(render_json(evaluation), encoding="utf-8")
    (out / "summary.md").write_text(render_summary(evaluation), encoding="utf-8")
    (out / "report.html").write_text(render_html(evaluation, diff), encoding="utf-8")
    written = [Path(name) for name in REPORTS]
    (out / "letters").mkdir()
    for bid_id, (markdown, html) in letters(evaluation, today=date.today()).items():
        for suffix, text in ((".md", markdown), (".html", html)):
            letter = Path("letters") / f"{safe_name(bid_id)}{suffix}"
            (out / letter).write_text(text, encoding="utf-8")
            written.append(letter)
    for bid in to_request(evaluation):
        (out / CLARIFICATIONS).mkdir(exist_ok=True)
        for suffix, text in zip((".md", ".html"), render_request(evaluation, bid)):
            request = Path(CLARIFICATIONS) / f"{safe_name(bid.bid_id)}{suffix}"
            (out / request).write_text(text, encoding="utf-8")
            written.append(request)
    (out / "ocds.json").write_text(render_ocds(evaluation), encoding="utf-8")
    written.append(Path("ocds.json"))
    if diff is not None:
        (out / "diff.json").write_text(json_text(plain(diff)), encoding="utf-8")
        (out / "diff.md").write_text(render_diff_md(diff), encoding="utf-8")
        written += [Path("diff.json"), Path("diff.md")]
    return written
