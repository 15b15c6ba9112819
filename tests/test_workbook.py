"""Reading bid files: what may not be opened, formulas, layout and column mapping."""

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import codes, sample_spec
from zips import BILLION_LAUGHS, rezip, tall_workbook

from sample_bids.generate import write_bid
from scoring.intake.ingest import read_bid
from scoring.intake.tender import load_tender
from scoring.intake.validate import validate_bid


def _tender(make_tender, bids=None, **overrides):
    folder = make_tender(bids or {}, **overrides)
    return load_tender(folder), folder / "bids"


def _rewrite_zip(path, change):
    """Rewrite a workbook's zip entries through change(name, data) -> data | None (None drops it)."""
    path.write_bytes(rezip(path.read_bytes(), change))


def test_a_file_that_is_not_a_workbook_is_rejected_with_its_name(make_tender):
    tender, bids = _tender(make_tender, {"letter.xlsx": b"%PDF-1.4 scanned letter"})
    read = read_bid(bids / "letter.xlsx", tender)
    assert read.bid is None
    assert [i.code for i in read.issues] == ["file.not_workbook"]
    assert "letter.xlsx" in read.issues[0].message


def test_macros_encryption_and_legacy_files_are_refused(make_tender, tmp_path):
    tender, bids = _tender(make_tender, {"ok.xlsx": sample_spec("01-greenbyte.xlsx")})
    macro = bids / "macro.xlsx"
    macro.write_bytes((bids / "ok.xlsx").read_bytes())
    with zipfile.ZipFile(macro, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 64)
    xlsm = bids / "same.xlsm"
    xlsm.write_bytes((bids / "ok.xlsx").read_bytes())
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    (bids / "locked.xlsx").write_bytes(ole + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    (bids / "old.xls").write_bytes(ole + "Workbook".encode("utf-16-le") + b"\x00" * 512)
    found = {
        p: [i.code for i in read_bid(bids / p, tender).issues]
        for p in ("macro.xlsx", "same.xlsm", "locked.xlsx", "old.xls")
    }
    assert found == {
        "macro.xlsx": ["file.macros"],
        "same.xlsm": ["file.macros"],
        "locked.xlsx": ["file.encrypted"],
        "old.xls": ["file.legacy_format"],
    }


def test_a_zip_bomb_is_not_opened(make_tender):
    tender, bids = _tender(make_tender)
    bomb = bids / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024))
    read = read_bid(bomb, tender)
    assert read.bid is None and [i.code for i in read.issues] == ["file.too_large"]


def test_a_damaged_workbook_is_rejected_not_raised(make_tender):
    tender, bids = _tender(make_tender, {"broken.xlsx": sample_spec("01-greenbyte.xlsx")})
    _rewrite_zip(bids / "broken.xlsx", lambda n, d: b"<not xml" if n == "xl/workbook.xml" else d)
    read = read_bid(bids / "broken.xlsx", tender)
    assert read.bid is None
    assert [i.code for i in read.issues] == ["file.unreadable"]
    assert "broken.xlsx" in read.issues[0].message


