"""tenderscore as a service: Prefect's server, a work pool of type process with its workers, the deployments
on it, and the events that trigger them.

Deployments (on the work pool `tenders`; prefect.yaml declares the same for `prefect deploy`):
- evaluate-tender/on-demand: run from the Prefect UI or API with typed parameters;
- rescore-tenders/scheduled: on a cron schedule;
- rescore-tenders/on-rules-change: on the event `tenderscore rules publish FILE` emits;
- follow-up-contracts/scheduled: on the same schedule;
- follow-up-contracts/on-registers-refresh: on the event `tenderscore registers publish FOLDER` emits.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flows.settings import quiet_defaults

RULES_PUBLISHED = "tenderscore.rules.published"
REGISTERS_PUBLISHED = "tenderscore.registers.published"
DEFAULT_PORT = 4200
DEFAULT_CRON = "0 6 * * *"  # every morning at six


def api_url(port: int = DEFAULT_PORT) -> str:
    return os.environ.get("PREFECT_API_URL") or f"http://127.0.0.1:{port}/api"


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_local_server(port: int, timeout: float = 120) -> subprocess.Popen:
    """Prefect's own server on loopback, for when no standing server is configured."""
    url = f"http://127.0.0.1:{port}/api"
    # The UI asks /ui-settings where the API is; Prefect answers from its settings, which default to port
    # 4200 whatever `--port` says. Tell it the port the server really listens on.
    env = {**os.environ, "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}
    env.setdefault("PREFECT_UI_API_URL", url)
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        preexec_fn=_dies_with(os.getpid()),  # ends with `tenderscore serve`, however it ends
    )
    deadline = time.time() + timeout
    while time.time() < deadline:
        if healthy(url):
            return process
        if process.poll() is not None:
            raise RuntimeError(f"the Prefect server on port {port} stopped while starting (port taken?)")
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"the Prefect server on port {port} did not start within {timeout:.0f} s")


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _dies_with(parent: int) -> Callable[[], None]:
    """For a child process: it is sent SIGTERM when `parent` ends, however it ends (kill -9 included)."""

    def set_up() -> None:
        import signal

        if sys.platform.startswith("linux"):
            import ctypes

            PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent ended before the request took effect
            os._exit(1)

    return set_up


class TemporaryServer:
    """Prefect's server for one command, on a free port of loopback, as Prefect's own ephemeral server runs
    (uvicorn on its app factory, no UI, no services), but tied to this process: it ends when the command ends,
    also when the command is killed (kill -9): a parent-death signal on Linux, which Prefect's own does not ask
    for (it would be left running under PID 1)."""

    running: list[TemporaryServer] = []

    def __init__(self, timeout: float = 120):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        command = [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_dies_with(os.getpid()),  # the one thing done between fork and exec
        )
        TemporaryServer.running.append(self)  # from now on: a stop while it starts stops it too
        deadline = time.time() + timeout
        while not healthy(self.url):
            if self.process.poll() is not None:
                raise RuntimeError(f"Prefect's server stopped while starting (exit {self.process.returncode})")
            if time.time() > deadline:
                self.stop()
                raise RuntimeError(f"Prefect's server did not start within {timeout:.0f} s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self in TemporaryServer.running:
            TemporaryServer.running.remove(self)

    @classmethod
    def stop_all(cls) -> None:
        for server in list(cls.running):
            server.stop()


def running_service() -> str | None:
    """The API of a `tenderscore serve` running on this machine at its configured port
    (TENDERSCORE_PREFECT_PORT, else 4200), when one answers."""
    url = f"http://127.0.0.1:{os.environ.get('TENDERSCORE_PREFECT_PORT', DEFAULT_PORT)}/api"
    return url if healthy(url) else None


@contextmanager
def prefect_api() -> Iterator[str]:
    """The Prefect API a command's flows report to: PREFECT_API_URL when set; else the service that
    `tenderscore serve` runs on this machine, when one answers; else a temporary server for the length of
    the command (set before Prefect is imported: its settings are read then). Said on standard error."""
    if os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules:
        # a standing server, or a program (a test) whose Prefect is set up already: its settings decide
        said = os.environ.get("PREFECT_API_URL", "")
        if said:
            print(f"Prefect: the server at {said} (PREFECT_API_URL)", file=sys.stderr, flush=True)
        yield said
        return
    found = running_service()
    if found is not None:
        os.environ["PREFECT_API_URL"] = found
        print(f"Prefect: the running service at {found} (tenderscore serve)", file=sys.stderr, flush=True)
        try:
            yield found
        finally:
            _drain()
            os.environ.pop("PREFECT_API_URL", None)
        return
    print("Prefect: a server of its own, for this command (none is serving)", file=sys.stderr, flush=True)
    server = TemporaryServer()
    os.environ["PREFECT_API_URL"] = server.url
    try:
        yield server.url
    finally:
        _drain()
        server.stop()
        os.environ.pop("PREFECT_API_URL", None)


def _drain() -> None:
    """Prefect's log and event workers send what they hold before the server they send to is stopped (they
    would print a connection error at exit)."""
    if "prefect" not in sys.modules:
        return
    try:
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=10)
        EventsWorker.drain_all(timeout=10)
    except Exception:  # a worker that cannot drain must not turn a finished command into a failure
        return


