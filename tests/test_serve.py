"""tenderscore serve: Prefect server, work pool, workers and deployments; a published rules change re-scores tenders
(one run per tender on the workers)."""

import os
import shutil
import subprocess
import sys
import time

import pytest
import yaml
from conftest import ROOT, SAMPLE_TENDER, decide, free_port, serving

from scoring.rules.uses import written_out

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from flows.serve import healthy

    tmp_path = tmp_path_factory.mktemp("service")
    port, app_port = free_port(), free_port()
    env = {
        **os.environ,
        "TENDERSCORE_HOME": str(tmp_path / "home"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PREFECT_API_URL", None)
    api = f"http://127.0.0.1:{port}/api"
    desk = tmp_path / "desk"  # the tender the workspace shows (test_the_workspace_evaluates_on_the_workers)
    shutil.copytree(SAMPLE_TENDER, desk)
    data = yaml.safe_load((desk / "tender.yaml").read_text())
    data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
    (desk / "tender.yaml").write_text(yaml.safe_dump(data))
    args = ["--port", str(port), "--app-port", str(app_port), "--tender", str(desk)]
    with serving(tmp_path, env, args, lambda log: "serving evaluate-tender" in log and healthy(api), timeout=180):
        yield tmp_path, {**env, "PREFECT_API_URL": api}, port


def _cli(args, env, cwd):
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_ui_of_the_served_prefect_server_follows_its_port(service):
    """`serve --port N` on another port than Prefect's 4200: the UI must look for the API on N."""
    import json
    import urllib.request

    _, _, port = service
    assert port != 4200
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings", timeout=10) as response:
        settings = json.loads(response.read())
    assert settings["api_url"] == f"http://127.0.0.1:{port}/api"


def test_a_published_rules_change_leads_to_a_completed_rescore(service):
    root, env, port = service
    shutil.copytree(ROOT / "rules", root / "rules")
    shutil.copytree(SAMPLE_TENDER, root / "tender")
    data = yaml.safe_load((root / "tender" / "tender.yaml").read_text())
    data["rules"] = str(root / "rules" / "computers-2026.yaml")
    (root / "tender" / "tender.yaml").write_text(yaml.safe_dump(data))
    _cli(["evaluate", "tender"], env, root)

    rules = written_out(root / "rules" / "computers-2026.yaml")
    for c in rules["criteria"]:
        if c["id"] == "price":
            c.update(weight=60, weight_range=[50, 70])
        if c["id"] == "label":
            c.update(weight=2, weight_range=[0, 4])
    (root / "rules" / "computers-2026.yaml").write_text(yaml.safe_dump(rules))
    out = _cli(["rules", "publish", str(root / "rules" / "computers-2026.yaml"), "--port", str(port)], env, root)
    assert "published" in out

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # This process reads the service's flow runs (settings, not the environment: a test harness may be active).
    with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
        deadline, done = time.time() + 180, None
        while time.time() < deadline and done is None:
            with get_client(sync_client=True) as client:
                for run in client.read_flow_runs():
                    if (
                        run.deployment_id
                        and run.parameters.get("trigger") == "rules_change"
                        and run.state
                        and run.state.is_completed()
                    ):
                        done = run
            time.sleep(2)
    assert done is not None, (root / "serve.log").read_text()[-3000:]
    from scoring.audit.ledger import Ledger

    runs = Ledger(f"sqlite:///{root / 'home' / 'ledger.sqlite'}").runs_of("CITY-ICT-2026-014")
    assert [r.trigger for r in runs] == ["manual", "rules_change"]


def test_a_published_register_refresh_follows_up_the_awarded_contracts(service):
    """`registers publish` emits the register-refresh event; the served follow-up-contracts deployment checks
    the awarded contract against the refreshed snapshot and records it in the ledger."""
    import csv

    root, env, port = service
    if not (root / "tender").exists():  # the rules-change test made it; on its own, make it here
        shutil.copytree(ROOT / "rules", root / "rules")
        shutil.copytree(SAMPLE_TENDER, root / "tender")
        data = yaml.safe_load((root / "tender" / "tender.yaml").read_text())
        data["rules"] = str(root / "rules" / "computers-2026.yaml")
        (root / "tender" / "tender.yaml").write_text(yaml.safe_dump(data))
    decide(root / "tender", sent_on=None)  # nothing left open: the letters may go, then the award
    _cli(["evaluate", "tender"], env, root)
    _cli(["send", "tender"], env, root)
    signing = _cli(["status", "tender"], env, root).split("may be signed from ")[1].split()[0]
    out = _cli(["award", "tender", "01-greenbyte", "--on", signing], env, root)
    assert "awarded to GreenByte Solutions NV" in out

    path = root / "rules" / "registers" / "tco-certified.csv"
    rows = list(csv.DictReader(path.open(newline="")))
    for row in rows:
        if row["certificate_id"] == "TCO-9-EB14-0071":
            row["status"] = "withdrawn"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = _cli(["registers", "publish", str(root / "rules" / "registers"), "--port", str(port)], env, root)
    assert "published" in out

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}):
        deadline, done = time.time() + 180, None
        while time.time() < deadline and done is None:
            with get_client(sync_client=True) as client:
                for run in client.read_flow_runs():
                    if (
                        run.deployment_id
                        and run.parameters.get("trigger") == "registers_change"
                        and run.state
                        and run.state.is_completed()
                    ):
                        done = run
            time.sleep(2)
    assert done is not None, (root / "serve.log").read_text()[-3000:]
    from scoring.audit.ledger import Ledger

    runs = Ledger(f"sqlite:///{root / 'home' / 'ledger.sqlite'}").runs_of("CITY-ICT-2026-014")
    follow = [r for r in runs if r.kind == "follow-up" and r.trigger == "registers_change"]
    assert follow, [(r.kind, r.trigger) for r in runs]
    items = {i["id"]: i["state"] for i in follow[-1].document["check"]["items"]}
    assert items["certificate:TCO-9-EB14-0071"] == "withdrawn"
    assert (root / "reports" / "CITY-ICT-2026-014" / "follow-up" / "follow-up.ics").is_file()


