"""Formal slips are clarification requests, not rejections (Art. 56(3)); answers are used, or refused when they
would change the offer; the ledger and the reports keep the original beside the answer."""

from datetime import date

import pytest
import yaml
from conftest import sample_spec

from scoring.audit.ledger import open_ledger
from scoring.award.results import Status
from scoring.errors import InputError
from scoring.intake.clarify import formal_fields
from scoring.intake.tender import load_tender
from scoring.pipeline import evaluate_tender, run


def _bids(**changes):
    """The sample's first two bids, the second changed by `changes` (supplier headings or item rows)."""
    other = sample_spec("02-officeline.xlsx")
    for heading, value in changes.get("supplier", {}).items():
        other["supplier"][heading] = value
    for n, row in changes.get("items", {}).items():
        other["items"][n].update(row)
    if "formulas" in changes:
        other["formulas"] = changes["formulas"]
    return {"01-greenbyte.xlsx": sample_spec("01-greenbyte.xlsx"), "02-officeline.xlsx": other}


def _answer(field, value, **more):
    """One answer in clarifications.yaml: for 02-officeline, received on 2026-10-20, unless `more` says else."""
    return {"bid": "02-officeline", "field": field, "value": value, "received_on": "2026-10-20", "by": "x"} | more


def _answers(folder, *answers):
    (folder / "clarifications.yaml").write_text(yaml.safe_dump({"answers": list(answers)}, sort_keys=False))


def _bid(evaluation, bid_id="02-officeline"):
    return next(b for b in evaluation.bids if b.bid_id == bid_id)


def test_a_malformed_contact_email_is_a_warning_and_a_request_not_a_rejection(make_tender):
    folder = make_tender(_bids(supplier={"Contact email": "bids(at)officeline"}))
    bid = _bid(evaluate_tender(folder))
    assert bid.status is Status.RANKED
    issue = next(i for i in bid.issues if i.code == "field.bad_format")
    assert issue.severity.value == "warning"
    assert "asked to clarify it (Art. 56(3))" in issue.message
    [request] = bid.clarifications
    assert (request.sheet, request.cell, request.field) == ("Supplier", "B6", "Contact email")
    assert "'bids(at)officeline'" in str(request.found)
    assert str(request.expected) == "an e-mail address"
    assert not request.blocking


def test_a_substantive_defect_still_rejects_and_asks_nothing(make_tender):
    folder = make_tender(_bids(items={0: {"Unit price": "eight hundred"}}))
    bid = _bid(evaluate_tender(folder))
    assert bid.status is Status.REJECTED
    assert any(i.code == "cell.not_a_number" and i.severity.value == "error" for i in bid.issues)
    assert bid.clarifications == []


def test_which_fields_are_formal_the_template_the_tender_and_the_rules_decide(make_tender):
    tender = load_tender(make_tender({}))
    default = formal_fields(tender, set())
    assert ("Supplier", "email") in default and ("Items", "gtin") in default
    assert ("Supplier", "tender_reference") not in default and ("Items", "unit_price") not in default
    # A field the rule set reads goes to the substance of the offer, whatever the template says.
    assert ("Supplier", "email") not in formal_fields(tender, {"supplier.email"})
    moved = load_tender(
        make_tender(
            {},
            name="moved",
            template={
                "substantive": {"Supplier": ["Contact email"]},
                "formal": {"Supplier": ["Take-back and reuse service"], "Items": ["Unit price", "Model"]},
            },
        )
    )
    found = formal_fields(moved, set())
    assert ("Supplier", "email") not in found and ("Supplier", "take_back") in found
    # The price and the offered products are never formal, whatever a tender declares.
    assert ("Items", "unit_price") not in found and ("Items", "model") not in found


def test_a_tender_can_make_a_field_substantive(make_tender):
    folder = make_tender(
        _bids(supplier={"Contact email": "bids(at)officeline"}),
        template={"substantive": {"Supplier": ["Contact email"]}},
    )
    bid = _bid(evaluate_tender(folder))
    assert bid.status is Status.REJECTED and bid.clarifications == []


def test_an_answer_is_used_with_the_original_kept_in_the_reports_and_the_ledger(make_tender, tmp_path):
    folder = make_tender(_bids(supplier={"Contact email": "bids(at)officeline"}))
    _answers(folder, _answer("Contact email", "bids@officeline.example", by="J. Peeters, procurement"))
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    [evaluation] = run(folder, ledger=ledger, out_dir=tmp_path / "out")
    bid = _bid(evaluation)
    assert bid.status is Status.RANKED and bid.clarifications == []
    [answered] = bid.clarified
    assert answered.used and str(answered.original) == "'bids(at)officeline'"
    assert str(answered.answer) == "'bids@officeline.example'" and answered.received_on == date(2026, 10, 20)
    assert [i.code for i in bid.issues if i.field == "Contact email"] == ["clarification.answered"]
    # The ledger's record of the run holds both values.
    payload = ledger.latest(evaluation.tender.id, None).document
    recorded = next(b for b in payload["bids"] if b["bid_id"] == "02-officeline")["clarified"]
    assert recorded[0]["original"] == "'bids(at)officeline'" and recorded[0]["used"] is True
    assert not (tmp_path / "out" / "clarifications" / "02-officeline.md").exists()  # answered: nothing to ask
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "bids(at)officeline" in summary and "bids@officeline.example" in summary  # the original and the answer
    assert "02-officeline" in (tmp_path / "out" / "summary.md").read_text().split("## Clarifications")[1]


