"""Criteria libraries: published practice as the building blocks of rule sets (docs/criteria.md).

A library is a folder: `library.yaml` (its id, version, publisher and licence) and `entries/`, one YAML file
per entry and version (`<id>.v<version>.yaml`). An entry is one criterion of published practice (the EU GPP
criteria, TCO Certified, the Electronics Watch contract conditions, a national tool), in this project's own
words with its source cited: its stage, ambition level, scope, legal basis, its text in each language, what
the bidder answers, how it is verified, how it is scored or checked, the follow-up it creates after award
and its eForms codes. A rule set `uses:` entries by id and version (scoring/rules/load.py expands them).

Loading reads every entry and reports every problem of every entry at once (a LibraryError), never a
traceback; no value in a library becomes a path (file names are only read, and a merged library's are made
with `safe_name`). The library's SHA-256 covers its manifest and every entry file, so a copy shared with
another buyer is the same library only if the hash is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic import Field as PField

from scoring.errors import InputError, Problem
from scoring.rules.conditions import Strict
from scoring.yamlio import load_yaml

BUILTIN = "tenderscore-ict"  # the library this package ships (scoring/data/criteria)
ENTRY_POINTS = "tenderscore.criteria"  # how an installed Python package offers a library: name = package
MANIFEST = "library.yaml"
ENTRIES = "entries"
MAX_ENTRIES = 5000

LANGUAGES = ("en", "nl", "fr", "de")  # every entry of a shared library is worded in these (the linter)
THEMES = {
    "price": "price and cost",
    "labels": "labels (type I ecolabels, sustainability certifications)",
    "life_extension": "life extension: warranty, spare parts, updates, battery, repairability",
    "energy": "energy consumption",
    "hazardous_substances": "hazardous substances",
    "production": "environmental impact in production (recycled content)",
    "packaging": "packaging",
    "end_of_life": "take-back, reuse and refurbished devices",
    "transparency": "supply-chain transparency: disclosed factories",
    "electronics_watch": "Electronics Watch: contract conditions and dialogue",
    "management": "environmental and social management of the company",
}
STAGES = {
    "selection": "selection criterion (Art. 58, 60, 62): who may tender",
    "technical_specification": "technical specification (Art. 42, 43, 44): what every offer must meet",
    "award_criterion": "award criterion (Art. 67, 68): what is scored",
    "contract_clause": "contract performance condition (Art. 70): what the contract obliges after award",
}
LEVELS = {
    "core": "core: easy to apply and verify, a wide market meets it",
    "comprehensive": "comprehensive: a higher level, for buyers that want to go further",
    "spearhead": "spearhead: the frontrunners' level (Upphandlingsmyndigheten's spjutspets)",
}
DEVICES = ("desktop", "notebook", "tablet", "smartphone", "monitor", "thin_client", "workstation")
EQUIVALENCE = {
    "equivalent_label": "an equivalent label meeting the same requirements (Art. 43(1))",
    "other_means_of_proof": "other appropriate means of proof, such as a technical dossier (Art. 43(1), 44(2))",
    "equivalent_measures": "equivalent environmental management measures (Art. 62(2))",
    "test_report": "a test report or certificate of a conformity assessment body (Art. 44(1))",
    "self_declaration": "the bidder's declaration, checked during the contract",
}
COMMITMENTS = ("certificate", "factories", "ew_dialogue", "warranty", "spare_parts", "security_updates", "take_back")
# eForms code lists of SDK 1.15 (scoring/data/eforms/sdk-1.15.1/codelists), as the notice writes them.
GPP_CRITERIA = ("eu", "national", "other", "none")  # BT-805
GREEN = ("biodiv-eco", "circ-econ", "clim-adapt", "clim-mitig", "other", "pollu-prev", "water-mar")  # BT-774
SOCIAL = ("acc-all", "et-eq", "gen-eq", "hum-right", "opp", "other", "work-cond")  # BT-775

ID = r"[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+"  # source.topic, e.g. gpp.warranty-extended
LEGAL = re.compile(
    r"(Directive 2014/2[345]/EU|Regulation \(EU\) \d{4}/\d+) Art\. \d+[a-z]?(\(\d+\))*(\([a-z]\))?|national: .+"
)
CPV = r"\d{8}-\d"

Language = Literal["en", "nl", "fr", "de"]


class LibraryError(InputError):
    """A criteria library that cannot be read, or an entry in it that is wrong: every problem, each named."""


class Texts(Strict):
    """One text in each language: English always, and nl, fr, de for a library shared across Europe."""

    en: str = PField(min_length=1)
    nl: str | None = PField(default=None, min_length=1)
    fr: str | None = PField(default=None, min_length=1)
    de: str | None = PField(default=None, min_length=1)

    def get(self, language: str) -> str:
        """The text in the language, the English one when the entry has none in it."""
        return getattr(self, language, None) or self.en

    def others(self) -> dict[str, str]:
        """The text in the languages other than English, as a rule set's `names` and `requirements` hold it."""
        return {lang: text for lang in LANGUAGES[1:] if (text := getattr(self, lang))}

    def missing(self) -> list[str]:
        return [lang for lang in LANGUAGES if not getattr(self, lang)]


