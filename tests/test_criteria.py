"""The criteria library: its entries, rule sets built on it, the linter, and `tenderscore criteria`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import ROOT, SAMPLE_RULES, SAMPLE_TENDER

from flows.cli import main
from scoring.errors import RuleError
from scoring.rules.catalogue import load_catalogue
from scoring.rules.compose import lint_library
from scoring.rules.library import LANGUAGES, LibraryError, builtin_folder, load_library
from scoring.rules.load import load_rules

BUILTIN = builtin_folder()
INLINE = ROOT / "tests" / "fixtures" / "rules" / "computers-2026-inline.yaml"
CATALOGUE = ROOT / "rules" / "labels.yaml"


def _library_copy(tmp_path: Path, name: str = "lib") -> Path:
    target = tmp_path / name
    shutil.copytree(BUILTIN, target)
    return target


def _rule_file(tmp_path: Path, uses: list, **more) -> Path:
    """A rule file in tmp_path on the library copy ./lib, beside the sample catalogue and registers."""
    data = {
        "id": "t",
        "version": "1",
        "title": "t",
        "catalogue": str(CATALOGUE),
        "registers": str(ROOT / "rules" / "registers"),
        "library": "./lib",
        "uses": uses,
        **more,
    }
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


# --- the library tenderscore ships -----------------------------------------------------------------------


def test_the_library_holds_at_least_30_entries_on_every_theme_each_worded_in_four_languages():
    library = load_library(BUILTIN)
    entries = library.latest()
    assert len(entries) >= 30
    themes = {e.theme for e in entries}
    assert {
        "labels",
        "life_extension",
        "energy",
        "packaging",
        "end_of_life",
        "transparency",
        "electronics_watch",
    } <= themes
    stages = {e.stage for e in entries}
    assert stages == {"selection", "technical_specification", "award_criterion", "contract_clause"}
    ids = " ".join(e.id for e in entries)
    for topic in ("warranty", "spare-parts", "security-updates", "battery", "repairab", "refurbished", "disclosure"):
        assert topic in ids, topic
    for e in entries:
        for text in (e.title, e.text, e.verification.evidence):
            assert text.missing() == [], (e.id, text)
        assert e.source.url.startswith("https://") and e.source.licence and e.legal_basis
    # each source named, not one document for all: EU GPP, TCO Certified, Electronics Watch, national tools
    publishers = {e.source.publisher for e in entries} | {s.publisher for e in entries for s in e.see_also}
    assert {"European Commission", "TCO Development", "Electronics Watch"} <= publishers
    assert any("PIANOo" in p for p in publishers) and any("Upphandlingsmyndigheten" in p for p in publishers)


def test_the_library_passes_its_linter_strictly_and_every_entry_its_json_schema():
    library = load_library(BUILTIN)
    assert [str(f) for f in lint_library(library, load_catalogue(CATALOGUE))] == []
    schema = json.loads((ROOT / "docs" / "schemas" / "criteria-entry-1.schema.json").read_text())
    check = jsonschema.Draft7Validator(schema)
    for path in library.files.values():
        assert [e.message for e in check.iter_errors(yaml.safe_load(path.read_text()))] == [], path.name
    manifest = json.loads((ROOT / "docs" / "schemas" / "criteria-library-1.schema.json").read_text())
    assert (
        list(jsonschema.Draft7Validator(manifest).iter_errors(yaml.safe_load((BUILTIN / "library.yaml").read_text())))
        == []
    )


def test_the_entries_wording_is_not_copied_across_languages():
    """Each language its own text: no entry's Dutch, French or German text is its English one."""
    for e in load_library(BUILTIN).latest():
        for text in (e.text, e.verification.evidence):
            worded = [text.get(lang) for lang in LANGUAGES]
            assert len(set(worded)) == len(LANGUAGES), (e.id, worded)


# --- the sample rule set, rebuilt on the library ---------------------------------------------------------


