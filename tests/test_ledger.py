"""The evaluation ledger on SQLite and PostgreSQL: append-only, chained, and tampering detected."""

import json

import pytest
import sqlalchemy as sa
from conftest import SAMPLE_TENDER

from flows.cli import main
from scoring.audit.ledger import Ledger
from scoring.audit.runs import record_run
from scoring.pipeline import evaluate_tender, prepare


@pytest.fixture
def ledger(database_url):
    ledger = Ledger(database_url)
    yield ledger
    ledger.engine.dispose()


@pytest.fixture(scope="module")
def sample():
    prepared = prepare(SAMPLE_TENDER)
    tender, rules = prepared.tender, prepared.rules
    return tender, rules, evaluate_tender(SAMPLE_TENDER)


def _three_runs(ledger, sample):
    tender, rules, evaluation = sample
    return [record_run(ledger, evaluation, tender, rules, "manual") for _ in range(3)]


def _unguard(ledger):
    """What someone with database access can do: remove the triggers that refuse changes."""
    with ledger.engine.begin() as db:
        if ledger.engine.dialect.name == "sqlite":
            for t in ("runs", "bid_results", "criterion_results"):
                for action in ("update", "delete"):
                    db.exec_driver_sql(f"DROP TRIGGER IF EXISTS {t}_no_{action}")
        else:
            for t in ("runs", "bid_results", "criterion_results"):
                db.exec_driver_sql(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}")


def test_a_fresh_ledger_chains_its_runs_and_verifies(ledger, sample):
    first, second, third = _three_runs(ledger, sample)
    assert (first.previous_run_id, second.previous_run_id, third.previous_run_id) == (None, first.run_id, second.run_id)
    assert first.kind == "official"
    assert ledger.verify() == []
    stored = ledger.runs_of("CITY-ICT-2026-014")
    assert [r.seq for r in stored] == [1, 2, 3]
    assert json.loads(stored[0].inputs)["bids/01-greenbyte.xlsx"] == sample[2].bids[0].file_sha256
    with ledger.engine.connect() as db:
        rows = db.execute(sa.text("select count(*) from criterion_results")).scalar()
    assert rows == 3 * 6 * 13  # three runs, six ranked bids, thirteen criteria


def test_the_ledger_refuses_updates_and_deletes(ledger, sample):
    _three_runs(ledger, sample)
    for statement in ("update criterion_results set points = '99'", "delete from runs"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), ledger.engine.begin() as db:
            db.exec_driver_sql(statement)


def test_an_edited_row_is_found_and_named(ledger, sample):
    first, second, third = _three_runs(ledger, sample)
    _unguard(ledger)
    with ledger.engine.begin() as db:
        db.execute(
            sa.text(
                "update criterion_results set points = '15.00' where run_id = :r and "
                "bid_id = '02-officeline' and criterion = 'label'"
            ),
            {"r": second.run_id},
        )
    problems = ledger.verify()
    assert len(problems) == 1 and second.run_id in problems[0] and "record 2" in problems[0]
    assert "rows differ from the record" in problems[0]


def test_an_edited_record_or_a_deleted_one_breaks_the_chain(ledger, sample):
    first, second, third = _three_runs(ledger, sample)
    _unguard(ledger)
    with ledger.engine.begin() as db:
        db.execute(sa.text("update runs set kind = 'scenario' where run_id = :r"), {"r": first.run_id})
    assert first.run_id in ledger.verify()[0] and "does not match its hash" in ledger.verify()[0]
    with ledger.engine.begin() as db:
        db.execute(sa.text("update runs set kind = 'official' where run_id = :r"), {"r": first.run_id})
        for table in ("criterion_results", "bid_results", "runs"):
            db.execute(sa.text(f"delete from {table} where run_id = :r"), {"r": second.run_id})
    problems = ledger.verify()
    assert third.run_id in problems[0] and "records 2 to 2 are missing" in problems[0]


def test_audit_verify_from_the_command_line(tmp_path, monkeypatch, capsys, sample):
    monkeypatch.setenv("TENDERSCORE_HOME", str(tmp_path))
    ledger = Ledger()
    _, second, _ = _three_runs(ledger, sample)
    assert main(["audit", "verify"]) == 0
    assert "3 records in 1 chain(s), all intact" in capsys.readouterr().out
    _unguard(ledger)
    with ledger.engine.begin() as db:
        db.execute(
            sa.text("update bid_results set rank = 1 where run_id = :r and bid_id = '03-budgetit'"),
            {"r": second.run_id},
        )
    assert main(["audit", "verify"]) == 1
    assert f"BROKEN: run {second.run_id}" in capsys.readouterr().out


def test_concurrent_writers_never_fail_on_the_ledger(ledger, sample, tmp_path):
    """Twelve threads read 24 bid files at once, half of them byte-identical copies of one bid (a bidder
    uploading twice): each comes out once under its own name, each parse is kept once. Then eight
    tenders record three runs each, concurrently: every chain verifies."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    from scoring.audit.ledger import Trigger, parsed
    from scoring.audit.rescore import cached_read

    tender, rules, evaluation = sample
    paths = []
    for n in range(24):
        source = "01-greenbyte.xlsx" if n % 2 else "04-datacomma.xlsx"
        paths.append(tmp_path / f"copy-{n:02d}.xlsx")
        shutil.copyfile(SAMPLE_TENDER / "bids" / source, paths[-1])
    with ThreadPoolExecutor(12) as pool:
        reads = list(pool.map(lambda p: cached_read(p, tender, ledger), paths))
    assert [r.file for r in reads] == [p.name for p in paths]
    assert [r.bid.bid_id for r in reads] == [p.stem for p in paths]
    with ledger.engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(parsed)).scalar() == 2

    def three_runs(n: int) -> None:
        ours = evaluation.model_copy(update={"tender": evaluation.tender.model_copy(update={"id": f"T-{n}"})})
        for _ in range(3):
            record_run(ledger, ours, tender, rules, Trigger.MANUAL)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(three_runs, range(8)))
    assert ledger.verify() == []
    assert sorted((r.tender_id, r.seq) for r in ledger.runs_of()) == [
        (f"T-{n}", seq) for n in range(8) for seq in (1, 2, 3)
    ]
