"""A corpus of hostile and awkward bid files, built by the test itself, evaluated in one run: every file
comes out exactly once with the expected status and code, the run completes, and no live formula reaches
a report."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
from conftest import sample_spec
from zips import BILLION_LAUGHS, rezip, tall_workbook

from sample_bids.generate import write_bid

LIBREOFFICE = Path(__file__).parent / "fixtures" / "libreoffice"


def _spec(n: int, base: str = "02-officeline.xlsx") -> dict:
    """A sample bid under a registration number of its own, so that bids do not supersede each other."""
    spec = sample_spec(base)
    spec["supplier"]["Registration number"] = f"BE0{700000000 + n}"
    spec["supplier"]["Supplier name"] = f"Corpus {n} NV"
    spec["labels"] = []
    return spec


def _xlsx(spec: dict) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_bid(Path(folder) / "bid.xlsx", **spec).read_bytes()


def _zip_bomb() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))  # compresses a thousandfold
    return data.getvalue()


def _hidden_sheet(valid: bytes, path: Path) -> None:
    path.write_bytes(valid)
    book = openpyxl.load_workbook(path)
    book.create_sheet("Notes").sheet_state = "hidden"
    book["Notes"]["A1"] = '=HYPERLINK("http://attacker.invalid","click")'
    book.save(path)


def test_a_corpus_of_hostile_files_each_comes_out_once_with_its_status_and_code(make_tender, tmp_path):
    from scoring.pipeline import run

    plain = _xlsx(_spec(1))
    expected: dict[str, tuple[str, str]] = {}  # file -> (status, a code it must carry, or "" for none)
    files: dict[str, bytes] = {}

    def add(name: str, content: bytes | dict, status: str, code: str) -> None:
        files[name] = content if isinstance(content, bytes) else _xlsx(content)
        expected[name] = (status, code)

    add("01-plain.xlsx", plain, "ranked", "")
    add("02-pdf.xlsx", b"%PDF-1.4 a scanned letter", "rejected", "file.not_workbook")
    add("03-empty.xlsx", b"", "rejected", "file.not_workbook")
    add("04-truncated.xlsx", plain[: len(plain) // 2], "rejected", "file.not_workbook")
    add("05-prices.csv", b"Item;Quantity;Unit price\nNB-14;200;899\n", "rejected", "file.not_workbook")
    add("06-macros.xlsm", _xlsx(_spec(6)), "rejected", "file.macros")
    vba = rezip(_xlsx(_spec(7)), lambda n, d: d, extra=(("xl/vbaProject.bin", b"\0" * 64),))
    add("07-vba.xlsx", vba, "rejected", "file.macros")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    add("08-encrypted.xlsx", ole + "EncryptedPackage".encode("utf-16-le") + b"\0" * 512, "rejected", "file.encrypted")
    bomb = rezip(_xlsx(_spec(9)), lambda n, d: BILLION_LAUGHS if n == "xl/worksheets/sheet2.xml" else d)
    add("09-xml-bomb.xlsx", bomb, "rejected", "file.unreadable")
    add("10-zip-bomb.xlsx", _zip_bomb(), "rejected", "file.too_large")
    formula = _spec(11)
    formula["formulas"] = {("Items", "H2"): "=880*1"}  # no calculated value: never a zero
    add("11-formula-without-value.xlsx", formula, "awaiting_clarification", "cell.formula_uncalculated")
    injected = _spec(12)
    injected["supplier"]["Supplier name"] = '=HYPERLINK("http://attacker.invalid","Injected NV")'
    injected["items"][0]["Model"] = "+cmd|' /C calc'!A0"
    add("12-formula-injection.xlsx", injected, "ranked", "cell.text_as_data")
    wrong = _spec(13)
    wrong["items"][0].update({"Unit price": "a lot", "Quantity": "two hundred"})
    wrong["supplier"]["Submitted at"] = "yesterday"
    add("13-wrong-types.xlsx", wrong, "rejected", "cell.not_a_number")
    missing = _spec(14)
    missing["drop_sheets"] = ("Items",)
    add("14-missing-sheet.xlsx", missing, "rejected", "sheet.missing")
    doubled = _spec(15)
    doubled["items"].append(dict(doubled["items"][0]))
    add("15-duplicate-items.xlsx", doubled, "rejected", "table.duplicate_row")
    add("16-identical-a.xlsx", _xlsx(_spec(16)), "ranked", "bid.identical_file")
    files["17-identical-b.xlsx"], expected["17-identical-b.xlsx"] = (
        files["16-identical-a.xlsx"],
        (
            "rejected",
            "bid.identical_copy",
        ),
    )
    first, revised = _spec(18), _spec(18)
    first["supplier"]["Submitted at"] = datetime(2026, 10, 9, 10)
    revised["items"][0]["Unit price"] = 870
    add("18-first.xlsx", first, "rejected", "bid.superseded")
    add("19-revised.xlsx", revised, "ranked", "bid.supersedes")
    big_cell = _spec(20)
    big_cell["supplier"]["Contact email"] = "x" * 1_000_000
    add("20-one-megabyte-cell.xlsx", big_cell, "ranked", "field.bad_format")  # formal: a clarification
    hidden = tmp_path / "hidden.xlsx"
    _hidden_sheet(_xlsx(_spec(21)), hidden)
    add("21-hidden-sheet.xlsx", hidden.read_bytes(), "ranked", "sheet.extra")
    add("22-libreoffice.ods", (LIBREOFFICE / "greenbyte.ods").read_bytes(), "ranked", "")
    other = _spec(23)
    other["supplier"]["Tender reference"] = "ANOTHER-TENDER"
    add("23-other-tender.xlsx", other, "rejected", "bid.tender_mismatch")
    late = _spec(24)
    late["supplier"]["Submitted at"] = datetime(2026, 10, 15, 12, 1)
    add("24-late.xlsx", late, "rejected", "bid.late")
    add("25-ünïcode naam (kopie).xlsx", _xlsx(_spec(25)), "ranked", "")
    huge = tmp_path / "huge.xlsx"
    tall_workbook(huge, 100_001)
    add("26-huge-sheet.xlsx", huge.read_bytes(), "rejected", "file.too_many_rows")
    add("27-legacy.xls", ole + b"\0" * 2048, "rejected", "file.legacy_format")
    add("28-libreoffice.xls", (LIBREOFFICE / "greenbyte.xls").read_bytes(), "rejected", "bid.duplicate_undecidable")
    expected["22-libreoffice.ods"] = ("rejected", "bid.duplicate_undecidable")  # the same offer, two formats
    currency = _spec(29)
    currency["supplier"]["Currency"] = "USD"
    add("29-other-currency.xlsx", currency, "rejected", "bid.currency_mismatch")
    unknown = _spec(30)
    unknown["items"][1]["Item"] = "TABLET-10"
    add("30-unknown-item.xlsx", unknown, "rejected", "items.unknown_item")
    assert len(files) >= 30

    folder = make_tender(files, name="hostile")
    [evaluation] = run(folder, out_dir=tmp_path / "out")
    by_file = {b.file: b for b in evaluation.bids}
    assert len(evaluation.bids) == len(files) and sorted(by_file) == sorted(files)
    for name, (status, code) in expected.items():
        result = by_file[name]
        assert result.status.value == status, (name, result.status, result.issues)
        if code:
            assert code in {i.code for i in result.issues}, (name, [i.code for i in result.issues])
        for i in result.issues:
            assert "/tmp" not in i.message and "Traceback" not in i.message, (name, i.message)

    report = openpyxl.load_workbook(tmp_path / "out" / "evaluation.xlsx")
    live = [(ws.title, c.coordinate) for ws in report for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert live == []  # text that begins like a formula stays text in every sheet
    html = (tmp_path / "out" / "report.html").read_text()
    assert '<a href="http://attacker.invalid' not in html