def test_the_sample_rule_set_on_the_library_is_the_one_written_out_and_scores_the_sample_to_the_same_bytes():
    from scoring.pipeline import evaluate
    from scoring.reports.evaluation_json import evaluation_document

    on_library, written = load_rules(SAMPLE_RULES), load_rules(INLINE)
    described = {"__all__": {"description", "descriptions"}}  # the entries' texts, which the inline file lacked
    ignore = {"catalogue": True, "registers": True, "criteria": described}  # paths, relative to each file
    assert on_library.rules.model_dump(exclude=ignore) == written.rules.model_dump(exclude=ignore)
    warranty = next(c for c in on_library.rules.criteria if c.id == "warranty")
    entry = load_library(BUILTIN).entries[("gpp.warranty-extended", 1)]
    assert (warranty.described("en"), warranty.described("fr")) == (entry.text.en, entry.text.fr)
    (a,), (b,) = evaluate(SAMPLE_TENDER, SAMPLE_RULES), evaluate(SAMPLE_TENDER, INLINE)
    da, db = evaluation_document(a), evaluation_document(b)
    same = ("bids", "counts", "review_queue", "pending_decisions", "robustness", "panel_agreement", "warnings")
    assert json.dumps({k: da[k] for k in same}) == json.dumps({k: db[k] for k in same})
    assert da["criteria_libraries"] and db["criteria_libraries"] == []
    assert da["rules_sha256"] != db["rules_sha256"]  # the entries are part of what the hash covers


def test_the_evaluation_records_the_library_version_and_each_entry_used(sample_evaluation):
    (library,) = sample_evaluation.libraries
    shipped = load_library(BUILTIN)
    assert (library.id, library.version, library.sha256) == (
        "tenderscore-ict",
        shipped.manifest.version,
        shipped.sha256,
    )
    rules = {e.rule: (e.id, e.version, e.role) for e in library.entries}
    assert rules["price"] == ("core.price-proportional", 1, "criterion")
    assert rules["ew_dialogue"] == ("ew.dialogue", 1, "knockout")
    assert rules["ems"] == ("dir.environmental-management", 1, "criterion")
    assert len(library.entries) == 16 and all(e.sha256 == shipped.hashes[(e.id, e.version)] for e in library.entries)
    codes = {w.code for w in sample_evaluation.rule_warnings}
    assert "library.stage" in codes  # environmental management: a selection criterion scored, as the sample does


def test_a_changed_entry_changes_the_rule_sets_hash_and_its_scores(tmp_path):
    lib = _library_copy(tmp_path)
    path = _rule_file(
        tmp_path,
        [
            {"entry": "core.price-proportional", "version": 1, "weight": 90},
            {"entry": "gpp.warranty-extended", "version": 1, "weight": 10},
        ],
    )
    before = load_rules(path)
    entry = lib / "entries" / "gpp.warranty-extended.v1.yaml"
    entry.write_text(entry.read_text().replace("best: 5", "best: 6"))
    after = load_rules(path)
    assert before.sha256 != after.sha256
    assert after.rules.criteria[1].params.best == 6
    assert before.libraries[0].sha256 != after.libraries[0].sha256


# --- uses: --------------------------------------------------------------------------------------------


def test_an_item_overrides_weight_and_parameters_and_the_rest_stays_the_entrys(tmp_path):
    _library_copy(tmp_path)
    path = _rule_file(
        tmp_path,
        [
            {"entry": "core.price-proportional", "version": 1, "weight": 70},
            {"entry": "gpp.warranty-extended", "version": 1, "weight": 30, "params": {"best": 6}},
        ],
    )
    rules = load_rules(path).rules
    warranty = rules.criteria[1]
    assert (warranty.weight, warranty.params.worst, warranty.params.best) == (30, 3, 6)
    assert warranty.names["fr"] == "Garantie" and warranty.group == "Life extension"


@pytest.mark.parametrize(
    ("uses", "problem"),
    [
        ([{"entry": "gpp.warranty-extnded", "version": 1}], "did you mean 'gpp.warranty-extended'"),
        ([{"entry": "gpp.warranty-extended", "version": 7}], "has no version 7"),
        ([{"entry": "gpp.warranty-extended"}, {"entry": "gpp.warranty-extended", "version": 1}], "used twice"),
        ([{"entry": "gpp.warranty-extended", "version": "one"}], "whole number"),
        ([{"entry": "gpp.warranty-extended", "version": 1, "as": "bonus"}], "as is one of"),
        (
            [{"entry": "dir.environmental-management", "version": 1, "as": "criterion", "weight": 3}],
            "no criterion of its own",
        ),
        (["gpp.warranty-extended"], "each item names an entry"),
        ([{"entry": "gpp.energy-star", "version": 1, "weight": 4}], "takes no rule keys"),
    ],
)
def test_a_wrong_item_is_named_at_its_line(tmp_path, uses, problem):
    _library_copy(tmp_path)
    path = _rule_file(tmp_path, [{"entry": "core.price-proportional", "version": 1, "weight": 100}, *uses])
    with pytest.raises(RuleError) as caught:
        load_rules(path)
    assert problem in str(caught.value)
    assert all(p.line for p in caught.value.problems) and str(path) in str(caught.value)


