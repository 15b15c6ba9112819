"""The criteria linter: a rule set that commits each fault triggers each warning, and users see them."""

import json

import yaml
from conftest import rules_data

from flows.cli import main
from scoring.pipeline import evaluate_tender
from scoring.reports.evaluation_json import render_json
from scoring.rules.load import load_rules


def faulty_rules() -> dict:
    data = rules_data()
    # A weighted criterion resting on a membership scheme that also fails Art. 43(1) (RBA) ...
    data["labels"]["rba"] = {"reference": "RBA", "areas": ["labour_final_assembly"]}
    data["criteria"].append(
        {
            "id": "rba_members",
            "name": "Supplier's brands are RBA members",
            "weight": 5,
            "field": "items",
            "function": "share_of_value",
            "params": {"where": {"label": "rba"}},
        }
    )
    # ... a company rating as a lookup ...
    data["criteria"].append(
        {
            "id": "rating",
            "name": "Company sustainability rating",
            "weight": 5,
            "field": "supplier.environmental_management",
            "function": "lookup",
            "params": {"values": {"EcoVadis": 10}},
        }
    )
    data["criteria"][0]["weight"] = 40  # keep the weights at 100
    # ... and Electronics Watch affiliation asked of the supplier.
    data["knockouts"].append(
        {
            "id": "ew_affiliate",
            "requirement": "The supplier is affiliated with Electronics Watch",
            "check": {"field": "supplier.ew_conditions", "equals": True},
        }
    )
    return data


def _write(tmp_path, data):
    path = tmp_path / "faulty.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_each_fault_triggers_its_warning(tmp_path):
    warnings = load_rules(_write(tmp_path, faulty_rules())).warnings
    found = {(w.code, w.rule) for w in warnings}
    assert ("lint.company_level", "criteria.rba_members") in found
    assert ("lint.art43", "criteria.rba_members") in found
    assert ("lint.company_level", "criteria.rating") in found
    assert ("lint.ew_affiliation", "knockouts.ew_affiliate") in found
    art43 = next(w for w in warnings if w.code == "lint.art43")
    assert "not set by a third party independent of the applicants" in art43.message
    assert "affiliates are public buyers" in next(w for w in warnings if w.code == "lint.ew_affiliation").message


def test_a_clean_product_label_rule_set_has_no_warnings(tmp_path):
    data = rules_data()
    ems = next(c for c in data["criteria"] if c["id"] == "ems")
    data["criteria"].remove(ems)
    data["criteria"][0]["weight"] += ems["weight"]
    assert load_rules(_write(tmp_path, data)).warnings == []


def test_warnings_show_in_the_cli_and_the_reports(tmp_path, make_tender, capsys):
    path = _write(tmp_path, faulty_rules())
    assert main(["check-rules", str(path)]) == 0
    out = capsys.readouterr().out
    assert "lint.ew_affiliation at knockouts.ew_affiliate" in out and "lint.art43 at criteria.rba_members" in out

    from conftest import sample_spec

    folder = make_tender({"a.xlsx": sample_spec("01-greenbyte.xlsx")}, rules=str(path))
    doc = json.loads(render_json(evaluate_tender(folder)))
    assert {"lint.company_level", "lint.art43", "lint.ew_affiliation"} <= {w["code"] for w in doc["rule_warnings"]}
