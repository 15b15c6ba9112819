"""Award methods by hand, switching the sample between methods, abnormally low prices, rank reversal."""

from decimal import Decimal as D

import pytest
from builders import PRICE, WARRANTY, bid, rules, scored
from conftest import ROOT, SAMPLE_TENDER, by_id

from scoring.award.criteria import Scoring
from scoring.award.robustness import rank_reversals
from scoring.errors import RuleError
from scoring.pipeline import evaluate_tender
from scoring.rules.load import load_rules

QUALITY = {
    "id": "warranty",
    "name": "Warranty",
    "field": "items.warranty_years",
    "aggregate": "min",
    "function": "linear",
    "params": {"worst": 3, "best": 6},
}


def criterion(result, cid):
    return next(c for c in result.criteria if c.id == cid)


def test_price_between_fixed_bounds_and_min_max_by_hand():
    fixed = {**PRICE, "function": "linear", "params": {"worst": 12000, "best": 8000}}
    out, _, _ = scored([bid("a", 1000), bid("b", 800), bid("c", 1200)], rules([fixed, WARRANTY]))
    # a: 10 × 1000 = 10,000 on 12,000 → 0, 8,000 → 10: (10,000 − 12,000) / (8,000 − 12,000) × 10 = 5.00 → 30.00
    assert (criterion(out["a"], "price").score, criterion(out["a"], "price").points) == (D("5.00"), D("30.00"))
    minmax = {**PRICE, "function": "min_max", "params": {"objective": "min"}}
    out, _, _ = scored([bid("a", 1000), bid("b", 800), bid("c", 1200)], rules([minmax, WARRANTY]))
    # best 8,000 → 10, worst 12,000 → 0: a at 10,000 → 5.00; b → 10.00; c → 0.00
    assert [criterion(out[x], "price").score for x in "abc"] == [D("5.00"), D("10.00"), D("0.00")]


def test_value_for_money_by_hand():
    criteria = [{**QUALITY, "money": 1000}]
    out, _, ordered = scored(
        [bid("a", 1000, warranty=6), bid("b", 950, warranty=3)], rules(criteria, method={"name": "value_for_money"})
    )
    # a: 10 × 1,000 = 10,000; warranty 6 y → 10/10 → 1,000.00 off → comparison price 9,000.00
    # b: 10 × 950 = 9,500; warranty 3 y → 0/10 → 0.00 off → 9,500.00. Lowest comparison price wins: a.
    assert (out["a"].total, out["a"].ranking_value) == (D("1000.00"), D("9000.00"))
    assert (out["b"].total, out["b"].ranking_value) == (D("0.00"), D("9500"))
    assert [r.bid_id for r in ordered] == ["a", "b"]
    assert str(criterion(out["a"], "warranty").explanation).endswith("× 1,000.00 = 1,000.00 off the price")
    # Adding what is not earned instead ranks the same: a 10,000 + 0 = 10,000; b 9,500 + 1,000 = 10,500.
    out, _, ordered = scored(
        [bid("a", 1000, warranty=6), bid("b", 950, warranty=3)],
        rules(criteria, method={"name": "value_for_money", "direction": "add"}),
    )
    assert (out["a"].ranking_value, out["b"].ranking_value) == (D("10000.00"), D("10500.00"))
    assert [r.bid_id for r in ordered] == ["a", "b"]


def test_price_quality_ratio_by_hand():
    criteria = [{**QUALITY, "weight": 100}]
    out, _, ordered = scored(
        [bid("a", 1000, warranty=6), bid("b", 950, warranty=D("4.5"))],
        rules(criteria, method={"name": "price_quality_ratio", "per": 1000}),
    )
    # a: 100.00 points / 10,000 × 1,000 = 10.0000; b: 4.5 y → 5.00 → 50.00 points / 9,500 × 1,000 = 5.2632
    assert (out["a"].ranking_value, out["b"].ranking_value) == (D("10.0000"), D("5.2632"))
    assert [r.bid_id for r in ordered] == ["a", "b"]


