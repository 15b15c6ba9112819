"""Robustness: weight sensitivity against a brute-force search, reproducible win shares."""

from decimal import Decimal as D

from builders import PRICE, WARRANTY, bid, rules, scored
from conftest import SAMPLE_TENDER

from scoring.award.criteria import score_bids
from scoring.award.rank import rank_bids
from scoring.award.robustness import win_shares
from scoring.intake.ingest import read_bid
from scoring.intake.validate import validate_tender
from scoring.pipeline import evaluate_tender, prepare, verification


def test_weight_sensitivity_of_price_on_the_sample_matches_a_brute_force_search():
    evaluation = evaluate_tender(SAMPLE_TENDER)
    price = next(w for w in evaluation.robustness.weight_sensitivity if w.criterion == "price")
    assert (price.flip_at, price.new_winner) == (D("83.86"), "03-budgetit")

    # Brute force: evaluate again with price's weight set to x and the others rescaled, walking up from 50 %.
    tender, loaded, files = prepare(SAMPLE_TENDER)
    checks = verification(tender, loaded)
    checked = validate_tender([read_bid(p, tender) for p in files], tender)
    base = loaded.rules

    def winner(x: D) -> str:
        factor = (100 - x) / (100 - D(50))
        criteria = [c.model_copy(update={"weight": x if c.id == "price" else c.weight * factor}) for c in base.criteria]
        variant = base.model_copy(update={"criteria": criteria})
        results, _ = rank_bids(score_bids(checked, tender, variant, checks), checked, variant)
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
