"""Zoom's filters: ``userName eq <email>`` and ``externalId eq <user id>`` on Users,
``displayName eq <name>`` on Groups, the value quoted or not; translated to RFC 7644 filters
for the one SCIM service. Anything else is refused as Zoom refuses it (400)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from gateway.zoom_scim import choices
from gateway.zoom_scim.errors import InvalidRequest

_EQ = re.compile(r"^\s*([A-Za-z]+)\s+eq\s+(.+?)\s*$", re.IGNORECASE | re.DOTALL)
# Zoom's attribute -> the RFC attribute it means (externalId is the Zoom user id: the reference).
# The reference also lists a "license type" filter without its syntax: ``userType eq <type>``
# is the gateway's reading of it (inferred).
USER_FILTERS = {"username": "userName", "externalid": "id", "usertype": "userType"}
# Filters naming one user: a pending one answers Zoom's 400 instead of being left out.
ONE_USER = frozenset({"userName", "id"})
GROUP_FILTERS = {"displayname": "displayName"}
# A pending user is hidden from unfiltered lists (``choices.PENDING_HIDDEN``).
NOT_PENDING = 'not (urn:ietf:params:scim:schemas:extension:zoom:1.0:User:status eq "pending")'


@dataclass(frozen=True)
class ZoomFilter:
    """One ``<attribute> eq <value>`` filter and the RFC filter it becomes."""

    attribute: str
    value: str

    @property
    def rfc(self) -> str:
        """The RFC 7644 filter text, the value a JSON string."""
        return f"{self.attribute} eq {json.dumps(self.value)}"

    @property
    def one_user(self) -> bool:
        """Whether the filter names one user (by email or id)."""
        return self.attribute in ONE_USER


def user_filter(text: str) -> ZoomFilter:
    """The RFC filter of a Zoom Users filter; raises InvalidRequest for any other filter."""
    return _read(text, USER_FILTERS, choices.FILTER_REFUSED)


def group_filter(text: str) -> ZoomFilter:
    """The RFC filter of a Zoom Groups filter; raises InvalidRequest for any other filter."""
    return _read(text, GROUP_FILTERS, choices.GROUP_FILTER_REFUSED)


def _read(text: str, allowed: dict[str, str], refusal: str) -> ZoomFilter:
    found = _EQ.match(text)
    if found is None or found.group(1).casefold() not in allowed:
        raise InvalidRequest(refusal)
    value = _value(found.group(2))
    if value is None or not value:
        raise InvalidRequest(refusal)
    return ZoomFilter(allowed[found.group(1).casefold()], value)


def _value(raw: str) -> str | None:
    """An unquoted value as written, a quoted one without its quotes (None: malformed)."""
    if not raw.startswith('"'):
        return None if '"' in raw else raw
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, str) else None
