"""Re-scoring when rules change: only affected tenders, no unchanged workbook parsed again, a diff, scenarios."""

import json
import shutil

import pytest
import yaml
from conftest import ROOT, SAMPLE_TENDER

from scoring.audit import rescore
from scoring.audit.ledger import open_ledger
from scoring.intake import validate
from scoring.rules.load import load_rules
from scoring.rules.uses import written_out


@pytest.fixture
def two_tenders(tmp_path, monkeypatch):
    """Tender A under its own copy of the rules (pinned by hash), tender B under another copy."""
    monkeypatch.setenv("TENDERSCORE_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    for name in ("rules-a", "rules-b"):
        shutil.copytree(ROOT / "rules", tmp_path / name)
    tenders = {}
    for name, tender_id in (("a", "CITY-ICT-2026-014"), ("b", "CITY-ICT-2026-015")):
        folder = tmp_path / f"tender-{name}"
        shutil.copytree(SAMPLE_TENDER, folder)
        data = yaml.safe_load((folder / "tender.yaml").read_text())
        rules = tmp_path / f"rules-{name}" / "computers-2026.yaml"
        data.update(id=tender_id, rules=str(rules), rules_sha256=load_rules(rules).sha256)
        (folder / "tender.yaml").write_text(yaml.safe_dump(data))
        tenders[name] = folder
    return tmp_path, tenders


def _tasks_of_latest_rescore() -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC)
        latest = next(r for r in runs if client.read_flow(r.flow_id).name == "rescore-tenders")
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[latest.id])))
        children = [r for r in runs if r.parent_task_run_id in {t.id for t in tasks}]
    assert children == []  # no evaluate-tender subflow
    return sorted(t.name.rsplit("-", 1)[0] for t in tasks)


def _shift_label_to_price(rules_file):
    data = written_out(rules_file)
    data["criteria"] = [c for c in data["criteria"] if c["id"] not in ("final_assembly", "components")]
    for c in data["criteria"]:
        if c["id"] == "price":
            c.update(weight=65, weight_range=[55, 75])
        if c["id"] == "label":
            c.update(weight=2, weight_range=[0, 4])  # 10 points moved to price, and the 5 of transparency
    rules_file.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.slow
def test_a_rules_change_rescores_only_the_affected_tender(two_tenders, prefect_server, monkeypatch, capsys):
    from flows.evaluate import evaluate_tender, rescore_tenders

    root, tenders = two_tenders
    for folder in tenders.values():
        [official] = evaluate_tender(tender_dir=str(folder))
        assert official.kind.value == "official"
    assert [o.rescored for o in rescore_tenders()] == [False, False]  # nothing changed yet

    _shift_label_to_price(root / "rules-a" / "computers-2026.yaml")
    parsed = []
    real_read = rescore.read_bid
    monkeypatch.setattr(
        rescore,
        "read_bid",
        lambda entry, tender, files=None: parsed.append(entry.name) or real_read(entry, tender, files),
    )
    outcome = {o.tender_id: o for o in rescore_tenders()}
    assert outcome["CITY-ICT-2026-015"].rescored is False
    a = outcome["CITY-ICT-2026-014"]
    assert a.rescored and "rule set changed" in a.reason
    assert parsed == []  # every workbook came from the parsed cache
    assert a.runs[0].kind == "scenario"  # the tender still pins the old rules' hash
    assert _tasks_of_latest_rescore() == ["rescore-tender", "rescore-tender"]  # one task per tender, no subflow

    scenario = root / "reports" / "CITY-ICT-2026-014" / "scenarios" / a.runs[0].run_id[:8]
    diff = json.loads((scenario / "diff.json").read_text())
    # Fifteen points moved to price, from label and transparency: Officeline loses most of its 1.40 label
    # points and its 2.00 transparency points, and falls behind 09-formula-text, which has neither but the
    # better price score. Nothing else moves.
    assert sorted((c["bid_id"], c["before"], c["after"]) for c in diff["rank_changes"]) == [
        ("02-officeline", 4, 5),
        ("09-formula-text", 5, 4),
    ]
    assert any(c["what"] == "points label" for c in diff["changes"])
    assert json.loads((scenario / "evaluation.json").read_text())["kind"] == "scenario"
    assert "SCENARIO" in (scenario / "report.html").read_text()
    official = json.loads((root / "reports" / "CITY-ICT-2026-014" / "evaluation.json").read_text())
    assert official["kind"] == "official"  # the what-if did not overwrite the official reports

    # Pinning the new hash makes the next run official; only tender.yaml changed, so no workbook is parsed.
    data = yaml.safe_load((tenders["a"] / "tender.yaml").read_text())
    data["rules_sha256"] = load_rules(root / "rules-a" / "computers-2026.yaml").sha256
    (tenders["a"] / "tender.yaml").write_text(yaml.safe_dump(data))
    outcome = {o.tender_id: o for o in rescore_tenders([str(tenders["a"])])}
    assert outcome["CITY-ICT-2026-014"].runs[0].kind == "official"
    assert "tender.yaml" in outcome["CITY-ICT-2026-014"].reason and parsed == []
    assert open_ledger().verify() == []
    kinds = [r.kind for r in open_ledger().runs_of("CITY-ICT-2026-014")]
    assert kinds == ["official", "scenario", "official"]

    from flows.cli import main

    capsys.readouterr()
    assert main(["rescore"]) == 0  # the command line: both tenders are up to date now
    assert capsys.readouterr().out.splitlines() == ["CITY-ICT-2026-014: up to date", "CITY-ICT-2026-015: up to date"]


