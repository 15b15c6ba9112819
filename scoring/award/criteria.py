"""Score the bids that passed validation: claims, knock-outs, criteria, then the award method."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from scoring.award.panel import panel_outcomes
from scoring.award.results import BidResult, CriterionResult, CriterionStatus, KnockoutResult, Status
from scoring.claims.verdicts import ClaimVerdict, Verdict
from scoring.claims.verify import Verification, verify_claims
from scoring.facts import N_, Fact, Listing, Money, Written, fact, name
from scoring.intake.panel_sheets import PanelSheets
from scoring.intake.parse import Locale
from scoring.issues import Issue, Severity, evaluation_failed, has_errors, issue, one_per_cell
from scoring.models import Bid, Item, ReadResult, Tender
from scoring.rules.conditions import Context, field_value, holding, holds
from scoring.rules.functions import NO_PEERS, Peers, Raw, raw_value, score_of
from scoring.rules.schema import Criterion, Knockout, RuleSet


def _base(read: ReadResult) -> dict:
    bid = read.bid
    return dict(
        bid_id=bid.bid_id if bid else read.bid_id or Path(read.file).stem,
        file=read.file,
        file_sha256=read.file_sha256,
        # From here on issues name the sheets as the tender's template does (the checks used the standard names).
        issues=[
            i.model_copy(update={"sheet": read.titles[i.sheet]}) if i.sheet in read.titles else i for i in read.issues
        ],
        supplier=bid.supplier.name if bid else None,
        registration_number=bid.supplier.registration_number if bid else None,
        total_price=bid.total_price if bid else None,
        clarifications=read.requests,
        clarified=read.clarified,
        received_at=read.received_at or (bid.supplier.submitted_at if bid else None),
        received_from_record=read.received_at is not None,
        withdrawn=read.withdrawn,
        tenderer=read.tenderer,
        replaced_by=next(
            (str(i.fact.values["kept"]) for i in read.issues if i.code == "bid.superseded" and i.fact), None
        ),
        replaces=[str(i.fact.values["file"]) for i in read.issues if i.code == "bid.supersedes" and i.fact],
    )


def _named(read: ReadResult, code: str, key: str) -> list[str]:
    """The files the issues with `code` name (the submission that stands, or those it replaces)."""
    return [str(i.fact.values[key]) for i in read.issues if i.code == code and i.fact is not None]


def check_knockout(k: Knockout, bid: Bid, ctx: Context) -> KnockoutResult:
    answer: Fact | None = None
    if k.check is not None:
        passed = holds(k.check, bid, None, ctx)
        why = fact(
            N_("required %(condition)s") if passed else N_("required %(condition)s; not met"),
            condition=k.check.describe(),
        )
        if not passed:
            answers = tuple(
                fact("“%(field)s”: %(answer)s", field=_heading(f), answer=_answer(field_value(bid, f)))
                for f in k.check.fields()
            )
            answer = fact("%(answers)s", answers=Listing(answers, "; ")) if answers else None
    else:
        failing = [i for i, met in zip(bid.items, holding(k.condition, bid, ctx), strict=True) if not met]
        passed = bool(bid.items) and not failing
        rows = Listing(tuple(_item(i) for i in failing))
        why = (
            fact(N_("every item: %(condition)s"), condition=k.condition.describe())
            if passed
            else fact(N_("every item: %(condition)s; not met by %(rows)s"), condition=k.condition.describe(), rows=rows)
        )
        if not passed:
            fields = k.condition.fields()
            answer = (
                fact(
                    "%(answers)s",
                    answers=Listing(
                        tuple(
                            fact(
                                "%(item)s%(answers)s",
                                item=_item(i),
                                answers=Listing(
                                    tuple(
                                        fact(
                                            ", %(field)s: %(answer)s",
                                            field=_heading(f),
                                            answer=_answer(field_value(bid, f, i)),
                                        )
                                        for f in fields
                                    ),
                                    "",
                                ),
                            )
                            for i in failing
                        ),
                        "; ",
                    ),
                )
                if failing
                else fact(N_("no items"))
            )
    return KnockoutResult(id=k.id, requirement=k.requirement, passed=passed, explanation=why, answer=answer)


def _item(i: Item) -> Fact:
    return fact(N_("%(item)s (Items row %(row)s)"), item=i.model or i.item, row=i.row)


def _heading(name: str) -> str:
    """A field by its heading in the standard template: 'supplier.ew_conditions' -> its heading."""
    from scoring.intake.template import ITEM_FIELDS, SUPPLIER_FIELDS

    scope, _, field_name = name.partition(".")
    fields = SUPPLIER_FIELDS if scope == "supplier" else ITEM_FIELDS
    return fields[field_name].heading if field_name in fields else field_name


def _answer(value: object) -> Any:
    """A bid's answer as a fact's value: Yes or No, a figure, its text; "not stated" when empty."""
    if value is None:
        return fact(N_("not stated"))
    if isinstance(value, (bool, Decimal)):
        return value
    return str(value)


def context_of(claims: list[ClaimVerdict], rules: RuleSet, tender: Tender | None = None) -> Context:
    """Only accepted claims count towards a label requirement; audits are dated against the bid deadline."""
    labels: dict[str, set[str]] = {}
    for claim in claims:
        if claim.requirement and claim.verdict.counts:
            labels.setdefault(claim.requirement, set()).update(claim.covered_models)
    return Context(
        labels={k: frozenset(v) for k, v in labels.items()},
        names={k: req.reference for k, req in rules.labels.items()},
        deadline=tender.bid_deadline.date() if tender else None,
    )


@dataclass(frozen=True)
class Scoring:
    """What scoring bids needs besides them: the tender (or the lot), the rule set, the verification of
    claims (None when no criterion asks for labels) and the evaluators' score sheets."""

    tender: Tender
    rules: RuleSet
    checks: Verification | None = None
    panel: PanelSheets = field(default_factory=PanelSheets)


