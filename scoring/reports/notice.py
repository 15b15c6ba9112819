"""The contract award notice for TED (Art. 50 of Directive 2014/24/EU), in eForms, from the evaluation and the
award record: `tenderscore notice`.

The facts come from the evaluation of each lot (the bids received, ranked, excluded as abnormally low; the lowest
and highest admissible tender; the award criteria as scored) and from the ledger's award record (the winner, the
decision's and the contract's dates); what neither can know (the notice's identifier, the buyer's TED details,
the tenderers' addresses and sizes) from tender.yaml's `eforms:`. A mandatory field missing there is named, and
the notice is then a draft. The notice is checked offline (eforms.py) against the XSD and the Schematron of its
subtype, as the SDK vendored in scoring/data/eforms publishes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from scoring.award.results import BidResult, Evaluation, Status
from scoring.models import EformsOrganisation, Tender

SDK_VERSION = "1.15.1"
CUSTOMIZATION = "eforms-sdk-1.15"
# The SDK's notice types: 29 (general directive), 30 (utilities), 32 (concessions); 31 (defence) is not vendored.
SUBTYPES = {"2014/24/EU": "29", "2014/25/EU": "30", "2014/23/EU": "32"}
REGULATORY_DOMAIN = {"29": "32014L0024", "30": "32014L0025", "32": "32014L0023"}
LANGUAGES = {"en": "ENG", "nl": "NLD", "fr": "FRA", "de": "DEU"}
PROCEDURES = {
    "open": "open",
    "restricted": "restricted",
    "competitive_dialogue": "comp-dial",
    "negotiated": "neg-w-call",
    "innovation_partnership": "innovation",
}
NS = {
    None: "urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
}
# ISO 3166-1 alpha-2 (as bids write a country) to alpha-3 (as eForms does), for the countries tenderers of
# European public buyers come from most; another one is given in tender.yaml (eforms.tenderers.<bid>.country).
ALPHA3 = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "CH": "CHE", "CN": "CHN", "CY": "CYP", "CZ": "CZE", "DE": "DEU",
    "DK": "DNK", "EE": "EST", "ES": "ESP", "FI": "FIN", "FR": "FRA", "GB": "GBR", "GR": "GRC", "HR": "HRV",
    "HU": "HUN", "IE": "IRL", "IS": "ISL", "IT": "ITA", "JP": "JPN", "KR": "KOR", "LI": "LIE", "LT": "LTU",
    "LU": "LUX", "LV": "LVA", "MT": "MLT", "NL": "NLD", "NO": "NOR", "PL": "POL", "PT": "PRT", "RO": "ROU",
    "SE": "SWE", "SI": "SVN", "SK": "SVK", "TR": "TUR", "TW": "TWN", "UA": "UKR", "US": "USA",
}  # fmt: skip
EEA = {
    "AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GRC", "HRV", "HUN", "IRL",
    "ITA", "LTU", "LUX", "LVA", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "SWE", "ISL", "LIE", "NOR",
}  # fmt: skip
# What a criterion scores, by the bid field it reads: its green (BT-774) or social (BT-775) objective.
GREEN = {
    "items.energy_kwh_year": "clim-mitig",
    "items.warranty_years": "circ-econ",
    "items.spare_parts_years": "circ-econ",
    "items.security_updates_years": "circ-econ",
    "items.battery_replaceable": "circ-econ",
    "items.recycled_plastic_pct": "circ-econ",
    "items.packaging_recycled_pct": "circ-econ",
    "supplier.take_back": "circ-econ",
    "supplier.environmental_management": "other",
}
SOCIAL_FIELDS = ("supplier.ew_", "factories")  # Electronics Watch, the disclosed factories: working conditions


class NoNotice(Exception):
    """Why there is no notice to give (no award, a what-if evaluation, nothing decided)."""


@dataclass(frozen=True)
class LotFacts:
    """One lot's result, as the notice states it."""

    number: int  # LOT-0001 ...
    evaluation: Evaluation
    award: dict | None  # the ledger's award record (contract/record.py ContractRecord), None when not awarded
    winner: BidResult | None
    outcome: str  # BT-142: selec-w, clos-nw, open-nw
    reason: str | None  # BT-144 when no winner: all-rej, no-rece


