"""Rule files: the sample loads; every kind of fault is a clear error naming file and key."""

from decimal import Decimal

import pytest
import yaml
from conftest import SAMPLE_RULES, rules_data

from scoring.errors import RuleError
from scoring.rules.load import load_rules


def _sample() -> dict:
    return rules_data()


def _criterion(data, criterion_id):
    return next(c for c in data["criteria"] if c["id"] == criterion_id)


def test_the_sample_rule_set_loads():
    loaded = load_rules(SAMPLE_RULES)
    assert sum(c.weight for c in loaded.rules.criteria) == Decimal(100)
    assert len(loaded.sha256) == 64
    assert {k.id for k in loaded.rules.knockouts} == {"ew_dialogue", "ew_conditions", "min_warranty"}


def _fault(tmp_path, change) -> RuleError:
    data = _sample()
    change(data)
    path = tmp_path / "bad-rules.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(RuleError) as caught:
        load_rules(path)
    assert str(path) in str(caught.value)
    return caught.value


def test_weights_must_sum_to_100(tmp_path):
    error = _fault(tmp_path, lambda d: _criterion(d, "price").update(weight=45))
    assert error.key == "criteria" and "sum to 95, not 100" in error.problem


def test_an_unknown_field(tmp_path):
    error = _fault(tmp_path, lambda d: _criterion(d, "warranty").update(field="items.warrantee_years"))
    assert error.key == "criteria.3.field" and "unknown field 'items.warrantee_years'" in error.problem


def test_an_unknown_field_in_a_condition(tmp_path):
    error = _fault(tmp_path, lambda d: d["knockouts"][0]["check"].update(field="supplier.ew_dialog"))
    assert error.key == "knockouts.0.check.field"


def test_an_unknown_function(tmp_path):
    error = _fault(tmp_path, lambda d: _criterion(d, "warranty").update(function="logistic"))
    assert error.key == "criteria.3.function" and "linear" in error.problem


def test_a_missing_parameter(tmp_path):
    error = _fault(tmp_path, lambda d: _criterion(d, "warranty")["params"].pop("best"))
    assert error.key == "criteria.3.params.best" and "missing" in error.problem


def test_a_parameter_that_is_not_a_number(tmp_path):
    error = _fault(tmp_path, lambda d: _criterion(d, "warranty")["params"].update(worst="three"))
    assert error.key == "criteria.3.params.worst"


def test_a_score_beyond_the_scale(tmp_path):
    error = _fault(tmp_path, lambda d: _criterion(d, "ems")["params"]["values"].update(EMAS=12))
    assert error.key == "criteria.2.params.values.EMAS" and "outside the scale" in error.problem


def test_an_item_field_needs_an_aggregate(tmp_path):
    error = _fault(tmp_path, lambda d: _criterion(d, "warranty").pop("aggregate"))
    assert error.key == "criteria.3.aggregate"


def test_a_function_on_the_wrong_kind_of_field(tmp_path):
    error = _fault(tmp_path, lambda d: _criterion(d, "take_back").update(field="supplier.country"))
    assert error.key == "criteria.12.field" and "Yes/No" in error.problem


def test_an_unknown_key_is_not_ignored(tmp_path):
    error = _fault(tmp_path, lambda d: _criterion(d, "price").update(wieght=50))
    assert error.key == "criteria.0.wieght" and "unknown key" in error.problem


def test_an_unknown_tie_break(tmp_path):
    error = _fault(tmp_path, lambda d: d.update(tie_break=["criterion:colour"]))
    assert error.key == "tie_break.0"


def test_a_knockout_needs_one_test(tmp_path):
    error = _fault(tmp_path, lambda d: d["knockouts"][0].pop("check"))
    assert error.key == "knockouts.0"


def test_not_yaml_and_missing_files(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("criteria: [\n  - id: price\n weight: 50")
    with pytest.raises(RuleError, match="not valid YAML"):
        load_rules(path)
    with pytest.raises(RuleError, match="file not found"):
        load_rules(tmp_path / "absent.yaml")
