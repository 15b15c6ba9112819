"""The committee report: what summary.md and report.html say, in the buyer's language.

One context, built here from the evaluation, for both templates (templates/summary.md.j2 and
templates/report.html.j2): the procedure and the committee with its declarations, the opening record, the
compliance and scoring results, the robustness findings, the pending decisions and whether the award depends
on them, and the signature lines. Figures are formatted per locale (Babel); bidder text stays text.
"""

from __future__ import annotations

from typing import Any

from scoring.award.results import BidResult, Evaluation, PendingDecision, RunKind, Status
from scoring.intake.clarify import CLARIFICATIONS_FILE
from scoring.reports.clarifications import FOLDER as CLARIFICATIONS
from scoring.reports.clarifications import answer_rows, request_rows, with_clarifications
from scoring.reports.evaluation_json import ledger_head, review_queue, rules_path_shown
from scoring.reports.i18n import N_, Formats, gettext
from scoring.reports.letters import PROCEDURES, VERDICTS
from scoring.reports.words import word

STATUSES = {
    Status.RANKED: N_("ranked"),
    Status.EXCLUDED: N_("non-compliant"),
    Status.REJECTED: N_("rejected"),
    Status.AWAITING_CLARIFICATION: N_("awaiting clarification"),
}
SEVERITIES = (N_("error"), N_("warning"), N_("info"))
ROLES = {"chair": N_("chair"), "member": N_("member"), "secretary": N_("secretary"), "expert": N_("expert")}


def _per(evaluation: Evaluation, language: str) -> str:
    """A ratio method's `per`, as the heading and the ranked-on sentence show it."""
    per = getattr(evaluation.rules.method, "per", None)
    return Formats(language).number(per, 0) if per is not None else ""


def ranking_heading(evaluation: Evaluation, language: str = "en") -> str:
    """The heading of the ranking value's column, as the method words it, in the language."""
    values = {"currency": evaluation.tender.currency, "per": _per(evaluation, language)}
    return gettext(language)(evaluation.rules.method.heading) % values


def ranking_shown(evaluation: Evaluation, b: BidResult, language: str = "en") -> str:
    f = Formats(language, evaluation.tender.locale)
    if evaluation.rules.method.stake == "money":  # a comparison price
        return f.number(b.ranking_value, 2) if b.ranking_value is not None else "–"
    value = b.ranking_value if b.ranking_value is not None else b.total
    return f.number(value, evaluation.rules.rounding.places) if value is not None else "–"


def robustness_lines(evaluation: Evaluation, language: str = "en") -> list[str]:
    """The robustness findings as sentences."""
    _ = gettext(language)
    f = Formats(language, evaluation.tender.locale)
    names = {c.id: c.title(language) for c in evaluation.rules.criteria}
    r = evaluation.robustness
    lines = []
    for w in r.weight_sensitivity:
        values = {"criterion": names.get(w.criterion, w.criterion), "weight": f.figure(w.weight)}
        if w.flip_at is None:
            lines.append(
                _(
                    "Weight of %(criterion)s (%(weight)s %%): no change of winner within ±%(pp)s percentage points "
                    "(others rescaled)."
                )
                % {**values, "pp": f.figure(w.searched_pp)}
            )
        else:
            lines.append(
                _(
                    "Weight of %(criterion)s (%(weight)s %%): the winner changes to %(bid)s at %(at)s %% (others "
                    "rescaled proportionally)."
                )
                % {**values, "bid": w.new_winner, "at": f.figure(w.flip_at)}
            )
    if evaluation.rules.method.stake != "weight":
        lines.append(
            _("Weight sensitivity does not apply: under value for money the criteria carry money, not weights.")
        )
    for rev in r.rank_reversals:
        pairs = "; ".join(_("%(a)s now below %(b)s") % {"a": a, "b": b} for a, b in rev.changed_pairs)
        line = _("Rank reversal: without %(bid)s, %(pairs)s.") % {"bid": rev.removed, "pairs": pairs}
        if rev.cause:
            line += " " + _("Cause: scores relative to the other bids (%(criteria)s).") % {
                "criteria": rev.cause.split(": ", 1)[-1]
            }
        lines.append(line)
    if not r.rank_reversals:
        lines.append(_("No rank reversal: withdrawing any non-winning bid leaves the order of the others unchanged."))
    shares = r.win_shares
    if shares:
        listing = ", ".join(f"{b} {f.percent(v)}" for b, v in shares.items() if v)
        lines.append(
            _("Over the declared weight ranges (%(draws)s draws, seed %(seed)s), the winner is: %(listing)s.")
            % {
                "draws": evaluation.rules.robustness.draws,
                "seed": evaluation.rules.robustness.seed,
                "listing": listing,
            }
        )
    return lines


