"""Scoring functions, knock-outs, rounding and the tie-break chain, on bids built in code."""

import random
from datetime import UTC, datetime
from decimal import Decimal as D

from builders import PRICE, WARRANTY, bid, rules, scored

from scoring.award.results import Status
from scoring.models import Item


def test_proportional_price_and_linear_by_hand():
    out, _, _ = scored([bid("a", 1000, warranty=5), bid("b", 800, warranty=3)], rules([PRICE, WARRANTY]))
    a = {c.id: c for c in out["a"].criteria}
    # price: lowest 8000 / 10000 × 10 = 8.00 → 8.00 / 10 × 60 = 48.00
    assert (a["price"].raw, a["price"].score, a["price"].points) == (D(10000), D("8.00"), D("48.00"))
    # warranty: (5 − 3) / (6 − 3) × 10 = 6.666… → 6.67 → 6.67 / 10 × 40 = 26.68
    assert (a["warranty"].score, a["warranty"].points) == (D("6.67"), D("26.68"))
    assert out["a"].total == D("74.68")
    assert str(a["warranty"].explanation) == (
        "Warranty: min over items 5 y → 6.67/10 (linear 3 y → 0, 6 y → 10); × 40 % = 26.68 pts"
    )
    b = {c.id: c for c in out["b"].criteria}
    assert (b["price"].points, b["warranty"].points, out["b"].total) == (D("60.00"), D("0.00"), D("60.00"))
    assert (out["a"].rank, out["b"].rank) == (1, 2)


def test_linear_clamps_and_runs_either_way():
    energy = {
        "id": "energy",
        "name": "Energy",
        "weight": 40,
        "field": "items.warranty_years",
        "aggregate": "max",
        "function": "linear",
        "params": {"worst": 10, "best": 2},
    }  # lower is better
    out, _, _ = scored(
        [bid("a", 100, warranty=1), bid("b", 100, warranty=6), bid("c", 100, warranty=12)], rules([PRICE, energy])
    )
    assert [next(c.score for c in out[x].criteria if c.id == "energy") for x in "abc"] == [
        D("10.00"),
        D("5.00"),
        D("0.00"),
    ]


def test_steps_yes_no_lookup_and_relative():
    criteria = [
        {**PRICE, "weight": 40},
        {
            "id": "warranty",
            "name": "W",
            "weight": 15,
            "field": "items.warranty_years",
            "aggregate": "min",
            "function": "steps",
            "params": {"steps": [{"at_least": 4, "score": 5}, {"at_least": 5, "score": 10}]},
        },
        {
            "id": "take_back",
            "name": "T",
            "weight": 15,
            "field": "supplier.take_back",
            "function": "yes_no",
            "params": {"yes": 8},
        },
        {
            "id": "ems",
            "name": "E",
            "weight": 15,
            "field": "supplier.environmental_management",
            "function": "lookup",
            "params": {"values": {"iso 14001": 10, "EMAS": 7}, "otherwise": 1},
        },
        {
            "id": "rel",
            "name": "R",
            "weight": 15,
            "field": "items.warranty_years",
            "aggregate": "min",
            "function": "relative",
            "params": {"objective": "max"},
        },
    ]
    out, _, _ = scored(
        [
            bid("a", 100, warranty=4, take_back=True, ems="ISO 14001"),
            bid("b", 100, warranty=5, take_back=False, ems="emas"),
            bid("c", 100, warranty=3, take_back=True, ems="none"),
        ],
        rules(criteria),
    )
    score = lambda x, cid: next(c.score for c in out[x].criteria if c.id == cid)
    assert [score(x, "warranty") for x in "abc"] == [D("5.00"), D("10.00"), D("0.00")]
    assert [score(x, "take_back") for x in "abc"] == [D("8.00"), D("0.00"), D("8.00")]
    assert [score(x, "ems") for x in "abc"] == [D("10.00"), D("7.00"), D("1.00")]
    assert [score(x, "rel") for x in "abc"] == [D("8.00"), D("10.00"), D("6.00")]  # value / best 5 × 10


def test_share_of_line_value_on_a_condition():
    battery = {
        "id": "battery",
        "name": "Battery",
        "weight": 40,
        "field": "items",
        "function": "share_of_value",
        "params": {"where": {"field": "items.battery_replaceable", "in": ["yes", "n/a"]}},
    }
    monitor = Item(
        row=3,
        lot="1",
        item="B",
        category="monitor",
        model="Screen 24",
        quantity=10,
        unit_price=D(300),
        warranty_years=D(5),
        battery_replaceable="no",
    )
    out, _, _ = scored([bid("a", 700, extra_items=[monitor])], rules([PRICE, battery]))
    share = next(c for c in out["a"].criteria if c.id == "battery")
    # 10 × 700 of 10 × 700 + 10 × 300 meets the condition: 0.7 → 7.00 → 28.00
    assert share.raw == D("0.7") and share.score == D("7.00") and share.points == D("28.00")


