"""evaluation.xlsx: ranking, breakdown, details, issues and rules, for evaluators and auditors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from scoring.award.results import Evaluation, Status
from scoring.formatting import plain
from scoring.issues import CODES
from scoring.reports.clarifications import answer_rows, request_rows, with_clarifications
from scoring.reports.evaluation_json import rules_path_shown
from scoring.reports.summary_md import ranking_heading, robustness_lines
from scoring.reports.xlsxout import Report, Sheet
from scoring.rules.schema import RuleSet


def _raw(value) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def write_xlsx(evaluation: Evaluation, path: Path) -> None:
    rules = evaluation.rules

    wb = Report(path)
    ranking = wb.sheet("Ranking")
    ranking.header(
        [
            "Rank",
            "Status",
            "Bid",
            "Supplier",
            "Registration number",
            "File",
            f"Total price ({evaluation.tender.currency})",
            "Points",
            ranking_heading(evaluation),
            "Reasons / tie-break",
            "File SHA-256",
        ],
    )
    for b in evaluation.bids:
        note = " ".join(b.reasons) if b.reasons else (b.tie_break or "")
        ranking.append(
            [
                b.rank,
                b.status.value,
                b.bid_id,
                b.supplier,
                b.registration_number,
                b.file,
                b.total_price,
                b.total,
                b.ranking_value,
                note,
                b.file_sha256,
            ],
        )
    ranking.widths([6, 10, 22, 34, 20, 24, 16, 12, 16, 80, 66])

    ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
    breakdown = wb.sheet("Breakdown")
    stake = lambda c: f"{c.weight} %" if c.weight is not None else f"{c.money} {evaluation.tender.currency}"
    breakdown.header(["Rank", "Bid"] + [f"{c.name} ({stake(c)})" for c in rules.criteria] + ["Total"])
    for b in ranked:
        breakdown.append([b.rank, b.bid_id] + [c.points for c in b.criteria] + [b.total])
    breakdown.widths([6, 22] + [16] * len(rules.criteria) + [9])

    details = wb.sheet("Details")
    details.header(
        ["Bid", "Criterion", "Name", "Weight (%) or money", "Raw value", "Score", "Points", "Explanation", "Status"],
    )
    for b in ranked:
        for c in b.criteria:
            details.append(
                [b.bid_id, c.id, c.name, c.stake, _raw(c.raw), c.score, c.points, c.explanation, c.status.value],
            )
        for k in b.knockouts:
            details.append([b.bid_id, f"knock-out {k.id}", k.requirement, None, "passed", None, None, k.explanation])
    for b in evaluation.bids:
        if b.status is Status.EXCLUDED:
            for k in b.knockouts:
                details.append(
                    [
                        b.bid_id,
                        f"knock-out {k.id}",
                        k.requirement,
                        None,
                        "passed" if k.passed else "FAILED",
                        None,
                        None,
                        k.explanation,
                    ],
                )
    details.widths([22, 18, 40, 10, 14, 8, 8, 110])

    panels = [(b, c) for b in ranked for c in b.criteria if c.panel is not None]
    if panels:
        panel = wb.sheet("Panel")
        panel.header(
            [
                "Bid",
                "Criterion",
                "Evaluator",
                "Score",
                "Comment",
                "Consensus",
                "Method",
                "Moderated score",
                "Moderation reason",
                "Moderated by",
                "Spread",
                "Flagged",
            ],
        )
        for b, c in panels:
            p = c.panel
            if p is None:
                continue
            for sc in p.scores:
                panel.append(
                    [
                        b.bid_id,
                        c.id,
                        sc.evaluator,
                        sc.score,
                        sc.comment,
                        p.consensus,
                        p.method,
                        p.moderated.score if p.moderated else None,
                        p.moderated.reason if p.moderated else None,
                        p.moderated.by if p.moderated else None,
                        p.spread,
                        "yes" if p.flagged else "",
                    ],
                )
            for missing in p.missing:
                panel.append([b.bid_id, c.id, missing, None, "no score", p.consensus, p.method])
        for criterion, alpha in evaluation.agreement.items():
            panel.append(["Agreement", criterion, "Krippendorff's alpha (interval)", alpha])
        panel.widths([22, 18, 20, 8, 60, 10, 10, 10, 50, 24, 8, 8])

    robust = wb.sheet("Robustness")
    robust.append(["Finding"])
    for line in robustness_lines(evaluation):
        robust.append([line])
    robust.append([])
    robust.append(["Criterion", "Weight (%)", "Winner changes at (%)", "New winner", "Searched (± pp)"])
    for w in evaluation.robustness.weight_sensitivity:
        robust.append([w.criterion, w.weight, w.flip_at, w.new_winner, w.searched_pp])
    for bid, share in (evaluation.robustness.win_shares or {}).items():
        robust.append(["Win share", bid, share])
    robust.widths([120, 12, 20, 22, 14])

    claims = wb.sheet("Claims")
    claims.header(
        [
            "Bid",
            "Row",
            "Label",
            "Version",
            "Certificate ID",
            "Covers",
            "Claimed as equivalent to",
            "Evidence",
            "Verdict",
            "Reason code",
            "Reason",
            "Register snapshot",
            "Valid until",
            "Contract term covered",
            "Follow-up",
            "Reviewed by",
        ],
    )
    for b in evaluation.bids:
        for cl in b.claims:
            claims.append(
                [
                    b.bid_id,
                    cl.row,
                    cl.label,
                    cl.version,
                    cl.certificate_id,
                    "; ".join(cl.covers),
                    cl.equivalent_to,
                    cl.evidence,
                    cl.verdict.value,
                    cl.reason_code,
                    cl.reason,
                    cl.register_snapshot,
                    cl.valid_until,
                    cl.contract_coverage,
                    cl.follow_up,
                    cl.reviewed_by,
                ],
            )
    claims.widths([22, 6, 20, 14, 22, 30, 20, 22, 20, 30, 100, 44, 12, 10, 60, 30])

    issues = wb.sheet("Issues")
    issues.header(["Bid", "File", "Severity", "Code", "Sheet", "Row", "Field", "Message"])
    for b in evaluation.bids:
        for i in b.issues:
            issues.append([b.bid_id, b.file, i.severity.value, i.code, i.sheet, i.row, i.field, i.message])
    issues.widths([22, 24, 9, 26, 11, 6, 30, 100])

    asked = with_clarifications(evaluation)
    if asked:  # only when there are any: the workbooks of tenders without clarifications stay as they were
        sheet = wb.sheet("Clarifications")
        sheet.header(["Bid", "Kind", "Where", "Field", "What the bid holds", "What is expected", "Needed"])
        for b in asked:
            for row in request_rows(b):
                sheet.append([b.bid_id, "request", *row])
        for b in asked:
            for where, field, original, answer, received, by, outcome in answer_rows(b):
                sheet.append(
                    [b.bid_id, "answer", where, field, original, f"{answer} (received {received}, {by})", outcome]
                )
        sheet.widths([22, 9, 22, 30, 60, 40, 40])

    _rules_sheet(wb.sheet("Rules"), evaluation, rules)
    wb.close()


def _rules_sheet(ws: Sheet, evaluation: Evaluation, rules: RuleSet) -> None:
    ws.append(["Rule set", rules.id])
    for key, value in (
        ("Version", rules.version),
        ("Title", rules.title),
        ("File", rules_path_shown(evaluation)),
        ("SHA-256", evaluation.rules_sha256),
        ("Source", rules.source),
        ("Scale", f"every criterion scores 0..{rules.scale}"),
        (
            "Rounding",
            f"scores and points rounded {rules.rounding.mode.replace('_', '-')} to "
            f"{rules.rounding.places} decimals; points = score / {rules.scale} × weight; "
            "total = sum of points",
        ),
        ("Tie-break", " → ".join(["total points"] + rules.tie_break)),
        ("Label catalogue", evaluation.catalogue_version),
        ("Register snapshots", "; ".join(evaluation.registers)),
        ("tenderscore", evaluation.tool_version),
    ):
        ws.append([key, value])
    if evaluation.rule_warnings:
        ws.append([])
        ws.append(["Linter warning", "Rule", "Message"])
        for w in evaluation.rule_warnings:
            ws.append([w.code, w.rule, w.message])
    if rules.labels:
        ws.append([])
        ws.append(
            [
                "Label requirement",
                "Reference",
                "Minimum version",
                "Areas an equivalent must cover",
                "Expiry during contract",
            ],
        )
        for name, req in rules.labels.items():
            ws.append([name, req.reference, req.minimum_version, ", ".join(req.areas), req.expiry_during_contract])
    ws.append([])
    ws.append(["Method", rules.method.name, rules.method.setting()])
    ws.append(["Criterion", "Name", "Group", "Weight (%) or money", "Field", "Aggregate", "Function", "Parameters"])
    for c in rules.criteria:
        params = json.dumps(plain(c.params.model_dump(by_alias=True, exclude_none=True)), ensure_ascii=False)
        ws.append(
            [
                c.id,
                c.name,
                c.group,
                c.weight if c.weight is not None else c.money,
                c.field,
                c.aggregate,
                c.function,
                params,
            ],
        )
    if rules.method.stake == "weight":
        ws.append(["Total", None, None, sum((c.stake(rules.method) for c in rules.criteria), Decimal(0))])
    ws.append([])
    ws.append(["Knock-out", "Requirement", "Test"])
    for k in rules.knockouts:
        test = k.condition.describe() if k.check else f"every item: {k.condition.describe()}"
        ws.append([k.id, k.requirement, test])
    ws.append([])
    ws.append(["Issue code", "Severity", "Meaning"])
    for code, (severity, meaning) in CODES.items():
        ws.append([code, severity.value, meaning])
    ws.widths([22, 60, 28, 10, 30, 22, 18, 80])