def test_a_wrong_override_is_named_at_the_uses_item_that_gave_it(tmp_path):
    _library_copy(tmp_path)
    path = _rule_file(
        tmp_path,
        [
            {"entry": "core.price-proportional", "version": 1, "weight": 80},
            {"entry": "gpp.warranty-extended", "version": 1, "weight": 20, "params": {"wrost": 3}},
        ],
    )
    with pytest.raises(RuleError) as caught:
        load_rules(path)
    (problem,) = [p for p in caught.value.problems if "wrost" in str(p)]
    assert (
        problem.path == str(path)
        and problem.line == path.read_text().splitlines().index("- entry: gpp.warranty-extended") + 1
    )
    assert "criteria[warranty]" in str(problem) or "warranty" in str(problem)


def test_a_library_that_is_not_there_or_a_rule_set_without_one(tmp_path):
    path = _rule_file(tmp_path, [{"entry": "core.price-proportional", "version": 1, "weight": 100}])
    with pytest.raises(RuleError, match="no criteria library here"):
        load_rules(path)
    data = yaml.safe_load(path.read_text())
    data["library"] = "city-of-nowhere"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RuleError, match="no installed criteria library is called so"):
        load_rules(path)
    del data["library"]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RuleError, match="names no library"):
        load_rules(path)


def test_the_linter_warns_of_weights_outside_the_range_unpinned_entries_stages_and_stale_wording(tmp_path):
    _library_copy(tmp_path)
    path = _rule_file(
        tmp_path,
        [
            {"entry": "core.price-proportional", "weight": 75},  # recommended 30-70, and no version
            {"entry": "gpp.warranty-extended", "version": 1, "weight": 15},  # recommended 3-10
            {
                "entry": "gpp.warranty-minimum",
                "version": 1,
                "every_item": {"field": "items.warranty_years", "at_least": 2},
            },
            {"entry": "gpp.spare-parts-minimum", "version": 1, "requirement": "Spare parts for 5 years at least"},
            {"entry": "gpp.recycled-plastic", "version": 1, "weight": 5, "params": {"best": 30}},
            {
                "entry": "gpp.energy-consumption",
                "version": 1,
                "weight": 5,
                "aggregate": "max",
                "description": "Points for the highest typical energy consumption among the items, lowest best.",
            },
        ],
    )
    loaded = load_rules(path)
    warnings = {(w.code, w.rule) for w in loaded.warnings}
    assert ("library.wording", "criteria.recycled_plastic") in warnings  # scores otherwise, described as before
    assert not any(rule == "criteria.energy" for _c, rule in warnings)  # described anew: no warning
    energy = next(c for c in loaded.rules.criteria if c.id == "energy")
    assert energy.described("en").startswith("Points for the highest") and energy.described("nl") is None
    assert ("library.unpinned", "uses.core.price-proportional") in warnings
    assert ("library.weight", "criteria.price") in warnings and ("library.weight", "criteria.warranty") in warnings
    assert ("library.wording", "knockouts.min_warranty") in warnings  # the check changed, the words not
    assert not any(rule == "knockouts.min_spare_parts" for _c, rule in warnings)  # reworded: no warning


def test_a_variant_extends_a_rule_set_built_on_the_library():
    panel = load_rules(ROOT / "rules" / "computers-2026-panel.yaml")
    assert [c.id for c in panel.rules.criteria][:2] == ["price", "label"] and panel.rules.criteria[0].weight == 45
    assert panel.libraries and panel.libraries[0].id == "tenderscore-ict"


# --- the library's own problems --------------------------------------------------------------------------