POOL = "tenders"  # the work pool of type process (TENDERSCORE_WORK_POOL)
EVALUATE_QUEUE = "evaluate"  # one tender per run; each worker takes one run at a time
COORDINATE_QUEUE = "coordinate"  # re-scores and follow-ups: they hand tenders to the evaluate queue and wait
HEARTBEAT_SECONDS = 30  # a flow run on a worker says it is alive this often (Prefect's minimum)
LOST_AFTER_SECONDS = 90  # no heartbeat for this long: the run is marked Crashed (TENDERSCORE_LOST_AFTER_SECONDS)
ZOMBIES = "tenderscore: a run whose worker was lost is marked Crashed"


def pool_name() -> str:
    return os.environ.get("TENDERSCORE_WORK_POOL", POOL)


def deployments(cron: str, ledger_url: str | None = None):
    """The deployments of the flows on the work pool (prefect.yaml declares the same ones for `prefect deploy`).

    On a SQLite ledger (one writer at a time) evaluate-tender runs one at a time across the pool; on
    PostgreSQL as many as there are workers."""
    from prefect.deployments.runner import EntrypointType
    from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger

    from flows.evaluate import evaluate_tender, follow_up_contracts, rescore_tenders

    on_rules_change = DeploymentEventTrigger(
        expect={RULES_PUBLISHED}, parameters={"trigger": "rules_change", "rules_sha256": "{{ event.payload.sha256 }}"}
    )
    on_registers_refresh = DeploymentEventTrigger(
        expect={REGISTERS_PUBLISHED},
        parameters={"trigger": "registers_change", "registers_sha256": "{{ event.payload.sha256 }}"},
    )
    one_writer = ledger_url is None or ledger_url.startswith("sqlite")
    on_pool: dict[str, Any] = dict(work_pool_name=pool_name(), entrypoint_type=EntrypointType.MODULE_PATH)
    coordinate: dict[str, Any] = dict(on_pool, work_queue_name=COORDINATE_QUEUE)
    return [
        evaluate_tender.to_deployment(
            name="on-demand",
            description="Evaluate one tender folder (an absolute path on the workers' machine).",
            work_queue_name=EVALUATE_QUEUE,
            concurrency_limit=1 if one_writer else None,
            **on_pool,
        ),
        rescore_tenders.to_deployment(
            name="scheduled",
            cron=cron,
            parameters={"trigger": "schedule"},
            description="Re-score every tender whose rules or inputs changed, one run per tender on the workers.",
            **coordinate,
        ),
        rescore_tenders.to_deployment(
            name="on-rules-change",
            triggers=[on_rules_change],
            description=f"Re-score when {RULES_PUBLISHED} is emitted, one run per tender on the workers.",
            **coordinate,
        ),
        follow_up_contracts.to_deployment(
            name="scheduled",
            cron=cron,
            parameters={"trigger": "schedule"},
            description="Check every awarded contract against the register snapshots and the calendar.",
            **coordinate,
        ),
        follow_up_contracts.to_deployment(
            name="on-registers-refresh",
            triggers=[on_registers_refresh],
            description=f"Check every awarded contract when {REGISTERS_PUBLISHED} is emitted.",
            **coordinate,
        ),
    ]


