"""Claims checked against registers, equivalence decided per Art. 43(1), the review queue."""

import shutil
from datetime import date
from decimal import Decimal as D

import pytest
import yaml
from conftest import ROOT, SAMPLE_TENDER, by_id, rules_data, sample_spec

from scoring.claims.registers import OfflineRegister, RegisterEntry, Snapshot
from scoring.claims.verdicts import REASON_CODES, ClaimVerdict, Verdict
from scoring.claims.verify import Verification, verify_claim
from scoring.pipeline import evaluate_tender
from scoring.reports.evaluation_json import evaluation_document
from scoring.rules.catalogue import load_catalogue
from scoring.rules.schema import RuleSet

CATALOGUE = ROOT / "rules" / "labels.yaml"


def claims_of(evaluation, bid_id):
    return {(c.certificate_id or c.evidence): c for c in by_id(evaluation, bid_id).claims}


def _verdict(**changes) -> ClaimVerdict:
    fields = dict(
        row=2,
        label="TCO Certified",
        version=None,
        certificate_id="X",
        covers=[],
        scheme="tco",
        requirement="tco",
        equivalent_to=None,
        verdict=Verdict.ACCEPTED,
        reason_code="claim.verified",
        reason="ok",
    )
    return ClaimVerdict(**{**fields, **changes})


def test_a_verdict_with_an_unlisted_reason_code_is_refused():
    import pydantic

    assert _verdict().reason_code == "claim.verified"
    with pytest.raises(pydantic.ValidationError, match="unknown reason code 'claim.looks_fine'"):
        _verdict(reason_code="claim.looks_fine")


def test_a_reason_code_goes_only_with_its_verdicts():
    import pydantic

    with pytest.raises(pydantic.ValidationError, match="does not go with the verdict rejected"):
        _verdict(verdict=Verdict.REJECTED, reason_code="claim.verified")
    assert _verdict(verdict=Verdict.ACCEPTED_EQUIVALENT, reason_code="review.accepted").verdict.counts


def test_every_reason_code_is_documented_for_buyers_and_bidders():
    guide = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")  # the verdicts' table under Label claims
    undocumented = [code for code in REASON_CODES if f"`{code}`" not in guide]
    assert undocumented == []


# --- the sample tender produces every verdict ------------------------------------------------------


def test_a_valid_claim_is_accepted_and_an_expiry_in_the_term_flagged(sample_evaluation):
    claims = claims_of(sample_evaluation, "01-greenbyte")
    notebook, monitor = claims["TCO-9-EB14-0071"], claims["TCO-9-VG24-0112"]
    assert (notebook.verdict, notebook.reason_code) == (Verdict.ACCEPTED, "claim.verified")
    assert notebook.contract_coverage == D(1) and notebook.follow_up is None
    assert notebook.register_snapshot == "tco-certified register snapshot of 2026-10-01 (tco-certified.csv)"
    assert (monitor.verdict, monitor.reason_code) == (Verdict.ACCEPTED, "claim.verified_expires_in_term")
    # 2027-01-01 .. 2028-06-30 of 2027-01-01 .. 2030-12-31: 546 of 1460 days
    assert monitor.contract_coverage == D("0.37") and "renewal must be checked" in str(monitor.follow_up)


def test_an_expired_certificate_is_rejected(sample_evaluation):
    claim = claims_of(sample_evaluation, "02-officeline")["TCO-9-TB14-5531"]
    assert (claim.verdict, claim.reason_code) == (Verdict.REJECTED, "certificate.expired")
    assert "expired on 2026-06-30, before the bid deadline of 2026-10-15" in str(claim.reason)


def test_a_certificate_for_another_model_is_rejected(sample_evaluation):
    claim = claims_of(sample_evaluation, "03-budgetit")["TCO-9-AL16-7700"]
    assert (claim.verdict, claim.reason_code) == (Verdict.REJECTED, "certificate.model_not_covered")
    assert "covers Aspire Lite 16, not the offered Aspire Lite 14" in str(claim.reason)


