"""Beyond the bid workbooks: what a hostile tenderer or a hurried buyer sends besides them (issue 20).

YAML traps, folder layouts, identifiers that would be paths, a tampered ledger, a full or read-only disk, a
killed command, bidder text that would be markup. Each finding is a test: it failed before the change.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
import yaml
from conftest import ROOT, SAMPLE_TENDER, rules_data, sample_spec, tender_data

from flows.cli import main
from scoring.audit.ledger import Ledger
from scoring.errors import InputError, LedgerError, OutputError
from scoring.pipeline import check_inputs, evaluate, run

LIBREOFFICE = ROOT / "tests" / "fixtures" / "libreoffice"


def _spec(n: int, base: str = "02-officeline.xlsx") -> dict:
    spec = sample_spec(base)
    spec["supplier"]["Registration number"] = f"BE0{700000000 + n}"
    spec["supplier"]["Supplier name"] = f"Hostile {n} NV"
    spec["labels"] = []
    return spec


def _per_lot_rules(tmp_path: Path) -> str:
    rules = rules_data()
    rules["lots"] = "separate"
    path = tmp_path / "per-lot.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    return str(path)


def _files_under(folder: Path) -> set[Path]:
    return set(folder.rglob("*")) if folder.exists() else set()


@contextmanager
def mounted(size: str = "1m"):
    """A small file system of its own (tmpfs): to fill up, to make read-only, to link to. Needs root."""
    import tempfile

    point = Path(tempfile.mkdtemp(prefix="tenderscore-mount-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True)
    if done.returncode != 0:
        point.rmdir()
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)
        shutil.rmtree(point, ignore_errors=True)


# --- paths: no value from a bid or a YAML file becomes a path ----------------------------------------------


def test_a_lot_cell_never_becomes_a_path_and_invents_no_lot(make_tender, tmp_path):
    honest = _spec(1)
    for item in honest["items"]:
        item["Lot"] = "1"
    hostile = _spec(2)
    for item in hostile["items"]:
        item["Lot"] = "/../../../../../../x"
    folder = make_tender({"a-honest.xlsx": honest, "b-hostile.xlsx": hostile}, items=[], rules=_per_lot_rules(tmp_path))
    out = tmp_path / "out"
    outside = _files_under(tmp_path) - _files_under(out)
    evaluations = run(folder, out_dir=out)
    assert [e.lot for e in evaluations] == ["1"]  # the hostile lot is not a lot
    [lot] = evaluations
    hostile_result = next(b for b in lot.bids if b.bid_id == "b-hostile")
    assert hostile_result.status.value == "rejected"
    assert "items.lot_invalid" in {i.code for i in hostile_result.issues}
    assert any("declares no lots" in w for w in map(str, lot.warnings))
    assert not Path("/x").exists() and not (tmp_path / "x").exists()
    assert _files_under(tmp_path) - _files_under(out) - {out} == outside  # nothing written beside the reports
    assert sorted(p.name for p in out.iterdir()) == ["lot-1"]

    declared = make_tender(
        {"a-honest.xlsx": honest, "c-other.xlsx": hostile | {"items": [dict(i, Lot="2") for i in hostile["items"]]}},
        name="declared",
        items=[],
        lots=["1"],
        rules=_per_lot_rules(tmp_path),
    )
    [only] = evaluate(declared)
    other = next(b for b in only.bids if b.bid_id == "c-other")
    assert only.lot == "1" and other.status.value == "rejected"
    assert "items.lot_unknown" in {i.code for i in other.issues}


def test_a_tender_id_that_is_a_path_names_one_folder_inside_the_reports(make_tender, tmp_path, monkeypatch):
    reports, seen = tmp_path / "reports", set()  # beside the tender folders, whatever the current folder
    for n, hostile in enumerate(("../../x", "/tmp/evil-tender", "..")):
        folder = make_tender({"a.xlsx": _spec(1)}, name=f"t{n}", id=hostile)
        work = tmp_path / f"work{n}"
        work.mkdir()
        monkeypatch.chdir(work)
        run(folder, write_out=True)
        [written] = set(reports.iterdir()) - seen
        seen.add(written)
        assert written.is_dir() and "/" not in written.name and not written.name.startswith(".")
        assert (written / "evaluation.json").is_file()
        assert list(work.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(("t", "work"))) == ["reports"]
    assert not Path("/tmp/evil-tender").exists()


def test_two_files_with_one_stem_are_two_bids_on_either_database(make_tender, tmp_path, database_url):
    folder = make_tender({"a.xlsx": _spec(1)})
    shutil.copyfile(LIBREOFFICE / "greenbyte.ods", folder / "bids" / "a.ods")
    ledger = Ledger(database_url)
    try:
        [evaluation] = run(folder, ledger=ledger, out_dir=tmp_path / "out")
    finally:
        ledger.engine.dispose()
    assert sorted(b.bid_id for b in evaluation.bids) == ["a.ods", "a.xlsx"]
    assert {b.status.value for b in evaluation.bids} == {"ranked"}
    letters = sorted(p.name for p in (tmp_path / "out" / "letters").iterdir())
    assert letters == ["a.ods.html", "a.ods.md", "a.xlsx.html", "a.xlsx.md"]


def test_every_entry_of_the_bids_folder_comes_out_once_with_its_code(make_tender, tmp_path):
    folder = make_tender({"01-plain.xlsx": _spec(1)})
    bids = folder / "bids"
    (bids / "02-in-a-folder").mkdir()
    shutil.copyfile(bids / "01-plain.xlsx", bids / "02-in-a-folder" / "bid.xlsx")
    (bids / "03-folder.xlsx").mkdir()
    os.symlink(tmp_path / "nowhere.xlsx", bids / "04-dangling.xlsx")
    os.mkfifo(bids / "05-fifo.xlsx")
    secret = tmp_path / "secret.xlsx"
    shutil.copyfile(bids / "01-plain.xlsx", secret)
    os.symlink(secret, bids / "06-outside.xlsx")
    os.symlink("/etc/passwd", bids / "07-passwd.xlsx")
    spare = _spec(8)
    from sample_bids.generate import write_bid

    write_bid(folder / "spare.xlsx", **spare)
    os.symlink(folder / "spare.xlsx", bids / "08-inside.xlsx")  # a link inside the tender folder is read
    (bids / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (bids / "~$01-plain.xlsx").write_bytes(b"lock")
    started = time.monotonic()
    [evaluation] = evaluate(folder)
    assert time.monotonic() - started < 120  # the FIFO is never opened (a read would block forever)
    found = {b.file: (b.status.value, {i.code for i in b.issues}) for b in evaluation.bids}
    assert sorted(found) == [
        "01-plain.xlsx",
        "02-in-a-folder",
        "03-folder.xlsx",
        "04-dangling.xlsx",
        "05-fifo.xlsx",
        "06-outside.xlsx",
        "07-passwd.xlsx",
        "08-inside.xlsx",
    ]
    assert found["01-plain.xlsx"][0] == found["08-inside.xlsx"][0] == "ranked"
    for name, code in [
        ("02-in-a-folder", "file.folder"),
        ("03-folder.xlsx", "file.folder"),
        ("04-dangling.xlsx", "file.broken_link"),
        ("05-fifo.xlsx", "file.not_a_file"),
        ("06-outside.xlsx", "file.outside_folder"),
        ("07-passwd.xlsx", "file.outside_folder"),
    ]:
        assert found[name] == ("rejected", {code}), name
    messages = [i.message for b in evaluation.bids for i in b.issues]
    assert not [m for m in messages if str(tmp_path) in m or "/etc" in m]  # never a server path
    assert "bid.xlsx" in next(m for m in messages if m.startswith("02-in-a-folder"))
    assert any(".DS_Store (a hidden file)" in w and "~$01-plain.xlsx" in w for w in map(str, evaluation.warnings))


# --- YAML: one strict loader for every file ----------------------------------------------------------------


def _write_tender_yaml(folder: Path, text: str) -> None:
    (folder / "tender.yaml").write_text(text, encoding="utf-8")


def test_a_duplicate_key_is_an_error_naming_file_line_and_key(make_tender, capsys):
    folder = make_tender({"a.xlsx": _spec(1)})
    text = (folder / "tender.yaml").read_text()
    _write_tender_yaml(folder, text + "id: ANOTHER\n")
    assert main(["evaluate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "tender.yaml, line" in err and "the key 'id' is given twice in one mapping" in err
    (folder / "reviews.yaml").write_text(
        "decisions:\n  - {bid: a, claim: X, decision: accept, by: me, at: 2026-10-20, reason: ok, reason: twice}\n"
    )
    _write_tender_yaml(folder, text)
    with pytest.raises(InputError, match=r"reviews.yaml, line 2: the key 'reason' is given twice"):
        run(folder)


def test_deep_nesting_an_alias_bomb_and_an_impossible_date_exit_2_naming_the_file(make_tender):
    folder = make_tender({"a.xlsx": _spec(1)})
    text = (folder / "tender.yaml").read_text()
    cases = {
        "deep": text + "notes: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "laughs": text + "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9) if n else 'lol'}]\n" for n in range(9)),
    }
    for name, content in cases.items():
        _write_tender_yaml(folder, content)
        for command, code, said in (("check", 1, "stdout"), ("evaluate", 2, "stderr")):
            done = subprocess.run(
                [sys.executable, "-m", "flows.cli", command, str(folder)], capture_output=True, text=True, timeout=120
            )
            assert done.returncode == code, (name, command, done.returncode, done.stderr[-500:])
            assert "tender.yaml, line" in getattr(done, said) and "Traceback" not in done.stderr, (name, command)
    _write_tender_yaml(folder, text)
    (folder / "reviews.yaml").write_text(
        "decisions:\n  - {bid: a, claim: X, decision: accept, by: me, at: 2026-02-30, reason: ok}\n"
    )
    with pytest.raises(InputError) as raised:
        run(folder)
    assert str(raised.value).endswith(
        "reviews.yaml, line 2, at 'decisions[#1].at': "
        "not a date (YYYY-MM-DD, or day first: 21/10/2026) (found '2026-02-30')"
    )
    assert main(["evaluate", str(folder)]) == 2


def test_each_problem_is_named_in_the_file_it_is_in(make_tender):
    folder = make_tender({"a.xlsx": _spec(1)})
    data = tender_data()
    data["items"][0]["quantity"] = float("nan")
    text = yaml.safe_dump(data, sort_keys=False)
    assert ".nan" in text
    _write_tender_yaml(folder, text)
    (folder / "committee.yaml").write_text("members:\n  - {name: A. Member, declared_on: someday}\n")
    with pytest.raises(InputError) as raised:
        run(folder)
    problems = [str(p) for p in raised.value.problems]
    assert any(
        p.endswith(
            "committee.yaml, line 2, at 'members[#1].declared_on': "
            "not a date (YYYY-MM-DD, or day first: 21/10/2026) (found 'someday')"
        )
        for p in problems
    )
    assert any("tender.yaml, line" in p and "at 'items[#1].quantity'" in p and "'.nan'" in p for p in problems)
    assert not any("committee.yaml" in p and "items" in p for p in problems)


def test_values_that_would_break_the_evaluation_are_refused_where_they_are_written(make_tender):
    folder = make_tender({"a.xlsx": _spec(1)}, locale="BE")
    with pytest.raises(InputError) as raised:
        run(folder)
    assert "'BE' is a country, not a locale" in str(raised.value) and "nl-BE" in str(raised.value)
    assert "fr-BE" in str(raised.value)
    data = tender_data()
    data["items"][0]["quantity"] = -200
    _write_tender_yaml(folder, yaml.safe_dump(data))
    with pytest.raises(InputError, match=r"at 'items\[#1\].quantity': must be greater than 0 \(found -200\)"):
        run(folder)
    _write_tender_yaml(folder, yaml.safe_dump(tender_data()))
    (folder / "clarifications.yaml").write_text(
        "answers:\n  - {bid: a, field: Registration number, value: {a: 1}, received_on: 2026-10-20, by: me}\n"
    )
    with pytest.raises(InputError, match=r"at 'answers\[#1\].value': an answer is one value"):
        run(folder)


def test_check_lists_every_problem_at_once_and_writes_nothing(make_tender, tmp_path, capsys):
    folder = make_tender({"a.xlsx": _spec(1), "b.xlsx": b"not a workbook"})
    rules = rules_data()
    warranty = next(c for c in rules["criteria"] if c["id"] == "warranty")
    warranty["params"]["best"] = "five"
    rules["criteria"][0]["wieght"] = 50
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(yaml.safe_dump(rules, sort_keys=False))
    data = tender_data(rules=str(rules_file), locale="XX-yy")
    data["items"][0]["quantity"] = 0
    _write_tender_yaml(folder, yaml.safe_dump(data, sort_keys=False))
    (folder / "reviews.yaml").write_text(
        "decisions:\n  - {bid: a, claim: X, decision: acept, by: me, at: 2026-10-20}\n"
    )
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    home = Path(os.environ["TENDERSCORE_HOME"])
    ledger_before = sorted(home.rglob("*")) if home.exists() else []

    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if line.startswith("problem: ")]
    assert any("tender.yaml" in p and "locale" in p for p in problems)
    assert any("tender.yaml" in p and "items[#1].quantity': must be greater than 0 (found 0)" in p for p in problems)
    assert any("rules.yaml" in p and "criteria[warranty].params.best" in p and "(found 'five')" in p for p in problems)
    assert any("criteria[price].wieght': unknown key; did you mean 'weight'?" in p for p in problems)
    assert any("reviews.yaml" in p and "decision" in p and "'acept'" in p for p in problems)
    assert any("reviews.yaml" in p and "decisions[#1].reason': required key is missing" in p for p in problems)
    assert "and 1 more problem" not in out
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before  # nothing written
    assert (sorted(home.rglob("*")) if home.exists() else []) == ledger_before  # nothing recorded

    fine = make_tender({"a.xlsx": _spec(1), "b.xlsx": b"not a workbook"}, name="fine")
    assert main(["check", str(fine)]) == 0
    out = capsys.readouterr().out
    assert "b.xlsx: file.not_workbook" in out and "evaluate can run" in out
    assert main(["check", str(tmp_path / "nowhere")]) == 2
    assert check_inputs(fine).problems == []


# --- the ledger: what an auditor trusts is covered ---------------------------------------------------------


def _unguard(ledger: Ledger) -> None:
    """What someone with database access can do: remove the triggers that refuse changes."""
    with ledger.engine.begin() as db:
        for t in ("runs", "bid_results", "criterion_results", "bid_sources"):
            if ledger.engine.dialect.name == "sqlite":
                for action in ("update", "delete"):
                    db.exec_driver_sql(f"DROP TRIGGER IF EXISTS {t}_no_{action}")
            else:
                db.exec_driver_sql(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}")


@pytest.fixture
def sample_copy(tmp_path):
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_TENDER, folder)
    data = yaml.safe_load((folder / "tender.yaml").read_text())
    data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
    (folder / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def test_a_changed_cache_row_is_never_used_and_verify_names_it(sample_copy, database_url):
    ledger = Ledger(database_url)
    try:
        [first] = run(sample_copy, ledger=ledger)
        with ledger.engine.begin() as db:  # the caches are not append-only: anyone with access can edit them
            rows = db.execute(sa.text("select file_sha256, tender_key, read_result from parsed_bids")).all()
            target = next(r for r in rows if "GreenByte" in r.read_result)
            cheaper = target.read_result.replace('"unit_price":"989"', '"unit_price":"1"', 1)
            assert cheaper != target.read_result
            db.execute(
                sa.text("update parsed_bids set read_result = :t where file_sha256 = :f"),
                {"t": cheaper, "f": target.file_sha256},
            )
        problems = ledger.verify()
        assert len(problems) == 1 and "cache parsed_bids" in problems[0] and "does not match its hash" in problems[0]
        [second] = run(sample_copy, ledger=ledger)
        greenbyte = next(b for b in second.bids if b.bid_id == "01-greenbyte")
        assert greenbyte.total_price == next(b for b in first.bids if b.bid_id == "01-greenbyte").total_price
        assert any("did not hold what its hash says" in w for w in map(str, second.warnings))
        sources = {s["file"]: s["parse"] for s in ledger.sources_of(second.run_id or "")}
        assert sources["01-greenbyte.xlsx"] == "rejected" and sources["02-officeline.xlsx"] == "cache"
        assert ledger.verify() == []  # the refused row was computed again
    finally:
        ledger.engine.dispose()


def test_removing_the_newest_records_is_found_with_the_head_a_report_printed(sample_copy, database_url, tmp_path):
    ledger = Ledger(database_url)
    try:
        runs = [run(sample_copy, ledger=ledger, out_dir=tmp_path / f"out{n}")[0] for n in range(3)]
        printed = json.loads((tmp_path / "out2" / "evaluation.json").read_text())["ledger"]
        assert printed == {"record": 3, "hash": runs[2].ledger_hash}
        assert f"hash {runs[2].ledger_hash}" in (tmp_path / "out2" / "report.html").read_text()
        assert ledger.verify(head=printed["hash"]) == []
        _unguard(ledger)
        with ledger.engine.begin() as db:
            for table in ("bid_sources", "criterion_results", "bid_results", "runs"):
                db.execute(sa.text(f"delete from {table} where run_id = :r"), {"r": runs[2].run_id})
        assert ledger.verify() == []  # the chain alone cannot see its newest record removed
        [problem] = ledger.verify(head=printed["hash"])
        assert "is not in the ledger" in problem
        assert ledger.verify(head=printed["hash"][:16]) == [problem.replace(printed["hash"], printed["hash"][:16])]
        with ledger.engine.begin() as db:
            for table in ("bid_sources", "criterion_results", "bid_results", "runs"):
                db.execute(sa.text(f"delete from {table}"))
        assert ledger.verify() == [] and len(ledger.verify(head=printed["hash"])) == 1
    finally:
        ledger.engine.dispose()


def test_a_rewritten_chain_is_found_with_the_ledger_key(sample_copy, database_url, monkeypatch):
    from scoring.audit.ledger import _rows, record_hash

    monkeypatch.setenv("TENDERSCORE_LEDGER_KEY", "the committee's secret")
    ledger = Ledger(database_url)
    try:
        first, second = (run(sample_copy, ledger=ledger)[0] for _ in range(2))
        assert ledger.verify() == []
        _unguard(ledger)
        # Someone with the database and the code, not the key: a consistent rewrite of the newest record.
        with ledger.engine.begin() as db:
            row = dict(
                db.execute(sa.text("select * from runs where run_id = :r"), {"r": second.run_id}).mappings().one()
            )
            row["trigger"] = "schedule"
            bids, criteria = _rows(row["run_id"], json.loads(row["payload"]))
            db.execute(
                sa.text("update runs set trigger = :t, record_hash = :h where run_id = :r"),
                {"t": "schedule", "h": record_hash(row, bids, criteria), "r": second.run_id},
            )
        monkeypatch.delenv("TENDERSCORE_LEDGER_KEY")
        assert ledger.verify() == []  # without the key the rewrite holds together
        monkeypatch.setenv("TENDERSCORE_LEDGER_KEY", "the committee's secret")
        [problem] = ledger.verify()
        assert second.run_id in problem and "MAC does not match" in problem
        monkeypatch.setenv("TENDERSCORE_LEDGER_KEY", "another key")
        assert first.run_id in ledger.verify()[0]
    finally:
        ledger.engine.dispose()


def test_audit_verify_refuses_a_missing_or_broken_ledger(tmp_path, monkeypatch, capsys, sample_copy):
    monkeypatch.delenv("TENDERSCORE_DATABASE_URL", raising=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("TENDERSCORE_HOME", str(empty))
    assert main(["audit", "verify"]) == 1
    assert f"no ledger at {empty / 'ledger.sqlite'}" in capsys.readouterr().err
    assert list(empty.iterdir()) == []  # none created
    monkeypatch.setenv("TENDERSCORE_HOME", str(tmp_path / "never-made"))
    assert main(["audit", "verify"]) == 1 and not (tmp_path / "never-made").exists()
    capsys.readouterr()
    (empty / "ledger.sqlite").write_bytes(os.urandom(8192))
    monkeypatch.setenv("TENDERSCORE_HOME", str(empty))
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "is unreadable: it is not a ledger database, or it is damaged" in err and "Traceback" not in err
    real = tmp_path / "real"
    real.mkdir()
    ledger = Ledger(f"sqlite:///{real / 'ledger.sqlite'}")
    run(sample_copy, ledger=ledger)
    ledger.engine.dispose()
    data = (real / "ledger.sqlite").read_bytes()
    (real / "ledger.sqlite").write_bytes(data[: len(data) // 3])
    for name in ("ledger.sqlite-wal", "ledger.sqlite-shm"):
        (real / name).unlink(missing_ok=True)
    monkeypatch.setenv("TENDERSCORE_HOME", str(real))
    assert main(["audit", "verify"]) == 1
    assert "tenderscore: error: the ledger" in capsys.readouterr().err


def test_verify_never_makes_a_ledger_where_there_is_none(database_url):
    with pytest.raises(LedgerError, match="no ledger at"):
        Ledger(database_url, create=False)
    if database_url.startswith("sqlite"):
        assert not Path(sa.engine.make_url(database_url).database or "").exists()
    else:
        engine = sa.create_engine(database_url)
        assert sa.inspect(engine).get_table_names() == []  # nothing created in the database
        engine.dispose()


def test_long_identifiers_are_taken_by_both_databases(make_tender, tmp_path, database_url):
    stem = "b" * 240
    long_lot = "Lot " + "9" * 80
    spec = _spec(1)
    for item in spec["items"]:
        item["Lot"] = long_lot
    folder = make_tender({f"{stem}.xlsx": spec}, items=[], lots=[long_lot], rules=_per_lot_rules(tmp_path))
    ledger = Ledger(database_url)
    try:
        [evaluation] = run(folder, ledger=ledger, out_dir=tmp_path / "out")
        assert evaluation.lot == long_lot and evaluation.bids[0].bid_id == stem
        assert ledger.verify() == [] and ledger.runs_of()[0].lot == long_lot
        [lot_folder] = list((tmp_path / "out").iterdir())
        assert len(lot_folder.name) < 100  # the folder name is a safe form of the lot, with its hash
    finally:
        ledger.engine.dispose()


# --- writing and stopping ----------------------------------------------------------------------------------


def test_a_full_disk_or_a_read_only_folder_records_nothing_and_says_so(sample_copy, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    try:
        with mounted("1m") as small:
            (small / "filler").write_bytes(b"\0" * 900_000)  # the reports need some 300 kB
            with pytest.raises(OutputError, match="the disk is full"):
                run(sample_copy, ledger=ledger, out_dir=small / "out")
            assert ledger.runs_of() == []  # nothing recorded: no report was written
            assert list((small / "out").iterdir()) == []  # and no staging folder left
        with mounted("20m") as folder:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
            with pytest.raises(OutputError, match="read-only"):
                run(sample_copy, ledger=ledger, out_dir=folder / "out")
            assert ledger.runs_of() == []
    finally:
        ledger.engine.dispose()


def test_an_out_folder_linked_to_another_file_system_is_written_there(sample_copy, tmp_path):
    with mounted("20m") as elsewhere:
        link = tmp_path / "out"
        os.symlink(elsewhere, link)
        ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
        try:
            run(sample_copy, ledger=ledger, out_dir=link)
            run(sample_copy, ledger=ledger, out_dir=link)  # again: replacing letters/ across the link
        finally:
            ledger.engine.dispose()
        assert (elsewhere / "evaluation.json").is_file() and (elsewhere / "letters").is_dir()
        assert not [p for p in elsewhere.iterdir() if p.name.startswith(".")]  # no staging left behind
        assert len(ledger.runs_of()) == 2


def test_a_full_disk_under_the_sqlite_ledger_is_one_clear_error(sample_copy, tmp_path):
    with mounted("2m") as small:
        ledger = Ledger(f"sqlite:///{small / 'ledger.sqlite'}")
        try:
            (small / "filler").write_bytes(b"\0" * (small.stat().st_size or 0))
            with pytest.raises(OSError), (small / "filler").open("ab") as handle:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            with pytest.raises(LedgerError, match="the disk is full"):
                for _ in range(3):
                    run(sample_copy, ledger=ledger, out_dir=tmp_path / "out")
        finally:
            ledger.engine.dispose()


@pytest.mark.slow
def test_kill_9_of_the_command_takes_its_prefect_server_with_it(sample_copy, tmp_path):
    env = {**os.environ, "TENDERSCORE_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_API_URL", None)
    command = [str(Path(sys.executable).parent / "tenderscore"), "evaluate", str(sample_copy), "--out", str(tmp_path)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    server = None
    while time.monotonic() < deadline and server is None and process.poll() is None:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        found = children.read_text().split() if children.exists() else []
        server = next((int(c) for c in found if b"uvicorn" in Path(f"/proc/{c}/cmdline").read_bytes()), None)
        time.sleep(0.2)
    assert server is not None, "the command started no server of its own"
    process.send_signal(signal.SIGKILL)
    process.wait()
    for _ in range(50):
        if not Path(f"/proc/{server}").exists() or "Z" in Path(f"/proc/{server}/stat").read_text().split()[2]:
            break
        time.sleep(0.2)
    alive = Path(f"/proc/{server}").exists() and "Z" not in Path(f"/proc/{server}/stat").read_text().split()[2]
    if alive:
        os.kill(server, signal.SIGKILL)
    assert not alive, "Prefect's server outlived the command killed with -9"


# --- outputs -----------------------------------------------------------------------------------------------


def test_bidder_markup_and_direction_controls_are_inert_in_every_format(make_tender, tmp_path, capsys):
    from flows.cli import print_ranking

    spec = _spec(1)
    spec["supplier"]["Supplier name"] = "Evil\u202eVN <script>alert(1)</script> [click](http://attacker.invalid)"
    spec["items"][0]["Model"] = "<img src=x onerror=alert(2)>"
    folder = make_tender({"<img src=x onerror=alert(1)>.xlsx": spec, "02-fine.xlsx": _spec(2)})
    out = tmp_path / "out"
    [evaluation] = run(folder, out_dir=out)
    texts = {p: p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in (".md", ".html", ".json")}
    assert any(p.parent.name == "letters" and p.suffix == ".md" for p in texts)
    for path, text in texts.items():
        assert "\u202e" not in text, path
        if path.suffix == ".md" or path.suffix == ".html":
            assert "<img" not in text and "<script" not in text, path
        if path.suffix == ".md":  # a link cannot form: its brackets are escaped
            assert "[click](" not in text.replace("\\[click\\](", ""), path
    summary = texts[out / "summary.md"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in summary and r"Evil\[U+202E\]VN" in summary
    document = json.loads(texts[out / "evaluation.json"])  # JSON keeps the data exactly, escaped
    assert any("\u202e" in (b["supplier"] or "") for b in document["bids"])
    assert "\\u202e" in texts[out / "evaluation.json"]
    book = openpyxl.load_workbook(out / "evaluation.xlsx")
    cells = [str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if "\u202e" in c] and any("[U+202E]" in c for c in cells)
    print_ranking(evaluation)
    assert "\u202e" not in capsys.readouterr().out


def test_two_recorded_runs_of_the_same_inputs_differ_only_in_what_the_readme_lists(sample_copy, tmp_path):
    runs = []
    for n in range(2):  # two ledgers: neither run has a previous one to list changes since
        ledger = Ledger(f"sqlite:///{tmp_path / f'ledger{n}.sqlite'}")
        try:
            runs.append(run(sample_copy, ledger=ledger, out_dir=tmp_path / f"out{n}")[0])
        finally:
            ledger.engine.dispose()
        time.sleep(1.1)  # the recorded times differ
    guide = (ROOT / "docs" / "reports.md").read_text()
    assert "`run_id`, `kind`, `previous_run_id` and the ledger head" in guide

    def normalised(text: str, evaluation) -> str:
        for value in (evaluation.run_id, evaluation.ledger_hash):
            text = text.replace(value, "<listed>")
        return text

    first, second = (tmp_path / "out0", runs[0]), (tmp_path / "out1", runs[1])
    names = sorted(p.relative_to(first[0]) for p in first[0].rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second[0]) for p in second[0].rglob("*") if p.is_file())
    for name in names:
        if name.suffix == ".xlsx":
            a, b = (
                [
                    normalised(str(c.value), ev)
                    for ws in openpyxl.load_workbook(folder / name)
                    for row in ws.iter_rows()
                    for c in row
                ]
                for folder, ev in (first, second)
            )
        else:
            a, b = (normalised((folder / name).read_text(encoding="utf-8"), ev) for folder, ev in (first, second))
        assert a == b, name


@pytest.mark.slow
def test_the_command_on_a_full_disk_says_so_in_one_line_and_records_nothing(sample_copy, tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "TENDERSCORE_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    with mounted("1m") as small:
        (small / "filler").write_bytes(b"\0" * 900_000)
        command = [str(Path(sys.executable).parent / "tenderscore"), "evaluate", str(sample_copy), "--out", str(small)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    said = done.stderr.strip().splitlines()
    assert said[0] == "Prefect: a server of its own, for this command (none is serving)"  # which server, first
    [line] = said[1:]
    assert line.startswith("tenderscore: error: ") and "the disk is full" in line
    ledger = Ledger(f"sqlite:///{home / 'ledger.sqlite'}")
    assert ledger.runs_of() == []
    ledger.engine.dispose()


def test_dates_in_the_committees_files_as_europeans_write_them(tmp_path):
    """21/10/2026, 21.10.2026 and 21-10-2026 are days in reviews.yaml, committee.yaml and tender.yaml as they
    are in the workspace's forms; 10/21/2026 (month first) and 31/02/2026 are refused, named at their key."""
    import shutil

    from conftest import SAMPLE_RULES, SAMPLE_TENDER

    from scoring.claims.reviews import load_reviews
    from scoring.errors import InputError
    from scoring.intake.tender import load_tender

    folder = tmp_path / "tender"
    shutil.copytree(SAMPLE_TENDER, folder)
    (folder / "reviews.yaml").write_text(
        "decisions:\n  - {bid: a, claim: X, decision: accept, by: me, at: 21/10/2026, reason: ok}\n"
        "  - {bid: b, claim: Y, decision: reject, by: me, at: 21.10.2026, reason: ok}\n"
    )
    assert [d.at for d in load_reviews(folder).decisions] == [date(2026, 10, 21)] * 2
    committee = (folder / "committee.yaml").read_text().replace("declared_on: 2026-10-16", "declared_on: 16-10-2026")
    (folder / "committee.yaml").write_text(committee)
    tender = yaml.safe_load((folder / "tender.yaml").read_text())
    tender["rules"] = str(SAMPLE_RULES)
    (folder / "tender.yaml").write_text(
        yaml.safe_dump(tender, sort_keys=False).replace("contract_start: 2027-01-01", "contract_start: 01/01/2027")
    )
    loaded = load_tender(folder)
    assert loaded.contract_start == date(2027, 1, 1)
    assert {m.declared_on for m in loaded.committee} == {date(2026, 10, 16)}
    for wrong in ("10/21/2026", "31/02/2026"):
        (folder / "reviews.yaml").write_text(
            f"decisions:\n  - {{bid: a, claim: X, decision: accept, by: me, at: '{wrong}', reason: ok}}\n"
        )
        with pytest.raises(InputError) as refused:
            load_reviews(folder)
        assert f"at 'decisions[#1].at': not a date (YYYY-MM-DD, or day first: 21/10/2026) (found '{wrong}')" in str(
            refused.value
        )
