"""Running several workers under gunicorn."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from gateway.app import create_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app()


def run_gunicorn(host: str, port: int, workers: int, timeout: int = 30) -> None:
    """Serve with ``workers`` processes; each builds its own app from the environment."""
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "timeout": timeout,
            "graceful_timeout": 10,
            "limit_request_line": 8190,
            "accesslog": None,
        }
    ).run()
