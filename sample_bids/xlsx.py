"""Writing the generated sample bids and score sheets with openpyxl, as a bidder's spreadsheet program
would: bidder text stays text, and the same content gives the same bytes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from scoring.reports.xlsxout import FIXED_TIME

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
