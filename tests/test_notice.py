"""The contract award notice for TED: eForms from the evaluation and the award record, checked offline against the
vendored SDK's XSD and the Schematron of subtype 29 (SaxonC-HE), as a buyer would upload it."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import pytest
import yaml
from conftest import ROOT, SAMPLE_TENDER, decide, rules_data, sample_spec, sent
from lxml import etree

from scoring import pipeline
from scoring.audit.ledger import Ledger
from scoring.errors import InputError
from scoring.models import Award
from scoring.reports.eforms import SDK, check_schematron, check_xsd, validate
from scoring.reports.notice import NS, NoNotice, build_notice, lot_facts

X = {k or "can": v for k, v in NS.items()}
EFORMS = {
    "notice_id": "6f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f",
    "procedure_id": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
    "cpv": "30213100",
    "buyer_legal_type": "la",
    "buyer_activity": "gen-pub",
    "buyer": {"registration": "BE0207451227", "city": "Gent", "postal_code": "9000", "country": "BEL",
              "nuts": "BE234", "email": "aankoop@stad.example", "phone": "+32 9 210 10 10"},
    "review_body": {"city": "Brussel", "postal_code": "1040", "country": "BEL", "nuts": "BE100",
                    "registration": "BE0000000196"},
    "review": "A tenderer may ask the Council of State to declare the contract ineffective within 30 days of "
              "the publication of this notice.",
}  # fmt: skip
SIZES = {"01-greenbyte": "large", "02-officeline": "medium", "03-budgetit": "small", "04-datacomma": "large",
         "05-incomplete": "micro", "07-nordic-revised": "large", "08-lowcost": "small", "09-formula-text": "medium",
         "10-not-a-workbook": "small"}  # fmt: skip


def _eforms(folder, **changes) -> None:
    data = yaml.safe_load((folder / "tender.yaml").read_text())
    settings = {**EFORMS, **changes}
    settings["tenderers"] = {bid: {"size": size} for bid, size in SIZES.items()}
    settings["tenderers"]["01-greenbyte"] |= {"city": "Mechelen", "postal_code": "2800", "nuts": "BE212"}
    settings["tenderers"]["10-not-a-workbook"]["country"] = "BEL"  # its file cannot be read: the buyer knows
    data["eforms"] = settings
    (folder / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.fixture(scope="module")
def awarded(tmp_path_factory):
    """The sample tender with nothing open, its letters sent, the standstill over and 01-greenbyte awarded."""
    root = tmp_path_factory.mktemp("notice")
    shutil.copytree(ROOT / "rules", root / "rules")
    shutil.copytree(SAMPLE_TENDER, root / "tender")
    data = yaml.safe_load((root / "tender" / "tender.yaml").read_text())
    data["rules"] = str(root / "rules" / "computers-2026.yaml")
    (root / "tender" / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    decide(root / "tender", sent_on=None)
    _eforms(root / "tender")
    ledger = Ledger(f"sqlite:///{root / 'ledger.sqlite'}")
    day = sent(root / "tender", ledger)
    award = Award(bid="01-greenbyte", awarded_on=day, by="College of Aldermen", concluded_on=day)
    pipeline.award_contract(root / "tender", award, ledger=ledger)
    yield root, ledger, day
    ledger.engine.dispose()


def _values(xml: bytes, path: str) -> list[str]:
    return [str(v) for v in etree.fromstring(xml).xpath(path, namespaces=X)]


R = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension/efac:NoticeResult"


def test_the_awarded_sample_gives_a_valid_notice_of_subtype_29(awarded):
    """Every figure from the evaluation and the award record; valid against the XSD and the Schematron."""
    root, ledger, day = awarded
    done = pipeline.award_notice(root / "tender", ledger=ledger, issued=day)
    assert done.notice.missing == []
    assert done.validation.valid, [
        (f.rule, f.field, f.location[-200:], f.test[-300:]) for f in done.validation.failures
    ]
    assert done.final and done.path.name == "notice-can.xml" and done.path.read_bytes() == done.notice.xml
    xml = done.notice.xml
    [evaluation] = pipeline.run(root / "tender")
    ranked = [b for b in evaluation.bids if b.rank]
    winner = next(b for b in ranked if b.rank == 1)
    assert winner.bid_id == "01-greenbyte"
    assert _values(xml, "efac:NoticeSubType/cbc:SubTypeCode/text()".join(["//", ""])) == ["29"]
    assert _values(xml, "/can:ContractAwardNotice/cbc:RegulatoryDomain/text()") == ["32014L0024"]
    assert _values(xml, "/can:ContractAwardNotice/cbc:NoticeLanguageCode/text()") == ["ENG"]
    assert _values(xml, f"{R}/efac:LotResult/cbc:TenderResultCode/text()") == ["selec-w"]  # BT-142
    assert _values(xml, f"{R}/efac:LotResult/efac:TenderLot/cbc:ID/text()") == ["LOT-0001"]  # BT-13713
    assert _values(xml, f"{R}/efac:LotTender/efac:TenderReference/cbc:ID/text()") == ["01-greenbyte"]  # BT-3201
    assert _values(xml, f"{R}/efac:LotTender/cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == [
        f"{winner.total_price:.2f}"
    ]  # BT-720
    assert _values(xml, f"{R}/efac:LotTender/cbc:RankCode/text()") == ["1"]  # BT-171
    prices = [b.total_price for b in ranked]
    assert _values(xml, f"{R}/efac:LotResult/cbc:LowerTenderAmount/text()") == [f"{min(prices):.2f}"]  # BT-710
    assert _values(xml, f"{R}/efac:LotResult/cbc:HigherTenderAmount/text()") == [f"{max(prices):.2f}"]  # BT-711
    stats = dict(
        zip(
            _values(xml, f"{R}/efac:LotResult/efac:ReceivedSubmissionsStatistics/efbc:StatisticsCode/text()"),
            map(
                int,
                _values(xml, f"{R}/efac:LotResult/efac:ReceivedSubmissionsStatistics/efbc:StatisticsNumeric/text()"),
            ),
            strict=True,
        )
    )
    received = [b for b in evaluation.bids if not b.superseded and not b.withdrawn]
    assert stats["tenders"] == len(received) == stats["t-esubm"]  # a replaced submission counts once
    assert stats["t-sme"] + stats["t-large"] == stats["tenders"]  # SDK 1.15's arithmetic
    assert _values(xml, f"{R}/efac:SettledContract/cbc:AwardDate/text()") == [f"{day.isoformat()}Z"]  # BT-1451
    assert _values(xml, f"{R}/efac:SettledContract/cbc:IssueDate/text()") == [f"{day.isoformat()}Z"]  # BT-145
    assert _values(xml, f"{R}/efac:SettledContract/efac:ContractReference/cbc:ID/text()") == ["CITY-ICT-2026-014"]
    winner_org = _values(xml, f"{R}/efac:TenderingParty/efac:Tenderer/cbc:ID/text()")
    company = f"//efac:Company[cac:PartyIdentification/cbc:ID='{winner_org[0]}']"
    assert _values(xml, f"{company}/cac:PartyLegalEntity/cbc:CompanyID/text()") == [winner.registration_number]
    assert _values(xml, f"{company}/efbc:CompanySizeCode/text()") == ["large"]
    # the award criteria literally as scored: names, types and exact weights
    weights = _values(xml, "//cac:SubordinateAwardingCriterion//efbc:ParameterNumeric/text()")
    names = _values(xml, "//cac:SubordinateAwardingCriterion/cbc:Name/text()")
    rules = evaluation.rules
    assert names == [c.title("en") for c in rules.criteria]
    assert [Decimal(w) for w in weights] == [rules.method.percent(c.stake(rules.method)) for c in rules.criteria]
    assert set(_values(xml, "//efbc:ParameterCode/text()")) == {"per-exa"}
    # BT-540: a criterion from the criteria library described by its entry's text, another by its group and name
    described = dict(zip(names, _values(xml, "//cac:SubordinateAwardingCriterion/cbc:Description/text()"), strict=True))
    warranty = next(c for c in rules.criteria if c.id == "warranty")
    assert described["Warranty"] == warranty.description and warranty.description.startswith("Points for")
    assert described["Environmental management system"] == "Environmental management: Environmental management system"
    assert _values(xml, "//cac:AppealTerms/cac:PresentationPeriod/cbc:Description/text()") == [EFORMS["review"]]
    estimated = evaluation.tender.procedure.estimated_value
    assert _values(xml, "/can:ContractAwardNotice/cac:ProcurementProject/cac:RequestedTenderTotal/*/text()") == [
        f"{estimated:.2f}"
    ]  # BT-27
    period = "//cac:ProcurementProjectLot/cac:ProcurementProject/cac:PlannedPeriod"
    assert _values(xml, f"{period}/cbc:StartDate/text()") == [f"{evaluation.tender.contract_start.isoformat()}Z"]
    assert _values(xml, f"{period}/cbc:EndDate/text()") == [f"{evaluation.tender.contract_end.isoformat()}Z"]
    assert _values(xml, "//cac:SubordinateAwardingCriterion/cbc:AwardingCriterionTypeCode/text()")[0] == "price"
    kinds = "//cac:ProcurementProjectLot/cac:ProcurementProject/cac:ProcurementAdditionalType/cbc:ProcurementTypeCode"
    assert "work-cond" in _values(xml, f"{kinds}[@listName='social-objective']/text()")  # Electronics Watch
    assert "circ-econ" in _values(xml, f"{kinds}[@listName='environmental-impact']/text()")  # life extension
    assert _values(xml, f"{kinds}[@listName='gpp-criteria']/text()") == ["eu"]  # EU GPP entries of the library
    again = pipeline.award_notice(root / "tender", ledger=ledger, issued=day)
    assert again.notice.xml == xml  # same inputs, same bytes


def test_a_field_removed_fails_with_the_rules_id(awarded):
    root, ledger, day = awarded
    xml = pipeline.award_notice(root / "tender", ledger=ledger, issued=day).notice.xml
    tree = etree.fromstring(xml)
    for element in tree.xpath("/can:ContractAwardNotice/cbc:ID[@schemeName='notice-id']", namespaces=X):
        element.getparent().remove(element)
    failures = check_schematron(etree.tostring(tree), "29")
    assert [(f.rule, f.field) for f in failures] == [("BR-BT-00701-0036", "BT-701-notice")]
    assert failures[0].name == "Notice Identifier" and "BR-BT-00701-0036 BT-701-notice (Notice Identifier)" in str(
        failures[0]
    )
    stats = f"/can:ContractAwardNotice/{R}/efac:LotResult/efac:ReceivedSubmissionsStatistics"
    tree = etree.fromstring(xml)
    large = tree.xpath(f"{stats}[efbc:StatisticsCode='t-large']/efbc:StatisticsNumeric", namespaces=X)[0]
    large.text = str(int(large.text) + 1)  # SME and large no longer add up to the tenders received
    added = check_schematron(etree.tostring(tree), "29")
    assert [(f.rule, f.field) for f in added] == [("BR-BT-13713-0124", "BT-13713-LotResult")]
    tree = etree.fromstring(xml)
    etree.SubElement(tree, f"{{{NS['cbc']}}}NotAnElement").text = "x"
    [failure] = validate(etree.tostring(tree), "29").failures  # the XSD first
    assert failure.rule == "XSD" and "NotAnElement" in failure.test


def test_what_tender_yaml_lacks_is_named_and_the_notice_is_a_draft(awarded, tmp_path):
    import sqlite3

    root, shared, day = awarded
    with sqlite3.connect(root / "ledger.sqlite") as source, sqlite3.connect(tmp_path / "ledger.sqlite") as copy:
        source.backup(copy)  # a ledger of its own: this test's runs must not make the module's tender stale
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    folder = tmp_path / "tender"
    shutil.copytree(root / "tender", folder)
    data = yaml.safe_load((folder / "tender.yaml").read_text())
    del data["eforms"]["notice_id"], data["eforms"]["buyer"]["phone"], data["eforms"]["tenderers"]["03-budgetit"]
    (folder / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(InputError, match="evaluate the tender first"):  # a tender changed since its evaluation
        pipeline.award_notice(folder, ledger=ledger, issued=day, out_dir=tmp_path / "out")
    pipeline.run(folder, ledger=ledger)
    done = pipeline.award_notice(folder, ledger=ledger, issued=day, out_dir=tmp_path / "out")
    assert done.notice.missing == ["eforms.notice_id", "eforms.buyer.phone", "eforms.tenderers.03-budgetit.size"]
    assert not done.final and done.path.name == "notice-can.draft.xml"
    assert not (tmp_path / "out" / "notice-can.xml").exists()
    rules = {f.rule for f in done.validation.failures}
    assert "BR-BT-00701-0036" in rules and "BR-BT-00503-0036" in rules  # the identifier, the buyer's phone
    ledger.engine.dispose()


def test_no_award_and_a_what_if_give_no_notice_with_the_reason(tmp_path, sample_evaluation):
    folder = tmp_path / "tender"
    shutil.copytree(SAMPLE_TENDER, folder)
    data = yaml.safe_load((folder / "tender.yaml").read_text())
    data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
    (folder / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    with pytest.raises(InputError, match="never evaluated"):
        pipeline.award_notice(folder, ledger=ledger)
    pipeline.run(folder, ledger=ledger)
    with pytest.raises(InputError, match="no notice: no award is recorded"):
        pipeline.award_notice(folder, ledger=ledger)
    from scoring.award.results import RunKind

    scenario = sample_evaluation.model_copy(update={"kind": RunKind.SCENARIO})
    with pytest.raises(NoNotice, match="what-if evaluation"):
        lot_facts([scenario], {None: {"bid_id": "01-greenbyte"}})
    ledger.engine.dispose()


def test_a_two_lot_tender_one_awarded_one_without_an_admissible_tender(make_tender, tmp_path):
    """Two lots in one notice: lot 1 awarded, lot 2 closed without a winner because every tender was rejected
    (BT-142 clos-nw, BT-144 all-rej); valid against the Schematron of subtype 29."""
    from scoring.models import Eforms
    from scoring.pipeline import evaluate

    rules = rules_data()
    rules["lots"] = "separate"
    path = tmp_path / "per-lot.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    both = sample_spec("01-greenbyte.xlsx")
    for item in both["items"]:
        item["Lot"] = "1" if item["Item"] == "NB-14" else "2"
        if item["Item"] == "MON-24":
            item["Quantity"] = -1  # lot 2's only tender is rejected
    other = sample_spec("04-datacomma.xlsx")
    other["items"] = [dict(i, Lot="1") for i in other["items"] if i["Item"] == "NB-14"]
    folder = make_tender(
        {"a-both.xlsx": both, "b-notebooks.xlsx": other},
        items=[
            {"lot": "1", "item": "NB-14", "description": "14-inch notebook", "quantity": 200},
            {"lot": "2", "item": "MON-24", "description": "24-inch monitor", "quantity": 150},
        ],
        rules=str(path),
    )
    evaluations = evaluate(folder)
    assert [e.lot for e in evaluations] == ["1", "2"]
    first = next(b for b in evaluations[0].bids if b.rank == 1)
    tender = evaluations[0].tender.model_copy(
        update={
            "eforms": Eforms.model_validate(
                {
                    **EFORMS,
                    "tenderers": {
                        b: {"size": "large", "city": "Eindhoven", "postal_code": "5611 AB", "nuts": "NL414"}
                        for b in ("a-both", "b-notebooks")
                    },
                }  # fmt: skip
            ),
            "letters": yaml_letters(),
        }
    )
    evaluations = [e.model_copy(update={"tender": tender}) for e in evaluations]
    award = {"bid_id": first.bid_id, "awarded_on": "2026-12-15", "concluded_on": "2026-12-20"}
    lots = lot_facts(evaluations, {"1": award})
    assert [(f.outcome, f.reason) for f in lots] == [("selec-w", None), ("clos-nw", "all-rej")]
    notice = build_notice(tender, lots, date(2026, 12, 21), {"a-both": "NL", "b-notebooks": "NL"})
    assert notice.missing == []
    validation = validate(notice.xml, "29")
    assert validation.valid, [str(f) for f in validation.failures]
    xml = notice.xml
    assert _values(xml, f"{R}/efac:LotResult/cbc:TenderResultCode/text()") == ["selec-w", "clos-nw"]
    assert _values(xml, f"{R}/efac:LotResult/efac:DecisionReason/efbc:DecisionReasonCode/text()") == ["all-rej"]
    assert _values(xml, "/can:ContractAwardNotice/cac:ProcurementProjectLot/cbc:ID/text()") == ["LOT-0001", "LOT-0002"]
    one = lot_facts(evaluations, {"1": award}, lot="2")
    assert [f.number for f in one] == [2]  # --lot 2: that lot alone, under its own number
    nobody = evaluations[1].model_copy(update={"bids": []})  # lot 2 received no tender at all
    lots = lot_facts([evaluations[0], nobody], {"1": award})
    assert [(f.outcome, f.reason) for f in lots] == [("selec-w", None), ("clos-nw", "no-rece")]
    closed = build_notice(tender, lots, date(2026, 12, 21), {"a-both": "NL", "b-notebooks": "NL"})
    assert validate(closed.xml, "29").valid  # no statistics for a lot that received none


def yaml_letters():
    from scoring.intake.tender import load_tender

    return load_tender(SAMPLE_TENDER).letters


def test_the_vendored_sdk_judges_its_own_examples():
    """The SDK's examples of subtype 29: its minimal one fails only SDK 1.15's rule that SME and large tenders
    add up (it predates it), with the large ones added it passes; its invalid ones fail."""
    examples = ROOT / "tests" / "fixtures" / "eforms"
    minimal = (examples / "can_24_minimal.xml").read_bytes()
    assert check_xsd(minimal) == []
    assert [f.rule for f in check_schematron(minimal, "29")] == ["BR-BT-13713-0123"]
    tree = etree.fromstring(minimal)
    [result] = tree.xpath(f"/can:ContractAwardNotice/{R}/efac:LotResult", namespaces=X)
    stats = etree.Element(f"{{{NS['efac']}}}ReceivedSubmissionsStatistics")
    etree.SubElement(stats, f"{{{NS['efbc']}}}StatisticsCode", listName="received-submission-type").text = "t-large"
    etree.SubElement(stats, f"{{{NS['efbc']}}}StatisticsNumeric").text = "2"
    result.find(f"{{{NS['efac']}}}SettledContract").addprevious(stats)
    assert check_schematron(etree.tostring(tree), "29") == []
    invalid = check_schematron((examples / "INVALID_can_24_stage-2.xml").read_bytes(), "29")
    assert len(invalid) > 50


def test_the_criteria_section_of_the_contract_notice_is_the_one_scored(tmp_path):
    from scoring.pipeline import run

    folder = tmp_path / "tender"
    shutil.copytree(SAMPLE_TENDER, folder)
    data = yaml.safe_load((folder / "tender.yaml").read_text())
    data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
    (folder / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    xml = pipeline.award_criteria_xml(folder)
    [evaluation] = run(folder)
    rules = evaluation.rules
    names = _values(xml, "//cac:SubordinateAwardingCriterion/cbc:Name/text()")
    weights = [Decimal(w) for w in _values(xml, "//efbc:ParameterNumeric/text()")]
    assert names == [c.title("en") for c in rules.criteria]
    assert weights == [rules.method.percent(c.stake(rules.method)) for c in rules.criteria]
    assert sum(weights) == 100


def test_the_vendored_sdk_is_pinned_with_its_licence():
    notice = (SDK / "NOTICE.md").read_text()
    assert "1.15.1" in notice and "CC BY 4.0" in notice
    assert (SDK / "LICENSE").read_text().startswith("Attribution 4.0 International")
    assert '"sdkVersion" : "eforms-sdk-1.15.1"' in (SDK / "fields" / "fields.json").read_text()[:2000]


def test_the_command_writes_the_notice_and_says_what_it_checked(awarded, tmp_path, capsys, monkeypatch):
    from flows.cli import main

    root, ledger, day = awarded
    out = tmp_path / "out"
    monkeypatch.setenv("TENDERSCORE_DATABASE_URL", ledger.url)
    assert main(["notice", str(root / "tender"), "--on", day.isoformat(), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "selec-w to GreenByte Solutions NV (01-greenbyte)" in said
    assert "valid against the XSD and the Schematron of subtype 29 (eForms SDK 1.15.1)" in said
    assert (out / "notice-can.xml").is_file()
    assert main(["notice", str(root / "tender"), "--criteria", "--out", str(out)]) == 0
    assert b"per-exa" in (out / "notice-criteria.xml").read_bytes()
    assert main(["notice", str(root / "tender"), "--lot", "9", "--out", str(out)]) == 2
    assert "there is no lot '9'" in capsys.readouterr().err


@pytest.mark.slow
def test_the_follow_up_flow_drafts_the_notice_after_the_award(awarded, prefect_server, tmp_path, monkeypatch):
    """Served, the follow-up of an awarded contract drafts its award notice and publishes it as an artifact."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.evaluate import artifact_key, follow_up_contracts

    root, ledger, day = awarded
    monkeypatch.setenv("TENDERSCORE_DATABASE_URL", ledger.url)
    out = tmp_path / "out"
    follow_up_contracts(tender_dirs=[str(root / "tender")], out_dir=str(out), on=day.isoformat(), record=True)
    assert (out / "notice-can.xml").is_file()  # dated as the check is: after the contract's conclusion
    key = artifact_key("award-notice", "CITY-ICT-2026-014")
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    assert found and "**Ready for TED**: eForms subtype 29" in str(found[-1].data)


