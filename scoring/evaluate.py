"""Score the bids that passed validation: knock-outs first, then the weighted criteria."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from scoring.functions import Raw, holds, money, num, raw_value, score_of
from scoring.issues import Severity, has_errors
from scoring.models import Bid, BidResult, CriterionResult, KnockoutResult, ReadResult, Status, Tender
from scoring.rules import Criterion, Knockout, RuleSet


def _base(read: ReadResult) -> dict:
    bid = read.bid
    return dict(bid_id=bid.bid_id if bid else read.file.rsplit(".", 1)[0], file=read.file,
                file_sha256=read.file_sha256, issues=read.issues,
                supplier=bid.supplier.name if bid else None,
                registration_number=bid.supplier.registration_number if bid else None,
                total_price=bid.total_price if bid else None)


def check_knockout(k: Knockout, bid: Bid, deadline: date) -> KnockoutResult:
    if k.check is not None:
        passed = holds(k.check, bid, None, deadline)
        why = f"required {k.check.describe()}" + ("" if passed else "; not met")
    else:
        failing = [i for i in bid.items if not holds(k.every_item, bid, i, deadline)]
        passed = bool(bid.items) and not failing
        rows = ", ".join(f"{i.model or i.item} (Items row {i.row})" for i in failing)
        why = f"every item: {k.every_item.describe()}" + ("" if passed else f"; not met by {rows}")
    return KnockoutResult(id=k.id, requirement=k.requirement, passed=passed, explanation=why)


def score_bids(checked: list[ReadResult], tender: Tender, rules: RuleSet) -> list[BidResult]:
    """Every read bid becomes a result: rejected, excluded, or scored (ranked later)."""
    deadline = tender.bid_deadline.date()
    results: dict[str, BidResult] = {}
    competing: list[ReadResult] = []
    for read in checked:
        if read.bid is None or has_errors(read.issues):
            reasons = [f"{i.code}: {i.message}" for i in read.issues if i.severity is Severity.ERROR]
            results[read.file] = BidResult(**_base(read), status=Status.REJECTED, reasons=reasons)
            continue
        knockouts = [check_knockout(k, read.bid, deadline) for k in rules.knockouts]
        failed = [k for k in knockouts if not k.passed]
        if failed:
            reasons = [f"Knock-out '{k.id}': {k.requirement} ({k.explanation})." for k in failed]
            results[read.file] = BidResult(**_base(read), status=Status.EXCLUDED, knockouts=knockouts,
                                           reasons=reasons)
            continue
        competing.append(read)
        results[read.file] = BidResult(**_base(read), status=Status.RANKED, knockouts=knockouts)

    # Relative functions compare each bid with the best competing bid, so raw values come first.
    raws: dict[str, dict[str, Raw]] = {r.file: {} for r in competing}
    for c in rules.criteria:
        params = c.typed_params()
        for read in competing:
            raws[read.file][c.id] = raw_value(c, params, read.bid, deadline)
    for read in competing:
        criteria = [_criterion_result(c, rules, raws[read.file][c.id], [raws[r.file][c.id].value for r in competing])
                    for c in rules.criteria]
        total = sum((cr.points for cr in criteria), Decimal(0))
        results[read.file] = results[read.file].model_copy(update={"criteria": criteria, "total": total})
    return [results[r.file] for r in checked]


def _criterion_result(c: Criterion, rules: RuleSet, raw: Raw, peers: list) -> CriterionResult:
    scored = score_of(c, c.typed_params(), raw.value, rules.scale, peers)
    score = rules.rounding.quantize(scored.score)
    # Points come from the rounded score, so the chain in the report can be recomputed by hand.
    points = rules.rounding.quantize(score / rules.scale * c.weight)
    explanation = (f"{c.name}: {raw.text} → {score}/{num(rules.scale)} ({scored.rule}); "
                   f"× {num(c.weight)} % = {points} pts")
    return CriterionResult(id=c.id, name=c.name, weight=c.weight, raw=raw.value, score=score, points=points,
                           explanation=explanation)