def pending_text(p: PendingDecision, language: str, f: Formats) -> str:
    """Whether the award or a rank depends on a pending decision, in words."""
    _ = gettext(language)
    if p.kind == "clarification":
        if p.changes_winner is None:
            return _(
                "%(bid)s cannot be ranked before it answers on %(field)s: the answer may change the ranking, and "
                "the award waits for it."
            ) % {"bid": p.bid_id, "field": p.subject}
        return _("%(field)s of %(bid)s is a formal defect: the answer changes no score.") % {
            "bid": p.bid_id,
            "field": p.subject,
        }
    if p.total_if_accepted is None:
        return _("%(bid)s is not ranked for other reasons: the decision on claim %(claim)s changes no rank.") % {
            "bid": p.bid_id,
            "claim": p.subject,
        }
    values = {
        "claim": p.subject,
        "bid": p.bid_id,
        "total": f.number(p.total_if_accepted, 2),
        "now": f.number(p.total_now, 2),
        "rank": p.rank_if_accepted,
        "rank_now": p.rank_now,
        "winner": p.winner_now,
        "other": p.winner_if_accepted,
    }
    head = (
        _(
            "Accepting claim %(claim)s of %(bid)s would bring its total to %(total)s (now %(now)s), rank %(rank)s (now "
            "%(rank_now)s)"
        )
        % values
    )
    if p.changes_winner:
        return head + _(
            ": the winner would be %(other)s instead of %(winner)s; the award depends on this decision."
        ) % (values)
    if p.changes_ranks:
        return head + _("; %(winner)s stays first, but ranks below it change.") % values
    return head + _(": %(winner)s stays first; the award does not depend on this decision.") % values


