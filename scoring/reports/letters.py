"""Assessment letters: what each bidder is owed (Dir. 2014/24/EU Art. 55), in Markdown and HTML.

Each letter gives the bid's own scores, the winning bid's scores, the winner's
relative advantages per criterion, the verdicts on the bid's label claims with
their reasons, and for an excluded or rejected bid, why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from scoring.award.results import BidResult, Evaluation, Status
from scoring.formatting import cell, money


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)  # first row: headings


def letter_sections(
    evaluation: Evaluation, bid: BidResult, ranked: list[BidResult] | None = None
) -> tuple[str, list[Section]]:
    """`ranked`: the evaluation's ranked bids, when the caller has them (letters() takes them once)."""
    t = evaluation.tender
    ranked = [b for b in evaluation.bids if b.status is Status.RANKED] if ranked is None else ranked
    winner = ranked[0] if ranked else None
    title = f"Tender {t.id}: assessment of your bid {bid.bid_id}"
    who = bid.supplier or "the bidder"
    intro = Section(
        "Result",
        [
            f"To {who}. {t.buyer} has evaluated the bids for \u201c{t.title}\u201d"
            + (f", lot {evaluation.lot}" if evaluation.lot else "")
            + f". {len(ranked)} bid(s) could be ranked."
        ],
    )
    sections = [intro]
    if bid.status is Status.RANKED:
        if winner is None or bid.bid_id == winner.bid_id:
            intro.paragraphs.append("Your bid is ranked first: the buyer intends to award the contract to you.")
        else:
            intro.paragraphs.append(
                f"Your bid is ranked {bid.rank} of {len(ranked)}. The bid ranked first is "
                f"{winner.bid_id} from {winner.supplier}."
            )
        sections.append(_scores(evaluation, bid, winner))
        if winner and bid.bid_id != winner.bid_id:
            sections.append(_advantages(bid, winner))
    elif bid.status is Status.AWAITING_CLARIFICATION:
        intro.paragraphs.append(
            "Your bid cannot be ranked before you answer the buyer's clarification request (Art. 56(3) of "
            "Directive 2014/24/EU) on these points:"
        )
        sections.append(Section("Clarification needed", list(bid.reasons)))
    else:
        what = "excluded" if bid.status is Status.EXCLUDED else "rejected"
        intro.paragraphs.append(f"Your bid was {what} and could not be ranked, for these reasons:")
        sections.append(Section("Reasons", list(bid.reasons)))
    if bid.claims:
        claims = Section("Your label claims", table=[["Label", "Certificate or evidence", "Verdict", "Reason"]])
        for c in bid.claims:
            claims.table.append(
                [c.label or "", c.certificate_id or c.evidence or "", c.verdict.value.replace("_", " "), c.reason]
            )
        sections.append(claims)
    sections.append(
        Section(
            "The evaluation",
            [
                f"Rule set {evaluation.rules.id} {evaluation.rules.version} (SHA-256 {evaluation.rules_sha256}); every "
                "figure above is explained in the evaluation report."
                + (f" Ledger run {evaluation.run_id}." if evaluation.run_id else "")
            ],
        )
    )
    return title, sections


def _scores(evaluation: Evaluation, bid: BidResult, winner: BidResult | None) -> Section:
    vfm = evaluation.rules.method.stake == "money"
    unit = "value" if vfm else "points"
    section = Section(
        "Your scores", table=[["Criterion", "Your score", f"Your {unit}", "Winning score", f"Winning {unit}"]]
    )
    theirs = {c.id: c for c in winner.criteria} if winner else {}
    for c in bid.criteria:
        w = theirs.get(c.id)
        section.table.append(
            [
                c.name,
                str(c.score),
                _amount(c.points, vfm),
                str(w.score) if w else "",
                _amount(w.points, vfm) if w else "",
            ]
        )
    section.table.append(["Total", "", _amount(bid.total, vfm), "", _amount(winner.total, vfm) if winner else ""])
    if vfm:
        section.paragraphs.append(
            f"Comparison price: yours {money(bid.ranking_value)}, the winning bid's "
            f"{money(winner.ranking_value if winner else None)}."
        )
    return section


def _amount(value, vfm: bool) -> str:
    return money(value) if vfm and value is not None else str(value)


def _advantages(bid: BidResult, winner: BidResult) -> Section:
    section = Section("Where the winning bid scored higher")
    theirs = {c.id: c for c in winner.criteria}
    for c in bid.criteria:
        w = theirs.get(c.id)
        if w is not None and w.points > c.points:
            section.paragraphs.append(
                f"{c.name}: {w.points - c.points} more. Winning bid: {w.explanation}. Your bid: {c.explanation}."
            )
    if not section.paragraphs:
        section.paragraphs.append("On no criterion; the order follows the tie-break: " + (bid.tie_break or "") + ".")
    return section


def render_markdown(title: str, sections: list[Section]) -> str:
    lines = [f"# {cell(title)}", ""]
    for s in sections:
        lines += [f"## {s.heading}", ""]
        for p in s.paragraphs:
            lines += [f"- {cell(p)}"] if s.heading == "Reasons" else [cell(p), ""]
        if s.paragraphs and s.heading == "Reasons":
            lines.append("")
        if s.table:
            lines.append("| " + " | ".join(cell(h) for h in s.table[0]) + " |")
            lines.append("|" + "---|" * len(s.table[0]))
            lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in s.table[1:]]
            lines.append("")
    return "\n".join(lines)


def render_letter_html(title: str, sections: list[Section]) -> str:
    out = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}"
        "</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    for s in sections:
        out.append(f"<h2>{escape(s.heading)}</h2>")
        tag = "li" if s.heading == "Reasons" else "p"
        body = "".join(f"<{tag}>{escape(p)}</{tag}>" for p in s.paragraphs)
        out.append(f"<ul>{body}</ul>" if tag == "li" else body)
        if s.table:
            out.append(
                "<table><tr>"
                + "".join(f"<th>{escape(h)}</th>" for h in s.table[0])
                + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in s.table[1:])
                + "</table>"
            )
    out.append("</body></html>\n")
    return "".join(out)


def letters(evaluation: Evaluation) -> dict[str, tuple[str, str]]:
    """bid id -> (markdown, html), one letter for every bid file."""
    out = {}
    ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
    for bid in evaluation.bids:
        title, sections = letter_sections(evaluation, bid, ranked)
        out[bid.bid_id] = (render_markdown(title, sections), render_letter_html(title, sections))
    return out
