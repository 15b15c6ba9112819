"""The JSON Schemas tenderscore publishes, generated from its models: the rule language (every registered
scoring function's criterion, so an editor validates and completes rule files), tender.yaml and evaluation.json
(`tenderscore/evaluation/1`); and docs/codes.md, every code with its meaning. `python -m scoring.schemas`
writes them to docs/; a test keeps the copies there up to date. `tenderscore schema NAME` prints one, and
`tenderscore init` writes the rule language's and tender.yaml's beside the files they describe."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, create_model

BASE = "https://tenderscore.eu/schemas/"  # identifiers, not addresses fetched: the files travel with the rules
NAMES = {
    "rules": "rules-1.schema.json",
    "tender": "tender-1.schema.json",
    "evaluation": "evaluation-1.schema.json",
    "criteria-entry": "criteria-entry-1.schema.json",
    "criteria-library": "criteria-library-1.schema.json",
}


def rules_schema() -> dict[str, Any]:
    """The rule language: a rule set, its criteria one of each registered scoring function's criterion; a
    rule file that `extends` another gives only what it changes (entries with an `id` merge by id, `remove:
    true` drops one: rules/load.py)."""
    from scoring.rules.functions import FUNCTIONS
    from scoring.rules.schema import CriterionBase, Knockout, RuleSet, criterion_model

    models = tuple(criterion_model(kernel) for kernel in FUNCTIONS.values())
    criterion = Annotated[Union[models], Field(discriminator="function")]  # type: ignore[valid-type]  # noqa: UP007
    described = create_model(  # the same rule set, its criteria told apart by `function` for the editor
        "RuleSet",
        __base__=RuleSet,
        __doc__=RuleSet.__doc__,
        criteria=(list[criterion], RuleSet.model_fields["criteria"]),
    )
    full = described.model_json_schema(mode="validation", ref_template="#/definitions/{model}")
    definitions = full.pop("definitions", full.pop("$defs", {}))
    definitions["RuleSet"] = full
    definitions["CriterionChange"] = _change(CriterionBase, "a criterion of the base")
    definitions["KnockoutChange"] = _change(Knockout, "a knock-out of the base")
    variant = {
        "type": "object",
        "title": "RuleSetVariant",
        "description": "A rule set that extends another: what it changes.",
        "additionalProperties": False,
        "required": ["extends"],
        "properties": {
            "extends": {"type": "string", "description": "The rule file this one changes, relative to it."},
            **full["properties"],
            "criteria": _changes("Criterion", full["properties"]["criteria"]),
            "knockouts": _changes("Knockout", full["properties"]["knockouts"]),
        },
    }
    definitions["RuleSetVariant"] = variant
    _with_library(full, variant)
    definitions["LibraryUse"] = USE
    return _published(
        "rules",
        {
            "title": "tenderscore rule set",
            "description": full.get("description", ""),
            "if": {"required": ["extends"]},
            "then": {"$ref": "#/definitions/RuleSetVariant"},
            "else": {"$ref": "#/definitions/RuleSet"},
            "definitions": definitions,
        },
    )


USE = {
    "type": "object",
    "description": "An entry of the criteria library the rule set is built from (scoring/rules/uses.py): the keys "
    "beside entry, version and as override the entry's criterion or knock-out (weight, params, ...).",
    "required": ["entry"],
    "properties": {
        "entry": {"type": "string", "description": "The entry's id (tenderscore criteria list)."},
        "version": {"type": "integer", "minimum": 1, "description": "Its version; without one, the latest."},
        "as": {
            "enum": ["criterion", "knockout", "document"],
            "description": "What it becomes, when not what its stage makes it: a scored criterion, a knock-out, or "
            "stated in the tender documents only.",
        },
    },
}


def _with_library(*rule_sets: dict[str, Any]) -> None:
    """`library:` and `uses:` in a rule set and a variant: one built on a library needs no criteria of its own."""
    for schema in rule_sets:
        schema["properties"]["library"] = {
            "type": "string",
            "description": "The criteria library its `uses:` entries come from: an installed library's id "
            "(tenderscore-ict) or a folder, written as a path (./my-library).",
        }
        schema["properties"]["uses"] = {
            "type": "array",
            "items": {"$ref": "#/definitions/LibraryUse"},
            "description": "The library entries the rule set is built from, in order.",
        }
        required = schema.get("required", [])
        if "criteria" in required:
            schema["required"] = [r for r in required if r != "criteria"]
            schema["anyOf"] = [{"required": ["criteria"]}, {"required": ["uses"]}]
        schema["dependencies"] = {"uses": ["library"]}


def criteria_entry_schema() -> dict[str, Any]:
    """An entry of a criteria library (entries/<id>.v<version>.yaml)."""
    from scoring.rules.library import Entry

    schema = Entry.model_json_schema(mode="validation", ref_template="#/definitions/{model}")
    schema["definitions"] = schema.pop("$defs", {})
    schema["title"] = "tenderscore criteria library entry"
    return _published("criteria-entry", schema)


def criteria_library_schema() -> dict[str, Any]:
    """A criteria library's library.yaml."""
    from scoring.rules.library import Manifest

    schema = Manifest.model_json_schema(mode="validation", ref_template="#/definitions/{model}")
    schema["title"] = "tenderscore criteria library"
    return _published("criteria-library", schema)


