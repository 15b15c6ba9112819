"""Bids and rule sets built in code, for scoring tests that need no workbook."""

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

from scoring.award.criteria import Scoring, score_bids
from scoring.award.rank import rank_bids
from scoring.models import Bid, Item, ReadResult, Supplier, Tender
from scoring.rules.checks import check_rules
from scoring.rules.schema import RuleSet

TENDER = Tender(
    id="T-1",
    title="t",
    buyer="b",
    currency="EUR",
    bid_deadline=datetime(2026, 10, 15, tzinfo=UTC),
    contract_start=date(2027, 1, 1),
    contract_end=date(2030, 12, 31),
    rules="r.yaml",
)


def bid(
    bid_id,
    price,
    *,
    warranty=4,
    battery="yes",
    model="M1",
    submitted=datetime(2026, 10, 1, tzinfo=UTC),
    labels=(),
    take_back=True,
    ems="ISO 14001",
    quantity=10,
    extra_items=(),
) -> ReadResult:
    items = [
        Item(
            row=2,
            lot="1",
            item="A",
            category="notebook",
            model=model,
            quantity=quantity,
            unit_price=D(price),
            warranty_years=None if warranty is None else D(warranty),
            battery_replaceable=battery,
        )
    ]
    b = Bid(
        bid_id=bid_id,
        file=f"{bid_id}.xlsx",
        file_sha256="0" * 64,
        supplier=Supplier(
            name=bid_id.upper(),
            registration_number=bid_id,
            submitted_at=submitted,
            ew_conditions=True,
            ew_dialogue=True,
            take_back=take_back,
            environmental_management=ems,
        ),
        items=items + list(extra_items),
        labels=list(labels),
    )
    return ReadResult(file=b.file, file_sha256=b.file_sha256, bid=b, issues=[])


def rules(criteria, knockouts=(), tie_break=("lowest_price", "earliest_submission"), **extra) -> RuleSet:
    r = RuleSet.model_validate(
        {
            "id": "r",
            "version": "1",
            "title": "t",
            "criteria": list(criteria),
            "knockouts": list(knockouts),
            "tie_break": list(tie_break),
            **extra,
        }
    )
    check_rules(r, Path("test-rules.yaml"))
    return r


PRICE = {"id": "price", "name": "Price", "weight": 60, "field": "bid.total_price", "function": "price_proportional"}
WARRANTY = {
    "id": "warranty",
    "name": "Warranty",
    "weight": 40,
    "field": "items.warranty_years",
    "aggregate": "min",
    "unit": "y",
    "function": "linear",
    "params": {"worst": 3, "best": 6},
}


def scored(reads, rule_set):
    results, warnings = rank_bids(score_bids(reads, Scoring(TENDER, rule_set)), reads, rule_set)
    return {r.bid_id: r for r in results}, warnings, results
