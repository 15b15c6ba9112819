"""evaluation.xlsx: ranking, breakdown, details, issues and rules, for evaluators and auditors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from scoring.award.results import Evaluation, Status
from scoring.formatting import plain
from scoring.issues import CODES
from scoring.reports.evaluation_json import rules_path_shown
from scoring.reports.summary_md import ranking_heading, robustness_lines
from scoring.reports.xlsxout import append_row, save_deterministic
from scoring.rules.schema import RuleSet


def _raw(value) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _bold_header(ws) -> None:
    from openpyxl.styles import Font

    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"


def _widths(ws, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width


def write_xlsx(evaluation: Evaluation, path: Path) -> None:
    import openpyxl

    rules = evaluation.rules

    wb = openpyxl.Workbook()
    ranking = wb.active
    ranking.title = "Ranking"
    append_row(
        ranking,
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
        append_row(
            ranking,
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
    _bold_header(ranking)
    _widths(ranking, [6, 10, 22, 34, 20, 24, 16, 12, 16, 80, 66])

    ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
    breakdown = wb.create_sheet("Breakdown")
    stake = lambda c: f"{c.weight} %" if c.weight is not None else f"{c.money} {evaluation.tender.currency}"
    append_row(breakdown, ["Rank", "Bid"] + [f"{c.name} ({stake(c)})" for c in rules.criteria] + ["Total"])
    for b in ranked:
        append_row(breakdown, [b.rank, b.bid_id] + [c.points for c in b.criteria] + [b.total])
    _bold_header(breakdown)
    _widths(breakdown, [6, 22] + [16] * len(rules.criteria) + [9])

    details = wb.create_sheet("Details")
    append_row(
        details,
        ["Bid", "Criterion", "Name", "Weight (%) or money", "Raw value", "Score", "Points", "Explanation", "Status"],
    )
    for b in ranked:
        for c in b.criteria:
            append_row(
                details,
                [b.bid_id, c.id, c.name, c.stake, _raw(c.raw), c.score, c.points, c.explanation, c.status.value],
            )
        for k in b.knockouts:
            append_row(
                details, [b.bid_id, f"knock-out {k.id}", k.requirement, None, "passed", None, None, k.explanation]
            )
    for b in evaluation.bids:
        if b.status is Status.EXCLUDED:
            for k in b.knockouts:
                append_row(
                    details,
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
    _bold_header(details)
    _widths(details, [22, 18, 40, 10, 14, 8, 8, 110])

    panels = [(b, c) for b in ranked for c in b.criteria if c.panel is not None]
    if panels:
        panel = wb.create_sheet("Panel")
        append_row(
            panel,
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
                append_row(
                    panel,
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
                append_row(panel, [b.bid_id, c.id, missing, None, "no score", p.consensus, p.method])
        for criterion, alpha in evaluation.agreement.items():
            append_row(panel, ["Agreement", criterion, "Krippendorff's alpha (interval)", alpha])
        _bold_header(panel)
        _widths(panel, [22, 18, 20, 8, 60, 10, 10, 10, 50, 24, 8, 8])

    robust = wb.create_sheet("Robustness")
    append_row(robust, ["Finding"])
    for line in robustness_lines(evaluation):
        append_row(robust, [line])
    append_row(robust, [])
    append_row(robust, ["Criterion", "Weight (%)", "Winner changes at (%)", "New winner", "Searched (± pp)"])
    for w in evaluation.robustness.weight_sensitivity:
        append_row(robust, [w.criterion, w.weight, w.flip_at, w.new_winner, w.searched_pp])
    for bid, share in (evaluation.robustness.win_shares or {}).items():
        append_row(robust, ["Win share", bid, share])
    _widths(robust, [120, 12, 20, 22, 14])

    claims = wb.create_sheet("Claims")
    append_row(
        claims,
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
            append_row(
                claims,
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
    _bold_header(claims)
    _widths(claims, [22, 6, 20, 14, 22, 30, 20, 22, 20, 30, 100, 44, 12, 10, 60, 30])

    issues = wb.create_sheet("Issues")
    append_row(issues, ["Bid", "File", "Severity", "Code", "Sheet", "Row", "Field", "Message"])
    for b in evaluation.bids:
        for i in b.issues:
            append_row(issues, [b.bid_id, b.file, i.severity.value, i.code, i.sheet, i.row, i.field, i.message])
    _bold_header(issues)
    _widths(issues, [22, 24, 9, 26, 11, 6, 30, 100])

    _rules_sheet(wb.create_sheet("Rules"), evaluation, rules)
    save_deterministic(wb, path)


def _rules_sheet(ws, evaluation: Evaluation, rules: RuleSet) -> None:
    append_row(ws, ["Rule set", rules.id])
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
        append_row(ws, [key, value])
    if evaluation.rule_warnings:
        append_row(ws, [])
        append_row(ws, ["Linter warning", "Rule", "Message"])
        for w in evaluation.rule_warnings:
            append_row(ws, [w.code, w.rule, w.message])
    if rules.labels:
        append_row(ws, [])
        append_row(
            ws,
            [
                "Label requirement",
                "Reference",
                "Minimum version",
                "Areas an equivalent must cover",
                "Expiry during contract",
            ],
        )
        for name, req in rules.labels.items():
            append_row(ws, [name, req.reference, req.minimum_version, ", ".join(req.areas), req.expiry_during_contract])
    append_row(ws, [])
    append_row(ws, ["Method", rules.method.name, rules.method.setting()])
    append_row(
        ws, ["Criterion", "Name", "Group", "Weight (%) or money", "Field", "Aggregate", "Function", "Parameters"]
    )
    for c in rules.criteria:
        params = json.dumps(plain(c.params.model_dump(by_alias=True, exclude_none=True)), ensure_ascii=False)
        append_row(
            ws,
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
        append_row(ws, ["Total", None, None, sum((c.stake(rules.method) for c in rules.criteria), Decimal(0))])
    append_row(ws, [])
    append_row(ws, ["Knock-out", "Requirement", "Test"])
    for k in rules.knockouts:
        test = k.condition.describe() if k.check else f"every item: {k.condition.describe()}"
        append_row(ws, [k.id, k.requirement, test])
    append_row(ws, [])
    append_row(ws, ["Issue code", "Severity", "Meaning"])
    for code, (severity, meaning) in CODES.items():
        append_row(ws, [code, severity.value, meaning])
    _widths(ws, [22, 60, 28, 10, 30, 22, 18, 80])