class Source(Strict):
    """Where the practice is published: cited, never copied."""

    publisher: str
    """Who published it (European Commission, TCO Development, Electronics Watch, PIANOo, ...)."""
    document: str
    """The document's title (and reference)."""
    section: str
    """The section or criterion in it, as the document names it."""
    url: str = PField(pattern=r"^https://\S+$")
    """Where it can be read."""
    date: dt.date | None = None
    """The document's date, when it shows one (the version the entry follows)."""
    consulted: dt.date
    """The day the entry was written against it."""
    licence: str
    """The terms the document is published under (the entry's wording is this library's own)."""
    level: str | None = None
    """The ambition level as the source names it (Core, Comprehensive, Ambitieniveau 2, Avancerad)."""


class Scope(Strict):
    devices: list[Literal[DEVICES]] = PField(min_length=1)  # type: ignore[valid-type]
    """The device types it applies to."""
    cpv: list[str] = PField(default=[], json_schema_extra={"items": {"pattern": f"^{CPV}$"}})
    """The CPV codes of the supplies it is written for (e.g. 30213100-6 portable computers)."""

    @model_validator(mode="after")
    def _cpv(self):
        wrong = [c for c in self.cpv if not re.fullmatch(CPV, c)]
        if wrong:
            raise ValueError(f"not a CPV code (8 digits, a dash and the check digit): {', '.join(wrong)}")
        return self


class Response(Strict):
    """What the bidder answers: the bid template's fields, or a document when no field holds the answer."""

    fields: list[str] = []
    """The template's fields the bidder fills: supplier.<f>, items.<f>, or a sheet (labels: the certification
    claims, factories: the disclosed sites), bid.total_price, panel (the evaluators' scores)."""
    document: Texts | None = None
    """What the bidder attaches, when the answer is not in a template field."""

    @model_validator(mode="after")
    def _some(self):
        if not self.fields and self.document is None:
            raise ValueError("the bidder's response needs the template fields or the document it is given in")
        return self


class Verification(Strict):
    """How the buyer verifies the answer."""

    evidence: Texts
    """What proves it."""
    labels: list[str] = []
    """Labels accepted as proof, by their name in the label catalogue (rules/labels.yaml)."""
    registers: list[str] = []
    """Registers the claim is checked in (rules/registers/, by the catalogue's scheme id)."""
    equivalence: list[Literal[tuple(EQUIVALENCE)]] = []  # type: ignore[valid-type]
    """What else must be accepted as equivalent: equivalent_label, other_means_of_proof, ..."""


class Commitment(Strict):
    """The follow-up a contract clause creates after award (docs/follow-up.md)."""

    commitment: Literal[COMMITMENTS]  # type: ignore[valid-type]
    """The kind of commitment the follow-up tracks."""
    every_months: int | None = PField(default=None, gt=0, le=120)
    """How often it is reported on (the factory list, the Electronics Watch dialogue)."""


class Eforms(Strict):
    """The entry in an eForms notice: BT-539 (type), BT-805 (GPP criteria), BT-774 (green), BT-775 (social)."""

    criterion_type: Literal["price", "quality", "cost"] | None = None
    """BT-539, for an award criterion."""
    gpp: Literal[GPP_CRITERIA] | None = None  # type: ignore[valid-type]
    """BT-805: eu when the entry follows the EU GPP criteria, national for a national tool's."""
    green: list[Literal[GREEN]] = []  # type: ignore[valid-type]
    """BT-774: the environmental impacts it addresses."""
    social: list[Literal[SOCIAL]] = []  # type: ignore[valid-type]
    """BT-775: the social objectives it addresses."""


