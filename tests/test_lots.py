"""Lots evaluated separately: each lot ranked on its own items and prices."""

from decimal import Decimal as D

import pytest
import yaml
from conftest import rules_data, sample_spec

from scoring.award.results import Status
from scoring.pipeline import evaluate, evaluate_tender
from scoring.reports.write import default_out_dir, write_reports

ITEMS = [
    {"lot": "1", "item": "NB-14", "description": "14-inch notebook", "quantity": 200},
    {"lot": "2", "item": "MON-24", "description": "24-inch monitor", "quantity": 150},
]


def _lot(spec, lot):
    spec["items"] = [
        dict(i, Lot=lot)
        for i in spec["items"]
        if i["Lot"] == "1" and (i["Item"] == ("NB-14" if lot == "1" else "MON-24"))
    ]
    return spec


@pytest.fixture
def per_lot(make_tender, tmp_path):
    rules = rules_data()
    rules["lots"] = "separate"
    path = tmp_path / "per-lot.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    both = sample_spec("01-greenbyte.xlsx")
    for item in both["items"]:
        item["Lot"] = "1" if item["Item"] == "NB-14" else "2"
    monitors_only = _lot(sample_spec("03-budgetit.xlsx"), "2")
    broken_monitor = sample_spec("02-officeline.xlsx")
    for item in broken_monitor["items"]:
        item["Lot"] = "1" if item["Item"] == "NB-14" else "2"
        if item["Item"] == "MON-24":
            item["Quantity"] = -1
    folder = make_tender(
        {
            "a-both.xlsx": both,
            "b-monitors.xlsx": monitors_only,
            "c-broken-monitor.xlsx": broken_monitor,
            "d-letter.xlsx": b"not a workbook",
        },
        items=ITEMS,
        rules=str(path),
    )
    return evaluate(folder)


def test_each_lot_is_ranked_on_its_own(per_lot):
    assert [e.lot for e in per_lot] == ["1", "2"]
    lot1, lot2 = per_lot
    statuses1 = {b.bid_id: b.status for b in lot1.bids}
    statuses2 = {b.bid_id: b.status for b in lot2.bids}
    # Offering one lot only is allowed: no 'missing item' for the lot not bid for.
    assert statuses1 == {"a-both": Status.RANKED, "c-broken-monitor": Status.RANKED, "d-letter": Status.REJECTED}
    assert statuses2 == {
        "a-both": Status.RANKED,
        "b-monitors": Status.RANKED,
        "c-broken-monitor": Status.REJECTED,
        "d-letter": Status.REJECTED,
    }
    # Prices are per lot: 200 × 989 for the notebooks, 150 × 189 for the monitors.
    assert next(b for b in lot1.bids if b.bid_id == "a-both").total_price == D("197800")
    assert next(b for b in lot2.bids if b.bid_id == "a-both").total_price == D("28350")


def test_a_fault_in_one_lot_does_not_reject_the_other(per_lot):
    lot1, lot2 = per_lot
    broken1 = next(b for b in lot1.bids if b.bid_id == "c-broken-monitor")
    broken2 = next(b for b in lot2.bids if b.bid_id == "c-broken-monitor")
    assert broken1.status is Status.RANKED and not [i for i in broken1.issues if i.code == "field.out_of_range"]
    assert broken2.status is Status.REJECTED and any("Quantity" in r for r in map(str, broken2.reasons))


def test_each_lot_gets_its_own_reports(per_lot, tmp_path):
    for evaluation in per_lot:
        out = default_out_dir(evaluation)  # beside the tender folder, whatever the current folder
        assert out == evaluation.tender.folder.resolve().parent / "reports" / evaluation.tender.id / out.name
        write_reports(evaluation, out)
        assert out.name == f"lot-{evaluation.lot}" and (out / "evaluation.json").is_file()
        assert f"lot {evaluation.lot}" in (out / "summary.md").read_text().splitlines()[0]


def test_evaluate_tender_refuses_to_pick_one_lot(per_lot, make_tender, tmp_path):
    rules = rules_data()
    rules["lots"] = "separate"
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(rules))
    both = sample_spec("01-greenbyte.xlsx")
    for item in both["items"]:
        item["Lot"] = "1" if item["Item"] == "NB-14" else "2"
    folder = make_tender({"a.xlsx": both}, name="t2", items=ITEMS, rules=str(path))
    with pytest.raises(ValueError, match="lots separately"):
        evaluate_tender(folder)