@dataclass
class Notice:
    xml: bytes
    subtype: str
    lots: list[LotFacts]
    missing: list[str] = field(default_factory=list)  # mandatory fields tender.yaml does not give (a draft)

    @property
    def draft(self) -> bool:
        return bool(self.missing)


def lot_facts(evaluations: list[Evaluation], awards: dict[str | None, dict], lot: str | None = None) -> list[LotFacts]:
    """Each lot's result (or the one named): awarded (the award record's winner), closed without a winner (no
    tender received, or none admissible), or still open; NoNotice when no lot is decided, or the evaluation
    is a what-if."""
    from scoring.award.results import RunKind

    if lot is not None and lot not in {e.lot for e in evaluations}:
        raise NoNotice(
            f"there is no lot {lot!r} ranked on its own (lots: {', '.join(str(e.lot) for e in evaluations)})"
        )
    out = []
    for number, evaluation in enumerate(evaluations, start=1):
        if lot is not None and evaluation.lot != lot:
            continue
        if evaluation.kind is RunKind.SCENARIO:
            raise NoNotice("this is a what-if evaluation under other rules than the tender's: it gives no notice")
        received = [b for b in evaluation.bids if not b.superseded and not b.withdrawn]
        ranked = [b for b in evaluation.bids if b.status is Status.RANKED]
        award = awards.get(evaluation.lot)
        if award is not None:
            winner = next((b for b in evaluation.bids if b.bid_id == award["bid_id"]), None)
            if winner is None or winner.status is not Status.RANKED:
                raise NoNotice(
                    f"the award to {award['bid_id']} rests on an evaluation that no longer ranks it: evaluate and "
                    "award again"
                )
            out.append(LotFacts(number, evaluation, award, winner, "selec-w", None))
        elif not received:
            out.append(LotFacts(number, evaluation, None, None, "clos-nw", "no-rece"))
        elif not ranked:
            out.append(LotFacts(number, evaluation, None, None, "clos-nw", "all-rej"))
        else:
            out.append(LotFacts(number, evaluation, None, None, "open-nw", None))
    if all(f.outcome == "open-nw" for f in out):
        raise NoNotice(
            "no award is recorded (tenderscore award records it, once the letters are sent and the standstill is "
            "over): there is no result to publish yet"
        )
    return out


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def statistics(
    evaluation: Evaluation, tender: Tender, countries: dict[str, str | None]
) -> tuple[list[tuple[str, int]], list[str]]:
    """BT-760/BT-759, the submissions received by type, and what tender.yaml would have to give for them: every
    tender received (all of them electronically), those rejected as abnormally low (Art. 69(3)), by size (SME
    and large add up to the tenders received, as SDK 1.15's rules require) and by where the tenderer is (the
    buyer's country, another of the EEA, outside it)."""
    received = [b for b in evaluation.bids if not b.superseded and not b.withdrawn]
    rejected = {e.bid for e in tender.proceedings.price_examinations if e.outcome == "rejected"}  # Art. 69(3)
    low = [b for b in received if b.status is Status.EXCLUDED and b.bid_id in rejected]
    given = {b.bid_id: tender.eforms.tenderers.get(b.bid_id) or EformsOrganisation() for b in received}
    missing = [f"eforms.tenderers.{b}.size" for b, g in given.items() if g.size is None]
    where = {b: _country(countries.get(b), g) for b, g in given.items()}
    missing += [f"eforms.tenderers.{b}.country" for b, c in where.items() if c is None]
    counts = [("tenders", len(received)), ("t-esubm", len(received))]
    if low:
        counts.append(("t-verif-inad-low", len(low)))
    if not any(g.size is None for g in given.values()):
        counts.append(("t-sme", sum(1 for g in given.values() if g.size != "large")))
        counts.append(("t-large", sum(1 for g in given.values() if g.size == "large")))
    if all(where.values()):
        own = tender.eforms.buyer.country
        counts.append(("t-oth-eea", sum(1 for c in where.values() if c in EEA and c != own)))
        counts.append(("t-no-eea", sum(1 for c in where.values() if c not in EEA)))
    return counts, missing


