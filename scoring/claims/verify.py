"""Verify label claims against issuers' registers and decide equivalence (Dir. 2014/24/EU Art. 43, 44, 62).

Every claim gets a verdict (accepted, accepted_equivalent, rejected, needs_review),
a stable reason code and a sentence that can be sent to the bidder. Only accepted
claims earn points. What a machine cannot decide (other means of proof, schemes
the catalogue does not know, areas it does not know) goes to a person; their
decision in reviews.yaml resolves it on the next run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from scoring.claims.registers import Register, RegisterEntry
from scoring.claims.reviews import ReviewDecision, Reviews, claim_key
from scoring.claims.verdicts import ClaimVerdict, Verdict
from scoring.models import Bid, LabelClaim, Tender
from scoring.names import normalise_model
from scoring.rules.catalogue import (
    ART43_FAILED,
    ART43_WORDS,
    Catalogue,
    Scheme,
    normalise_name,
)
from scoring.rules.schema import LabelRequirement, RuleSet

# code -> what it means; the sentence in each verdict says it for the case at hand.


@dataclass
class Verification:
    """Everything verification needs besides the bid."""

    tender: Tender
    rules: RuleSet
    catalogue: Catalogue
    register: Register
    reviews: Reviews = field(default_factory=Reviews)
    # Verdicts depend on the bid alone, not on the other bids: robustness re-scores many subsets.
    verdicts: dict[tuple, list[ClaimVerdict]] = field(default_factory=dict)

    @cached_property
    def used(self) -> frozenset[str]:
        """The label requirements a criterion or a knock-out uses: a claim for none of them is not needed."""
        found = {lab for c in self.rules.criteria for lab in c.labels}
        return frozenset(found | {lab for k in self.rules.knockouts for lab in k.condition.labels()})


def unused_decisions(reviews: Reviews, verdicts: dict[str, list[ClaimVerdict]]) -> list[ReviewDecision]:
    """Decisions that resolved no claim (verdicts by bid id): a typo, or a claim that is no longer pending."""
    used = {
        (bid_id, claim_key(ref))
        for bid_id, claims in verdicts.items()
        for c in claims
        if c.reviewed_by
        for ref in (c.certificate_id, c.evidence)
        if ref
    }
    return [d for d in reviews.decisions if d.key() not in used]


def verify_claims(bid: Bid, v: Verification) -> list[ClaimVerdict]:
    key = (bid.bid_id, bid.file_sha256, tuple(i.row for i in bid.items))  # a lot's items differ from the bid's
    if key not in v.verdicts:
        v.verdicts[key] = [verify_claim(claim, bid, v) for claim in bid.labels]
    return v.verdicts[key]


def _requirement(claim: LabelClaim, scheme: Scheme | None, v: Verification) -> tuple[str | None, bool]:
    """The requirement the claim is offered for, and whether it is offered as an equivalent."""
    references = {rid: v.catalogue.find(req.reference) for rid, req in v.rules.labels.items()}
    if claim.equivalent_to:
        target = v.catalogue.find(claim.equivalent_to)
        for rid, ref in references.items():
            if target is not None and ref is not None and ref.id == target.id:
                return rid, scheme is None or scheme.id != ref.id
        return None, True
    if scheme is not None:
        for rid, ref in references.items():
            if ref is not None and ref.id == scheme.id:
                return rid, False
    return None, False


def verify_claim(claim: LabelClaim, bid: Bid, v: Verification) -> ClaimVerdict:
    scheme = v.catalogue.find(claim.label)
    rid, equivalent = _requirement(claim, scheme, v)
    requirement = v.rules.labels.get(rid) if rid else None
    offered = {normalise_model(i.model): i for i in bid.items if i.model}
    claimed = [m for m in (normalise_model(c) for c in claim.covers or []) if m in offered]
    base = dict(
        row=claim.row,
        label=claim.label,
        version=claim.version,
        certificate_id=claim.certificate_id,
        covers=claim.covers or [],
        scheme=scheme.id if scheme else None,
        requirement=rid,
        equivalent_to=claim.equivalent_to,
        evidence=claim.evidence,
    )
    name = claim.label or "the label"

    def out(verdict: Verdict, code: str, reason: str, **extra) -> ClaimVerdict:
        return ClaimVerdict(**base, verdict=verdict, reason_code=code, reason=reason, **extra)

    def review(code: str, reason: str, **extra) -> ClaimVerdict:
        decision = v.reviews.find(bid.bid_id, claim.certificate_id, claim.evidence)
        if decision is None and rid not in v.used:
            return out(
                Verdict.NOT_NEEDED,
                "claim.not_needed",
                f"{name} is not assessed: no award criterion or requirement of this tender uses it"
                + (f" ({claim.equivalent_to} is not asked for)" if claim.equivalent_to and rid is None else "")
                + ", so it is not sent to the evaluation committee.",
                **extra,
            )
        if decision is None:
            return out(
                Verdict.NEEDS_REVIEW,
                code,
                reason + " The evaluation committee will decide.",
                covered_models=claimed,
                **extra,
            )
        said = f"Reviewed by {decision.by} on {decision.at.isoformat()}: {decision.reason}"
        if decision.decision == "accept":
            verdict = Verdict.ACCEPTED_EQUIVALENT if equivalent else Verdict.ACCEPTED
            return out(
                verdict,
                "review.accepted",
                f"{name} {_for(claimed, offered)}was accepted. {said}",
                covered_models=claimed,
                reviewed_by=decision.by,
                **extra,
            )
        return out(
            Verdict.REJECTED, "review.rejected", f"{name} was not accepted. {said}", reviewed_by=decision.by, **extra
        )

    if claim.evidence and not claim.certificate_id:
        return review(
            "review.alternative_proof",
            f"{name} is offered through other means of proof ({claim.evidence})"
            + (f" as equivalent to {claim.equivalent_to}" if claim.equivalent_to else "")
            + "; such proof must be assessed by the evaluation committee (Art. 44(2)).",
        )
    if scheme is None:
        return review(
            "review.unknown_scheme",
            f"'{name}' is not a scheme in the buyer's label catalogue, so whether it attests the "
            "required characteristics must be assessed by the evaluation committee.",
        )
    registry = scheme.registry
    snapshot = v.register.snapshot(registry) if registry else None
    if registry is None or snapshot is None:
        return review(
            "review.no_register",
            f"There is no register of {scheme.name} to check certificate {claim.certificate_id} "
            "against; the certificate itself must be checked by the evaluation committee.",
        )
    checked: dict[str, Any] = dict(register_snapshot=snapshot.describe())
    entry = v.register.lookup(registry, claim.certificate_id or "")
    if entry is None:
        reason = (
            f"Certificate {claim.certificate_id} is not listed in the {scheme.name} register "
            f"(snapshot of {snapshot.taken_on.isoformat()})."
        )
        near = v.register.near(registry, claim.certificate_id or "")
        own = [e for e in near if _holder_matches(e, bid)]
        others = [e for e in near if not _holder_matches(e, bid)]
        if own:
            reason += (
                f" {own[0].certificate_id}, one character away, is held by {own[0].holder}: possibly a typing "
                "error, which the buyer may ask the tenderer to correct (Art. 56(3))."
            )
        if others:
            checked["misrepresentation"] = (
                f"Certificate {claim.certificate_id}, claimed for {_models(claim)}, is not in the {scheme.name} "
                f"register ({snapshot.describe()}); "
                + "; ".join(f"{e.certificate_id}, one character away, is held by {_holder(e)}" for e in others)
                + f", not by the bidder ({_bidder(bid)})."
            )
        return out(Verdict.REJECTED, "certificate.not_found", reason, **checked)
    if entry.status != "valid":
        return out(
            Verdict.REJECTED,
            "certificate.withdrawn",
            f"The {scheme.name} register lists certificate {entry.certificate_id} as {entry.status}.",
            **checked,
        )
    if not _holder_matches(entry, bid):
        checked["misrepresentation"] = (
            f"The {scheme.name} register ({snapshot.describe()}) lists certificate {entry.certificate_id} for "
            f"{_holder(entry)}; the bidder ({_bidder(bid)}) claims it for {_models(claim)}."
        )
        return out(
            Verdict.REJECTED,
            "certificate.other_holder",
            f"Certificate {entry.certificate_id} is held by {entry.holder}, which is neither the bidder "
            "nor the brand of an offered model.",
            **checked,
        )
    covered, problem = _coverage(scheme, entry, claimed, offered, bid)
    if not covered:
        return out(Verdict.REJECTED, problem[0], problem[1], **checked)
    valid_from = entry.valid_from or claim.valid_from
    valid_until = entry.valid_until or claim.valid_until
    deadline = v.tender.bid_deadline.date()
    checked["valid_until"] = valid_until
    if valid_until is None or valid_until < deadline:
        return out(
            Verdict.REJECTED,
            "certificate.expired",
            f"Certificate {entry.certificate_id} expired on "
            f"{valid_until.isoformat() if valid_until else 'an unknown date'}, before the bid deadline "
            f"of {deadline.isoformat()}.",
            **checked,
        )
    if valid_from is not None and valid_from > deadline:
        return out(
            Verdict.REJECTED,
            "certificate.not_yet_valid",
            f"Certificate {entry.certificate_id} is valid only from {valid_from.isoformat()}, after the "
            f"bid deadline of {deadline.isoformat()}.",
            **checked,
        )
    if requirement and not equivalent and requirement.minimum_version and scheme.versions:
        version = entry.version or claim.version
        have, need = scheme.version_rank(version), scheme.version_rank(requirement.minimum_version)
        if have is None:
            return review(
                "review.version_unknown",
                f"The version of {scheme.name} certificate {entry.certificate_id} "
                f"({version or 'not stated'}) could not be matched to the scheme's versions.",
                covered_models=covered,
                **checked,
            )
        if need is not None and have < need:
            return out(
                Verdict.REJECTED,
                "version.below_minimum",
                f"Certificate {entry.certificate_id} is {scheme.name} {version}; this tender asks for "
                f"{requirement.minimum_version} or higher.",
                **checked,
            )
    if equivalent and requirement is not None:
        decided = _equivalence(scheme, requirement, claim, v)
        if decided is not None:
            verdict, code, reason = decided
            if verdict is Verdict.NEEDS_REVIEW:
                return review(code, reason, **checked)
            if verdict is Verdict.REJECTED:
                return out(verdict, code, reason, **checked)
    coverage, follow_up = _contract_term(valid_until, v.tender)
    checked.update(contract_coverage=coverage, follow_up=follow_up)
    if follow_up and requirement and requirement.expiry_during_contract == "reject":
        return out(
            Verdict.REJECTED,
            "certificate.expires_in_term",
            f"Certificate {entry.certificate_id} expires on {valid_until.isoformat()}, before the contract "
            f"ends on {v.tender.contract_end.isoformat()}, and this tender requires validity for the "
            "whole term.",
            **checked,
        )
    models = ", ".join(str(offered[m].model) for m in covered)
    if equivalent and requirement is not None:
        return out(
            Verdict.ACCEPTED_EQUIVALENT,
            "equivalence.accepted",
            f"{scheme.name} certificate {entry.certificate_id} for {models} is accepted as equivalent to "
            f"{requirement.reference}: {scheme.name} meets the conditions of Art. 43(1) and covers "
            f"{v.catalogue.area_words(requirement.areas)}." + (f" {follow_up}" if follow_up else ""),
            covered_models=covered,
            **checked,
        )
    code = "claim.verified_expires_in_term" if follow_up else "claim.verified"
    return out(
        Verdict.ACCEPTED,
        code,
        f"{scheme.name} certificate {entry.certificate_id} is listed in the register for {models} and "
        f"valid on the bid deadline." + (f" {follow_up}" if follow_up else ""),
        covered_models=covered,
        **checked,
    )


def _for(claimed: list[str], offered: dict) -> str:
    return f"for {', '.join(offered[m].model for m in claimed)} " if claimed else ""


def _holder(entry: RegisterEntry) -> str:
    """A register entry's holder, with its brand and models, as evidence."""
    more = [f"brand {entry.brand}"] if entry.brand and entry.brand != entry.holder else []
    more += [f"for {', '.join(entry.models)}"] if entry.models else []
    return entry.holder + (f" ({'; '.join(more)})" if more else "")


