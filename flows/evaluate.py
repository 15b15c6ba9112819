"""The `evaluate-tender` flow: one run per tender, each task a thin wrapper over scoring/.

With no PREFECT_API_URL set, Prefect starts its embedded local server for the run;
nothing needs to be started by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

from flows.settings import quiet_defaults

quiet_defaults()

from prefect import flow, task, unmapped  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from scoring import panel, pipeline, rank, reports, robustness, validate  # noqa: E402
from scoring.panel import PanelSheets  # noqa: E402
from scoring.evaluate import score_bids  # noqa: E402
from scoring.models import BidResult, Evaluation, ReadResult, Tender  # noqa: E402
from scoring.report_md import render_summary  # noqa: E402
from scoring import rescore, runs  # noqa: E402
from scoring.report_json import evaluation_document  # noqa: E402
from scoring.ledger import open_ledger  # noqa: E402
from scoring.rules import LoadedRules, RuleSet  # noqa: E402
from scoring.verify import Verification  # noqa: E402

# Inputs are in-memory values; hashing them for a cache key buys nothing here.
TASK = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="read-bid", **TASK)
def read_bid(path: Path, tender: Tender) -> ReadResult:
    """Parses the workbook only when these bytes were not read before (the ledger keeps parsed bids)."""
    return rescore.cached_read(path, tender, open_ledger())


@task(name="validate-bids", **TASK)
def validate_bids(reads: list[ReadResult], tender: Tender, per_lot: bool) -> list[ReadResult]:
    return validate.validate_tender(reads, tender, per_lot)


@task(name="read-panel-scores", **TASK)
def read_panel(tender: Tender) -> PanelSheets:
    return panel.read_panel(tender.folder)


@task(name="verify-and-score-bids", **TASK)
def score(checked: list[ReadResult], tender: Tender, rules: RuleSet, checks: Verification | None,
          sheets: PanelSheets) -> list[BidResult]:
    return score_bids(checked, tender, rules, checks, sheets)


@task(name="rank-bids", **TASK)
def rank_results(results: list[BidResult], checked: list[ReadResult], rules: RuleSet):
    return rank.rank_bids(results, checked, rules)


@task(name="assess-robustness", **TASK)
def assess_robustness(checked, results, tender: Tender, rules: RuleSet, checks, sheets) -> dict:
    return robustness.assess(checked, results, tender, rules, checks, sheets)


@task(name="record-run", **TASK)
def record(evaluation: Evaluation, tender: Tender, rules: LoadedRules, trigger: str) -> tuple[Evaluation, dict | None]:
    """Append the run to the ledger; with the changes since the tender's previous run, if any."""
    ledger = open_ledger()
    before = rescore.previous_document(ledger, evaluation.tender.id, evaluation.lot)
    evaluation = runs.record_run(ledger, evaluation, tender, rules, trigger)
    diff = rescore.diff_documents(before, evaluation_document(evaluation)) if before else None
    return evaluation, diff


@task(name="write-reports", **TASK)
def write_reports(evaluation: Evaluation, out_dir: Path, diff: dict | None) -> list[Path]:
    return reports.write_reports(evaluation, out_dir, diff)


def artifact_key(prefix: str, tender_id: str) -> str:
    """Prefect keys take lower-case letters, digits and dashes only."""
    return f"{prefix}-" + re.sub(r"[^a-z0-9]+", "-", tender_id.lower()).strip("-")


def breakdown_rows(evaluation: Evaluation) -> list[dict]:
    rows = []
    for b in evaluation.bids:
        row = {"rank": b.rank, "bid": b.bid_id, "status": b.status.value}
        row.update({c.id: float(c.points) for c in b.criteria})
        row["total"] = float(b.total) if b.total is not None else None
        rows.append(row)
    return rows


def publish_artifacts(evaluation: Evaluation, written: list[Path]) -> None:
    tender_id = evaluation.tender.id + (f"-lot-{evaluation.lot}" if evaluation.lot else "")
    files = "\n".join(f"- `{p.resolve()}`" for p in written)
    run = f"\n## Ledger\n\nRun `{evaluation.run_id}` ({evaluation.kind})" + (
        f", after run `{evaluation.previous_run_id}`" if evaluation.previous_run_id else "") + ".\n"
    create_markdown_artifact(key=artifact_key("ranking", tender_id),
                             markdown=render_summary(evaluation) + f"\n## Reports\n\n{files}\n" + run,
                             description=f"Ranking of tender {tender_id}")
    create_table_artifact(key=artifact_key("breakdown", tender_id), table=breakdown_rows(evaluation),
                          description=f"Points per criterion for every bid of tender {tender_id}")


@flow(name="evaluate-tender", log_prints=True)
def evaluate_tender(tender_dir: str, rules_file: str | None = None, out_dir: str | None = None,
                    trigger: str = "manual") -> list[Evaluation]:
    """Read, validate, score and rank every bid of a tender (each lot on its own if the rules say so),
    then write the reports."""
    tender, rules, files = pipeline.prepare(tender_dir, rules_file)
    checks = pipeline.verification(tender, rules)
    sheets = read_panel(tender)
    reads = read_bid.map(files, tender=unmapped(tender)).result()
    checked = validate_bids(reads, tender, rules.rules.lots == "separate")
    evaluations = []
    for lot, unit_tender, unit_reads in pipeline.units(checked, tender, rules):
        results, warnings = rank_results(score(unit_reads, unit_tender, rules.rules, checks, sheets), unit_reads,
                                         rules.rules)
        robust = assess_robustness(unit_reads, results, unit_tender, rules.rules, checks, sheets)
        evaluation = pipeline.assemble(unit_tender, rules, results, warnings, checks, sheets, robust, lot=lot)
        evaluation, diff = record(evaluation, tender, rules, trigger)
        target = reports.lot_dir(evaluation, out_dir) if out_dir else reports.default_out_dir(evaluation)
        written = write_reports(evaluation, target, diff)
        publish_artifacts(evaluation, written)
        evaluations.append(evaluation)
    return evaluations


@flow(name="rescore-tenders", log_prints=True)
def rescore_tenders(tender_dirs: list[str] | None = None, rules_file: str | None = None,
                    trigger: str = "manual", rules_sha256: str | None = None) -> list[dict]:
    """Evaluate again every tender whose latest run used other rules or inputs; skip the rest.

    With no tender_dirs, every tender the ledger knows. `rules_sha256` (from a rules-change event) is
    recorded in the log for the auditor; the rules are read from the files themselves.
    """
    ledger = open_ledger()
    dirs = tender_dirs or rescore.known_tender_dirs(ledger)
    outcome = []
    for folder in dirs:
        tender, rules, _ = pipeline.prepare(folder, rules_file)
        reason = rescore.staleness(ledger, tender, rules)
        if reason is None:
            print(f"{tender.id}: up to date")
            outcome.append({"tender_id": tender.id, "rescored": False, "reason": "up to date"})
            continue
        print(f"{tender.id}: re-scoring ({reason})")
        evaluations = evaluate_tender(tender_dir=folder, rules_file=rules_file, trigger=trigger)
        outcome.append({"tender_id": tender.id, "rescored": True, "reason": reason,
                        "runs": [{"run_id": e.run_id, "kind": e.kind, "lot": e.lot} for e in evaluations]})
    if rules_sha256:
        print(f"triggered by the publication of rules {rules_sha256}")
    return outcome
