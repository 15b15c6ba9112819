"""A blank bid workbook of a tender's template, to send to bidders (`tenderscore init` writes one).

The sheets and headings are the tender's (its `template:` mapping over the standard template, intake/
template.py): what the intake reads is what the bidders are sent. The Supplier sheet lists its fields with the
tender's reference and currency filled in; the Items sheet has a row per item of tender.yaml (lot, item,
quantity); yes/no, yes/no/n/a and fixed-choice cells offer their words in a list. Written with XlsxWriter,
as the reports are: no clock in the file, so the same tender gives the same bytes."""

from __future__ import annotations

import io
from typing import Any

from scoring.intake.template import SHEETS, Field, Kind, Sheet
from scoring.models import Tender

FIXED_TIME_TUPLE = (2000, 1, 1)


def _words(tender: Tender, kind: Kind, field: Field) -> list[str] | None:
    """The words a cell may hold, when the template fixes them: the tender's own first, then the standard."""
    mapping = tender.template
    yes, no = [*mapping.yes_words, "Yes"][0], [*mapping.no_words, "No"][0]
    if kind is Kind.YES_NO:
        return [yes, no]
    if kind is Kind.YES_NO_NA:
        return [yes, no, [*mapping.not_applicable_words, "n/a"][0]]
    if kind is Kind.CHOICE:
        return list(field.choices)
    return None


def blank_workbook(tender: Tender) -> bytes:
    """The workbook's bytes."""
    from datetime import datetime

    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    book.set_properties({"created": datetime(*FIXED_TIME_TUPLE), "author": "tenderscore", "title": tender.title})
    bold = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    text = book.add_format({"num_format": "@"})  # typed text stays text (an id with leading zeros, a GTIN)
    mapping = tender.template
    for sheet in SHEETS:
        ws = book.add_worksheet(mapping.sheets.get(sheet.name, sheet.name)[:31])
        heading = lambda f, s=sheet: mapping.headings.get(s.name, {}).get(f.heading, f.heading)
        if sheet.key_value:
            _supplier(ws, sheet, tender, heading, bold, text)
        else:
            _table(ws, sheet, tender, heading, bold, text)
    book.close()
    return out.getvalue()


def _supplier(ws: Any, sheet: Sheet, tender: Tender, heading: Any, bold: Any, text: Any) -> None:
    ws.write_row(0, 0, ["Field", "Value"], bold)
    filled = {"tender_reference": tender.id, "currency": tender.currency}
    for row, field in enumerate(sheet.fields, start=1):
        ws.write_string(row, 0, heading(field))
        if field.name in filled:
            ws.write_string(row, 1, filled[field.name])
        words = _words(tender, field.kind, field)
        if words:
            ws.data_validation(row, 1, row, 1, {"validate": "list", "source": words})
    ws.set_column(0, 0, 48)
    ws.set_column(1, 1, 40, text)
    ws.freeze_panes(1, 0)


def _table(ws: Any, sheet: Sheet, tender: Tender, heading: Any, bold: Any, text: Any) -> None:
    ws.write_row(0, 0, [heading(f) for f in sheet.fields], bold)
    ws.freeze_panes(1, 0)
    rows = max(len(tender.items), 1) if sheet.name == "Items" else 20
    for col, field in enumerate(sheet.fields):
        kind_format = text if field.kind in (Kind.TEXT, Kind.LIST, Kind.CHOICE) else None
        ws.set_column(col, col, max(12, min(len(heading(field)) + 2, 40)), kind_format)
        words = _words(tender, field.kind, field)
        if words:
            ws.data_validation(1, col, rows + 200, col, {"validate": "list", "source": words})
    if sheet.name == "Items":
        names = [f.name for f in sheet.fields]
        for row, item in enumerate(tender.items, start=1):
            ws.write_string(row, names.index("lot"), item.lot)
            ws.write_string(row, names.index("item"), item.item)
            if item.quantity is not None:
                ws.write_number(row, names.index("quantity"), item.quantity)
