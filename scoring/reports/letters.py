"""Award decision notices (Art. 55 of Directive 2014/24/EU), one per tenderer, in Markdown and HTML, in the
buyer's language, fit to send as they are.

Each letter is dated and signed, names the procedure, the tenderer (by its legal name), the decision and the
successful tenderer; for a ranked bid its own score per criterion beside the winner's, with the winner's
relative advantages in the two bids' own values (never another bidder's price or score); for a bid that was
not ranked, the reason in terms of its own answer and the requirement; the end of the standstill period
(Art. 2a of Directive 2007/66/EC: counted from the day after sending, 10 or 15 calendar days by the means of
sending, per tender.yaml) and the body that hears appeals. A letter is a DRAFT, and says so in its first line,
while it is not dated, names no signatory or review body, or while a decision that could change a score or a
rank is open (award/pending.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scoring.award.results import BidResult, CriterionResult, Evaluation, Status
from scoring.claims.verdicts import Verdict
from scoring.intake.parse import FORMULA_STARTS
from scoring.issues import CODES, Severity
from scoring.reports.i18n import N_, Formats, gettext, render
from scoring.rules.schema import Criterion

# What a spreadsheet would read as a formula: the reader's list, and a leading minus (a name is never a number).
FORMULA_START = (*FORMULA_STARTS, "-")

VERDICTS = {
    Verdict.ACCEPTED: N_("accepted"),
    Verdict.ACCEPTED_EQUIVALENT: N_("accepted as equivalent"),
    Verdict.REJECTED: N_("not accepted"),
    Verdict.NEEDS_REVIEW: N_("awaiting the committee's review"),
    Verdict.NOT_NEEDED: N_("not needed"),
}
PROCEDURES = {
    "open": N_("open procedure"),
    "restricted": N_("restricted procedure"),
    "competitive_dialogue": N_("competitive dialogue"),
    "negotiated": N_("competitive procedure with negotiation"),
    "innovation_partnership": N_("innovation partnership"),
}
MEANS = {"electronic": N_("electronic means"), "other": N_("other means than electronic")}


def looks_like_formula(text: str | None) -> bool:
    return bool(text) and str(text).startswith(FORMULA_START)


def legal_name(name: str | None, registration: str | None, fallback: str) -> dict[str, Any]:
    """How a letter names a tenderer: its legal name as written in the bid, unless that is not a name (a
    formula written as text), when the registration number names it and the text is quoted as data."""
    if name and not looks_like_formula(name):
        return {"name": name, "registration": registration, "as_written": None}
    return {"name": None, "registration": registration, "as_written": name, "fallback": fallback}


def _criteria(evaluation: Evaluation) -> dict[str, Criterion]:
    return {c.id: c for c in evaluation.rules.criteria}


def shown_raw(c: CriterionResult, rule: Criterion | None, evaluation: Evaluation, f: Formats, _: Any) -> str:
    """A bid's own value on a criterion, in the buyer's notation: what the winner's advantage rests on."""
    raw = c.raw
    if raw is None:
        return _("not stated")
    if isinstance(raw, bool):
        return _("yes") if raw else _("no")
    shown = rule.kernel.shown(rule) if rule is not None else "number"
    if shown == "money":
        return f.money(Decimal(raw), evaluation.tender.currency)
    if shown == "percent":
        return f.percent(Decimal(raw))
    if isinstance(raw, Decimal | int | float):
        return f.figure(Decimal(str(raw))) + (f" {rule.unit}" if rule is not None and rule.unit else "")
    return str(raw)


def draft_reasons(evaluation: Evaluation, _: Any) -> list[str]:
    """Why the letters cannot be sent yet; empty when they can."""
    settings = evaluation.tender.letters
    reasons = []
    if settings.sent_on is None:
        reasons.append(_("they are not dated: set letters.sent_on in tender.yaml on the day they are sent"))
    if settings.signatory is None:
        reasons.append(_("no signatory is named (letters.signatory in tender.yaml)"))
    if settings.review_body is None:
        reasons.append(_("no review body is named (letters.review_body in tender.yaml)"))
    open_items = [p for p in evaluation.pending if p.relevant]
    if open_items:
        listing = ", ".join(f"{p.bid_id} ({p.subject})" for p in open_items)
        reasons.append(_("a decision that could change a score or a rank is open: %(items)s") % {"items": listing})
    if not any(b.status is Status.RANKED for b in evaluation.bids):
        reasons.append(_("no bid could be ranked"))
    return reasons


