"""Clarification requests (Art. 56(3) of Directive 2014/24/EU): one Markdown file per bid that has any, and
the rows every report shows.

A request names the sheet, the cell, what the bid holds and what the template expects; the answers received
(clarifications.yaml) are listed below it with the original values, used or refused with the reason.
"""

from __future__ import annotations

from typing import Any

from scoring.award.results import BidResult, Evaluation, Status
from scoring.formatting import cell
from scoring.intake.clarify import CLARIFICATIONS_FILE

FOLDER = "clarifications"


def with_clarifications(evaluation: Evaluation) -> list[BidResult]:
    """The bids with a request or an answer, in the evaluation's order."""
    return [b for b in evaluation.bids if b.clarifications or b.clarified]


def where(sheet: str, row: int | None, cell_ref: str | None) -> str:
    """'Supplier, cell B6', or 'Items, row 7' when the column is not known."""
    if cell_ref:
        return f"{sheet}, cell {cell_ref}"
    return f"{sheet}, row {row}" if row else sheet


def request_rows(bid: BidResult) -> list[list[Any]]:
    """Per request: where, field, what the bid holds, what is expected, and whether ranking waits for it."""
    return [
        [
            where(r.sheet, r.row, r.cell),
            r.field,
            r.found,
            r.expected,
            "before the bid can be ranked" if r.blocking else "formal defect",
        ]
        for r in bid.clarifications
    ]


def answer_rows(bid: BidResult) -> list[list[Any]]:
    """Per answer: where, field, the original, the answer, received on, recorded by, and what became of it."""
    return [
        [
            where(a.sheet, a.row, None),
            a.field,
            a.original,
            a.answer,
            a.received_on.isoformat(),
            a.by,
            "used" if a.used else f"not used: {a.reason}",
        ]
        for a in bid.clarified
    ]


def render_request(evaluation: Evaluation, bid: BidResult) -> str:
    """clarifications/<bid>.md: what the buyer may ask this tenderer, and what it has answered."""
    t = evaluation.tender
    lines = [
        f"# Clarification request: bid {cell(bid.bid_id)}",
        "",
        f"Tender {cell(t.id)}, \u201c{cell(t.title)}\u201d"
        + (f", lot {cell(evaluation.lot)}" if evaluation.lot else "")
        + f". Buyer: {cell(t.buyer)}.",
        f"Tenderer: {cell(bid.supplier or 'name not stated')}"
        + (f" ({cell(bid.registration_number)})" if bid.registration_number else "")
        + f"; file {cell(bid.file)}.",
        "",
    ]
    if bid.clarifications:
        lines += [
            "Under Article 56(3) of Directive 2014/24/EU the buyer may ask you to submit, supplement, clarify or "
            "complete the information below, within the time it sets. Your answers may not change the price or "
            "the offered products: an answer that would is not used.",
            "",
        ]
        if bid.status is Status.AWAITING_CLARIFICATION:
            lines += [
                "Your bid cannot be ranked before the answers marked \u201cbefore the bid can be ranked\u201d.",
                "",
            ]
        elif bid.status is not Status.RANKED:
            lines += [
                f"Your bid is {bid.status.value.replace('_', ' ')} for other reasons, which an answer cannot change:",
                "",
                *[f"- {cell(r)}" for r in bid.reasons],
                "",
            ]
        lines += [
            "| # | Where | Field | What the bid holds | What is expected | Needed |",
            "|---:|---|---|---|---|---|",
        ]
        lines += [f"| {n} | " + " | ".join(cell(v) for v in row) + " |" for n, row in enumerate(request_rows(bid), 1)]
        lines.append("")
    if bid.clarified:
        lines += [
            f"## Answers received ({CLARIFICATIONS_FILE})",
            "",
            "| Where | Field | Original | Answer | Received | Recorded by | Outcome |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in answer_rows(bid)]
        lines.append("")
    return "\n".join(lines)
