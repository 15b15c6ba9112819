"""A tender of 300 bids through `tenderscore evaluate`, as a buyer runs it, on SQLite and on PostgreSQL:
300 read-bid tasks at once keep their parses in the ledger without a lock error, and every bid comes out."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ROOT

pytestmark = pytest.mark.slow

BIDS = 300


@pytest.fixture(scope="module")
def big_tender(tmp_path_factory):
    from sample_bids.generate import many_bids

    root = tmp_path_factory.mktemp("scale")
    return many_bids(root / "tender", BIDS, ROOT / "rules" / "computers-2026.yaml", tender_id="SCALE-300")


def test_300_bids_through_the_command_line(big_tender, database_url, tmp_path):
    env = {**os.environ, "TENDERSCORE_DATABASE_URL": database_url, "TENDERSCORE_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_API_URL", None)  # the command's own embedded server, as on a buyer's machine
    out = tmp_path / "out"
    command = [str(Path(sys.executable).parent / "tenderscore"), "evaluate", str(big_tender), "--out", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert "locked" not in done.stderr

    document = json.loads((out / "evaluation.json").read_text())
    assert len(document["bids"]) == BIDS
    assert sum(1 for b in document["bids"] if b["rank"]) == BIDS  # each distinct, each compliant
    engine = sa.create_engine(database_url)
    with engine.connect() as db:
        assert db.execute(sa.text("select count(*) from runs")).scalar() == 1
        assert db.execute(sa.text("select count(*) from bid_results")).scalar() == BIDS
        assert db.execute(sa.text("select count(*) from parsed_bids")).scalar() == BIDS
        assert db.execute(sa.text("select count(*) from bid_sources where parse = 'read'")).scalar() == BIDS
    engine.dispose()


def _children(pid: int) -> set[int]:
    """Every living descendant of a process, from /proc."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def test_a_stopped_run_exits_at_once_and_leaves_the_previous_reports_intact(big_tender, tmp_path):
    """SIGTERM in the middle of a run: the command exits within seconds with a clear message, stops the
    Prefect server it started, and the reports already in the folder are untouched (reports are moved into
    place only once complete); no half-written report is left."""
    import signal
    import time

    env = {**os.environ, "TENDERSCORE_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_API_URL", None)
    out = tmp_path / "out"
    (out / "letters").mkdir(parents=True)
    before = {"evaluation.json": '{"previous": true}\n', "summary.md": "# the previous run\n"}
    for name, text in before.items():
        (out / name).write_text(text)
    (out / "letters" / "bid-0001.md").write_text("the previous letter\n")
    command = [str(Path(sys.executable).parent / "tenderscore"), "evaluate", str(big_tender), "--out", str(out)]
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ledger = tmp_path / "home" / "ledger.sqlite"
    deadline = time.monotonic() + 120
    while not (ledger.exists() and _children(run.pid)) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)  # the ledger is opened and the command's Prefect server started: the run is under way
    time.sleep(3)
    assert run.poll() is None, "the run ended before it could be stopped"
    children = _children(run.pid)
    stopped = time.monotonic()
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=30)
    assert time.monotonic() - stopped < 10
    assert run.returncode == 128 + 15 and "stopped (SIGTERM)" in err
    assert "previous reports are unchanged" in err
    for name, text in before.items():
        assert (out / name).read_text() == text
    assert (out / "letters" / "bid-0001.md").read_text() == "the previous letter\n"
    assert sorted(p.name for p in out.iterdir()) == ["evaluation.json", "letters", "summary.md"]
    time.sleep(1)
    assert not [c for c in children if Path(f"/proc/{c}").exists()], "Prefect's server outlived the command"
