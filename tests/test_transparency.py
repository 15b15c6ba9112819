"""Supply-chain transparency scored from the disclosed factories, per offered model: worked examples of a model
missing its final assembly factory, a missing component, an audit too old; factory lists sent apart from the
bid, in the layout of a disclosure form, read through the tender's column mapping."""

from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest
from builders import TENDER, rules
from conftest import codes, sample_spec

from scoring.dates import add_months
from scoring.errors import RuleError
from scoring.models import Factory, Item
from scoring.pipeline import evaluate_tender
from scoring.rules.functions import DisclosureParams, disclosure

DEADLINE = TENDER.bid_deadline.date()  # 2026-10-15


def _factory(model, tier="final assembly", component=None, **over) -> Factory:
    values = dict(
        row=2,
        model=model,
        tier=tier,
        component=component,
        name=f"{model} {component or 'assembly'} plant",
        country="CN",
        city="Suzhou",
        address="1 Road",
        last_audit=date(2026, 1, 10),
        audit_scheme="RBA VAP",
    )
    return Factory(**(values | over))


def _bid(factories, items=None):
    from builders import bid

    read = bid("a", 1000)
    items = items or [
        Item(row=2, category="notebook", model="NB 14", quantity=10, unit_price=D(900)),
        Item(row=3, category="monitor", model="Mon 24", quantity=10, unit_price=D(100)),
    ]
    return read.bid.model_copy(update={"items": items, "factories": factories})


def _measure(factories, **params):
    return disclosure(DisclosureParams(**params), _bid(factories), DEADLINE)


def test_a_model_missing_its_final_assembly_factory_scores_nothing_for_that_model():
    raw = _measure([_factory("NB 14")], measure="final_assembly")
    assert raw.value == D("0.5")  # 1 of 2 models
    assert "1 of 2 models" in raw.text and "missing: Mon 24" in raw.text
    by_value = _measure([_factory("NB 14")], measure="final_assembly", per="value")
    assert by_value.value == D("0.9")  # the notebooks are 9,000 of 10,000 of line value


def test_a_factory_without_its_address_is_not_disclosed_and_all_covers_every_model():
    assert _measure([_factory("NB 14", address=" "), _factory("Mon 24")], measure="final_assembly").value == D("0.5")
    assert _measure([_factory("all")], measure="final_assembly").value == D(1)


def test_a_row_for_a_model_not_offered_does_not_count_and_is_named():
    raw = _measure([_factory("NB 15"), _factory("Mon 24")], measure="final_assembly")
    assert raw.value == D("0.5")
    assert "missing: NB 14" in raw.text and "models not offered do not count (NB 15)" in raw.text


def test_a_missing_component_is_named_per_model():
    factories = [_factory("NB 14", "component", "battery"), _factory("Mon 24", "component", "display")]
    asked = {"notebook": ["battery", "display"], "monitor": ["display"]}
    together = _measure(factories, measure="components", components=asked)
    assert together.value == D("0.5")  # the notebook lacks its display factory: it scores nothing
    assert "missing: NB 14 (display)" in together.text
    each = _measure(factories, measure="components", components=asked, together=False)
    assert each.value == D("0.75")  # (1/2 + 1/1) / 2
    assert "NB 14 1 of 2, Mon 24 1 of 1" in each.text
    flat = _measure(factories, measure="components", components=["battery"])  # the monitor is asked for one too
    assert flat.value == D("0.5") and "Mon 24 (battery)" in flat.text


def test_an_audit_too_old_or_under_an_unrecognised_scheme_does_not_count():
    factories = [
        _factory("NB 14"),  # audited 2026-01-10 under RBA VAP
        _factory("Mon 24", last_audit=date(2023, 9, 30)),  # more than 24 months before 2026-10-15
        _factory("Mon 24", "component", "display", audit_scheme="own checklist"),
        _factory("NB 14", "component", "battery", last_audit=None),
    ]
    raw = _measure(factories, measure="audits", schemes=["RBA VAP", "SA8000"], max_age_months=24)
    assert raw.value == D("0.25")
    assert "1 of 4 disclosed factories" in raw.text
    assert "audit of 2023-09-30 older than 24 months" in raw.text
    assert "own checklist is not a recognised scheme" in raw.text
    assert "no audit stated" in raw.text
    on_the_day = [_factory("NB 14", last_audit=add_months(DEADLINE, -24))]
    assert _measure(on_the_day, measure="audits", max_age_months=24).value == D(1)


def test_months_are_counted_back_on_the_calendar():
    assert add_months(date(2026, 10, 15), -24) == date(2024, 10, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 5), -13) == date(2024, 12, 5)
    assert add_months(date(2027, 1, 31), 13) == date(2028, 2, 29)  # forward, into a leap February


def test_a_disclosure_criterion_reads_the_factories_and_nothing_else():
    good = {"id": "t", "name": "T", "weight": 100, "field": "factories", "function": "disclosure"}
    rules([good | {"params": {"measure": "final_assembly"}}])
    with pytest.raises(RuleError, match="set field: factories"):
        rules([good | {"field": "items", "params": {"measure": "final_assembly"}}])
    with pytest.raises(Exception, match="needs the components"):
        rules([good | {"params": {"measure": "components"}}])


