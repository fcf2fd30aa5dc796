"""One checked operation of an RFC 7644 §3.7 BulkRequest and the ``bulkId`` references in it.

Shared by the runner (``bulk``) and its batches of creates (``bulk_batch``), which import it and
not each other's modules in a circle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

REFERENCE = re.compile(r"bulkId:([^\s/\"]+)")


@dataclass(frozen=True)
class BulkOperation:
    """One checked operation of a BulkRequest."""

    index: int
    method: str
    path: str
    bulk_id: str | None
    data: Any
    version: str | None

    def references(self) -> set[str]:
        """The bulkIds this operation's path and data refer to."""
        return set(REFERENCE.findall(self.path)) | _references_in(self.data)


def _references_in(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(REFERENCE.findall(value))
    if isinstance(value, list):
        return set().union(*(_references_in(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(_references_in(v) for v in value.values())) if value else set()
    return set()