def test_an_unknown_certificate_number_is_rejected(sample_evaluation):
    claim = claims_of(sample_evaluation, "09-formula-text")["TCO-9-TV24-9999"]
    assert (claim.verdict, claim.reason_code) == (Verdict.REJECTED, "certificate.not_found")


def test_an_equivalent_label_is_accepted(sample_evaluation):
    claim = claims_of(sample_evaluation, "04-datacomma")["DE/038/0042"]
    assert (claim.verdict, claim.reason_code) == (Verdict.ACCEPTED_EQUIVALENT, "equivalence.accepted")
    assert claim.requirement == "tco" and claim.scheme == "eu-ecolabel"
    label = next(c for c in by_id(sample_evaluation, "04-datacomma").criteria if c.id == "label")
    assert label.points == D("12.00")


def test_a_social_only_scheme_is_not_equivalent_to_an_environmental_label(sample_evaluation):
    claim = claims_of(sample_evaluation, "07-nordic-revised")["SA8000-CN-2025-1188"]
    assert (claim.verdict, claim.reason_code) == (Verdict.REJECTED, "equivalence.areas_missing")
    for area in (
        "conflict minerals due diligence",
        "hazardous substances",
        "energy efficiency",
        "product lifetime and repairability",
    ):
        assert area in str(claim.reason)
    assert "labour standards in final assembly" not in str(claim.reason)  # that one it covers
    label = next(c for c in by_id(sample_evaluation, "07-nordic-revised").criteria if c.id == "label")
    assert label.points == D("0.00")


def test_a_technical_dossier_goes_to_review(sample_evaluation):
    claim = claims_of(sample_evaluation, "03-budgetit")["BIT-DOSSIER-AM240"]
    assert (claim.verdict, claim.reason_code) == (Verdict.NEEDS_REVIEW, "review.alternative_proof")
    label = next(c for c in by_id(sample_evaluation, "03-budgetit").criteria if c.id == "label")
    assert label.status == "needs_review" and label.points == D("0.00")
    queue = evaluation_document(sample_evaluation)["review_queue"]
    assert [(q["bid_id"], q["claim"]) for q in queue] == [("03-budgetit", "BIT-DOSSIER-AM240")]


def test_a_review_decision_resolves_a_dossier(sample_evaluation):
    claim = claims_of(sample_evaluation, "02-officeline")["TD-OL-2026-07"]
    assert (claim.verdict, claim.reason_code) == (Verdict.ACCEPTED_EQUIVALENT, "review.accepted")
    assert claim.reviewed_by == "A. Janssens, evaluation committee"
    label = next(c for c in by_id(sample_evaluation, "02-officeline").criteria if c.id == "label")
    # Only the monitor (150 × 159.00 = 23,850 of 203,650) is covered by an accepted claim; the notebook's
    # certificate expired. 23,850 / 203,650 = 0.1171 → 1.17 / 10 × 12 = 1.404 → 1.40
    assert (label.raw, label.score, label.points, label.status) == (D("0.1171"), D("1.17"), D("1.40"), "final")


def test_claims_are_in_the_json_report(sample_evaluation):
    doc = evaluation_document(sample_evaluation)
    claims = next(b for b in doc["bids"] if b["bid_id"] == "04-datacomma")["claims"]
    assert set(claims[0]) >= {
        "label",
        "version",
        "certificate_id",
        "covers",
        "verdict",
        "reason_code",
        "reason",
        "register_snapshot",
    }
    assert claims[0]["verdict"] == "accepted_equivalent"
    # ems scores a management system: a company-level scheme, and a selection criterion in the library
    assert {w["code"] for w in doc["rule_warnings"]} == {"lint.company_level", "library.stage"}


# --- review decisions, run twice -------------------------------------------------------------------------