@pytest.mark.slow
def test_a_changed_workbook_is_the_only_one_parsed_again(two_tenders, prefect_server, monkeypatch):
    from conftest import sample_spec

    from flows.evaluate import evaluate_tender, rescore_tenders
    from sample_bids.generate import write_bid

    root, tenders = two_tenders
    evaluate_tender(tender_dir=str(tenders["a"]))
    bids = tenders["a"] / "bids"
    spec = sample_spec("03-budgetit.xlsx")
    spec["items"][0]["Unit price"] = 799.00  # BudgetIT revises its price
    write_bid(bids / "03-budgetit.xlsx", **spec)
    shutil.copy(bids / "01-greenbyte.xlsx", bids / "11-greenbyte-copy.xlsx")  # same bytes under a new name
    parsed = []
    real_read = rescore.read_bid
    monkeypatch.setattr(
        rescore,
        "read_bid",
        lambda entry, tender, files=None: parsed.append(entry.name) or real_read(entry, tender, files),
    )
    [outcome] = rescore_tenders([str(tenders["a"])])
    assert outcome.rescored and "bids/03-budgetit.xlsx" in outcome.reason
    assert parsed == ["03-budgetit.xlsx"]  # the copy's bytes were parsed before: reused, under its own name
    doc = json.loads((root / "reports" / "CITY-ICT-2026-014" / "evaluation.json").read_text())
    copy = next(b for b in doc["bids"] if b["file"] == "11-greenbyte-copy.xlsx")
    assert copy["bid_id"] == "11-greenbyte-copy" and copy["status"] == "rejected"  # a duplicate submission
    budget = next(b for b in doc["bids"] if b["bid_id"] == "03-budgetit")
    assert budget["total_price"] == 200 * 799 + 150 * 139


