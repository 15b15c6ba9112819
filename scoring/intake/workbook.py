"""Open a bid workbook safely and read its sheets as raw cells.

The only module that opens bid files. It decides whether a file may be opened at
all (not a workbook, macros, encryption, zip bombs) and returns each sheet's
cells by standard field name with their worksheet row, applying the tender's
column mapping. Typing the values is ingest.py's job.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.intake.template import SHEETS, Sheet, normalise_heading
from scoring.issues import Issue, Severity, issue
from scoring.models import TemplateMapping

# A bid workbook is a few hundred kB unpacked; anything near this is not a bid.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 200  # zip bombs compress far beyond what spreadsheet XML does
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


@dataclass
class RawRow:
    row: int
    cells: dict[str, Any]  # standard field name -> cell value as the workbook holds it


@dataclass
class RawSheet:
    sheet: Sheet
    title: str  # the sheet's name in this workbook
    display: dict[str, str] = field(default_factory=dict)  # field name -> heading as written in this template
    rows: list[RawRow] = field(default_factory=list)
    uncalculated: set[tuple[int, str]] = field(default_factory=set)  # (row, field) formulas without a value


@dataclass
class RawWorkbook:
    sheets: dict[str, RawSheet]  # by standard sheet name; missing sheets are absent
    issues: list[Issue]


def refuse_reason(path: Path) -> Issue | None:
    """Why this file must not be opened as a workbook, or None when it may be."""
    name = path.name
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE_MAGIC:
        data = path.read_bytes()
        if ENCRYPTED_STREAM in data:
            return issue(
                "file.encrypted", f"{name} is encrypted or password-protected; send it without a password.", file=name
            )
        return issue(
            "file.legacy_format", f"{name} is an old .xls workbook; save it as .xlsx and send it again.", file=name
        )
    if not zipfile.is_zipfile(path):
        return issue(
            "file.not_workbook", f"{name} is not an Excel workbook (.xlsx); it could not be read as a bid.", file=name
        )
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {e.filename for e in entries}
            if "xl/workbook.xml" not in names:
                return issue("file.not_workbook", f"{name} is a zip archive but not an Excel workbook.", file=name)
            if any(n.lower().endswith("vbaproject.bin") for n in names) or path.suffix.lower() == ".xlsm":
                return issue(
                    "file.macros",
                    f"{name} contains macros; save it as a plain .xlsx workbook without macros.",
                    file=name,
                )
            unpacked = sum(e.file_size for e in entries)
            packed = max(1, sum(e.compress_size for e in entries))
            if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO:
                return issue("file.too_large", f"{name} unpacks to {unpacked:,} bytes; it was not opened.", file=name)
    except (zipfile.BadZipFile, OSError) as exc:
        return issue("file.unreadable", f"{name} is damaged: {exc}", file=name)
    return None


def read_workbook(path: Path, mapping: TemplateMapping) -> RawWorkbook:
    """Read every template sheet. Call refuse_reason() first."""
    import openpyxl  # only readers touch files; keeps `import scoring` light

    name = path.name
    try:
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types on damaged files
        return RawWorkbook({}, [issue("file.unreadable", f"{name} could not be read as a workbook: {exc}", file=name)])
    try:
        return _read_sheets(name, values, formulas, mapping)
    except Exception as exc:
        return RawWorkbook({}, [issue("file.unreadable", f"{name} could not be read as a workbook: {exc}", file=name)])
    finally:
        values.close()
        formulas.close()


def _read_sheets(name, values, formulas, mapping: TemplateMapping) -> RawWorkbook:
    issues: list[Issue] = []
    titles = {normalise_heading(t): t for t in values.sheetnames}
    wanted = set()
    sheets: dict[str, RawSheet] = {}
    for sheet in SHEETS:
        local = mapping.sheets.get(sheet.name, sheet.name)
        title = titles.get(normalise_heading(local))
        if title is None:
            severity = None if sheet.required else "warning"
            msg = (
                f"The sheet '{local}' is missing."
                if sheet.required
                else f"The sheet '{local}' is missing; it is read as empty."
            )
            issues.append(
                issue(
                    "sheet.missing",
                    msg,
                    file=name,
                    sheet=sheet.name,
                    severity=_severity(severity) if severity else None,
                )
            )
            continue
        wanted.add(title)
        read = _read_key_value if sheet.key_value else _read_table
        raw = RawSheet(sheet, title, display=display_headings(sheet, mapping))
        sheet_issues = read(name, raw, values[title], formulas[title])
        sheets[sheet.name] = raw
        issues.extend(sheet_issues)
    for title in values.sheetnames:
        if title not in wanted:
            issues.append(
                issue(
                    "sheet.extra",
                    f"The sheet '{title}' is not part of the template and was ignored.",
                    file=name,
                    sheet=title,
                )
            )
    return RawWorkbook(sheets, issues)


def _severity(name: str) -> Severity:
    return Severity(name)


def display_headings(sheet: Sheet, mapping: TemplateMapping) -> dict[str, str]:
    """field name -> its heading as written in this tender's template."""
    renamed = mapping.headings.get(sheet.name, {})
    return {f.name: renamed.get(f.heading, f.heading) for f in sheet.fields}


