"""The platform's opening record decides lateness and which submission stands; the bid's own time does not."""

import pytest
import yaml
from conftest import sample_spec

from scoring.award.results import Status
from scoring.errors import TenderError
from scoring.pipeline import evaluate_tender, run
from scoring.reports.summary_md import render_summary

NAMES = ("01-greenbyte.xlsx", "06-nordic-first.xlsx", "07-nordic-revised.xlsx")


def _tender(make_tender, record: str | None, name="tender", suffix="csv", **bids):
    specs = {n: sample_spec(n) for n in NAMES} | bids
    folder = make_tender(specs, name=name, **({"received": f"opening.{suffix}"} if record is not None else {}))
    if record is not None:
        (folder / f"opening.{suffix}").write_text(record)
    return folder


def _by(evaluation):
    return {b.bid_id: b for b in evaluation.bids}


def _codes(bid):
    return [i.code for i in bid.issues]


def test_without_a_record_the_bids_own_times_decide_and_the_reports_say_so(make_tender):
    evaluation = evaluate_tender(_tender(make_tender, None))
    bids = _by(evaluation)
    assert bids["06-nordic-first"].status is Status.REJECTED and "bid.superseded" in _codes(bids["06-nordic-first"])
    assert "the bids' own Submitted at" in str(evaluation.receipt)
    assert "| Receipt times | the bids' own Submitted at" in render_summary(evaluation)


def test_the_record_decides_which_submission_stands_and_flags_the_bids_own_times(make_tender):
    # The platform received the "first" file last: it stands, whatever the bids say of themselves.
    record = (
        "file;received_at\n"
        "01-greenbyte.xlsx;2026-10-14T09:31:00+02:00\n"
        "06-nordic-first.xlsx;2026-10-15T11:00:00+02:00\n"
        "07-nordic-revised.xlsx;2026-10-14T17:46:00+02:00\n"
    )
    evaluation = evaluate_tender(_tender(make_tender, record))
    bids = _by(evaluation)
    assert bids["06-nordic-first"].status is Status.RANKED
    revised = bids["07-nordic-revised"]
    assert revised.status is Status.REJECTED and "bid.superseded" in _codes(revised)
    assert "received 2026-10-15T11:00:00+02:00" in str(revised.reasons[0])
    differs = next(i for i in bids["06-nordic-first"].issues if i.code == "bid.submitted_at_differs")
    assert (differs.sheet, differs.field, differs.severity.value) == ("Supplier", "Submitted at", "warning")
    assert "bid.submitted_at_differs" not in _codes(bids["01-greenbyte"])  # one minute off: within the tolerance
    assert "opening record opening.csv" in str(evaluation.receipt)


def test_the_record_decides_lateness_both_ways(make_tender):
    late_by_its_own_word = sample_spec("01-greenbyte.xlsx")
    late_by_its_own_word["supplier"]["Submitted at"] = "2026-10-16T09:00:00+02:00"
    record = yaml.safe_dump(
        [
            {"file": "01-greenbyte.xlsx", "received_at": "2026-10-15T11:59:00+02:00"},
            {"file": "06-nordic-first.xlsx", "received_at": "2026-10-15T12:00:01+02:00"},
            {"file": "07-nordic-revised.xlsx", "received_at": "2026-10-14T17:45:00+02:00", "withdrawn": "yes"},
        ]
    )
    bids = _by(
        evaluate_tender(_tender(make_tender, record, suffix="yaml", **{"01-greenbyte.xlsx": late_by_its_own_word}))
    )
    assert bids["01-greenbyte"].status is Status.RANKED  # received in time: its own late stamp is flagged only
    assert "bid.submitted_at_differs" in _codes(bids["01-greenbyte"])
    first = bids["06-nordic-first"]
    assert first.status is Status.REJECTED and "bid.late" in _codes(first)
    assert "Received at 2026-10-15T12:00:01+02:00" in str(first.reasons[0])
    # The withdrawn revision neither stands nor replaces the first submission.
    revised = bids["07-nordic-revised"]
    assert _codes(revised) == ["bid.withdrawn"] and revised.status is Status.REJECTED
    assert "bid.superseded" not in _codes(first)


def test_files_missing_from_the_record_and_from_the_folder_are_both_reported(make_tender):
    record = "file,received_at\n01-greenbyte.xlsx,2026-10-14 09:30\n99-lost.xlsx,2026-10-15 10:00\n"
    evaluation = evaluate_tender(_tender(make_tender, record))
    bids = _by(evaluation)
    assert "bid.receipt_unknown" in _codes(bids["07-nordic-revised"])
    assert bids["07-nordic-revised"].status is Status.RANKED  # a warning: its own time is used, and said so
    assert any("99-lost.xlsx" in w and "not in bids/" in w for w in map(str, evaluation.warnings))


def test_with_a_record_a_bad_own_time_is_a_formal_defect(make_tender):
    bad = sample_spec("01-greenbyte.xlsx")
    bad["supplier"]["Submitted at"] = "last Tuesday"
    record = "file,received_at\n01-greenbyte.xlsx,2026-10-14T09:30:00+02:00\n"
    with_record = _by(evaluate_tender(_tender(make_tender, record, **{"01-greenbyte.xlsx": bad})))["01-greenbyte"]
    assert with_record.status is Status.RANKED
    assert [r.field for r in with_record.clarifications] == ["Submitted at"]
    without = _by(evaluate_tender(_tender(make_tender, None, name="plain", **{"01-greenbyte.xlsx": bad})))
    assert without["01-greenbyte"].status is Status.REJECTED


def test_a_broken_record_stops_the_run_naming_the_entry(make_tender, tmp_path):
    folder = _tender(make_tender, "file,received_at\n01-greenbyte.xlsx,sometime\n")
    with pytest.raises(TenderError, match="opening.csv, line 2, at 'received_at': not a date and time"):
        run(folder)
    (folder / "opening.csv").unlink()
    with pytest.raises(TenderError, match="opening record"):
        run(folder)
