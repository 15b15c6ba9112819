"""The criteria linter: warnings about rule sets that EU procurement law or practice advises against.

Warnings, not errors: a buyer may have reasons, but should see them before
publishing. Each names the rule and says in one line what is wrong.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from scoring.rules.functions import LookupParams

if TYPE_CHECKING:
    from scoring.rules.catalogue import Catalogue, Scheme
    from scoring.rules.schema import RuleSet

EW_AFFILIATION = re.compile(r"affiliat", re.I)
ELECTRONICS_WATCH = re.compile(r"electronics[\s_-]*watch|\bew\b", re.I)


LINT_CODES = {  # code -> what it warns about (docs/codes.md)
    "lint.company_level": "An award criterion rests on a scheme that attests a company or a facility, or is a "
    "membership or a rating, not the supplied products: award criteria must be linked to the subject-matter of "
    "the contract (Art. 67(3)); use it, if at all, as a selection criterion or a contract condition.",
    "lint.art43": "A label the rule set asks for does not meet every condition of Art. 43(1) (objective, open, "
    "transparent, set by a party the bidder cannot influence), so an equivalent must be accepted on its merits.",
    "lint.ew_affiliation": "A criterion or requirement asks suppliers for Electronics Watch affiliation, but "
    "affiliates are public buyers: ask for the contract conditions, disclosure and cooperation with monitoring.",
}


class RuleWarning(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str  # lint.company_level, lint.art43, lint.ew_affiliation
    rule: str  # where in the rule set, e.g. criteria.ems
    message: str

    def __str__(self) -> str:
        return f"{self.code} at {self.rule}: {self.message}"


def _schemes_of_criterion(criterion, rules: RuleSet, catalogue: Catalogue) -> list[Scheme]:
    found = []
    for name in criterion.labels:
        if True:
            scheme = catalogue.find(rules.labels[name].reference) if name in rules.labels else None
            if scheme:
                found.append(scheme)
    if isinstance(criterion.params, LookupParams):
        for value in criterion.params.values:
            scheme = catalogue.find(str(value))
            if scheme:
                found.append(scheme)
    return list({s.id: s for s in found}.values())


def lint_rules(rules: RuleSet, catalogue: Catalogue | None) -> list[RuleWarning]:
    out: list[RuleWarning] = []
    if catalogue is not None:
        for c in rules.criteria:
            for scheme in _schemes_of_criterion(c, rules, catalogue):
                out.extend(
                    _scheme_warnings(
                        scheme,
                        f"criteria.{c.id}",
                        f"criterion '{c.id}' ({c.weight} %)"
                        if c.weight is not None
                        else f"criterion '{c.id}' ({c.money} at full score)",
                        weighted=True,
                    )
                )
        for k in rules.knockouts:
            for name in k.condition.labels():
                found = catalogue.find(rules.labels[name].reference)
                if found:
                    out.extend(_scheme_warnings(found, f"knockouts.{k.id}", f"knock-out '{k.id}'", weighted=False))
    texts = [(f"criteria.{c.id}", " ".join(filter(None, (c.id, c.name, c.group)))) for c in rules.criteria]
    texts += [(f"knockouts.{k.id}", f"{k.id} {k.requirement}") for k in rules.knockouts]
    for rule, text in texts:
        if EW_AFFILIATION.search(text) and ELECTRONICS_WATCH.search(text):
            out.append(
                RuleWarning(
                    code="lint.ew_affiliation",
                    rule=rule,
                    message="asks suppliers for Electronics Watch affiliation, but affiliates are public buyers; "
                    "a supplier can accept the Electronics Watch contract conditions, disclose the factories "
                    "of the supplied models and cooperate with monitoring: ask for those.",
                )
            )
    return out


def _scheme_warnings(scheme: Scheme, rule: str, what: str, *, weighted: bool) -> list[RuleWarning]:
    out = []
    if weighted and (scheme.attests != "product" or scheme.kind in ("membership", "rating")):
        subject = {"company": "a company", "facility": "a facility"}.get(scheme.attests, "a product")
        tied = (
            " and is not tied to the supplied products unless the certified site is where they are made"
            if scheme.attests == "facility"
            else ""
        )
        out.append(
            RuleWarning(
                code="lint.company_level",
                rule=rule,
                message=f"{what} rests on {scheme.name}, which attests {subject} ({scheme.kind.replace('_', ' ')})"
                f"{tied}: award criteria must be linked to the subject-matter of the contract, and general "
                "corporate policy is not (Directive 2014/24/EU Art. 67(3), recital 97); use it, if at all, "
                "as a selection criterion or a contract condition.",
            )
        )
    if scheme.kind != "management_system" and scheme.art43_failed:
        from scoring.rules.catalogue import ART43_FAILED

        failed = "; ".join(ART43_FAILED[c] for c in scheme.art43_failed)
        out.append(
            RuleWarning(
                code="lint.art43",
                rule=rule,
                message=f"{what} uses {scheme.name}, which does not meet the conditions of Art. 43(1) for a label "
                f"that may be required: {failed}. Ask for the underlying requirements instead, and accept "
                "any means of proof that they are met.",
            )
        )
    return out
