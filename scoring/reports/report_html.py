"""report.html: the committee report as one self-contained page (inline CSS and SVG, no script, no network),
printable (print CSS: A4 landscape, a scenario banner on every page), in the buyer's language
(templates/report.html.j2)."""

from __future__ import annotations

from html import escape

from scoring.award.results import Evaluation, Status
from scoring.reports.committee import committee_view
from scoring.reports.i18n import gettext, render

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


def e(value: object) -> str:
    """Bidder text is text: escaped, never markup."""
    return escape("" if value is None else str(value))


def render_html(evaluation: Evaluation, diff: dict | None = None, language: str | None = None) -> str:
    from markupsafe import Markup

    language = language or evaluation.tender.language
    view = committee_view(evaluation, diff, language)
    drawn = chart(evaluation, language) if view.breakdown else ""
    return render("report.html.j2", language, chart=Markup(drawn), **view.context())


def chart(evaluation: Evaluation, language: str = "en") -> str:
    """A stacked horizontal bar per ranked bid: one segment per criterion, as wide as its points."""
    ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
    criteria = ranked[0].criteria
    top = max(float(b.total or 0) for b in ranked) or 1.0
    label_w, bar_w, row_h = 190, 760, 26
    height = row_h * len(ranked) + 10
    colours = {c.id: PALETTE[n % len(PALETTE)] for n, c in enumerate(criteria)}
    _ = gettext(language)
    label = _("Points per criterion per bid")
    names = {c.id: c.title(language) for c in evaluation.rules.criteria}
    out = [
        f"<svg id='points-chart' xmlns='http://www.w3.org/2000/svg' width='{label_w + bar_w + 80}' "
        f"height='{height}' role='img' aria-label='{e(label)}'>"
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
                f"{e(b.bid_id)}, {e(names.get(c.id, c.name))}: {e(c.points)}</title></rect>"
            )
            x += width
        out.append(f"<text x='{x + 6:.2f}' y='{y + 16}' font-size='12'>{e(b.total)}</text>")
    out.append(
        "</svg><div class='legend'>"
        + "".join(
            f"<span><i style='background:{colours[c.id]}'></i>{e(names.get(c.id, c.name))}</span>" for c in criteria
        )
        + "</div>"
    )
    return "".join(out)