def ensure_pool(name: str) -> None:
    """The work pool of type process, created with the process worker's own job template when missing."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(WorkPoolCreate(name=name, type="process", base_job_template=template))


def ensure_zombie_automation(pool: str) -> None:
    """Prefect's own answer to a lost worker (its "detect zombie flows" guide): a flow run that stops sending
    heartbeats is marked Crashed; rescore-tenders then submits its tender again."""
    from datetime import timedelta

    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification
    from prefect.exceptions import ObjectNotFound

    lost_after = max(int(os.environ.get("TENDERSCORE_LOST_AFTER_SECONDS", LOST_AFTER_SECONDS)), HEARTBEAT_SECONDS + 5)
    name = f"{ZOMBIES} (work pool {pool})"
    try:  # made again at every start, with the settings of this one
        found: Any = Automation.read(name=name)  # synchronous here: Prefect dispatches on the caller
        if found:
            deleted = found.delete()
            assert deleted is not None
    except (ObjectNotFound, ValueError):
        pass
    automation = Automation(
        name=name,
        trigger=EventTrigger(
            # a run on the pool that has gone Pending or Running, or said it is alive, must say so again (or end)
            # within the time: a run killed before its first heartbeat is caught too
            after={"prefect.flow-run.Pending", "prefect.flow-run.Running", "prefect.flow-run.heartbeat"},
            expect={
                "prefect.flow-run.Running",
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            # only the runs of this pool's workers (which send heartbeats this often), not a command's own
            match_related=ResourceSpecification({"prefect.resource.role": "work-pool", "prefect.resource.name": pool}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=lost_after),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"no heartbeat for {lost_after} s: its worker was lost",
            )
        ],
    )
    created = automation.create()
    assert created is not None


class Workers:
    """The process workers `serve` runs and keeps running: `count` on the evaluate queue (one run at a time
    each) and one on the coordinate queue. A worker that ends is started again."""

    def __init__(self, pool: str, count: int):
        self.pool = pool
        self.wanted = [(f"tenderscore-{n}", EVALUATE_QUEUE, 1) for n in range(1, count + 1)]
        if count:
            self.wanted.append(("tenderscore-coordinator", COORDINATE_QUEUE, 0))
        self.running: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS),
            # a worker looks for runs every second: one that just finished takes the next at once
            "PREFECT_WORKER_QUERY_SECONDS": os.environ.get("PREFECT_WORKER_QUERY_SECONDS", "1"),
        }

    def start(self, name: str, queue: str, limit: int) -> None:
        command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", self.pool, "--type", "process"]
        command += ["--work-queue", queue, "--name", name] + (["--limit", str(limit)] if limit else [])
        self.running[name] = subprocess.Popen(command, env=self.env, preexec_fn=_dies_with(os.getpid()))
        print(f"worker {name} (pid {self.running[name].pid}) on {self.pool}/{queue}", flush=True)

    def keep(self) -> None:
        for name, queue, limit in self.wanted:
            process = self.running.get(name)
            if process is None:
                self.start(name, queue, limit)
            elif process.poll() is not None:
                print(f"worker {name} ended (exit {process.returncode}): started again", flush=True)
                self.start(name, queue, limit)

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def serve(port: int = DEFAULT_PORT, cron: str = DEFAULT_CRON, workers: int = 2) -> None:
    """Start (or join) Prefect's server, put the deployments on the work pool and run its workers until stopped.

    The workers (and every run they start) use this process's ledger and data folder, pinned here as absolute
    paths: a run on a worker writes where the same command would."""
    quiet_defaults(verbose=True)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stopped by a service manager: workers stopped too
    from scoring.audit.home import data_folder
    from scoring.audit.ledger import database_url, where_shown

    os.environ.setdefault("TENDERSCORE_HOME", str(data_folder()))
    ledger_url = database_url()
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = start_local_server(port)
        os.environ["PREFECT_API_URL"] = api_url(port)
        print(f"Prefect server on {os.environ['PREFECT_API_URL']} (UI at http://127.0.0.1:{port})", flush=True)
    print(f"Prefect's home: {os.environ['PREFECT_HOME']}; the ledger: {where_shown(ledger_url)}", flush=True)
    pool = pool_name()
    running = Workers(pool, workers)
    try:
        ensure_pool(pool)
        ensure_zombie_automation(pool)
        for deployment in deployments(cron, ledger_url):
            deployment.apply()
        print(
            f"serving evaluate-tender/on-demand, rescore-tenders/scheduled ({cron}), rescore-tenders/on-rules-change, "
            f"follow-up-contracts/scheduled ({cron}), follow-up-contracts/on-registers-refresh "
            f"on the work pool {pool} with {workers} worker(s)",
            flush=True,
        )
        while True:
            running.keep()
            if server is not None and server.poll() is not None:  # the server this process started ended
                print(f"Prefect's server ended (exit {server.returncode}): started again", flush=True)
                server = start_local_server(port)
            time.sleep(2)
    finally:
        running.stop()
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def publish_rules(path: str, sha256: str, port: int = DEFAULT_PORT) -> str:
    """Emit the rules-change event to the Prefect server; its id."""
    return emit(RULES_PUBLISHED, f"tenderscore.rules.{sha256}", path, sha256, port)


def publish_registers(path: str, sha256: str, port: int = DEFAULT_PORT) -> str:
    """Emit the register-refresh event to the Prefect server; its id."""
    return emit(REGISTERS_PUBLISHED, f"tenderscore.registers.{sha256}", path, sha256, port)


def emit(name: str, resource: str, path: str, sha256: str, port: int = DEFAULT_PORT) -> str:
    """Emit an event about a published file (or folder) to the Prefect server; its id."""
    quiet_defaults()
    os.environ.setdefault("PREFECT_API_URL", api_url(port))
    if not healthy(os.environ["PREFECT_API_URL"]):
        raise ConnectionError(
            f"no Prefect server answers at {os.environ['PREFECT_API_URL']}: start "
            "`tenderscore serve` first, or set PREFECT_API_URL"
        )
    from prefect.events import Event
    from prefect.events.clients import get_events_client

    event = Event(
        event=name,
        resource={"prefect.resource.id": resource, "prefect.resource.name": path},
        payload={"path": path, "sha256": sha256},
    )

    async def send():
        async with get_events_client() as client:
            await client.emit(event)

    asyncio.run(send())
    return str(event.id)
