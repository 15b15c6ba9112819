"""Robustness: weight sensitivity against a brute-force search, reproducible win shares."""

from decimal import Decimal as D

from builders import PRICE, WARRANTY, bid, rules, scored
from conftest import SAMPLE_TENDER

from scoring.award.criteria import Scoring, score_bids
from scoring.award.rank import rank_bids
from scoring.award.robustness import win_shares
from scoring.intake.ingest import read_bid
from scoring.intake.validate import validate_tender
from scoring.pipeline import evaluate_tender, prepare


def test_weight_sensitivity_of_price_on_the_sample_matches_a_brute_force_search():
    evaluation = evaluate_tender(SAMPLE_TENDER)
    price = next(w for w in evaluation.robustness.weight_sensitivity if w.criterion == "price")
    assert (price.flip_at, price.new_winner) == (D("83.86"), "03-budgetit")

    # Brute force: evaluate again with price's weight set to x and the others rescaled, walking up from 50 %.
    prepared = prepare(SAMPLE_TENDER)
    tender, base = prepared.tender, prepared.rules.rules
    checked = validate_tender([read_bid(p, tender) for p in prepared.entries], tender)

    def winner(x: D) -> str:
        factor = (100 - x) / (100 - D(50))
        criteria = [c.model_copy(update={"weight": x if c.id == "price" else c.weight * factor}) for c in base.criteria]
        variant = base.model_copy(update={"criteria": criteria})
        scoring = Scoring(tender, variant, prepared.checks, prepared.panel)
        results, _ = rank_bids(score_bids(checked, scoring), checked, variant)
        return results[0].bid_id

    x = D(50)
    while winner(x) == "01-greenbyte" and x < 90:
        x += D("0.5")
    low = x - D("0.5")
    while winner(low) == "01-greenbyte":
        low += D("0.01")
    assert winner(low) == "03-budgetit"
    assert abs(low - price.flip_at) <= D("0.02")  # points are rounded to cents in the brute force


def test_no_flip_within_the_searched_range_is_reported_as_none():
    out, _, results = scored([bid("a", 100, warranty=6), bid("b", 200, warranty=3)], rules([PRICE, WARRANTY]))
    from scoring.award.robustness import weight_sensitivity

    sensitivity = weight_sensitivity(results, rules([PRICE, WARRANTY]))
    assert all(w.flip_at is None for w in sensitivity)  # a is better on both criteria


def test_win_shares_are_seeded_and_match_the_geometry():
    # Price weight drawn in [30, 70], quality fixed at 50 (then normalised). a: cheap (price score 10, quality
    # 4); b: dear (price 5, quality 10). a wins when p·1 + 50·0.4 > p·0.5 + 50·1, i.e. p > 60: a quarter.
    price = {**PRICE, "weight": 50, "weight_range": [30, 70]}
    quality = {**WARRANTY, "weight": 50, "params": {"worst": 0, "best": 10}}
    rule_set = rules([price, quality], robustness={"draws": 4000, "seed": 7})
    out, _, results = scored([bid("a", 100, warranty=4), bid("b", 200, warranty=10)], rule_set)
    shares = win_shares(results, rule_set)
    assert shares == win_shares(results, rule_set)  # reproducible
    assert abs(shares["a"] - D("0.25")) < D("0.03") and shares["a"] + shares["b"] == D(1)


