"""A live gateway in a subprocess on a free loopback port, with its own database.

``LiveGateway`` runs ``gateway serve`` from the installed package; ``MakeRun`` runs the
repository's ``make run`` (demo data, printed URL and tokens), as a reader of the README would.
"""

from __future__ import annotations

import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

STARTUP_SECONDS = 30.0
# make run may first build the venv and the demo world, hence the longer wait.
MAKE_RUN_SECONDS = 180.0
SERVING = "Gateway serving on"
CLI = "from gateway.cli import main; main()"


class GatewayStartError(RuntimeError):
    """The gateway process did not answer /healthz in time; the message holds its log."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _wait_healthy(url: str, process: subprocess.Popen[Any], seconds: float) -> bool:
    """True once ``url`` answers /healthz; False if the process ends or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if _healthy(url):
            return True
        time.sleep(0.1)
    return False


@dataclass
class LiveGateway:
    """``gateway serve`` on loopback; ``env`` adds ``GATEWAY_*`` settings."""

    database_url: str
    workdir: pathlib.Path
    demo: bool = False
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:53117``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> pathlib.Path:
        """Where the process writes its output."""
        return self.workdir / "gateway.log"

    def environment(self) -> dict[str, str]:
        """The environment the gateway (and its CLI) runs with."""
        return {
            **os.environ,
            "GATEWAY_DATABASE_URL": self.database_url,
            "GATEWAY_PUBLIC_URL": self.url,
            "GATEWAY_DEMO": "1" if self.demo else "0",
            "GATEWAY_IDP_KEY_DIR": str(self.workdir / "idp-keys"),
            "GATEWAY_SECRET_KEY": "live-test-secret",
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
            **self.env,
        }

    def cli(self, *args: str) -> str:
        """Run a ``gateway`` command against this gateway's database; returns its output."""
        done = subprocess.run(  # noqa: S603  (our own interpreter and module)
            [sys.executable, "-c", CLI, *args],
            env=self.environment(),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"gateway {' '.join(args)} failed: {done.stderr or done.stdout}")
        return done.stdout

    def start(self) -> LiveGateway:
        """Start ``gateway serve`` and wait for /healthz; raises GatewayStartError."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603
            [
                *(sys.executable, "-c", CLI, "serve", "--host", "127.0.0.1"),
                *("--port", str(self.port), "--workers", str(self.workers)),
            ],
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        assert self.process is not None
        if _wait_healthy(self.url, self.process, STARTUP_SECONDS):
            return
        self.stop()
        raise GatewayStartError(
            f"the gateway did not start on {self.url}:\n{self.log_path.read_text()[-4000:]}"
        )

    def stop(self) -> None:
        """Stop the process (terminate, then kill after 10 s)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> LiveGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class MakeRun:
    """``make run PORT=<free port>`` in the checkout ``root``; database and IdP keys in ``workdir``.

    ``printed`` is what it printed up to and including the "Gateway serving on" line (the demo
    tokens are there).
    """

    root: pathlib.Path
    workdir: pathlib.Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None
    printed: str = ""

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:53117``."""
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The environment ``make run`` (and a ``gateway`` command on its database) runs with."""
        return {
            **os.environ,
            "GATEWAY_DATABASE_URL": f"sqlite:///{self.workdir}/gw.db",
            "GATEWAY_IDP_KEY_DIR": str(self.workdir / "idp"),
        }

    def token(self, kind: str) -> str:
        """The demo token of Acme of this kind (``admin``, ``scim``) that ``make run`` printed."""
        found = re.search(rf"token \(acme {kind}, shown once\): (\S+)", self.printed)
        if not found:
            raise LookupError(f"make run printed no acme {kind} token:\n{self.printed}")
        return found.group(1)

    def start(self) -> MakeRun:
        """Start ``make run``, read its output to the serving line, wait for /healthz.

        Raises GatewayStartError (with what it printed) if it does not serve in time.
        """
        self.process = subprocess.Popen(  # noqa: S603
            ["make", "--no-print-directory", "run", f"PORT={self.port}"],  # noqa: S607
            cwd=self.root,
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: stop() ends make and the server
        )
        self.printed = self._read_to_serving_line()
        if SERVING not in self.printed or not _wait_healthy(
            self.url, self.process, STARTUP_SECONDS
        ):
            self.stop()
            raise GatewayStartError(f"make run did not serve on {self.url}:\n{self.printed}")
        return self

    def _read_to_serving_line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + MAKE_RUN_SECONDS
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            lines.append(line)
            if not line or SERVING in line:
                break
        return "".join(lines)

    def stop(self) -> None:
        """Stop make and the gateway it started (SIGTERM to the group, SIGKILL after 20 s)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
        except ProcessLookupError:  # make had already ended (and been reaped) with its group
            pass
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    def __enter__(self) -> MakeRun:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