def test_serve_starts_the_workspace_beside_the_deployments(service):
    """`serve` starts the committee's workspace on its own port (--app-port), with a link to Prefect's UI."""
    import re
    import urllib.request

    root, _, _ = service
    found = re.search(r"workspace on (http://127\.0\.0\.1:\d+) \(\d+ tenders\)", (root / "serve.log").read_text())
    assert found, (root / "serve.log").read_text()[-2000:]
    with urllib.request.urlopen(f"{found.group(1)}/healthz", timeout=10) as response:
        assert response.read() == b"ok"
    with urllib.request.urlopen(f"{found.group(1)}/signin", timeout=10) as response:
        assert b'name="password"' in response.read()


def test_the_workspace_evaluates_on_the_workers_and_follows_the_run(service):
    """Served by `serve`, "Evaluate now" submits a run of evaluate-tender/on-demand: a worker evaluates the
    tender, the status page follows the run's state with a link to it in Prefect's UI, and the ledger names
    who asked and holds the run's evaluation."""
    import html
    import re

    import httpx

    from scoring.audit.ledger import open_ledger

    root, env, port = service
    person = {**env, "TENDERSCORE_PASSWORD": "correct horse battery staple"}
    _cli(["users", "add", "sec@city.example", "--name", "D. Peeters", "--role", "secretary",
          "--tender", "CITY-ICT-2026-014"], person, root)  # fmt: skip
    base = re.search(r"workspace on (http://127\.0\.0\.1:\d+)", (root / "serve.log").read_text()).group(1)
    with httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/signin").text).group(1)
        signed = client.post("/signin", data={"csrf": csrf, "email": "sec@city.example",
                                               "password": person["TENDERSCORE_PASSWORD"]})  # fmt: skip
        assert signed.status_code == 200, signed.text  # followed to the tenders' page
        T = "/t/CITY-ICT-2026-014"

        def token() -> str:
            return re.search(r'name="csrf" value="([^"]+)"', client.get(T).text).group(1)

        client.post(f"{T}/declare", data={"csrf": token(), "conflict": "no"})
        answer = client.post(f"{T}/evaluate", data={"csrf": token()})
        said = html.unescape(re.search(r'id="message">([^<]*)<', answer.text).group(1))
        flow_run = re.fullmatch(r"Submitted: flow run ([0-9a-f-]{36}) on the workers; its state is shown below\.", said)
        assert flow_run, said
        deadline = time.time() + 240
        while True:
            page = client.get(T).text
            row = page.split('<tr class="run">')[1].split("</tr>")[0]
            if ">Completed<" in row or ">Failed<" in row or time.time() > deadline:
                break
            time.sleep(2)
    assert f'href="http://127.0.0.1:{port}/runs/flow-run/{flow_run.group(1)}"' in row
    assert "D. Peeters (secretary)" in row and ">Completed<" in row, row
    ledger = open_ledger(f"sqlite:///{root / 'home' / 'ledger.sqlite'}")
    records = ledger.runs_of("CITY-ICT-2026-014")
    asked = [r for r in records if r.kind == "decision" and r.document["action"] == "evaluation"]
    assert asked[-1].document["subject"] == {"flow_run": flow_run.group(1)}
    assert asked[-1].document["by"]["name"] == "D. Peeters"
    evaluated = [r for r in records if r.kind == "official" and r.seq > asked[-1].seq]
    assert evaluated and evaluated[-1].trigger == "manual"  # the worker's run, after the request
    assert ledger.verify() == []