class Entry(Strict):
    """One criterion of published practice, in this library's words, with its source cited."""

    id: str = PField(pattern=f"^{ID}$")
    """The entry's id: the source's short name, a dot, the topic (gpp.warranty-extended)."""
    version: int = PField(ge=1)
    """Its version: a changed entry is a new version, kept beside the old one."""
    title: Texts
    """Its short name: a criterion's name in reports and letters."""
    text: Texts
    """The criterion as the tender documents state it (a knock-out's requirement, an award criterion's
    description in the notice, BT-540)."""
    theme: Literal[tuple(THEMES)]  # type: ignore[valid-type]
    """What it is about (tenderscore criteria list --theme)."""
    stage: Literal[tuple(STAGES)]  # type: ignore[valid-type]
    """Where in the procedure it belongs: selection, technical_specification, award_criterion, contract_clause."""
    level: Literal[tuple(LEVELS)]  # type: ignore[valid-type]
    """Its ambition level: core, comprehensive or spearhead."""
    scope: Scope
    """The devices and CPV codes it is written for."""
    source: Source
    """The published practice it follows."""
    see_also: list[Source] = []
    """Other sources with the same practice."""
    legal_basis: list[str] = PField(min_length=1)
    """The articles it rests on: "Directive 2014/24/EU Art. 43(1)", or "national: <country and rule>"."""
    response: Response
    """What the bidder answers, and where."""
    verification: Verification
    """How the answer is verified, and what is accepted as equivalent."""
    criterion: dict[str, Any] | None = None
    """For an award criterion: the rule-set criterion (id, field, aggregate, unit, function, params, group),
    without its weight; its name comes from the title."""
    recommended_weight: tuple[Decimal, Decimal] | None = None
    """For an award criterion: the weight range (in %) the source or this library recommends."""
    requirement: dict[str, Any] | None = None
    """For a technical specification or a contract clause the bid can be checked on: the knock-out (id and
    check or every_item); its requirement's wording is the text."""
    labels: dict[str, Any] = {}
    """The label requirements the criterion or the knock-out refers to (a rule set's labels:)."""
    follow_up: Commitment | None = None
    """For a contract clause: the commitment it creates after award."""
    eforms: Eforms = Eforms()
    """Its codes in an eForms notice."""
    notes: Texts | None = None
    """Guidance for the buyer using it."""

    @field_validator("recommended_weight")
    @classmethod
    def _range(cls, value: tuple[Decimal, Decimal] | None) -> tuple[Decimal, Decimal] | None:
        if value is not None and not Decimal(0) < value[0] <= value[1] <= Decimal(100):
            raise ValueError("recommended_weight is [lowest, highest], with 0 < lowest <= highest <= 100")
        return value

    @field_validator("legal_basis", mode="before")
    @classmethod
    def _national(cls, value: Any) -> Any:
        """`- national: Aanbestedingswet 2012 art. 2.115` unquoted is a mapping in YAML: the rule it names."""
        if isinstance(value, list):
            return [
                f"national: {item['national']}" if isinstance(item, dict) and list(item) == ["national"] else item
                for item in value
            ]
        return value

    @field_validator("legal_basis")
    @classmethod
    def _legal(cls, value: list[str]) -> list[str]:
        wrong = [b for b in value if not LEGAL.fullmatch(b)]
        if wrong:
            raise ValueError(
                "legal_basis is 'Directive 2014/24/EU Art. 67(2)' (or 2014/23/EU, 2014/25/EU, a regulation) or "
                f"'national: <rule>': not {', '.join(map(repr, wrong))}"
            )
        return value

    @model_validator(mode="after")
    def _parts(self):
        problems = []
        if self.stage == "award_criterion":
            if self.criterion is None or self.recommended_weight is None or self.eforms.criterion_type is None:
                problems.append("an award criterion needs its criterion, recommended_weight and eforms.criterion_type")
            if self.requirement is not None:
                problems.append("an award criterion is scored, not a requirement: no requirement")
        else:
            if self.criterion is not None or self.recommended_weight is not None:
                problems.append(f"a {self.stage.replace('_', ' ')} is not scored: no criterion or recommended_weight")
        if self.requirement is not None and self.stage == "selection":
            problems.append("a selection criterion is checked on the checks page, not as a knock-out on the bid")
        if self.follow_up is not None and self.stage != "contract_clause":
            problems.append("only a contract clause creates a follow-up commitment")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    @property
    def role(self) -> Literal["criterion", "knockout", "document"]:
        """What it becomes in a rule set by default: a scored criterion, a knock-out, or a criterion the
        tender documents state and tenderscore does not check (a selection criterion, a clause verified on
        documents)."""
        if self.criterion is not None:
            return "criterion"
        return "knockout" if self.requirement is not None else "document"

    def criterion_rule(self) -> dict[str, Any]:
        """The rule-set criterion it stands for, without the weight the rule set gives it."""
        assert self.criterion is not None
        names, descriptions = self.title.others(), self.text.others()
        return {
            "id": self.criterion["id"],
            "name": self.title.en,
            **({"names": names} if names else {}),
            "description": self.text.en,
            **({"descriptions": descriptions} if descriptions else {}),
            **{k: v for k, v in self.criterion.items() if k != "id"},
        }

    def knockout_rule(self) -> dict[str, Any]:
        """The rule-set knock-out it stands for: its requirement worded as the text."""
        assert self.requirement is not None
        wording = self.text.others()
        return {
            "id": self.requirement["id"],
            "requirement": self.text.en,
            **({"requirements": wording} if wording else {}),
            **{k: v for k, v in self.requirement.items() if k != "id"},
        }

    @property
    def rule_id(self) -> str | None:
        part = self.criterion or self.requirement
        return str(part["id"]) if part and "id" in part else None


