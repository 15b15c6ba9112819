"""What `tenderscore criteria` does with a library: lint it, compose a rule set from chosen entries, and
merge two buyers' libraries (docs/criteria.md)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

import yaml

from scoring.rules.library import BUILTIN, LANGUAGES, Entry, Library, entry_file_name

FIELDS_OUTSIDE_TEMPLATE = ("labels", "factories", "bid.total_price", "panel", "items")  # sheets and the price
# What every offer states whatever the criterion: a response need not list them.
OFFER = (
    "items.quantity",
    "items.unit_price",
    "items.model",
    "items.brand",
    "items.category",
    "items.lot",
    "items.item",
)


@dataclass(frozen=True)
class Finding:
    """One thing the library linter found: an error (the library must not be shared so) or a warning."""

    level: Literal["error", "warning"]
    code: str
    where: str  # the entry (id and version) or the file
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.code} at {self.where}: {self.message}"


LIBRARY_CODES = {  # code -> what the library linter checks (docs/criteria.md, docs/codes.md)
    "entry.language": "An entry's title, text, evidence, document or notes is not worded in each of en, nl, fr, de.",
    "entry.field": "An entry's response or criterion names a field the bid template does not have.",
    "entry.response": "An award criterion or knock-out reads a field the entry's response does not list.",
    "entry.label": "An entry names a label the label catalogue does not know.",
    "entry.company_level": "An award criterion rests on a scheme that attests a company or a facility (Art. 67(3)).",
    "entry.eforms": "An entry's eForms type does not match what it scores (price for the total price only).",
    "entry.file_name": "An entry's file is not named <id>.v<version>.yaml.",
    "library.other": "A rule file given to criteria lint --rules uses no entry of the library linted.",
    "entry.sentence": "A knock-out's text ends with a full stop (letters set it in a sentence), or another does not.",
}


Add = Callable[[Literal["error", "warning"], str, str], None]


def lint_library(library: Library, catalogue: object | None = None) -> list[Finding]:
    """What the entries' schema cannot see: languages, fields, labels, company-level schemes, eForms types and
    file names. `catalogue`: the label catalogue the entries' labels are checked against."""
    out: list[Finding] = []
    for key, entry in library.entries.items():

        def add(
            level: Literal["error", "warning"], code: str, message: str, where: str = f"{entry.id} {entry.version}"
        ) -> None:
            out.append(Finding(level, code, where, message))

        _languages(entry, add)
        _sentences(entry, add)
        _fields(entry, add)
        if catalogue is not None:
            _labels(entry, catalogue, add)
        if entry.criterion is not None:
            is_price = entry.criterion.get("field") == "bid.total_price"
            if (entry.eforms.criterion_type == "price") != is_price:
                add("warning", "entry.eforms", "criterion_type is price exactly when the criterion scores the price")
        expected = entry_file_name(entry.id, entry.version)
        if library.files[key].name != expected:
            add("warning", "entry.file_name", f"kept in {library.files[key].name}; name it {expected}")
    return out


def named(library_id: str, version: str, sha256: str) -> str:
    """A library as messages and rule-file comments name it: id, version and the start of its hash."""
    return f"{library_id} {version} (SHA-256 {sha256[:16]}…)"


def lint_rule_file(library: Library, loaded: Any, rule_file: str) -> list[Finding]:
    """A rule file (as `load_rules` read it) against the library linted: `library.other` when it uses none of
    its entries, and the warnings check-rules gives about its entries and its criteria."""
    out: list[Finding] = []
    if not any(u.sha256 == library.sha256 for u in loaded.libraries):
        others = "; ".join(named(u.id, u.version, u.sha256) for u in loaded.libraries)
        this = named(library.manifest.id, library.manifest.version, library.sha256)
        hint = f" but of {others}: give that library as LIBRARY" if others else ": it uses no library"
        out.append(Finding("warning", "library.other", rule_file, f"uses no entry of {this}{hint}"))
    out += [
        Finding("warning", w.code, rule_file, f"{w.rule}: {w.message}")
        for w in loaded.warnings
        if w.code.startswith(("library.", "lint."))
    ]
    return out