def _copy_sample(tmp_path):
    folder = tmp_path / "tender"
    shutil.copytree(SAMPLE_TENDER, folder)
    data = yaml.safe_load((folder / "tender.yaml").read_text())
    data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
    (folder / "tender.yaml").write_text(yaml.safe_dump(data))
    return folder


def _without(doc: dict, bid_id: str) -> dict:
    """Everything but the one bid's entry, and what depends on rank order."""
    return {
        b["bid_id"]: {k: v for k, v in b.items() if k not in ("rank", "tie_break")}
        for b in doc["bids"]
        if b["bid_id"] != bid_id
    }


def test_a_decision_added_between_two_runs_changes_only_that_claim_and_its_points(tmp_path):
    folder = _copy_sample(tmp_path)
    decisions = folder / "reviews.yaml"
    saved = decisions.read_text()
    decisions.unlink()
    before = evaluation_document(evaluate_tender(folder))
    decisions.write_text(saved)
    after = evaluation_document(evaluate_tender(folder))

    bid = lambda doc: next(b for b in doc["bids"] if b["bid_id"] == "02-officeline")
    claim = lambda doc: next(c for c in bid(doc)["claims"] if c["evidence"] == "TD-OL-2026-07")
    assert (claim(before)["verdict"], claim(before)["reason_code"]) == ("needs_review", "review.alternative_proof")
    assert (claim(after)["verdict"], claim(after)["reason_code"]) == ("accepted_equivalent", "review.accepted")
    label = lambda doc: next(c for c in bid(doc)["criteria"] if c["id"] == "label")
    assert (label(before)["points"], label(before)["status"]) == (0, "needs_review")
    assert (label(after)["points"], label(after)["status"]) == (1.4, "final")
    assert round(bid(after)["total"] - bid(before)["total"], 2) == 1.40
    # Nothing else changes: the other criteria and claims of this bid, and every other bid.
    others = lambda doc: [c for c in bid(doc)["criteria"] if c["id"] != "label"]
    assert others(before) == others(after)
    assert [c for c in bid(before)["claims"] if c["evidence"] is None] == [
        c for c in bid(after)["claims"] if c["evidence"] is None
    ]
    assert _without(before, "02-officeline") == _without(after, "02-officeline")
    assert [q["claim"] for q in before["review_queue"]] == ["TD-OL-2026-07", "BIT-DOSSIER-AM240"]
    assert [q["claim"] for q in after["review_queue"]] == ["BIT-DOSSIER-AM240"]


def test_a_reject_decision_and_a_decision_that_matches_nothing(tmp_path):
    folder = _copy_sample(tmp_path)
    (folder / "reviews.yaml").write_text(
        yaml.safe_dump(
            {
                "decisions": [
                    {
                        "bid": "03-budgetit",
                        "claim": "bit-dossier-am240",
                        "decision": "reject",
                        "by": "B. Claes",
                        "at": date(2026, 10, 21),
                        "reason": "The dossier has no test reports for hazardous substances.",
                    },
                    {
                        "bid": "03-budgetit",
                        "claim": "TCO-9-AL16-7700",
                        "decision": "accept",
                        "by": "B. Claes",
                        "at": date(2026, 10, 21),
                        "reason": "Typo in the register, says the bidder.",
                    },
                ]
            }
        )
    )
    evaluation = evaluate_tender(folder)
    claims = claims_of(evaluation, "03-budgetit")
    dossier = claims["BIT-DOSSIER-AM240"]
    assert (dossier.verdict, dossier.reason_code) == (Verdict.REJECTED, "review.rejected")
    assert "no test reports for hazardous substances" in str(dossier.reason)
    # A decision cannot overrule the register: the rejected certificate stays rejected, and the run says so.
    assert claims["TCO-9-AL16-7700"].reason_code == "certificate.model_not_covered"
    assert any("TCO-9-AL16-7700" in w and "not applied" in w for w in map(str, evaluation.warnings))


# --- every other verdict, on constructed bids ---------------------------------------------------------