def test_a_formula_without_a_calculated_value_is_an_error_never_zero(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["formulas"] = {("Items", "H2"): "=800+189"}  # Unit price of row 2; openpyxl stores no value
    tender, bids = _tender(make_tender, {"f.xlsx": spec})
    read = validate_bid(read_bid(bids / "f.xlsx", tender), tender)
    unit_price = [i for i in read.issues if i.row == 2 and i.field == "Unit price"]
    assert [i.code for i in unit_price] == ["cell.formula_uncalculated"]
    assert "the formula =800+189 in cell H2" in unit_price[0].message  # named, for the clarification request
    assert read.bid.items[0].unit_price is None


def test_a_formulas_last_calculated_value_counts(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["formulas"] = {("Items", "H2"): "=800+189"}
    tender, bids = _tender(make_tender, {"f.xlsx": spec})

    def add_cached_value(name, data):
        if name == "xl/worksheets/sheet2.xml":  # Items; what a spreadsheet program writes after calculating
            assert b"<f>800+189</f><v />" in data or b"<f>800+189</f><v></v>" in data
            return data.replace(b"<f>800+189</f><v />", b"<f>800+189</f><v>989</v>").replace(
                b"<f>800+189</f><v></v>", b"<f>800+189</f><v>989</v>"
            )
        return data

    _rewrite_zip(bids / "f.xlsx", add_cached_value)
    read = validate_bid(read_bid(bids / "f.xlsx", tender), tender)
    assert read.bid.items[0].unit_price == Decimal(989)
    assert "cell.formula_uncalculated" not in codes(read)


def test_layout_extras_are_info_and_missing_parts_are_errors(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    for item in spec["items"]:
        item["Internal note"] = "ignore me"
    spec["supplier"]["Favourite colour"] = "green"
    spec["drop_sheets"] = ("Factories",)
    tender, bids = _tender(make_tender, {"x.xlsx": spec})
    read = read_bid(bids / "x.xlsx", tender)
    by_code = {i.code: i for i in read.issues}
    assert by_code["column.extra"].severity.value == "info"
    assert by_code["field.unknown"].severity.value == "info"
    assert by_code["sheet.missing"].severity.value == "warning"  # Factories is optional: read as empty
    assert read.bid.factories == []

    spec = sample_spec("01-greenbyte.xlsx")
    spec["drop_sheets"] = ("Items",)
    write_bid(bids / "y.xlsx", **spec)
    read = read_bid(bids / "y.xlsx", tender)
    missing = [i for i in read.issues if i.code == "sheet.missing"]
    assert missing[0].severity.value == "error" and missing[0].sheet == "Items"


def test_headings_match_case_and_spaces_and_empty_rows_are_skipped(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["mapping"] = {"headings": {"Items": {"Unit price": "  UNIT   price "}}}
    spec["items"].insert(1, {})  # an empty row between the two items
    tender, bids = _tender(make_tender, {"x.xlsx": spec})
    read = validate_bid(read_bid(bids / "x.xlsx", tender), tender)
    assert [i.unit_price for i in read.bid.items] == [Decimal(989), Decimal(189)]
    assert [i.row for i in read.bid.items] == [2, 4]
    assert not [i for i in read.issues if i.severity.value == "error"]


DUTCH = {
    "sheets": {"Supplier": "Leverancier", "Items": "Producten", "Labels": "Keurmerken", "Factories": "Fabrieken"},
    "headings": {
        "Supplier": {
            "Supplier name": "Naam leverancier",
            "Registration number": "Ondernemingsnummer",
            "Take-back and reuse service": "Terugname en hergebruik",
        },
        "Items": {
            "Unit price": "Eenheidsprijs",
            "Quantity": "Aantal",
            "Warranty (years)": "Garantie (jaar)",
            "Battery replaceable": "Batterij vervangbaar",
        },
        "Labels": {"Valid until": "Geldig tot"},
    },
}


def test_a_non_standard_template_is_read_through_the_tenders_mapping(make_tender):
    standard = sample_spec("01-greenbyte.xlsx")
    dutch = sample_spec("01-greenbyte.xlsx")
    dutch["mapping"] = DUTCH
    dutch["supplier"]["Take-back and reuse service"] = "Ja"
    dutch["items"][0]["Battery replaceable"] = "ja"
    dutch["items"][1]["Battery replaceable"] = "nvt"
    template = dict(DUTCH, yes_words=["Ja"], no_words=["Nee"], not_applicable_words=["nvt"])
    tender_nl, bids_nl = _tender(make_tender, {"nl.xlsx": dutch}, template=template)
    tender_std, bids_std = _tender(make_tender, {"std.xlsx": standard})
    nl = validate_bid(read_bid(bids_nl / "nl.xlsx", tender_nl), tender_nl)
    std = validate_bid(read_bid(bids_std / "std.xlsx", tender_std), tender_std)
    assert not [i for i in nl.issues if i.severity.value != "info"], nl.issues
    assert nl.bid.model_dump(exclude={"bid_id", "file", "file_sha256"}) == std.bid.model_dump(
        exclude={"bid_id", "file", "file_sha256"}
    )

    # Issues speak the bidder's template: the Dutch heading, on the Dutch sheet's row.
    dutch["items"][0]["Unit price"] = "veel"
    write_bid(bids_nl / "nl2.xlsx", **dutch)
    bad = validate_bid(read_bid(bids_nl / "nl2.xlsx", tender_nl), tender_nl)
    problem = next(i for i in bad.issues if i.code == "cell.not_a_number")
    assert (problem.sheet, problem.row, problem.field) == ("Items", 2, "Eenheidsprijs")
    assert "Eenheidsprijs" in problem.message and "veel" in problem.message


def test_an_xml_bomb_is_refused_in_the_bidders_words(make_tender):
    """A 'billion laughs' in a sheet: no entity is expanded, the file is unreadable, and the message
    carries neither the library's error text nor a server path."""
    tender, bids = _tender(make_tender, {"laughs.xlsx": sample_spec("01-greenbyte.xlsx")})
    _rewrite_zip(bids / "laughs.xlsx", lambda n, d: BILLION_LAUGHS if n == "xl/worksheets/sheet2.xml" else d)
    read = read_bid(bids / "laughs.xlsx", tender)
    assert read.bid is None and [i.code for i in read.issues] == ["file.unreadable"]
    message = read.issues[0].message
    assert message.startswith("laughs.xlsx could not be read") and str(bids) not in message
    assert "Error" not in message and "entity" not in message.lower()


def test_formula_cells_are_found_with_and_without_cell_references():
    from scoring.intake.workbook import formula_cells

    ns = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    referenced = ns + (
        b'<row r="2"><c r="A2"><v>1</v></c><c r="H2" s="3"><f>800+189</f><v>989</v></c>'
        b'<c r="AB2" t="str"><f t="shared" si="0"/><v></v></c></row></sheetData>'
        b'<dataValidations><dataValidation><formula1>"Yes,No"</formula1></dataValidation></dataValidations>'
        b"</worksheet>"
    )
    assert formula_cells(referenced) == {(2, 8), (2, 28)}
    prefixed = referenced.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>").replace(b"<f", b"<x:f")
    prefixed = prefixed.replace(b"</f>", b"</x:f>").replace(b"<worksheet xmlns=", b"<worksheet xmlns:x=")
    assert formula_cells(prefixed) == {(2, 8), (2, 28)}
    unreferenced = (
        ns + b"<row><c><v>1</v></c></row><row><c><v>1</v></c><c><f>1+1</f><v>2</v></c></row></sheetData></worksheet>"
    )
    assert formula_cells(unreferenced) == {(2, 2)}
    validations_only = ns + b'<row r="1"><c r="A1"><v>1</v></c></row></sheetData><dataValidations><dataValidation>'
    assert (
        formula_cells(validations_only + b"<formula1>1</formula1></dataValidation></dataValidations></worksheet>")
        == set()
    )


def test_calamine_reads_every_sample_file_as_openpyxl_does():
    """The reader takes values from calamine; openpyxl (the reference reader of .xlsx) sees the same cells in
    every sample bid and hostile file, after the reader's own normalisation (empty is None, dates at
    midnight, whole numbers as int)."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    from sample_bids.generate import TENDER
    from scoring.intake.workbook import _cell

    def trimmed(rows):
        rows = [list(r) for r in rows]
        for r in rows:
            while r and r[-1] is None:
                r.pop()
        while rows and not rows[-1]:
            rows.pop()
        return rows

    compared = 0
    for path in sorted((TENDER / "bids").glob("*.xlsx")):
        if not zipfile.is_zipfile(path):
            continue
        reference = openpyxl.load_workbook(path, read_only=True, data_only=True)
        with CalamineWorkbook.from_path(str(path)) as book:
            assert book.sheet_names == reference.sheetnames
            for title in book.sheet_names:
                ours = [
                    [_cell(v) for v in row] for row in book.get_sheet_by_name(title).to_python(skip_empty_area=False)
                ]
                theirs = [[_cell(v) for v in row] for row in reference[title].iter_rows(values_only=True)]
                assert trimmed(ours) == trimmed(theirs), (path.name, title)
                compared += 1
        reference.close()
    assert compared >= 30


def test_an_exception_while_typing_one_bid_is_an_issue_on_that_bid_and_the_others_are_read(make_tender, monkeypatch):
    """Whatever a library raises on one file (here the model of the supplier sheet) becomes
    `file.unreadable` on that file, in the bidder's words; the next file is read as usual."""
    from scoring.intake import ingest

    tender, bids = _tender(
        make_tender, {"a.xlsx": sample_spec("01-greenbyte.xlsx"), "b.xlsx": sample_spec("02-officeline.xlsx")}
    )
    real = ingest.Supplier

    def fragile(**fields):
        if fields.get("name", "").startswith("GreenByte"):
            raise RuntimeError("/srv/tenderscore/.venv/lib/python3.11/site-packages: internal error")
        return real(**fields)

    monkeypatch.setattr(ingest, "Supplier", fragile)
    broken, fine = read_bid(bids / "a.xlsx", tender), read_bid(bids / "b.xlsx", tender)
    assert broken.bid is None and [i.code for i in broken.issues] == ["file.unreadable"]
    assert "/srv" not in broken.issues[0].message and "internal error" not in broken.issues[0].message
    assert broken.file_sha256 and fine.bid is not None and fine.bid.supplier.name == "Officeline BV"


def test_a_sheet_longer_than_the_tenders_limit_stops_that_file_quickly(make_tender):
    """A declared limit per sheet (template.max_rows, 100,000 by default): a sheet of 150,001 rows is
    refused with file.too_many_rows before its rows become Python objects; a tender may set its own."""
    import time

    tender, bids = _tender(make_tender, {"ok.xlsx": sample_spec("01-greenbyte.xlsx")})
    huge = bids / "huge.xlsx"
    tall_workbook(huge, 150_001)
    start = time.perf_counter()
    read = read_bid(huge, tender)
    assert time.perf_counter() - start < 5
    assert [i.code for i in read.issues] == ["file.too_many_rows"]
    assert "'Items'" in read.issues[0].message and "150,001 rows" in read.issues[0].message
    assert "100,000" in read.issues[0].message
    assert not codes(validate_bid(read_bid(bids / "ok.xlsx", tender), tender)) & {"file.too_many_rows"}

    strict, strict_bids = _tender(
        make_tender, {"ok.xlsx": sample_spec("01-greenbyte.xlsx")}, name="strict", template={"max_rows": 2}
    )
    assert [i.code for i in read_bid(strict_bids / "ok.xlsx", strict).issues] == ["file.too_many_rows"]


def _price_schedule(path, total, title_rows=3):
    """A buyer's price schedule as bidders return it: a title block above the table, and a totals row
    ('Totaal', the value a spreadsheet calculated for its SUM) under the items."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book["Producten"]
    sheet.insert_rows(1, title_rows)
    sheet["A1"] = "Prijsschema perceel 1"
    sheet["A2"] = "Stad Voorbeeld, dienst ICT"
    lines = sheet.max_row
    sheet.cell(lines + 1, 1, "Totaal")
    heading = [c.value for c in sheet[title_rows + 1]]
    sheet.cell(lines + 1, heading.index("Eenheidsprijs") + 1, total)
    book.save(path)
    return lines + 1


def test_the_bids_own_total_is_read_from_its_line_total_column(make_tender):
    """A bidder who adds a line total column (quantity times price) puts its total under that column, and
    under the price column at most the sum of the unit prices: the total compared with the lines is the
    line total column's, and that column is the bidder's own, not an ignored extra."""
    import openpyxl

    spec = sample_spec("01-greenbyte.xlsx")
    spec["mapping"] = DUTCH
    template = dict(DUTCH, yes_words=["Ja"], no_words=["Nee"], not_applicable_words=["nvt"])
    tender, bids = _tender(make_tender, {"nl.xlsx": spec, "nl-wrong.xlsx": spec}, template=template)
    computed = validate_bid(read_bid(bids / "nl.xlsx", tender), tender).bid.total_price
    for name, total in (("nl.xlsx", computed), ("nl-wrong.xlsx", computed + 100)):
        path = bids / name
        row = _price_schedule(path, 1234.0)  # the sum of the unit prices, as some bidders write it
        book = openpyxl.load_workbook(path)
        sheet = book["Producten"]
        heading = [c.value for c in sheet[4]]
        quantity, price = heading.index("Aantal") + 1, heading.index("Eenheidsprijs") + 1
        column = len(heading) + 1
        sheet.cell(4, column, "Regeltotaal")
        for r in range(5, row):
            sheet.cell(r, column, sheet.cell(r, quantity).value * sheet.cell(r, price).value)
        sheet.cell(row, column, float(total))
        book.save(path)

    right = validate_bid(read_bid(bids / "nl.xlsx", tender), tender)
    assert not [i for i in right.issues if i.severity.value != "info"], right.issues
    assert "column.extra" not in codes(right) and [i.row for i in right.issues if i.code == "items.total_row"] == [row]
    wrong = validate_bid(read_bid(bids / "nl-wrong.xlsx", tender), tender)
    [differs] = [i for i in wrong.issues if i.code == "items.total_differs"]
    assert differs.row == row and wrong.bid.total_price == computed


def test_a_title_block_above_the_table_and_a_totals_row_under_it(make_tender):
    """The heading row is found by its headings (row 4 under a title block), not assumed to be row 1; a
    totals row is the bidder's own total: compared with the item lines, never an item and never the price.
    A tender may also name the heading row."""
    spec = sample_spec("01-greenbyte.xlsx")
    spec["mapping"] = DUTCH
    template = dict(DUTCH, yes_words=["Ja"], no_words=["Nee"], not_applicable_words=["nvt"])
    tender, bids = _tender(make_tender, {"nl.xlsx": spec, "nl-wrong-total.xlsx": spec}, template=template)
    plain = validate_bid(read_bid(bids / "nl.xlsx", tender), tender)
    computed = plain.bid.total_price
    row = _price_schedule(bids / "nl.xlsx", float(computed))
    _price_schedule(bids / "nl-wrong-total.xlsx", float(computed) + 100)

    schedule = validate_bid(read_bid(bids / "nl.xlsx", tender), tender)
    assert not [i for i in schedule.issues if i.severity.value != "info"], schedule.issues
    assert [i.row for i in schedule.issues if i.code == "items.total_row"] == [row]
    assert [i.item for i in schedule.bid.items] == [i.item for i in plain.bid.items]  # the same items
    assert schedule.bid.items[0].row == plain.bid.items[0].row + 3 and schedule.bid.total_price == computed

    wrong = validate_bid(read_bid(bids / "nl-wrong-total.xlsx", tender), tender)
    [differs] = [i for i in wrong.issues if i.code == "items.total_differs"]
    assert differs.severity.value == "warning" and differs.row == row
    assert wrong.bid.total_price == computed and "ask the tenderer to confirm" in differs.message

    named = dict(template, header_rows={"Items": 4})
    tender2, bids2 = _tender(make_tender, {"nl.xlsx": spec}, name="named", template=named)
    _price_schedule(bids2 / "nl.xlsx", float(computed))
    assert [i.item for i in read_bid(bids2 / "nl.xlsx", tender2).opened.items] == [i.item for i in plain.bid.items]


LIBREOFFICE = Path(__file__).parent / "fixtures" / "libreoffice"


@pytest.mark.parametrize("name", ["greenbyte.ods", "greenbyte.xls", "greenbyte-libreoffice.xlsx"])
def test_workbooks_saved_by_libreoffice_are_read_like_the_original(make_tender, name):
    """LibreOffice Calc's own .ods, and the .xls and .xlsx it writes (tests/fixtures/libreoffice/make.sh),
    give the same bid as the workbook they were saved from, with no error or warning."""
    import shutil

    from conftest import SAMPLE_TENDER

    tender, bids = _tender(make_tender, {"original.xlsx": (SAMPLE_TENDER / "bids" / "01-greenbyte.xlsx").read_bytes()})
    shutil.copy(LIBREOFFICE / name, bids / name)
    original = validate_bid(read_bid(bids / "original.xlsx", tender), tender)
    saved = validate_bid(read_bid(bids / name, tender), tender)
    assert not [i for i in saved.issues if i.severity.value != "info"], saved.issues
    ignore = {"bid_id", "file", "file_sha256"}
    assert saved.bid.model_dump(exclude=ignore) == original.bid.model_dump(exclude=ignore)


def test_macros_and_encryption_are_refused_in_ods_and_xls_too(make_tender, tmp_path):
    """An .ods carrying Basic macros or encrypted by LibreOffice, an .xls carrying a VBA project: refused
    before any parse, each with its reason; an .xls calamine cannot read is the legacy-format issue."""
    tender, bids = _tender(make_tender)
    with zipfile.ZipFile(LIBREOFFICE / "greenbyte.ods") as src:
        entries = [(i.filename, src.read(i)) for i in src.infolist()]

    def ods(path, extra=(), manifest=None):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
            for entry, data in entries:
                dst.writestr(entry, manifest if manifest and entry == "META-INF/manifest.xml" else data)
            for entry, data in extra:
                dst.writestr(entry, data)

    ods(bids / "basic.ods", [("Basic/Standard/Module1.xml", b"<script:module/>")])
    manifest = b'<manifest:manifest><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/>'
    ods(bids / "locked.ods", manifest=manifest + b"</manifest:file-entry></manifest:manifest>")
    xls = (LIBREOFFICE / "greenbyte.xls").read_bytes()
    (bids / "vba.xls").write_bytes(xls + "_VBA_PROJECT_CUR".encode("utf-16-le"))
    (bids / "ancient.xls").write_bytes(xls[:8] + b"\0" * 4096)
    found = {p.name: [i.code for i in read_bid(p, tender).issues] for p in bids.iterdir()}
    assert found == {
        "basic.ods": ["file.macros"],
        "locked.ods": ["file.encrypted"],
        "vba.xls": ["file.macros"],
        "ancient.xls": ["file.legacy_format"],
    }
