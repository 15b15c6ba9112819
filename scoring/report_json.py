"""evaluation.json: the machine-readable evaluation, byte-identical for the same inputs and rules."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from scoring.models import BidResult, ClaimVerdict, Evaluation, Status, Verdict
from scoring.panel import PanelOutcome

SCHEMA = "tenderscore/evaluation/1"


def plain(value: Any) -> Any:
    """JSON-ready values: Decimals as numbers (2-place amounts print exactly), dates as ISO text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def rules_path_shown(evaluation: Evaluation) -> str:
    """The rule file relative to the tender folder: the same on every machine with the same layout."""
    try:
        return os.path.relpath(evaluation.rules_path, evaluation.tender.folder.resolve())
    except ValueError:  # another drive on Windows
        return evaluation.rules_path


def bid_document(b: BidResult) -> dict[str, Any]:
    return {
        "bid_id": b.bid_id,
        "supplier": b.supplier,
        "registration_number": b.registration_number,
        "file": b.file,
        "file_sha256": b.file_sha256,
        "status": b.status.value,
        "rank": b.rank,
        "total": plain(b.total),
        "ranking_value": plain(b.ranking_value),
        "total_price": plain(b.total_price),
        "reasons": b.reasons,
        "tie_break": b.tie_break,
        "criteria": [
            {"id": c.id, "name": c.name, "weight": plain(c.weight), "raw": plain(c.raw), "score": plain(c.score),
             "points": plain(c.points), "explanation": c.explanation, "status": c.status,
             **({"money": plain(c.stake)} if c.weight is None else {}),
             **({"panel": panel_document(c.panel)} if c.panel is not None else {})}
            for c in b.criteria
        ],
        "claims": [claim_document(c) for c in b.claims],
        "knockouts": [k.model_dump() for k in b.knockouts],
        "issues": [
            {"code": i.code, "severity": i.severity.value, "sheet": i.sheet, "row": i.row, "field": i.field,
             "message": i.message}
            for i in b.issues
        ],
    }


def panel_document(p: PanelOutcome) -> dict[str, Any]:
    return {
        "evaluators": [{"evaluator": s.evaluator, "score": plain(s.score), "comment": s.comment} for s in p.scores],
        "missing": p.missing, "method": p.method, "consensus": plain(p.consensus), "spread": plain(p.spread),
        "flagged": p.flagged,
        "moderated": None if p.moderated is None else {
            "score": plain(p.moderated.score), "reason": p.moderated.reason, "by": p.moderated.by,
            "original_consensus": plain(p.moderated.computed)},
    }


RANKED_ON = {
    "weighted_points": "total points, highest first",
    "value_for_money": "comparison price (price less the quality criteria's money value), lowest first",
    "price_quality_ratio": "quality points per {per} of price, highest first",
}


def method_document(evaluation: Evaluation) -> dict[str, Any]:
    method = evaluation.rules.method
    out = {"name": method.name, "ranked_on": RANKED_ON[method.name].format(per=plain(method.per))}
    if method.name == "value_for_money":
        out["direction"] = method.direction
    if method.name == "price_quality_ratio":
        out["per"] = plain(method.per)
    return out


def claim_document(c: ClaimVerdict) -> dict[str, Any]:
    return {
        "row": c.row, "label": c.label, "version": c.version, "certificate_id": c.certificate_id,
        "covers": c.covers, "equivalent_to": c.equivalent_to, "evidence": c.evidence, "scheme": c.scheme,
        "requirement": c.requirement, "verdict": c.verdict.value, "reason_code": c.reason_code, "reason": c.reason,
        "register_snapshot": c.register_snapshot, "valid_until": plain(c.valid_until),
        "contract_coverage": plain(c.contract_coverage), "follow_up": c.follow_up, "reviewed_by": c.reviewed_by,
    }


def review_queue(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Claims awaiting a person's decision: what to record in reviews.yaml."""
    return [{"bid_id": b.bid_id, "claim": c.certificate_id or c.evidence, "row": c.row, "label": c.label,
             "reason_code": c.reason_code, "reason": c.reason}
            for b in evaluation.bids for c in b.claims if c.verdict is Verdict.NEEDS_REVIEW]


def evaluation_document(evaluation: Evaluation) -> dict[str, Any]:
    t = evaluation.tender
    counts = {s.value: sum(1 for b in evaluation.bids if b.status is s) for s in Status}
    return {
        "schema": SCHEMA,
        "run_id": evaluation.run_id,
        "kind": evaluation.kind,
        "previous_run_id": evaluation.previous_run_id,
        "tool_version": evaluation.tool_version,
        "tender_id": t.id,
        "lot": evaluation.lot,
        "tender": {"id": t.id, "title": t.title, "buyer": t.buyer, "currency": t.currency,
                   "bid_deadline": t.bid_deadline.isoformat(), "contract_start": t.contract_start.isoformat(),
                   "contract_end": t.contract_end.isoformat()},
        "rules_path": rules_path_shown(evaluation),
        "rules_sha256": evaluation.rules_sha256,
        "rules_id": evaluation.rules.id,
        "rules_version": evaluation.rules.version,
        "catalogue_version": evaluation.catalogue_version,
        "register_snapshots": evaluation.registers,
        "method": method_document(evaluation),
        "counts": {"files": len(evaluation.bids), **counts},
        "warnings": evaluation.warnings,
        "rule_warnings": [w.model_dump() for w in evaluation.rule_warnings],
        "review_queue": review_queue(evaluation),
        "robustness": plain(evaluation.robustness),
        "panel_agreement": plain(evaluation.agreement),
        "bids": [bid_document(b) for b in evaluation.bids],
    }


def render_json(evaluation: Evaluation) -> str:
    return json.dumps(evaluation_document(evaluation), indent=2, ensure_ascii=False) + "\n"
