"""The published JSON Schemas (issue 21): generated from the models, up to date in docs/schemas/, and saying
what the loader and every run say: each rule file of the repository and each evaluation.json validate; what
the loader refuses, the schema refuses at the same key."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import ROOT, rules_data

from scoring import schemas
from scoring.errors import RuleError
from scoring.rules.conditions import Strict
from scoring.rules.functions import FUNCTIONS, FieldFunction, register
from scoring.rules.load import load_rules

DOCS = ROOT / "docs" / "schemas"


def validator(name: str) -> jsonschema.Draft7Validator:
    schema = schemas.SCHEMAS[name]()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("name", sorted(schemas.NAMES))
def test_the_published_schemas_are_those_the_models_give(name):
    published = (DOCS / schemas.NAMES[name]).read_text(encoding="utf-8")
    assert published == schemas.text(name), "run python -m scoring.schemas and commit docs/schemas/"


def test_every_evaluation_document_a_run_writes_validates(sample_evaluation):
    from scoring.reports.evaluation_json import evaluation_document

    check = validator("evaluation")
    documents = [evaluation_document(sample_evaluation)]
    documents += [json.loads(p.read_text()) for p in sorted((ROOT / "tests" / "golden").glob("*/evaluation.json"))]
    assert len(documents) == 5
    for document in documents:
        assert [e.message for e in check.iter_errors(document)] == []
        assert document["schema"] == "tenderscore/evaluation/1"
    # strict: a key the model does not write, a wrong type or a missing key is an error
    document = json.loads(json.dumps(documents[0]))
    document["bids"][0]["criteria"][0]["extra"] = 1
    document["bids"][1]["rank"] = "first"
    del document["counts"]["ranked"]
    found = {tuple(e.absolute_path) for e in check.iter_errors(document)}
    assert found == {("bids", 0, "criteria", 0), ("bids", 1, "rank"), ("counts",)}


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("computers-*.yaml")), ids=lambda p: p.name)
def test_every_rule_file_of_the_repository_validates(path):
    assert [e.message for e in validator("rules").iter_errors(yaml.safe_load(path.read_text()))] == []


def _set(data: dict, key: str, value: object) -> dict:
    data = json.loads(json.dumps(data))
    *parents, last = key.split(".")
    node: object = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    if value is KeyError:
        del node[last]  # type: ignore[arg-type]
    else:
        node[int(last) if isinstance(node, list) else last] = value  # type: ignore[index]
    return data


WRONG = [  # (key changed, value, the key the loader and the schema name)
    ("scale", "ten", "scale"),
    ("lotz", "separate", ""),
    ("rounding.places", 2.5, "rounding.places"),
    ("criteria.1.params.wrost", 0, "criteria.1"),
    ("criteria.1.function", "linaer", "criteria.1"),
    ("criteria.3.weight", -5, "criteria.3"),
    ("method", {"name": "value_for_money", "direction": "sideways"}, "method"),
    ("id", KeyError, ""),
    ("knockouts.0.check.at_least", "many", "knockouts.0.check"),
]


@pytest.mark.parametrize(("key", "value", "at"), WRONG, ids=[w[0] for w in WRONG])
def test_what_the_loader_refuses_the_schema_refuses(tmp_path, key, value, at):
    data = _set(rules_data(), key, value)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(RuleError):
        load_rules(path)
    errors = list(validator("rules").iter_errors(data))
    assert errors, f"the schema let {key}: {value!r} through"
    assert any(".".join(str(p) for p in e.absolute_path).startswith(at) for e in errors), [
        (list(e.absolute_path), e.message) for e in errors
    ]


def test_a_variant_gives_only_what_it_changes(tmp_path):
    check = validator("rules")
    variant = {
        "extends": "computers-2026.yaml",
        "id": "v",
        "criteria": [{"id": "price", "weight": 50}, {"id": "ems", "remove": True}],
    }
    assert [e.message for e in check.iter_errors(variant)] == []
    assert list(check.iter_errors({**variant, "criteria": [{"id": "price", "wieght": 50}]}))
    assert list(check.iter_errors({"id": "v", "criteria": [{"id": "price", "weight": 50}]}))  # no extends: complete


def test_a_scoring_function_registered_anywhere_is_in_the_schema_with_its_params():
    class HalfParams(Strict):
        of: Decimal
        """What half of counts."""

    class Half(FieldFunction):
        name = "half_of"
        Params = HalfParams
        kinds = None
        needs = "a numeric"
        summary = "half"

    register(Half)
    try:
        schema = schemas.rules_schema()
        criterion = schema["definitions"]["HalfOfCriterion"]
        assert criterion["properties"]["function"]["const"] == "half_of"
        params = schema["definitions"]["HalfParams"]
        assert params["properties"]["of"]["description"] == "What half of counts."
        check = jsonschema.Draft7Validator(schema)
        data = rules_data()
        data["criteria"][3].update(function="half_of", params={"of": 3})
        assert [e.message for e in check.iter_errors(data)] == []
        data["criteria"][3]["params"] = {"off": 3}
        assert list(check.iter_errors(data))
    finally:
        FUNCTIONS.pop("half_of")
    assert "HalfOfCriterion" not in schemas.rules_schema()["definitions"]


def test_every_field_of_the_rule_language_is_described():
    """An editor shows a description on every key of a rule file: the models' attribute docstrings."""
    definitions = schemas.rules_schema()["definitions"]
    undescribed = [
        f"{name}.{key}"
        for name, d in definitions.items()
        if name not in {"RuleSetVariant", "CriterionChange", "KnockoutChange"}
        for key, p in d.get("properties", {}).items()
        if "description" not in p
        and "description" not in definitions.get(p.get("$ref", "").rpartition("/")[2], {})
        and key not in {"name", "function"}
        and not name.endswith("Criterion")
    ]
    assert undescribed == []


