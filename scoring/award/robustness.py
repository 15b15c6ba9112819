"""How solid a ranking is: weight sensitivity, rank reversal, and win shares over weight ranges.

Reported with every evaluation, so a buyer sees before the award whether a small
change of a weight, or a losing bid's withdrawal, would change the outcome.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from scoring.award.criteria import Scoring, score_bids, scored_among
from scoring.award.rank import rank_bids
from scoring.award.results import BidResult, RankReversal, RobustnessReport, Status, WeightSensitivity
from scoring.models import ReadResult
from scoring.rules.functions import MinMaxParams, Peers, RelativeParams
from scoring.rules.schema import RuleSet

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _ranked(results: list[BidResult]) -> list[BidResult]:
    return sorted((r for r in results if r.status is Status.RANKED), key=lambda r: (r.rank, r.bid_id))


def _line(r: BidResult, k: str, w_k: Decimal, rules: RuleSet) -> tuple[Decimal, Decimal]:
    """The bid's ranking value as a + m·x when criterion k's weight becomes x, the others rescaled.

    Uses the rounded scores and unrounded points: the exact arithmetic of the weights.
    """
    scale = rules.scale
    own = next(c.score for c in r.criteria if c.id == k) / scale
    rest = sum((c.score / scale * (c.weight or Decimal(0)) for c in r.criteria if c.id != k), Decimal(0))
    a, m = HUNDRED * rest / (HUNDRED - w_k), own - rest / (HUNDRED - w_k)
    factor = rules.method.sensitivity_factor(r.total_price)
    return a * factor, m * factor


def weight_sensitivity(results: list[BidResult], rules: RuleSet) -> list[WeightSensitivity]:
    """Per weighted criterion: the nearest weight (others rescaled proportionally) at which the winner changes."""
    if rules.method.stake != "weight":
        return []  # money amounts, not weights (docs/rules.md)
    ranked = _ranked(results)
    if len(ranked) < 2:
        return []
    winner = ranked[0]
    reach = rules.robustness.weight_change_pp
    out = []
    for c in rules.criteria:
        w_k = c.stake(rules.method)
        if w_k == HUNDRED:
            out.append(WeightSensitivity(criterion=c.id, weight=w_k, searched_pp=reach))
            continue
        low, high = max(Decimal(0), w_k - reach), min(HUNDRED, w_k + reach)
        a_w, m_w = _line(winner, c.id, w_k, rules)
        best = None
        for other in ranked[1:]:
            a_b, m_b = _line(other, c.id, w_k, rules)
            if m_b == m_w:
                continue  # parallel: no crossing
            x = (a_w - a_b) / (m_b - m_w)
            if not low <= x <= high:
                continue
            if best is None or abs(x - w_k) < abs(best[0] - w_k):
                best = (x, other.bid_id)
        out.append(
            WeightSensitivity(
                criterion=c.id,
                weight=w_k,
                searched_pp=reach,
                flip_at=best[0].quantize(CENT, rounding=ROUND_HALF_UP) if best else None,
                new_winner=best[1] if best else None,
            )
        )
    return out


def relative_causes(rules: RuleSet) -> list[str]:
    return [f"{c.id} ({c.function})" for c in rules.criteria if c.relative]


def benchmark_holders(results: list[BidResult], rules: RuleSet) -> set[str]:
    """The bids whose withdrawal can change another bid's score: those holding, alone, the benchmark of a
    criterion scored against the other bids (the lowest price, the best value of a `relative` criterion, the
    best or the worst value of a `min_max` one). Every other bid's score depends on its own answers and on
    benchmarks that stay where they are when it leaves (another bid holds the same value)."""
    ranked = _ranked(results)
    holders: set[str] = set()
    for c in rules.criteria:
        if not c.relative:
            continue
        raws = {r.bid_id: next(x.raw for x in r.criteria if x.id == c.id) for r in ranked}
        peers = Peers.of(list(raws.values()))  # the same benchmarks scoring compared the bids with
        if peers.low is None or peers.high is None:
            continue
        if isinstance(c.params, MinMaxParams):
            marks = {peers.low, peers.high}
        elif isinstance(c.params, RelativeParams) and c.params.objective == "max":
            marks = {peers.high}
        else:  # price_proportional and relative min: the lowest
            marks = {peers.low}
        for mark in marks:
            holding = [bid for bid, v in raws.items() if v is not None and v == mark]
            if len(holding) == 1:
                holders.add(holding[0])
    return holders


def rank_reversals(
    checked: list[ReadResult], results: list[BidResult], scoring: Scoring, brute_force: bool = False
) -> list[RankReversal]:
    """Withdraw each non-winning bid in turn and report pairs of the others that swap.

    Withdrawing a bid that holds no benchmark leaves every other score, and so the others' order, as it
    was: only the holders' withdrawals are looked at, at most a few per relative criterion, and then the
    others are scored again from their raw values (which do not depend on the other bids) against the new
    benchmarks, without reading their items again; so the cost grows linearly with the bids and not with
    their item lines. `brute_force` evaluates every withdrawal from the bids up (for the test that proves
    both equal).
    """
    rules = scoring.rules
    ranked = _ranked(results)
    base = {r.bid_id: r.rank or 0 for r in ranked}
    files = {r.bid_id: r.file for r in ranked}
    holders = None if brute_force else benchmark_holders(results, rules)
    out = []
    for removed in ranked[1:]:
        if holders is not None and removed.bid_id not in holders:
            continue
        rest = [c for c in checked if c.file != files[removed.bid_id]]
        if brute_force:
            again, _ = rank_bids(score_bids(rest, scoring), rest, rules)
        else:  # the others' raw values stand; only the benchmarks move
            again, _ = rank_bids(scored_among([r for r in ranked if r is not removed], rules), rest, rules)
        now = {r.bid_id: r.rank or 0 for r in again if r.status is Status.RANKED}
        swapped = [[a, b] for a in now for b in now if base[a] < base[b] and now[a] > now[b]]
        if swapped:
            causes = relative_causes(rules)
            out.append(
                RankReversal(
                    removed=removed.bid_id,
                    changed_pairs=sorted(swapped),
                    cause=("scores relative to the other bids: " + ", ".join(causes)) if causes else None,
                )
            )
    return out


def win_shares(results: list[BidResult], rules: RuleSet) -> dict[str, Decimal] | None:
    """Monte Carlo over the declared weight ranges (seeded): the share of draws each bid wins.

    The draws come from Python's seeded generator in the order they always have (draw by draw, criterion by
    criterion), the arithmetic runs on whole columns of draws at once (numpy) in the same order of floating
    point operations, and a tie shares its draw exactly: the same seed gives the same shares as drawing one
    weight at a time, in a fraction of the time.
    """
    ranged = [c for c in rules.criteria if c.weight_range is not None]
    ranked = _ranked(results)
    if not ranged or not ranked or rules.method.stake != "weight":
        return None
    import numpy as np  # only where win shares are computed

    draws = rules.robustness.draws
    generator = random.Random(rules.robustness.seed)
    uniforms = np.array([generator.random() for _ in range(draws * len(ranged))]).reshape(draws, len(ranged))
    columns, at = [], 0
    for c in rules.criteria:
        if c.weight_range is None:
            columns.append(np.full(draws, float(c.weight or 0)))
        else:
            low, high = float(c.weight_range[0]), float(c.weight_range[1])
            columns.append(low + (high - low) * uniforms[:, at])  # random.uniform's own formula
            at += 1
    norm = columns[0].copy()
    for column in columns[1:]:
        norm += column
    scores = np.array(
        [
            [float(next(x.score for x in r.criteria if x.id == c.id) / rules.scale) for c in rules.criteria]
            for r in ranked
        ]
    )
    totals = scores[:, :1] * columns[0]
    for k in range(1, len(columns)):
        totals = totals + scores[:, k : k + 1] * columns[k]
    totals = totals * 100 / norm  # bids x draws
    prices = np.array([float(r.total_price or 0) for r in ranked])
    values = rules.method.draw_values(totals, prices[:, None])
    leads = np.abs(values - values.max(axis=0)) < 1e-12
    sharing = leads.sum(axis=0)  # how many bids share each draw's win
    shares = {}
    for n, r in enumerate(ranked):
        won = Fraction(0)
        for size, count in zip(*np.unique(sharing[leads[n]], return_counts=True), strict=True):
            won += Fraction(int(count), int(size))
        shares[r.bid_id] = (Decimal(won.numerator) / Decimal(won.denominator) / draws).quantize(
            Decimal("0.001"), rounding=ROUND_HALF_UP
        )
    return shares


def assess(checked: list[ReadResult], results: list[BidResult], scoring: Scoring) -> RobustnessReport:
    rules = scoring.rules
    return RobustnessReport(
        weight_sensitivity=weight_sensitivity(results, rules),
        rank_reversals=rank_reversals(checked, results, scoring),
        win_shares=win_shares(results, rules),
    )
