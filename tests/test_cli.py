"""The tenderscore command: clear errors naming the file, and a full run on the sample tender."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT, SAMPLE_TENDER, decide, rules_data

from flows.cli import main


def test_a_missing_tender_yaml_names_the_file(tmp_path, capsys):
    (tmp_path / "bids").mkdir()
    assert main(["evaluate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'tender.yaml'}: missing" in err


def test_a_missing_tender_folder(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "nowhere")]) == 2
    assert "tender folder not found" in capsys.readouterr().err


def test_a_bad_tender_yaml_names_the_key(make_tender, capsys):
    folder = make_tender({}, bid_deadline="next Friday")
    assert main(["evaluate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "tender.yaml, line 5, at 'bid_deadline': not a date and time" in err


def test_a_bad_rule_file_names_file_and_key(make_tender, tmp_path, capsys):
    rules = rules_data()
    rules["criteria"][0]["weight"] = 55
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(rules))
    folder = make_tender({})
    assert main(["evaluate", str(folder), "--rules", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "'criteria'" in err and "sum to 105, not 100" in err
    assert main(["check-rules", str(bad)]) == 2


def test_check_rules_prints_the_criteria(capsys):
    assert main(["check-rules", str(ROOT / "rules" / "computers-2026.yaml")]) == 0
    out = capsys.readouterr().out
    assert "rule set computers-2026" in out and "price_proportional" in out


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """One real run of the installed command, as a user types it."""
    work = tmp_path_factory.mktemp("cli")
    tender = work / "tender"
    shutil.copytree(SAMPLE_TENDER, tender)
    data = yaml.safe_load((tender / "tender.yaml").read_text())
    data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
    (tender / "tender.yaml").write_text(yaml.safe_dump(data))
    # A damaged workbook beside the sample bids: it must come out rejected, naming the file.
    (tender / "bids" / "11-damaged.xlsx").write_bytes((tender / "bids" / "01-greenbyte.xlsx").read_bytes()[:3000])
    command = [sys.executable, "-m", "flows.cli", "evaluate", str(tender), "--out", str(work / "out")]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    return done, work / "out"


@pytest.mark.slow
def test_the_cli_prints_the_ranking_and_writes_reports(cli_run):
    done, out = cli_run
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    first = next(line for line in lines if line.strip().startswith("1 "))
    assert "01-greenbyte" in first and "91.25" in first
    assert "excluded  08-lowcost" in done.stdout
    assert "rule set warning: lint.company_level at criteria.ems" in done.stdout
    assert "1 claim(s) await review" in done.stdout and "03-budgetit: BIT-DOSSIER-AM240" in done.stdout
    for name in ("evaluation.xlsx", "evaluation.json", "summary.md"):
        assert (out / name).is_file()


@pytest.mark.slow
def test_an_unreadable_bid_is_rejected_with_a_clear_message(cli_run):
    done, out = cli_run
    doc = json.loads((out / "evaluation.json").read_text())
    damaged = next(b for b in doc["bids"] if b["file"] == "11-damaged.xlsx")
    assert damaged["status"] == "rejected"
    assert damaged["issues"][0]["code"] in ("file.not_workbook", "file.unreadable")
    assert "11-damaged.xlsx" in damaged["issues"][0]["message"]
    assert "rejected  11-damaged" in done.stdout
    assert len(doc["bids"]) == 11


def test_status_send_and_award_in_the_order_the_law_sets(tmp_path, monkeypatch, capsys):
    """The sample, its review decided and its report signed: status says what is left, send dates and records
    the letters, and the award waits for the recorded evaluation, the letters and the end of the standstill."""
    from datetime import date, timedelta

    from scoring.audit.ledger import open_ledger
    from scoring.pipeline import run

    tender = tmp_path / "tender"
    shutil.copytree(SAMPLE_TENDER, tender)
    data = yaml.safe_load((tender / "tender.yaml").read_text())
    data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
    (tender / "tender.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("TENDERSCORE_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    monkeypatch.chdir(tmp_path)
    assert main(["status", str(tender)]) == 1
    said = capsys.readouterr().out
    assert "claim BIT-DOSSIER-AM240 of 03-budgetit awaits the committee's review" in said
    assert "A. Janssens has not signed the evaluation report" in said and "C. Lambert" not in said  # stood aside
    assert said.index("BIT-DOSSIER-AM240") < said.index("has not signed")  # reviews first, signatures after
    today = date.today()
    assert main(["award", str(tender), "01-greenbyte", "--on", "20 Nov"]) == 2
    assert "--on: '20 Nov' is not a date" in capsys.readouterr().err
    assert main(["award", str(tender), "01-greenbyte"]) == 2
    assert "has not been evaluated" in capsys.readouterr().err
    decide(tender, sent_on=None)
    run(tender, ledger=open_ledger())
    assert main(["send", str(tender), "--on", (today - timedelta(days=1)).isoformat()]) == 2
    assert "is in the past" in capsys.readouterr().err
    assert main(["award", str(tender), "01-greenbyte"]) == 2
    assert "has not been sent to the tenderers" in capsys.readouterr().err
    assert main(["status", str(tender)]) == 0
    assert "ready: the letters may be sent" in capsys.readouterr().out
    assert main(["send", str(tender), "--by", "B. De Smet"]) == 0
    said = capsys.readouterr().out
    assert f"sent: 9 letters in {tmp_path}/reports/CITY-ICT-2026-014/sent/" in said  # one per tenderer, absolute
    sent_folder = tmp_path / "reports" / "CITY-ICT-2026-014" / "sent" / today.isoformat()
    letter = (sent_folder / "01-greenbyte.md").read_text()
    assert not letter.startswith("**DRAFT") and today.strftime("%Y") in letter
    assert main(["send", str(tender)]) == 2
    assert "sent on" in capsys.readouterr().err  # never twice
    assert main(["status", str(tender)]) == 0
    said = capsys.readouterr().out
    assert "letters sent on" in said and "standstill ends" in said
    signing = date.fromisoformat(said.split("may be signed from ")[1].split()[0])
    assert signing >= today + timedelta(days=16)  # Belgium: 15 days from the day after sending
    assert main(["award", str(tender), "01-greenbyte", "--on", (signing - timedelta(days=1)).isoformat()]) == 2
    assert f"may be concluded from {signing.isoformat()}" in capsys.readouterr().err
    assert main(["award", str(tender), "08-lowcost", "--on", signing.isoformat()]) == 2
    assert "bid 08-lowcost is excluded, not ranked" in capsys.readouterr().err
    assert main(["award", str(tender), "01-greenbyte", "--on", signing.isoformat(), "--by", "College"]) == 0
    out = capsys.readouterr().out
    assert f"awarded to GreenByte Solutions NV (bid 01-greenbyte) on {signing.isoformat()}" in out
    assert f"publish the contract award notice by {(signing + timedelta(days=30)).isoformat()}" in out
    assert "certificate:TCO-9-VG24-0112: TCO Certified certificate TCO-9-VG24-0112" in out and "(2028-05-31)" in out
    assert f"written to {tmp_path}/reports/CITY-ICT-2026-014/follow-up/" in out
    assert (tmp_path / "reports" / "CITY-ICT-2026-014" / "follow-up" / "follow-up.ics").is_file()
    assert (sent_folder / "01-greenbyte.md").read_text() == letter  # the award wrote nothing over a sent letter


def test_where_a_run_writes_does_not_depend_on_the_current_folder(tmp_path, monkeypatch):
    """A worker's current folder is a temporary one: the ledger's default is the user's data folder and the
    reports' is reports/<tender>/ beside the tender folder, both absolute, whatever the current folder."""
    from conftest import decided_sample

    from scoring.audit.ledger import Ledger, database_url
    from scoring.pipeline import run

    folder = decided_sample(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("TENDERSCORE_HOME")
    monkeypatch.delenv("TENDERSCORE_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert database_url() == f"sqlite:///{tmp_path}/data/tenderscore/ledger.sqlite"
    ledger = Ledger(database_url())
    run(folder, ledger=ledger, write_out=True)
    assert (tmp_path / "reports" / "CITY-ICT-2026-014" / "evaluation.json").is_file()
    assert list(elsewhere.iterdir()) == []  # nothing where the run happened to be started
    ledger.engine.dispose()
    (elsewhere / ".tenderscore").mkdir()  # a ledger where earlier versions kept it goes on being used
    (elsewhere / ".tenderscore" / "ledger.sqlite").touch()
    assert database_url() == f"sqlite:///{elsewhere}/.tenderscore/ledger.sqlite"
    monkeypatch.setenv("TENDERSCORE_HOME", "relative/home")
    assert database_url() == f"sqlite:///{elsewhere}/relative/home/ledger.sqlite"