def _languages(entry: Entry, add: Add) -> None:
    texts = {"title": entry.title, "text": entry.text, "verification.evidence": entry.verification.evidence}
    if entry.notes:
        texts["notes"] = entry.notes
    if entry.response.document:
        texts["response.document"] = entry.response.document
    for name, text in texts.items():
        if text.missing():
            add("warning", "entry.language", f"{name} has no {', '.join(text.missing())} wording")


def _sentences(entry: Entry, add: Add) -> None:
    """A knock-out's requirement is one clause the letters and reports end themselves ("Requirement: ….
    Your tender: …."); any other text is stated in the tender documents as it stands, whole sentences."""
    clause = entry.requirement is not None
    for lang in LANGUAGES:
        text = getattr(entry.text, lang)
        if text and text.rstrip().endswith(".") == clause:
            said = (
                "ends with a full stop: a knock-out's requirement is one clause"
                if clause
                else "ends without a full stop"
            )
            add("warning", "entry.sentence", f"text ({lang}) {said}")


def _fields(entry: Entry, add: Add) -> None:
    from scoring.intake.template import ITEM_FIELDS, SUPPLIER_FIELDS

    known = {f"supplier.{f}" for f in SUPPLIER_FIELDS} | {f"items.{f}" for f in ITEM_FIELDS}
    known |= set(FIELDS_OUTSIDE_TEMPLATE)
    read = _fields_read(entry)
    for f in sorted(set(entry.response.fields) | read):
        if f not in known:
            add("error", "entry.field", f"{f} is not a field of the bid template (docs/bid-template.md)")
    missing = sorted(read - set(entry.response.fields) - set(FIELDS_OUTSIDE_TEMPLATE) - set(OFFER))
    if missing:
        add("warning", "entry.response", f"reads {', '.join(missing)}, which the response does not list")


def _labels(entry: Entry, catalogue: Any, add: Add) -> None:
    required = [str(r.get("reference")) for r in entry.labels.values()]
    for name in [*entry.verification.labels, *required]:
        scheme = catalogue.find(name)
        if scheme is None:
            add("warning", "entry.label", f"{name} is not in the label catalogue")
            continue
        company = scheme.attests != "product" or scheme.kind in ("membership", "rating")
        if entry.stage == "award_criterion" and name in required and company:
            add(
                "error",
                "entry.company_level",
                f"scores {scheme.name}, which attests a {scheme.attests}, as an award criterion (Art. 67(3)): "
                "make it a selection criterion or a contract clause",
            )


def _fields_read(entry: Entry) -> set[str]:
    """The bid fields the entry's criterion or knock-out reads."""
    from scoring.rules.schema import FUNCTIONS, Knockout, criterion_model

    read: set[str] = set()
    if entry.criterion is not None:
        kernel = FUNCTIONS[entry.criterion["function"]]
        criterion = criterion_model(kernel).model_validate({**entry.criterion_rule(), "weight": 1})
        read |= set(kernel.fields(criterion))
    if entry.requirement is not None:
        read |= set(Knockout.model_validate(entry.knockout_rule()).condition.fields())
    return read


# --- composing a rule set -------------------------------------------------------------------------------


class ComposeError(ValueError):
    """The entries chosen do not make a rule set (no award criterion, weights that cannot sum to 100)."""


