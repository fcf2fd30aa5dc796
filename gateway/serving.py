"""Serving: Granian (a Rust HTTP server) in front of the app, with an access log that hides
secrets; gunicorn sync workers are kept only as the benchmark's point of comparison."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from gateway.app import create_app
from gateway.config import GatewayConfig
from gateway.metrics import MULTIPROCESS_VARIABLE
from gateway.wsgi_bridge import WsgiBridge

REDACTED = "[redacted]"


def redact_path(app: Flask, path: str) -> str:
    """``path`` with the value of any ``<secret>`` URL variable (activation and invitation
    links) replaced by ``[redacted]``, so the access log never holds a usable link."""
    bare, _, query = path.partition("?")
    try:
        _, args = app.url_map.bind("localhost").match(bare, method="GET")
    except (HTTPException, RequestRedirect):
        try:
            _, args = app.url_map.bind("localhost").match(bare, method="POST")
        except (HTTPException, RequestRedirect):
            return path
    secret = args.get("secret")
    if not secret:
        return path
    cleaned = bare.replace(str(secret), REDACTED)
    return f"{cleaned}?{query}" if query else cleaned


THREADS_VARIABLE = "GATEWAY_SERVE_THREADS"
# One: requests run on each worker's event loop thread (gateway.wsgi_bridge); more: a pool.
DEFAULT_THREADS = 1
HEADER_READ_MS = 10_000


def production_app() -> WsgiBridge:
    """The gateway as Granian serves it: built from the environment in each worker process."""
    app = create_app()
    _access_log_to_stdout()
    settings = app.extensions["gateway.config"]
    return WsgiBridge(
        app.wsgi_app,
        threads=int(os.environ.get(THREADS_VARIABLE, DEFAULT_THREADS)),
        max_body=settings.max_body_bytes,
        body_seconds=float(settings.request_timeout),
        redact=lambda path: redact_path(app, path),
    )


def _access_log_to_stdout() -> None:
    access = logging.getLogger("gateway.access")
    if not access.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False


def run_granian(
    host: str,
    port: int,
    workers: int,
    threads: int = DEFAULT_THREADS,
    target: str = "gateway.serving:production_app",
) -> None:
    """Serve ``target`` (an import path to an RSGI app factory) with Granian until SIGTERM.

    HTTP/1.1 with keep-alive; a client gets ``HEADER_READ_MS`` to send its headers, and the
    body is read without holding a Python thread (``gateway.wsgi_bridge``).
    """
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    os.environ[THREADS_VARIABLE] = str(threads)
    if workers > 1 and GatewayConfig.from_env().metrics:
        # Every worker writes its figures there; a scrape of any one of them adds them up.
        os.environ.setdefault(MULTIPROCESS_VARIABLE, tempfile.mkdtemp(prefix="gateway-metrics-"))
    Granian(
        target,
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        workers=workers,
        factory=True,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_MS, keep_alive=True),
        workers_kill_timeout=10,
        log_access=False,
    ).serve()


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], factory: Callable[[], Any]) -> None:
        self.options = options
        self.factory = factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.factory()


def run_gunicorn(
    host: str,
    port: int,
    workers: int,
    timeout: int = 30,
    factory: Callable[[], Any] = create_app,
) -> None:
    """Serve with ``workers`` processes; each builds its own app from the environment (the
    gateway's, or ``factory``'s: the benchmark serves a do-nothing app the same way)."""
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "timeout": timeout,
            "graceful_timeout": 10,
            "limit_request_line": 8190,
            "accesslog": None,
        },
        factory,
    ).run()
