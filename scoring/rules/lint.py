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
    from scoring.rules.uses import Expanded

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
    "library.stage": "A criteria library entry is used at another stage than the library gives it (a selection "
    "criterion or a clause scored as an award criterion, an award criterion made a knock-out).",
    "library.weight": "A criterion from a criteria library weighs outside the range the entry recommends.",
    "library.unpinned": "A criteria library entry is used without its version: a new version in the library "
    "changes the rule set.",
    "library.wording": "A knock-out or criterion from a criteria library checks or scores otherwise than the "
    "entry, but keeps the entry's wording: bidders would be told a requirement or a scoring that is not applied.",
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


def library_warnings(rules: RuleSet, uses: list[Expanded]) -> list[RuleWarning]:
    """The rule set against the criteria library entries it uses: each entry at its stage, each weight in the
    entry's recommended range, each entry pinned to a version, each changed knock-out reworded."""
    from scoring.rules.library import STAGES

    out: list[RuleWarning] = []
    criteria = {c.id: c for c in rules.criteria}
    knockouts = {k.id: k for k in rules.knockouts}
    done: set[tuple[str, int]] = set()
    for expanded in uses:
        assert expanded.library is not None or not expanded.used
        for used in expanded.used:
            if (used.id, used.version) in done or expanded.library is None:
                continue  # a variant's entry over its base's: the variant's use is the one that counts
            done.add((used.id, used.version))
            entry = expanded.library.entries[(used.id, used.version)]
            named = f"entry {entry.id} (version {entry.version})"
            if not used.pinned:
                out.append(
                    RuleWarning(
                        code="library.unpinned",
                        rule=f"uses.{entry.id}",
                        message=f"uses {entry.id} without a version, so its latest ({entry.version}) is used and a "
                        f"new version in the library changes this rule set; pin it: version: {entry.version}.",
                    )
                )
            stage = STAGES[entry.stage].split(" (")[0]
            if used.role == "criterion" and used.rule in criteria and entry.stage != "award_criterion":
                c = criteria[used.rule]
                out.append(
                    RuleWarning(
                        code="library.stage",
                        rule=f"criteria.{c.id}",
                        message=f"criterion '{c.id}' is scored on {named}, which the library gives as a {stage} "
                        f"({'; '.join(entry.legal_basis)}), not an award criterion: "
                        + (
                            "what it attests is the company, not the supplied products (Art. 67(3)); use it to "
                            "select tenderers, or as a contract condition."
                            if entry.stage == "selection"
                            else "use it as the library gives it, or state why it is scored here."
                        ),
                    )
                )
            if used.role == "knockout" and used.rule in knockouts and entry.stage == "award_criterion":
                out.append(
                    RuleWarning(
                        code="library.stage",
                        rule=f"knockouts.{used.rule}",
                        message=f"knock-out '{used.rule}' excludes on {named}, which the library gives as an award "
                        "criterion: a bid that does less is scored lower, not excluded.",
                    )
                )
            if used.role == "criterion" and used.rule in criteria and entry.recommended_weight is not None:
                c = criteria[used.rule]
                low, high = entry.recommended_weight
                if c.weight is not None and not low <= c.weight <= high:
                    out.append(
                        RuleWarning(
                            code="library.weight",
                            rule=f"criteria.{c.id}",
                            message=f"criterion '{c.id}' weighs {c.weight} %, outside the {low}-{high} % that "
                            f"{named} recommends ({entry.source.publisher}).",
                        )
                    )
            changed = expanded.overrides.get(used.rule or "", {})
            if used.role == "knockout" and {"check", "every_item"} & set(changed) and "requirement" not in changed:
                out.append(
                    RuleWarning(
                        code="library.wording",
                        rule=f"knockouts.{used.rule}",
                        message=f"knock-out '{used.rule}' checks otherwise than {named} but keeps its wording "
                        f'("{entry.text.en}"): state the requirement it checks (requirement, requirements).',
                    )
                )
            scoring = {"field", "aggregate", "function", "params"} & set(changed)
            if used.role == "criterion" and scoring and entry.criterion is not None and "description" not in changed:
                out.append(
                    RuleWarning(
                        code="library.wording",
                        rule=f"criteria.{used.rule}",
                        message=f"criterion '{used.rule}' scores otherwise than {named} ({', '.join(sorted(scoring))}) "
                        "but keeps its description, which the tender documents and the award notice (BT-540) state: "
                        "describe how it scores (description, descriptions).",
                    )
                )
    return out
