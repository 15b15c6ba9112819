"""tenderscore serve on PostgreSQL with two real process workers: tenders evaluated and re-scored through them,
a worker lost in the middle of a run (killed with the run's process, as when its machine goes), the run marked
Crashed by the heartbeat automation and done again by the other worker; each tender recorded once."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml
from conftest import POSTGRES, ROOT, SAMPLE_TENDER, free_port, postgres_reachable, serving

from scoring.rules.uses import written_out

pytestmark = pytest.mark.slow

TENDERS = ("CITY-ICT-2026-101", "CITY-ICT-2026-102", "CITY-ICT-2026-103")


@pytest.fixture(scope="module")
def databases():
    """A PostgreSQL database for Prefect's server and one for the ledger, each new, dropped afterwards."""
    if not postgres_reachable():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (see docs/operations.md)")
    import sqlalchemy as sa

    names = [f"ts_prefect_{uuid.uuid4().hex[:8]}", f"ts_ledger_{uuid.uuid4().hex[:8]}"]
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as db:
        for name in names:
            db.exec_driver_sql(f"CREATE DATABASE {name}")
    base = POSTGRES.rsplit("/", 1)[0]
    yield f"{base.replace('+psycopg', '+asyncpg')}/{names[0]}", f"{base}/{names[1]}"
    with admin.connect() as db:
        for name in names:
            db.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(scope="module")
def service(tmp_path_factory, databases):
    prefect_db, ledger_db = databases
    root = tmp_path_factory.mktemp("workers")
    port = free_port()
    env = {
        **os.environ,
        "TENDERSCORE_HOME": str(root / "home"),
        "TENDERSCORE_DATABASE_URL": ledger_db,
        "PREFECT_HOME": str(root / "prefect"),
        "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db,
        "TENDERSCORE_PREFECT_PORT": str(port),
        "TENDERSCORE_LOST_AFTER_SECONDS": "40",
    }
    env.pop("PREFECT_API_URL", None)
    args = ["--port", str(port), "--app-port", "0", "--workers", "2"]
    with serving(root, env, args, lambda log: log.count("Worker 'tenderscore-") == 3) as process:
        yield root, env, f"http://127.0.0.1:{port}/api", process.pid


