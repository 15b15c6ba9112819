"""Writing workbooks: bidder text stays text, and the same content gives the same bytes."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
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


def save_deterministic(wb, path: Path) -> None:
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.creator = "tenderscore"
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into `modified`, whatever the properties say.
                data = MODIFIED.sub(rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
