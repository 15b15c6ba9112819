"""A real headless Chromium, driven over the DevTools protocol, for checking what pages render."""

import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1400,1000",
]


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="tenderscore-chromium-")
        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        for _ in range(200):
            if port_file.is_file() and port_file.read_text().strip():
                break
            time.sleep(0.05)
        self.port = int(port_file.read_text().splitlines()[0])
        self.ids = iter(range(1, 1_000_000))

    def evaluate(self, url: str, expression: str):
        """Open the page, wait for it to load, and return the value of a JavaScript expression."""
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list"))
        page = next(p for p in pages if p["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
            self._call(ws, "Page.enable")
            self._call(ws, "Page.navigate", url=url)
            deadline = time.time() + 20
            while time.time() < deadline:  # wait for the load event
                message = json.loads(ws.recv(timeout=20))
                if message.get("method") == "Page.loadEventFired":
                    break
            result = self._call(ws, "Runtime.evaluate", expression=expression, returnByValue=True)
            return result["result"]["value"]

    def screenshot(self, url: str, path: Path) -> None:
        import base64

        self.evaluate(url, "1")
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list"))
        page = next(p for p in pages if p["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
            data = self._call(ws, "Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def printed(self, url: str, expression: str):
        """Open the page as it prints (print media emulated), and return the value of a JavaScript expression
        and the PDF Chromium prints of it."""
        import base64

        self.evaluate(url, "1")
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list"))
        page = next(p for p in pages if p["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
            self._call(ws, "Emulation.setEmulatedMedia", media="print")
            value = self._call(ws, "Runtime.evaluate", expression=expression, returnByValue=True)["result"]["value"]
            pdf = self._call(ws, "Page.printToPDF", preferCSSPageSize=True)["data"]
            self._call(ws, "Emulation.setEmulatedMedia", media="")
        return value, base64.b64decode(pdf)

    def _call(self, ws, method: str, **params):
        call_id = next(self.ids)
        ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv(timeout=20))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message["result"]

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)
