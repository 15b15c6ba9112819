"""How solid a ranking is: weight sensitivity, rank reversal, and win shares over weight ranges.

Reported with every evaluation, so a buyer sees before the award whether a small
change of a weight, or a losing bid's withdrawal, would change the outcome.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from scoring.award.criteria import score_bids
from scoring.award.rank import rank_bids
from scoring.award.results import BidResult, RankReversal, RobustnessReport, Status, WeightSensitivity
from scoring.claims.verify import Verification
from scoring.intake.panel_sheets import PanelSheets
from scoring.models import ReadResult, Tender
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
        return []  # money amounts, not weights: see README
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


def rank_reversals(
    checked: list[ReadResult],
    results: list[BidResult],
    tender: Tender,
    rules: RuleSet,
    verification: Verification | None,
    panel: PanelSheets | None,
) -> list[RankReversal]:
    """Withdraw each non-winning bid in turn, evaluate again, and report pairs of the others that swap."""
    ranked = _ranked(results)
    base = {r.bid_id: r.rank or 0 for r in ranked}
    files = {r.bid_id: r.file for r in ranked}
    out = []
    for removed in ranked[1:]:
        rest = [c for c in checked if c.file != files[removed.bid_id]]
        again, _ = rank_bids(score_bids(rest, tender, rules, verification, panel), rest, rules)
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
    """Monte Carlo over the declared weight ranges (seeded): the share of draws each bid wins."""
    ranged = [c for c in rules.criteria if c.weight_range is not None]
    ranked = _ranked(results)
    if not ranged or not ranked or rules.method.stake != "weight":
        return None
    generator = random.Random(rules.robustness.seed)
    scores = {r.bid_id: {c.id: float(c.score / rules.scale) for c in r.criteria} for r in ranked}
    prices = {r.bid_id: float(r.total_price or 0) for r in ranked}
    wins = {r.bid_id: 0.0 for r in ranked}
    draws = rules.robustness.draws
    for _ in range(draws):
        weights = {
            c.id: (
                generator.uniform(float(c.weight_range[0]), float(c.weight_range[1]))
                if c.weight_range
                else float(c.weight or 0)
            )
            for c in rules.criteria
        }
        norm = sum(weights.values())
        values = {}
        for bid, s in scores.items():
            total = sum(s[k] * w for k, w in weights.items()) * 100 / norm
            values[bid] = rules.method.draw_value(total, prices[bid])
        top = max(values.values())
        leaders = [b for b, v in values.items() if abs(v - top) < 1e-12]
        for b in leaders:
            wins[b] += 1 / len(leaders)  # a drawn tie splits the win
    return {b: Decimal(repr(w / draws)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP) for b, w in wins.items()}


def assess(
    checked: list[ReadResult],
    results: list[BidResult],
    tender: Tender,
    rules: RuleSet,
    verification: Verification | None = None,
    panel: PanelSheets | None = None,
) -> RobustnessReport:
    return RobustnessReport(
        weight_sensitivity=weight_sensitivity(results, rules),
        rank_reversals=rank_reversals(checked, results, tender, rules, verification, panel),
        win_shares=win_shares(results, rules),
    )
