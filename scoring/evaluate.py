"""Score the bids that passed validation: knock-outs first, then the weighted criteria."""

from __future__ import annotations

from decimal import Decimal

from scoring.functions import Context, Raw, holds, num, raw_value, score_of
from scoring.issues import Severity, has_errors
from scoring.models import (Bid, BidResult, ClaimVerdict, CriterionResult, KnockoutResult, ReadResult, Status, Tender,
                            Verdict)
from scoring.verify import Verification, verify_claims
from scoring.rules import Criterion, Knockout, RuleSet


def _base(read: ReadResult) -> dict:
    bid = read.bid
    return dict(bid_id=bid.bid_id if bid else read.file.rsplit(".", 1)[0], file=read.file,
                file_sha256=read.file_sha256, issues=read.issues,
                supplier=bid.supplier.name if bid else None,
                registration_number=bid.supplier.registration_number if bid else None,
                total_price=bid.total_price if bid else None)


def check_knockout(k: Knockout, bid: Bid, ctx: Context) -> KnockoutResult:
    if k.check is not None:
        passed = holds(k.check, bid, None, ctx)
        why = f"required {k.check.describe()}" + ("" if passed else "; not met")
    else:
        failing = [i for i in bid.items if not holds(k.every_item, bid, i, ctx)]
        passed = bool(bid.items) and not failing
        rows = ", ".join(f"{i.model or i.item} (Items row {i.row})" for i in failing)
        why = f"every item: {k.every_item.describe()}" + ("" if passed else f"; not met by {rows}")
    return KnockoutResult(id=k.id, requirement=k.requirement, passed=passed, explanation=why)


def context_of(claims: list[ClaimVerdict], rules: RuleSet) -> Context:
    """Only accepted claims count towards a label requirement."""
    labels: dict[str, set[str]] = {}
    for claim in claims:
        if claim.requirement and claim.verdict.counts:
            labels.setdefault(claim.requirement, set()).update(claim.covered_models)
    return Context(labels={k: frozenset(v) for k, v in labels.items()},
                   names={k: req.reference for k, req in rules.labels.items()})


def score_bids(checked: list[ReadResult], tender: Tender, rules: RuleSet,
               verification: Verification | None = None) -> list[BidResult]:
    """Every read bid becomes a result: rejected, excluded, or scored (ranked later).

    Claims are verified for every bid that could be read, also rejected ones: the
    bidder is owed the verdicts on its claims.
    """
    results: dict[str, BidResult] = {}
    competing: list[ReadResult] = []
    contexts: dict[str, Context] = {}
    pending: dict[str, set[str]] = {}
    for read in checked:
        claims = verify_claims(read.bid, verification) if read.bid is not None and verification else []
        contexts[read.file] = context_of(claims, rules)
        pending[read.file] = {c.requirement for c in claims if c.verdict is Verdict.NEEDS_REVIEW and c.requirement}
        if read.bid is None or has_errors(read.issues):
            reasons = [f"{i.code}: {i.message}" for i in read.issues if i.severity is Severity.ERROR]
            results[read.file] = BidResult(**_base(read), status=Status.REJECTED, reasons=reasons, claims=claims)
            continue
        knockouts = [check_knockout(k, read.bid, contexts[read.file]) for k in rules.knockouts]
        failed = [k for k in knockouts if not k.passed]
        if failed:
            reasons = [f"Knock-out '{k.id}': {k.requirement} ({k.explanation})." for k in failed]
            results[read.file] = BidResult(**_base(read), status=Status.EXCLUDED, knockouts=knockouts,
                                           reasons=reasons, claims=claims)
            continue
        competing.append(read)
        results[read.file] = BidResult(**_base(read), status=Status.RANKED, knockouts=knockouts, claims=claims)

    # Relative functions compare each bid with the best competing bid, so raw values come first.
    raws: dict[str, dict[str, Raw]] = {r.file: {} for r in competing}
    for c in rules.criteria:
        params = c.typed_params()
        for read in competing:
            raws[read.file][c.id] = raw_value(c, params, read.bid, contexts[read.file])
    for read in competing:
        criteria = [_criterion_result(c, rules, raws[read.file][c.id], [raws[r.file][c.id].value for r in competing],
                                      pending[read.file])
                    for c in rules.criteria]
        total = sum((cr.points for cr in criteria), Decimal(0))
        results[read.file] = results[read.file].model_copy(update={"criteria": criteria, "total": total})
    return [results[r.file] for r in checked]


def _criterion_result(c: Criterion, rules: RuleSet, raw: Raw, peers: list, pending: set[str]) -> CriterionResult:
    scored = score_of(c, c.typed_params(), raw.value, rules.scale, peers)
    score = rules.rounding.quantize(scored.score)
    # Points come from the rounded score, so the chain in the report can be recomputed by hand.
    points = rules.rounding.quantize(score / rules.scale * c.weight)
    explanation = (f"{c.name}: {raw.text} → {score}/{num(rules.scale)} ({scored.rule}); "
                   f"× {num(c.weight)} % = {points} pts")
    waiting = sorted(pending & set(_labels_of(c)))
    if waiting:
        explanation += f"; claims for {', '.join(waiting)} await review and are not counted yet"
    return CriterionResult(id=c.id, name=c.name, weight=c.weight, raw=raw.value, score=score, points=points,
                           explanation=explanation, status="needs_review" if waiting else "final")


def _labels_of(c: Criterion) -> list[str]:
    params = c.typed_params()
    return params.where.labels() if c.function == "share_of_value" else []
