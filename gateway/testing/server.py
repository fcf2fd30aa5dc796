"""A live gateway in a subprocess on a free loopback port, with its own database."""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

STARTUP_SECONDS = 30.0
CLI = "from gateway.cli import main; main()"


class GatewayStartError(RuntimeError):
    """The gateway process did not answer /healthz in time; the message holds its log."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            if self._healthy():
                return
            time.sleep(0.1)
        self.stop()
        raise GatewayStartError(
            f"the gateway did not start on {self.url}:\n{self.log_path.read_text()[-4000:]}"
        )

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:  # noqa: S310
                return bool(answer.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

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
