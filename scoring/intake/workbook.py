"""Open a bid workbook safely and read its sheets as raw cells.

The only module that opens bid files. It decides whether a file may be opened at
all (not a workbook, macros, encryption, zip bombs) and returns each sheet's
cells by standard field name with their worksheet row, applying the tender's
column mapping. Typing the values is ingest.py's job.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from scoring.facts import N_, Count, fact
from scoring.intake.template import SHEETS, Sheet, normalise_heading
from scoring.issues import Issue, Severity, issue
from scoring.models import TemplateMapping

# A bid workbook is a few hundred kB unpacked, a catalogue tens of MB; anything near this is not a bid.
MAX_UNPACKED_BYTES = 300 * 1024 * 1024  # a catalogue of 100,000 lines is about 60 MB
MAX_RATIO = 200  # zip bombs compress far beyond what spreadsheet XML does
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
VBA_STORAGE = "_VBA_PROJECT_CUR".encode("utf-16-le")  # an .xls workbook's macros


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
    # (row, field) -> (column from 1, the formula as written) for formula cells without a calculated value
    uncalculated: dict[tuple[int, str], tuple[int, str]] = field(default_factory=dict)
    header_row: int | None = None  # the heading row the tender's mapping names; found when None
    totals_words: tuple[str, ...] = ()  # what a totals row under the items says
    totals: list[RawRow] = field(default_factory=list)  # totals rows found under the items
    columns: dict[str, int] = field(default_factory=dict)  # field name -> its column, from 1


@dataclass
class RawWorkbook:
    sheets: dict[str, RawSheet]  # by standard sheet name; missing sheets are absent
    issues: list[Issue]


def refuse_reason(source: Path | bytes, name: str | None = None) -> Issue | None:
    """Why this file (its path, or its bytes and name) must not be opened as a workbook, or None when it may.

    .xlsx, .ods (LibreOffice's own format) and .xls (the old binary Excel format) are read; a workbook
    with macros (.xlsm, an .xlsx or .xls carrying a VBA project, an .ods carrying Basic), an encrypted
    one, and an archive that unpacks to more than a bid can hold (a zip bomb) are refused unopened.
    """
    data, name = _contents(source, name)
    path = Path(name)
    if _is_ole(data):
        if ENCRYPTED_STREAM in data:
            return encrypted(name)
        if VBA_STORAGE in data or path.suffix.lower() in (".xlsm", ".xlsb"):
            return macros(name)
        return None  # an .xls workbook: calamine reads it
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {e.filename for e in entries}
            manifest = archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
    except zipfile.BadZipFile:
        return not_workbook(name)
    except Exception:  # a damaged archive raises more than BadZipFile
        return unreadable(name)
    ods = "content.xml" in names and "mimetype" in names
    if "xl/workbook.xml" not in names and not ods:
        return issue(
            "file.not_workbook",
            fact(N_("%(file)s is a zip archive but not a spreadsheet workbook."), file=name),
            file=name,
        )
    if (
        any(n.lower().endswith("vbaproject.bin") for n in names)
        or any(n.startswith(("Basic/", "Scripts/")) for n in names)
        or path.suffix.lower() in (".xlsm", ".xlsb")
    ):
        return macros(name)
    if b"encryption-data" in manifest:
        return encrypted(name)
    unpacked = sum(e.file_size for e in entries)
    packed = max(1, sum(e.compress_size for e in entries))
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO:
        return issue(
            "file.too_large",
            fact(N_("%(file)s unpacks to %(bytes)s bytes; it was not opened."), file=name, bytes=Count(unpacked)),
            file=name,
        )
    return None


def not_workbook(name: str) -> Issue:
    return issue(
        "file.not_workbook",
        fact(
            N_("%(file)s is not a spreadsheet workbook (.xlsx, .ods or .xls); it could not be read as a bid."),
            file=name,
        ),
        file=name,
    )


def encrypted(name: str) -> Issue:
    return issue(
        "file.encrypted",
        fact(N_("%(file)s is encrypted or password-protected; send it without a password."), file=name),
        file=name,
    )


def macros(name: str) -> Issue:
    return issue(
        "file.macros",
        fact(
            N_(
                "%(file)s contains macros; save it as a plain workbook without macros (.xlsx or .ods) and send it "
                "again."
            ),
            file=name,
        ),
        file=name,
    )


def read_workbook(
    source: Path | bytes, mapping: TemplateMapping, sheets: tuple[Sheet, ...] = SHEETS, name: str | None = None
) -> RawWorkbook:
    """Read every template sheet (or the given ones: a factory list is a workbook of one template sheet, and
    a sheet mapped to "" is the workbook's first), from the file's path or its bytes (and name). Call
    refuse_reason() first.

    Values come from calamine (one pass over each sheet, in Rust); which cells hold a formula, which
    calamine does not say, from a scan of the sheets' XML that looks only for formula elements.
    """
    from python_calamine import CalamineWorkbook  # only readers touch files; keeps `import scoring` light

    data, name = _contents(source, name)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises its own errors, and others on damaged files
        return RawWorkbook({}, [legacy(name) if _is_ole(data) else unreadable(name)])
    formulas = FormulaCells(data)
    try:
        return _read_sheets(name, book, formulas, mapping, sheets)
    except Exception:
        return RawWorkbook({}, [unreadable(name)])
    finally:
        book.close()
        formulas.close()


def _contents(source: Path | bytes, name: str | None) -> tuple[bytes, str]:
    """A workbook's bytes and file name: read once when a path is given."""
    if isinstance(source, Path):
        return source.read_bytes(), name or source.name
    return source, name or "workbook"


def _is_ole(data: bytes) -> bool:
    return data[:8] == OLE_MAGIC


def legacy(name: str) -> Issue:
    return issue(
        "file.legacy_format",
        fact(
            N_(
                "%(file)s is in an old spreadsheet format that cannot be read (or is password-protected); save it "
                "as .xlsx or .ods and send it again."
            ),
            file=name,
        ),
        file=name,
    )


def unreadable(name: str) -> Issue:
    """`file.unreadable` for a file that could not be read. Never the library's own words: they mean
    nothing to a bidder and may name a server path."""
    return issue(
        "file.unreadable",
        fact(
            N_(
                "%(file)s could not be read as a workbook: its contents are damaged or not what an .xlsx file "
                "holds; open it in a spreadsheet program, save it as .xlsx and send it again."
            ),
            file=name,
        ),
        file=name,
    )


def too_many_rows(name: str, sheet: str, rows: int, limit: int) -> Issue:
    return issue(
        "file.too_many_rows",
        fact(
            N_(
                "The sheet '%(sheet)s' of %(file)s has %(rows)s rows; this tender accepts at most %(limit)s rows per "
                "sheet. The file was not read further: send the offer on fewer rows, or ask the buyer about the "
                "limit."
            ),
            sheet=sheet,
            file=name,
            rows=Count(rows),
            limit=Count(limit),
        ),
        file=name,
        sheet=sheet,
    )


class FormulaCells:
    """Which cells of a sheet hold a formula, by the sheet's title: (row, column), both from 1.

    An .xlsx cell with a formula is `<c r="B2"><f>...</f><v>cached value</v></c>`. Sheets without any
    formula element (most bids) cost one substring search; the others one regular-expression pass.
    """

    def __init__(self, data: bytes):
        self.data = data
        self._archive: zipfile.ZipFile | None = None
        self._parts: dict[str, str] | None = None
        # Whether no worksheet holds a formula element. An .xls or .ods workbook always carries its
        # calculated values (the programs that write them store both), so its formulas are not looked for.
        self._none: bool | None = True if _is_ole(data) else None

    def of(self, title: str) -> set[tuple[int, int]]:
        if self._none is None:  # most bids hold no formula at all: then no sheet needs finding
            archive = self.archive()
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            self._none = not any(_has_formula(archive.read(n)) for n in sheets)
        if self._none:
            return set()
        part = self.parts().get(title)
        return formula_cells(self.archive().read(part)) if part else set()

    def texts(self, title: str, cells: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """The formulas as written in the given cells, (row, column) -> '=...'; a cell whose formula is
        shared with others (written once, on the first cell of the range) is left out."""
        part = self.parts().get(title) if not self._none else None
        if not part:
            return {}
        return formula_texts(self.archive().read(part), cells)

    def archive(self) -> zipfile.ZipFile:
        if self._archive is None:
            self._archive = zipfile.ZipFile(io.BytesIO(self.data))
        return self._archive

    def parts(self) -> dict[str, str]:
        """sheet title -> its part in the zip archive (xl/worksheets/sheetN.xml)."""
        if self._parts is None:
            self._parts = _sheet_parts(self.archive())
        return self._parts

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()


_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
_ANY_FORMULA = re.compile(rb"<" + _NS + rb"f[\s/>]")
_FORMULA_CELL = re.compile(rb"<" + _NS + rb"c(\s[^>]*)?>\s*<" + _NS + rb"f[\s/>]")
_REFERENCE = re.compile(rb"\sr=[\"']([A-Z]{1,3})([0-9]{1,7})[\"']")


def _has_formula(sheet_xml: bytes) -> bool:
    """Whether a formula element is in the XML. A plain substring search first (a formula element opens
    with `<f` or, prefixed, `:f`; most sheets hold neither), which is many times faster than the pattern
    on a catalogue's tens of megabytes."""
    if b"<f" not in sheet_xml and b":f" not in sheet_xml:
        return False
    return _ANY_FORMULA.search(sheet_xml) is not None


def formula_cells(sheet_xml: bytes) -> set[tuple[int, int]]:
    """(row, column) of every cell holding a formula in one worksheet's XML."""
    if not _has_formula(sheet_xml):
        return set()
    found = set()
    for match in _FORMULA_CELL.finditer(sheet_xml):
        reference = _REFERENCE.search(match.group(1) or b"")
        if reference is None:  # a writer that leaves out cell references: count the cells instead
            return _formula_cells_by_position(sheet_xml)
        found.add((int(reference.group(2)), column_index(reference.group(1).decode())))
    return found


def formula_texts(sheet_xml: bytes, cells: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The text of the formula element in each of the given cells (with their `r` reference)."""
    out = {}
    for row, column in cells:
        reference = f"{column_letters(column)}{row}".encode()
        found = re.search(
            rb"<" + _NS + rb"c\s[^>]*\br=[\"']" + reference + rb"[\"'][^>]*>\s*<" + _NS + rb"f(?:\s[^>]*)?>([^<]*)<",
            sheet_xml,
        )
        if found and found.group(1).strip():
            out[(row, column)] = "=" + html.unescape(found.group(1).decode("utf-8", "replace")).strip()
    return out


def column_letters(index: int) -> str:
    """1 -> 'A', 28 -> 'AB'."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def _formula_cells_by_position(sheet_xml: bytes) -> set[tuple[int, int]]:
    """The same, for sheets whose rows or cells carry no reference: positions are counted."""
    from defusedxml.ElementTree import iterparse

    found = set()
    row = column = 0
    for event, element in iterparse(io.BytesIO(sheet_xml), events=("start", "end")):
        local = element.tag.rsplit("}", 1)[-1]
        if event == "start" and local == "row":
            row = int(element.get("r") or row + 1)
            column = 0
        elif event == "start" and local == "c":
            reference = element.get("r")
            column = column_index(re.sub(r"\d", "", reference)) if reference else column + 1
        elif event == "end" and local == "c":
            if any(child.tag.rsplit("}", 1)[-1] == "f" for child in element):
                found.add((row, column))
            element.clear()
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    from defusedxml.ElementTree import fromstring

    workbook = fromstring(archive.read("xl/workbook.xml"))
    try:
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels if r.tag.endswith("Relationship")}
    parts = {}
    for sheet in workbook.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
        target = targets.get(rid)
        if target:
            parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def _cell(value: Any) -> Any:
    """A calamine value as the rest of intake expects it: empty is None, a date a datetime at midnight,
    a whole number an int (a spreadsheet stores 989, not 989.0). Exact type tests: this runs once a cell."""
    kind = type(value)
    if kind is str:
        return value or None
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is date:
        return datetime.combine(value, time())
    return value


def sheet_rows(book: Any, title: str) -> list[tuple]:
    """A calamine workbook's sheet, from A1, as rows of normalised values (see _cell)."""
    return rows_of(book.get_sheet_by_name(title))


def rows_of(sheet: Any) -> list[tuple]:
    cell = _cell
    return [tuple(map(cell, row)) for row in sheet.to_python(skip_empty_area=False)]


def _read_sheets(
    name: str, book, formulas: FormulaCells, mapping: TemplateMapping, template: tuple[Sheet, ...]
) -> RawWorkbook:
    issues: list[Issue] = []
    titles = {normalise_heading(t): t for t in book.sheet_names}
    wanted = set()
    sheets: dict[str, RawSheet] = {}
    for sheet in template:
        local = mapping.sheets.get(sheet.name, sheet.name)
        title = titles.get(normalise_heading(local)) if local else next(iter(book.sheet_names), None)
        if title is None:
            severity = None if sheet.required else "warning"
            msg = (
                fact(N_("The sheet '%(sheet)s' is missing."), sheet=local)
                if sheet.required
                else fact(N_("The sheet '%(sheet)s' is missing; it is read as empty."), sheet=local)
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
        raw = RawSheet(
            sheet,
            title,
            display=display_headings(sheet, mapping),
            header_row=mapping.header_rows.get(sheet.name),
            totals_words=TOTALS_WORDS + tuple(normalise_heading(w) for w in mapping.totals_words),
        )
        cells = book.get_sheet_by_name(title)
        last = cells.end[0] + 1 if cells.end else 0  # worksheet rows from 1 to the last used one
        if last > mapping.max_rows:  # before a single row becomes Python objects
            return RawWorkbook({}, [too_many_rows(name, local, last, mapping.max_rows)])
        rows = list(enumerate(rows_of(cells), start=1))
        sheet_issues = read(name, raw, rows, formulas.of(title))
        if raw.uncalculated:  # rare: the formulas are looked up only for the cells a clarification names
            written = formulas.texts(title, [(r, c) for (r, _), (c, _) in raw.uncalculated.items()])
            raw.uncalculated = {(r, f): (c, written.get((r, c), "")) for (r, f), (c, _) in raw.uncalculated.items()}
        sheets[sheet.name] = raw
        issues.extend(sheet_issues)
    for title in book.sheet_names if template == SHEETS else ():  # a factory form's other sheets are its own
        if title not in wanted:
            issues.append(
                issue(
                    "sheet.extra",
                    fact(N_("The sheet '%(sheet)s' is not part of the template and was ignored."), sheet=title),
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


Rows = list[tuple[int, tuple]]  # (worksheet row from 1, cell values)


def _read_table(name: str, raw: RawSheet, rows: Rows, formula_cells: set[tuple[int, int]]) -> list[Issue]:  # noqa: C901
    issues: list[Issue] = []
    sheet, title, headings = raw.sheet, raw.title, _lookup(raw)
    header_at = _header_at(rows, headings, mapping_row=raw.header_row)
    if header_at is None:
        issues.append(
            issue(
                "column.missing",
                fact(N_("The sheet '%(sheet)s' is empty: it has no heading row."), sheet=title),
                file=name,
                sheet=sheet.name,
            )
        )
        return issues
    header_row, header = rows[header_at]
    columns: dict[int, str] = {}
    totals = _totals_words(raw)
    line_total: int | None = None  # a bidder's own "Line total" column: its totals row holds the bid's total
    for c, heading in enumerate(header):
        if heading in (None, ""):
            continue
        field_name = headings.get(normalise_heading(heading))
        if field_name is None and line_total is None and totals and _is_line_total(heading, totals):
            line_total = c
            continue
        if field_name is None or field_name in columns.values():
            issues.append(
                issue(
                    "column.extra",
                    fact(N_("The column '%(heading)s' is not part of the template and was ignored."), heading=heading),
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
                    fact(N_("The column '%(heading)s' is missing."), heading=heading),
                    file=name,
                    sheet=sheet.name,
                    row=header_row,
                    field=heading,
                    severity=_severity(severity),
                )
            )
    raw.columns = {field_name: c + 1 for c, field_name in columns.items()}
    width = max(columns, default=-1) + 1
    for r, row in rows[header_at + 1 :]:
        if len(row) < width:
            row = row + (None,) * (width - len(row))
        cells = {field_name: row[c] for c, field_name in columns.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue  # empty rows inside a table are skipped
        if totals and _is_totals_row(row, cells, totals):
            if line_total is not None:
                cells[LINE_TOTAL] = row[line_total] if line_total < len(row) else None
            raw.totals.append(RawRow(r, cells))  # the bidder's own total: compared, never an item
            continue
        if formula_cells:
            for c, field_name in columns.items():
                if (r, c + 1) in formula_cells and cells[field_name] is None:
                    raw.uncalculated[(r, field_name)] = (c + 1, "")
        raw.rows.append(RawRow(r, cells))
    return issues


HEADER_SEARCH_ROWS = 30  # a price schedule's title block is a few rows; the heading row comes within these
# What a totals row under the items says, in the buyers' languages (matched at the start of a cell).
TOTALS_WORDS = (
    "total",
    "totaal",
    "totale",
    "totaux",
    "gesamt",
    "summe",
    "summa",
    "sum",
    "i alt",
    "yhteensä",
    "razem",
    "celkem",
)


LINE_TOTAL = "line_total"  # the key of a totals row's value in the bidder's own line total column


def _is_line_total(heading: Any, words: tuple[str, ...]) -> bool:
    """A column the template does not have whose heading says total ("Line total", "Regeltotaal", "Prix
    total", "Gesamtpreis", "Zeilensumme"): the bidder's own quantity times price, whose totals row is the
    bid's own total. A long totals word may be inside a compound; a short one ("sum") only starts a word."""
    if not isinstance(heading, str):
        return False
    return any(
        (w in word if len(w) >= 5 else word.startswith(w)) for word in normalise_heading(heading).split() for w in words
    )


def _header_at(rows: Rows, headings: dict[str, str], mapping_row: int | None = None) -> int | None:
    """Where the heading row is, as an index into rows: the row the mapping names, or, within the first
    rows, the one naming most of the template's headings (a title block above the table is skipped); the
    first row with anything in it when no row names a heading (the missing columns are then reported)."""
    if mapping_row is not None:
        return next((i for i, (r, _) in enumerate(rows) if r == mapping_row), None)
    best, found = None, 0
    for i, (_, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        known = sum(1 for v in row if isinstance(v, str) and normalise_heading(v) in headings)
        if known > found:
            best, found = i, known
    if best is not None:
        return best
    return next((i for i, (_, row) in enumerate(rows) if any(v not in (None, "") for v in row)), None)


def _totals_words(raw: RawSheet) -> tuple[str, ...]:
    """Only a sheet of priced lines has a totals row."""
    return raw.totals_words if "unit_price" in raw.display else ()


def _is_totals_row(row: tuple, cells: dict[str, Any], words: tuple[str, ...]) -> bool:
    """A row whose item is empty or a totals word, with a totals word in one of its first cells."""
    item = cells.get("item")
    if item is not None and not (isinstance(item, str) and _starts_with_total(item, words)):
        return False
    return any(isinstance(v, str) and _starts_with_total(v, words) for v in row[:6])


def _starts_with_total(text: str, words: tuple[str, ...]) -> bool:
    head = normalise_heading(text).rstrip(":")
    return any(head == w or head.startswith((w + " ", w + ":")) for w in words)


def _read_key_value(name: str, raw: RawSheet, rows: Rows, formula_cells: set[tuple[int, int]]) -> list[Issue]:
    issues: list[Issue] = []
    sheet, headings = raw.sheet, _lookup(raw)
    cells: dict[str, Any] = {}
    rows_of: dict[str, int] = {}
    for r, row in rows:
        key = row[0] if row else None
        if key in (None, "") or r == 1 and normalise_heading(key) == "field":
            continue
        value = row[1] if len(row) > 1 else None
        field_name = headings.get(normalise_heading(key))
        if field_name is None:
            issues.append(
                issue(
                    "field.unknown",
                    fact(N_("The field '%(field)s' is not part of the template and was ignored."), field=key),
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
            raw.uncalculated[(r, field_name)] = (2, "")
    raw.columns = dict.fromkeys(cells, 2)  # the values stand in column B
    # One RawRow per field keeps each value's worksheet row for the issues.
    for field_name, value in cells.items():
        raw.rows.append(RawRow(rows_of[field_name], {field_name: value}))
    for f in sheet.fields:
        if f.name not in cells and f.required:
            heading = raw.display[f.name]
            issues.append(
                issue(
                    "field.missing",
                    fact(N_("The field '%(field)s' is missing from the sheet."), field=heading),
                    file=name,
                    sheet=sheet.name,
                    field=heading,
                    severity=_severity(f.required),
                )
            )
    return issues