class Manifest(Strict):
    """library.yaml: what the library is, who keeps it, and under which licence it is shared."""

    id: str = PField(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    """The library's id (a rule set's `library:` names an installed library by it)."""
    version: str = PField(min_length=1)
    """Its version (an evaluation records it)."""
    title: str
    """What it holds."""
    publisher: str
    """Who keeps it."""
    licence: str
    """The licence its entries are shared under."""
    url: str | None = None
    """Where it is published."""


class UsedEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    version: int
    sha256: str  # of the entry's file
    role: Literal["criterion", "knockout", "document"]
    rule: str | None  # the criterion's or knock-out's id in the rule set
    stage: str  # the entry's stage, where the rule set may use it otherwise
    pinned: bool = True  # the rule set named its version
    eforms: Eforms = Eforms()  # its codes in an eForms notice (BT-805, BT-774, BT-775)


class LibraryUse(BaseModel):
    """What an evaluation records of a library: its id, version and hash, and each entry the rule set used."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    sha256: str
    entries: list[UsedEntry] = []


@dataclass(frozen=True)
class Library:
    """A library as read: its manifest, its entries by (id, version), and each entry's file and hash."""

    manifest: Manifest
    folder: Path
    entries: dict[tuple[str, int], Entry]
    files: dict[tuple[str, int], Path]
    hashes: dict[tuple[str, int], str]
    sha256: str
    contents: dict[tuple[str, int], bytes] = field(repr=False, default_factory=dict)

    def versions(self, entry_id: str) -> list[int]:
        return sorted(v for i, v in self.entries if i == entry_id)

    def get(self, entry_id: str, version: int | None = None) -> Entry | None:
        """The entry at that version, or its latest version."""
        versions = self.versions(entry_id)
        if not versions:
            return None
        return self.entries.get((entry_id, versions[-1] if version is None else version))

    def latest(self) -> list[Entry]:
        """The latest version of every entry, by id."""
        return [self.entries[(i, self.versions(i)[-1])] for i in sorted({i for i, _ in self.entries})]

    def use(self, used: list[UsedEntry]) -> LibraryUse:
        return LibraryUse(id=self.manifest.id, version=self.manifest.version, sha256=self.sha256, entries=used)


def entry_file_name(entry_id: str, version: int) -> str:
    """The file an entry is kept in: `<id>.v<version>.yaml` (an id is plain by its pattern; `safe_name` makes
    a plain name of one that is not, as a merged library's files are named from what its entries say)."""
    from scoring.names import safe_name

    return safe_name(f"{entry_id}.v{version}") + ".yaml"


def builtin_folder() -> Path:
    return Path(__file__).resolve().parents[1] / "data" / "criteria"


def is_path(reference: str) -> bool:
    """A rule set's `library:` names a folder when it is written as a path (./mine, ../criteria), else an
    installed library by its id."""
    return reference.startswith(".") or "/" in reference or "\\" in reference


def resolve(reference: str, base: Path) -> Path:
    """The folder of a library named in a rule file (`base`: the rule file's folder); a LibraryError when
    there is none."""
    if is_path(reference):
        folder = (base / reference).resolve()
        if not (folder / MANIFEST).is_file():
            raise LibraryError(folder, f"no criteria library here (no {MANIFEST})")
        return folder
    if reference == BUILTIN:
        return builtin_folder()
    from importlib.metadata import entry_points

    for point in entry_points(group=ENTRY_POINTS):
        if point.name == reference:
            from importlib.resources import files

            folder = Path(str(files(point.value)))
            if (folder / MANIFEST).is_file():
                return folder
            raise LibraryError(reference, f"the package {point.value} offers this library but has no {MANIFEST}")
    installed = [BUILTIN, *sorted(p.name for p in entry_points(group=ENTRY_POINTS))]
    raise LibraryError(
        reference,
        f"no installed criteria library is called so (installed: {', '.join(installed)}); a folder is written "
        "as a path, e.g. ./my-library",
    )


_CACHE: dict[tuple[str, str], Library] = {}


def load_library(folder: Path | str) -> Library:
    """The library in a folder, every entry read and checked; one LibraryError naming every problem."""
    folder = Path(folder).resolve()
    manifest_doc = load_yaml(folder / MANIFEST, LibraryError)
    problems: list[Problem] = []
    files = _entry_files(folder, problems)
    digest = hashlib.sha256()
    manifest_bytes = (folder / MANIFEST).read_bytes()
    digest.update(b"library.yaml\0" + manifest_bytes + b"\0")
    contents: dict[Path, bytes] = {}
    for path in files:
        data = path.read_bytes()
        contents[path] = data
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + data + b"\0")
    sha = digest.hexdigest()
    cached = _CACHE.get((str(folder), sha))
    if cached is not None:
        return cached
    manifest = None
    try:
        manifest = manifest_doc.validate(Manifest, LibraryError)
    except LibraryError as error:
        problems.extend(error.problems)
    entries: dict[tuple[str, int], Entry] = {}
    where: dict[tuple[str, int], Path] = {}
    for path in files:
        try:
            doc = load_yaml(path, LibraryError, data=contents[path])
            entry = doc.validate(Entry, LibraryError)
            problems.extend(_criterion_problems(entry, doc))
        except LibraryError as error:
            problems.extend(error.problems)
            continue
        if entry.key in entries:
            problems.append(
                Problem(str(path), f"entry {entry.id} version {entry.version} is also in {where[entry.key].name}")
            )
            continue
        entries[entry.key] = entry
        where[entry.key] = path
    if problems or manifest is None:
        raise LibraryError.of(problems)
    library = Library(
        manifest=manifest,
        folder=folder,
        entries=dict(sorted(entries.items())),
        files=where,
        hashes={k: hashlib.sha256(contents[p]).hexdigest() for k, p in where.items()},
        sha256=sha,
        contents={k: contents[p] for k, p in where.items()},
    )
    _CACHE[(str(folder), sha)] = library
    return library