def test_a_bid_parsed_by_another_version_of_tenderscore_is_parsed_again(tmp_path, monkeypatch):
    """The parse cache is keyed by the reader's version too: an upgrade never reuses an older parse."""
    from scoring.audit import runs
    from scoring.audit.ledger import Ledger
    from scoring.intake.tender import load_tender

    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    tender = load_tender(SAMPLE_TENDER)
    path = tender.bids_folder / "01-greenbyte.xlsx"
    read = rescore.cached_read(path, tender, ledger)
    assert ledger.parsed_bid(read.file_sha256, runs.tender_key(tender)) is not None
    monkeypatch.setattr(runs, "__version__", "99.0.0")
    assert ledger.parsed_bid(read.file_sha256, runs.tender_key(tender)) is None
    again = rescore.cached_read(path, tender, ledger)  # parsed anew, and kept under the new key
    assert again == read and ledger.parsed_bid(read.file_sha256, runs.tender_key(tender)) == read


def test_a_rules_only_change_runs_no_value_check_and_the_ledger_says_so(two_tenders, monkeypatch):
    """Validation results are kept like parses: a re-score after a rules change runs no Great Expectations
    suite, gives the issues a fresh evaluation gives, and the ledger records that both came from the cache.
    A change of the tender's own definition checks every bid again."""
    from scoring import pipeline
    from scoring.reports.evaluation_json import evaluation_document

    root, tenders = two_tenders
    folder = tenders["a"]
    ledger = open_ledger()
    checked = []
    real = validate.validate_many
    monkeypatch.setattr(validate, "validate_many", lambda reads: checked.extend(r.file for r in reads) or real(reads))

    [first] = pipeline.run(folder, ledger=ledger)
    files = sorted(p.name for p in (folder / "bids").glob("*.xlsx"))
    opened = sorted(checked)
    assert opened and set(opened) <= set(files)  # every readable bid was checked, once
    assert {s["validation"] for s in ledger.sources_of(first.run_id)} == {"checked"}
    assert {s["parse"] for s in ledger.sources_of(first.run_id)} == {"read"}

    _shift_label_to_price(root / "rules-a" / "computers-2026.yaml")
    checked.clear()
    [again] = pipeline.run(folder, ledger=ledger)
    assert checked == []  # no GX suite ran
    sources = ledger.sources_of(again.run_id)
    assert [s["file"] for s in sources] == files
    assert all(s["parse"] == "cache" for s in sources)
    assert {s["file"] for s in sources if s["validation"] == "cache"} == set(opened)
    # and the issues are exactly those of an evaluation without any cache
    cached = evaluation_document(again)
    fresh = evaluation_document(pipeline.evaluate(folder)[0])
    assert [b["issues"] for b in cached["bids"]] == [b["issues"] for b in fresh["bids"]]

    data = yaml.safe_load((folder / "tender.yaml").read_text())
    data["bid_deadline"] = "2026-12-01T12:00:00+01:00"  # the tender's own definition changes
    (folder / "tender.yaml").write_text(yaml.safe_dump(data))
    checked.clear()
    [third] = pipeline.run(folder, ledger=ledger)
    assert sorted(checked) == opened
    assert {s["validation"] for s in ledger.sources_of(third.run_id)} == {"checked"}
    assert ledger.verify() == []


def test_a_tender_that_cannot_be_loaded_is_reported_and_the_others_are_rescored(two_tenders):
    from scoring import pipeline

    root, tenders = two_tenders
    ledger = open_ledger()
    for folder in tenders.values():
        pipeline.run(folder, ledger=ledger)
    _shift_label_to_price(root / "rules-a" / "computers-2026.yaml")
    _shift_label_to_price(root / "rules-b" / "computers-2026.yaml")
    (tenders["a"] / "tender.yaml").write_text("id: [unclosed\n")
    broken = pipeline.rescore(tenders["a"], ledger=ledger)
    assert broken.failed and not broken.rescored
    assert broken.tender_id == "tender-a" and "not valid YAML" in broken.reason
    done = pipeline.rescore(tenders["b"], ledger=ledger)
    assert done.rescored and "rule set changed" in done.reason and len(done.runs) == 1
    assert pipeline.rescore(tenders["b"], ledger=ledger).model_dump(exclude_defaults=True) == {
        "tender_id": "CITY-ICT-2026-015",
        "rescored": False,
        "reason": "up to date",
    }
