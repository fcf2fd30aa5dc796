"""Serving: one threaded process with an access log that hides secrets, or gunicorn workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.serving import WSGIRequestHandler

from gateway.app import create_app

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


def redacting_request_handler(app: Flask) -> type[WSGIRequestHandler]:
    """A werkzeug request handler whose access-log lines go through ``redact_path``."""

    class RedactingRequestHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            original = self.path
            self.path = redact_path(app, original)
            try:
                super().log_request(code, size)
            finally:
                self.path = original

    return RedactingRequestHandler


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
