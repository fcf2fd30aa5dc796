"""JSON out, through orjson: the same documents as the standard library writes, faster.

Dates, dataclasses and anything orjson does not know go through Flask's own conversion, so a
response means what it meant with Flask's default provider (a test compares them).
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider, _default

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_OPTIONS |= orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def dumps(value: Any) -> bytes:
    """``value`` as JSON bytes (UTF-8); raises TypeError for what JSON cannot hold."""
    try:
        return orjson.dumps(value, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        # What orjson refuses and the standard library writes (integers beyond 64 bits) takes
        # the slow road; what neither can write raises TypeError there.
        return json.dumps(value, default=_default, ensure_ascii=False).encode()


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider writing through ``dumps`` (``jsonify``, ``app.json.response``)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs.get("indent") or kwargs.get("sort_keys") or self.sort_keys:
            return super().dumps(obj, **kwargs)
        return dumps(obj).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if self._app.debug or self.compact is False or self.sort_keys:
            return super().response(*args, **kwargs)  # type: ignore[return-value]
        body = dumps(self._prepare_response_obj(args, kwargs)) + b"\n"
        return Response(body, mimetype=self.mimetype)