def compose(
    library: Library,
    chosen: list[tuple[str, int | None]],
    *,
    rule_set_id: str,
    title: str,
    weights: dict[str, Decimal],
    library_reference: str,
    catalogue: str | None = None,
) -> str:
    """A rule file built on the chosen entries (`(id, version or None for the latest)`), each weight as given
    (by entry id or criterion id) or the middle of the entry's recommended range, scaled so the weights sum
    to 100; every item is commented with its entry's source."""
    entries: list[Entry] = []
    for entry_id, version in chosen:
        entry = library.get(entry_id, version)
        if entry is None:
            from scoring.rules.uses import unknown_entry

            raise ComposeError(unknown_entry(library, entry_id, version))
        if entry.key in {e.key for e in entries}:
            raise ComposeError(f"entry {entry.id} is chosen twice")
        entries.append(entry)
    criteria = [e for e in entries if e.role == "criterion"]
    if not criteria:
        raise ComposeError(
            "a rule set needs at least one award criterion among the entries (criteria list --stage award_criterion)"
        )
    unknown = set(weights) - {e.id for e in criteria} - {e.rule_id for e in criteria}
    if unknown:
        chosen_ids = ", ".join(f"{e.id} ({e.rule_id})" for e in criteria)
        raise ComposeError(
            f"--weight for what is not a chosen award criterion: {', '.join(sorted(unknown))}; give an entry id or "
            f"its criterion's id: {chosen_ids}"
        )
    final = _weights(criteria, weights)
    lines = [
        f"# {title}",
        "# Composed with tenderscore criteria new from the criteria library "
        f"{named(library.manifest.id, library.manifest.version, library.sha256)}.",
        "# Weights: as given, or the middle of each entry's recommended range, scaled to sum to 100. Review them,",
        "# and the thresholds in each entry (tenderscore criteria show <id>), before publishing the tender.",
        "",
        f"id: {_scalar(rule_set_id)}",
        'version: "1"',
        f"title: {_scalar(title)}",
        f"source: {_scalar(f'Criteria library {library.manifest.id} {library.manifest.version}')}",
        "scale: 10",
    ]
    if catalogue is not None:
        lines.append(f"catalogue: {_scalar(catalogue)}")
    lines += ["", f"library: {_scalar(library_reference)}", "uses:"]
    for role, heading in (
        ("knockout", "Knock-outs: what every bid must meet (technical specifications, contract conditions)."),
        ("criterion", "Award criteria."),
        ("document", "Stated in the tender documents, not checked by tenderscore (selection, clauses on documents)."),
    ):
        group = [e for e in entries if e.role == role]
        if not group:
            continue
        lines.append(f"  # {heading}")
        for e in group:
            s = e.source
            lines.append(f"  # {e.title.en}: {e.stage.replace('_', ' ')}, {e.level}.")
            lines.append(
                f"  # Source: {s.publisher}, {s.document}, {s.section}" + (f" ({s.level})." if s.level else ".")
            )
            item = f"  - {{entry: {e.id}, version: {e.version}"
            if role == "criterion":
                assert e.recommended_weight is not None
                low, high = e.recommended_weight
                item += f", weight: {_number(final[e.id])}}}   # recommended {_number(low)}-{_number(high)} %"
            else:
                item += "}"
            lines.append(item)
    return "\n".join(lines) + "\n"