def test_rank_reversal_equals_the_brute_force_on_random_tenders():
    """Only withdrawals of benchmark holders are evaluated again; on 300 random tenders (price proportional,
    relative and min-max criteria, ties included) the result is exactly that of withdrawing every bid."""
    import random

    from builders import TENDER, bid, rules, scored

    from scoring.award.robustness import benchmark_holders, rank_reversals

    generator = random.Random(20261122)
    functions = [
        {"field": "bid.total_price", "function": "price_proportional"},
        {"field": "bid.total_price", "function": "min_max", "params": {"objective": "min"}},
        {"field": "items.warranty_years", "aggregate": "min", "function": "relative", "params": {"objective": "max"}},
        {"field": "items.warranty_years", "aggregate": "min", "function": "relative", "params": {"objective": "min"}},
        {"field": "items.warranty_years", "aggregate": "min", "function": "min_max", "params": {"objective": "max"}},
        {"field": "items.warranty_years", "aggregate": "min", "function": "linear", "params": {"worst": 0, "best": 9}},
    ]
    reversing, skipped = 0, 0
    for _ in range(300):
        chosen = generator.sample(functions, generator.randint(2, 3))
        cut = sorted(generator.sample(range(5, 96, 5), len(chosen) - 1))
        weights = [b - a for a, b in zip([0, *cut], [*cut, 100])]
        criteria = [{"id": f"c{n}", "name": f"c{n}", "weight": w, **f} for n, (w, f) in enumerate(zip(weights, chosen))]
        reads = [
            bid(f"b{n}", generator.choice([50, 80, 100, 100, 120, 200]), warranty=generator.randint(1, 9))
            for n in range(generator.randint(3, 7))
        ]
        rule_set = rules(criteria)
        _, _, results = scored(reads, rule_set)
        fast = rank_reversals(reads, results, Scoring(TENDER, rule_set))
        slow = rank_reversals(reads, results, Scoring(TENDER, rule_set), brute_force=True)
        assert fast == slow, (criteria, [(r.bid_id, r.total_price) for r in results])
        reversing += bool(slow)
        skipped += len(results) - 1 - len(benchmark_holders(results, rule_set) - {results[0].bid_id})
    assert reversing >= 20  # the comparison is not vacuous: many random tenders do reverse
    assert skipped >= 300  # and many withdrawals were not evaluated again


def _win_shares_one_draw_at_a_time(results, rule_set):
    """The win shares as they were computed before numpy: one draw, one bid at a time (the reference)."""
    import random

    ranked = sorted((r for r in results if r.rank), key=lambda r: (r.rank, r.bid_id))
    generator = random.Random(rule_set.robustness.seed)
    scores = {r.bid_id: {c.id: float(c.score / rule_set.scale) for c in r.criteria} for r in ranked}
    prices = {r.bid_id: float(r.total_price or 0) for r in ranked}
    wins = {r.bid_id: 0.0 for r in ranked}
    for _ in range(rule_set.robustness.draws):
        weights = {
            c.id: generator.uniform(float(c.weight_range[0]), float(c.weight_range[1]))
            if c.weight_range
            else float(c.weight or 0)
            for c in rule_set.criteria
        }
        norm = sum(weights.values())
        values = {}
        for b, s in scores.items():
            total = sum(s[k] * w for k, w in weights.items()) * 100 / norm
            if rule_set.method.name == "price_quality_ratio":
                total = total / prices[b] if prices[b] else 0.0
            values[b] = total
        top = max(values.values())
        leaders = [b for b, v in values.items() if abs(v - top) < 1e-12]
        for b in leaders:
            wins[b] += 1 / len(leaders)
    draws = rule_set.robustness.draws
    return {b: D(repr(w / draws)).quantize(D("0.001")) for b, w in wins.items()}


def test_vectorised_win_shares_equal_one_draw_at_a_time_with_the_same_seed():
    """Random tenders, weighted points and price-quality ratio, identical bids (drawn ties) included."""
    import random

    generator = random.Random(5)
    compared, tied = 0, 0
    for n in range(60):
        ratio = n % 3 == 0
        price = {**PRICE, "weight": 50, "weight_range": [generator.randint(20, 50), generator.randint(50, 80)]}
        quality = {**WARRANTY, "weight": 50, "params": {"worst": 0, "best": 10}}
        if generator.random() < 0.5:
            quality["weight_range"] = [30, 60]
        extra = {"method": {"name": "price_quality_ratio"}} if ratio else {}
        second = {**WARRANTY, "id": "warranty2", "weight": 50, "weight_range": [40, 70]}
        criteria = [quality, second] if ratio else [price, quality]
        rule_set = rules(criteria, robustness={"draws": 500, "seed": generator.randint(0, 10**6)}, **extra)
        offers = [(generator.choice([80, 100, 150]), generator.randint(2, 10)) for _ in range(generator.randint(2, 6))]
        offers.append(offers[0])  # an identical offer: ties in every draw
        reads = [bid(f"b{k}", p, warranty=w) for k, (p, w) in enumerate(offers)]
        _, _, results = scored(reads, rule_set)
        shares = win_shares(results, rule_set)
        if shares is None:
            continue
        assert shares == _win_shares_one_draw_at_a_time(results, rule_set)
        compared += 1
        tied += any(v not in (D(0), D(1)) and v * 2 in (D(0), D(1)) for v in shares.values())
    assert compared >= 40 and tied >= 5
