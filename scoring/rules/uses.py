"""A rule file's `uses:`: the criteria library entries it is built from, expanded into criteria, knock-outs,
label requirements and follow-up settings before the rule set is read (docs/criteria.md).

```yaml
library: tenderscore-ict            # an installed library by its id, or a folder: ./my-library
uses:
  - {entry: gpp.warranty-extended, version: 1, weight: 5}
  - {entry: dir.environmental-management, version: 1, as: criterion, weight: 3, field: ..., function: ...}
```

Each item names an entry (and its version: without one, the latest, which the linter warns about). The
keys beside `entry`, `version` and `as` override the entry's criterion or knock-out (weight, params, ...).
An award criterion becomes a criterion, a clause or specification with a requirement a knock-out, and any
other entry is recorded as stated in the tender documents but not checked here (`as: document`). The
rule file's own `criteria:` and `knockouts:` follow, merged by id over what the entries gave.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.errors import Problem, RuleError
from scoring.rules.library import Entry, Library, LibraryError, LibraryUse, UsedEntry, load_library, resolve
from scoring.yamlio import Document

ROLES = ("criterion", "knockout", "document")
OWN = ("entry", "version", "as")
FOLLOW_UP = {"factories": "disclosure_months", "ew_dialogue": "dialogue_months"}


@dataclass
class Expanded:
    """A rule file's data with its `uses:` expanded, what it used, and where each rule came from."""

    data: dict
    library: Library | None = None
    used: list[UsedEntry] = field(default_factory=list)
    overrides: dict[str, dict] = field(default_factory=dict)  # rule id -> the keys the item overrode
    lines: dict[tuple[str, str], int] = field(default_factory=dict)  # (criteria|knockouts, id) -> uses line
    content: bytes = b""  # the used entries' bytes, which the rule set's hash covers

    @property
    def record(self) -> LibraryUse | None:
        return self.library.use(self.used) if self.library is not None else None


def expand(doc: Document, path: Path) -> Expanded:
    """The rule file's data with `library:` and `uses:` expanded; a RuleError naming each wrong item."""
    data = dict(doc.data)
    reference, uses = data.pop("library", None), data.pop("uses", None)
    if reference is None and uses is None:
        return Expanded(data)
    library = _library(doc, path, reference)
    if not isinstance(uses, list):
        raise doc.error("uses is a list of entries: - {entry: <id>, version: <n>}", "uses", RuleError)
    out = Expanded(data, library)
    parts: dict[str, Any] = {"criteria": [], "knockouts": [], "labels": {}, "follow_up": {}}
    problems: list[Problem] = []
    for n, item in enumerate(uses):
        try:
            _use(doc, ("uses", n), item, library, out, parts)
        except RuleError as error:
            problems.extend(error.problems)
    if problems:
        raise RuleError.of(problems)
    from scoring.rules.load import merge

    for key, expanded in parts.items():
        own = data.get(key)
        if expanded and (own is None or isinstance(own, type(expanded))):
            data[key] = merge(expanded, own) if own else expanded
    return out


def _library(doc: Document, path: Path, reference: Any) -> Library:
    """The library a rule file names, read; a RuleError at `library` (or `uses`, when it names none)."""
    if reference is None:
        raise doc.error(
            "uses library entries but names no library (library: tenderscore-ict, or a folder)", "uses", RuleError
        )
    if not isinstance(reference, str) or not reference.strip():
        raise doc.error("the library is named by its id or a folder's path, as text", "library", RuleError)
    try:
        return load_library(resolve(reference, path.parent))
    except LibraryError as error:
        raise RuleError.of(
            [
                Problem(str(path), f"the criteria library {reference!r} cannot be read: {p}", "library")
                for p in error.problems
            ][:20]
        ) from None


def _entry(doc: Document, here: tuple, item: Any, library: Library, out: Expanded) -> Entry:
    """The entry an item of `uses:` names, once: a RuleError at the item otherwise."""
    if not isinstance(item, dict) or not isinstance(item.get("entry"), str):
        raise doc.error("each item names an entry: {entry: <id>, version: <n>}", here, RuleError)
    entry_id, version = item["entry"], item.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise doc.error("an entry's version is a whole number (1, 2, ...)", (*here, "version"), RuleError)
    entry = library.get(entry_id, version)
    if entry is None:
        raise doc.error(unknown_entry(library, entry_id, version), (*here, "entry"), RuleError)
    if any((u.id, u.version) == entry.key for u in out.used):
        raise doc.error(f"entry {entry.id} version {entry.version} is used twice", here, RuleError)
    if item.get("as", entry.role) not in ROLES:
        raise doc.error(f"as is one of: {', '.join(ROLES)}", (*here, "as"), RuleError)
    return entry


