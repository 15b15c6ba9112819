"""The JSON Schemas tenderscore publishes, generated from its models: the rule language (every registered
scoring function's criterion, so an editor validates and completes rule files) and evaluation.json
(`tenderscore/evaluation/1`). `python -m scoring.schemas` writes them to docs/schemas/; a test keeps the
copies there up to date; `tenderscore schema rules` prints the one a wheel carries."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, create_model

BASE = "https://tenderscore.eu/schemas/"  # identifiers, not addresses fetched: the files travel with the rules
NAMES = {"rules": "rules-1.schema.json", "evaluation": "evaluation-1.schema.json"}


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


SCHEMAS = {"rules": rules_schema, "evaluation": evaluation_schema}


def text(name: str) -> str:
    """A schema as the files in docs/schemas/ hold it."""
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


DOCS = Path(__file__).resolve().parent.parent / "docs" / "schemas"  # in the repository


def main(folder: Path = DOCS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, file in NAMES.items():
        (folder / file).write_text(text(name), encoding="utf-8")
        sys.stdout.write(f"{folder / file}\n")


if __name__ == "__main__":
    main()