def test_the_command_prints_and_writes_the_schemas(tmp_path, capsys):
    from flows.cli import main

    assert main(["schema", "rules"]) == 0
    assert json.loads(capsys.readouterr().out) == schemas.rules_schema()
    out = tmp_path / "rules.schema.json"
    assert main(["schema", "evaluation", "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == schemas.evaluation_schema()
    assert main(["schema", "ledger"]) == 2
    assert "no such schema" in capsys.readouterr().err
    assert main(["schema", "rules", "--out", str(tmp_path / "none" / "x.json")]) == 1


def test_vs_code_finds_the_schemas():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text())
    for schema, globs in settings["yaml.schemas"].items():
        assert (ROOT / schema).is_file()
        assert all(list(ROOT.glob(g)) for g in globs)
    assert all((ROOT / s["url"]).is_file() for s in settings["json.schemas"])
    assert Path(DOCS / schemas.NAMES["rules"]).is_file()


def test_the_codes_page_is_generated_and_lists_every_code():
    from scoring.claims.verdicts import REASON_CODES
    from scoring.issues import CODES
    from scoring.rules.lint import LINT_CODES

    page = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    assert page == schemas.codes_markdown(), "run python -m scoring.schemas and commit docs/codes.md"
    assert all(f"| `{code}` |" in page for code in (*CODES, *REASON_CODES, *LINT_CODES))
    linter = (ROOT / "scoring" / "rules" / "lint.py").read_text(encoding="utf-8")
    assert set(re.findall(r'code="((?:lint|library)\.\w+)"', linter)) == set(LINT_CODES)  # every warning listed
    from scoring.rules.compose import LIBRARY_CODES

    assert all(f"| `{code}` |" in page for code in LIBRARY_CODES)
    library_linter = (ROOT / "scoring" / "rules" / "compose.py").read_text(encoding="utf-8")
    assert set(re.findall(r'"((?:entry|library)\.\w+)",', library_linter)) == set(LIBRARY_CODES)
