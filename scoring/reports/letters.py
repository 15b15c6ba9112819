"""Award decision notices (Art. 55 of Directive 2014/24/EU), one per tenderer, in Markdown and HTML, in the
buyer's language, fit to send as they are.

Each letter is dated and signed, names the procedure, the tenderer (by its legal name, or as the opening record
names it), the decision and the successful tenderer; for a ranked bid its own score per criterion beside the
winner's, with the winner's relative advantages in the two bids' own values (never another bidder's price or
score); for a bid that was not ranked, the reasons in terms of its own offer (the item, the requirement, its
answer); the standstill as the buyer's law counts it (scoring/law.py: the period by means of sending, moved
to the next working day where the law says so, the provision cited), the earliest day the contract may be
signed, the review body and, where the law sets one, the time limit to seek annulment. One letter per
tenderer: a submission replaced by the same tenderer's later one gets none; the one that stands mentions it.

A letter is a DRAFT, and says why on its first line, while anything is open (award/readiness.py: a review,
a clarification, a decision that could change the award, a review decision that applied to no claim, a text
missing in the letter's language, a signature, the date).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from scoring.award.results import BidResult, CriterionResult, Evaluation, Status
from scoring.claims.verdicts import Verdict
from scoring.intake.parse import looks_like_formula
from scoring.issues import Severity
from scoring.models import Text, text_in
from scoring.reports.i18n import N_, Formats, gettext, render
from scoring.reports.words import word
from scoring.rules.schema import Criterion
from scoring.rules.units import UNITS

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
        return f.figure(Decimal(str(raw))) + (
            f" {unit_in(rule, f.language, _)}" if rule is not None and rule.unit else ""
        )
    return str(raw)


def unit_in(rule: Criterion, language: str, _: Any) -> str:
    """A criterion's unit in a language: one every report words (rules/units.py), or the rule set's own."""
    if rule.unit in UNITS:
        return _(UNITS[rule.unit])
    return rule.units.get(language, rule.unit)


def draft_reasons(evaluation: Evaluation, language: str, today: date | None = None) -> list[str]:
    """Why the letters cannot be sent yet, in the language; empty when they can."""
    from scoring.award.readiness import open_items

    return [word(o.what, language) for o in open_items(evaluation, language, today)]


def text(value: Text | None, evaluation: Evaluation, language: str) -> str:
    """A text of tender.yaml in the letter's language; the tender's own when it gives none (the letter is
    then a draft that says the text is missing)."""
    own = evaluation.tender.language
    found = text_in(value, language, own)
    if found is not None:
        return found
    return text_in(value, own, own) or (next(iter(value.values()), "") if isinstance(value, dict) else value or "")


class Shared:
    """What every letter of an evaluation says alike, worked out and rendered once: the head (draft line,
    title, buyer, date, procedure, reference) and the close (standstill, review, signature, references), the
    successful tender's name and its scores. A letter adds only what is its own."""

    def __init__(self, evaluation: Evaluation, language: str, today: date | None = None):
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
        law = t.law
        from scoring.award.readiness import changed_since_sent

        replaced = evaluation.sent if changed_since_sent(evaluation) else None
        sent_on = evaluation.sent.sent_on if evaluation.sent and not replaced else settings.sent_on
        period = t.standstill() if evaluation.sent is None else _period(evaluation, sent_on)
        buyer = t.buyer_in(language) or t.buyer
        signatory = settings.signatory
        body = settings.review_body
        common = {
            "draft": draft_reasons(evaluation, language, today),
            "replaces_decision": f.date(replaced.sent_on) if replaced else None,
            "date": f.date(sent_on) if sent_on else None,
            "title": t.title_in(language) or t.title,
            "buyer": buyer,
            "signatory": {"name": signatory.name, "role": text(signatory.role, evaluation, language)}
            if signatory
            else None,
            "contact": settings.contact,
            "tender": t,
            "lot": evaluation.lot,
            "procedure": _(PROCEDURES[t.procedure.type]),
            "notice": t.procedure.notice,
            "standstill": {
                "days": period.days if period else (settings.standstill_days or law.standstill)[settings.means],
                "means": _(MEANS[settings.means]),
                "provision": law.standstill_provision.get(language, law.standstill_provision["en"]),
                "ends": f.date(period.ends) if period else None,
                "moved_from": f.date(period.counted_to) if period and period.moved else None,
                "signing": f.date(period.next_day) if period else None,
            },
            "annulment": {
                "days": law.annulment_days,
                "provision": law.annulment_provision.get(language, ""),
            }
            if law.annulment_days
            else None,
            "review_body": {
                "name": text(body.name, evaluation, language),
                "address": text(body.address, evaluation, language) if body.address else "",
                "how": text(body.how, evaluation, language) if body.how else "",
            }
            if body
            else None,
            "rules": evaluation.rules,
            "rules_sha256": evaluation.rules_sha256,
            "run_id": evaluation.run_id,
            "scenario": evaluation.kind is not None and evaluation.kind.value == "scenario",
        }
        from markupsafe import Markup

        self.context = {
            "buyer": buyer,
            "winner": party(winner) if winner else None,
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
            "title": f"{_('Award decision')}: {common['title']}",
        }


