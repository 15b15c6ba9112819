"""Evaluator panels: ingestion of the score sheets, consensus, moderation, agreement."""

import json
import shutil
from decimal import Decimal as D

import pytest
import yaml
from conftest import ROOT, SAMPLE_TENDER, by_id

from sample_bids.generate import write_panel
from scoring.award.agreement import krippendorff_alpha
from scoring.pipeline import evaluate_tender
from scoring.reports.evaluation_json import render_json

PANEL_RULES = ROOT / "rules" / "computers-2026-panel.yaml"


@pytest.fixture(scope="module")
def panel_evaluation():
    return evaluate_tender(SAMPLE_TENDER, PANEL_RULES)


def dd(evaluation, bid_id):
    result = by_id(evaluation, bid_id)
    return next(c for c in result.criteria if c.id == "dd_plan"), {i.code: i for i in result.issues}


def test_every_score_is_kept_and_the_mean_is_the_consensus(panel_evaluation):
    c, _ = dd(panel_evaluation, "01-greenbyte")
    assert [(s.evaluator, s.score) for s in c.panel.scores] == [("eval-a", 4), ("eval-b", 5), ("eval-c", 4)]
    # (4 + 5 + 4) / 3 = 4.3333 on 0..5 → 8.67 / 10 × 5 % = 4.335 → 4.34 points
    assert (c.raw, c.score, c.points) == (D("4.3333"), D("8.67"), D("4.34"))


def test_a_missing_score_is_an_issue_not_a_zero(panel_evaluation):
    c, issues = dd(panel_evaluation, "09-formula-text")
    assert c.panel.missing == ["eval-c"] and "panel.score_missing" in issues
    assert c.raw == D("2")  # (2 + 2) / 2 from the two who scored; a zero would have given 1.3333


def test_an_out_of_range_score_is_refused(panel_evaluation):
    c, issues = dd(panel_evaluation, "03-budgetit")
    assert "panel.out_of_range" in issues and "7" in issues["panel.out_of_range"].message
    assert (issues["panel.out_of_range"].file, issues["panel.out_of_range"].row) == ("eval-b.xlsx", 4)
    assert [s.evaluator for s in c.panel.scores] == ["eval-a", "eval-c"] and c.raw == D("1")
    assert "panel.score_missing" not in issues  # the refusal already says why


def test_a_score_without_a_required_comment_is_refused(panel_evaluation):
    c, issues = dd(panel_evaluation, "02-officeline")
    assert "panel.comment_missing" in issues
    assert [s.evaluator for s in c.panel.scores] == ["eval-b", "eval-c"] and c.raw == D("2.5")


def test_a_moderated_score_keeps_the_original_beside_it(panel_evaluation):
    c, issues = dd(panel_evaluation, "04-datacomma")
    assert c.panel.flagged and c.panel.spread == D(4) and "panel.disagreement" in issues
    assert c.panel.moderated.score == D(3) and c.panel.moderated.computed == D("3.3333")
    assert c.panel.moderated.by == "M. Peeters, lead evaluator" and c.raw == D(3)
    doc = json.loads(render_json(panel_evaluation))
    entry = next(b for b in doc["bids"] if b["bid_id"] == "04-datacomma")
    panel = next(x for x in entry["criteria"] if x["id"] == "dd_plan")["panel"]
    assert [e["score"] for e in panel["evaluators"]] == [1, 4, 5]
    assert panel["moderated"]["original_consensus"] == 3.3333 and "displays" in panel["moderated"]["reason"]
    assert doc["panel_agreement"]["dd_plan"] == float(panel_evaluation.agreement["dd_plan"])


def test_moderated_consensus_without_a_moderation_falls_back_to_the_median(tmp_path):
    folder = tmp_path / "tender"
    shutil.copytree(SAMPLE_TENDER, folder)
    rules = yaml.safe_load(PANEL_RULES.read_text())
    rules["extends"] = str(ROOT / "rules" / "computers-2026.yaml")
    rules["criteria"][1]["params"]["consensus"] = "moderated"
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rules))
    write_panel(
        folder / "panel",
        {
            "eval-a.xlsx": [
                ["Bid", "Criterion", "Score", "Comment"],
                ["01-greenbyte", "dd_plan", "vier", "typed in words"],
                ["01-greenbyte", "dd_plan", 4, "second thoughts"],
                ["01-greenbyte", "design", 4, "not a panel criterion"],
                ["08-lowcost", "dd_plan", 2, "an excluded bid"],
            ]
        },
    )
    evaluation = evaluate_tender(folder, path)
    assert "eval-a.xlsx row 3: a second score by eval-a for 01-greenbyte on dd_plan; the first one counts." in map(
        str, evaluation.warnings
    )
    assert "eval-a.xlsx row 4: 'design' is not a panel criterion of the rule set." in map(str, evaluation.warnings)
    assert any("row 5: '08-lowcost' is not a bid being scored" in w for w in map(str, evaluation.warnings))
    c, issues = dd(evaluation, "02-officeline")
    assert "panel.moderation_missing" in issues and c.raw == D("2.5")  # median of 3 and 2 (eval-a refused)
    green, green_issues = dd(evaluation, "01-greenbyte")
    assert "panel.not_a_score" in green_issues and green.panel.moderated is None
    # eval-a's first row was refused; its second row does not replace it: eval-b 5 and eval-c 4 remain.
    assert [s.evaluator for s in green.panel.scores] == ["eval-b", "eval-c"] and green.raw == D("4.5")


def test_krippendorff_alpha_by_hand():
    # Values 1, 2 | 3, 3. Observed: (1−2)² × 2 / (2 − 1) / 4 = 0.5. Expected: 22 / (4 × 3) = 1.8333.
    # alpha = 1 − 0.5 / 1.8333 = 0.727
    assert krippendorff_alpha([[D(1), D(2)], [D(3), D(3)]]) == D("0.727")
    assert krippendorff_alpha([[D(2), D(2)], [D(4), D(4)]]) == D("1.000")
    assert krippendorff_alpha([[D(3)]]) is None


def test_a_damaged_or_misnamed_score_sheet_is_a_warning_and_the_others_count(tmp_path):
    from scoring.intake.panel_sheets import read_panel

    folder = tmp_path / "tender"
    write_panel(
        folder / "panel",
        {
            "eval-a.xlsx": [["Bid", "Criterion", "Score", "Comment"], ["01-greenbyte", "dd_plan", 4, "fine"]],
            "eval-b.xlsx": [["Bid", "Criterion", "Score", "Comment"], ["01-greenbyte", "dd_plan", 4.5, "good"]],
        },
    )
    (folder / "panel" / "eval-c.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    sheets = read_panel(folder)
    assert [(s.evaluator, s.row, s.score) for s in sheets.scores] == [("eval-a", 2, 4), ("eval-b", 2, 4.5)]
    [problem] = map(str, sheets.problems)
    assert problem.startswith("eval-c.xlsx could not be read as a workbook;") and str(tmp_path) not in problem