def test_the_library_linter_names_each_fault_of_an_entry_with_its_code(tmp_path):
    """Each code of the entries' linter, from an entry of the shipped library broken in that one way."""
    lib = _library_copy(tmp_path)
    entries = lib / "entries"

    def broken(source: str, new_id: str, change, file_name: str | None = None) -> None:
        data = yaml.safe_load((entries / source).read_text())
        data["id"] = new_id
        change(data)
        (entries / (file_name or f"{new_id}.v1.yaml")).write_text(yaml.safe_dump(data, allow_unicode=True))

    broken("gpp.warranty-extended.v1.yaml", "x.language", lambda d: d["title"].pop("nl"))
    broken("gpp.warranty-extended.v1.yaml", "x.file", lambda d: None, file_name="x.file.yaml")
    broken("gpp.warranty-extended.v1.yaml", "x.field", lambda d: d["criterion"].update(field="items.warranty_yrs"))
    broken(
        "gpp.warranty-extended.v1.yaml", "x.response", lambda d: d["response"].update(fields=["supplier.ew_dialogue"])
    )
    broken("gpp.warranty-extended.v1.yaml", "x.eforms", lambda d: d["eforms"].update(criterion_type="price"))
    broken("ew.dialogue.v1.yaml", "x.sentence", lambda d: d["text"].update(fr=d["text"]["fr"] + "."))
    broken("gpp.warranty-extended.v1.yaml", "x.sentence2", lambda d: d["text"].update(de=d["text"]["de"][:-1]))
    broken("tco.certified-share.v1.yaml", "x.label", lambda d: d["verification"].update(labels=["Blue Angle"]))
    broken(
        "tco.certified-share.v1.yaml",
        "x.company",
        lambda d: d["labels"]["tco"].update(reference="SA8000", minimum_version=None, areas=[]),
    )
    findings = {(f.where.split()[0], f.code) for f in lint_library(load_library(lib), load_catalogue(CATALOGUE))}
    assert findings == {
        ("x.language", "entry.language"),
        ("x.file", "entry.file_name"),
        ("x.field", "entry.field"),
        ("x.field", "entry.response"),
        ("x.response", "entry.response"),
        ("x.eforms", "entry.eforms"),
        ("x.sentence", "entry.sentence"),
        ("x.sentence2", "entry.sentence"),
        ("x.label", "entry.label"),
        ("x.company", "entry.company_level"),
    }
    assert main(["criteria", "lint", str(lib), "--catalogue", str(CATALOGUE), "--strict"]) == 1


def test_a_national_legal_basis_written_unquoted_is_the_rule_it_names_and_a_bad_range_is_located(tmp_path):
    lib = _library_copy(tmp_path)
    path = lib / "entries" / "gpp.warranty-extended.v1.yaml"
    text = path.read_text().replace("- Directive 2014/24/EU Art. 67(2)", "- national: Aanbestedingswet 2012 art. 2.115")
    path.write_text(text)
    entry = load_library(lib).entries[("gpp.warranty-extended", 1)]
    assert "national: Aanbestedingswet 2012 art. 2.115" in entry.legal_basis
    data = yaml.safe_load(text)
    data["recommended_weight"] = [30, 10]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    with pytest.raises(LibraryError) as caught:
        load_library(lib)
    assert "at 'recommended_weight': recommended_weight is [lowest, highest]" in str(caught.value)