def score_bids(checked: list[ReadResult], scoring: Scoring) -> list[BidResult]:
    """Every read bid becomes a result: rejected, excluded, or scored (ranked later).

    Claims are verified for every bid that could be read, also rejected ones: the
    bidder is owed the verdicts on its claims.
    """
    tender, rules, verification, panel = scoring.tender, scoring.rules, scoring.checks, scoring.panel
    results: dict[str, BidResult] = {}
    competing: list[ReadResult] = []
    contexts: dict[str, Context] = {}
    pending: dict[str, set[str]] = {}
    for read in checked:
        try:
            claims = verify_claims(read.bid, verification) if read.bid is not None and verification else []
            if any(c.misrepresentation for c in claims):
                read = read.model_copy(update={"issues": one_per_cell([*read.issues, *flagged(read, claims)])})
            contexts[read.file] = context_of(claims, rules, tender)
            pending[read.file] = {c.requirement for c in claims if c.verdict is Verdict.NEEDS_REVIEW and c.requirement}
            if read.bid is None or has_errors(read.issues):
                errors = [i for i in read.issues if i.severity is Severity.ERROR]
                reasons = [_reason(i) for i in errors]
                awaiting = read.bid is not None and all(i.code == "cell.formula_uncalculated" for i in errors)
                status = Status.AWAITING_CLARIFICATION if awaiting else Status.REJECTED
                results[read.file] = BidResult(**_base(read), status=status, reasons=reasons, claims=claims)
                continue
            knockouts = [check_knockout(k, read.bid, contexts[read.file]) for k in rules.knockouts]
        except Exception:
            results[read.file] = _failed(read, fact(N_("the verification of its claims and the knock-outs")))
            continue
        failed = [k for k in knockouts if not k.passed]
        if failed:
            wordings = {k.id: k.requirements for k in rules.knockouts}
            reasons = [
                fact(
                    N_("Knock-out '%(id)s': %(requirement)s (%(why)s)."),
                    id=k.id,
                    requirement=name(k.requirement, wordings.get(k.id, {})),
                    why=k.explanation,
                )
                for k in failed
            ]
            results[read.file] = BidResult(
                **_base(read), status=Status.EXCLUDED, knockouts=knockouts, reasons=reasons, claims=claims
            )
            continue
        examination = tender.proceedings.examination_of(read.opened.bid_id)
        if examination is not None and examination.outcome == "rejected":
            reason = fact(
                N_("Its price was examined as abnormally low and the explanation not accepted (Art. 69(3)): %(why)s"),
                why=examination.note or "–",
            )
            results[read.file] = BidResult(
                **_base(read), status=Status.EXCLUDED, knockouts=knockouts, reasons=[reason], claims=claims
            )
            continue
        competing.append(read)
        results[read.file] = BidResult(**_base(read), status=Status.RANKED, knockouts=knockouts, claims=claims)

    outcomes, panel_issues = panel_outcomes(
        panel or PanelSheets(),
        rules,
        [r.opened.bid_id for r in competing],
        Locale.from_tag(tender.locale, tender.decimal_separator),
    )
    for read in competing:
        bid_id = read.opened.bid_id
        contexts[read.file] = contexts[read.file].with_panel({c: o for (b, c), o in outcomes.items() if b == bid_id})
    scored, failures = score_competing(competing, contexts, pending, rules)
    for file, failure in failures.items():
        results[file] = _failed(next(r for r in competing if r.file == file), failure)
    competing = [r for r in competing if r.file not in failures]
    low = abnormally_low({r.file: r.opened.total_price for r in competing}, rules)
    for read in competing:
        extra = panel_issues.get(read.opened.bid_id, []) + low.get(read.file, []) + undisclosed(read, rules)
        criteria = scored[read.file]
        total = sum((cr.points for cr in criteria), Decimal(0))
        results[read.file] = results[read.file].model_copy(
            update={
                "criteria": criteria,
                "total": total,
                "ranking_value": ranking_value(total, read.opened.total_price, rules),
                "issues": results[read.file].issues + extra,
            }
        )
    return [results[r.file] for r in checked]