def test_an_answer_may_not_change_the_price_or_the_products(make_tender):
    folder = make_tender(_bids())
    _answers(
        folder,
        _answer("Unit price", 1, sheet="Items", row=2),
        _answer("Model", "Other", sheet="Items", row=2),
        _answer("Take-back and reuse service", "Yes"),
    )
    before = _bid(evaluate_tender(make_tender(_bids(), name="plain")))
    bid = _bid(evaluate_tender(folder))
    assert bid.total == before.total and bid.total_price == before.total_price
    assert [a.used for a in bid.clarified] == [False, False, False]
    reasons = [str(c.reason) for c in bid.clarified]
    assert "price or the offered products" in reasons[0] and "new offer" in reasons[0]
    assert "price or the offered products" in reasons[1]
    assert "substance of the offer" in reasons[2]
    assert sum(i.code == "clarification.refused" for i in bid.issues) == 3


def test_an_answer_that_names_no_cell_is_refused_and_an_unknown_bid_stops_the_run(make_tender):
    folder = make_tender(_bids())
    _answers(folder, _answer("GTIN", "12345670", bid="02-officeline.xlsx", sheet="Items", row=99))
    [refused] = _bid(evaluate_tender(folder)).clarified
    assert not refused.used and "row 99" in str(refused.reason)
    _answers(folder, _answer("Contact email", "a@b.c", bid="99-nobody"))
    with pytest.raises(InputError, match="99-nobody"):
        evaluate_tender(folder)
    (folder / "clarifications.yaml").write_text("answers:\n  - bid: 02-officeline\n    field: Contact email\n")
    with pytest.raises(InputError, match="received_on"):
        evaluate_tender(folder)


def test_a_formula_without_its_value_waits_for_the_answer_then_ranks(make_tender):
    folder = make_tender(_bids(formulas={("Items", "H2"): "=800+99"}))
    bid = _bid(evaluate_tender(folder))
    assert bid.status is Status.AWAITING_CLARIFICATION
    [request] = bid.clarifications
    assert request.blocking and request.cell == "H2" and "=800+99" in str(request.found)
    assert str(request.expected) == "the value the formula calculates"
    _answers(folder, _answer("Unit price", 899, sheet="Items", row=2, received_on="2026-10-21"))
    bid = _bid(evaluate_tender(folder))
    assert bid.status is Status.RANKED
    assert bid.clarified[0].used and str(bid.clarified[0].original) == "a formula without a calculated value"
    assert bid.total == _bid(evaluate_tender(make_tender(_bids(), name="plain"))).total


def test_a_formula_in_a_formal_field_is_only_a_warning(make_tender):
    folder = make_tender(_bids(formulas={("Supplier", "B6"): '="bids@"&"officeline.example"'}))
    bid = _bid(evaluate_tender(folder))
    assert bid.status is Status.RANKED
    [request] = bid.clarifications
    assert not request.blocking and request.field == "Contact email"


def test_a_new_answer_makes_the_tender_stale_for_rescoring(make_tender, tmp_path):
    from scoring.audit.rescore import staleness
    from scoring.pipeline import prepare

    folder = make_tender(_bids(supplier={"Contact email": "bids(at)officeline"}))
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    run(folder, ledger=ledger)
    prepared = prepare(folder)
    tender, rules = prepared.tender, prepared.rules
    assert staleness(ledger, tender, rules) is None
    _answers(folder, _answer("Contact email", "a@b.example"))
    assert "clarifications.yaml" in staleness(ledger, tender, rules)
    [again] = run(folder, ledger=ledger)
    assert _bid(again).clarified[0].used  # the validation cache of these bytes is not used for an answered bid
    assert not any(i.code == "field.bad_format" for i in _bid(again).issues)


def test_issues_and_requests_name_the_tenders_own_sheets(make_tender):
    mapping = {
        "sheets": {"Supplier": "Leverancier", "Items": "Producten"},
        "headings": {"Supplier": {"Contact email": "E-mail"}},
    }
    bids = _bids(supplier={"Contact email": "bids(at)officeline"})
    for spec in bids.values():
        spec["mapping"] = mapping
    bid = _bid(evaluate_tender(make_tender(bids, template=mapping)))
    issue = next(i for i in bid.issues if i.code == "field.bad_format")
    assert (issue.sheet, issue.field) == ("Leverancier", "E-mail")
    assert (bid.clarifications[0].sheet, bid.clarifications[0].cell) == ("Leverancier", "B6")
    assert {i.sheet for i in bid.issues} <= {"Leverancier", "Producten", "Labels", "Factories", None}