class Shared:
    """What every letter of an evaluation says alike, worked out and rendered once: the head (draft line,
    title, buyer, date, procedure, reference) and the close (standstill, review, signature, references), the
    successful tender's name and its scores. A letter adds only what is its own."""

    def __init__(self, evaluation: Evaluation, language: str):
        _ = self._ = gettext(language)
        t = evaluation.tender
        self.language = language
        self.f = f = Formats(language, t.locale)
        settings = t.letters
        self.ranked = sorted((b for b in evaluation.bids if b.status is Status.RANKED), key=lambda b: b.rank or 0)
        self.winner = winner = self.ranked[0] if self.ranked else None
        self.rules = _criteria(evaluation)
        self.names = {c.id: c.title(language) for c in evaluation.rules.criteria}
        method = evaluation.rules.method
        self.amount = lambda v: method.points_shown(v, t.currency, f)
        self.winner_scores = (
            {c.id: (f.number(c.score, 2), self.amount(c.points), c) for c in winner.criteria} if winner else {}
        )
        ends = settings.standstill_ends()
        common = {
            "draft": draft_reasons(evaluation, _),
            "date": f.date(settings.sent_on) if settings.sent_on else None,
            "buyer": t.buyer,
            "signatory": settings.signatory,
            "contact": settings.contact,
            "tender": t,
            "lot": evaluation.lot,
            "procedure": _(PROCEDURES[t.procedure.type]),
            "notice": t.procedure.notice,
            "standstill": {
                "days": settings.standstill_days.get(settings.means, 10),
                "means": _(MEANS[settings.means]),
                "ends": f.date(ends) if ends else None,
            },
            "review_body": settings.review_body,
            "rules": evaluation.rules,
            "rules_sha256": evaluation.rules_sha256,
            "run_id": evaluation.run_id,
            "scenario": evaluation.kind is not None and evaluation.kind.value == "scenario",
        }
        from markupsafe import Markup

        self.context = {
            "buyer": t.buyer,
            "winner": legal_name(winner.supplier, winner.registration_number, winner.file) if winner else None,
            "ranked": len(self.ranked),
            "winner_total": self.amount(winner.total) if winner and winner.total is not None else "",
            "headings": tuple(_(h) for h in method.letter_headings),
        }
        self.markdown = {
            "head": render("letter_head.md.j2", language, **common),
            "close": render("letter_close.md.j2", language, **common),
        }
        self.html = {
            "head": Markup(render("letter_head.html.j2", language, **common)),
            "close": Markup(render("letter_close.html.j2", language, **common)),
            "title": f"{_('Award decision')}: {t.title}",
        }


def letter_context(evaluation: Evaluation, bid: BidResult, shared: Shared) -> dict[str, Any]:
    """What one letter says of its own tender, formatted for its language; the templates only place it."""
    _, f, winner, language = shared._, shared.f, shared.winner, shared.language
    amount = shared.amount
    if bid.status is Status.RANKED:
        decision = "award" if winner is not None and bid.bid_id == winner.bid_id else "not_selected"
    elif bid.status is Status.EXCLUDED:
        decision = "non_compliant"
    elif bid.status is Status.AWAITING_CLARIFICATION:
        decision = "awaiting"
    else:
        decision = "rejected"
    scores, advantages = [], []
    if bid.status is Status.RANKED and winner is not None:
        theirs = shared.winner_scores
        for c in bid.criteria:
            rule, name = shared.rules.get(c.id), shared.names.get(c.id, c.name)
            winner_score, winner_points, w = theirs.get(c.id, ("", "", None))
            scores.append(
                {
                    "criterion": name,
                    "score": f.number(c.score, 2),
                    "points": amount(c.points),
                    "winner_score": winner_score,
                    "winner_points": winner_points,
                }
            )
            if w is not None and w.points > c.points and bid.bid_id != winner.bid_id:
                advantages.append(
                    {
                        "criterion": name,
                        "difference": amount(w.points - c.points),
                        "winner": shown_raw(w, rule, evaluation, f, _),
                        "own": shown_raw(c, rule, evaluation, f, _),
                    }
                )
    knockouts = [
        {
            "requirement": evaluation.rules.knockouts[n].wording(language)
            if n < len(evaluation.rules.knockouts)
            else k.requirement,
            "answer": k.answer or _("not stated"),
        }
        for n, k in enumerate(bid.knockouts)
        if not k.passed
    ]
    errors = [
        {
            "meaning": _(CODES[i.code][1]).rstrip(".") if i.code in CODES else i.message,
            "detail": i.message if language == "en" else "",
            "where": ", ".join(str(p) for p in (i.sheet, i.row and f"{_('row')} {i.row}", i.field) if p),
        }
        for i in bid.issues
        if i.severity is Severity.ERROR
    ]
    claims = [
        {
            "label": c.label or "",
            "reference": c.certificate_id or c.evidence or "",
            "verdict": _(VERDICTS[c.verdict]),
            "reason": c.reason,
        }
        for c in bid.claims
    ]
    return {
        **shared.context,
        "to": legal_name(bid.supplier, bid.registration_number, bid.file),
        "file": bid.file,
        "decision": decision,
        "rank": bid.rank,
        "total": amount(bid.total) if bid.total is not None else "",
        "scores": scores,
        "advantages": advantages,
        "tie_break": bid.tie_break if bid.status is Status.RANKED and not advantages else None,
        "knockouts": knockouts,
        "errors": errors,
        "requests": [{"field": r.field, "expected": r.expected} for r in bid.clarifications if r.blocking],
        "claims": claims,
    }


def letters(evaluation: Evaluation, language: str | None = None) -> dict[str, tuple[str, str]]:
    """bid id -> (markdown, html), one letter for every bid file, in the tender's language (or `language`)."""
    language = language or evaluation.tender.language
    shared = Shared(evaluation, language)
    out = {}
    for bid in evaluation.bids:
        context = letter_context(evaluation, bid, shared)
        out[bid.bid_id] = (
            render("letter.md.j2", language, **shared.markdown, **context),
            render("letter.html.j2", language, lang=language, **shared.html, **context),
        )
    return out
