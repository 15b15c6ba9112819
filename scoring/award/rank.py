"""Rank scored bids by total, ties broken by the rule set's chain, never by file order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from scoring.award.results import BidResult, Status
from scoring.facts import N_, Fact, Listing, Money, Written, english, fact
from scoring.intake.receipts import submission_time
from scoring.models import ReadResult
from scoring.rules.schema import RuleSet

LABELS = {"lowest_price": N_("lowest total price"), "earliest_submission": N_("earliest submission")}


def _key(result: BidResult, entry: str, submitted: dict[str, datetime | None]) -> Any:
    """Smaller sorts first; a missing value sorts last."""
    if entry == "lowest_price":
        return (result.total_price is None, result.total_price or Decimal(0))
    if entry == "earliest_submission":
        moment = submitted.get(result.file)
        return (moment is None, moment.timestamp() if moment else 0)
    criterion = entry.split(":", 1)[1]
    points = next(c.points for c in result.criteria if c.id == criterion)
    return (False, -points)


def _shown(result: BidResult, entry: str, submitted) -> Any:
    if entry == "lowest_price":
        return Money(result.total_price) if result.total_price is not None else fact(N_("no price"))
    if entry == "earliest_submission":
        moment = submitted.get(result.file)
        return moment if moment else fact(N_("no time"))
    criterion = entry.split(":", 1)[1]
    return fact(N_("%(points)s pts"), points=Written(next(c.points for c in result.criteria if c.id == criterion)))


def _value(r: BidResult) -> Any:
    if r.ranking_value in (None, r.total):
        return fact(N_("%(total)s points"), total=Written(r.total) if r.total is not None else "None")
    return Written(r.ranking_value) if isinstance(r.ranking_value, Decimal) else str(r.ranking_value)


def _describe(entry: str) -> Fact:
    if entry in LABELS:
        return fact(LABELS[entry])
    return fact(N_("most points on %(criterion)s"), criterion=entry.split(":", 1)[1])


def rank_bids(
    results: list[BidResult], checked: list[ReadResult], rules: RuleSet
) -> tuple[list[BidResult], list[Fact]]:
    """Ranked bids first (by rank), then excluded, then rejected (each by bid id).

    Returns the ordered results and warnings about ties the chain could not break:
    such bids share a rank, and the buyer decides as its procurement rules say.
    """
    submitted = {r.file: submission_time(r) for r in checked if r.bid}
    ranked = [r for r in results if r.status is Status.RANKED]
    chain = rules.tie_break

    sign = -1 if rules.method.higher_is_better else 1

    def full_key(r: BidResult):
        value = r.ranking_value if r.ranking_value is not None else r.total
        return (value is None, sign * (value or 0), *[_key(r, e, submitted) for e in chain])

    ranked.sort(key=lambda r: (full_key(r), r.bid_id))  # bid_id only orders bids that share a rank
    warnings: list[Fact] = []
    out: list[BidResult] = []
    notes: dict[str, list[Fact]] = {}
    rank = 0
    for position, r in enumerate(ranked):
        previous = ranked[position - 1] if position else None
        if previous is None or full_key(previous) != full_key(r):
            rank = position + 1
        if previous is not None and full_key(previous)[:2] == full_key(r)[:2]:
            entry = next((e for e in chain if _key(previous, e, submitted) != _key(r, e, submitted)), None)
            if entry is None:
                text = fact(
                    N_(
                        "%(a)s and %(b)s are tied on %(value)s and on every tie-break (%(chain)s); they share rank "
                        "%(rank)s."
                    ),
                    a=previous.bid_id,
                    b=r.bid_id,
                    value=_value(r),
                    chain=Listing(tuple(_describe(e) for e in chain)) if chain else fact(N_("none declared")),
                    rank=rank,
                )
                warnings.append(
                    fact(
                        N_("%(tie)s The buyer must decide as its procurement rules say (e.g. by drawing lots)."),
                        tie=text,
                    )
                )
            else:
                text = fact(
                    N_(
                        "%(a)s and %(b)s are tied on %(value)s; %(rule)s decides: %(a)s %(a_value)s, %(b)s %(b_value)s."
                    ),
                    a=previous.bid_id,
                    b=r.bid_id,
                    value=_value(r),
                    rule=_describe(entry),
                    a_value=_shown(previous, entry, submitted),
                    b_value=_shown(r, entry, submitted),
                )
            notes.setdefault(previous.bid_id, []).append(text)
            notes.setdefault(r.bid_id, []).append(text)
        out.append(r.model_copy(update={"rank": rank}))
    out = [r.model_copy(update={"tie_break": _joined(notes[r.bid_id])}) if r.bid_id in notes else r for r in out]
    rest = sorted(
        (r for r in results if r.status is not Status.RANKED), key=lambda r: (r.status is Status.REJECTED, r.bid_id)
    )
    return out + rest, warnings


def _joined(notes: list[Fact]) -> Fact:
    """Several tie notes on one bid, each once, as one."""
    seen: dict[str, Fact] = {}
    for note in notes:
        seen.setdefault(english(note), note)
    return Fact("%(notes)s", {"notes": Listing(tuple(seen.values()), " ")})