def _run(make_tender, bid_spec, rules_changes=None, name="bid.xlsx"):
    rules = rules_data()
    if rules_changes:
        rules_changes(rules)
    path = make_tender.root / "rules.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    folder = make_tender({name: bid_spec}, rules=str(path))
    evaluation = evaluate_tender(folder)
    return evaluation.bids[0], evaluation


def _greenbyte_with(claims, **item_changes):
    spec = sample_spec("01-greenbyte.xlsx")
    spec["labels"] = claims
    for key, value in item_changes.items():
        spec["items"][0][key] = value
    return spec


def _claim(label, cert, covers, **extra):
    return {
        "Label": label,
        "Certificate ID": cert,
        "Scope": "product",
        "Covers": covers,
        "Valid from": date(2024, 1, 1),
        "Valid until": date(2031, 1, 1),
        **extra,
    }


@pytest.mark.parametrize(
    "claim, model, code",
    [
        (_claim("TCO Certified", "TCO-9-WD14-0001", "EcoBook 14 G2"), "EcoBook 14 G2", "certificate.withdrawn"),
        (_claim("TCO Certified", "TCO-9-TB14-5531", "EcoBook 14 G3"), None, "certificate.other_holder"),
        (_claim("TCO Certified", "TCO-10-EB14-0900", "EcoBook 14 G3"), None, "certificate.not_yet_valid"),
    ],
)
def test_register_facts_reject_a_claim(make_tender, claim, model, code):
    changes = {"Model": model} if model else {}
    result, _ = _run(make_tender, _greenbyte_with([claim], **changes))
    assert [(c.verdict, c.reason_code) for c in result.claims] == [(Verdict.REJECTED, code)]


def test_a_generation_below_the_minimum_is_rejected(make_tender):
    spec = sample_spec("02-officeline.xlsx")
    spec["labels"] = [_claim("TCO Certified", "TCO-8-TV24-0420", "ThinkVision S24e", Version="Generation 8")]
    result, _ = _run(make_tender, spec)
    claim = result.claims[0]
    assert (claim.verdict, claim.reason_code) == (Verdict.REJECTED, "version.below_minimum")
    assert "asks for Generation 9 or higher" in str(claim.reason)


def test_the_rule_set_may_refuse_certificates_expiring_in_the_contract(make_tender):
    def reject_expiry(rules):
        rules["labels"]["tco"]["expiry_during_contract"] = "reject"

    result, _ = _run(make_tender, sample_spec("01-greenbyte.xlsx"), reject_expiry)
    verdicts = {c.certificate_id: c.reason_code for c in result.claims}
    assert verdicts == {"TCO-9-EB14-0071": "claim.verified", "TCO-9-VG24-0112": "certificate.expires_in_term"}
    label = next(c for c in result.criteria if c.id == "label")
    assert label.points < D("12.00")


def test_schemes_and_registers_the_pipeline_does_not_know_go_to_review(make_tender):
    """Unless no criterion asks for them: a claim for a label the tender does not use is not needed."""
    claims = [
        _claim("GreenTech Star", "GTS-1", "EcoBook 14 G3"),
        _claim("Blue Angel", "DE-UZ-78-123", "ViewGreen 24 Pro", **{"Claimed as equivalent to": "TCO Certified"}),
        _claim("EPEAT", "EPEAT-NB-0040920", "EcoBook 14 G3", **{"Claimed as equivalent to": "TCO Certified"}),
    ]
    result, _ = _run(make_tender, _greenbyte_with(claims))
    codes = [(c.label, c.verdict, c.reason_code) for c in result.claims]
    assert codes == [
        ("GreenTech Star", Verdict.NOT_NEEDED, "claim.not_needed"),  # for no label the tender asks for
        ("Blue Angel", Verdict.NEEDS_REVIEW, "review.no_register"),
        ("EPEAT", Verdict.NEEDS_REVIEW, "review.areas_unknown"),
    ]
    assert "labour standards in final assembly" in str(result.claims[2].reason)