def _tenders(root: Path) -> list[Path]:
    shutil.copytree(ROOT / "rules", root / "rules", dirs_exist_ok=True)
    folders = []
    for tender_id in TENDERS:
        folder = root / "tenders" / tender_id.lower()
        shutil.copytree(SAMPLE_TENDER, folder)
        data = yaml.safe_load((folder / "tender.yaml").read_text())
        data.update(id=tender_id, rules=str(root / "rules" / "computers-2026.yaml"))
        (folder / "tender.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        folders.append(folder)
    return folders


def _change_rules(root: Path, price: int) -> None:
    path = root / "rules" / "computers-2026.yaml"
    rules = written_out(path)
    for c in rules["criteria"]:
        if c["id"] == "price":
            delta = price - c["weight"]
            c.update(weight=price, weight_range=[price - 10, price + 10])
        if c["id"] == "label":
            c.update(weight=c["weight"] - delta, weight_range=[0, c["weight"] - delta + 4])
    path.write_text(yaml.safe_dump(rules, sort_keys=False, allow_unicode=True))


def _rescore(env, root: Path, folders: list[Path]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "rescore", *map(str, folders)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _descendants(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children + [d for c in children for d in _descendants(c)]


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _running_child(api: str) -> tuple[int, str] | None:
    """The process of an evaluate-tender run that is running on a worker now (its pid), and the run's name."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        for run in client.read_flow_runs():
            running = run.state and run.state.is_running() and run.deployment_id and run.infrastructure_pid
            if running and run.parameters.get("only_if_changed"):
                return int(str(run.infrastructure_pid).rsplit(":", 1)[-1]), run.name
    return None


def _a_running_child(api: str, rescore: subprocess.Popen) -> tuple[int, str]:
    """Waits, while the re-score runs, for a run of it to be running on a worker; its process and name."""
    deadline = time.time() + 300
    while time.time() < deadline and rescore.poll() is None:
        found = _running_child(api)
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError("no run was seen running on a worker")


def _runs(api: str):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        return [r for r in client.read_flow_runs() if r.deployment_id]


@pytest.fixture(scope="module")
def evaluated(service):
    """Three tenders evaluated a first time through the workers (`tenderscore rescore` with the service
    running): one run of the evaluate deployment each, recorded once, its INFO lines and ranking in the UI."""
    from scoring.audit.ledger import Ledger

    root, env, api, _ = service
    folders = _tenders(root)
    first = _rescore(env, root, folders)
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, out + err
    assert "the running service" in err
    ledger = Ledger(env["TENDERSCORE_DATABASE_URL"])
    for tender_id in TENDERS:
        assert [r.kind for r in ledger.runs_of(tender_id)] == ["official"], out
        assert f"{tender_id}: re-scored as official run" in out
    done = [r for r in _runs(api) if r.state and r.state.is_completed()]
    assert {r.parameters["tender_dir"] for r in done} == {str(f.resolve()) for f in folders}  # a run each, on a worker
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[done[0].id])))
        keys = {a.key for a in client.read_artifacts()}
    assert any(log.level == 20 and "re-scored" in log.message for log in logs)  # INFO lines kept in the UI
    assert {f"ranking-{t.lower()}" for t in TENDERS} <= keys  # each run on a worker publishes its ranking
    return folders, ledger


def test_tenders_are_evaluated_and_rescored_on_the_workers_and_a_lost_worker_loses_nothing(service, evaluated):
    root, env, api, _ = service
    folders, ledger = evaluated
    before = {t: len(ledger.runs_of(t)) for t in TENDERS}
    _change_rules(root, price=60)
    second = _rescore(env, root, folders)
    pid, name = _a_running_child(api, second)
    worker = _parent(pid)
    assert b"worker" in Path(f"/proc/{worker}/cmdline").read_bytes()
    for gone in [worker, pid, *_descendants(pid)]:  # the worker's machine goes: the worker and its run with it
        with contextlib.suppress(ProcessLookupError):
            os.kill(gone, signal.SIGKILL)
    out, err = second.communicate(timeout=900)
    assert second.returncode == 0, out + err
    assert f"its run {name} was lost" in out, out

    crashed = [r for r in _runs(api) if r.name == name]
    assert crashed and crashed[0].state.is_crashed()
    for tender_id, folder in zip(TENDERS, folders, strict=True):
        runs = ledger.runs_of(tender_id)
        assert len(runs) == before[tender_id] + 1 and runs[-1].kind == "official", (tender_id, out)  # recorded once
        reports = folder.parent / "reports" / tender_id
        assert {"evaluation.json", "evaluation.xlsx", "report.html", "summary.md", "ocds.json"} <= {
            p.name for p in reports.iterdir()
        }
        assert runs[-1].run_id in (reports / "evaluation.json").read_text()
        assert not list(reports.glob(".writing-*")), "staging left over"
    assert ledger.verify() == []
    log = (root / "serve.log").read_text()
    assert "ended (exit" in log and "started again" in log  # the lost worker replaced


def test_the_server_restarted_during_a_run_the_runs_complete(service, evaluated):
    """Prefect's server killed while a run is on a worker: serve starts it again on the same database, the
    worker's run and the waiting re-score carry on (their API calls are retried), every tender is re-scored
    once more and recorded once."""

    root, env, api, serve_pid = service
    folders, ledger = evaluated
    before = {t: len(ledger.runs_of(t)) for t in TENDERS}
    _change_rules(root, price=55)
    third = _rescore(env, root, folders)
    _a_running_child(api, third)
    [server] = [p for p in _descendants(serve_pid) if b"server\x00start" in Path(f"/proc/{p}/cmdline").read_bytes()]
    os.kill(server, signal.SIGKILL)
    out, err = third.communicate(timeout=900)
    assert third.returncode == 0, out + err
    assert "Prefect's server ended" in (root / "serve.log").read_text()
    for tender_id in TENDERS:
        assert len(ledger.runs_of(tender_id)) == before[tender_id] + 1, (tender_id, out)
        assert f"{tender_id}: re-scored as official run" in out
    assert ledger.verify() == []
