"""Loading a rule file: `extends` merged over its base, validated, checked, hashed, linted."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from scoring.errors import Problem, RuleError
from scoring.intake.folder import Files
from scoring.rules.catalogue import Catalogue, load_catalogue
from scoring.rules.checks import check_rules
from scoring.rules.library import LibraryUse
from scoring.rules.lint import RuleWarning, library_warnings, lint_rules
from scoring.rules.methods import METHODS
from scoring.rules.schema import FUNCTIONS, RuleSet
from scoring.rules.uses import Expanded, expand
from scoring.yamlio import Document, load_yaml, read_input


class LoadedRules(BaseModel):
    """A rule set with the file it came from, its SHA-256, its catalogue and the linter's warnings."""

    model_config = ConfigDict(frozen=True)

    rules: RuleSet
    path: str
    sha256: str
    catalogue: Catalogue | None = None
    catalogue_sha256: str | None = None
    warnings: list[RuleWarning] = []
    libraries: list[LibraryUse] = []
    """The criteria libraries the rule set uses entries of, with each entry used (the variant's first)."""

    @property
    def registers_folder(self) -> Path:
        return Path(self.path).parent / self.rules.registers


def merge(base: Any, variant: Any) -> Any:
    """A variant over its base: mappings merge key by key; lists of entries with an `id` merge by id
    (`remove: true` drops an entry); anything else in the variant replaces the base's."""
    if isinstance(base, dict) and isinstance(variant, dict):
        return {**base, **{k: merge(base[k], v) if k in base else v for k, v in variant.items()}}
    if (
        isinstance(base, list)
        and isinstance(variant, list)
        and all(isinstance(e, dict) and "id" in e for e in base + variant)
    ):
        merged = {e["id"]: e for e in base}
        for entry in variant:
            if entry.get("remove"):
                merged.pop(entry["id"], None)
            else:
                merged[entry["id"]] = merge(merged[entry["id"]], entry) if entry["id"] in merged else entry
        return list(merged.values())
    return variant


@dataclass
class _Read:
    """A rule file's data merged over the file it `extends`, the bytes its hash covers (the files and the
    library entries they use), the files themselves (the variant first) to name the line of a problem in, and
    each file's library use."""

    data: dict
    content: bytes
    docs: list[Document]
    uses: list[Expanded]


def _read_with_base(path: Path, seen: tuple = (), files: Files | None = None) -> _Read:
    content = read_input(path, RuleError, files)
    doc = load_yaml(path, RuleError, data=content)
    expanded = expand(doc, path)
    data = expanded.data
    content += expanded.content
    base_name = data.pop("extends", None)
    if base_name is None:
        return _Read(data, content, [doc], [expanded])
    base_path = (path.parent / str(base_name)).resolve()
    if base_path in seen or base_path == path:
        raise doc.error(f"extends {base_name}, which extends this file again", "extends", RuleError)
    if not base_path.is_file():
        raise doc.error(f"extends {base_name}, which does not exist", "extends", RuleError)
    base = _read_with_base(base_path, seen + (path,), files)
    # Paths in the base are relative to the base's folder, wherever the variant lives.
    for key, default in (("catalogue", "labels.yaml"), ("registers", "registers")):
        base.data[key] = str(base_path.parent / base.data.get(key, default))
    return _Read(merge(base.data, data), content + b"\0" + base.content, [doc, *base.docs], [expanded, *base.uses])