def test_methods_check_their_own_stakes(tmp_path):
    import yaml
    from conftest import rules_data

    data = rules_data()
    data["method"] = {"name": "value_for_money"}
    path = tmp_path / "vfm.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RuleError, match="needs a money on every criterion"):
        load_rules(path)


@pytest.fixture(scope="module")
def by_method():
    return {
        name: evaluate_tender(SAMPLE_TENDER, ROOT / "rules" / f"{name}.yaml")
        for name in ("computers-2026", "computers-2026-value-for-money", "computers-2026-ratio")
    }


def test_switching_methods_changes_only_what_the_method_changes(by_method):
    base = by_method["computers-2026"]
    for name, other in by_method.items():
        assert {b.bid_id: b.status for b in other.bids} == {b.bid_id: b.status for b in base.bids}, name
        for b in other.bids:
            assert b.claims == by_id(base, b.bid_id).claims
            assert b.total_price == by_id(base, b.bid_id).total_price
            same = {c.id: (c.raw, c.score) for c in by_id(base, b.bid_id).criteria}
            for c in b.criteria:
                assert (c.raw, c.score) == same[c.id], (name, b.bid_id, c.id)
    vfm = by_method["computers-2026-value-for-money"]
    assert vfm.rules.method.name == "value_for_money"
    for b in vfm.bids:
        if b.rank:
            assert b.ranking_value == b.total_price - sum(c.points for c in b.criteria)


def test_rule_variants_extend_their_base_and_hash_both():
    base = load_rules(ROOT / "rules" / "computers-2026.yaml")
    ratio = load_rules(ROOT / "rules" / "computers-2026-ratio.yaml")
    assert [c.id for c in ratio.rules.criteria] == [c.id for c in base.rules.criteria if c.id != "price"]
    assert ratio.rules.labels == base.rules.labels and ratio.sha256 != base.sha256


def test_an_abnormally_low_price_is_a_warning_not_an_exclusion():
    low = {"below_mean_of_others_pct": 20, "below_next_pct": 15}
    out, _, _ = scored([bid("a", 1000), bid("b", 1050), bid("c", 700)], rules([PRICE, WARRANTY], abnormally_low=low))
    warning = next(i for i in out["c"].issues if i.code == "price.abnormally_low")
    # mean of the others 10,250; 7,000 is 31.7 % below it; the next bid 10,000 is 30.0 % above it
    assert "31.7 % below the mean of the other bids" in warning.message
    assert "30.0 % below the next bid" in warning.message
    assert warning.severity.value == "warning" and out["c"].rank == 1
    assert not [i for i in out["a"].issues + out["b"].issues if i.code == "price.abnormally_low"]


def test_abnormally_low_prices_in_one_pass_equal_the_comparison_with_every_other_bid():
    """The linear check (prices sorted once) finds, word for word, what comparing each price with every
    other bid finds, on random prices with ties."""
    import random

    from scoring.award.criteria import abnormally_low
    from scoring.formatting import money

    def by_hand(prices, mean_pct, next_pct):
        found = {}
        for file, price in prices.items():
            others = [p for f, p in prices.items() if f != file]
            mean = sum(others, D(0)) / len(others)
            above = [p for p in others if p >= price]
            parts = []
            if (mean - price) / mean * 100 > mean_pct:
                parts.append(f"({money(mean)};")
            if above and (min(above) - price) / min(above) * 100 > next_pct:
                parts.append(f"({money(min(above))};")
            if parts:
                found[file] = parts
        return found

    draw = random.Random(7)
    for _ in range(200):
        prices = {
            f"bid{n}": D(draw.choice([500, 700, 700, 800, 950, 1000, 1000, 1200])) for n in range(draw.randint(2, 9))
        }
        low = rules([PRICE, WARRANTY], abnormally_low={"below_mean_of_others_pct": 10, "below_next_pct": 12})
        found = abnormally_low(prices, low)
        expected = by_hand(prices, 10, 12)
        assert set(found) == set(expected)
        for file, parts in expected.items():
            [warning] = found[file]
            assert all(part in warning.message for part in parts), (prices, file, warning.message)


