"""summary.md: the ranking and the reasons, for people."""

from __future__ import annotations

from scoring.award.results import Evaluation, Status
from scoring.formatting import cell, money
from scoring.intake.clarify import CLARIFICATIONS_FILE
from scoring.reports.clarifications import FOLDER as CLARIFICATIONS
from scoring.reports.clarifications import answer_rows, request_rows, with_clarifications
from scoring.reports.evaluation_json import (
    method_document,
    review_queue,
    rules_path_shown,
)


def ranking_heading(evaluation: Evaluation) -> str:
    return evaluation.rules.method.heading(evaluation.tender.currency)


def ranking_shown(evaluation: Evaluation, b) -> str:
    return evaluation.rules.method.shown(b.ranking_value, b.total)


def robustness_lines(evaluation: Evaluation) -> list[str]:
    """The robustness findings as sentences (summary.md and the command line)."""
    r = evaluation.robustness
    lines = []
    for w in r.weight_sensitivity:
        if w.flip_at is None:
            lines.append(
                f"Weight of {w.criterion} ({w.weight} %): no change of winner within "
                f"±{w.searched_pp} percentage points (others rescaled)."
            )
        else:
            lines.append(
                f"Weight of {w.criterion} ({w.weight} %): the winner changes to {w.new_winner} "
                f"at {w.flip_at} % (others rescaled proportionally)."
            )
    if evaluation.rules.method.stake != "weight":
        lines.append("Weight sensitivity does not apply: under value for money the criteria carry money, not weights.")
    for rev in r.rank_reversals:
        pairs = "; ".join(f"{a} now below {b}" for a, b in rev.changed_pairs)
        cause = f" Cause: {rev.cause}." if rev.cause else ""
        lines.append(f"Rank reversal: without {rev.removed}, {pairs}.{cause}")
    if not r.rank_reversals:
        lines.append("No rank reversal: withdrawing any non-winning bid leaves the order of the others unchanged.")
    shares = r.win_shares
    if shares:
        listing = ", ".join(f"{b} {float(v):.1%}" for b, v in shares.items() if v)
        lines.append(
            f"Over the declared weight ranges ({evaluation.rules.robustness.draws} draws, seed "
            f"{evaluation.rules.robustness.seed}), the winner is: {listing}."
        )
    return lines


