"""The whole evaluation as plain function calls: what the Prefect flow runs task by task.

workbook → typed bid + issues → validated bid → scores → ranking → Evaluation.
Reports are written separately (reports.py), so an Evaluation can be inspected first.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from scoring import __version__
from scoring.evaluate import score_bids
from scoring.ingest import read_bid
from scoring.lots import lot_tender, split_by_lot
from scoring.models import BidResult, Evaluation, ReadResult, Tender
from scoring.panel import PanelSheets, krippendorff_alpha, read_panel, sheet_warnings
from scoring.rank import rank_bids
from scoring.registers import OfflineRegister
from scoring.robustness import assess
from scoring.reviews import REVIEWS_FILE, load_reviews
from scoring.rules import LoadedRules, load_rules
from scoring.tender import bid_files, load_tender
from scoring.validate import validate_tender
from scoring.verify import Verification, unused_decisions


def prepare(tender_dir: Path | str, rules_file: Path | str | None = None) -> tuple[Tender, LoadedRules, list[Path]]:
    """Load and check every input the evaluation cannot run without; raises InputError."""
    tender = load_tender(tender_dir)
    rules = load_rules(Path(rules_file) if rules_file else tender.rules_path)
    load_reviews(tender.folder)  # a broken reviews.yaml stops the run here, naming the key
    return tender, rules, bid_files(tender)


def verification(tender: Tender, rules: LoadedRules) -> Verification | None:
    """Catalogue, register snapshots and the tender's review decisions; None when nothing asks for labels."""
    if rules.catalogue is None:
        return None
    return Verification(tender=tender, rules=rules.rules, catalogue=rules.catalogue,
                        register=OfflineRegister(rules.registers_folder), reviews=load_reviews(tender.folder))


def panel_agreement(results: list[BidResult]) -> dict[str, Decimal | None]:
    """Krippendorff's alpha per judged criterion, over the ranked bids."""
    units: dict[str, list[list[Decimal]]] = {}
    for b in results:
        for c in b.criteria:
            if c.panel is not None:
                units.setdefault(c.id, []).append([s.score for s in c.panel.scores])
    return {criterion: krippendorff_alpha(u) for criterion, u in units.items()}


def assemble(tender: Tender, rules: LoadedRules, results: list[BidResult], warnings: list[str],
             checks: Verification | None = None, panel: PanelSheets | None = None,
             robustness: dict | None = None, lot: str | None = None) -> Evaluation:
    warnings = list(warnings)
    if panel is not None:
        competing = [b.bid_id for b in results if b.criteria]
        warnings += sheet_warnings(panel, rules.rules, competing)
    registers: list[str] = []
    if checks is not None:
        for d in unused_decisions(checks.reviews, {b.bid_id: b.claims for b in results}):
            warnings.append(f"The review decision on claim {d.claim!r} of bid {d.bid} ({REVIEWS_FILE}) matches no "
                            "claim awaiting review; it was not applied.")
        registers = sorted({c.register_snapshot for b in results for c in b.claims if c.register_snapshot})
    return Evaluation(tender=tender, lot=lot, rules=rules.rules, rules_path=rules.path, rules_sha256=rules.sha256,
                      tool_version=__version__, bids=results, warnings=warnings, rule_warnings=rules.warnings,
                      catalogue_version=rules.catalogue.catalogue_version if rules.catalogue else None,
                      registers=registers, agreement=panel_agreement(results), robustness=robustness or {})


Unit = tuple[str | None, Tender, list[ReadResult]]


def units(checked: list[ReadResult], tender: Tender, rules: LoadedRules) -> list[Unit]:
    """What is ranked: the whole tender, or each lot on its own when the rule set says so."""
    if rules.rules.lots == "separate":
        return [(lot, lot_tender(tender, lot), reads) for lot, reads in split_by_lot(checked, tender).items()]
    return [(None, tender, checked)]


def evaluate_unit(unit: Unit, rules: LoadedRules, checks: Verification | None, panel: PanelSheets) -> Evaluation:
    lot, tender, reads = unit
    results, warnings = rank_bids(score_bids(reads, tender, rules.rules, checks, panel), reads, rules.rules)
    robust = assess(reads, results, tender, rules.rules, checks, panel)
    return assemble(tender, rules, results, warnings, checks, panel, robust, lot=lot)


def evaluate(tender_dir: Path | str, rules_file: Path | str | None = None) -> list[Evaluation]:
    """One Evaluation for the tender, or one per lot."""
    tender, rules, files = prepare(tender_dir, rules_file)
    checks = verification(tender, rules)
    panel = read_panel(tender.folder)
    reads: list[ReadResult] = [read_bid(path, tender) for path in files]
    checked = validate_tender(reads, tender, per_lot=rules.rules.lots == "separate")
    return [evaluate_unit(unit, rules, checks, panel) for unit in units(checked, tender, rules)]


def evaluate_tender(tender_dir: Path | str, rules_file: Path | str | None = None) -> Evaluation:
    """The evaluation of a tender whose lots are ranked together (see evaluate() for separate lots)."""
    evaluations = evaluate(tender_dir, rules_file)
    if len(evaluations) != 1:
        raise ValueError("this rule set evaluates lots separately: use evaluate(), which gives one per lot")
    return evaluations[0]