def _reversal_tender(method: dict, quality: dict):
    # With C: A 25 + 30 = 55, B 12.5 + 45 = 57.5, C 50 + 0 = 50 → B, A, C. C sets the lowest price.
    # Without C the lowest price is A's: A 50 + 30 = 80, B 25 + 45 = 70 → A, B: the top two reverse.
    reads = [bid("A", 100, warranty=6), bid("B", 200, warranty=9), bid("C", 50, warranty=0)]
    if method:
        return reads, rules([quality], method=method)
    return reads, rules([{**PRICE, "weight": 50}, quality])


def test_withdrawing_a_losing_bid_reverses_the_top_two_under_proportional_price():
    quality = {**QUALITY, "weight": 50, "params": {"worst": 0, "best": 10}}
    reads, rule_set = _reversal_tender(None, quality)
    out, _, results = scored(reads, rule_set)
    assert [r.bid_id for r in results] == ["B", "A", "C"]
    from builders import TENDER

    reversals = rank_reversals(reads, results, Scoring(TENDER, rule_set))
    assert [r.model_dump() for r in reversals] == [
        {
            "removed": "C",
            "changed_pairs": [["B", "A"]],
            "cause": "scores relative to the other bids: price (price_proportional)",
        }
    ]


def test_no_reversal_under_value_for_money():
    quality = {**QUALITY, "money": 1000, "params": {"worst": 0, "best": 10}}
    reads, rule_set = _reversal_tender({"name": "value_for_money"}, quality)
    out, _, results = scored(reads, rule_set)
    from builders import TENDER

    assert rank_reversals(reads, results, Scoring(TENDER, rule_set)) == []


def test_the_reports_flag_a_reversal_end_to_end(make_tender, tmp_path):
    import json

    import yaml
    from conftest import rules_data

    from scoring.reports.write import write_reports

    data = rules_data()
    data["knockouts"] = []
    data["tie_break"] = ["lowest_price"]
    data["criteria"] = [{**PRICE, "weight": 50}, {**QUALITY, "weight": 50, "params": {"worst": 0, "best": 10}}]
    path = tmp_path / "reversal.yaml"
    path.write_text(yaml.safe_dump(data))
    bids = {}
    # Notebooks only carry a price (monitors at 0): A 200 × 5 = 1,000, B 2,000, C 500, as in the test above.
    for name, price, warranty, reg in (
        ("A", 5, 6, "BE0400000001"),
        ("B", 10, 9, "BE0400000002"),
        ("C", D("2.5"), 0, "BE0400000003"),
    ):
        spec = sample_spec_for_reversal(reg)
        spec["items"][0].update({"Unit price": float(price), "Warranty (years)": warranty})
        spec["items"][1].update({"Unit price": 0, "Warranty (years)": warranty})
        bids[f"{name}.xlsx"] = spec
    evaluation = evaluate_tender(make_tender(bids, rules=str(path)))
    write_reports(evaluation, tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "evaluation.json").read_text())
    assert [b["bid_id"] for b in doc["bids"]] == ["B", "A", "C"]
    assert doc["robustness"]["rank_reversals"] == [
        {
            "removed": "C",
            "changed_pairs": [["B", "A"]],
            "cause": "scores relative to the other bids: price (price_proportional)",
        }
    ]
    assert "Rank reversal: without C, B now below A." in (tmp_path / "out" / "summary.md").read_text()


def sample_spec_for_reversal(registration: str) -> dict:
    from conftest import sample_spec

    spec = sample_spec("01-greenbyte.xlsx")
    spec["supplier"]["Registration number"] = registration
    spec["labels"] = []
    return spec
