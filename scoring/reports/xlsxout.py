"""Writing report workbooks: bidder text stays text, and the same content gives the same bytes.

Reports are written with XlsxWriter (streaming XML, two to three times faster than openpyxl on large
sheets); sample_bids/xlsx.py writes the generated sample bids with openpyxl, as a bidder's program would.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

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