def criteria_of(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The award criteria as the evaluation scored them (BT-539 type, BT-734 name, BT-540 description, BT-541
    weight, exact percentages): the same list for the award notice and the contract notice."""
    rules, language = evaluation.rules, evaluation.tender.language
    out = []
    for c in rules.criteria:
        stake = c.stake(rules.method)
        weight = rules.method.percent(stake)
        name = c.title(language)  # the rule set's groups are in English only: not in another language's notice
        grouped = f"{c.group}: {name}" if language == "en" and c.group and c.group != name else name
        out.append(
            {
                "type": "price" if c.field == "bid.total_price" else "quality",
                "name": name,
                "description": c.described(language) or grouped,  # a library entry's text, else its name
                "weight": weight,
            }
        )
    return out


def objectives(evaluation: Evaluation) -> tuple[list[str], list[str]]:
    """BT-774 and BT-775: the green and social objectives the criteria and knock-outs score."""
    green, social = [], []
    for c in evaluation.rules.criteria:
        if c.kernel.labels(c):
            green.append("other")
        if c.field in GREEN:
            green.append(GREEN[c.field])
        if c.field.startswith(SOCIAL_FIELDS):
            social.append("work-cond")
    for k in evaluation.rules.knockouts:
        if any(f.startswith(SOCIAL_FIELDS) for f in _fields_of(k)):
            social.append("work-cond")
    for e in _scored_entries(evaluation):  # what the criteria library says each entry addresses
        green += e.eforms.green
        social += e.eforms.social
    return sorted(set(green)), sorted(set(social))


def _scored_entries(evaluation: Evaluation) -> list[Any]:
    """The criteria library entries the rule set scores or checks (not those only stated in the documents)."""
    return [e for u in evaluation.libraries for e in u.entries if e.role != "document"]


def gpp_criteria(evaluation: Evaluation) -> str:
    """BT-805: eu when a scored entry follows the EU GPP criteria, national for a national tool's, else other."""
    codes = {e.eforms.gpp for e in _scored_entries(evaluation)}
    return "eu" if "eu" in codes else "national" if "national" in codes else "other"


def _fields_of(knockout: Any) -> list[str]:
    found = []
    for value in (getattr(knockout, "check", None), getattr(knockout, "every_item", None)):
        name = getattr(value, "field", None)
        if isinstance(name, str):
            found.append(name)
    return found


def missing_settings(tender: Tender, lots: list[LotFacts], countries: dict[str, str | None]) -> list[str]:
    """The mandatory fields of the notice tender.yaml does not give (eforms:, letters:), named as written there."""
    from scoring.models import text_in

    e, missing = tender.eforms, []
    for name in ("notice_id", "procedure_id", "cpv", "buyer_legal_type", "buyer_activity"):
        if getattr(e, name) is None:
            missing.append(f"eforms.{name}")
    missing += _address("eforms.buyer", e.buyer, e.buyer.country, ("registration", "phone"))
    body = tender.letters.review_body
    if body is None or text_in(body.name, tender.language, tender.language) is None:
        missing.append("letters.review_body.name")
    if not text_in(e.review, tender.language, tender.language):  # not the letters' text: the standstill is over
        missing.append("eforms.review")
    missing += _address("eforms.review_body", e.review_body, e.review_body.country)
    for f in lots:
        if f.winner is None:
            continue
        given = e.tenderers.get(f.winner.bid_id) or EformsOrganisation()
        if not (given.registration or f.winner.registration_number):
            missing.append(f"eforms.tenderers.{f.winner.bid_id}.registration")
        missing += _address(
            f"eforms.tenderers.{f.winner.bid_id}", given, _country(countries.get(f.winner.bid_id), given)
        )
    for f in lots:
        if f.outcome != "open-nw" and f.reason != "no-rece":
            missing += statistics(f.evaluation, tender, countries)[1]
    return list(dict.fromkeys(missing))


def _address(where: str, given: EformsOrganisation, country: str | None, more: tuple[str, ...] = ()) -> list[str]:
    """What an organisation's address lacks: its city and country, and in the EEA its postal code and NUTS."""
    missing = [f"{where}.{name}" for name in ("city", *more) if getattr(given, name) is None]
    if country is None:
        missing.append(f"{where}.country")
    elif country in EEA:
        missing += [f"{where}.{name}" for name in ("postal_code", "nuts") if getattr(given, name) is None]
    return missing


def _country(written: str | None, given: EformsOrganisation) -> str | None:
    """A tenderer's country as eForms writes it (alpha-3): tender.yaml's, else the bid's own (alpha-2 or -3)."""
    if given.country:
        return given.country
    code = (written or "").strip().upper()
    return ALPHA3.get(code) or (code if len(code) == 3 and code.isalpha() else None)


def build_notice(
    tender: Tender, lots: list[LotFacts], issued: date, countries: dict[str, str | None] | None = None
) -> Notice:
    """The notice's XML (UTF-8, indented, the same bytes for the same inputs) and what it lacks; `countries`:
    the country each bid names (bid id -> alpha-2 or alpha-3)."""
    from lxml import etree

    countries = countries or {}
    subtype = SUBTYPES[tender.eforms.directive]
    E = _Maker(etree, LANGUAGES[tender.language], tender.currency, subtype)
    root = etree.Element(f"{{{NS[None]}}}ContractAwardNotice", nsmap=NS)
    extension = E.path(root, "ext:UBLExtensions", "ext:UBLExtension", "ext:ExtensionContent", "efext:EformsExtension")
    winners = _results(E, E.sub(extension, "efac:NoticeResult"), tender, lots, countries)
    E.sub(E.sub(extension, "efac:NoticeSubType"), "cbc:SubTypeCode", subtype, listName="notice-subtype")
    _organisations(E, E.sub(extension, "efac:Organizations"), tender, winners, countries)
    _procedure(E, root, tender, subtype, issued)
    for f in lots:
        _lot(E, root, tender, f)
    first = min((str(f.award["awarded_on"]) for f in lots if f.award), default=issued.isoformat())
    E.sub(E.sub(root, "cac:TenderResult"), "cbc:AwardDate", _day(first))
    etree.indent(root, space="  ")
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
    return Notice(xml=xml, subtype=subtype, lots=lots, missing=missing_settings(tender, lots, countries))


def _results(
    E: _Maker, result: Any, tender: Tender, lots: list[LotFacts], countries: dict[str, str | None]
) -> list[tuple[str, BidResult]]:
    """efac:NoticeResult: the notice value, each lot's result, the winning tenders, the contracts and the
    tendering parties; the winners' organisation ids."""
    winners = [(n, f, f.winner) for n, f in enumerate(lots, start=1) if f.winner is not None]
    if winners:
        value = sum((w.total_price or Decimal(0) for _, _, w in winners), Decimal(0))
        E.money(result, "cbc:TotalAmount", value)  # BT-161
    for n, f in enumerate(lots, start=1):
        lot_result = E.sub(result, "efac:LotResult")
        E.sub(lot_result, "cbc:ID", f"RES-{n:04d}", schemeName="result")  # OPT-322
        prices = [b.total_price for b in f.evaluation.bids if b.status is Status.RANKED and b.total_price is not None]
        if prices:
            E.money(lot_result, "cbc:HigherTenderAmount", max(prices))  # BT-711
            E.money(lot_result, "cbc:LowerTenderAmount", min(prices))  # BT-710
        E.sub(lot_result, "cbc:TenderResultCode", f.outcome, listName="winner-selection-status")  # BT-142
        if f.reason:
            reason = E.sub(lot_result, "efac:DecisionReason")
            E.sub(reason, "efbc:DecisionReasonCode", f.reason, listName="non-award-justification")  # BT-144
        if f.winner is not None:
            E.ref(lot_result, "efac:LotTender", f"TEN-{n:04d}", "tender")  # OPT-320
        if f.outcome != "open-nw" and f.reason != "no-rece":  # none received: no statistics (BR-BT-00760-0106)
            for code, count in statistics(f.evaluation, tender, countries)[0]:  # BT-760, BT-759
                stats = E.sub(lot_result, "efac:ReceivedSubmissionsStatistics")
                E.sub(stats, "efbc:StatisticsCode", code, listName="received-submission-type")
                E.sub(stats, "efbc:StatisticsNumeric", str(count))
        if f.winner is not None:
            E.ref(lot_result, "efac:SettledContract", f"CON-{n:04d}", "contract")  # OPT-315
        E.ref(lot_result, "efac:TenderLot", f"LOT-{f.number:04d}", "Lot")  # BT-13713
    for n, f, winner in winners:
        _winning_tender(E, E.sub(result, "efac:LotTender"), n, f, winner)
    for n, f, _ in winners:
        assert f.award is not None
        contract = E.sub(result, "efac:SettledContract")
        E.sub(contract, "cbc:ID", f"CON-{n:04d}", schemeName="contract")
        E.sub(contract, "cbc:AwardDate", _day(f.award["awarded_on"]))  # BT-1451
        E.sub(contract, "cbc:IssueDate", _day(f.award.get("concluded_on") or f.award["awarded_on"]))  # BT-145
        E.ref(E.sub(contract, "cac:SignatoryParty"), "cac:PartyIdentification", "ORG-0001", "organization")
        reference = tender.id if f.evaluation.lot is None else f"{tender.id}/{f.evaluation.lot}"
        E.sub(E.sub(contract, "efac:ContractReference"), "cbc:ID", reference)  # BT-150
        E.ref(contract, "efac:LotTender", f"TEN-{n:04d}", "tender")
    organisations: list[tuple[str, BidResult]] = []
    for n, _, winner in winners:
        party = E.sub(result, "efac:TenderingParty")
        E.sub(party, "cbc:ID", f"TPA-{n:04d}", schemeName="tendering-party")
        org = f"ORG-{len(organisations) + 3:04d}"
        organisations.append((org, winner))
        E.ref(party, "efac:Tenderer", org, "organization")
    return organisations


def _winning_tender(E: _Maker, lot_tender: Any, n: int, f: LotFacts, winner: BidResult) -> None:
    """The winning tender: its id (BT-3201), rank (BT-171, BT-1711), value (BT-720) and its links."""
    E.sub(lot_tender, "cbc:ID", f"TEN-{n:04d}", schemeName="tender")
    E.sub(lot_tender, "cbc:RankCode", str(winner.rank))
    E.sub(lot_tender, "efbc:TenderRankedIndicator", "true")
    if E.subtype == "30":
        E.sub(lot_tender, "efbc:TenderVariantIndicator", "false")  # BT-193: the workbook offers no variant
    E.money(E.sub(lot_tender, "cac:LegalMonetaryTotal"), "cbc:PayableAmount", winner.total_price or Decimal(0))
    E.sub(E.sub(lot_tender, "efac:SubcontractingTerm"), "efbc:TermCode", "no", listName="applicability")
    E.ref(lot_tender, "efac:TenderingParty", f"TPA-{n:04d}", "tendering-party")
    E.ref(lot_tender, "efac:TenderLot", f"LOT-{f.number:04d}", "Lot")
    E.sub(E.sub(lot_tender, "efac:TenderReference"), "cbc:ID", winner.bid_id)


def _organisations(
    E: _Maker, orgs: Any, tender: Tender, winners: list[tuple[str, BidResult]], countries: dict[str, str | None]
) -> None:
    """The buyer (ORG-0001), the review body (ORG-0002) and each winner, as organisations."""
    from scoring.models import text_in

    e = tender.eforms
    buyer = tender.buyer_in(tender.language)
    _company(E, E.sub(orgs, "efac:Organization"), "ORG-0001", buyer, e.buyer, e.buyer.country)
    body = tender.letters.review_body
    name = text_in(body.name, tender.language, tender.language) if body is not None else None
    _company(E, E.sub(orgs, "efac:Organization"), "ORG-0002", name, e.review_body, e.review_body.country)
    for org, winner in winners:
        given = e.tenderers.get(winner.bid_id) or EformsOrganisation()
        given = given.model_copy(update={"registration": given.registration or winner.registration_number})
        country = _country(countries.get(winner.bid_id), given)
        _company(E, E.sub(orgs, "efac:Organization"), org, winner.supplier, given, country, given.size)


def _procedure(E: _Maker, root: Any, tender: Tender, subtype: str, issued: date) -> None:
    """The notice's own fields, the buyer as contracting party, the procedure and the project."""
    e = tender.eforms
    E.sub(root, "cbc:UBLVersionID", "2.3")
    E.sub(root, "cbc:CustomizationID", CUSTOMIZATION)
    E.sub(root, "cbc:ID", e.notice_id or "", schemeName="notice-id")  # BT-701
    E.sub(root, "cbc:ContractFolderID", e.procedure_id or "")  # BT-04
    E.sub(root, "cbc:IssueDate", _day(issued))
    E.sub(root, "cbc:IssueTime", "12:00:00Z")
    E.sub(root, "cbc:VersionID", "01")
    E.sub(root, "cbc:RegulatoryDomain", REGULATORY_DOMAIN[subtype])
    E.sub(root, "cbc:NoticeTypeCode", "can-standard", listName="result")
    E.sub(root, "cbc:NoticeLanguageCode", E.language)
    party = E.sub(root, "cac:ContractingParty")
    kind = E.sub(party, "cac:ContractingPartyType")
    E.sub(kind, "cbc:PartyTypeCode", e.buyer_legal_type or "", listName="buyer-legal-type")  # BT-11
    activity = E.sub(party, "cac:ContractingActivity")
    kind_of = "entity-activity" if subtype == "30" else "authority-activity"  # BT-610 of a utility, else BT-10
    E.sub(activity, "cbc:ActivityTypeCode", e.buyer_activity or "", listName=kind_of)
    E.ref(E.sub(party, "cac:Party"), "cac:PartyIdentification", "ORG-0001", "organization")
    procedure = PROCEDURES[tender.procedure.type]
    E.sub(E.sub(root, "cac:TenderingProcess"), "cbc:ProcedureCode", procedure, listName="procurement-procedure-type")
    estimated = tender.procedure.estimated_value
    _project(E, E.sub(root, "cac:ProcurementProject"), tender.title, e.cpv, e.buyer, estimated=estimated)


def _lot(E: _Maker, root: Any, tender: Tender, f: LotFacts) -> None:
    """A lot: its award criteria as scored, the review body, its procedure terms and its project."""
    from scoring.models import text_in

    lot = E.sub(root, "cac:ProcurementProjectLot")
    E.sub(lot, "cbc:ID", f"LOT-{f.number:04d}", schemeName="Lot")
    terms = E.sub(lot, "cac:TenderingTerms")
    E.sub(terms, "cbc:FundingProgramCode", "no-eu-funds", listName="eu-funded")
    award_criteria(E, E.sub(terms, "cac:AwardingTerms"), f.evaluation)
    if E.subtype == "30":  # OPT-301: who gives additional information, the buyer
        E.ref(E.sub(terms, "cac:AdditionalInformationParty"), "cac:PartyIdentification", "ORG-0001", "organization")
    appeal = E.sub(terms, "cac:AppealTerms")
    how = text_in(tender.eforms.review, tender.language, tender.language)
    E.sub(E.sub(appeal, "cac:PresentationPeriod"), "cbc:Description", how or "", languageID=E.language)  # BT-99
    E.ref(E.sub(appeal, "cac:AppealReceiverParty"), "cac:PartyIdentification", "ORG-0002", "organization")
    process = E.sub(lot, "cac:TenderingProcess")
    E.sub(process, "cbc:GovernmentAgreementConstraintIndicator", "true")
    E.sub(E.sub(process, "cac:AuctionTerms"), "cbc:AuctionConstraintIndicator", "false")
    for system in ("framework-agreement", "dps-usage"):
        E.sub(E.sub(process, "cac:ContractingSystem"), "cbc:ContractingSystemTypeCode", "none", listName=system)
    project = E.sub(lot, "cac:ProcurementProject")
    E.sub(project, "cbc:ID", str(f.evaluation.lot or "1"), schemeName="InternalID")
    title = tender.title if f.evaluation.lot is None else f"{tender.title} ({f.evaluation.lot})"
    green, social = objectives(f.evaluation)
    gpp = gpp_criteria(f.evaluation)
    award = f.award or {}
    period = (award.get("contract_start") or tender.contract_start, award.get("contract_end") or tender.contract_end)
    _project(E, project, title, tender.eforms.cpv, tender.eforms.buyer, green, social, period=period, gpp=gpp)


def award_criteria(E: _Maker, awarding: Any, evaluation: Evaluation) -> None:
    """BT-539, BT-734, BT-540 and BT-541 with BT-5421 (exact percentages) of each criterion the evaluation
    scored, under `cac:AwardingTerms`."""
    criterion = E.sub(awarding, "cac:AwardingCriterion")
    for c in criteria_of(evaluation):
        sub = E.sub(criterion, "cac:SubordinateAwardingCriterion")
        if c["weight"] is not None:
            ext = E.sub(
                E.sub(E.sub(E.sub(sub, "ext:UBLExtensions"), "ext:UBLExtension"), "ext:ExtensionContent"),
                "efext:EformsExtension",
            )
            parameter = E.sub(ext, "efac:AwardCriterionParameter")
            E.sub(parameter, "efbc:ParameterCode", "per-exa", listName="number-weight")
            E.sub(parameter, "efbc:ParameterNumeric", format(Decimal(c["weight"]).normalize(), "f"))
        E.sub(sub, "cbc:AwardingCriterionTypeCode", c["type"], listName="award-criterion-type")
        E.sub(sub, "cbc:Name", c["name"], languageID=E.language)
        E.sub(sub, "cbc:Description", c["description"], languageID=E.language)


def criteria_xml(evaluation: Evaluation) -> bytes:
    """The award criteria as a contract notice's `cac:TenderingTerms/cac:AwardingTerms` (tenderscore notice
    --criteria): the criteria a buyer publishes are literally the ones scored."""
    from lxml import etree

    root = etree.Element(f"{{{NS['cac']}}}TenderingTerms", nsmap={k: v for k, v in NS.items() if k})
    maker = _Maker(etree, LANGUAGES[evaluation.tender.language], evaluation.tender.currency)
    award_criteria(maker, maker.sub(root, "cac:AwardingTerms"), evaluation)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _project(
    E: _Maker,
    project: Any,
    title: str,
    cpv: str | None,
    buyer: EformsOrganisation,
    green: list[str] | None = None,
    social: list[str] | None = None,
    estimated: Decimal | None = None,
    period: tuple[Any, Any] | None = None,
    gpp: str = "other",
) -> None:
    """A project's name, nature, green and social objectives (BT-805, BT-774, BT-775), estimated value (BT-27),
    CPV, place and, for a lot, the contract's period (BT-536, BT-537)."""
    E.sub(project, "cbc:Name", title, languageID=E.language)
    E.sub(project, "cbc:Description", title, languageID=E.language)
    E.sub(project, "cbc:ProcurementTypeCode", "supplies", listName="contract-nature")
    if green:
        additional = E.sub(project, "cac:ProcurementAdditionalType")
        E.sub(additional, "cbc:ProcurementTypeCode", gpp, listName="gpp-criteria")
        for code in green:
            E.sub(
                E.sub(project, "cac:ProcurementAdditionalType"),
                "cbc:ProcurementTypeCode",
                code,
                listName="environmental-impact",
            )
    for code in social or []:
        E.sub(
            E.sub(project, "cac:ProcurementAdditionalType"),
            "cbc:ProcurementTypeCode",
            code,
            listName="social-objective",
        )
    if estimated is not None:
        E.money(E.sub(project, "cac:RequestedTenderTotal"), "cbc:EstimatedOverallContractAmount", estimated)
    classification = E.sub(project, "cac:MainCommodityClassification")
    E.sub(classification, "cbc:ItemClassificationCode", cpv or "", listName="cpv")
    address = E.sub(E.sub(project, "cac:RealizedLocation"), "cac:Address")
    if buyer.nuts:
        E.sub(address, "cbc:CountrySubentityCode", buyer.nuts, listName="nuts")
    E.sub(E.sub(address, "cac:Country"), "cbc:IdentificationCode", buyer.country or "", listName="country")
    if period is not None:
        planned = E.sub(project, "cac:PlannedPeriod")
        E.sub(planned, "cbc:StartDate", _day(period[0]))
        E.sub(planned, "cbc:EndDate", _day(period[1]))


def _company(
    E: _Maker,
    organisation: Any,
    org: str,
    name: str | None,
    given: EformsOrganisation,
    country: str | None,
    size: str | None = None,
) -> None:
    company = E.sub(organisation, "efac:Company")
    if size:
        E.sub(company, "efbc:CompanySizeCode", size, listName="economic-operator-size")
    E.sub(E.sub(company, "cac:PartyIdentification"), "cbc:ID", org, schemeName="organization")
    E.sub(E.sub(company, "cac:PartyName"), "cbc:Name", name or "", languageID=E.language)
    address = E.sub(company, "cac:PostalAddress")
    E.sub(address, "cbc:CityName", given.city or "")
    if given.postal_code:
        E.sub(address, "cbc:PostalZone", given.postal_code)
    if given.nuts:
        E.sub(address, "cbc:CountrySubentityCode", given.nuts, listName="nuts")
    E.sub(E.sub(address, "cac:Country"), "cbc:IdentificationCode", country or "", listName="country")
    if given.registration:
        E.sub(E.sub(company, "cac:PartyLegalEntity"), "cbc:CompanyID", given.registration)
    if given.email or given.phone:
        contact = E.sub(company, "cac:Contact")
        if given.phone:
            E.sub(contact, "cbc:Telephone", given.phone)
        if given.email:
            E.sub(contact, "cbc:ElectronicMail", given.email)


def _day(value: Any) -> str:
    """A date as eForms writes it, with its zone (the buyer's dates are days: Z)."""
    return f"{value.isoformat() if isinstance(value, date) else str(value)[:10]}Z"


class _Maker:
    """Child elements by their prefixed names, text set only when given."""

    def __init__(self, etree: Any, language: str, currency: str = "EUR", subtype: str = "29"):
        self.etree = etree
        self.language = language
        self.currency = currency
        self.subtype = subtype

    def path(self, parent: Any, *names: str) -> Any:
        for name in names:
            parent = self.sub(parent, name)
        return parent

    def ref(self, parent: Any, name: str, identifier: str, scheme: str) -> Any:
        """A reference to another part of the notice: <name><cbc:ID schemeName=...>identifier</cbc:ID></name>."""
        return self.sub(self.sub(parent, name), "cbc:ID", identifier, schemeName=scheme)

    def money(self, parent: Any, name: str, value: Decimal) -> Any:
        return self.sub(parent, name, _money(value), currencyID=self.currency)

    def sub(self, parent: Any, name: str, text: str | None = None, **attributes: str) -> Any:
        """The child; a value tender.yaml does not give ("") is left out (a draft names it), not written empty."""
        prefix, local = name.split(":")
        if text == "":
            return self.etree.Element(f"{{{NS[prefix]}}}{local}")  # not in the notice
        element = self.etree.SubElement(parent, f"{{{NS[prefix]}}}{local}", **attributes)
        if text is not None:
            element.text = text
        return element
