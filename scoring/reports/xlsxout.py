"""Writing report workbooks: bidder text stays text, and the same content gives the same bytes.

Reports are written with XlsxWriter (streaming XML, two to three times faster than openpyxl on large
sheets); sample_bids/xlsx.py writes the generated sample bids with openpyxl, as a bidder's program would.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from scoring.formatting import inert

FIXED_TIME = datetime(2000, 1, 1)  # workbook properties carry no wall-clock time


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
        self.sheets: list[Sheet] = []
        self.bold = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
        self.day = self.book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        self.moment = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss", "valign": "top"})
        # Number formats by kind: money with two decimals and thousands separators, shares as percentages,
        # points with the rule set's decimals; long text wraps.
        self.formats = {
            "money": self.book.add_format({"num_format": "#,##0.00", "valign": "top"}),
            "percent": self.book.add_format({"num_format": "0.0%", "valign": "top"}),
            "points": self.book.add_format({"num_format": "0.00", "valign": "top"}),
            "number": self.book.add_format({"num_format": "#,##0.####", "valign": "top"}),
            "integer": self.book.add_format({"num_format": "0", "valign": "top"}),
            "wrap": self.book.add_format({"text_wrap": True, "valign": "top"}),
            "text": self.book.add_format({"valign": "top"}),
        }

    def sheet(self, title: str) -> Sheet:
        sheet = Sheet(self, self.book.add_worksheet(title[:31]))  # Excel's limit on sheet names
        self.sheets.append(sheet)
        return sheet

    def close(self) -> None:
        for sheet in self.sheets:
            sheet.finish()
        self.book.close()


class Sheet:
    """One worksheet; rows are appended, each in time independent of the sheet's length."""

    def __init__(self, report: Report, ws: Any):
        self.report, self.ws, self.rows = report, ws, 0
        self.kinds: list[str | None] = []  # each column's number format (Report.formats), from columns()
        self.styles = []
        self._row_styles: dict[tuple, list[Any]] = {}
        self.table: tuple[int, int] | None = None  # the header row and its width, for the autofilter

    def columns(self, kinds: list[str | None]) -> None:
        """Each column's kind of value (money, percent, points, number, integer, wrap, text, or None)."""
        self.kinds = kinds
        self.styles = [self.report.formats[k] if k else None for k in kinds]

    styles: list[Any] = []

    def append(self, values: list[Any], bold: bool = False, kinds: list[str | None] | None = None) -> None:  # noqa: C901
        """One row; `kinds` overrides the columns' kinds for this row (a column holding different measures)."""
        ws, r = self.ws, self.rows
        if bold:
            styles = [self.report.bold] * len(values)
        elif kinds:
            key = (tuple(kinds), len(values))
            known = self._row_styles.get(key)
            if known is not None:
                styles = known
            else:  # worked out once per pattern of kinds: a sheet has few
                formats = self.report.formats
                styles = self._row_styles[key] = [
                    formats[k] if (k := (kinds[c] if c < len(kinds) and kinds[c] else self._kind(c))) else None
                    for c in range(len(values))
                ]
        else:
            styles = self.styles
        width = len(styles)
        for c, value in enumerate(values):
            style = styles[c] if c < width else None
            kind = type(value)
            if kind is str:  # the common cases first, by exact type
                if value:
                    ws.write_string(r, c, inert(value), style)
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
                ws.write_string(r, c, inert(str(value)), style)
        self.rows += 1

    def _kind(self, column: int) -> str | None:
        return self.kinds[column] if column < len(self.kinds) else None

    def header(self, values: list[Any]) -> None:
        """A table's heading row: bold, frozen, repeated on every printed page; the autofilter covers the
        table below it (set by finish())."""
        if len(set(values)) != len(values):
            raise ValueError(f"two columns share a heading: {values}")
        self.table = (self.rows, len(values))
        self.append(values, bold=True)
        self.ws.freeze_panes(self.rows, 0)
        self.ws.repeat_rows(self.rows - 1)

    def widths(self, widths: list[int]) -> None:
        for n, width in enumerate(widths):
            self.ws.set_column(n, n, width)

    def finish(self) -> None:
        """Autofilter over the table, and a print set-up: A4 landscape, fit to one page wide."""
        if self.table is not None and self.rows > self.table[0]:
            first, width = self.table
            self.ws.autofilter(first, 0, self.rows - 1, width - 1)
        self.ws.set_landscape()
        self.ws.set_paper(9)  # A4
        self.ws.fit_to_pages(1, 0)
