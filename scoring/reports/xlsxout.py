"""Writing workbooks: bidder text stays text, and the same content gives the same bytes.

Reports are written with XlsxWriter (streaming XML, two to three times faster than openpyxl on large
sheets); openpyxl writes the generated sample bids, as a bidder's spreadsheet program would.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

FIXED_TIME = datetime(2000, 1, 1)
MODIFIED = re.compile(
    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)"
)  # workbook properties and zip entries carry no wall-clock time


def append_row(ws: Any, values: list[Any]) -> None:
    """Append a row; every string is a string cell, never a formula (openpyxl makes '=...' a formula).

    The cells are made here and handed to `append`, which places them after the last row it wrote: the
    cost of a row does not grow with the sheet (looking the row up by `ws.max_row` scans every cell).
    """
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        cell = Cell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    ws.append(cells)


class _FixedTimeZip(zipfile.ZipFile):
    """A zip archive whose every entry carries FIXED_TIME, and whose core properties carry no save time:
    openpyxl writes into it directly, so each part is compressed once."""

    def _fixed(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, zipfile.ZipInfo) else zinfo_or_arcname
        if isinstance(data, str):
            data = data.encode("utf-8")
        if name == "docProps/core.xml":
            # openpyxl stamps the save time into `modified`, whatever the properties say.
            data = MODIFIED.sub(rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", data)
        super().writestr(self._fixed(name), data)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


def save_deterministic(wb: Any, path: Path) -> None:
    """Save a workbook so that the same content gives the same bytes (no clock in it)."""
    from openpyxl.writer.excel import ExcelWriter

    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.creator = "tenderscore"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        ExcelWriter(wb, _FixedTimeZip(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()


class Report:
    """An .xlsx report written row by row with XlsxWriter: every string a string (never a formula, a link
    or a number), numbers as numbers, dates as dates; no clock in the file (fixed creation time, zip
    entries dated 1980-01-01), so the same content gives the same bytes."""

    def __init__(self, path: Path):
        import xlsxwriter

        path.parent.mkdir(parents=True, exist_ok=True)
        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "in_memory": True,  # also what dates the zip entries 1980-01-01
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.book.set_properties({"created": FIXED_TIME, "author": "tenderscore"})
        self.bold = self.book.add_format({"bold": True})
        self.day = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.moment = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})

    def sheet(self, title: str) -> Sheet:
        return Sheet(self, self.book.add_worksheet(title))

    def close(self) -> None:
        self.book.close()


class Sheet:
    """One worksheet; rows are appended, each in time independent of the sheet's length."""

    def __init__(self, report: Report, ws: Any):
        self.report, self.ws, self.rows = report, ws, 0

    def append(self, values: list[Any], bold: bool = False) -> None:
        ws, r = self.ws, self.rows
        style = self.report.bold if bold else None
        for c, value in enumerate(values):
            kind = type(value)
            if kind is str:  # the common cases first, by exact type
                if value:
                    ws.write_string(r, c, value, style)
            elif kind is int or kind is Decimal or kind is float:
                ws.write_number(r, c, value, style)
            elif value is None or value == "":
                continue  # an empty cell, as openpyxl left it
            elif isinstance(value, bool):
                ws.write_boolean(r, c, value, style)
            elif isinstance(value, (int, float, Decimal)):
                ws.write_number(r, c, value, style)
            elif isinstance(value, datetime):
                ws.write_datetime(r, c, value.replace(tzinfo=None), self.report.moment)
            elif isinstance(value, date):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), self.report.day)
            else:
                ws.write_string(r, c, str(value), style)
        self.rows += 1

    def header(self, values: list[Any]) -> None:
        """The first row, bold and frozen."""
        self.append(values, bold=True)
        self.ws.freeze_panes(1, 0)

    def widths(self, widths: list[int]) -> None:
        for n, width in enumerate(widths):
            self.ws.set_column(n, n, width)
