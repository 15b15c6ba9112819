"""The contract record: every commitment of the awarded bid, as a follow-up item with its due dates.

Built once, at the award, from the evaluation as awarded (its claims, criteria and points) and the winning
bid as read (its items, factories and supplier answers). Follow-up reads this record; it never changes the
evaluation, and the evaluation never changes it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from scoring.award.results import BidResult, Evaluation, Status
from scoring.dates import add_months
from scoring.errors import InputError
from scoring.models import Award, Bid, Frozen
from scoring.rules.catalogue import Catalogue
from scoring.rules.schema import FollowUp, Remedy, RuleSet

Kind = Literal["certificate", "factories", "ew_dialogue", "warranty", "spare_parts", "security_updates", "take_back"]


class Commitment(Frozen):
    id: str  # stable within the contract: certificate:<id>, factories, warranty, ...
    kind: Kind
    subject: str  # what the supplier committed to, in words
    source: str  # where the commitment comes from in the bid
    due: list[date] = []  # every date something is due from the supplier during the contract
    ends: date | None = None  # when the commitment or the period it covers ends
    criteria: list[str] = []  # the award criteria that scored on it, with their points
    certificate_id: str | None = None
    registry: str | None = None  # the register snapshot it is re-checked against
    scheme: str | None = None
    models: list[str] = []
    on_lapse: str = "notify"  # notify, or remedy
    remedy_within_days: int | None = None
    # What the subject says, as data, so that reports can say it in the tender's language:
    count: int | None = None  # factories disclosed
    months: int | None = None  # how often the factory list or the dialogue is due again
    years: Decimal | None = None  # a warranty, spare parts or security updates period: the least of the items'
    item_years: dict[str, Decimal] = {}  # that period per item code, run from each delivery of the item


class ContractRecord(Frozen):
    tender_id: str
    tender_title: str
    buyer: str
    lot: str | None = None
    bid_id: str
    file: str
    file_sha256: str
    supplier: str | None
    registration_number: str | None
    email: str | None
    rank: int | None
    total: Decimal | None
    awarded_on: date
    concluded_on: date | None = None  # the day the contract is concluded (BT-145): the award notice's clock
    awarded_by: str | None = None
    reason: str | None = None
    contract_start: date
    contract_end: date
    evaluation_run_id: str | None = None
    rules_sha256: str
    commitments: list[Commitment]


def add_years(day: date, years: Decimal) -> date:
    """Whole years and the months of a fraction (4.5 years: 4 years 6 months)."""
    return add_months(day, int((years * 12).to_integral_value()))


def last_day(start: date, years: Decimal) -> date:
    """The last day of a period of `years` that begins on `start`: four years from 1 January 2027 run to
    31 December 2030 inclusive, not to 1 January 2031."""
    return add_years(start, years) - timedelta(days=1)


def every(start: date, end: date, months: int) -> list[date]:
    """The dates `months` apart from `start` (excluded) up to `end` (included)."""
    out, n = [], 1
    while (day := add_months(start, months * n)) <= end:
        out.append(day)
        n += 1
    return out


def winner_of(evaluation: Evaluation, award: Award, where: str) -> BidResult:
    """The awarded bid's result; an InputError naming `where` the award was made when it cannot be awarded
    (no such bid; not ranked; not first without a reason)."""
    found = next((b for b in evaluation.bids if b.bid_id == award.bid), None)
    if found is None:
        known = ", ".join(b.bid_id for b in evaluation.bids)
        raise InputError(where, f"there is no bid {award.bid!r} in this tender (bids: {known})", "award.bid")
    if found.status is not Status.RANKED:
        raise InputError(
            where, f"bid {award.bid} is {found.status.value}, not ranked: it cannot be awarded", "award.bid"
        )
    if found.rank != 1 and not award.reason:
        raise InputError(
            where,
            f"bid {award.bid} is ranked {found.rank}, not first: state the reason for awarding it",
            "award.reason",
        )
    return found


def contract_record(
    evaluation: Evaluation, award: Award, bid: Bid, rules: RuleSet, catalogue: Catalogue | None, where: str
) -> ContractRecord:
    """Every commitment of the awarded bid, with its due dates over the contract's term."""
    winner = winner_of(evaluation, award, where)
    tender = evaluation.tender
    start = award.contract_start or tender.contract_start
    end = award.contract_end or tender.contract_end
    terms = rules.follow_up
    commitments = _certificates(winner, rules, catalogue, terms, end) + _others(bid, rules, terms, start, end)
    for n, c in enumerate(commitments):
        lapse = terms.lapse_of(c.kind)
        commitments[n] = c.model_copy(
            update={
                "on_lapse": "remedy" if isinstance(lapse, Remedy) else "notify",
                "remedy_within_days": lapse.remedy_within_days if isinstance(lapse, Remedy) else None,
            }
        )
    return ContractRecord(
        tender_id=tender.id,
        tender_title=tender.title,
        buyer=tender.buyer,
        lot=evaluation.lot,
        bid_id=winner.bid_id,
        file=winner.file,
        file_sha256=winner.file_sha256,
        supplier=winner.supplier,
        registration_number=winner.registration_number,
        email=bid.supplier.email,
        rank=winner.rank,
        total=winner.total,
        awarded_on=award.awarded_on,
        concluded_on=award.concluded_on or award.awarded_on,
        awarded_by=award.by,
        reason=award.reason,
        contract_start=start,
        contract_end=end,
        evaluation_run_id=evaluation.run_id,
        rules_sha256=evaluation.rules_sha256,
        commitments=commitments,
    )


