"""Loading a rule file: `extends` merged over its base, validated, checked, hashed, linted."""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from scoring.errors import Problem, RuleError
from scoring.intake.folder import Files
from scoring.rules.catalogue import Catalogue, load_catalogue
from scoring.rules.checks import check_rules
from scoring.rules.lint import RuleWarning, lint_rules
from scoring.rules.methods import METHODS
from scoring.rules.schema import FUNCTIONS, RuleSet
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


def _read_with_base(path: Path, seen: tuple = (), files: Files | None = None) -> tuple[dict, bytes, list[Document]]:
    """The rule file's data merged over the file it `extends`, the bytes both hash over, and the files
    themselves (the variant first) to name the line of a problem in."""
    content = read_input(path, RuleError, files)
    doc = load_yaml(path, RuleError, data=content)
    data = dict(doc.data)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, content, [doc]
    base_path = (path.parent / str(base_name)).resolve()
    if base_path in seen or base_path == path:
        raise doc.error(f"extends {base_name}, which extends this file again", "extends", RuleError)
    if not base_path.is_file():
        raise doc.error(f"extends {base_name}, which does not exist", "extends", RuleError)
    base, base_content, base_docs = _read_with_base(base_path, seen + (path,), files)
    # Paths in the base are relative to the base's folder, wherever the variant lives.
    for key, default in (("catalogue", "labels.yaml"), ("registers", "registers")):
        base[key] = str(base_path.parent / base.get(key, default))
    return merge(base, data), content + b"\0" + base_content, [doc, *base_docs]


def load_rules(path: Path | str, files: Files | None = None) -> LoadedRules:
    """A rule file loaded with every check the evaluation applies; a RuleError naming each problem."""
    path = Path(path).resolve()
    data, content, docs = _read_with_base(path, files=files)
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
        raise _located(error, merged, docs) from None
    return LoadedRules(
        rules=rules,
        path=str(path),
        sha256=hashlib.sha256(content).hexdigest(),
        catalogue=catalogue,
        catalogue_sha256=(files.sha256(catalogue_path) if files else _sha256(catalogue_path)) if catalogue else None,
        warnings=lint_rules(rules, catalogue),
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _located(error: RuleError, merged: Document, docs: list[Document]) -> RuleError:
    """Each problem of the merged rule set in the file its key comes from (the variant, else its base), with
    its line there, and criteria and knock-outs named by their id."""
    out = []
    for p in error.problems:
        if p.path != str(merged.path) or p.key is None:
            out.append(p)
            continue
        loc = tuple(int(k) if k.isdigit() else k for k in p.key.split("."))
        found = [(len(here), -n, d, here) for n, d in enumerate(docs) if (here := _same_place(merged.data, d, loc))]
        if not found:
            out.append(Problem(str(docs[0].path), p.problem, p.key, merged.shown(loc)))
            continue
        _depth, _n, home, here = max(found, key=lambda f: f[:2])
        out.append(Problem(str(home.path), p.problem, p.key, merged.shown(loc), home.line_of(here)))
    return RuleError.of(out)


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