def _lookup(raw: RawSheet) -> dict[str, str]:
    """normalised heading as written -> field name."""
    return {normalise_heading(h): n for n, h in raw.display.items()}


def _formula_cells(ws) -> set[tuple[int, int]]:
    """(row, column) of every formula cell, from the formulas view of the workbook."""
    found = set()
    for r, row in enumerate(ws.iter_rows(), start=1):
        for c, cell in enumerate(row, start=1):
            if getattr(cell, "data_type", None) == "f":
                found.add((r, c))
    return found


def _rows(ws) -> list[tuple[int, tuple]]:
    return [(r, row) for r, row in enumerate(ws.iter_rows(values_only=True), start=1)]


def _read_table(name: str, raw: RawSheet, ws, ws_formulas) -> list[Issue]:
    issues: list[Issue] = []
    sheet, title, headings = raw.sheet, raw.title, _lookup(raw)
    rows = _rows(ws)
    formula_cells = _formula_cells(ws_formulas)
    header_at = next((i for i, (_, row) in enumerate(rows) if any(v not in (None, "") for v in row)), None)
    if header_at is None:
        issues.append(
            issue(
                "column.missing", f"The sheet '{title}' is empty: it has no heading row.", file=name, sheet=sheet.name
            )
        )
        return issues
    header_row, header = rows[header_at]
    columns: dict[int, str] = {}
    for c, heading in enumerate(header):
        if heading in (None, ""):
            continue
        field_name = headings.get(normalise_heading(heading))
        if field_name is None or field_name in columns.values():
            issues.append(
                issue(
                    "column.extra",
                    f"The column '{heading}' is not part of the template and was ignored.",
                    file=name,
                    sheet=sheet.name,
                    row=header_row,
                )
            )
        else:
            columns[c] = field_name
    for f in sheet.fields:
        if f.name not in columns.values():
            severity = "error" if f.required == "error" else "warning"
            heading = raw.display[f.name]
            issues.append(
                issue(
                    "column.missing",
                    f"The column '{heading}' is missing.",
                    file=name,
                    sheet=sheet.name,
                    row=header_row,
                    field=heading,
                    severity=_severity(severity),
                )
            )
    for r, row in rows[header_at + 1 :]:
        cells = {columns[c]: v for c, v in enumerate(row) if c in columns}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue  # empty rows inside a table are skipped
        for c, field_name in columns.items():
            if (r, c + 1) in formula_cells and cells.get(field_name) is None:
                raw.uncalculated.add((r, field_name))
        raw.rows.append(RawRow(r, cells))
    return issues


def _read_key_value(name: str, raw: RawSheet, ws, ws_formulas) -> list[Issue]:
    issues: list[Issue] = []
    sheet, headings = raw.sheet, _lookup(raw)
    formula_cells = _formula_cells(ws_formulas)
    cells: dict[str, Any] = {}
    rows_of: dict[str, int] = {}
    for r, row in _rows(ws):
        key = row[0] if row else None
        if key in (None, "") or r == 1 and normalise_heading(key) == "field":
            continue
        value = row[1] if len(row) > 1 else None
        field_name = headings.get(normalise_heading(key))
        if field_name is None:
            issues.append(
                issue(
                    "field.unknown",
                    f"The field '{key}' is not part of the template and was ignored.",
                    file=name,
                    sheet=sheet.name,
                    row=r,
                )
            )
            continue
        if field_name in cells:
            continue  # the first occurrence counts; a repeated field name is noise
        cells[field_name] = value
        rows_of[field_name] = r
        if (r, 2) in formula_cells and value is None:
            raw.uncalculated.add((r, field_name))
    # One RawRow per field keeps each value's worksheet row for the issues.
    for field_name, value in cells.items():
        raw.rows.append(RawRow(rows_of[field_name], {field_name: value}))
    for f in sheet.fields:
        if f.name not in cells and f.required:
            heading = raw.display[f.name]
            issues.append(
                issue(
                    "field.missing",
                    f"The field '{heading}' is missing from the sheet.",
                    file=name,
                    sheet=sheet.name,
                    field=heading,
                    severity=_severity(f.required),
                )
            )
    return issues