def test_a_utilities_notice_passes_subtype_30_and_a_concession_names_what_it_lacks(awarded):
    """Subtype 30 (utilities): the entity's activity (BT-610), the additional-information party, no variant;
    valid. Subtype 32 (concessions) is checked, and a draft naming the concession's own fields."""
    from scoring.pipeline import run

    root, ledger, day = awarded
    [evaluation] = run(root / "tender")
    tender = evaluation.tender.model_copy(
        update={
            "eforms": evaluation.tender.eforms.model_copy(
                update={"directive": "2014/25/EU", "buyer_legal_type": "pub-undert-la", "buyer_activity": "water"}
            )
        }
    )
    award = {"bid_id": "01-greenbyte", "awarded_on": day.isoformat(), "concluded_on": day.isoformat()}
    notice = build_notice(tender, lot_facts([evaluation.model_copy(update={"tender": tender})], {None: award}), day,
                          {b.bid_id: "BE" for b in evaluation.bids})  # fmt: skip
    assert notice.subtype == "30" and b"<cbc:RegulatoryDomain>32014L0025<" in notice.xml
    validation = validate(notice.xml, "30")
    assert validation.valid, [str(f) for f in validation.failures]
    assert b'listName="entity-activity">water<' in notice.xml
    concession = tender.model_copy(update={"eforms": tender.eforms.model_copy(update={"directive": "2014/23/EU"})})
    facts = lot_facts([evaluation.model_copy(update={"tender": concession})], {None: award})
    drafted = build_notice(concession, facts, day, {b.bid_id: "BE" for b in evaluation.bids})
    assert drafted.subtype == "32"
    assert "BR-BT-00160-0039" in {f.rule for f in validate(drafted.xml, "32").failures}  # the concession's revenue


def test_a_tender_excluded_as_abnormally_low_is_counted_as_such(awarded):
    """t-verif-inad-low counts the tenders the committee excluded after examining their price (Art. 69(3)),
    as committee.yaml records the examination: not a warning alone, not another exclusion."""
    from scoring.award.results import Status
    from scoring.models import PriceExamination
    from scoring.pipeline import run
    from scoring.reports.notice import statistics

    root, _, _ = awarded
    [evaluation] = run(root / "tender")
    examined = PriceExamination(bid="03-budgetit", asked_on="2026-10-19", outcome="rejected", note="None given.")
    tender = evaluation.tender.model_copy(
        update={"proceedings": evaluation.tender.proceedings.model_copy(update={"price_examinations": [examined]})}
    )
    bids = [
        b.model_copy(update={"status": Status.EXCLUDED}) if b.bid_id == "03-budgetit" else b for b in evaluation.bids
    ]
    counts, _ = statistics(evaluation.model_copy(update={"bids": bids}), tender, {})
    assert dict(counts)["t-verif-inad-low"] == 1
    assert "t-verif-inad-low" not in dict(statistics(evaluation, evaluation.tender, {})[0])  # 08 is excluded otherwise