def _period(evaluation: Evaluation, sent_on: date | None):  # -> scoring.law.Period | None
    if sent_on is None:
        return None
    t = evaluation.tender
    from scoring.law import standstill

    days = (t.letters.standstill_days or {}).get(t.letters.means)
    return standstill(sent_on, t.letters.means, t.law, t.region, days)


def party(bid: BidResult) -> dict[str, Any]:
    """How a letter names a tenderer: its legal name as the bid writes it; else the tenderer the opening record
    names; a name that is not one (a formula written as text) is quoted as data beside the registration."""
    name = bid.supplier if bid.supplier and not looks_like_formula(bid.supplier) else bid.tenderer
    as_written = bid.supplier if bid.supplier and looks_like_formula(bid.supplier) else None
    return {"name": name, "registration": bid.registration_number, "as_written": as_written, "fallback": bid.file}


def reasons(bid: BidResult, language: str) -> list[str]:
    """Why a bid could not be evaluated, once each, in the tenderer's terms: the line of its offer (item,
    quantity, category) and what is wrong there, or what is wrong with the file or the bid as a whole."""
    out: list[str] = []
    for i in bid.issues:
        if i.severity is not Severity.ERROR or i.code == "bid.superseded":
            continue
        said = word(i.fact, language) if i.fact is not None else i.message
        if i.item is not None:
            said = f"{word(i.item, language)}: {said}"
        said = said.rstrip(".")
        if said not in out:
            out.append(said)
    return out


def _file_level(bid: BidResult) -> bool:
    """Whether the file itself could not be read (nothing of the offer to judge)."""
    return any(i.code.startswith("file.") and i.severity is Severity.ERROR for i in bid.issues)


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
        decision = "unreadable" if _file_level(bid) else "rejected"
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
            "answer": word(k.answer, language) if k.answer else _("not stated"),
        }
        for n, k in enumerate(bid.knockouts)
        if not k.passed
    ]
    claims = [
        {
            "label": c.label or "",
            "reference": c.certificate_id or c.evidence or "",
            "verdict": _(VERDICTS[c.verdict]),
            "reason": word(c.reason, language),
        }
        for c in bid.claims
    ]
    return {
        **shared.context,
        "to": party(bid),
        "replaces": bid.replaces,
        "file": bid.file,
        "decision": decision,
        "rank": bid.rank,
        "total": amount(bid.total) if bid.total is not None else "",
        "scores": scores,
        "advantages": advantages,
        "tie_break": bid.tie_break if bid.status is Status.RANKED and not advantages else None,
        "knockouts": knockouts,
        "errors": reasons(bid, language),
        "requests": [
            {"field": r.field, "expected": word(r.expected, language)} for r in bid.clarifications if r.blocking
        ],
        "claims": claims,
    }


def letters(
    evaluation: Evaluation, language: str | None = None, today: date | None = None, only: str | None = None
) -> dict[str, tuple[str, str]]:
    """bid id -> (markdown, html), one letter per tenderer (a replaced submission gets none: the letter on the
    one that stands names it), in the tender's language (or `language`); `only`: that bid's letter alone."""
    language = language or evaluation.tender.language
    shared = Shared(evaluation, language, today)
    out = {}
    for bid in evaluation.bids:
        if bid.superseded or (only is not None and bid.bid_id != only):
            continue
        context = letter_context(evaluation, bid, shared)
        out[bid.bid_id] = (
            render("letter.md.j2", language, **shared.markdown, **context),
            render("letter.html.j2", language, lang=language, **shared.html, **context),
        )
    return out