def render_summary(evaluation: Evaluation) -> str:
    t = evaluation.tender
    lines = [
        f"# Evaluation of {cell(t.id)}: {cell(t.title)}" + (f", lot {cell(evaluation.lot)}" if evaluation.lot else ""),
        "",
        f"Buyer: {cell(t.buyer)}. Bid deadline: {t.bid_deadline.isoformat()}"
        + (f", receipt times from {cell(evaluation.receipt)}. " if evaluation.receipt else ". ")
        + f"Contract: {t.contract_start.isoformat()} to {t.contract_end.isoformat()}.",
        f"Rule set `{evaluation.rules.id}` version {evaluation.rules.version} ({rules_path_shown(evaluation)}, "
        f"SHA-256 `{evaluation.rules_sha256}`); tenderscore {evaluation.tool_version}.",
        "",
    ]
    if evaluation.rule_warnings:
        lines += ["## Rule set warnings", ""]
        lines += [f"- `{w.code}` at `{w.rule}`: {cell(w.message)}" for w in evaluation.rule_warnings]
        lines.append("")
    counts = {s: sum(1 for b in evaluation.bids if b.status is s) for s in Status}
    lines.append(
        f"{len(evaluation.bids)} files received: {counts[Status.RANKED]} ranked, "
        f"{counts[Status.EXCLUDED]} excluded, {counts[Status.REJECTED]} rejected"
        + (
            f", {counts[Status.AWAITING_CLARIFICATION]} awaiting clarification."
            if counts[Status.AWAITING_CLARIFICATION]
            else "."
        )
    )
    lines += ["", "## Ranking", ""]
    ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
    if ranked:
        heading = ranking_heading(evaluation)
        lines += [
            f"Method: {evaluation.rules.method.name.replace('_', ' ')}; ranked on "
            f"{method_document(evaluation)['ranked_on']}.",
            "",
        ]
        lines += [
            f"| Rank | Bid | Supplier | Total price ({cell(t.currency)}) | {heading} |",
            "|---:|---|---|---:|---:|",
        ]
        for b in ranked:
            lines.append(
                f"| {b.rank} | {cell(b.bid_id)} | {cell(b.supplier)} | {money(b.total_price)} | "
                f"{ranking_shown(evaluation, b)} |"
            )
    else:
        lines.append("No bid could be ranked.")
    ties = [b for b in ranked if b.tie_break]
    if ties or evaluation.warnings:
        lines += ["", "## Ties and warnings", ""]
        lines += [f"- {cell(b.bid_id)}: {cell(b.tie_break)}" for b in ties]
        lines += [f"- {cell(w)}" for w in evaluation.warnings]
    for status, title in (
        (Status.AWAITING_CLARIFICATION, "Bids awaiting clarification"),
        (Status.EXCLUDED, "Excluded bids"),
        (Status.REJECTED, "Rejected bids"),
    ):
        group = [b for b in evaluation.bids if b.status is status]
        if group:
            lines += ["", f"## {title}", ""]
            for b in group:
                lines.append(f"- **{cell(b.bid_id)}** ({cell(b.file)}, {cell(b.supplier or 'supplier unknown')}):")
                lines += [f"  - {cell(r)}" for r in b.reasons]
    asked = with_clarifications(evaluation)
    if asked:
        lines += [
            "",
            "## Clarifications (Art. 56(3))",
            "",
            "Formal defects are asked about, not rejected; each bid's request is in "
            f"{CLARIFICATIONS}/<bid>.md, the answers go in {CLARIFICATIONS_FILE}.",
            "",
            "| Bid | Where | Field | What the bid holds | What is expected | Needed |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {cell(b.bid_id)} | " + " | ".join(cell(v) for v in row) + " |" for b in asked for row in request_rows(b)
        ]
        answered = [(b, row) for b in asked for row in answer_rows(b)]
        if answered:
            lines += [
                "",
                "| Bid | Where | Field | Original | Answer | Received | Recorded by | Outcome |",
                "|---|---|---|---|---|---|---|---|",
            ]
            lines += [f"| {cell(b.bid_id)} | " + " | ".join(cell(v) for v in row) + " |" for b, row in answered]
    if ranked:
        lines += ["", "## Points per criterion", ""]
        criteria = ranked[0].criteria
        stake = lambda c: f"{c.weight} %" if c.weight is not None else money(c.stake)
        lines.append("| Bid | " + " | ".join(f"{cell(c.name)} ({stake(c)})" for c in criteria) + " | Total |")
        lines.append("|---|" + "---:|" * (len(criteria) + 1))
        for b in ranked:
            lines.append(f"| {cell(b.bid_id)} | " + " | ".join(str(c.points) for c in b.criteria) + f" | {b.total} |")
        lines += ["", "How each figure was computed is in evaluation.json and the Details sheet of evaluation.xlsx."]
    robust = robustness_lines(evaluation)
    if robust:
        lines += ["", "## Robustness", ""] + [f"- {cell(line)}" for line in robust]
    panels = [(b, c) for b in ranked for c in b.criteria if c.panel is not None]
    if panels:
        lines += [
            "",
            "## Panel scores",
            "",
            "| Bid | Criterion | Evaluator scores | Consensus | Note |",
            "|---|---|---|---:|---|",
        ]
        for b, c in panels:
            p = c.panel
            if p is None:
                continue
            scores = ", ".join(f"{cell(s.evaluator)} {s.score}" for s in p.scores) or "none"
            note = []
            if p.moderated:
                note.append(
                    f"moderated by {cell(p.moderated.by)} from {p.moderated.computed}: {cell(p.moderated.reason)}"
                )
            if p.flagged:
                note.append(f"spread {p.spread} above the allowed")
            if p.missing:
                note.append("missing: " + ", ".join(cell(m) for m in p.missing))
            lines.append(f"| {cell(b.bid_id)} | {cell(c.id)} | {scores} | {p.consensus} | {'; '.join(note)} |")
        agreement = ", ".join(f"{k} {v if v is not None else 'n/a'}" for k, v in evaluation.agreement.items())
        lines += ["", f"Inter-rater agreement (Krippendorff's alpha, interval): {agreement}."]
    claims = [(b, cl) for b in evaluation.bids for cl in b.claims]
    if claims:
        lines += [
            "",
            "## Label claims",
            "",
            "| Bid | Label | Certificate / evidence | Verdict | Reason |",
            "|---|---|---|---|---|",
        ]
        for b, cl in claims:
            lines.append(
                f"| {cell(b.bid_id)} | {cell(cl.label)} | {cell(cl.certificate_id or cl.evidence)} | "
                f"{cl.verdict.value} | `{cl.reason_code}` {cell(cl.reason)} |"
            )
    queue = review_queue(evaluation)
    if queue:
        lines += [
            "",
            "## Claims awaiting review",
            "",
            "Record a decision for each in `reviews.yaml` next to `tender.yaml`, then run the evaluation again.",
            "",
        ]
        lines += [
            f"- {cell(q['bid_id'])}, claim `{cell(q['claim'])}` (Labels row {q['row']}): {cell(q['reason'])}"
            for q in queue
        ]
    warned = [(b, i) for b in evaluation.bids for i in b.issues if i.severity.value == "warning"]
    if warned:
        lines += ["", "## Warnings on bids", ""]
        for b, i in warned:
            where = ", ".join(p for p in (i.sheet, f"row {i.row}" if i.row else None) if p)
            lines.append(f"- {cell(b.bid_id)}: `{i.code}` {cell(i.message)}" + (f" ({cell(where)})" if where else ""))
    return "\n".join(lines) + "\n"
