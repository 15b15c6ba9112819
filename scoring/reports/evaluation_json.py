"""evaluation.json: the machine-readable evaluation, byte-identical for the same inputs and rules."""

from __future__ import annotations

import os
from typing import Any

from scoring.award.results import BidResult, Evaluation, PanelOutcome, Status
from scoring.claims.verdicts import ClaimVerdict, Verdict
from scoring.facts import Fact, english
from scoring.formatting import json_text, plain

SCHEMA = "tenderscore/evaluation/1"


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
        "reasons": [english(r) for r in b.reasons],
        "tie_break": english(b.tie_break) if b.tie_break is not None else None,
        "received_at": plain(b.received_at),
        "withdrawn": b.withdrawn,
        "criteria": [
            {
                "id": c.id,
                "name": c.name,
                "weight": plain(c.weight),
                "raw": plain(c.raw),
                "score": plain(c.score),
                "points": plain(c.points),
                "explanation": english(c.explanation),
                "status": c.status.value,
                **({"money": plain(c.stake)} if c.weight is None else {}),
                **({"panel": panel_document(c.panel)} if c.panel is not None else {}),
            }
            for c in b.criteria
        ],
        "claims": [claim_document(c) for c in b.claims],
        "knockouts": [in_english(k) for k in b.knockouts],
        "issues": [
            {
                "code": i.code,
                "severity": i.severity.value,
                "sheet": i.sheet,
                "row": i.row,
                "field": i.field,
                "message": i.message,
            }
            for i in b.issues
        ],
        # Only when there are any: the documents of tenders without clarifications stay as they were.
        **({"clarifications": [in_english(r) for r in b.clarifications]} if b.clarifications else {}),
        **({"clarified": [in_english(a) for a in b.clarified]} if b.clarified else {}),
    }


def in_english(model: Any) -> dict[str, Any]:
    """A model's fields as JSON-ready values, its facts worded in English (as the ledger keeps them)."""
    out = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        out[name] = (
            english(value) if isinstance(value, Fact) else "" if value is None and name == "reason" else plain(value)
        )
    return out


def panel_document(p: PanelOutcome) -> dict[str, Any]:
    return {
        "evaluators": [{"evaluator": s.evaluator, "score": plain(s.score), "comment": s.comment} for s in p.scores],
        "missing": p.missing,
        "method": p.method,
        "consensus": plain(p.consensus),
        "spread": plain(p.spread),
        "flagged": p.flagged,
        "moderated": None
        if p.moderated is None
        else {
            "score": plain(p.moderated.score),
            "reason": p.moderated.reason,
            "by": p.moderated.by,
            "original_consensus": plain(p.moderated.computed),
        },
    }


def method_document(evaluation: Evaluation) -> dict[str, Any]:
    return evaluation.rules.method.document()


def claim_document(c: ClaimVerdict) -> dict[str, Any]:
    return {
        "row": c.row,
        "label": c.label,
        "version": c.version,
        "certificate_id": c.certificate_id,
        "covers": c.covers,
        "equivalent_to": c.equivalent_to,
        "evidence": c.evidence,
        "scheme": c.scheme,
        "requirement": c.requirement,
        "verdict": c.verdict.value,
        "reason_code": c.reason_code,
        "reason": english(c.reason),
        "register_snapshot": c.register_snapshot,
        "valid_until": plain(c.valid_until),
        "contract_coverage": plain(c.contract_coverage),
        "follow_up": english(c.follow_up) if c.follow_up is not None else None,
        "reviewed_by": c.reviewed_by,
    }


def review_queue(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Claims awaiting a person's decision, what to record in reviews.yaml: those the award or a rank depends
    on first (award/pending.py)."""
    deciding = {(p.bid_id, p.subject) for p in evaluation.pending if p.kind == "claim" and p.relevant}
    queue = [
        {
            "bid_id": b.bid_id,
            "claim": c.certificate_id or c.evidence,
            "row": c.row,
            "label": c.label,
            "reason_code": c.reason_code,
            "reason": c.reason,
            "decides": (b.bid_id, c.certificate_id or c.evidence or f"Labels row {c.row}") in deciding,
        }
        for b in evaluation.bids
        for c in b.claims
        if c.verdict is Verdict.NEEDS_REVIEW
    ]
    return sorted(queue, key=lambda q: not q["decides"])


def ledger_head(evaluation: Evaluation) -> dict[str, Any]:
    """The ledger head a recorded run's reports are written under (`tenderscore audit verify --head`)."""
    return {"record": evaluation.ledger_seq, "hash": evaluation.ledger_hash}


def evaluation_document(evaluation: Evaluation) -> dict[str, Any]:
    t = evaluation.tender
    counts = {s.value: sum(1 for b in evaluation.bids if b.status is s) for s in Status}
    return {
        "schema": SCHEMA,
        "run_id": evaluation.run_id,
        "kind": evaluation.kind.value if evaluation.kind else None,
        "previous_run_id": evaluation.previous_run_id,
        "tool_version": evaluation.tool_version,
        "tender_id": t.id,
        "lot": evaluation.lot,
        "tender": {
            "id": t.id,
            "title": t.title,
            "buyer": t.buyer,
            "currency": t.currency,
            "bid_deadline": t.bid_deadline.isoformat(),
            "receipt_times": english(evaluation.receipt) if evaluation.receipt else "",
            "contract_start": t.contract_start.isoformat(),
            "contract_end": t.contract_end.isoformat(),
        },
        "rules_path": rules_path_shown(evaluation),
        "rules_sha256": evaluation.rules_sha256,
        "rules_id": evaluation.rules.id,
        "rules_version": evaluation.rules.version,
        "catalogue_version": evaluation.catalogue_version,
        "register_snapshots": evaluation.registers,
        "method": method_document(evaluation),
        "counts": {"files": len(evaluation.bids), **counts},
        "warnings": [english(w) for w in evaluation.warnings],
        "rule_warnings": [w.model_dump() for w in evaluation.rule_warnings],
        "review_queue": [{**q, "reason": english(q["reason"])} for q in review_queue(evaluation)],
        "provisional": evaluation.draft,
        "pending_decisions": [{**in_english(p), "decides": p.relevant} for p in evaluation.pending],
        "robustness": plain(evaluation.robustness.document()),
        "panel_agreement": plain(evaluation.agreement),
        "bids": [bid_document(b) for b in evaluation.bids],
        # the ledger head this document is written under, once recorded (never in the ledger's own copy)
        **(
            {"ledger": {"record": evaluation.ledger_seq, "hash": evaluation.ledger_hash}}
            if evaluation.ledger_hash
            else {}
        ),
    }


def render_json(evaluation: Evaluation) -> str:
    return json_text(evaluation_document(evaluation))