def _certificates(
    winner: BidResult, rules: RuleSet, catalogue: Catalogue | None, terms: FollowUp, end: date
) -> list[Commitment]:
    points = {c.id: c for c in winner.criteria}
    out = []
    for claim in winner.claims:
        if not claim.verdict.counts:
            continue
        scored = [
            f"{c.name} ({points[c.id].points} points)"
            for c in rules.criteria
            if claim.requirement in c.labels and c.id in points
        ]
        scheme = next((s for s in catalogue.schemes if s.id == claim.scheme), None) if catalogue else None
        until = claim.valid_until
        due = [until - timedelta(days=terms.renewal_evidence_days)] if until is not None and until <= end else []
        name = scheme.name if scheme else (claim.label or "label")
        what = f"{name} certificate {claim.certificate_id}" if claim.certificate_id else f"{name} (other proof)"
        expiry = f", valid until {until.isoformat()}" if until else ""
        renewal = " (expires during the contract: renewal evidence due before it)" if due else ""
        out.append(
            Commitment(
                id=f"certificate:{claim.certificate_id or claim.row}",
                kind="certificate",
                subject=f"{what} for {', '.join(claim.covers) or 'the offered models'}{expiry}{renewal}",
                source=f"Labels row {claim.row}",
                due=due,
                ends=until,
                criteria=scored,
                certificate_id=claim.certificate_id,
                registry=scheme.registry if scheme else None,
                scheme=name,
                models=list(claim.covers),
            )
        )
    return out


def _others(bid: Bid, rules: RuleSet, terms: FollowUp, start: date, end: date) -> list[Commitment]:
    out = []
    if bid.factories or rules.scores_transparency or bid.supplier.ew_dialogue:
        models = sorted({f.model for f in bid.factories if f.model})
        out.append(
            Commitment(
                id="factories",
                kind="factories",
                subject=f"The factory list ({len(bid.factories)} factories disclosed for "
                f"{', '.join(models) or 'no model'}) disclosed again every {terms.disclosure_months} months, "
                "with any change",
                source="Factories sheet",
                models=models,
                count=len(bid.factories),
                months=terms.disclosure_months,
                due=every(start, end, terms.disclosure_months),
                ends=end,
            )
        )
    if bid.supplier.ew_dialogue:
        out.append(
            Commitment(
                id="ew_dialogue",
                kind="ew_dialogue",
                subject="Dialogue with Electronics Watch on the factories of the supplied models: monitoring "
                f"findings and remediation reviewed every {terms.dialogue_months} months",
                source="Supplier sheet, Enters into dialogue with Electronics Watch",
                months=terms.dialogue_months,
                due=every(start, end, terms.dialogue_months),
                ends=end,
            )
        )
    periods = (
        ("warranty", "warranty_years", "Warranty of at least {y} years on every item"),
        ("spare_parts", "spare_parts_years", "Spare parts available for at least {y} years"),
        (
            "security_updates",
            "security_updates_years",
            "Security updates for at least {y} years on the items that get them",
        ),
    )
    for kind, name, text in periods:
        per_item: dict[str, Decimal] = {}
        for i in bid.items:  # monitors state no security updates
            if years := getattr(i, name):
                code = i.item or i.model or f"row {i.row}"
                per_item[code] = min(years, per_item.get(code, years))
        if not per_item:
            continue
        least = min(per_item.values())
        ends = last_day(start, least)  # until deliveries are recorded: counted from the contract start
        out.append(
            Commitment(
                id=kind,
                kind=kind,
                subject=text.format(y=f"{least.normalize():f}") + ", from each delivery",
                source="Items sheet",
                due=[],
                ends=ends,
                years=least,
                item_years=per_item,
            )
        )
    if bid.supplier.take_back:
        out.append(
            Commitment(
                id="take_back",
                kind="take_back",
                subject="Take-back and reuse of the supplied devices at the end of their use",
                source="Supplier sheet, Take-back and reuse service",
                due=[end],
                ends=end,
            )
        )
    return out
