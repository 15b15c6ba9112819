"""Workbooks taken apart and put together again, for the tests that build hostile files."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

# A 'billion laughs' worksheet: nine levels of entities, each ten of the one below.
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10))
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


def rezip(
    archive: bytes, change: Callable[[str, bytes], bytes | None], extra: tuple[tuple[str, bytes], ...] = ()
) -> bytes:
    """A zip archive's entries through change(name, data) -> data | None (None drops the entry), plus
    `extra` entries (name, data)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info.filename, data)
        for name, data in extra:
            dst.writestr(name, data)
    return out.getvalue()


def tall_workbook(path, rows: int) -> None:
    """A workbook whose Items sheet has `rows` rows of numbers (XlsxWriter, in constant memory)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    book.add_worksheet("Supplier").write(0, 0, "Field")
    items = book.add_worksheet("Items")
    for r in range(rows):
        items.write_number(r, 0, r)
    book.close()