def test_every_problem_of_a_hostile_library_is_named_and_none_is_a_traceback(tmp_path):
    lib = _library_copy(tmp_path)
    entries = lib / "entries"
    (entries / "dup.v1.yaml").write_text("id: a.b\nid: a.c\n")
    levels = ["a: &a [x,x,x,x,x,x,x,x,x,x]"]
    for n in range(1, 9):  # ten times more at each level: 10**9 values once the aliases are expanded
        before = chr(96 + n)
        levels.append(f"{chr(97 + n)}: &{chr(97 + n)} [" + ",".join([f"*{before}"] * 10) + "]")
    (entries / "laughs.v1.yaml").write_text("\n".join(levels) + "\n")
    os.symlink("/etc/passwd", entries / "passwd.yaml")
    (entries / "notes.txt").write_text("not an entry")
    bad = yaml.safe_load((entries / "gpp.warranty-extended.v1.yaml").read_text())
    bad.update(id="gpp.warranty-bad", legal_basis=["Art. 67"], stage="award_criterion", recommended_weight=[20, 5])
    bad["criterion"]["function"] = "linaer"
    (entries / "gpp.warranty-bad.v1.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True))
    wrong = yaml.safe_load((entries / "gpp.warranty-extended.v1.yaml").read_text())
    wrong["id"] = "gpp.warranty-wrong"
    wrong["criterion"]["params"] = {"worst": 3, "bets": 5}
    (entries / "gpp.warranty-wrong.v1.yaml").write_text(yaml.safe_dump(wrong, allow_unicode=True))
    same = (entries / "ew.dialogue.v1.yaml").read_text()
    (entries / "copy-of-dialogue.yaml").write_text(same)
    with pytest.raises(LibraryError) as caught:
        load_library(lib)
    text = str(caught.value)
    for expected in (
        "given twice",
        "aliases",
        "outside the library",
        "not an entry",
        "legal_basis",
        "recommended_weight",
        "also in",
        "criterion.params",
    ):
        assert expected in text, expected
    assert "/etc/passwd" not in text.replace(str(entries / "passwd.yaml"), "")
    assert main(["criteria", "list", "--library", str(lib)]) == 2


# --- tenderscore criteria ----------------------------------------------------------------------------------


def test_criteria_list_filters_by_stage_theme_level_and_device(capsys):
    assert main(["criteria", "list", "--stage", "contract_clause", "--theme", "electronics_watch"]) == 0
    out = capsys.readouterr().out
    assert "ew.dialogue" in out and "ew.contract-conditions" in out and "gpp.warranty-extended" not in out
    assert main(["criteria", "list", "--level", "spearhead", "--language", "de"]) == 0
    out = capsys.readouterr().out
    assert "Offengelegte Komponentenwerke" in out and "gpp.warranty-minimum" not in out
    assert main(["criteria", "list", "--stage", "award"]) == 2
    assert "use one of" in capsys.readouterr().err


def test_criteria_show_gives_the_source_legal_basis_verification_and_codes(capsys):
    assert main(["criteria", "show", "tco.certified-share", "--language", "nl"]) == 0
    out = capsys.readouterr().out
    assert "TCO Certified of gelijkwaardig label" in out and "Directive 2014/24/EU Art. 43(1)" in out
    assert "TCO Development" in out and "equivalent label" in out and "BT-539 quality" in out
    assert main(["criteria", "show", "tco.certified-shar"]) == 2
    assert "did you mean 'tco.certified-share'" in capsys.readouterr().err


def test_criteria_new_writes_a_rule_set_check_rules_accepts_and_never_overwrites(tmp_path, capsys):
    shutil.copy(CATALOGUE, tmp_path / "labels.yaml")
    out = tmp_path / "new.yaml"
    chosen = [
        "core.price-proportional",
        "tco.certified-share",
        "gpp.warranty-extended",
        "gpp.spare-parts-extended",
        "ew.final-assembly-disclosure",
        "ew.dialogue",
        "ew.contract-conditions",
        "gpp.warranty-minimum",
        "dir.environmental-management",
        "gpp.refurbished-devices",
    ]
    assert main(["criteria", "new", *chosen, "--weight", "price=60", "--id", "city-2027", "--out", str(out)]) == 0
    text = out.read_text()
    assert "# Source: TCO Development" in text and "recommended 5-20 %" in text and "library: tenderscore-ict" in text
    loaded = load_rules(out)
    weights = {c.id: c.weight for c in loaded.rules.criteria}
    assert weights["price"] == 60 and sum(weights.values()) == 100
    assert [k.id for k in loaded.rules.knockouts] == ["ew_dialogue", "ew_conditions", "min_warranty"]
    documents = [e.id for e in loaded.libraries[0].entries if e.role == "document"]
    assert documents == ["dir.environmental-management", "gpp.refurbished-devices"]
    assert not [w for w in loaded.warnings if w.code.startswith("library.")]
    capsys.readouterr()
    assert main(["check-rules", str(out)]) == 0
    assert "library tenderscore-ict" in capsys.readouterr().out
    assert main(["criteria", "new", "core.price-proportional", "--out", str(out)]) == 1  # exists: not overwritten
    assert out.read_text() == text
    assert main(["criteria", "new", "ew.dialogue", "--out", str(tmp_path / "b.yaml")]) == 2  # no award criterion
    assert (
        main(
            [
                "criteria",
                "new",
                "core.price-proportional",
                "gpp.warranty-extended",
                "--weight",
                "price=100",
                "--out",
                str(tmp_path / "c.yaml"),
            ]
        )
        == 2
    )
    assert not (tmp_path / "b.yaml").exists() and not (tmp_path / "c.yaml").exists()


def test_criteria_new_with_a_folder_library_and_no_catalogue_beside(tmp_path, capsys):
    lib = _library_copy(tmp_path, "our-lib")
    out = tmp_path / "rules" / "r.yaml"
    out.parent.mkdir()
    args = [
        "criteria",
        "new",
        "core.price-proportional",
        "tco.certified-share",
        "--library",
        str(lib),
        "--out",
        str(out),
    ]
    assert main(args) == 2 and "--catalogue" in capsys.readouterr().err  # labels asked, no catalogue
    assert main([*args, "--catalogue", str(CATALOGUE)]) == 0
    text = out.read_text()
    assert "library: ../our-lib" in text
    assert load_rules(out).libraries[0].id == "tenderscore-ict"


def test_criteria_expand_writes_the_same_rule_set_without_the_library(tmp_path):
    out = tmp_path / "rules" / "expanded.yaml"
    out.parent.mkdir()
    for name in ("labels.yaml", "registers"):
        (shutil.copytree if name == "registers" else shutil.copy)(ROOT / "rules" / name, tmp_path / "rules" / name)
    assert main(["criteria", "expand", str(SAMPLE_RULES), "--out", str(out)]) == 0
    assert "uses:" not in out.read_text()
    ignore = {"catalogue", "registers"}  # named from where each file is
    assert load_rules(out).rules.model_dump(exclude=ignore) == load_rules(SAMPLE_RULES).rules.model_dump(exclude=ignore)
    assert (out.parent / load_rules(out).rules.catalogue).resolve() == ROOT / "rules" / "labels.yaml"


def test_what_a_newcomer_gets_wrong_is_answered_in_the_rule_languages_words(tmp_path, capsys):
    """Found by a newcomer's walk through docs/criteria.md: each answer names what to do."""
    out = tmp_path / "r.yaml"
    base = ["criteria", "new", "core.price-proportional", "tco.certified-share", "ew.dialogue"]
    more = ["--catalogue", str(CATALOGUE), "--out", str(out)]
    assert main([*base, "gpp.warranty-extnded", *more]) == 2
    assert "did you mean 'gpp.warranty-extended'?" in capsys.readouterr().err
    assert main([*base, "--weight", "garanty=5", *more]) == 2
    assert "core.price-proportional (price)" in capsys.readouterr().err  # the ids a weight can be given by
    assert main([*base, "--weight", "price=90", *more]) == 0
    said = capsys.readouterr().out  # a weight outside its entry's range is said when the file is written
    assert "warning: library.weight: criteria.price" in said
    catalogue = yaml.safe_load(out.read_text())["catalogue"]
    assert (out.parent / catalogue).resolve() == CATALOGUE.resolve()
    from scoring.rules.compose import path_from  # another tree: absolute, not ../../../srv/...

    assert path_from(Path("/tmp/t/r.yaml"), Path("/srv/rules/labels.yaml")) == "/srv/rules/labels.yaml"
    assert path_from(Path("/srv/t/r.yaml"), Path("/srv/rules/labels.yaml")) == "../rules/labels.yaml"
    # expand: the catalogue named from where the expanded file is; what is stated in documents kept in a comment
    doc = yaml.safe_load(out.read_text())
    doc["uses"].append({"entry": "dir.environmental-management", "version": 1})
    out.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    deep = tmp_path / "deep" / "a" / "expanded.yaml"
    deep.parent.mkdir(parents=True)
    assert main(["criteria", "expand", str(out), "--out", str(deep)]) == 0
    text = deep.read_text()
    assert "#   dir.environmental-management version 1 (selection)" in text
    assert main(["check-rules", str(deep)]) == 0
    capsys.readouterr()
    assert main(["criteria", "expand", str(INLINE)]) == 2
    assert "uses no criteria library" in capsys.readouterr().err
    # criteria show writes a rule as a rule file does, not as Python prints a dict
    assert main(["criteria", "show", "ew.dialogue"]) == 0
    assert "ew_dialogue: {check: {field: supplier.ew_dialogue, equals: true}}" in capsys.readouterr().out
    # criteria lint --rules on a rule file built on another library (a changed copy keeping the id)
    lib = _library_copy(tmp_path)
    (lib / "entries" / "gpp.warranty-minimum.v1.yaml").write_text(
        (lib / "entries" / "gpp.warranty-minimum.v1.yaml").read_text().replace("3 years", "three years")
    )
    rule_file = _rule_file(tmp_path, [{"entry": "core.price-proportional", "version": 1, "weight": 100}])
    assert main(["criteria", "lint", "--rules", str(rule_file)]) == 0
    said = capsys.readouterr().out
    assert "library.other" in said and "give that library as LIBRARY" in said and "1 rule file(s) checked" in said
    assert main(["criteria", "lint", str(lib), "--rules", str(rule_file)]) == 0
    assert "library.other" not in capsys.readouterr().out


def test_two_libraries_merge_side_by_side_and_a_conflict_is_named(tmp_path, capsys):
    a = _library_copy(tmp_path, "a")
    b = _library_copy(tmp_path, "b")
    newer = yaml.safe_load((b / "entries" / "gpp.warranty-extended.v1.yaml").read_text())
    newer["version"] = 2
    newer["criterion"]["params"]["best"] = 6
    (b / "entries" / "gpp.warranty-extended.v2.yaml").write_text(yaml.safe_dump(newer, allow_unicode=True))
    manifest = yaml.safe_load((b / "library.yaml").read_text())
    (b / "library.yaml").write_text(yaml.safe_dump({**manifest, "id": "city-b", "publisher": "City B"}))
    out = tmp_path / "merged"
    assert main(["criteria", "merge", str(a), str(b), "--out", str(out), "--id", "a-and-b", "--version", "2027.1"]) == 0
    assert "side by side: gpp.warranty-extended at versions 1, 2" in capsys.readouterr().out
    merged = load_library(out)
    assert merged.manifest.id == "a-and-b" and "City B" in merged.manifest.publisher
    assert " + " not in merged.manifest.title  # the same title once
    assert (
        merged.versions("gpp.warranty-extended") == [1, 2] and len(merged.entries) == len(load_library(a).entries) + 1
    )
    assert merged.hashes[("ew.dialogue", 1)] == load_library(a).hashes[("ew.dialogue", 1)]  # the bytes as they were
    # the same id and version, other content: named, nothing written
    changed = b / "entries" / "ew.dialogue.v1.yaml"
    changed.write_text(changed.read_text().replace("every_months: 12", "every_months: 6"))
    assert main(["criteria", "merge", str(a), str(b), "--out", str(tmp_path / "m2")]) == 1
    out_text = capsys.readouterr().out
    assert "conflict: ew.dialogue version 1" in out_text and not (tmp_path / "m2").exists()
    assert main(["criteria", "merge", str(a), str(b), "--out", str(out)]) != 0  # not into a library already there


def test_criteria_lint_checks_rule_files_against_their_entries(capsys):
    assert main(["criteria", "lint", "--catalogue", str(CATALOGUE), "--rules", str(SAMPLE_RULES)]) == 0
    out = capsys.readouterr().out
    assert "library.stage" in out and "criteria.ems" in out and "0 error(s)" in out
    assert main(["criteria", "lint", "--strict", "--rules", str(SAMPLE_RULES)]) == 1


def test_an_installed_python_package_offers_a_library_by_its_id(tmp_path, monkeypatch):
    """A library shared as a package: its folder inside the package, declared under tenderscore.criteria."""
    site = tmp_path / "site"
    package = site / "city_criteria"
    shutil.copytree(BUILTIN, package)
    (package / "__init__.py").write_text("")
    info = site / "city_criteria-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: city-criteria\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[tenderscore.criteria]\ncity-of-example = city_criteria\n")
    monkeypatch.syspath_prepend(str(site))
    path = _rule_file(tmp_path, [{"entry": "core.price-proportional", "version": 1, "weight": 100}])
    data = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**data, "library": "city-of-example"}))
    loaded = load_rules(path)
    assert loaded.libraries[0].sha256 == load_library(package).sha256
    assert main(["criteria", "list", "--library", "city-of-example", "--stage", "selection"]) == 0