def _bidder(bid: Bid) -> str:
    s = bid.supplier
    return ", ".join(x for x in (s.name, s.registration_number) if x) or "name not stated"


def _models(claim: LabelClaim) -> str:
    return ", ".join(claim.covers or []) or "no model named"


def _holder_matches(entry: RegisterEntry, bid: Bid) -> bool:
    holders = {normalise_name(n) for n in (entry.holder, entry.brand) if n}
    bidder = {normalise_name(i.brand) for i in bid.items if i.brand}
    if bid.supplier.name:
        bidder.add(normalise_name(bid.supplier.name))
    if holders & bidder:
        return True
    # A facility's legal name often extends the brand: "Nordtek Assembly (Suzhou) Co." for Nordtek.
    return any(h.startswith(b) for h in holders for b in bidder if len(b) >= 4)


def _coverage(scheme: Scheme, entry: RegisterEntry, claimed: list[str], offered: dict, bid: Bid):
    """Offered models the certificate covers, or ([], (code, reason)) when none."""
    if scheme.attests == "product":
        listed = {normalise_model(m) for m in entry.models}
        covered = [m for m in claimed if m in listed or (offered[m].gtin and offered[m].gtin in entry.gtins)]
        if covered:
            return covered, None
        asked = ", ".join(offered[m].model for m in claimed) or ", ".join(entry.models) or "no offered model"
        return [], (
            "certificate.model_not_covered",
            f"Certificate {entry.certificate_id} covers {', '.join(entry.models) or 'no model'}, "
            f"not the offered {asked}.",
        )
    if scheme.attests == "facility":
        site = normalise_name(entry.facility or entry.holder)
        assembled = {
            normalise_model(f.model) if f.model and f.model.lower() != "all" else "*"
            for f in bid.factories
            if f.tier == "final assembly" and f.name and normalise_name(f.name) == site
        }
        covered = [m for m in offered if m in assembled or "*" in assembled]
        if covered:
            return covered, None
        return [], (
            "certificate.site_not_used",
            f"Certificate {entry.certificate_id} is for the site {entry.facility or entry.holder}, which "
            "the bid does not disclose as the final assembly site of any offered model.",
        )
    return list(offered), None  # a company-level certificate covers whatever the company supplies