def _entry_files(folder: Path, problems: list[Problem]) -> list[Path]:
    """The entry files: *.yaml under entries/, links that leave the library and anything else refused."""
    from scoring.names import OutsideFolder, inside

    root = folder / ENTRIES
    if not root.is_dir():
        problems.append(Problem(str(folder), f"no {ENTRIES}/ folder: a library keeps one file per entry in it"))
        return []
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_dir() or path.name.startswith("."):
            continue
        try:
            inside(folder, path)
        except OutsideFolder:
            problems.append(Problem(str(path), "a link to a file outside the library: not read"))
            continue
        if path.suffix != ".yaml":
            problems.append(Problem(str(path), "not an entry: entries are .yaml files"))
            continue
        out.append(path)
    if len(out) > MAX_ENTRIES:
        problems.append(Problem(str(root), f"more than {MAX_ENTRIES} entries: not a library this tool reads"))
        return out[:MAX_ENTRIES]
    return out


def _criterion_problems(entry: Entry, doc: Any) -> list[Problem]:
    """The entry's criterion and knock-out as the rule set would read them: a criterion with a weight of 1,
    a knock-out with its text; every problem at its key in the entry's file."""
    from pydantic import ValidationError

    from scoring.rules.schema import FUNCTIONS, Knockout, criterion_model

    out = []
    if entry.criterion is not None:
        function = entry.criterion.get("function")
        kernel = FUNCTIONS.get(function) if isinstance(function, str) else None
        if kernel is None or "id" not in entry.criterion:
            out.append(doc.problem(f"needs an id and a scoring function, one of: {', '.join(FUNCTIONS)}", "criterion"))
        else:
            try:
                criterion_model(kernel).model_validate({**entry.criterion_rule(), "weight": 1})
            except ValidationError as exc:
                out.extend(doc.problem(e["msg"], ("criterion", *e["loc"])) for e in exc.errors())
    if entry.requirement is not None:
        if "id" not in entry.requirement:
            out.append(doc.problem("needs the knock-out's id", "requirement"))
        else:
            try:
                Knockout.model_validate(entry.knockout_rule())
            except ValidationError as exc:
                out.extend(doc.problem(e["msg"], ("requirement", *e["loc"])) for e in exc.errors())
    return out
