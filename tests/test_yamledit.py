"""The workspace's changes to the YAML files people also edit by hand: made in the file's own text (its
comments and layout kept), read back to exactly the data meant, else written anew with the data whole."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from scoring import yamledit
from scoring.errors import InputError


def test_an_entry_is_appended_under_the_comments_and_entries_people_wrote(tmp_path):
    path = tmp_path / "reviews.yaml"
    path.write_text(
        "# the committee's decisions\n"
        "decisions:\n"
        "  - bid: 02-officeline\n"
        "    claim: TD-OL-2026-07   # as written in the bid\n"
        "    reason: >-\n"
        "      A folded reason\n"
        "      on two lines.\n"
        "# a comment after the list\n"
    )
    entry = {"bid": "03-budgetit", "claim": "Ünïcode: a colon", "at": date(2026, 10, 21), "reason": "- a dash"}
    assert yamledit.append(path, "decisions", entry) is True
    text = path.read_text()
    assert text.startswith("# the committee's decisions\n") and "# as written in the bid" in text
    assert "# a comment after the list" in text
    data = yaml.safe_load(text)
    assert data["decisions"][0]["reason"] == "A folded reason on two lines."
    assert data["decisions"][1] == entry


@pytest.mark.parametrize(
    "text",
    ["", "answers:\n", "answers: []\nother: 1\n", "# only a comment\n", "other: {a: 1}\n", "answers: ~\n# end\n"],
)
def test_a_list_that_is_missing_or_empty_is_made(tmp_path, text):
    path = tmp_path / "clarifications.yaml"
    path.write_text(text)
    before = yaml.safe_load(text) or {}
    yamledit.append(path, "answers", {"bid": "a", "value": "1.234,50"})
    data = yaml.safe_load(path.read_text())
    assert data["answers"] == [{"bid": "a", "value": "1.234,50"}]
    assert {k: v for k, v in data.items() if k != "answers"} == {k: v for k, v in before.items() if k != "answers"}
    if "#" in text:
        assert text.split("#", 1)[1].split("\n")[0] in path.read_text()  # the comment stays


def test_keys_are_set_in_flow_and_block_entries_and_in_a_mapping(tmp_path):
    path = tmp_path / "committee.yaml"
    path.write_text(
        "members:\n"
        "  - {name: A. Janssens, role: chair}   # the chair\n"
        "  - name: B. De Smet\n"
        "    role: member\n"
        "    signed_on: 2026-01-01\n"
        "report_on: 2026-11-24\n"
    )
    assert yamledit.update(path, "members", lambda m: m["name"] == "A. Janssens", {"signed_on": date(2026, 12, 2)})
    assert yamledit.update(
        path, "members", lambda m: m["name"] == "B. De Smet", {"signed_on": date(2026, 12, 3), "note": "x: y"}
    )
    text = path.read_text()
    assert "# the chair" in text
    data = yaml.safe_load(text)
    assert data["members"] == [
        {"name": "A. Janssens", "role": "chair", "signed_on": date(2026, 12, 2)},
        {"name": "B. De Smet", "role": "member", "signed_on": date(2026, 12, 3), "note": "x: y"},
    ]
    assert data["report_on"] == date(2026, 11, 24)
    tender = tmp_path / "tender.yaml"
    tender.write_text("id: T-1   # the tender\nclarifications:\n  reply_days: 7\n")
    assert yamledit.set_key(tender, "clarifications", {"sent_on": date(2026, 12, 2)})
    assert yaml.safe_load(tender.read_text())["clarifications"] == {"reply_days": 7, "sent_on": date(2026, 12, 2)}
    assert "# the tender" in tender.read_text()


def test_what_cannot_be_changed_in_place_is_written_anew_with_its_data_whole(tmp_path):
    path = tmp_path / "committee.yaml"
    path.write_text("# kept\nmembers:\n  - name: A\n    note: |\n      a literal\n      block\n")
    assert yamledit.update(path, "members", lambda m: m["name"] == "A", {"note": "replaced"}) is False
    assert yaml.safe_load(path.read_text()) == {"members": [{"name": "A", "note": "replaced"}]}
    assert path.read_text().startswith("# kept\n")  # the header comment is carried over


def test_a_file_with_a_problem_is_never_edited(tmp_path):
    path = tmp_path / "reviews.yaml"
    broken = "decisions:\n  - bid: a\n    bid: b\n"
    path.write_text(broken)
    with pytest.raises(InputError, match="line 3"):
        yamledit.append(path, "decisions", {"bid": "c"})
    assert path.read_text() == broken
    path.write_text("decisions: {a: 1}\n")
    with pytest.raises(InputError, match="not a list"):
        yamledit.append(path, "decisions", {"bid": "c"})
    path.write_text("members:\n  - {name: A}\n  - {name: A}\n")
    with pytest.raises(InputError, match="2 entries"):
        yamledit.update(path, "members", lambda m: m["name"] == "A", {"signed_on": date(2026, 1, 1)})
    assert list(tmp_path.glob(".*.tmp")) == []  # no temporary file left behind
