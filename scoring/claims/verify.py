"""Verify label claims against issuers' registers and decide equivalence (Dir. 2014/24/EU Art. 43, 44, 62).

Every claim gets a verdict (accepted, accepted_equivalent, rejected, needs_review),
a stable reason code and a sentence that can be sent to the bidder. Only accepted
claims earn points. What a machine cannot decide (other means of proof, schemes
the catalogue does not know, areas it does not know) goes to a person; their
decision in reviews.yaml resolves it on the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from scoring.claims.registers import Register, RegisterEntry
from scoring.claims.reviews import ReviewDecision, Reviews, claim_key
from scoring.claims.verdicts import ClaimVerdict, Verdict
from scoring.facts import N_, Fact, Listing, fact
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


@dataclass
class Case:
    """One claim being verified: what every guard looks at, and what the verdict records of the checks."""

    claim: LabelClaim
    bid: Bid
    v: Verification
    scheme: Scheme | None
    rid: str | None  # the rule set's label requirement the claim is offered for
    equivalent: bool  # offered as an equivalent of that requirement's label
    offered: dict[str, Any]  # normalised model -> the offered item
    claimed: list[str]  # the offered models the claim names (normalised)
    checked: dict[str, Any] = field(default_factory=dict)  # what the verdict records: snapshot, validity, ...
    entry: RegisterEntry | None = None  # the register's entry, once found
    covered: list[str] = field(default_factory=list)  # the offered models it covers, once established

    @property
    def requirement(self) -> LabelRequirement | None:
        return self.v.rules.labels.get(self.rid) if self.rid else None

    @property
    def name(self) -> str | Fact:
        return self.claim.label or fact(N_("the label"))

    def verdict(self, verdict: Verdict, code: str, reason: Fact, **extra: Any) -> ClaimVerdict:
        c = self.claim
        return ClaimVerdict(
            row=c.row,
            label=c.label,
            version=c.version,
            certificate_id=c.certificate_id,
            covers=c.covers or [],
            scheme=self.scheme.id if self.scheme else None,
            requirement=self.rid,
            equivalent_to=c.equivalent_to,
            evidence=c.evidence,
            verdict=verdict,
            reason_code=code,
            reason=reason,
            **{**self.checked, **extra},
        )

    def review(self, code: str, reason: Fact, **extra: Any) -> ClaimVerdict:
        """What a person decides: their decision in reviews.yaml, or the claim goes to the committee (unless
        no criterion or requirement uses it)."""
        claim, bid, v = self.claim, self.bid, self.v
        decision = v.reviews.find(bid.bid_id, claim.certificate_id, claim.evidence)
        if decision is None and self.rid not in v.used:
            unasked = (
                fact(N_(" (%(label)s is not asked for)"), label=claim.equivalent_to)
                if claim.equivalent_to and self.rid is None
                else ""
            )
            said = N_(
                "%(name)s is not assessed: no award criterion or requirement of this tender uses it%(unasked)s, "
                "so it is not sent to the evaluation committee."
            )
            return self.verdict(
                Verdict.NOT_NEEDED, "claim.not_needed", fact(said, name=self.name, unasked=unasked), **extra
            )
        if decision is None:
            return self.verdict(
                Verdict.NEEDS_REVIEW,
                code,
                fact(N_("%(reason)s The evaluation committee will decide."), reason=reason),
                **{"covered_models": self.claimed, **extra},
            )
        review = fact(
            N_("Reviewed by %(by)s on %(at)s: “%(reason)s”"), by=decision.by, at=decision.at, reason=decision.reason
        )
        if decision.decision == "accept":
            verdict = Verdict.ACCEPTED_EQUIVALENT if self.equivalent else Verdict.ACCEPTED
            models = (
                fact(N_("for %(models)s "), models=Listing(tuple(self.offered[m].model for m in self.claimed)))
                if self.claimed
                else ""
            )
            return self.verdict(
                verdict,
                "review.accepted",
                fact(N_("%(name)s %(models)swas accepted. %(review)s"), name=self.name, models=models, review=review),
                **{"covered_models": self.claimed, "reviewed_by": decision.by, **extra},
            )
        return self.verdict(
            Verdict.REJECTED,
            "review.rejected",
            fact(N_("%(name)s was not accepted. %(review)s"), name=self.name, review=review),
            **{"reviewed_by": decision.by, **extra},
        )


Guard = Callable[[Case], ClaimVerdict | None]


def verify_claim(claim: LabelClaim, bid: Bid, v: Verification) -> ClaimVerdict:
    """A claim through the guards, in order: the first that decides gives the verdict."""
    scheme = v.catalogue.find(claim.label)
    rid, equivalent = _requirement(claim, scheme, v)
    offered = {normalise_model(i.model): i for i in bid.items if i.model}
    claimed = [m for m in (normalise_model(c) for c in claim.covers or []) if m in offered]
    case = Case(claim, bid, v, scheme, rid, equivalent, offered, claimed)
    for guard in GUARDS:
        verdict = guard(case)
        if verdict is not None:
            return verdict
    raise AssertionError("the last guard always decides")


def _other_proof(case: Case) -> ClaimVerdict | None:
    claim = case.claim
    if not claim.evidence or claim.certificate_id:
        return None
    said = (
        N_(
            "%(name)s is offered through other means of proof (%(evidence)s) as equivalent to %(label)s; such proof "
            "must be assessed by the evaluation committee (Art. 44(2))."
        )
        if claim.equivalent_to
        else N_(
            "%(name)s is offered through other means of proof (%(evidence)s); such proof must be assessed by the "
            "evaluation committee (Art. 44(2))."
        )
    )
    reason = fact(said, name=case.name, evidence=claim.evidence, label=claim.equivalent_to or "")
    return case.review("review.alternative_proof", reason)


def _unknown_scheme(case: Case) -> ClaimVerdict | None:
    if case.scheme is not None:
        return None
    said = N_(
        "'%(name)s' is not a scheme in the buyer's label catalogue, so whether it attests the required "
        "characteristics must be assessed by the evaluation committee."
    )
    return case.review("review.unknown_scheme", fact(said, name=case.name))


def _no_register(case: Case) -> ClaimVerdict | None:
    scheme = case.scheme
    assert scheme is not None, "after _unknown_scheme"
    registry = scheme.registry
    snapshot = case.v.register.snapshot(registry) if registry else None
    if registry is not None and snapshot is not None:
        case.checked["register_snapshot"] = snapshot.describe()
        return None
    said = N_(
        "There is no register of %(scheme)s to check certificate %(certificate)s against; the certificate itself "
        "must be checked by the evaluation committee."
    )
    return case.review("review.no_register", fact(said, scheme=scheme.name, certificate=str(case.claim.certificate_id)))


def _not_listed(case: Case) -> ClaimVerdict | None:
    scheme, claim, bid = case.scheme, case.claim, case.bid
    assert scheme is not None and scheme.registry is not None, "after _no_register"
    snapshot = case.v.register.snapshot(scheme.registry)
    assert snapshot is not None, "after _no_register"
    case.entry = case.v.register.lookup(scheme.registry, claim.certificate_id or "")
    if case.entry is not None:
        return None
    reason = fact(
        N_("Certificate %(certificate)s is not listed in the %(scheme)s register (snapshot of %(taken)s)."),
        certificate=str(claim.certificate_id),
        scheme=scheme.name,
        taken=snapshot.taken_on,
    )
    near = case.v.register.near(scheme.registry, claim.certificate_id or "")
    own = [e for e in near if _holder_matches(e, bid)]
    others = [e for e in near if not _holder_matches(e, bid)]
    if own:
        reason = fact(
            N_(
                "%(reason)s %(near)s, one character away, is held by %(holder)s: possibly a typing error, which the "
                "buyer may ask the tenderer to correct (Art. 56(3))."
            ),
            reason=reason,
            near=own[0].certificate_id,
            holder=own[0].holder,
        )
    if others:
        held = Listing(
            tuple(
                fact(
                    N_("%(near)s, one character away, is held by %(holder)s"), near=e.certificate_id, holder=_holder(e)
                )
                for e in others
            ),
            "; ",
        )
        case.checked["misrepresentation"] = fact(
            N_(
                "Certificate %(certificate)s, claimed for %(models)s, is not in the %(scheme)s register "
                "(%(snapshot)s); "
                "%(held)s, not by the bidder (%(bidder)s)."
            ),
            certificate=str(claim.certificate_id),
            models=_models(claim),
            scheme=scheme.name,
            snapshot=snapshot.describe(),
            held=held,
            bidder=_bidder(bid),
        )
    return case.verdict(Verdict.REJECTED, "certificate.not_found", reason)


def _withdrawn(case: Case) -> ClaimVerdict | None:
    entry, scheme = case.entry, case.scheme
    assert entry is not None and scheme is not None, "after _not_listed"
    if entry.status == "valid":
        return None
    reason = fact(
        N_("The %(scheme)s register lists certificate %(certificate)s as %(status)s."),
        scheme=scheme.name,
        certificate=entry.certificate_id,
        status=fact(STATUS_WORDS.get(entry.status, entry.status)),
    )
    return case.verdict(Verdict.REJECTED, "certificate.withdrawn", reason)


def _other_holder(case: Case) -> ClaimVerdict | None:
    entry, scheme, bid = case.entry, case.scheme, case.bid
    assert entry is not None and scheme is not None and scheme.registry is not None, "after _not_listed"
    if _holder_matches(entry, bid):
        return None
    snapshot = case.v.register.snapshot(scheme.registry)
    case.checked["misrepresentation"] = fact(
        N_(
            "The %(scheme)s register (%(snapshot)s) lists certificate %(certificate)s for %(holder)s; the bidder "
            "(%(bidder)s) claims it for %(models)s."
        ),
        scheme=scheme.name,
        snapshot=snapshot.describe() if snapshot else "",
        certificate=entry.certificate_id,
        holder=_holder(entry),
        bidder=_bidder(bid),
        models=_models(case.claim),
    )
    reason = fact(
        N_(
            "Certificate %(certificate)s is held by %(holder)s, which is neither the bidder nor the brand of an "
            "offered model."
        ),
        certificate=entry.certificate_id,
        holder=entry.holder,
    )
    return case.verdict(Verdict.REJECTED, "certificate.other_holder", reason)


def _not_covered(case: Case) -> ClaimVerdict | None:
    assert case.scheme is not None and case.entry is not None, "after _not_listed"
    covered, problem = _coverage(case.scheme, case.entry, case.claimed, case.offered, case.bid)
    if covered:
        case.covered = covered
        return None
    return case.verdict(Verdict.REJECTED, problem[0], problem[1])


def _not_valid(case: Case) -> ClaimVerdict | None:
    entry, claim = case.entry, case.claim
    assert entry is not None, "after _not_listed"
    valid_from = entry.valid_from or claim.valid_from
    valid_until = entry.valid_until or claim.valid_until
    deadline = case.v.tender.bid_deadline.date()
    case.checked["valid_until"] = valid_until
    if valid_until is None or valid_until < deadline:
        reason = fact(
            N_("Certificate %(certificate)s expired on %(until)s, before the bid deadline of %(deadline)s."),
            certificate=entry.certificate_id,
            until=valid_until if valid_until else fact(N_("an unknown date")),
            deadline=deadline,
        )
        return case.verdict(Verdict.REJECTED, "certificate.expired", reason)
    if valid_from is not None and valid_from > deadline:
        reason = fact(
            N_("Certificate %(certificate)s is valid only from %(from)s, after the bid deadline of %(deadline)s."),
            certificate=entry.certificate_id,
            **{"from": valid_from},
            deadline=deadline,
        )
        return case.verdict(Verdict.REJECTED, "certificate.not_yet_valid", reason)
    return None


def _version(case: Case) -> ClaimVerdict | None:
    entry, scheme, requirement = case.entry, case.scheme, case.requirement
    assert entry is not None and scheme is not None, "after _not_listed"
    if not (requirement and not case.equivalent and requirement.minimum_version and scheme.versions):
        return None
    version = entry.version or case.claim.version
    have, need = scheme.version_rank(version), scheme.version_rank(requirement.minimum_version)
    if have is None:
        reason = fact(
            N_(
                "The version of %(scheme)s certificate %(certificate)s (%(version)s) could not be matched to the "
                "scheme's versions."
            ),
            scheme=scheme.name,
            certificate=entry.certificate_id,
            version=version or fact(N_("not stated")),
        )
        return case.review("review.version_unknown", reason, covered_models=case.covered)
    if need is not None and have < need:
        reason = fact(
            N_("Certificate %(certificate)s is %(scheme)s %(version)s; this tender asks for %(minimum)s or higher."),
            certificate=entry.certificate_id,
            scheme=scheme.name,
            version=version or "",
            minimum=requirement.minimum_version,
        )
        return case.verdict(Verdict.REJECTED, "version.below_minimum", reason)
    return None


def _not_equivalent(case: Case) -> ClaimVerdict | None:
    requirement, scheme = case.requirement, case.scheme
    if not (case.equivalent and requirement is not None and scheme is not None):
        return None
    decided = _equivalence(scheme, requirement, case.claim, case.v)
    if decided is None:
        return None
    verdict, code, reason = decided
    if verdict is Verdict.NEEDS_REVIEW:
        return case.review(code, reason)
    return case.verdict(verdict, code, reason)


def _expires_in_term(case: Case) -> ClaimVerdict | None:
    entry, requirement, tender = case.entry, case.requirement, case.v.tender
    valid_until = case.checked["valid_until"]
    assert entry is not None and valid_until is not None, "after _not_valid"
    coverage, follow_up = _contract_term(valid_until, tender)
    case.checked.update(contract_coverage=coverage, follow_up=follow_up)
    if not (follow_up and requirement and requirement.expiry_during_contract == "reject"):
        return None
    reason = fact(
        N_(
            "Certificate %(certificate)s expires on %(until)s, before the contract ends on %(end)s, and this tender "
            "requires validity for the whole term."
        ),
        certificate=entry.certificate_id,
        until=valid_until,
        end=tender.contract_end,
    )
    return case.verdict(Verdict.REJECTED, "certificate.expires_in_term", reason)


def _accepted(case: Case) -> ClaimVerdict:
    entry, scheme, requirement = case.entry, case.scheme, case.requirement
    assert entry is not None and scheme is not None, "after _not_listed"
    covered = case.covered
    follow_up = case.checked.get("follow_up")
    models = Listing(tuple(str(case.offered[m].model) for m in covered))
    tail = fact(" %(follow_up)s", follow_up=follow_up) if follow_up else ""
    if case.equivalent and requirement is not None:
        reason = fact(
            N_(
                "%(scheme)s certificate %(certificate)s for %(models)s is accepted as equivalent to %(label)s: "
                "%(scheme)s meets the conditions of Art. 43(1) and covers %(areas)s.%(follow_up)s"
            ),
            scheme=scheme.name,
            certificate=entry.certificate_id,
            models=models,
            label=requirement.reference,
            areas=case.v.catalogue.area_words(requirement.areas),
            follow_up=tail,
        )
        return case.verdict(Verdict.ACCEPTED_EQUIVALENT, "equivalence.accepted", reason, covered_models=covered)
    reason = fact(
        N_(
            "%(scheme)s certificate %(certificate)s is listed in the register for %(models)s and valid on the bid "
            "deadline.%(follow_up)s"
        ),
        scheme=scheme.name,
        certificate=entry.certificate_id,
        models=models,
        follow_up=tail,
    )
    code = "claim.verified_expires_in_term" if follow_up else "claim.verified"
    return case.verdict(Verdict.ACCEPTED, code, reason, covered_models=covered)


GUARDS: tuple[Guard, ...] = (
    _other_proof,
    _unknown_scheme,
    _no_register,
    _not_listed,
    _withdrawn,
    _other_holder,
    _not_covered,
    _not_valid,
    _version,
    _not_equivalent,
    _expires_in_term,
    _accepted,
)
STATUS_WORDS = {"withdrawn": N_("withdrawn"), "suspended": N_("suspended"), "expired": N_("expired")}


def _holder(entry: RegisterEntry) -> Fact:
    """A register entry's holder, with its brand and models, as evidence."""
    more = [fact(N_("brand %(brand)s"), brand=entry.brand)] if entry.brand and entry.brand != entry.holder else []
    more += [fact(N_("for %(models)s"), models=", ".join(entry.models))] if entry.models else []
    if not more:
        return fact("%(holder)s", holder=entry.holder)
    return fact("%(holder)s (%(more)s)", holder=entry.holder, more=Listing(tuple(more), "; "))