def _change(model: Any, what: str) -> dict[str, Any]:
    """An entry of a variant changing (or removing) an entry of its base: every key but `id` optional."""
    schema = model.model_json_schema(mode="validation", ref_template="#/definitions/{model}")
    schema.pop("$defs", None)
    properties = {**schema["properties"], "remove": {"const": True, "description": f"Drops {what}."}}
    if "params" in properties:
        properties["params"] = {"type": "object", "description": "The scoring function's parameters."}
    return {
        "type": "object",
        "description": f"Changes {what} (the entry with the same id), or removes it.",
        "additionalProperties": False,
        "required": ["id"],
        "properties": properties,
    }


def _changes(name: str, full: dict[str, Any]) -> dict[str, Any]:
    entry = full["items"]
    return {**full, "items": {"anyOf": [entry, {"$ref": f"#/definitions/{name}Change"}]}}


def tender_schema() -> dict[str, Any]:
    """tender.yaml."""
    from scoring.models import Tender

    schema = Tender.model_json_schema(mode="validation", ref_template="#/definitions/{model}")
    schema["definitions"] = schema.pop("$defs", {})
    del schema["properties"]["folder"]  # where it was read from, never written in it
    schema["title"] = "tenderscore tender"
    schema["description"] = "A tender: its dates, items, rule set, language, procedure, letters and template."
    return _published("tender", schema)


def evaluation_schema() -> dict[str, Any]:
    """evaluation.json as every run writes it."""
    from scoring.reports.evaluation_json import SCHEMA, EvaluationDocument

    schema = EvaluationDocument.model_json_schema(
        mode="serialization", by_alias=True, ref_template="#/definitions/{model}"
    )
    schema["definitions"] = schema.pop("$defs", {})
    schema["properties"]["schema"]["const"] = SCHEMA
    return _published("evaluation", schema)


DECIMAL_TEXT = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$"


def _decimals_as_text(node: Any) -> Any:
    """Pydantic lets a Decimal be any text in a schema; the loader takes a number written as text only."""
    if isinstance(node, dict):
        branches = node.get("anyOf")
        if isinstance(branches, list) and {"type": "number"} in [{"type": b.get("type")} for b in branches]:
            for b in branches:
                if b == {"type": "string"}:
                    b["pattern"] = DECIMAL_TEXT
        return {k: _decimals_as_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decimals_as_text(v) for v in node]
    return node


def _published(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    schema = _decimals_as_text(schema)
    return {"$schema": "http://json-schema.org/draft-07/schema#", "$id": BASE + NAMES[name], **schema}


SCHEMAS = {
    "rules": rules_schema,
    "tender": tender_schema,
    "evaluation": evaluation_schema,
    "criteria-entry": criteria_entry_schema,
    "criteria-library": criteria_library_schema,
}


def text(name: str) -> str:
    """A schema as the files in docs/schemas/ hold it."""
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def codes_markdown() -> str:
    """docs/codes.md: every issue code, claim reason code and rule set warning, with what it means."""
    from scoring.claims.verdicts import REASON_CODES
    from scoring.issues import CODES
    from scoring.rules.compose import LIBRARY_CODES
    from scoring.rules.lint import LINT_CODES

    cell = lambda text: str(text).replace("|", "\\|")
    out = [
        "# Issue, reason and warning codes",
        "",
        "Generated from the code (`python -m scoring.schemas`; a test keeps it up to date): the stable codes",
        "tenderscore gives every finding, as evaluation.json, the workbooks and the letters carry them. The",
        "meanings below are the English ones; the reports word them in the tender's language.",
        "",
        "## Issues of a bid",
        "",
        "An `error` rejects the bid or, on a formal field, asks a clarification (Art. 56(3)); a `warning` is",
        "reported and the bid is evaluated; `info` is for the record.",
        "",
        "| Code | Severity | Meaning |",
        "| --- | --- | --- |",
        *(f"| `{code}` | {severity.value} | {cell(meaning)} |" for code, (severity, meaning) in CODES.items()),
        "",
        "## Verdicts on label claims",
        "",
        "| Code | Verdicts | Meaning |",
        "| --- | --- | --- |",
        *(
            f"| `{code}` | {', '.join(v.value for v in verdicts)} | {cell(meaning)} |"
            for code, (verdicts, meaning) in REASON_CODES.items()
        ),
        "",
        "## Warnings on a rule set (the criteria linter)",
        "",
        "| Code | Meaning |",
        "| --- | --- |",
        *(f"| `{code}` | {cell(meaning)} |" for code, meaning in LINT_CODES.items()),
        "",
        "## Findings on a criteria library (tenderscore criteria lint)",
        "",
        "| Code | Meaning |",
        "| --- | --- |",
        *(f"| `{code}` | {cell(meaning)} |" for code, meaning in LIBRARY_CODES.items()),
    ]
    return "\n".join(out) + "\n"


DOCS = Path(__file__).resolve().parent.parent / "docs"  # in the repository


def main(docs: Path = DOCS) -> None:
    folder = docs / "schemas"
    folder.mkdir(parents=True, exist_ok=True)
    for name, file in NAMES.items():
        (folder / file).write_text(text(name), encoding="utf-8")
        sys.stdout.write(f"{folder / file}\n")
    (docs / "codes.md").write_text(codes_markdown(), encoding="utf-8")
    sys.stdout.write(f"{docs / 'codes.md'}\n")


if __name__ == "__main__":
    main()