def test_evaluate_uses_the_running_service_and_says_so(service, tmp_path):
    """With `tenderscore serve` running, `tenderscore evaluate` from another shell reports its flow run to
    the service (it shows in its UI) instead of starting a server of its own, and says which it did."""
    root, env, port = service
    own = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    own["TENDERSCORE_PREFECT_PORT"] = str(port)
    folder = tmp_path / "tender"
    shutil.copytree(SAMPLE_TENDER, folder)
    data = yaml.safe_load((folder / "tender.yaml").read_text())
    data["rules"] = str(ROOT / "rules" / "computers-2026.yaml")
    (folder / "tender.yaml").write_text(yaml.safe_dump(data))
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "evaluate", str(folder)],
        cwd=tmp_path,
        env=own,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Prefect: the running service at http://127.0.0.1:{port}/api (tenderscore serve)" in done.stderr
    assert f"Reports in {tmp_path}/reports/CITY-ICT-2026-014/" in done.stdout
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}), get_client(sync_client=True) as client:
        runs = [r for r in client.read_flow_runs() if r.parameters.get("tender_dir") == str(folder)]
    assert len(runs) == 1 and runs[0].state and runs[0].state.is_completed()


def _deployments(api: str) -> dict:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        flows = {f.id: f.name for f in client.read_flows()}
        return {
            f"{flows[d.flow_id]}/{d.name}": (
                d.entrypoint,
                d.work_pool_name,
                d.work_queue_name,
                d.global_concurrency_limit.limit if d.global_concurrency_limit else None,
                sorted(str(s.schedule.cron) for s in d.schedules if hasattr(s.schedule, "cron")),
            )
            for d in client.read_deployments()
        }


def test_serve_puts_the_deployments_on_the_work_pool_as_prefect_yaml_declares_them(service, tmp_path):
    """`serve` applies its deployments to the work pool `tenders` (module-path entrypoints, the evaluate queue
    one run at a time on a SQLite ledger); `prefect deploy --all` with the repository's prefect.yaml declares
    exactly the same ones, and the pool has the workers serve started (two on evaluate, one coordinator)."""
    root, env, _ = service
    served = _deployments(env["PREFECT_API_URL"])
    assert set(served) == {
        "evaluate-tender/on-demand",
        "rescore-tenders/scheduled",
        "rescore-tenders/on-rules-change",
        "follow-up-contracts/scheduled",
        "follow-up-contracts/on-registers-refresh",
    }
    assert served["evaluate-tender/on-demand"] == ("flows.evaluate.evaluate_tender", "tenders", "evaluate", 1, [])
    assert served["rescore-tenders/scheduled"][2:] == ("coordinate", None, ["0 6 * * *"])
    shutil.copy(ROOT / "prefect.yaml", tmp_path / "prefect.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert _deployments(env["PREFECT_API_URL"]) == served

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}), get_client(sync_client=True) as client:
        workers = client.read_workers_for_work_pool("tenders")
        automations = [a.name for a in client.read_automations()]
    assert {w.name for w in workers} >= {"tenderscore-1", "tenderscore-2", "tenderscore-coordinator"}
    assert any("worker was lost" in a for a in automations)