def report_context(evaluation: Evaluation, diff: dict | None, language: str) -> dict[str, Any]:
    _ = gettext(language)
    t = evaluation.tender
    f = Formats(language, t.locale)
    rules = evaluation.rules
    ranked = sorted((b for b in evaluation.bids if b.status is Status.RANKED), key=lambda b: b.rank or 0)
    criteria = {c.id: c for c in rules.criteria}
    groups = []
    for status, title in (
        (Status.AWAITING_CLARIFICATION, N_("Tenders awaiting clarification")),
        (Status.EXCLUDED, N_("Non-compliant tenders")),
        (Status.REJECTED, N_("Rejected tenders")),
    ):
        members = [b for b in evaluation.bids if b.status is status]
        if members:
            groups.append({"title": _(title), "bids": members})
    stake = (
        (lambda c: f"{f.figure(c.weight)} %")
        if rules.method.stake == "weight"
        else (lambda c: f.money(c.stake, t.currency))
    )
    pending = [
        {
            "relevant": p.relevant,
            "kind": _("claim") if p.kind == "claim" else _("clarification"),
            "bid_id": p.bid_id,
            "subject": p.subject,
            "text": pending_text(p, language, f),
        }
        for p in evaluation.pending
    ]
    panels = [(b, c) for b in ranked for c in b.criteria if c.panel is not None]
    return {
        "lang": language,
        "tender": t,
        "lot": evaluation.lot,
        "deadline": f.moment(t.bid_deadline),
        "contract_start": f.date(t.contract_start),
        "contract_end": f.date(t.contract_end),
        "receipt": evaluation.receipt,
        "rules": rules,
        "rules_path": rules_path_shown(evaluation),
        "rules_sha256": evaluation.rules_sha256,
        "tool_version": evaluation.tool_version,
        "scenario": evaluation.kind is RunKind.SCENARIO,
        "official": evaluation.kind is RunKind.OFFICIAL,
        "run_id": evaluation.run_id,
        "previous_run_id": evaluation.previous_run_id,
        "ledger_head": ledger_head(evaluation) if evaluation.ledger_hash else None,
        "procedure": _(PROCEDURES[t.procedure.type]),
        "notice": t.procedure.notice,
        "estimated_value": f.money(t.procedure.estimated_value, t.currency) if t.procedure.estimated_value else None,
        "committee": [
            {
                "name": m.name,
                "role": _(ROLES[m.role]) if m.role in ROLES else m.role,
                "declared_on": f.date(m.declared_on) if m.declared_on else None,
                "conflict": m.conflict,
                "note": m.note,
            }
            for m in t.committee
        ],
        "counts": {s: sum(1 for b in evaluation.bids if b.status is s) for s in Status},
        "Status": Status,
        "received": len(evaluation.bids),
        "opening": [
            {
                "file": b.file,
                "supplier": b.supplier,
                "received": f.moment(b.received_at) if b.received_at else None,
                "from_record": b.received_from_record,
                "withdrawn": b.withdrawn,
                "status": _(STATUSES[b.status]),
            }
            for b in sorted(evaluation.bids, key=lambda b: b.file)
        ],
        "method": {
            "label": _(rules.method.label),
            "ranked_on": _(rules.method.ranked_on) % {"per": _per(evaluation, language)},
            "heading": ranking_heading(evaluation, language),
        },
        "ranking": [
            {
                "rank": b.rank,
                "bid": b,
                "price": f.number(b.total_price, 2),
                "value": ranking_shown(evaluation, b, language),
                "note": b.tie_break or "",
            }
            for b in ranked
        ],
        "all_bids": [
            {
                "bid": b,
                "price": f.number(b.total_price, 2) if b.total_price is not None else "",
                "value": ranking_shown(evaluation, b, language) if b.status is Status.RANKED else "",
                "status": _(STATUSES[b.status]),
                "note": " ".join(word(r, language) for r in b.reasons) if b.reasons else (b.tie_break or ""),
            }
            for b in evaluation.bids
        ],
        "groups": groups,
        "ties": [b for b in ranked if b.tie_break],
        "warnings": evaluation.warnings,
        "rule_warnings": evaluation.rule_warnings,
        "clarifications_folder": CLARIFICATIONS,
        "clarifications_file": CLARIFICATIONS_FILE,
        "requests": [(b, row) for b in with_clarifications(evaluation) for row in request_rows(b)],
        "answers": [(b, row) for b in with_clarifications(evaluation) for row in answer_rows(b)],
        "criteria": [
            {"id": c.id, "name": criteria[c.id].title(language) if c.id in criteria else c.name, "stake": stake(c)}
            for c in (ranked[0].criteria if ranked else [])
        ],
        "breakdown": [
            {
                "bid": b,
                "points": [
                    {"shown": f.number(c.points, rules.rounding.places), "explanation": c.explanation}
                    for c in b.criteria
                ],
                "total": f.number(b.total, rules.rounding.places),
            }
            for b in ranked
        ],
        "diff": diff,
        "robustness": robustness_lines(evaluation, language),
        "panels": [
            {
                "bid": b,
                "criterion": criteria[c.id].title(language) if c.id in criteria else c.name,
                "scores": ", ".join(f"{s.evaluator} {f.figure(s.score)}" for s in c.panel.scores),
                "consensus": f.figure(c.panel.consensus) if c.panel.consensus is not None else "–",
                "moderated": c.panel.moderated,
                "flagged": c.panel.flagged,
                "spread": f.figure(c.panel.spread) if c.panel.spread is not None else "",
                "missing": ", ".join(c.panel.missing),
            }
            for b, c in panels
            if c.panel is not None
        ],
        "agreement": [(k, f.number(v, 3) if v is not None else "–") for k, v in evaluation.agreement.items()],
        "claims": [
            {
                "bid_id": b.bid_id,
                "label": c.label or "",
                "reference": c.certificate_id or c.evidence or "",
                "verdict": _(VERDICTS[c.verdict]),
                "verdict_code": c.verdict.value,
                "code": c.reason_code,
                "reason": c.reason,
            }
            for b in evaluation.bids
            for c in b.claims
        ],
        "pending": pending,
        "queue": review_queue(evaluation),
        "issues": [(b, i) for b in evaluation.bids for i in b.issues],
        "bid_warnings": [(b, i) for b in evaluation.bids for i in b.issues if i.severity.value == "warning"],
        "draft": evaluation.draft,
    }
