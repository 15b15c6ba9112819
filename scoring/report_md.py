"""summary.md: the ranking and the reasons, for people."""

from __future__ import annotations

from scoring.functions import money
from scoring.models import Evaluation, Status
from scoring.report_json import review_queue, rules_path_shown


def cell(text: object) -> str:
    """Table-safe: bidder text cannot break the table or start markup of its own."""
    shown = "" if text is None else str(text)
    return shown.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").replace("`", "\\`")


def render_summary(evaluation: Evaluation) -> str:
    t = evaluation.tender
    lines = [
        f"# Evaluation of {cell(t.id)}: {cell(t.title)}",
        "",
        f"Buyer: {cell(t.buyer)}. Bid deadline: {t.bid_deadline.isoformat()}. "
        f"Contract: {t.contract_start.isoformat()} to {t.contract_end.isoformat()}.",
        f"Rule set `{evaluation.rules.id}` version {evaluation.rules.version} ({rules_path_shown(evaluation)}, "
        f"SHA-256 `{evaluation.rules_sha256}`); tenderscore {evaluation.tool_version}.",
        "",
    ]
    if evaluation.rule_warnings:
        lines += ["## Rule set warnings", ""]
        lines += [f"- `{w.code}` at `{w.rule}`: {cell(w.message)}" for w in evaluation.rule_warnings]
        lines.append("")
    counts = {s: sum(1 for b in evaluation.bids if b.status is s) for s in Status}
    lines.append(f"{len(evaluation.bids)} files received: {counts[Status.RANKED]} ranked, "
                 f"{counts[Status.EXCLUDED]} excluded, {counts[Status.REJECTED]} rejected.")
    lines += ["", "## Ranking", ""]
    ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
    if ranked:
        lines += [f"| Rank | Bid | Supplier | Total price ({cell(t.currency)}) | Points |", "|---:|---|---|---:|---:|"]
        for b in ranked:
            lines.append(f"| {b.rank} | {cell(b.bid_id)} | {cell(b.supplier)} | {money(b.total_price)} | {b.total} |")
    else:
        lines.append("No bid could be ranked.")
    ties = [b for b in ranked if b.tie_break]
    if ties or evaluation.warnings:
        lines += ["", "## Ties and warnings", ""]
        lines += [f"- {cell(b.bid_id)}: {cell(b.tie_break)}" for b in ties]
        lines += [f"- {cell(w)}" for w in evaluation.warnings]
    for status, title in ((Status.EXCLUDED, "Excluded bids"), (Status.REJECTED, "Rejected bids")):
        group = [b for b in evaluation.bids if b.status is status]
        if group:
            lines += ["", f"## {title}", ""]
            for b in group:
                lines.append(f"- **{cell(b.bid_id)}** ({cell(b.file)}, {cell(b.supplier or 'supplier unknown')}):")
                lines += [f"  - {cell(r)}" for r in b.reasons]
    if ranked:
        lines += ["", "## Points per criterion", ""]
        criteria = ranked[0].criteria
        lines.append("| Bid | " + " | ".join(f"{cell(c.name)} ({c.weight} %)" for c in criteria) + " | Total |")
        lines.append("|---|" + "---:|" * (len(criteria) + 1))
        for b in ranked:
            lines.append(f"| {cell(b.bid_id)} | " + " | ".join(str(c.points) for c in b.criteria) + f" | {b.total} |")
        lines += ["", f"How each figure was computed is in evaluation.json and the Details sheet of evaluation.xlsx."]
    claims = [(b, c) for b in evaluation.bids for c in b.claims]
    if claims:
        lines += ["", "## Label claims", "", "| Bid | Label | Certificate / evidence | Verdict | Reason |",
                  "|---|---|---|---|---|"]
        for b, c in claims:
            lines.append(f"| {cell(b.bid_id)} | {cell(c.label)} | {cell(c.certificate_id or c.evidence)} | "
                         f"{c.verdict.value} | `{c.reason_code}` {cell(c.reason)} |")
    queue = review_queue(evaluation)
    if queue:
        lines += ["", "## Claims awaiting review", "",
                  "Record a decision for each in `reviews.yaml` next to `tender.yaml`, then run the evaluation again.",
                  ""]
        lines += [f"- {cell(q['bid_id'])}, claim `{cell(q['claim'])}` (Labels row {q['row']}): {cell(q['reason'])}"
                  for q in queue]
    warned = [(b, i) for b in evaluation.bids for i in b.issues if i.severity.value == "warning"]
    if warned:
        lines += ["", "## Warnings on bids", ""]
        for b, i in warned:
            where = ", ".join(p for p in (i.sheet, f"row {i.row}" if i.row else None) if p)
            lines.append(f"- {cell(b.bid_id)}: `{i.code}` {cell(i.message)}" + (f" ({cell(where)})" if where else ""))
    return "\n".join(lines) + "\n"
