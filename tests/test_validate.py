"""Validation: Great Expectations suites and cross-checks, every finding an issue with a stable code."""

from datetime import datetime

from conftest import codes, sample_spec

from scoring.intake.expectations import _expectations_for
from scoring.intake.ingest import read_bid
from scoring.intake.template import SHEETS
from scoring.intake.tender import bid_files, load_tender
from scoring.intake.validate import validate_bid, validate_tender
from scoring.issues import CODES, Severity


def _validated(make_tender, spec, **tender):
    folder = make_tender({"bid.xlsx": spec}, **tender)
    t = load_tender(folder)
    return validate_bid(read_bid(folder / "bids" / "bid.xlsx", t), t)


def _find(read, code):
    return [i for i in read.issues if i.code == code]


def test_a_clean_bid_has_no_errors_or_warnings(make_tender):
    read = _validated(make_tender, sample_spec("01-greenbyte.xlsx"))
    assert [i for i in read.issues if i.severity is not Severity.INFO] == []


def test_every_issue_code_in_the_suites_is_catalogued():
    for sheet in SHEETS:
        for expectation in _expectations_for(sheet):
            assert expectation.meta["code"] in CODES


def test_value_checks_name_sheet_row_and_field(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["supplier"]["Country"] = "Belgium"
    spec["supplier"]["Contact email"] = "not an address"
    spec["items"][0]["Quantity"] = 0
    spec["items"][0]["GTIN"] = "12345"
    spec["items"][1]["Recycled plastic content (%)"] = 140
    spec["items"][1]["Warranty (years)"] = None
    spec["labels"][0]["Scope"] = "planet"
    spec["factories"][0]["Country"] = "XX"
    read = _validated(make_tender, spec)
    found = {(i.code, i.sheet, i.row, i.field) for i in read.issues if i.severity is Severity.ERROR}
    formal = {(i.code, i.sheet, i.row, i.field) for i in read.issues if i.severity is Severity.WARNING}
    # Country, e-mail and a GTIN's format are formal fields: warnings and clarification requests (test_clarify).
    assert ("field.bad_format", "Supplier", 5, "Country") in formal
    assert ("field.bad_format", "Supplier", 6, "Contact email") in formal
    assert ("field.bad_format", "Items", 2, "GTIN") in formal
    assert {(r.sheet, r.cell) for r in read.requests} == {("Supplier", "B5"), ("Supplier", "B6"), ("Items", "F2")}
    assert ("field.out_of_range", "Items", 2, "Quantity") in found
    assert ("field.out_of_range", "Items", 3, "Recycled plastic content (%)") in found
    assert ("field.missing", "Items", 3, "Warranty (years)") in found
    assert ("field.not_allowed", "Labels", 2, "Scope") in found
    assert ("field.bad_format", "Factories", 2, "Country") in found
    messages = " ".join(i.message for i in read.issues)
    assert "'Belgium' is not an ISO 3166-1 alpha-2 country code" in messages
    assert "140 is not allowed; it must be at least 0 and at most 100" in messages


def test_an_unreadable_cell_is_reported_once(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["items"][0]["Unit price"] = "on request"
    read = _validated(make_tender, spec)
    on_cell = [i for i in read.issues if i.row == 2 and i.field == "Unit price"]
    assert [i.code for i in on_cell] == ["cell.not_a_number"]  # not also 'field.missing'


def test_not_stated_optional_values_are_warnings(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    del spec["items"][0]["Typical energy consumption (kWh/year)"]
    read = _validated(make_tender, spec)
    warning = next(i for i in read.issues if i.field == "Typical energy consumption (kWh/year)")
    assert (warning.code, warning.severity, warning.row) == ("field.missing", Severity.WARNING, 2)


def test_the_same_item_twice_is_an_error(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["items"].append(dict(spec["items"][0]))
    read = _validated(make_tender, spec)
    assert [i.row for i in _find(read, "table.duplicate_row")] == [2, 4]


def test_bid_against_tender(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["supplier"]["Tender reference"] = "CITY-ICT-2025-001"
    spec["supplier"]["Currency"] = "USD"
    spec["supplier"]["Submitted at"] = datetime(2026, 10, 15, 12, 1)  # one minute late, Brussels time
    spec["items"][0]["Quantity"] = 150
    spec["items"][1]["Item"] = "MON-27"
    read = _validated(make_tender, spec)
    assert {
        "bid.tender_mismatch",
        "bid.currency_mismatch",
        "bid.late",
        "items.quantity_mismatch",
        "items.unknown_item",
        "items.missing_item",
    } <= codes(read)
    assert "MON-24" in _find(read, "items.missing_item")[0].message
    assert "150 offered, the tender asks for 200" in _find(read, "items.quantity_mismatch")[0].message


def test_on_time_is_judged_in_the_tenders_time_zone(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["supplier"]["Submitted at"] = datetime(2026, 10, 15, 11, 59)  # Brussels: one minute early
    assert "bid.late" not in codes(_validated(make_tender, spec))


def _duplicates(make_tender, first_time, second_time):
    first, second = sample_spec("06-nordic-first.xlsx"), sample_spec("07-nordic-revised.xlsx")
    first["supplier"]["Submitted at"] = first_time
    second["supplier"]["Submitted at"] = second_time
    # File names in reverse time order: the file order must not matter.
    folder = make_tender({"a-late.xlsx": second, "b-early.xlsx": first})
    t = load_tender(folder)
    return {r.file: r for r in validate_tender([read_bid(p, t) for p in bid_files(t)], t)}


def test_a_duplicate_submission_keeps_the_later_bid(make_tender):
    reads = _duplicates(make_tender, datetime(2026, 10, 9, 10), datetime(2026, 10, 14, 17, 45))
    assert "bid.superseded" in codes(reads["b-early.xlsx"])
    assert "bid.supersedes" in codes(reads["a-late.xlsx"])
    assert "a-late.xlsx" in _find(reads["b-early.xlsx"], "bid.superseded")[0].message


def test_duplicates_at_the_same_time_are_left_to_the_buyer(make_tender):
    same = datetime(2026, 10, 14, 17, 45)
    reads = _duplicates(make_tender, same, same)
    assert all("bid.duplicate_undecidable" in codes(r) for r in reads.values())


def test_identical_files_come_out_once_each_and_the_offer_is_evaluated_once(make_tender):
    """The same bid uploaded three times under three names, and a damaged file twice: every file comes out
    under its own name, each named identical; the offer is evaluated once (the first name), the copies are
    not ranked a second time, and no copy makes the tenderer's bid undecidable."""
    from conftest import SAMPLE_TENDER

    offer = (SAMPLE_TENDER / "bids" / "02-officeline.xlsx").read_bytes()
    folder = make_tender(
        {
            "c-offer.xlsx": offer,
            "a-offer.xlsx": offer,
            "b-offer.xlsx": offer,
            "x-broken.xlsx": b"PK\x03\x04 broken",
            "y-broken.xlsx": b"PK\x03\x04 broken",
            "greenbyte.xlsx": sample_spec("01-greenbyte.xlsx"),
        }
    )
    t = load_tender(folder)
    reads = {r.file: r for r in validate_tender([read_bid(p, t) for p in bid_files(t)], t)}
    assert sorted(reads) == sorted(p.name for p in bid_files(t))
    for name in ("a-offer.xlsx", "b-offer.xlsx", "c-offer.xlsx", "x-broken.xlsx", "y-broken.xlsx"):
        [same] = _find(reads[name], "bid.identical_file")
        assert same.severity is Severity.WARNING
    assert "b-offer.xlsx, c-offer.xlsx" in _find(reads["a-offer.xlsx"], "bid.identical_file")[0].message
    assert not any(i.severity is Severity.ERROR for i in reads["a-offer.xlsx"].issues)  # evaluated
    for copy in ("b-offer.xlsx", "c-offer.xlsx"):
        assert "bid.identical_copy" in codes(reads[copy])
        assert "a-offer.xlsx" in _find(reads[copy], "bid.identical_copy")[0].message
    assert not any("bid.duplicate_undecidable" in codes(r) for r in reads.values())
    assert "bid.identical_file" not in codes(reads["greenbyte.xlsx"])
    assert "file.not_workbook" in codes(reads["x-broken.xlsx"])


def test_an_items_sheet_without_items_is_an_error(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["items"] = []
    read = _validated(make_tender, spec)
    assert "table.empty" in codes(read) and "items.missing_item" in codes(read)


def test_many_bids_are_checked_together_and_issues_stay_with_their_bid(make_tender):
    good, bad = sample_spec("01-greenbyte.xlsx"), sample_spec("02-officeline.xlsx")
    bad["items"][0]["Quantity"] = -1
    folder = make_tender({"good.xlsx": good, "bad.xlsx": bad})
    t = load_tender(folder)
    reads = {r.file: r for r in validate_tender([read_bid(p, t) for p in bid_files(t)], t)}
    assert not [i for i in reads["good.xlsx"].issues if i.severity is Severity.ERROR]
    assert [(i.code, i.row, i.file) for i in reads["bad.xlsx"].issues if i.severity is Severity.ERROR] == [
        ("field.out_of_range", 2, "bad.xlsx")
    ]


def test_a_missing_supplier_sheet_is_one_issue_not_one_per_field(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["drop_sheets"] = ("Supplier",)
    read = _validated(make_tender, spec)
    supplier = [i for i in read.issues if i.sheet == "Supplier"]
    assert [i.code for i in supplier] == ["sheet.missing"]


def test_a_failure_of_the_tool_on_one_bid_is_an_issue_on_that_bid_and_the_others_are_evaluated(
    make_tender, monkeypatch, caplog
):
    """Whatever raises while one bid is checked or scored (here: a library's error, injected into the value
    checks, the checks against the tender and the criteria of one bid each) becomes bid.evaluation_failed on
    that bid, in words for the buyer, and the tender is evaluated without it."""
    from scoring.award import criteria
    from scoring.intake import crosschecks, validate
    from scoring.pipeline import evaluate_tender

    names = ["01-greenbyte.xlsx", "02-officeline.xlsx", "03-budgetit.xlsx", "07-nordic-revised.xlsx"]
    folder = make_tender({n: sample_spec(n) for n in names})

    def failing_on(file, real):
        def call(*args, **kwargs):
            target = next(a for a in args if hasattr(a, "file") or hasattr(a, "bid_id"))
            if getattr(target, "file", None) == file:
                raise RuntimeError("/srv/secret/path: internal library failure")
            return real(*args, **kwargs)

        return call

    real_many = validate.validate_many
    monkeypatch.setattr(
        validate, "validate_many", lambda reads: real_many(reads) if all(r.file != names[0] for r in reads) else 1 / 0
    )
    monkeypatch.setattr(validate, "check_against_tender", failing_on(names[1], crosschecks.check_against_tender))
    monkeypatch.setattr(criteria, "raw_value", failing_on(names[2], criteria.raw_value))
    evaluation = evaluate_tender(folder)
    by_file = {b.file: b for b in evaluation.bids}
    assert sorted(by_file) == sorted(names)
    for name in names[:3]:
        [failure] = [i for i in by_file[name].issues if i.code == "bid.evaluation_failed"]
        assert by_file[name].status.value == "rejected" and "not a defect of the bid" in failure.message
        assert "/srv" not in failure.message and "library" not in failure.message
    assert by_file[names[3]].status.value == "ranked" and by_file[names[3]].rank == 1
    assert any("failed to evaluate 3 bid(s)" in w for w in map(str, evaluation.warnings))
    assert "internal library failure" in caplog.text  # the details are in the log, for the maintainers