def _use(doc: Document, here: tuple, item: Any, library: Library, out: Expanded, parts: dict[str, Any]) -> None:
    """One item of `uses:` into the criteria, knock-outs, labels and follow-up it gives, and its record."""
    entry = _entry(doc, here, item, library, out)
    role = item.get("as", entry.role)
    overrides = {k: v for k, v in item.items() if k not in OWN}
    if role == "document" and overrides:
        raise doc.error(f"a document entry takes no rule keys: {', '.join(overrides)}", here, RuleError)
    rule = _rule(entry, role, overrides)
    if rule is None:
        raise doc.error(
            f"entry {entry.id} is a {entry.stage.replace('_', ' ')} with no {role} of its own: give its id, field "
            "and function (a criterion) or its check (a knock-out) here",
            here,
            RuleError,
        )
    rule_id = str(rule["id"]) if role != "document" else None
    if rule_id is not None:
        kind = "criteria" if role == "criterion" else "knockouts"
        parts[kind].append(rule)
        out.lines[(kind, rule_id)] = doc.line_of(here) or 0
        out.overrides[rule_id] = overrides
        for name, requirement in entry.labels.items():
            if name in parts["labels"] and parts["labels"][name] != requirement:
                raise doc.error(
                    f"entry {entry.id} asks label {name!r} otherwise than an entry before it", here, RuleError
                )
            parts["labels"][name] = copy.deepcopy(requirement)
    commitment = entry.follow_up
    if commitment is not None and commitment.every_months and commitment.commitment in FOLLOW_UP:
        parts["follow_up"][FOLLOW_UP[commitment.commitment]] = commitment.every_months
    out.used.append(
        UsedEntry(
            id=entry.id,
            version=entry.version,
            sha256=library.hashes[entry.key],
            role=role,
            rule=rule_id,
            stage=entry.stage,
            pinned=item.get("version") is not None,
            eforms=entry.eforms,
        )
    )
    out.content += b"\0" + library.contents[entry.key]


def _rule(entry: Any, role: str, overrides: dict) -> dict | None:
    """The criterion or knock-out the item stands for: the entry's, with the item's keys over it (a params
    mapping merges key by key), or the item's own when the entry has none for that role."""
    from scoring.rules.load import merge

    if role == "document":
        return {}
    if role == "criterion":
        base = entry.criterion_rule() if entry.criterion is not None else None
        if base is None:
            names = entry.title.others()
            if not {"id", "field", "function"} <= set(overrides):
                return None
            base = {"id": overrides["id"], "name": entry.title.en, **({"names": names} if names else {})}
    else:
        base = entry.knockout_rule() if entry.requirement is not None else None
        if base is None:
            if "id" not in overrides or not ({"check", "every_item"} & set(overrides)):
                return None
            wording = entry.text.others()
            base = {
                "id": overrides["id"],
                "requirement": entry.text.en,
                **({"requirements": wording} if wording else {}),
            }
    if "description" in overrides and "descriptions" not in overrides:  # the entry's would describe the entry's
        base.pop("descriptions", None)  # scoring: a notice in another language gives the name instead
    return copy.deepcopy(merge(base, overrides))  # never the library's own objects: a caller may change them


def unknown_entry(library: Library, entry_id: str, version: int | None) -> str:
    versions = library.versions(entry_id)
    if versions:
        shown = ", ".join(str(v) for v in versions)
        return f"entry {entry_id} has no version {version} in {library.manifest.id} (it has: {shown})"
    ids = sorted({i for i, _ in library.entries})
    close = difflib.get_close_matches(entry_id, ids, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else " (tenderscore criteria list)"
    return f"no entry {entry_id!r} in the library {library.manifest.id} {library.manifest.version}{hint}"


def written_out(path: Path | str) -> dict:
    """The rule file's data with its library entries written out in full (`tenderscore criteria expand`): the
    same rule set, readable without the library (an `extends` stays as it is)."""
    from scoring.yamlio import load_yaml

    path = Path(path).resolve()
    return expand(load_yaml(path, RuleError), path).data
