"""Evaluator score sheets in the tender's panel/ folder, read as they are; judged in award/panel.py."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from scoring.facts import N_, Fact, fact
from scoring.intake.folder import PANEL_FOLDER, Files, listing, read_bytes
from scoring.intake.parse import parse_text

MODERATION = "moderation"


@dataclass
class RawScore:
    file: str
    row: int
    evaluator: str
    bid: str | None
    criterion: str | None
    score: object
    comment: str | None
    reason: str | None = None
    by: str | None = None


@dataclass
class PanelSheets:
    scores: list[RawScore] = field(default_factory=list)
    moderations: list[RawScore] = field(default_factory=list)
    problems: list[Fact] = field(default_factory=list)  # files that could not be read


def read_panel(tender_folder: Path | str, files: Files | None = None) -> PanelSheets:
    """Read every score sheet in panel/; an unreadable sheet is a problem reported, not raised."""
    from python_calamine import CalamineWorkbook

    from scoring.intake.template import normalise_heading
    from scoring.intake.workbook import sheet_rows

    sheets = PanelSheets()
    folder = Path(tender_folder) / PANEL_FOLDER
    if not folder.is_dir():
        return sheets
    sheets_found = [p for p in listing(folder, files) if p.suffix == ".xlsx" and p.is_file()]
    for path in [p for p in sheets_found if not p.name.startswith(("~$", "."))]:
        moderation = path.stem.casefold() == MODERATION
        wanted = "moderation" if moderation else "scores"
        try:
            with CalamineWorkbook.from_filelike(io.BytesIO(read_bytes(path, files))) as wb:
                title = next((t for t in wb.sheet_names if normalise_heading(t) == wanted), None)
                rows = sheet_rows(wb, title) if title is not None else []
        except Exception:  # a damaged sheet must not stop the evaluation
            sheets.problems.append(
                fact(
                    N_("%(file)s could not be read as a workbook; save it again as .xlsx in a spreadsheet program."),
                    file=path.name,
                )
            )
            continue
        if title is None:
            sheets.problems.append(fact(N_("%(file)s has no sheet '%(sheet)s'."), file=path.name, sheet=wanted.title()))
            continue
        if not rows:
            continue
        heads = {normalise_heading(h): n for n, h in enumerate(rows[0]) if h is not None}
        get = lambda row, name, heads=heads: row[heads[name]] if name in heads and heads[name] < len(row) else None
        for r, row in enumerate(rows[1:], start=2):
            if all(v in (None, "") for v in row):
                continue
            entry = RawScore(
                file=path.name,
                row=r,
                evaluator=path.stem,
                bid=parse_text(get(row, "bid")).value,
                criterion=parse_text(get(row, "criterion")).value,
                score=get(row, "score"),
                comment=parse_text(get(row, "comment")).value,
                reason=parse_text(get(row, "reason")).value,
                by=parse_text(get(row, "by")).value,
            )
            (sheets.moderations if moderation else sheets.scores).append(entry)
    return sheets


HEADINGS = {
    "scores": ("Bid", "Criterion", "Score", "Comment"),
    MODERATION: ("Bid", "Criterion", "Score", "Reason", "By"),
}


def append_row(path: Path, values: dict[str, object]) -> None:
    """One row added to a score sheet (panel/<evaluator>.xlsx, sheet Scores) or to the moderation sheet
    (panel/moderation.xlsx, sheet Moderation), as a person would type it: the workbook made when missing,
    its other rows and sheets kept, a heading it lacks added. Text is written as text, never as a formula;
    the workbook is replaced whole (a reader never sees half of it)."""
    import os
    import tempfile

    from openpyxl import Workbook, load_workbook

    from scoring.intake.template import normalise_heading

    kind = MODERATION if path.stem.casefold() == MODERATION else "scores"
    headings = HEADINGS[kind]
    if path.is_file():
        workbook = load_workbook(path)
        sheet = next((workbook[t] for t in workbook.sheetnames if normalise_heading(t) == kind), None)
        if sheet is None:
            sheet = workbook.create_sheet(kind.title())
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = kind.title()
    if sheet.max_row == 1 and all(c.value in (None, "") for c in sheet[1]):
        for n, heading in enumerate(headings, start=1):
            sheet.cell(row=1, column=n, value=heading)
    if any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row):
        from scoring.errors import InputError

        raise InputError(
            path.name, "it holds formulas, whose results would be lost: save it with values only, or score in it"
        )
    columns = {normalise_heading(str(c.value)): c.column for c in sheet[1] if c.value not in (None, "")}
    for heading in headings:
        if normalise_heading(heading) not in columns:
            columns[normalise_heading(heading)] = sheet.max_column + 1
            sheet.cell(row=1, column=columns[normalise_heading(heading)], value=heading)
    row = sheet.max_row + 1
    for heading, value in values.items():
        cell = sheet.cell(row=row, column=columns[normalise_heading(heading)], value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # '=HYPERLINK(...)' stays the text it is
    path.parent.mkdir(exist_ok=True)
    handle, staged = tempfile.mkstemp(dir=path.parent, prefix=".writing-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook.save(staged)
        os.replace(staged, path)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise
