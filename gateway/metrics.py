"""Prometheus metrics at ``/metrics`` when ``GATEWAY_METRICS=on``: request latency by route
family and status, sign-ins by outcome code, SCIM operations by type and outcome, and the
database pool's connections in use.

With several Granian workers, ``gateway serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh
directory before the workers start, and a scrape (answered by any one worker) adds up every
worker's figures from there.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
EXTENSION = "gateway.metrics"
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """This process's metrics: in its own registry, or in files shared by every worker."""

    def __init__(self) -> None:
        # prometheus_client picks in-memory or file-backed values when it is imported; a worker
        # forked from a process that imported it earlier picks again from its environment now.
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
        self.shared = bool(os.environ.get(MULTIPROCESS_VARIABLE))
        self.registry = None if self.shared else CollectorRegistry()
        self.requests = Histogram(
            "gateway_request_seconds",
            "Time to answer a request, by route family and HTTP status.",
            ["family", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.sign_ins = Counter(
            "gateway_sign_ins_total",
            "Posts to an ACS, by outcome: signed_in, activation_required, or the refusal's code.",
            ["outcome"],
            registry=self.registry,
        )
        self.scim_operations = Counter(
            "gateway_scim_operations_total",
            "SCIM requests by surface (scim: /scim/v2, zoom: /scim2), operation and status.",
            ["surface", "operation", "status"],
            registry=self.registry,
        )
        self.pool_in_use = Gauge(
            "gateway_db_pool_connections_in_use",
            "Database connections checked out of the pool, summed over live workers.",
            multiprocess_mode="livesum",
            registry=self.registry,
        )

    def scrape(self) -> bytes:
        """The text exposition of every worker's figures (or this process's)."""
        if self.registry is not None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


_BY_PROCESS: dict[int, Metrics] = {}


def process_metrics() -> Metrics:
    """The metrics of this process, made on first use (once per worker process)."""
    pid = os.getpid()
    found = _BY_PROCESS.get(pid)
    if found is None:
        _BY_PROCESS.clear()  # a forked worker does not reuse its parent's
        found = _BY_PROCESS[pid] = Metrics()
    return found


# Blueprint name -> the family its requests are counted under.
FAMILIES = {
    "api": "api",
    "scim": "scim",
    "zoom_scim": "scim2",
    "sso": "saml",
    "console": "console",
    "demo_idp": "idp",
    "oauth": "oauth",
}
SCIM_OPERATION = {"GET": "read", "POST": "create", "PUT": "replace", "PATCH": "patch"}


def record_sign_in(outcome: str) -> None:
    """Count one post to an ACS and how it ended (a no-op while metrics are off)."""
    metrics: Metrics | None = current_app.extensions.get(EXTENSION)
    if metrics is not None:
        metrics.sign_ins.labels(outcome).inc()


def _family() -> str:
    blueprint = request.blueprint or ""
    return FAMILIES.get(blueprint, "other")


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is None:
        return response
    metrics: Metrics = current_app.extensions[EXTENSION]
    family = _family()
    status = str(response.status_code)
    metrics.requests.labels(family, status).observe(time.perf_counter() - started)
    if family in ("scim", "scim2"):
        operation = SCIM_OPERATION.get(request.method, request.method.lower())
        if request.method == "POST" and request.path.endswith(("/.search", "/Bulk")):
            operation = "search" if request.path.endswith("/.search") else "bulk"
        metrics.scim_operations.labels(
            "zoom" if family == "scim2" else "scim", operation, status
        ).inc()
    pool = current_app.extensions["gateway.store"].engine.pool
    checked_out = getattr(pool, "checkedout", None)
    if checked_out is not None:
        metrics.pool_in_use.set(checked_out())
    return response


def _scrape() -> Response:
    metrics: Metrics = current_app.extensions[EXTENSION]
    return Response(metrics.scrape(), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Serve ``/metrics`` and time every request, when the configuration turns metrics on."""
    if not app.extensions["gateway.config"].metrics:
        return
    app.extensions[EXTENSION] = process_metrics()
    app.before_request(_start)
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", _scrape, methods=["GET"])