def test_a_facility_certificate_counts_only_for_the_site_that_assembles_the_models(make_tender):
    spec = sample_spec("07-nordic-revised.xlsx")
    for factory in spec["factories"]:
        factory["Factory name"] = factory["Factory name"].replace("Suzhou", "Wuxi")
    result, _ = _run(make_tender, spec)
    assert result.claims[0].reason_code == "certificate.site_not_used"


class MemoryRegister:
    """The Register interface, in memory: what an online adapter would implement."""

    def __init__(self, entries):
        self.entries = {e.certificate_id: e for e in entries}

    def snapshot(self, registry):
        return Snapshot(registry=registry, file="(memory)", taken_on=date(2026, 10, 1))

    def lookup(self, registry, certificate_id):
        return self.entries.get(certificate_id)


def test_a_scheme_failing_art_43_is_not_equivalent_even_if_it_covers_every_area(sample_evaluation):
    catalogue = load_catalogue(CATALOGUE)
    fair = catalogue.by_id("eu-ecolabel").model_copy(
        update={
            "id": "fair-factory",
            "name": "Fair Factory",
            "aliases": [],
            "registry": "fair",
            "art43": {**catalogue.by_id("eu-ecolabel").art43, "independent": "no"},
        }
    )
    catalogue = catalogue.model_copy(update={"schemes": [*catalogue.schemes, fair]})
    rules = RuleSet.model_validate(rules_data())
    from scoring.intake.ingest import read_bid
    from scoring.intake.tender import load_tender

    tender = load_tender(SAMPLE_TENDER)
    bid = read_bid(SAMPLE_TENDER / "bids" / "01-greenbyte.xlsx", tender).bid
    claim = bid.labels[0].model_copy(
        update={"label": "Fair Factory", "certificate_id": "FF-1", "equivalent_to": "TCO Certified"}
    )
    register = MemoryRegister(
        [
            RegisterEntry(
                certificate_id="FF-1",
                holder="Ecotek",
                models=["EcoBook 14 G3"],
                valid_from=date(2025, 1, 1),
                valid_until=date(2031, 1, 1),
            )
        ]
    )
    verdict = verify_claim(claim, bid, Verification(tender, rules, catalogue, register))
    assert (verdict.verdict, verdict.reason_code) == (Verdict.REJECTED, "equivalence.conditions_unmet")
    assert "independent of the applicants" in str(verdict.reason)


# --- catalogue and registers ---------------------------------------------------------------------------


def test_the_catalogue_has_the_schemes_buyers_use():
    catalogue = load_catalogue(CATALOGUE)
    for name in (
        "TCO Certified",
        "TCO Certified Edge",
        "EPEAT",
        "EU Ecolabel",
        "Blue Angel",
        "Nordic Swan",
        "ENERGY STAR",
        "ISO 14001",
        "EMAS",
        "SA8000",
        "RBA",
        "RBA VAP",
        "amfori BSCI",
        "EcoVadis",
    ):
        assert catalogue.find(name) is not None, name
    assert catalogue.find("tco certified") is catalogue.find("TCO-Certified")
    tco = catalogue.find("TCO Certified")
    assert tco.version_rank("Generation 10") > tco.version_rank("Gen 9") > tco.version_rank("Generation 8")
    for scheme in catalogue.schemes:
        assert set(scheme.covers) == set(catalogue.areas), scheme.id
        assert set(scheme.covers.values()) <= {"yes", "no", "unknown"}
        assert scheme.sources, scheme.id


def test_a_register_index_naming_a_missing_file_is_an_error(tmp_path):
    from scoring.errors import RuleError

    (tmp_path / "index.yaml").write_text("snapshots:\n  - {registry: x, file: gone.csv, taken_on: 2026-10-01}\n")
    with pytest.raises(RuleError, match="gone.csv does not exist"):
        OfflineRegister(tmp_path)
