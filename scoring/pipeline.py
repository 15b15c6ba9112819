"""The whole evaluation as plain function calls: what the Prefect flow runs task by task.

workbook → typed bid + issues → validated bid → scores → ranking → Evaluation.
Reports are written separately (reports.py), so an Evaluation can be inspected first.
"""

from __future__ import annotations

from pathlib import Path

from scoring import __version__
from scoring.evaluate import score_bids
from scoring.ingest import read_bid
from scoring.models import BidResult, Evaluation, ReadResult, Tender
from scoring.rank import rank_bids
from scoring.rules import LoadedRules, load_rules
from scoring.tender import bid_files, load_tender
from scoring.validate import validate_tender


def prepare(tender_dir: Path | str, rules_file: Path | str | None = None) -> tuple[Tender, LoadedRules, list[Path]]:
    """Load and check every input the evaluation cannot run without; raises InputError."""
    tender = load_tender(tender_dir)
    rules = load_rules(Path(rules_file) if rules_file else tender.rules_path)
    return tender, rules, bid_files(tender)


def assemble(tender: Tender, rules: LoadedRules, results: list[BidResult], warnings: list[str]) -> Evaluation:
    return Evaluation(tender=tender, rules=rules.rules, rules_path=rules.path, rules_sha256=rules.sha256,
                      tool_version=__version__, bids=results, warnings=warnings)


def evaluate_tender(tender_dir: Path | str, rules_file: Path | str | None = None) -> Evaluation:
    tender, rules, files = prepare(tender_dir, rules_file)
    reads: list[ReadResult] = [read_bid(path, tender) for path in files]
    checked = validate_tender(reads, tender)
    results, warnings = rank_bids(score_bids(checked, tender, rules.rules), checked, rules.rules)
    return assemble(tender, rules, results, warnings)
