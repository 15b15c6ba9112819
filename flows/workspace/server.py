"""Running the workspace: uvicorn on its own port (127.0.0.1:8400 unless told otherwise), alone
(`tenderscore workspace`) or in a thread beside the Prefect deployments (`tenderscore serve`)."""

from __future__ import annotations

import threading
from pathlib import Path

DEFAULT_APP_PORT = 8400
DEFAULT_HOST = "127.0.0.1"


def build(tender_dirs: list[str], prefect_api: str | None = None, out_dir: str | None = None, host: str = DEFAULT_HOST):
    """The application over the tender folders named and every one the ledger has evaluated, answering
    requests for this machine's names, the address it listens on and TENDERSCORE_ALLOWED_HOSTS (the names a
    reverse proxy forwards, comma-separated). With `prefect_api` (served by `tenderscore serve`) an evaluation
    asked for is a run of the served deployment on the workers, linked to in Prefect's UI."""
    import os

    from flows.workspace.app import ALLOWED_HOSTS, create_app
    from flows.workspace.state import Service, Workspace
    from scoring.audit.ledger import open_ledger
    from scoring.audit.rescore import known_tender_dirs

    ledger = open_ledger()
    folders = list(dict.fromkeys([str(Path(d).resolve()) for d in tender_dirs] + known_tender_dirs(ledger)))
    service = Service(api=prefect_api, ui=prefect_api.removesuffix("/").removesuffix("/api")) if prefect_api else None
    workspace = Workspace([Path(f) for f in folders], ledger, Path(out_dir) if out_dir else None, service)
    named = [h.strip() for h in os.environ.get("TENDERSCORE_ALLOWED_HOSTS", "").split(",") if h.strip()]
    hosts = [*ALLOWED_HOSTS, *([host] if host not in ("0.0.0.0", "::") else []), *named]
    from flows.workspace.oidc import Provider

    return create_app(workspace, service.ui if service else None, hosts, Provider.from_environment()), workspace


def server(app, host: str = DEFAULT_HOST, port: int = DEFAULT_APP_PORT, proxy_headers: bool = False):
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=proxy_headers,  # behind a reverse proxy with TLS: the scheme it forwards (Secure cookies)
        forwarded_allow_ips="127.0.0.1" if proxy_headers else None,
        server_header=False,
        limit_concurrency=200,
        timeout_keep_alive=5,
    )
    return uvicorn.Server(config)


def start_in_thread(app, host: str = DEFAULT_HOST, port: int = DEFAULT_APP_PORT, proxy_headers: bool = False):
    """The workspace served from a thread of this process (beside Prefect's serve); the uvicorn server."""
    running = server(app, host, port, proxy_headers)
    running.install_signal_handlers = lambda: None  # the main thread's handlers stay
    thread = threading.Thread(target=running.run, name="workspace", daemon=True)
    thread.start()
    return running