def load_rules(path: Path | str, files: Files | None = None) -> LoadedRules:
    """A rule file loaded with every check the evaluation applies; a RuleError naming each problem."""
    path = Path(path).resolve()
    read = _read_with_base(path, files=files)
    data, content, docs = read.data, read.content, read.docs
    merged = Document(path, data, docs[0].lines)
    try:
        _check_names(data, path)
        rules = merged.validate(RuleSet, RuleError, untag=_untag)
        catalogue_path = path.parent / rules.catalogue
        catalogue = load_catalogue(catalogue_path, files) if catalogue_path.is_file() else None
        if rules.labels and catalogue is None:
            raise RuleError(
                path, f"label requirements need the catalogue {rules.catalogue}, which does not exist", "catalogue"
            )
        check_rules(rules, path, catalogue)
    except RuleError as error:
        raise _located(error, merged, docs, read.uses) from None
    return LoadedRules(
        rules=rules,
        path=str(path),
        sha256=hashlib.sha256(content).hexdigest(),
        catalogue=catalogue,
        catalogue_sha256=(files.sha256(catalogue_path) if files else _sha256(catalogue_path)) if catalogue else None,
        warnings=lint_rules(rules, catalogue) + library_warnings(rules, read.uses),
        libraries=[u.record for u in read.uses if u.record is not None],
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _located(error: RuleError, merged: Document, docs: list[Document], uses: list[Expanded]) -> RuleError:
    """Each problem of the merged rule set in the file its key comes from (the variant, else its base), with
    its line there, and criteria and knock-outs named by their id; one a library entry gave, at its `uses:`
    item."""
    out = []
    for p in error.problems:
        if p.path != str(merged.path) or p.key is None:
            out.append(p)
            continue
        loc = tuple(int(k) if k.isdigit() else k for k in p.key.split("."))
        found = [(len(here), -n, d, here) for n, d in enumerate(docs) if (here := _same_place(merged.data, d, loc))]
        if not found:
            home, line = _from_uses(merged.data, loc, docs, uses)
            out.append(Problem(str(home.path), p.problem, p.key, merged.shown(loc), line))
            continue
        _depth, _n, home, here = max(found, key=lambda f: f[:2])
        out.append(Problem(str(home.path), p.problem, p.key, merged.shown(loc), home.line_of(here)))
    return RuleError.of(out)


def _from_uses(data: Any, loc: tuple, docs: list[Document], uses: list[Expanded]) -> tuple[Document, int | None]:
    """The file and `uses:` line of a criterion or knock-out a library entry gave (the first file that
    expanded it), else the variant without a line."""
    if len(loc) > 1 and loc[0] in ("criteria", "knockouts") and isinstance(loc[1], int):
        rules = data.get(loc[0]) if isinstance(data, dict) else None
        entry = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        rule_id = entry.get("id") if isinstance(entry, dict) else None
        for doc, expanded in zip(docs, uses, strict=True):
            if (loc[0], str(rule_id)) in expanded.lines:
                return doc, expanded.lines[(loc[0], str(rule_id))]
    return docs[0], None


def _same_place(merged: Any, doc: Document, loc: tuple) -> tuple:
    """How far along `loc` (a key of the merged data) this file goes, as a key into the file: entries of a
    list are matched by their id, which merging keeps and positions do not."""
    here: Any = doc.data
    out: list = []
    for part in loc:
        if isinstance(part, int) and isinstance(merged, list) and isinstance(here, list):
            entry = merged[part] if part < len(merged) else None
            wanted = entry.get("id") if isinstance(entry, dict) else None
            n = next((i for i, e in enumerate(here) if isinstance(e, dict) and e.get("id") == wanted), None)
            if wanted is None or n is None:
                break
            merged, here = entry, here[n]
            out.append(n)
        elif isinstance(merged, dict) and isinstance(here, dict) and part in here:
            merged, here = merged.get(part), here[part]
            out.append(part)
        else:
            break
    return tuple(out)


def _check_names(data: dict, path: Path) -> None:
    """Scoring functions and the award method are chosen by name: an unknown name is named in the error."""
    problems = []
    for n, c in enumerate(data.get("criteria") or []):
        if isinstance(c, dict) and "function" in c and c["function"] not in FUNCTIONS:
            close = difflib.get_close_matches(str(c["function"]), list(FUNCTIONS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(
                Problem(
                    str(path),
                    f"unknown scoring function {c['function']!r}; {hint}use one of: {', '.join(FUNCTIONS)}",
                    f"criteria.{n}.function",
                )
            )
    method = data.get("method")
    if isinstance(method, dict) and method.get("name", "weighted_points") not in METHODS:
        problems.append(
            Problem(
                str(path), f"unknown award method {method['name']!r}; use one of: {', '.join(METHODS)}", "method.name"
            )
        )
    if problems:
        raise RuleError.of(problems)


def _untag(loc: tuple) -> tuple:
    """Pydantic names the chosen class of a tagged union in an error's location; the rule file does not."""
    if len(loc) > 2 and loc[0] == "criteria" and loc[2] in FUNCTIONS:
        return loc[:2] + loc[3:]
    if len(loc) > 1 and loc[0] == "method" and loc[1] in METHODS:
        return loc[:1] + loc[2:]
    return loc