def _weights(criteria: list[Entry], given: dict[str, Decimal]) -> dict[str, Decimal]:
    """Whole-number weights summing to 100: the given ones kept, the others the middle of their recommended
    range, scaled to fill what the given ones leave (the remainder of rounding to the largest)."""
    fixed: dict[str, Decimal] = {}
    for e in criteria:
        weight = given.get(e.id, given.get(e.rule_id or ""))
        if weight is not None:
            fixed[e.id] = weight
    free = [e for e in criteria if e.id not in fixed]
    left = Decimal(100) - sum(fixed.values(), Decimal(0))
    if left < 0 or (not free and left != 0) or (free and left <= 0):
        given_total = _number(sum(fixed.values(), Decimal(0)))
        raise ComposeError(
            f"the weights given sum to {given_total}: with other award criteria chosen they must sum to less than "
            "100 (the others share the rest); with none, to 100"
        )
    out = dict(fixed)
    if free:
        middles = {e.id: sum(e.recommended_weight or (Decimal(1), Decimal(1)), Decimal(0)) / 2 for e in free}
        total = sum(middles.values(), Decimal(0))
        for e in free:
            out[e.id] = max(Decimal(1), (middles[e.id] * left / total).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        remainder = Decimal(100) - sum(out.values(), Decimal(0))
        largest = max(free, key=lambda e: out[e.id])
        out[largest.id] += remainder
        if out[largest.id] <= 0:
            raise ComposeError("too many award criteria for whole-number weights: give their weights (--weight)")
    return out


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _scalar(text: str) -> str:
    """A YAML scalar that reads back as the same text."""
    return (
        yaml.safe_dump(text, default_flow_style=True, width=10_000, allow_unicode=True).removesuffix("\n...\n").strip()
    )


def path_from(rule_file: Path, target: Path) -> str:
    """How a rule file at `rule_file` names a file or folder: relative to its folder when the two share a
    top-level folder, else absolute (a rule file in /tmp naming /srv/rules/labels.yaml as ../../srv/...
    would break as soon as either moves)."""
    here, there = rule_file.resolve().parent, target.resolve()
    if len(Path(os.path.commonpath([here, there])).parts) <= 1:
        return str(there)
    return os.path.relpath(there, here)


def library_reference(library: Library, rule_file: Path) -> str:
    """How a rule file at `rule_file` names the library: the built-in by its id, a folder by a relative path."""
    from scoring.rules.library import builtin_folder

    if library.folder == builtin_folder().resolve():
        return BUILTIN
    relative = path_from(rule_file, library.folder)
    return relative if relative.startswith((".", "/")) else f"./{relative}"


# --- merging two libraries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Merge:
    """Two libraries' entries together: same id at different versions side by side; a conflict is the same id
    and version with other content."""

    entries: dict[tuple[str, int], tuple[Library, Path]]
    conflicts: list[str]
    side_by_side: list[str]  # ids present at more than one version


def merge_libraries(first: Library, second: Library) -> Merge:
    entries: dict[tuple[str, int], tuple[Library, Path]] = {}
    conflicts = []
    for library in (first, second):
        for key, path in library.files.items():
            if key in entries:
                other, other_path = entries[key]
                if other.hashes[key] != library.hashes[key]:
                    conflicts.append(
                        f"{key[0]} version {key[1]}: {other.manifest.id} ({other_path.name}) and "
                        f"{library.manifest.id} ({path.name}) differ; give one of them a new version"
                    )
                continue
            entries[key] = (library, path)
    ids = [i for i, _ in entries]
    side = sorted({i for i in ids if ids.count(i) > 1})
    return Merge(dict(sorted(entries.items())), conflicts, side)


def write_merged(merge: Merge, first: Library, second: Library, out: Path, *, library_id: str, version: str) -> int:
    """The merged library written to `out` (a new or empty folder): a manifest naming both, and every entry's
    file as it was, named from its id and version. Returns the number of entries written."""
    (out / "entries").mkdir(parents=True, exist_ok=True)
    a, b = first.manifest, second.manifest
    manifest = {
        "id": library_id,
        "version": version,
        "title": a.title if a.title == b.title else f"{a.title} + {b.title}",
        "publisher": a.publisher if a.publisher == b.publisher else f"{a.publisher}; {b.publisher}",
        "licence": a.licence if a.licence == b.licence else f"{a.id}: {a.licence}; {b.id}: {b.licence}",
    }
    header = f"# Merged by tenderscore criteria merge from {a.id} {a.version} and {b.id} {b.version}.\n"
    (out / "library.yaml").write_text(
        header + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    from scoring.names import inside

    for (entry_id, version_), (library, _path) in merge.entries.items():
        target = inside(out / "entries", out / "entries" / entry_file_name(entry_id, version_))
        target.write_bytes(library.contents[(entry_id, version_)])
    return len(merge.entries)