def _bidder(bid: Bid) -> Any:
    s = bid.supplier
    return ", ".join(x for x in (s.name, s.registration_number) if x) or fact(N_("name not stated"))


def _models(claim: LabelClaim) -> Any:
    return ", ".join(claim.covers or []) or fact(N_("no model named"))


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
        asked = ", ".join(offered[m].model for m in claimed) or ", ".join(entry.models) or fact(N_("no offered model"))
        return [], (
            "certificate.model_not_covered",
            fact(
                N_("Certificate %(certificate)s covers %(models)s, not the offered %(asked)s."),
                certificate=entry.certificate_id,
                models=", ".join(entry.models) or fact(N_("no model")),
                asked=asked,
            ),
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
            fact(
                N_(
                    "Certificate %(certificate)s is for the site %(site)s, which the bid does not disclose as the "
                    "final assembly site of any offered model."
                ),
                certificate=entry.certificate_id,
                site=entry.facility or entry.holder,
            ),
        )
    return list(offered), None  # a company-level certificate covers whatever the company supplies


def _equivalence(
    scheme: Scheme, requirement: LabelRequirement, claim: LabelClaim, v: Verification
) -> tuple[Verdict, str, Fact] | None:
    """(verdict, code, reason) when the scheme cannot stand in for the reference label, else None."""
    areas = requirement.areas
    missing = [a for a in areas if scheme.covers.get(a, "unknown") == "no"]
    unknown = [a for a in areas if scheme.covers.get(a, "unknown") == "unknown"]
    words = v.catalogue.area_words
    failed = Listing(tuple(fact(ART43_FAILED[c]) for c in scheme.art43_failed), "; ")
    if missing:
        also = fact(N_(" Nor does it meet Art. 43(1): %(failed)s."), failed=failed) if scheme.art43_failed else ""
        reason = fact(
            N_(
                "%(scheme)s is not equivalent to %(label)s in this tender: it does not cover %(areas)s, which "
                "%(label)s stands for here.%(also)s"
            ),
            scheme=scheme.name,
            label=requirement.reference,
            areas=words(missing),
            also=also,
        )
        return Verdict.REJECTED, "equivalence.areas_missing", reason
    if scheme.art43_failed:
        reason = fact(
            N_("%(scheme)s cannot stand in for %(label)s: it does not meet the conditions of Art. 43(1): %(failed)s."),
            scheme=scheme.name,
            label=requirement.reference,
            failed=failed,
        )
        return Verdict.REJECTED, "equivalence.conditions_unmet", reason
    if unknown or scheme.art43_unknown:
        doubt: list[Any] = [words(unknown)] if unknown else []
        doubt += [fact(ART43_WORDS[c]) for c in scheme.art43_unknown]
        reason = fact(
            N_("Whether %(scheme)s covers %(doubt)s is not established in the buyer's catalogue."),
            scheme=scheme.name,
            doubt=Listing(tuple(doubt), "; "),
        )
        return Verdict.NEEDS_REVIEW, "review.areas_unknown", reason
    return None


def _contract_term(valid_until: date, tender: Tender) -> tuple[Decimal, Fact | None]:
    """Share of the contract term the certificate covers, and the follow-up it needs."""
    start, end = tender.contract_start, tender.contract_end
    if valid_until >= end:
        return Decimal(1), None
    days = (end - start).days or 1
    share = Decimal(max(0, (valid_until - start).days)) / Decimal(days)
    share = share.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return share, fact(
        N_(
            "It expires on %(until)s, %(share)s %% into the contract term (%(start)s to %(end)s): its renewal must "
            "be checked before then."
        ),
        until=valid_until,
        share=int(share * 100),
        start=start,
        end=end,
    )
