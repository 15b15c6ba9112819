"""Clarification requests (Art. 56(3) of Directive 2014/24/EU): one letter per tenderer asked (Markdown and
HTML, in the tender's language), and the rows every report shows.

A request is dated and signed, names the sheet, the cell, what the tender holds and what the template
expects, and the day by which to answer (tender.yaml `clarifications.reply_days`, ending on a working day of
the buyer's law). None goes to a tender rejected on substance or replaced: an answer could not change its
outcome (the committee report lists them and why). A request never announces the decision.
"""

from __future__ import annotations

from typing import Any

from scoring.award.results import BidResult, Evaluation, Status
from scoring.models import ClarificationRequest

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


def to_request(evaluation: Evaluation) -> list[BidResult]:
    """The bids a clarification request goes to: those with a request still open, and that are not rejected
    on substance or replaced anyway (an answer could change nothing: the committee report says so)."""
    return [
        b
        for b in evaluation.bids
        if b.clarifications and b.status is not Status.REJECTED and not b.superseded and _unanswered(b)
    ]


def not_sent(evaluation: Evaluation) -> list[BidResult]:
    """Bids with a formal defect to whom no request goes: their tender is rejected on substance or replaced."""
    return [b for b in evaluation.bids if b.clarifications and (b.status is Status.REJECTED or b.superseded)]


def _unanswered(bid: BidResult) -> list[ClarificationRequest]:
    answered = {(a.sheet, a.row, a.field) for a in bid.clarified}
    return [r for r in bid.clarifications if (r.sheet, r.row, r.field) not in answered]


def request_context(evaluation: Evaluation, bid: BidResult, language: str) -> dict[str, Any]:
    """What one request says, worded for its language; the templates place it."""
    from scoring.reports.i18n import Formats, gettext
    from scoring.reports.letters import party, text
    from scoring.reports.words import word

    _ = gettext(language)
    t = evaluation.tender
    f = Formats(language, t.locale)
    settings = t.clarifications
    signatory = settings.signatory or t.letters.signatory
    due = None
    if settings.sent_on is not None:
        from scoring.law import reply_by

        due = reply_by(settings.sent_on, settings.reply_days, t.law, t.region)
    draft = (
        [] if settings.sent_on else [_("not dated: set clarifications.sent_on in tender.yaml on the day it is sent")]
    )
    if signatory is None:
        draft.append(_("no signatory is named (clarifications.signatory or letters.signatory)"))
    return {
        "draft": draft,
        "title": t.title_in(language) or t.title,
        "buyer": t.buyer_in(language) or t.buyer,
        "tender": t,
        "lot": evaluation.lot,
        "date": f.date(settings.sent_on) if settings.sent_on else None,
        "due": f.date(due) if due else None,
        "days": settings.reply_days,
        "to": party(bid),
        "file": bid.file,
        "blocking": any(r.blocking for r in _unanswered(bid)),
        "rows": [
            {
                "where": _where(r.sheet, r.row, r.cell, _),
                "field": r.field,
                "found": word(r.found, language),
                "expected": word(r.expected, language),
                "blocking": r.blocking,
            }
            for r in _unanswered(bid)
        ],
        "signatory": {"name": signatory.name, "role": text(signatory.role, evaluation, language)}
        if signatory
        else None,
        "contact": settings.contact or t.letters.contact,
    }


def _where(sheet: str, row: int | None, cell_ref: str | None, _: Any) -> str:
    if cell_ref:
        return _("sheet %(sheet)s, cell %(cell)s") % {"sheet": sheet, "cell": cell_ref}
    if row:
        return _("sheet %(sheet)s, row %(row)s") % {"sheet": sheet, "row": row}
    return _("sheet %(sheet)s") % {"sheet": sheet}


def render_request(evaluation: Evaluation, bid: BidResult, language: str | None = None) -> tuple[str, str]:
    """clarifications/<bid>.md and .html: what the buyer asks this tenderer, in the tender's language."""
    from markupsafe import Markup  # noqa: F401  (the HTML template is autoescaped)

    from scoring.reports.i18n import render

    language = language or evaluation.tender.language
    context = request_context(evaluation, bid, language)
    return (
        render("clarification.md.j2", language, **context),
        render("clarification.html.j2", language, lang=language, **context),
    )
