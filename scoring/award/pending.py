"""Which open decisions matter: every claim awaiting review is scored both ways (accepted, and as now, not
counted), and every open clarification is weighed, to say whether the award or a rank depends on it.

Only the bid whose claim is decided is scored again; the others' raw values stand and only the relative
criteria's benchmarks are set again (criteria.scored_among), so weighing a decision costs one bid's scoring,
not the tender's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from scoring.award.criteria import Scoring, ranking_value, score_bids, scored_among
from scoring.award.rank import rank_bids
from scoring.award.results import STATUS_WORDS, BidResult, Evaluation, PendingDecision, Status
from scoring.claims.reviews import ReviewDecision, Reviews
from scoring.claims.verdicts import ClaimVerdict, Verdict
from scoring.claims.verify import Verification
from scoring.facts import N_, Written, fact
from scoring.models import ReadResult
from scoring.rules.schema import RuleSet

WHAT_IF = "what-if of the pending decisions"


def weigh_pending(checked: list[ReadResult], results: list[BidResult], scoring: Scoring) -> list[PendingDecision]:
    """The open decisions, those the award or a rank depends on first."""
    verification = scoring.checks
    ranked = sorted((r for r in results if r.status is Status.RANKED), key=lambda r: r.rank or 0)
    winner = ranked[0].bid_id if ranked else None
    reads = {r.file: r for r in checked}
    out = []
    for b in results:
        for claim in b.claims:
            if claim.verdict is not Verdict.NEEDS_REVIEW:
                continue
            if b.status is not Status.RANKED or verification is None:
                out.append(_not_ranked(b, claim, winner))
                continue
            out.append(_both_ways(b, claim, ranked, reads, scoring, verification))
        for request in b.clarifications:
            out.append(_clarification(b, request.field, request.blocking, winner))
    return sorted(out, key=lambda p: (not p.relevant, p.bid_id, p.subject))


@dataclass(frozen=True)
class AwaitingReview:
    """A claim awaiting the committee's review, and whether its decision can change the award or a rank."""

    lot: str | None
    bid: BidResult
    claim: ClaimVerdict
    reference: str  # the certificate or evidence reviews.yaml names it by; "" when it names neither
    deciding: bool | None  # True: the award or a rank depends on it; False: it does not; None: not weighed


def awaiting_review(evaluation: Evaluation) -> list[AwaitingReview]:
    """The claims awaiting review, those the award or a rank depends on first: the one review queue of the
    status (readiness), the workspace and `tenderscore status`."""
    relevant = {(p.bid_id, p.subject): p.relevant for p in evaluation.pending if p.kind == "claim"}
    found = [
        AwaitingReview(
            lot=evaluation.lot,
            bid=b,
            claim=claim,
            reference=claim.certificate_id or claim.evidence or "",
            deciding=relevant.get((b.bid_id, _reference(claim))),
        )
        for b in evaluation.bids
        for claim in b.claims
        if claim.verdict is Verdict.NEEDS_REVIEW
    ]
    return sorted(found, key=lambda a: a.deciding is not True)


def _reference(claim: ClaimVerdict) -> str:
    return (
        claim.certificate_id or claim.evidence or f"Labels row {claim.row}"
    )  # an identifier, as reviews.yaml names it