def score_competing(
    competing: list[ReadResult], contexts: dict[str, Context], pending: dict[str, set[str]], rules: RuleSet
) -> tuple[dict[str, list[CriterionResult]], dict[str, Fact]]:
    """Every criterion of every competing bid (the others set no benchmark), by file; and the bids the tool
    failed to score, by file, with the stage that failed. A bid that fails sets no benchmark either: the
    others are scored as if it had not competed."""
    # Relative functions compare each bid with the best competing bid, so raw values come first.
    raws: dict[str, dict[str, Raw]] = {}
    failures: dict[str, Fact] = {}
    for read in competing:
        try:
            raws[read.file] = {c.id: raw_value(c, read.opened, contexts[read.file]) for c in rules.criteria}
        except Exception:
            failures[read.file] = fact(N_("the reading of its values for the criteria"))
    while True:
        scoring = [r for r in competing if r.file not in failures]
        peers = {
            c.id: Peers.of([raws[r.file][c.id].value for r in scoring]) if c.relative else NO_PEERS
            for c in rules.criteria
        }
        scored: dict[str, list[CriterionResult]] = {}
        for read in scoring:
            try:
                scored[read.file] = [
                    _criterion_result(
                        c, rules, raws[read.file][c.id], peers[c.id], pending.get(read.file, set()), contexts[read.file]
                    )
                    for c in rules.criteria
                ]
            except Exception:
                failures[read.file] = fact(N_("the scoring of its criteria"))
        if len(scored) == len(scoring):  # else the benchmarks are set again without the bids that failed
            return scored, failures


def flagged(read: ReadResult, claims: list[ClaimVerdict]) -> list[Issue]:
    """`claim.possible_misrepresentation` for each claim whose verification found evidence of it: the claim
    is rejected as any other; the committee decides whether the bid is excluded (Art. 57(4)(h))."""
    heading = read.headings.get("Labels", {}).get("certificate_id", "Certificate ID")
    return [
        issue(
            "claim.possible_misrepresentation",
            fact(
                N_(
                    "Possible misrepresentation, for the committee to consider (Art. 57(4)(h) of Directive "
                    "2014/24/EU): %(evidence)s"
                ),
                evidence=c.misrepresentation,
            ),
            file=read.file,
            sheet="Labels",
            row=c.row,
            field=heading,
        )
        for c in claims
        if c.misrepresentation
    ]


def undisclosed(read: ReadResult, rules: RuleSet) -> list[Issue]:
    """`factories.none_disclosed` when the rule set scores transparency and the bid discloses no factory."""
    if read.bid is None or read.bid.factories or not rules.scores_transparency:
        return []
    names = ", ".join(c.name for c in rules.criteria if c.kernel.transparency)
    return [
        issue(
            "factories.none_disclosed",
            fact(
                N_(
                    "The bid discloses no factory (its Factories sheet or factory list is missing or empty): the "
                    "transparency criteria (%(criteria)s) score nothing."
                ),
                criteria=names,
            ),
            file=read.file,
            sheet=read.titles.get("Factories", "Factories"),
        )
    ]


def _failed(read: ReadResult, stage: Fact) -> BidResult:
    """A bid the tool failed to evaluate: not ranked, with `bid.evaluation_failed` saying why."""
    failure = evaluation_failed(read.file, stage)
    return BidResult(
        **(_base(read) | {"issues": [*read.issues, failure]}),
        status=Status.REJECTED,
        reasons=[_reason(failure)],
    )


def _reason(i: Issue) -> Fact:
    """An error as a reason for rejecting the bid: its code and its message."""
    return fact("%(code)s: %(message)s", code=i.code, message=i.fact or i.message)


def ranking_value(total: Decimal, price: Decimal | None, rules: RuleSet) -> Decimal | None:
    """Weighted points: the total. Value for money: the comparison price. Ratio: quality points per `per` of price."""
    return rules.method.ranking_value(total, price, sum((c.money or Decimal(0) for c in rules.criteria), Decimal(0)))


