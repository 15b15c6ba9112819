"""The sample tender end to end through the library: statuses, reasons, the arithmetic, the reports."""

import json
import zipfile
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import openpyxl
import pytest
from conftest import SAMPLE_TENDER, by_id, codes

from scoring.award.results import Status
from scoring.pipeline import evaluate_tender
from scoring.reports.evaluation_json import evaluation_document
from scoring.reports.write import write_reports

EXPECTED = {
    "01-greenbyte": Status.RANKED,
    "02-officeline": Status.RANKED,
    "03-budgetit": Status.RANKED,
    "04-datacomma": Status.RANKED,
    "05-incomplete": Status.REJECTED,
    "06-nordic-first": Status.REJECTED,
    "07-nordic-revised": Status.RANKED,
    "08-lowcost": Status.EXCLUDED,
    "09-formula-text": Status.RANKED,
    "10-not-a-workbook": Status.REJECTED,
}


def q(value: D) -> D:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_every_file_appears_once_with_its_status(sample_evaluation):
    files = sorted(p.name for p in (SAMPLE_TENDER / "bids").iterdir())
    document = evaluation_document(sample_evaluation)
    assert sorted(b["file"] for b in document["bids"]) == files
    assert {b.bid_id: b.status for b in sample_evaluation.bids} == EXPECTED


def test_rejected_and_excluded_bids_carry_their_reasons(sample_evaluation):
    incomplete = by_id(sample_evaluation, "05-incomplete")
    assert any("Unit price" in r for r in map(str, incomplete.reasons))
    # The missing registration number is formal: a clarification request, not a reason for the rejection.
    assert not any("Registration number" in r for r in map(str, incomplete.reasons))
    assert [r.field for r in incomplete.clarifications] == ["Registration number"]
    assert "superseded" in str(by_id(sample_evaluation, "06-nordic-first").reasons[0])
    assert "not a spreadsheet workbook" in str(by_id(sample_evaluation, "10-not-a-workbook").reasons[0])
    lowcost = by_id(sample_evaluation, "08-lowcost")
    assert [k.id for k in lowcost.knockouts if not k.passed] == ["ew_dialogue", "ew_conditions"]
    for b in sample_evaluation.bids:
        if b.status is not Status.RANKED:
            assert b.reasons and b.rank is None and b.total is None


def test_points_add_up(sample_evaluation):
    ranked = [b for b in sample_evaluation.bids if b.status is Status.RANKED]
    assert [b.rank for b in ranked] == list(range(1, len(ranked) + 1))
    for b in ranked:
        assert sum(c.points for c in b.criteria) == b.total
        for c in b.criteria:
            assert c.points == q(c.score / 10 * c.weight)
    assert [b.total for b in ranked] == sorted((b.total for b in ranked), reverse=True)


def test_the_winner_by_hand(sample_evaluation):
    """GreenByte's points computed by hand from its workbook and the rule set."""
    winner = sample_evaluation.bids[0]
    assert winner.bid_id == "01-greenbyte" and winner.rank == 1
    # Price: 200 × 989.00 + 150 × 189.00 = 197,800 + 28,350 = 226,150.00. The lowest compliant price is
    # BudgetIT's 200 × 829 + 150 × 139 = 186,650.00 (LowCost's 175,150 is excluded and sets no benchmark).
    # Score 186,650 / 226,150 × 10 = 8.2534 → 8.25; points 8.25 / 10 × 50 = 41.25.
    # Label: both models carry a valid TCO Certified claim → share 1 → 10 → 12.00.
    # EMS: ISO 14001 → 10 → 3.00. Warranty: min 5 y on linear 3→0, 5→10 → 10 → 5.00.
    # Spare parts: min 7 y reaches the ≥7 step → 10 → 4.00. Security updates: notebook 7 y ≥ 6 and the
    # monitor is exempt → 10 → 3.00. Battery: notebook yes, monitor n/a → 10 → 3.00.
    # Recycled plastic: (197,800 × 55 + 28,350 × 60) / 226,150 = 55.6268 % ≥ 50 → 10 → 5.00.
    # Energy: (200 × 14.5 + 150 × 22) / 350 = 17.7143 kWh/y, the best of the ranked bids → 10 → 5.00.
    # Packaging: min 90 % reaches the ≥80 step → 10 → 3.00. Take-back: yes → 10 → 2.00.
    # Final assembly: a complete factory row (name, country, city, address) for both models → 10 → 3.00.
    # Components: the notebook's battery and display factories, the monitor's display factory → 10 → 2.00.
    expected = {
        "price": "41.25",
        "label": "12.00",
        "ems": "3.00",
        "warranty": "5.00",
        "spare_parts": "4.00",
        "security_updates": "3.00",
        "battery": "3.00",
        "recycled_plastic": "5.00",
        "energy": "5.00",
        "packaging": "3.00",
        "final_assembly": "3.00",
        "components": "2.00",
        "take_back": "2.00",
    }
    assert {c.id: str(c.points) for c in winner.criteria} == expected
    assert winner.total == D("91.25")
    assert winner.total_price == D("226150.00")
    raws = {c.id: c.raw for c in winner.criteria}
    assert raws["recycled_plastic"] == D("55.6268") and raws["energy"] == D("17.7143")