def _both_ways(
    b: BidResult,
    claim: ClaimVerdict,
    ranked: list[BidResult],
    reads: dict[str, ReadResult],
    scoring: Scoring,
    verification: Verification,
) -> PendingDecision:
    tender, rules = scoring.tender, scoring.rules
    reference = _reference(claim)
    decision = ReviewDecision(
        bid=b.bid_id, claim=reference, decision="accept", by=WHAT_IF, at=tender.bid_deadline.date(), reason=WHAT_IF
    )
    accepted = replace(
        verification, reviews=Reviews(decisions=[*verification.reviews.decisions, decision]), verdicts={}
    )
    [alone] = score_bids([reads[b.file]], replace(scoring, checks=accepted))  # its raw values, claim accepted
    now = {r.bid_id: r.rank for r in ranked}
    quick = placed(b, alone, ranked, rules)
    if quick is None:  # a relative criterion moved, or a tie: the others are scored and ranked again
        combined = [alone if r.bid_id == b.bid_id else r for r in ranked]
        again, _ = rank_bids(scored_among(combined, rules), [reads[r.file] for r in ranked], rules)
        then = {r.bid_id: r.rank for r in again if r.status is Status.RANKED}
        mine = next(r for r in again if r.bid_id == b.bid_id)
    else:
        then, mine = quick
    winner_now, winner_then = ranked[0].bid_id, min(then, key=lambda k: then[k] or 0)
    changes_winner = winner_now != winner_then
    changes_ranks = now != then
    head = fact(
        N_(
            "Accepting the %(label)s claim %(claim)s of %(bid)s would bring its total to %(total)s (now %(now)s), "
            "rank %(rank)s (now %(rank_now)s)"
        ),
        label=claim.label or fact(N_("label")),
        claim=reference,
        bid=b.bid_id,
        total=_amount(mine.total),
        now=_amount(b.total),
        rank=then[b.bid_id],
        rank_now=b.rank,
    )
    if changes_winner:
        tail = fact(
            N_("%(head)s: the winner would be %(then)s instead of %(winner)s; the award depends on this decision."),
            then=winner_then,
            winner=winner_now,
        )
    elif changes_ranks:
        tail = fact(N_("%(head)s; %(winner)s stays first, but ranks below it change."), winner=winner_now)
    else:
        top = next(r for r in ranked if r.bid_id == winner_now)
        tail = (
            fact(
                N_("%(head)s, below the winner's %(top)s: the award does not depend on this decision."),
                top=_amount(top.total),
            )
            if b.bid_id != winner_now
            else fact(N_("%(head)s: the bid stays first either way; the award does not depend on this decision."))
        )
    tail.values["head"] = head
    return PendingDecision(
        kind="claim",
        bid_id=b.bid_id,
        subject=reference,
        label=claim.label,
        total_now=b.total,
        total_if_accepted=mine.total,
        rank_now=b.rank,
        rank_if_accepted=then[b.bid_id],
        winner_now=winner_now,
        winner_if_accepted=winner_then,
        changes_winner=changes_winner,
        changes_ranks=changes_ranks,
        explanation=tail,
    )


def placed(
    b: BidResult, alone: BidResult, ranked: list[BidResult], rules: RuleSet
) -> tuple[dict[str, int | None], BidResult] | None:
    """The ranks, and the bid's result, with its claim accepted, when only its own total moves: no relative
    criterion's raw value changed (so its relative scores and the others' scores stand) and its new ranking
    value ties with no other bid's (no tie-break to apply). None otherwise: the caller ranks again. Costs a
    pass over the ranked bids, not a re-scoring of them."""
    if alone.status is not Status.RANKED or len(alone.criteria) != len(b.criteria):
        return None
    relative = {n for n, c in enumerate(rules.criteria) if c.relative}
    if any(alone.criteria[n].raw != b.criteria[n].raw for n in relative):
        return None
    # Scored alone, a relative criterion compared the bid with itself: those scores are taken as they stand.
    criteria = [b.criteria[n] if n in relative else c for n, c in enumerate(alone.criteria)]
    total = sum((c.points for c in criteria), Decimal(0))
    value = ranking_value(total, alone.total_price, rules)
    if value is None:
        return None
    mine = alone.model_copy(update={"criteria": criteria, "total": total, "ranking_value": value})
    others = [r for r in ranked if r.bid_id != b.bid_id]
    if any(r.ranking_value == value for r in others):
        return None
    better = (lambda v: v > value) if rules.method.higher_is_better else (lambda v: v < value)
    ahead = sum(1 for r in others if r.ranking_value is not None and better(r.ranking_value))
    out: dict[str, int | None] = {}
    for position, r in enumerate(others, start=1):
        out[r.bid_id] = position if position <= ahead else position + 1
    out[b.bid_id] = ahead + 1
    return out, mine


def _amount(value: Decimal | None) -> Any:
    return fact(N_("no total")) if value is None else Written(value)


def _not_ranked(b: BidResult, claim: ClaimVerdict, winner: str | None) -> PendingDecision:
    return PendingDecision(
        kind="claim",
        bid_id=b.bid_id,
        subject=_reference(claim),
        label=claim.label,
        winner_now=winner,
        changes_winner=False,
        changes_ranks=False,
        explanation=fact(
            N_("%(bid)s is %(status)s for other reasons: the decision on this claim changes no rank."),
            bid=b.bid_id,
            status=fact(STATUS_WORDS[b.status]),
        ),
    )


def _clarification(b: BidResult, field: str, blocking: bool, winner: str | None) -> PendingDecision:
    if not blocking:
        return PendingDecision(
            kind="clarification",
            bid_id=b.bid_id,
            subject=field,
            winner_now=winner,
            changes_winner=False,
            changes_ranks=False,
            explanation=fact(
                N_("%(field)s of %(bid)s is a formal defect: the answer changes no score."), field=field, bid=b.bid_id
            ),
        )
    return PendingDecision(
        kind="clarification",
        bid_id=b.bid_id,
        subject=field,
        winner_now=winner,
        explanation=fact(
            N_(
                "%(bid)s cannot be ranked before it states %(field)s: the answer may change the ranking, and the "
                "award waits for it."
            ),
            bid=b.bid_id,
            field=field,
        ),
    )
