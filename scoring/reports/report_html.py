"""report.html: one self-contained page (inline CSS and SVG, no script, no network) for people."""

from __future__ import annotations

from html import escape

from scoring.award.results import Evaluation, RunKind, Status
from scoring.formatting import money
from scoring.reports.clarifications import answer_rows, request_rows, with_clarifications
from scoring.reports.evaluation_json import (
    method_document,
    review_queue,
    rules_path_shown,
)
from scoring.reports.summary_md import ranking_heading, ranking_shown, robustness_lines

PALETTE = (
    "#1b6ca8",
    "#f29e4c",
    "#4caf50",
    "#c0392b",
    "#8e44ad",
    "#16a085",
    "#d35400",
    "#7f8c8d",
    "#2c3e50",
    "#e84393",
    "#b8860b",
    "#00838f",
    "#6d4c41",
    "#558b2f",
)
CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:78rem;color:#222;
line-height:1.4;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555;font-size:.9rem}.scenario{background:#fff3cd;border:2px solid #e0a800;padding:.6rem 1rem;
font-weight:600}.official{background:#e8f5e9;border:1px solid #81c784;padding:.4rem 1rem}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}.legend i{display:inline-block;width:.8rem;
height:.8rem;margin-right:.3rem;vertical-align:middle}.status-excluded,.status-rejected{color:#8a1c1c}
.verdict-rejected{color:#8a1c1c}.verdict-needs_review{color:#8a6d00}.verdict-accepted,.verdict-accepted_equivalent{
color:#1b5e20}
"""


def e(value: object) -> str:
    """Bidder text is text: escaped, never markup."""
    return escape("" if value is None else str(value))


def render_html(evaluation: Evaluation, diff: dict | None = None) -> str:
    t = evaluation.tender
    title = f"Evaluation of {t.id}" + (f", lot {evaluation.lot}" if evaluation.lot else "")
    parts = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>",
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head><body>",
        f"<h1>{e(title)}: {e(t.title)}</h1>",
        f"<p class='meta'>Buyer: {e(t.buyer)}. Bid deadline {e(t.bid_deadline.isoformat())}"
        + (f", receipt times from {e(evaluation.receipt)}" if evaluation.receipt else "")
        + ". Rule set "
        f"<code>{e(evaluation.rules.id)}</code> {e(evaluation.rules.version)} ({e(rules_path_shown(evaluation))}, "
        f"SHA-256 <code>{e(evaluation.rules_sha256)}</code>). tenderscore {e(evaluation.tool_version)}.</p>",
    ]
    if evaluation.kind is RunKind.SCENARIO:
        parts.append(
            "<p class='scenario' id='kind'>SCENARIO: this evaluation uses rules other than the ones the "
            "tender pins. It is a what-if, not the official evaluation.</p>"
        )
    elif evaluation.kind is RunKind.OFFICIAL:
        parts.append("<p class='official' id='kind'>Official evaluation under the tender's published rules.</p>")
    if evaluation.run_id:
        parts.append(
            f"<p class='meta'>Ledger run <code>{e(evaluation.run_id)}</code>"
            + (f", after run <code>{e(evaluation.previous_run_id)}</code>" if evaluation.previous_run_id else "")
            + (f", {e(evaluation.run_at)}" if evaluation.run_at else "")
            + ".</p>"
        )
    ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
    parts.append(f"<h2>Ranking</h2><p class='meta'>Ranked on {e(method_document(evaluation)['ranked_on'])}.</p>")
    parts.append(
        f"<table id='ranking'><thead><tr><th class='num'>Rank</th><th>Bid</th><th>Supplier</th>"
        f"<th class='num'>Total price ({e(t.currency)})</th><th class='num'>{e(ranking_heading(evaluation))}"
        "</th><th>Status and reasons</th></tr></thead><tbody>"
    )
    for b in evaluation.bids:
        note = " ".join(b.reasons) if b.reasons else (b.tie_break or "")
        shown = ranking_shown(evaluation, b) if b.status is Status.RANKED else ""
        parts.append(
            f"<tr class='bid status-{b.status.value}' data-bid='{e(b.bid_id)}'><td class='num'>"
            f"{e(b.rank or '')}</td><td>{e(b.bid_id)}</td><td>{e(b.supplier)}</td><td class='num'>"
            f"{e(money(b.total_price) if b.total_price is not None else '')}</td><td class='num'>{e(shown)}"
            f"</td><td>{e(b.status.value)}{': ' + e(note) if note else ''}</td></tr>"
        )
    parts.append("</tbody></table>")
    if ranked:
        parts.append("<h2>Points per criterion</h2>" + chart(evaluation))
        criteria = ranked[0].criteria
        parts.append(
            "<table id='breakdown'><thead><tr><th>Bid</th>"
            + "".join(f"<th class='num'>{e(c.name)}</th>" for c in criteria)
            + "<th class='num'>Total</th></tr></thead><tbody>"
        )
        for b in ranked:
            parts.append(
                f"<tr><td>{e(b.bid_id)}</td>"
                + "".join(f"<td class='num' title='{e(c.explanation)}'>{e(c.points)}</td>" for c in b.criteria)
                + f"<td class='num'>{e(b.total)}</td></tr>"
            )
        parts.append(
            "</tbody></table><p class='meta'>Hover a figure for how it was computed; every explanation "
            "is also in evaluation.json and the Details sheet of evaluation.xlsx.</p>"
        )
    if diff:
        parts.append(diff_html(diff))
    lines = robustness_lines(evaluation)
    if lines:
        parts.append("<h2>Robustness</h2><ul id='robustness'>" + "".join(f"<li>{e(x)}</li>" for x in lines) + "</ul>")
    asked = with_clarifications(evaluation)
    if asked:
        parts.append(
            "<h2>Clarifications (Art. 56(3))</h2><p class='meta'>Formal defects are asked about, not rejected; "
            "each bid's request is in clarifications/&lt;bid&gt;.md.</p><table id='clarifications'><thead><tr>"
            "<th>Bid</th><th>Where</th><th>Field</th><th>What the bid holds</th><th>What is expected</th>"
            "<th>Needed</th></tr></thead><tbody>"
        )
        for b in asked:
            for row in request_rows(b):
                parts.append(f"<tr><td>{e(b.bid_id)}</td>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>")
        parts.append("</tbody></table>")
        answered = [(b, row) for b in asked for row in answer_rows(b)]
        if answered:
            parts.append(
                "<table id='clarified'><thead><tr><th>Bid</th><th>Where</th><th>Field</th><th>Original</th>"
                "<th>Answer</th><th>Received</th><th>Recorded by</th><th>Outcome</th></tr></thead><tbody>"
            )
            for b, row in answered:
                parts.append(f"<tr><td>{e(b.bid_id)}</td>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>")
            parts.append("</tbody></table>")
    claims = [(b, c) for b in evaluation.bids for c in b.claims]
    if claims:
        parts.append(
            "<h2>Label claims</h2><table id='claims'><thead><tr><th>Bid</th><th>Label</th><th>Certificate"
            "</th><th>Verdict</th><th>Reason</th></tr></thead><tbody>"
        )
        for b, c in claims:
            parts.append(
                f"<tr><td>{e(b.bid_id)}</td><td>{e(c.label)}</td><td>{e(c.certificate_id or c.evidence)}</td>"
                f"<td class='verdict-{e(c.verdict.value)}'>{e(c.verdict.value)}</td><td><code>"
                f"{e(c.reason_code)}</code> {e(c.reason)}</td></tr>"
            )
        parts.append("</tbody></table>")
        queue = review_queue(evaluation)
        if queue:
            parts.append(
                "<p>Awaiting review: " + "; ".join(f"{e(q['bid_id'])} {e(q['claim'])}" for q in queue) + ".</p>"
            )
    issues = [(b, i) for b in evaluation.bids for i in b.issues]
    if issues:
        parts.append(
            "<h2>Issues</h2><table id='issues'><thead><tr><th>Bid</th><th>Severity</th><th>Code</th>"
            "<th>Where</th><th>Message</th></tr></thead><tbody>"
        )
        for b, i in issues:
            where = ", ".join(str(p) for p in (i.sheet, f"row {i.row}" if i.row else None, i.field) if p)
            parts.append(
                f"<tr><td>{e(b.bid_id)}</td><td>{e(i.severity.value)}</td><td><code>{e(i.code)}</code></td>"
                f"<td>{e(where)}</td><td>{e(i.message)}</td></tr>"
            )
        parts.append("</tbody></table>")
    if evaluation.rule_warnings or evaluation.warnings:
        parts.append(
            "<h2>Warnings</h2><ul>"
            + "".join(f"<li>{e(w)}</li>" for w in evaluation.warnings)
            + "".join(
                f"<li><code>{e(w.code)}</code> at {e(w.rule)}: {e(w.message)}</li>" for w in evaluation.rule_warnings
            )
            + "</ul>"
        )
    parts.append("</body></html>\n")
    return "".join(parts)


def chart(evaluation: Evaluation) -> str:
    """A stacked horizontal bar per ranked bid: one segment per criterion, as wide as its points."""
    ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
    criteria = ranked[0].criteria
    top = max(float(b.total or 0) for b in ranked) or 1.0
    label_w, bar_w, row_h = 190, 760, 26
    height = row_h * len(ranked) + 10
    colours = {c.id: PALETTE[n % len(PALETTE)] for n, c in enumerate(criteria)}
    out = [
        f"<svg id='points-chart' xmlns='http://www.w3.org/2000/svg' width='{label_w + bar_w + 80}' "
        f"height='{height}' role='img' aria-label='Points per criterion per bid'>"
    ]
    for row, b in enumerate(ranked):
        y = 5 + row * row_h
        out.append(f"<text x='{label_w - 8}' y='{y + 16}' text-anchor='end' font-size='12'>{e(b.bid_id)}</text>")
        x = float(label_w)
        for c in b.criteria:
            width = float(c.points) / top * bar_w
            if width <= 0:
                continue
            out.append(
                f"<rect class='segment' data-bid='{e(b.bid_id)}' data-criterion='{e(c.id)}' x='{x:.2f}' "
                f"y='{y}' width='{width:.2f}' height='{row_h - 6}' fill='{colours[c.id]}'><title>"
                f"{e(b.bid_id)}, {e(c.name)}: {e(c.points)}</title></rect>"
            )
            x += width
        out.append(f"<text x='{x + 6:.2f}' y='{y + 16}' font-size='12'>{e(b.total)}</text>")
    out.append(
        "</svg><div class='legend'>"
        + "".join(f"<span><i style='background:{colours[c.id]}'></i>{e(c.name)}</span>" for c in criteria)
        + "</div>"
    )
    return "".join(out)


def diff_html(diff: dict) -> str:
    parts = [
        f"<h2>Changes since run {e(diff.get('previous_run_id'))}</h2><table id='diff'><thead><tr><th>Bid</th>"
        "<th>What</th><th>Before</th><th>After</th></tr></thead><tbody>"
    ]
    for change in diff.get("changes", []):
        parts.append(
            f"<tr><td>{e(change['bid_id'])}</td><td>{e(change['what'])}</td><td>{e(change['before'])}</td>"
            f"<td>{e(change['after'])}</td></tr>"
        )
    if not diff.get("changes"):
        parts.append("<tr><td colspan='4'>Nothing changed.</td></tr>")
    parts.append("</tbody></table>")
    return "".join(parts)
