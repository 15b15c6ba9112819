"""The verdict on a claim: what verification decided, with the sentence a bidder can be sent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum

from pydantic import model_validator

from scoring.facts import Fact
from scoring.models import Frozen


class Verdict(str, Enum):
    ACCEPTED = "accepted"
    ACCEPTED_EQUIVALENT = "accepted_equivalent"
    REJECTED = "rejected"
    NEEDS_REVIEW = "needs_review"
    NOT_NEEDED = "not_needed"  # no criterion or knock-out of the tender uses it: not assessed, not reviewed

    @property
    def counts(self) -> bool:
        return self in (Verdict.ACCEPTED, Verdict.ACCEPTED_EQUIVALENT)


# Every reason a claim can be given: code -> (the verdicts it goes with, its meaning). Stable: reports,
# letters and the ledger carry these codes; a verdict with a code not listed here is refused.
REASON_CODES: dict[str, tuple[tuple[Verdict, ...], str]] = {
    "claim.not_needed": (
        (Verdict.NOT_NEEDED,),
        "not assessed: no award criterion or requirement of the tender uses this label",
    ),
    "claim.verified": (
        (Verdict.ACCEPTED,),
        "accepted: listed in the issuer's register, for the offered model, valid on the bid deadline",
    ),
    "claim.verified_expires_in_term": (
        (Verdict.ACCEPTED,),
        "accepted; the certificate expires before the contract ends: follow-up needed",
    ),
    "equivalence.accepted": (
        (Verdict.ACCEPTED_EQUIVALENT,),
        "accepted as equivalent: the scheme meets Art. 43(1) and covers every required area",
    ),
    "certificate.not_found": ((Verdict.REJECTED,), "rejected: the certificate is not in the issuer's register"),
    "certificate.withdrawn": (
        (Verdict.REJECTED,),
        "rejected: the register lists the certificate as withdrawn or suspended",
    ),
    "certificate.other_holder": (
        (Verdict.REJECTED,),
        "rejected: the certificate belongs to neither the bidder nor the offered brand",
    ),
    "certificate.model_not_covered": (
        (Verdict.REJECTED,),
        "rejected: the certificate does not cover the offered model",
    ),
    "certificate.site_not_used": (
        (Verdict.REJECTED,),
        "rejected: the certified site is not where the offered models are assembled",
    ),
    "certificate.expired": ((Verdict.REJECTED,), "rejected: the certificate was not valid on the bid deadline"),
    "certificate.not_yet_valid": (
        (Verdict.REJECTED,),
        "rejected: the certificate was not yet valid on the bid deadline",
    ),
    "certificate.expires_in_term": (
        (Verdict.REJECTED,),
        "rejected: the certificate expires before the contract ends (rule set)",
    ),
    "version.below_minimum": ((Verdict.REJECTED,), "rejected: the version or level is below the tender's minimum"),
    "equivalence.areas_missing": (
        (Verdict.REJECTED,),
        "rejected as equivalent: the scheme does not cover every required area",
    ),
    "equivalence.conditions_unmet": (
        (Verdict.REJECTED,),
        "rejected as equivalent: the scheme does not meet the Art. 43(1) conditions",
    ),
    "review.alternative_proof": (
        (Verdict.NEEDS_REVIEW,),
        "needs review: other means of proof (e.g. a technical dossier)",
    ),
    "review.unknown_scheme": ((Verdict.NEEDS_REVIEW,), "needs review: a scheme the catalogue does not know"),
    "review.no_register": (
        (Verdict.NEEDS_REVIEW,),
        "needs review: no register snapshot to check the certificate against",
    ),
    "review.areas_unknown": (
        (Verdict.NEEDS_REVIEW,),
        "needs review: the catalogue does not establish every required area or condition",
    ),
    "review.version_unknown": (
        (Verdict.NEEDS_REVIEW,),
        "needs review: the certificate's version or level could not be established",
    ),
    "review.accepted": (
        (Verdict.ACCEPTED, Verdict.ACCEPTED_EQUIVALENT),
        "accepted after review by the evaluation committee",
    ),
    "review.rejected": ((Verdict.REJECTED,), "rejected after review by the evaluation committee"),
}


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
    reason: Fact  # the specific reason, as the bidder is told it
    covered_models: list[str] = []  # offered models the claim is accepted for (normalised names)
    register_snapshot: str | None = None  # the register snapshot it was checked against
    valid_until: date | None = None
    contract_coverage: Decimal | None = None  # share of the contract term the certificate covers
    follow_up: Fact | None = None  # e.g. renewal to check before the certificate expires
    reviewed_by: str | None = None
    # The evidence, when the claim looks like a misrepresentation (another company's certificate, or an
    # identifier one character away from another holder's): for the committee (Art. 57(4)(h)), not a verdict.
    misrepresentation: Fact | None = None

    @model_validator(mode="after")
    def _known_reason(self) -> ClaimVerdict:
        if self.reason_code not in REASON_CODES:
            raise ValueError(f"unknown reason code {self.reason_code!r}: add it to REASON_CODES with its meaning")
        allowed, _ = REASON_CODES[self.reason_code]
        if self.verdict not in allowed:
            raise ValueError(f"reason code {self.reason_code!r} does not go with the verdict {self.verdict.value}")
        return self