def test_the_sample_scores_transparency_and_warns_a_bid_that_discloses_no_factory(sample_evaluation):
    bids = {b.bid_id: b for b in sample_evaluation.bids}
    green = {c.id: c for c in bids["01-greenbyte"].criteria}
    assert green["final_assembly"].points == D(3) and green["components"].points == D(2)
    office = {c.id: c for c in bids["02-officeline"].criteria}
    assert "missing: ThinkVision S24e" in str(office["final_assembly"].explanation)
    budget = bids["03-budgetit"]
    assert "factories.none_disclosed" in codes(budget)
    assert "factories.none_disclosed" not in codes(bids["01-greenbyte"])
    [warning] = [i for i in budget.issues if i.code == "factories.none_disclosed"]
    assert "Final assembly factories disclosed" in warning.message


# --- factory lists apart from the bid -------------------------------------------------------------------

FORM = ["Brand", "Product model", "Production stage", "Component", "Factory", "Street address", "City", "Country"]
FORM_MAPPING = {
    "folder": "disclosures",
    "sheet": "Factory list",
    "header_row": 3,
    "headings": {
        "Model": "Product model",
        "Tier": "Production stage",
        "Factory name": "Factory",
        "Address": "Street address",
        "Last social audit": "Audit date",
        "Audit scheme": "Audit type",
    },
}


def _form(path, rows):
    """A disclosure form: an instructions sheet first, the list under two lines of its own header."""
    book = openpyxl.Workbook()
    book.active.title = "Instructions"
    book.active["A1"] = "List every factory of the offered models."
    sheet = book.create_sheet("Factory list")
    sheet["A1"] = "Supplier disclosure form"
    sheet.append([])
    sheet.append(FORM)
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def _office_with_form(make_tender, rows, spec=None):
    folder = make_tender(
        {"02-officeline.xlsx": spec or sample_spec("02-officeline.xlsx")},
        template={"yes_words": ["Ja"], "no_words": ["Nee"], "factory_lists": FORM_MAPPING},
    )
    if rows is not None:
        _form(folder / "disclosures" / "02-officeline.xlsx", rows)
    return folder


def test_a_factory_list_in_a_disclosure_form_is_read_through_the_mapping(make_tender):
    folder = _office_with_form(
        make_tender,
        [
            ["Lenvo", "ThinkBook 14 G6", "final assembly", None, "Chengdu Plant", "2 Hi-Tech Road", "Chengdu", "CN"],
            ["Lenvo", "ThinkVision S24e", "final assembly", None, "Wuhan Plant", "9 Lake Road", "Wuhan", "CN"],
            ["Lenvo", "ThinkVision S24e", "component", "display", "Panel Co", "3 Glass Street", "Hefei", "CN"],
        ],
    )
    [office] = evaluate_tender(folder).bids
    points = {c.id: c for c in office.criteria}
    assert points["final_assembly"].points == D(3)  # both models, from the form; the workbook had one
    assert "ThinkVision S24e 1 of 1" in str(points["components"].explanation)
    assert "factories.two_lists" in codes(office)
    [two] = [i for i in office.issues if i.code == "factories.two_lists"]
    assert "disclosures/02-officeline.xlsx, sheet Factory list" in two.message


def test_a_defect_in_the_form_names_its_row_and_a_bad_form_falls_back_to_the_workbook(make_tender):
    folder = _office_with_form(
        make_tender,
        [["Lenvo", "ThinkBook 14 G6", "final assembly", None, "Chengdu Plant", "2 Hi-Tech Road", "Chengdu", "XX"]],
    )
    [office] = evaluate_tender(folder).bids
    [bad] = [i for i in office.issues if i.field == "Country"]
    assert (bad.sheet, bad.row) == ("disclosures/02-officeline.xlsx, sheet Factory list", 4)

    folder = _office_with_form(make_tender, None)
    (folder / "disclosures").mkdir(exist_ok=True)
    (folder / "disclosures" / "02-officeline.xlsx").write_bytes(b"not a workbook at all")
    [office] = evaluate_tender(folder).bids
    assert "factories.list_unreadable" in codes(office)
    assert office.status.value == "ranked"
    assert {c.id: c for c in office.criteria}["final_assembly"].points == D("1.5")  # the workbook's own sheet


def test_a_changed_factory_list_is_read_again_though_the_workbook_is_not(make_tender, tmp_path):
    from scoring import pipeline
    from scoring.audit.ledger import Ledger
    from scoring.audit.rescore import staleness
    from scoring.pipeline import prepare

    row = ["Lenvo", "ThinkBook 14 G6", "final assembly", None, "Chengdu Plant", "2 Hi-Tech Road", "Chengdu", "CN"]
    folder = _office_with_form(make_tender, [row])
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    [first] = pipeline.run(folder, ledger=ledger)
    assert {c.id: c for c in first.bids[0].criteria}["final_assembly"].points == D("1.5")
    monitor = ["Lenvo", "ThinkVision S24e", "final assembly", None, "Wuhan Plant", "9 Lake Road", "Wuhan", "CN"]
    _form(folder / "disclosures" / "02-officeline.xlsx", [row, monitor])
    prepared = prepare(folder)
    tender, rules = prepared.tender, prepared.rules
    assert "disclosures/02-officeline.xlsx" in staleness(ledger, tender, rules)
    [second] = pipeline.run(folder, ledger=ledger)
    assert {c.id: c for c in second.bids[0].criteria}["final_assembly"].points == D(3)
