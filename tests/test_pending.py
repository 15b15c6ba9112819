"""Which pending decisions matter: every claim awaiting review is scored both ways, and the reports say which
decision the award depends on and which it does not; letters stay drafts while one that matters is open."""

import json
from decimal import Decimal as D

import pytest
from conftest import sample_spec

from sample_bids.generate import _dossier
from scoring.pipeline import evaluate_tender
from scoring.reports.write import write_reports


@pytest.fixture(scope="module")
def deciding(tmp_path_factory):
    """GreenByte proves its label with a technical dossier the committee has not reviewed yet: as it stands
    Datacomma leads, and accepting the dossier would make GreenByte the winner. BudgetIT's dossier is pending
    too, and decides nothing."""
    from conftest import TenderBuilder

    green = sample_spec("01-greenbyte.xlsx")
    green["labels"] = [_dossier("GB-DOSSIER-1", "EcoBook 14 G3; ViewGreen 24 Pro")]
    folder = TenderBuilder(tmp_path_factory.mktemp("pending"))(
        {
            "01-greenbyte.xlsx": green,
            "03-budgetit.xlsx": sample_spec("03-budgetit.xlsx"),
            "04-datacomma.xlsx": sample_spec("04-datacomma.xlsx"),
        }
    )
    evaluation = evaluate_tender(folder)
    out = folder / "out"
    write_reports(evaluation, out)
    return evaluation, out


def test_each_pending_claim_is_scored_both_ways(deciding):
    evaluation, _ = deciding
    pending = {p.subject: p for p in evaluation.pending}
    green, budget = pending["GB-DOSSIER-1"], pending["BIT-DOSSIER-AM240"]
    assert (green.winner_now, green.winner_if_accepted) == ("04-datacomma", "01-greenbyte")
    assert green.changes_winner and green.relevant
    assert green.total_if_accepted - green.total_now == D("12.00")  # the label's full 12 points
    assert (budget.changes_winner, budget.changes_ranks, budget.relevant) == (False, False, False)
    assert budget.winner_if_accepted == "04-datacomma"
    assert [p.subject for p in evaluation.pending][0] == "GB-DOSSIER-1"  # what the award depends on comes first
    assert evaluation.draft


def test_the_reports_say_which_decision_the_award_depends_on(deciding):
    _, out = deciding
    summary = (out / "summary.md").read_text()
    section = summary.split("## Pending decisions")[1].split("\n## ")[0]
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert lines[0].startswith("- **decides** (claim, 01-greenbyte, GB-DOSSIER-1)")
    assert "the winner would be 01-greenbyte instead of 04-datacomma; the award depends on this decision" in lines[0]
    assert lines[1].startswith("- **does not decide** (claim, 03-budgetit, BIT-DOSSIER-AM240)")
    assert "the award does not depend on this decision" in lines[1]
    queue = summary.split("## Claims awaiting review")[1]
    assert queue.index("GB-DOSSIER-1") < queue.index("BIT-DOSSIER-AM240")  # the review queue: deciding first

    document = json.loads((out / "evaluation.json").read_text())
    assert [q["claim"] for q in document["review_queue"]] == ["GB-DOSSIER-1", "BIT-DOSSIER-AM240"]
    assert [q["decides"] for q in document["review_queue"]] == [True, False]
    assert document["provisional"] is True
    html = (out / "report.html").read_text()
    assert 'class="relevant" data-bid="01-greenbyte" data-subject="GB-DOSSIER-1"' in html
    assert 'class="not-relevant" data-bid="03-budgetit" data-subject="BIT-DOSSIER-AM240"' in html


def test_letters_stay_drafts_while_a_deciding_decision_is_open(deciding):
    _, out = deciding
    for letter in (out / "letters").glob("*.md"):
        first = letter.read_text().splitlines()[0]
        assert first.startswith("**DRAFT, not to be sent:**"), letter.name
        # every open review keeps them drafts; the one the award depends on first
        assert first.index("GB-DOSSIER-1") < first.index("BIT-DOSSIER-AM240")


def test_a_claim_for_a_label_no_criterion_uses_is_not_needed(make_tender):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["labels"] = spec["labels"] + [
        {"Label": "Blue Angel", "Certificate ID": "DE-UZ-78-1", "Scope": "product", "Covers": "EcoBook 14 G3"}
    ]
    [green] = evaluate_tender(make_tender({"01-greenbyte.xlsx": spec})).bids
    blue = next(c for c in green.claims if c.label == "Blue Angel")
    assert (blue.verdict.value, blue.reason_code) == ("not_needed", "claim.not_needed")
    assert "not sent to the evaluation committee" in str(blue.reason)


def test_placing_the_bid_gives_what_scoring_and_ranking_every_bid_again_gives(deciding, monkeypatch):
    """The what-if places the re-scored bid among the others' ranking values; scoring and ranking all of them
    again (what it falls back to on ties or a moved relative criterion) must give the same answers."""
    from scoring.award import pending
    from scoring.pipeline import evaluate_tender as evaluate

    evaluation, out = deciding
    folder = out.parent
    monkeypatch.setattr(pending, "placed", lambda *args: None)
    again = evaluate(folder)
    assert again.pending == evaluation.pending