def test_the_runner_up_by_hand(sample_evaluation):
    """The figures that are not simply full marks, for Nordic's revised bid."""
    nordic = {c.id: c for c in by_id(sample_evaluation, "07-nordic-revised").criteria}
    # Price: 200 × 969 + 150 × 175 = 220,050; 186,650 / 220,050 × 10 = 8.4822 → 8.48 → 42.40.
    assert (nordic["price"].score, nordic["price"].points) == (D("8.48"), D("42.40"))
    # Warranty 4 y: (4 − 3) / (5 − 3) × 10 = 5.00 → 2.50.
    assert nordic["warranty"].points == D("2.50")
    # Plastic: (193,800 × 35 + 26,250 × 30) / 220,050 = 34.4035 %; / 50 × 10 = 6.8807 → 6.88 → 3.44.
    assert (nordic["recycled_plastic"].raw, nordic["recycled_plastic"].points) == (D("34.4035"), D("3.44"))
    # Energy: (200 × 15.5 + 150 × 23) / 350 = 18.7143; 17.7143 / 18.7143 × 10 = 9.4656 → 9.47 → 4.735 → 4.74.
    assert (nordic["energy"].score, nordic["energy"].points) == (D("9.47"), D("4.74"))


def test_numbers_typed_as_european_text_are_read(sample_evaluation):
    datacomma = by_id(sample_evaluation, "04-datacomma")
    assert datacomma.status is Status.RANKED
    # 200 × 1.019,00 + 150 × 179,50 = 203,800 + 26,925
    assert datacomma.total_price == D("230725.00")
    warranty = next(c for c in datacomma.criteria if c.id == "warranty")
    assert warranty.raw == D("4.5")


def test_the_later_duplicate_stands(sample_evaluation):
    assert "bid.supersedes" in codes(by_id(sample_evaluation, "07-nordic-revised"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory, sample_evaluation):
    out = tmp_path_factory.mktemp("reports")
    write_reports(sample_evaluation, out)
    return out


def test_evaluation_json_carries_what_auditors_need(reports, sample_evaluation):
    doc = json.loads((reports / "evaluation.json").read_text())
    assert doc["tender_id"] == "CITY-ICT-2026-014"
    assert doc["rules_sha256"] == sample_evaluation.rules_sha256 and doc["rules_path"].endswith("computers-2026.yaml")
    assert doc["tool_version"]
    for b in doc["bids"]:
        assert {"bid_id", "supplier", "file", "file_sha256", "status", "rank", "total", "criteria", "issues"} <= set(b)
        for c in b["criteria"]:
            assert set(c) >= {"id", "weight", "raw", "score", "points", "explanation"}
        for i in b["issues"]:
            assert set(i) >= {"code", "severity", "sheet", "row", "field", "message"}
    winner = doc["bids"][0]
    assert round(sum(c["points"] for c in winner["criteria"]), 2) == winner["total"]


def test_bidder_text_is_data_in_every_report(reports):
    attack = '=HYPERLINK("http://attacker.invalid","Formula Systems")'
    wb = openpyxl.load_workbook(reports / "evaluation.xlsx")  # formulas view: would show a formula as such
    cells = [
        c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert attack in {c.value for c in cells}
    assert all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(reports / "evaluation.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)
    assert attack.replace("|", "\\|") in (reports / "summary.md").read_text()
    bids = json.loads((reports / "evaluation.json").read_text())["bids"]
    assert next(b for b in bids if b["bid_id"] == "09-formula-text")["supplier"] == attack


def test_the_workbook_has_its_sheets(reports, sample_evaluation):
    wb = openpyxl.load_workbook(reports / "evaluation.xlsx")
    assert wb.sheetnames == [
        *("Ranking", "Breakdown", "Details", "Robustness", "Weight sensitivity", "Claims", "Issues"),
        *("Pending decisions", "Clarifications", "Rules", "Criteria", "Knock-outs", "Label requirements"),
        *("Linter warnings", "Issue codes"),
    ]
    assert [r[:4] for r in wb["Clarifications"].iter_rows(min_row=2, values_only=True)] == [
        ("05-incomplete", "request", "Supplier", "Registration number")
    ]
    ranking = [[c.value for c in row] for row in wb["Ranking"].iter_rows(min_row=2)]
    assert [r[2] for r in ranking] == [b.bid_id for b in sample_evaluation.bids]
    rules = {row[0].value: row[1].value for row in wb["Rules"].iter_rows() if row[0].value}
    assert rules["SHA-256"] == sample_evaluation.rules_sha256
    breakdown = list(wb["Breakdown"].iter_rows(min_row=2, values_only=True))
    winner = breakdown[0]
    assert winner[1] == "01-greenbyte" and D(str(winner[-1])) == D("91.25")


def test_same_inputs_give_byte_identical_reports(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    write_reports(evaluate_tender(SAMPLE_TENDER), first)
    write_reports(evaluate_tender(SAMPLE_TENDER), second)
    for name in ("evaluation.xlsx", "evaluation.json", "summary.md"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_claims_warnings_and_review_queue_reach_every_report(reports):
    wb = openpyxl.load_workbook(reports / "evaluation.xlsx")
    claims = list(wb["Claims"].iter_rows(min_row=2, values_only=True))
    verdicts = {row[8] for row in claims}
    assert verdicts == {"accepted", "accepted as equivalent", "not accepted", "awaiting the committee's review"}
    assert "lint.company_level" in [row[0] for row in wb["Linter warnings"].iter_rows(values_only=True)]
    summary = (reports / "summary.md").read_text()
    assert "## Rule set warnings" not in summary and "## Claims awaiting review" in summary  # the linter: notes
    assert "BIT-DOSSIER-AM240" in summary