def test_a_value_not_stated_scores_zero_and_says_so():
    out, _, _ = scored([bid("a", 100), bid("b", 100, warranty=None)], rules([PRICE, WARRANTY]))
    w = next(c for c in out["b"].criteria if c.id == "warranty")
    assert w.raw is None and w.points == D("0.00") and "not stated for every item (Items row 2)" in str(w.explanation)


def test_knockouts_exclude_and_name_the_requirement():
    knockouts = [
        {
            "id": "min_warranty",
            "requirement": "At least 3 years of warranty",
            "every_item": {"field": "items.warranty_years", "at_least": 3},
        },
        {
            "id": "ew",
            "requirement": "Accepts the Electronics Watch conditions",
            "check": {"field": "supplier.ew_conditions", "equals": True},
        },
    ]
    out, _, _ = scored([bid("a", 100, warranty=4), bid("b", 50, warranty=2)], rules([PRICE, WARRANTY], knockouts))
    assert out["b"].status is Status.EXCLUDED and out["b"].rank is None and out["b"].criteria == []
    assert "min_warranty" in str(out["b"].reasons[0]) and "Items row 2" in str(out["b"].reasons[0])
    # The excluded bid's lower price does not set the benchmark for the others.
    assert next(c.score for c in out["a"].criteria if c.id == "price") == D("10.00")


def test_rounding_is_half_up_on_the_score_then_on_the_points():
    third = {
        "id": "w",
        "name": "W",
        "weight": 45,
        "field": "items.warranty_years",
        "aggregate": "min",
        "function": "linear",
        "params": {"worst": 0, "best": 8},
    }
    price = {**PRICE, "weight": 55}
    out, _, _ = scored([bid("a", 100, warranty=D("0.9"))], rules([price, third]))
    w = next(c for c in out["a"].criteria if c.id == "w")
    # 0.9 / 8 × 10 = 1.125 → 1.13 (half-up; half-even gives 1.12) → 1.13 / 10 × 45 = 5.085 → 5.09
    assert (w.score, w.points) == (D("1.13"), D("5.09"))
    out, _, _ = scored([bid("a", 100, warranty=D("0.9"))], rules([price, third], rounding={"mode": "half_even"}))
    w = next(c for c in out["a"].criteria if c.id == "w")
    assert (w.score, w.points) == (D("1.12"), D("5.04"))  # 1.12 × 4.5 = 5.04


def test_ties_are_broken_by_the_chain_never_by_file_order():
    price_only = [{**PRICE, "weight": 100}]
    early, late = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 2, tzinfo=UTC)
    reads = [bid("zeta", 100, submitted=early), bid("alpha", 100, submitted=late), bid("mid", 120)]
    for _ in range(5):
        random.shuffle(reads)
        out, warnings, ordered = scored(reads, rules(price_only, tie_break=["earliest_submission"]))
        assert [r.bid_id for r in ordered] == ["zeta", "alpha", "mid"]
        assert (out["zeta"].rank, out["alpha"].rank) == (1, 2)
        assert "earliest submission decides" in str(out["zeta"].tie_break) and not warnings


def test_a_tie_on_a_criterion_breaks_before_price():
    criteria = [{**PRICE, "weight": 50}, {**WARRANTY, "weight": 50}]
    # a: price 10/10 → 50.00, warranty 3 y → 0.00; b: price 5/10 → 25.00, warranty 4.5 y → 5/10 → 25.00.
    a, b = bid("a", 100, warranty=3), bid("b", 200, warranty=D("4.5"))
    out, warnings, _ = scored([a, b], rules(criteria, tie_break=["criterion:warranty", "lowest_price"]))
    assert out["a"].total == out["b"].total == D("50.00")
    assert (out["b"].rank, out["a"].rank) == (1, 2)
    assert (
        str(out["a"].tie_break)
        == str(out["b"].tie_break)
        == ("b and a are tied on 50.00 points; most points on warranty decides: b 25.00 pts, a 0.00 pts.")
    )
    out, _, _ = scored([a, b], rules(criteria, tie_break=["lowest_price"]))
    assert (out["a"].rank, out["b"].rank) == (1, 2)


def test_an_unbreakable_tie_shares_the_rank_and_warns():
    reads = [bid("x", 100), bid("y", 100)]
    out, warnings, _ = scored(reads, rules([{**PRICE, "weight": 100}], tie_break=["lowest_price"]))
    assert out["x"].rank == out["y"].rank == 1
    assert warnings and "share rank 1" in str(warnings[0]) and "drawing lots" in str(warnings[0])