def _equivalence(scheme: Scheme, requirement: LabelRequirement, claim: LabelClaim, v: Verification):
    """(verdict, code, reason) when the scheme cannot stand in for the reference label, else None."""
    areas = requirement.areas
    missing = [a for a in areas if scheme.covers.get(a, "unknown") == "no"]
    unknown = [a for a in areas if scheme.covers.get(a, "unknown") == "unknown"]
    words = v.catalogue.area_words
    if missing:
        also = (
            f" Nor does it meet Art. 43(1): {'; '.join(ART43_FAILED[c] for c in scheme.art43_failed)}."
            if scheme.art43_failed
            else ""
        )
        return (
            Verdict.REJECTED,
            "equivalence.areas_missing",
            f"{scheme.name} is not equivalent to {requirement.reference} in this tender: it does not cover "
            f"{words(missing)}, which {requirement.reference} stands for here.{also}",
        )
    if scheme.art43_failed:
        return (
            Verdict.REJECTED,
            "equivalence.conditions_unmet",
            f"{scheme.name} cannot stand in for {requirement.reference}: it does not meet the conditions of "
            f"Art. 43(1): {'; '.join(ART43_FAILED[c] for c in scheme.art43_failed)}.",
        )
    if unknown or scheme.art43_unknown:
        doubt = [words(unknown)] if unknown else []
        doubt += [ART43_WORDS[c] for c in scheme.art43_unknown]
        return (
            Verdict.NEEDS_REVIEW,
            "review.areas_unknown",
            f"Whether {scheme.name} covers {'; '.join(doubt)} is not established in the buyer's catalogue.",
        )
    return None


def _contract_term(valid_until: date, tender: Tender) -> tuple[Decimal, str | None]:
    """Share of the contract term the certificate covers, and the follow-up it needs."""
    start, end = tender.contract_start, tender.contract_end
    if valid_until >= end:
        return Decimal(1), None
    days = (end - start).days or 1
    share = Decimal(max(0, (valid_until - start).days)) / Decimal(days)
    share = share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return share, (
        f"It expires on {valid_until.isoformat()}, {int(share * 100)} % into the contract term "
        f"({start.isoformat()} to {end.isoformat()}): its renewal must be checked before then."
    )
