"""The verdict on a claim: what verification decided, with the sentence a bidder can be sent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum

from scoring.models import Frozen


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
