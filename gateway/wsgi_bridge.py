"""Serve a WSGI app on Granian's RSGI interface without letting a slow client hold a thread.

Granian's own WSGI interface hands the request to a Python thread as soon as the headers are
in, and that thread then blocks reading the body: a few clients trickling bytes take every
thread. Here the body is read on Granian's event loop (no thread held, bounded in size and in
time), and only a complete request reaches the app. With one thread (the default) the app runs
on the event loop's own thread, one request at a time, as a sync worker behind a buffering
proxy would: no hop between threads, which costs more than a small request's own work. With
more, a pool of that many threads runs requests side by side. The response is sent from the
loop. The access log is written here, with the secrets of activation and invitation links
redacted.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol
from urllib.parse import quote

log = logging.getLogger("gateway.access")
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
LOGGED_PATH_CHARS = 512
_TEXT = [("content-type", "application/json")]


class Scope(Protocol):
    """The part of Granian's RSGI scope the bridge reads."""

    http_version: str
    client: str
    server: str
    scheme: str
    method: str
    path: str
    query_string: str

    @property
    def headers(self) -> Any: ...


class HttpProtocol(Protocol):
    """The part of Granian's RSGI HTTP protocol the bridge uses."""

    def __call__(self) -> Awaitable[bytes]: ...

    def __aiter__(self) -> Any: ...

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None: ...


def _refusal(code: str, message: str) -> bytes:
    return ('{"code": "%s", "message": "%s"}' % (code, message)).encode()  # noqa: UP031


class BodyTooLarge(Exception):
    """The client sent more than the app accepts."""


class WsgiBridge:
    """An RSGI application running ``app`` (WSGI): on the event loop's thread when ``threads``
    is 1, else in a pool of ``threads`` threads."""

    def __init__(
        self,
        app: WsgiApp,
        *,
        threads: int,
        max_body: int,
        body_seconds: float,
        redact: Callable[[str], str] = lambda path: path,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.body_seconds = body_seconds
        self.redact = redact
        self.pool = (
            ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gateway")
            if threads > 1
            else None
        )

    def __rsgi_del__(self, loop: Any) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    async def __rsgi__(self, scope: Scope, protocol: HttpProtocol) -> None:
        started = time.perf_counter()
        status, headers, body = await self._answer(scope, protocol)
        protocol.response_bytes(status, headers, body)
        self._log(scope, status, len(body), started)

    async def _answer(
        self, scope: Scope, protocol: HttpProtocol
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        headers = scope.headers
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            return 413, _TEXT, self._too_large()
        chunked = "transfer-encoding" in headers
        body = b""
        if chunked or (declared is not None and declared != "0"):
            try:
                async with asyncio.timeout(self.body_seconds):
                    # A declared length is enforced by the HTTP layer, so the body can be taken
                    # whole; a chunked one is counted as it comes.
                    body = await (self._read(protocol) if chunked else protocol())
            except BodyTooLarge:
                return 413, _TEXT, self._too_large()
            except TimeoutError:
                message = f"The request body did not arrive within {self.body_seconds:g} seconds."
                return 408, _TEXT, _refusal("request_timeout", message)
        if self.pool is None:
            return self._call(environ(scope, body))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self._call, environ(scope, body))

    def _too_large(self) -> bytes:
        message = f"The request body is larger than {self.max_body} bytes; send less."
        return _refusal("too_large", message)

    async def _read(self, protocol: HttpProtocol) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in protocol:
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    def _call(self, env: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            started[:] = [status, headers]
            return None

        result = self.app(env, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(started[0][:3]), started[1], body

    def _log(self, scope: Scope, status: int, size: int, started: float) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        path = self.redact(scope.path)[:LOGGED_PATH_CHARS]
        client = scope.client.rpartition(":")[0]
        millis = (time.perf_counter() - started) * 1000
        log.info('%s "%s %s" %s %s %.1fms', client, scope.method, path, status, size, millis)


def environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an RSGI request whose body has been read."""
    host, _, port = scope.server.rpartition(":")
    env: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        # PEP 3333: the decoded path's bytes, carried as latin-1 text.
        "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "RAW_URI": quote(scope.path) + (f"?{scope.query_string}" if scope.query_string else ""),
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": scope.client.rpartition(":")[0],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            env[key] = value
            continue
        if key == "CONTENT_LENGTH":
            continue
        key = f"HTTP_{key}"
        if key in env:
            env[key] += ("; " if key == "HTTP_COOKIE" else ", ") + value
        else:
            env[key] = value
    return env