def _criterion_result(
    c: Criterion, rules: RuleSet, raw: Raw, peers: Peers, pending: set[str], ctx: Context
) -> CriterionResult:
    scored = score_of(c, raw.value, rules.scale, peers)
    score, points = _points(c, rules, scored.score)
    stake = c.stake(rules.method)
    explanation = fact(
        "%(criterion)s: %(raw)s → %(score)s/%(scale)s (%(rule)s); %(worth)s",
        criterion=name(c.name, c.names),
        raw=raw.fact,
        score=Written(score),
        scale=rules.scale,
        rule=scored.rule,
        worth=rules.method.worth(stake, points),
    )
    waiting = sorted(pending & set(c.labels))
    status = CriterionStatus.NEEDS_REVIEW if waiting else CriterionStatus.FINAL
    if waiting:
        explanation = fact(
            N_("%(explanation)s; claims for %(labels)s await review and are not counted yet"),
            explanation=explanation,
            labels=", ".join(waiting),
        )
    outcome = ctx.panel.get(c.id) if c.kernel.judged else None
    if outcome is not None and outcome.consensus is None:
        status = CriterionStatus.NEEDS_REVIEW
    return CriterionResult(
        id=c.id,
        name=c.name,
        weight=c.weight,
        raw=raw.value,
        score=score,
        points=points,
        explanation=explanation,
        status=status,
        stake=stake,
        panel=outcome,
    )


def _points(c: Criterion, rules: RuleSet, scored: Decimal) -> tuple[Decimal, Decimal]:
    """The rounded score and the points it earns. Points come from the rounded score, so the chain in the
    report can be recomputed by hand."""
    score = rules.rounding.quantize(scored)
    return score, rules.rounding.quantize(score / rules.scale * c.stake(rules.method))


def scored_among(results: list[BidResult], rules: RuleSet) -> list[BidResult]:
    """The ranked results scored again among themselves: what withdrawing another bid changes. Raw values
    do not depend on the other bids, so they are taken from the results; only the relative criteria's
    benchmarks are set again. Totals and ranking values are exact; explanations are left as they were."""
    competing = [r for r in results if r.status is Status.RANKED]
    relative = [n for n, c in enumerate(rules.criteria) if c.relative]
    peers = {n: Peers.of([r.criteria[n].raw for r in competing]) for n in relative}
    out = []
    for r in competing:
        criteria = list(r.criteria)
        for n in relative:
            c = rules.criteria[n]
            score, points = _points(c, rules, score_of(c, criteria[n].raw, rules.scale, peers[n]).score)
            criteria[n] = criteria[n].model_copy(update={"score": score, "points": points})
        total = sum((x.points for x in criteria), Decimal(0))
        out.append(
            r.model_copy(
                update={
                    "criteria": criteria,
                    "total": total,
                    "ranking_value": ranking_value(total, r.total_price, rules),
                }
            )
        )
    return out


def abnormally_low(prices: dict[str, Decimal | None], rules: RuleSet) -> dict[str, list[Issue]]:
    """Warnings, by file, asking for an explanation of a price far below the others (Art. 69); never an
    exclusion. `prices`: the competing bids' total prices by file."""
    rule = rules.abnormally_low
    priced = {f: p for f, p in prices.items() if p is not None}
    out: dict[str, list[Issue]] = {}
    if len(priced) < 2 or (rule.below_mean_of_others_pct is None and rule.below_next_pct is None):
        return out
    hundred = Decimal(100)
    # Sorted once, so each bid's comparison costs a lookup, not a pass over the others.
    ordered = sorted(priced.values())
    everything = sum(ordered, Decimal(0))
    for file, price in priced.items():
        reasons = []
        if rule.below_mean_of_others_pct is not None:
            mean = (everything - price) / (len(ordered) - 1)
            gap = (mean - price) / mean * hundred
            if gap > rule.below_mean_of_others_pct:
                reasons.append(
                    fact(
                        N_("%(gap)s %% below the mean of the other bids (%(mean)s; the rule set asks from %(pct)s %%)"),
                        gap=Written(gap.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
                        mean=Money(mean),
                        pct=Written(rule.below_mean_of_others_pct),
                    )
                )
        if rule.below_next_pct is not None:
            first, after = bisect_left(ordered, price), bisect_right(ordered, price)
            nxt = price if after - first > 1 else ordered[after] if after < len(ordered) else None
            if nxt is not None:
                gap = (nxt - price) / nxt * hundred
                if gap > rule.below_next_pct:
                    reasons.append(
                        fact(
                            N_("%(gap)s %% below the next bid (%(next)s; the rule set asks from %(pct)s %%)"),
                            gap=Written(gap.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
                            next=Money(nxt),
                            pct=Written(rule.below_next_pct),
                        )
                    )
        if reasons:
            out[file] = [
                issue(
                    "price.abnormally_low",
                    fact(
                        N_(
                            "The total price %(price)s is %(reasons)s: ask the bidder to explain it (Art. 69); this "
                            "is not an exclusion."
                        ),
                        price=Money(price),
                        reasons=Listing(tuple(reasons), fact(N_(" and "))),
                    ),
                    file=file,
                    sheet="Items",
                    field="Unit price",
                )
            ]
    return out
