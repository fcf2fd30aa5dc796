"""SCIM workloads (placeholder until gateway/scim/service.py lands)."""

from __future__ import annotations

from harness import Figure, log


def run(quick: bool, backends: tuple[str, ...]) -> list[Figure]:
    """No SCIM figures yet."""
    log("SCIM: the service is not in the tree yet, skipped")
    return []
