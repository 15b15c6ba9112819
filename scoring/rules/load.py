"""Loading a rule file: `extends` merged over its base, validated, checked, hashed, linted."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from scoring.errors import RuleError
from scoring.rules.catalogue import Catalogue, load_catalogue
from scoring.rules.checks import check_rules
from scoring.rules.lint import RuleWarning, lint_rules
from scoring.rules.methods import METHODS
from scoring.rules.schema import FUNCTIONS, RuleSet
from scoring.yamlio import first_error, load_mapping


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


def _read_with_base(path: Path, seen: tuple = ()) -> tuple[dict, bytes]:
    """The rule file's data merged over the file it `extends`, and the bytes both hash over."""
    data = load_mapping(path, RuleError)
    content = path.read_bytes()
    base_name = data.pop("extends", None)
    if base_name is None:
        return data, content
    base_path = (path.parent / str(base_name)).resolve()
    if base_path in seen or base_path == path:
        raise RuleError(path, f"extends {base_name}, which extends this file again", "extends")
    base, base_content = _read_with_base(base_path, seen + (path,))
    # Paths in the base are relative to the base's folder, wherever the variant lives.
    for key, default in (("catalogue", "labels.yaml"), ("registers", "registers")):
        base[key] = str(base_path.parent / base.get(key, default))
    return merge(base, data), content + b"\0" + base_content


def load_rules(path: Path | str) -> LoadedRules:
    path = Path(path).resolve()
    data, content = _read_with_base(path)
    _check_names(data, path)
    try:
        rules = RuleSet.model_validate(data)
    except ValidationError as exc:
        raise first_error(path, exc, RuleError, untag=_untag) from None
    catalogue_path = path.parent / rules.catalogue
    catalogue = load_catalogue(catalogue_path) if catalogue_path.is_file() else None
    if rules.labels and catalogue is None:
        raise RuleError(
            path, f"label requirements need the catalogue {catalogue_path}, which does not exist", "catalogue"
        )
    check_rules(rules, path, catalogue)
    return LoadedRules(
        rules=rules,
        path=str(path),
        sha256=hashlib.sha256(content).hexdigest(),
        catalogue=catalogue,
        catalogue_sha256=hashlib.sha256(catalogue_path.read_bytes()).hexdigest() if catalogue else None,
        warnings=lint_rules(rules, catalogue),
    )


def _check_names(data: dict, path: Path) -> None:
    """Scoring functions and the award method are chosen by name: an unknown name is named in the error."""
    for n, c in enumerate(data.get("criteria") or []):
        if isinstance(c, dict) and "function" in c and c["function"] not in FUNCTIONS:
            raise RuleError(
                path,
                f"unknown scoring function {c['function']!r}; use one of: {', '.join(FUNCTIONS)}",
                f"criteria.{n}.function",
            )
    method = data.get("method")
    if isinstance(method, dict) and method.get("name", "weighted_points") not in METHODS:
        raise RuleError(
            path, f"unknown award method {method['name']!r}; use one of: {', '.join(METHODS)}", "method.name"
        )


def _untag(loc: tuple) -> tuple:
    """Pydantic names the chosen class of a tagged union in an error's location; the rule file does not."""
    if len(loc) > 2 and loc[0] == "criteria" and loc[2] in FUNCTIONS:
        return loc[:2] + loc[3:]
    if len(loc) > 1 and loc[0] == "method" and loc[1] in METHODS:
        return loc[:1] + loc[2:]
    return loc
