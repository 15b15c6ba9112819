"""The label and certification scheme catalogue (rules/labels.yaml)."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    field_validator,
    model_validator,
)

from scoring.errors import RuleError
from scoring.facts import N_, Listing
from scoring.facts import name as named
from scoring.intake.folder import Files
from scoring.yamlio import load_yaml, read_input

# yes / no / unknown; YAML reads a bare yes or no as a boolean.
Tri = Literal["yes", "no", "unknown"]
ART43 = ("subject_matter", "objective", "open_procedure", "accessible", "independent")
ART43_WORDS = {
    "subject_matter": N_("its requirements concern the product (Art. 43(1)(a))"),
    "objective": N_("objective, verifiable and non-discriminatory criteria (Art. 43(1)(b))"),
    "open_procedure": N_("criteria set in an open procedure in which all stakeholders may take part (Art. 43(1)(c))"),
    "accessible": N_("accessible to all interested parties (Art. 43(1)(d))"),
    "independent": N_("set by a third party independent of the applicants (Art. 43(1)(e))"),
}


# How a failed condition reads in a verdict or a warning.
ART43_FAILED = {
    "subject_matter": N_("its requirements are not about the product (Art. 43(1)(a))"),
    "objective": N_("its criteria are not objective, verifiable and non-discriminatory (Art. 43(1)(b))"),
    "open_procedure": N_(
        "its criteria are not set in an open procedure in which all stakeholders may take part (Art. 43(1)(c))"
    ),
    "accessible": N_("it is not accessible to all interested parties (Art. 43(1)(d))"),
    "independent": N_("it is not set by a third party independent of the applicants (Art. 43(1)(e))"),
}


def _tri(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip().lower()


def normalise_name(name: str) -> str:
    """'TCO  certified', 'tco-certified' and 'TCO Certified' are one name."""
    return re.sub(r"[^0-9a-z+]", "", name.casefold())


class Scheme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    aliases: list[str] = []
    issuer: str
    kind: Literal["label", "certificate", "management_system", "membership", "audit", "rating"]
    attests: Literal["product", "facility", "company"]
    versions: list[str] = []  # lowest first
    designations: list[str] = []
    art43: dict[str, Tri]
    registry: str | None = None  # id of its register snapshot in rules/registers/
    covers: dict[str, Tri]
    sources: list[str] = []

    @field_validator("art43", "covers", mode="before")
    @classmethod
    def _words(cls, value):
        return {k: _tri(v) for k, v in (value or {}).items()}

    @model_validator(mode="after")
    def _complete(self):
        missing = [c for c in ART43 if c not in self.art43]
        if missing:
            raise ValueError(f"art43 lacks {', '.join(missing)}")
        return self

    def names(self) -> set[str]:
        return {normalise_name(n) for n in [self.name, *self.aliases]}

    @property
    def art43_failed(self) -> list[str]:
        return [c for c in ART43 if self.art43[c] == "no"]

    @property
    def art43_unknown(self) -> list[str]:
        return [c for c in ART43 if self.art43[c] == "unknown"]

    def version_rank(self, version: str | None) -> int | None:
        """Position of a version in the scheme's ladder; None when unknown or not given."""
        if not version:
            return None
        wanted = normalise_name(version)
        for rank, name in enumerate(self.versions):
            if normalise_name(name) == wanted or wanted.endswith(normalise_name(name)):
                return rank
        digits = re.findall(r"\d+", version)
        for rank, name in enumerate(self.versions):
            if digits and re.findall(r"\d+", name) == digits[-1:]:
                return rank
        return None


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    catalogue_version: str
    areas: dict[str, str]
    area_names: dict[str, dict[str, str]] = {}  # language -> area -> its name in that language
    schemes: list[Scheme]
    path: str = ""

    @model_validator(mode="after")
    def _consistent(self):
        seen: dict[str, str] = {}
        for scheme in self.schemes:
            unknown = set(scheme.covers) - set(self.areas)
            unknown |= {a for names in self.area_names.values() for a in names} - set(self.areas)
            if unknown:
                raise ValueError(f"scheme {scheme.id} names unknown areas: {', '.join(sorted(unknown))}")
            for name in scheme.names():
                if name in seen and seen[name] != scheme.id:
                    raise ValueError(f"the name {name!r} belongs to both {seen[name]} and {scheme.id}")
                seen[name] = scheme.id
        return self

    def find(self, name: str | None) -> Scheme | None:
        """The scheme a label name refers to (name or alias, any case and punctuation)."""
        if not name:
            return None
        return self._by_name.get(normalise_name(name))

    @cached_property
    def _by_name(self) -> dict[str, Scheme]:
        """Every name and alias, normalised -> its scheme: a lookup per claim, not a pass over the schemes."""
        return {name: scheme for scheme in reversed(self.schemes) for name in scheme.names()}

    def by_id(self, scheme_id: str) -> Scheme:
        return next(s for s in self.schemes if s.id == scheme_id)

    def area_words(self, areas) -> Listing:
        """The requirement areas as the catalogue names them, in each language it names them in."""
        return Listing(
            tuple(
                named(self.areas.get(a, a), {lang: names[a] for lang, names in self.area_names.items() if a in names})
                for a in areas
            )
        )


def load_catalogue(path: Path | str, files: Files | None = None) -> Catalogue:
    path = Path(path)
    doc = load_yaml(path, RuleError, data=read_input(path, RuleError, files))
    return doc.validate(Catalogue, RuleError, data={**doc.data, "path": str(path)})
