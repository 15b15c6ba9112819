"""Typed values that flow through the pipeline: tender, bid, and evaluation results."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field as PField

from scoring.issues import Issue
from scoring.lint import RuleWarning
from scoring.panel import PanelOutcome
from scoring.rules import RuleSet


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- the tender -------------------------------------------------------------

class TenderItem(Frozen):
    """An item the tender asks for; when listed, bids are checked against it."""

    lot: str
    item: str
    description: str = ""
    quantity: int | None = None


class TemplateMapping(Frozen):
    """How a non-standard bid template maps onto the standard one."""

    sheets: dict[str, str] = {}  # standard sheet name -> name in this template
    headings: dict[str, dict[str, str]] = {}  # standard sheet -> {standard heading -> heading here}
    yes_words: list[str] = []  # YAML reads a bare `yes` key as true, hence the suffix
    no_words: list[str] = []
    not_applicable_words: list[str] = []


class Tender(Frozen):
    id: str
    title: str
    buyer: str
    currency: str
    bid_deadline: datetime
    contract_start: date
    contract_end: date
    rules: str  # path of the rule set, relative to the tender folder
    rules_sha256: str | None = None  # pinned once the tender is published: runs under other rules are scenarios
    locale: str = "en-GB"
    decimal_separator: str | None = None  # overrides what the locale implies
    timezone: str = "UTC"
    items: list[TenderItem] = []
    template: TemplateMapping = TemplateMapping()
    folder: Path = PField(default=Path("."), exclude=True)

    @property
    def bids_folder(self) -> Path:
        return self.folder / "bids"

    @property
    def rules_path(self) -> Path:
        return (self.folder / self.rules).resolve()


# --- a bid, as read from its workbook --------------------------------------

class Supplier(Frozen):
    tender_reference: str | None = None
    name: str | None = None
    registration_number: str | None = None
    country: str | None = None
    email: str | None = None
    submitted_at: datetime | None = None
    currency: str | None = None
    ew_conditions: bool | None = None
    ew_dialogue: bool | None = None
    take_back: bool | None = None
    environmental_management: str | None = None


class Item(Frozen):
    row: int
    lot: str | None = None
    item: str | None = None
    category: str | None = None
    brand: str | None = None
    model: str | None = None
    gtin: str | None = None
    quantity: int | None = None
    unit_price: Decimal | None = None
    warranty_years: Decimal | None = None
    spare_parts_years: Decimal | None = None
    security_updates_years: Decimal | None = None
    battery_replaceable: str | None = None  # yes / no / n/a
    energy_kwh_year: Decimal | None = None
    recycled_plastic_pct: Decimal | None = None
    packaging_recycled_pct: Decimal | None = None

    @property
    def line_value(self) -> Decimal | None:
        if self.quantity is None or self.unit_price is None:
            return None
        return self.quantity * self.unit_price


class LabelClaim(Frozen):
    row: int
    label: str | None = None
    version: str | None = None
    certificate_id: str | None = None
    scope: str | None = None
    covers: list[str] | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    equivalent_to: str | None = None
    evidence: str | None = None


class Factory(Frozen):
    row: int
    model: str | None = None
    tier: str | None = None
    component: str | None = None
    name: str | None = None
    country: str | None = None
    city: str | None = None
    address: str | None = None
    last_audit: date | None = None
    audit_scheme: str | None = None


class Bid(Frozen):
    """A bid as read; fields the bidder left empty or that could not be read are None."""

    bid_id: str  # the file's stem: stable across runs, unique in a folder
    file: str
    file_sha256: str
    supplier: Supplier = Supplier()
    items: list[Item] = []
    labels: list[LabelClaim] = []
    factories: list[Factory] = []

    @property
    def total_price(self) -> Decimal | None:
        values = [i.line_value for i in self.items]
        if not values or any(v is None for v in values):
            return None
        return sum(values, Decimal(0))


class ReadResult(Frozen):
    """What reading one file gives: a bid when the file could be opened, and its issues."""

    file: str
    file_sha256: str
    bid: Bid | None
    issues: list[Issue]
    headings: dict[str, dict[str, str]] = {}  # sheet -> field name -> heading in this template
    supplier_rows: dict[str, int] = {}  # Supplier field name -> worksheet row


# --- results -----------------------------------------------------------------

class Status(str, Enum):
    RANKED = "ranked"
    EXCLUDED = "excluded"  # fails a knock-out requirement
    REJECTED = "rejected"  # could not be evaluated: errors in the bid or the file


class CriterionResult(Frozen):
    id: str
    name: str
    weight: Decimal | None  # None under value_for_money, where the stake is money
    raw: Any
    score: Decimal  # on the rule set's scale (0..scale)
    points: Decimal
    explanation: str
    status: str = "final"  # or needs_review: a claim it depends on awaits a person's decision
    stake: Decimal | None = None  # weight (%), or money under value_for_money
    panel: PanelOutcome | None = None  # every evaluator's score behind a judged criterion


class Verdict(str, Enum):
    ACCEPTED = "accepted"
    ACCEPTED_EQUIVALENT = "accepted_equivalent"
    REJECTED = "rejected"
    NEEDS_REVIEW = "needs_review"

    @property
    def counts(self) -> bool:
        return self in (Verdict.ACCEPTED, Verdict.ACCEPTED_EQUIVALENT)


class ClaimVerdict(Frozen):
    """The verdict on one label claim of a bid, with the sentence a bidder can be sent."""

    row: int
    label: str | None
    version: str | None
    certificate_id: str | None
    covers: list[str]
    scheme: str | None  # catalogue id
    requirement: str | None  # the rule set's label requirement the claim is offered for
    equivalent_to: str | None
    evidence: str | None = None
    verdict: Verdict
    reason_code: str
    reason: str
    covered_models: list[str] = []  # offered models the claim is accepted for (normalised names)
    register_snapshot: str | None = None  # the register snapshot it was checked against
    valid_until: date | None = None
    contract_coverage: Decimal | None = None  # share of the contract term the certificate covers
    follow_up: str | None = None  # e.g. renewal to check before the certificate expires
    reviewed_by: str | None = None


class KnockoutResult(Frozen):
    id: str
    requirement: str
    passed: bool
    explanation: str


class BidResult(Frozen):
    bid_id: str
    file: str
    file_sha256: str
    supplier: str | None
    registration_number: str | None
    status: Status
    rank: int | None = None
    total: Decimal | None = None  # sum of the criteria's points (money under value_for_money)
    total_price: Decimal | None = None
    ranking_value: Decimal | None = None  # what the rank is decided on: total, comparison price or ratio
    criteria: list[CriterionResult] = []
    knockouts: list[KnockoutResult] = []
    claims: list[ClaimVerdict] = []
    issues: list[Issue] = []
    reasons: list[str] = []  # why rejected or excluded, in plain words
    tie_break: str | None = None  # how a tie on total was decided, when there was one


class Evaluation(Frozen):
    tender: Tender
    lot: str | None = None  # when the rule set evaluates lots separately
    run_id: str | None = None  # set once the run is in the ledger
    kind: str | None = None  # official (the tender's pinned rules) or scenario
    previous_run_id: str | None = None
    run_at: str | None = None
    rules: RuleSet
    rules_path: str
    rules_sha256: str
    tool_version: str
    bids: list[BidResult]  # ranked first by rank, then excluded, then rejected
    warnings: list[str] = []  # about the evaluation as a whole (e.g. an undecided tie)
    rule_warnings: list[RuleWarning] = []  # the criteria linter's
    catalogue_version: str | None = None
    registers: list[str] = []  # the register snapshots claims were checked against
    agreement: dict[str, Decimal | None] = {}  # judged criterion -> Krippendorff's alpha
    robustness: dict = {}  # weight sensitivity, rank reversals, win shares (scoring/robustness.py)
