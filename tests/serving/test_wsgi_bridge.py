"""The RSGI bridge in process: how it reads a body (not at all, whole, or counted chunk by
chunk), its refusals (413, 408), and where the app runs (the loop's thread, or a pool)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.wsgi_bridge import WsgiBridge


class Headers(dict[str, str]):
    """Granian's header map: ``get`` and ``items`` on lower-case names."""


class Scope:
    http_version = "1.1"
    client = "127.0.0.1:50000"
    server = "127.0.0.1:8000"
    scheme = "http"
    query_string = ""

    def __init__(self, method: str, headers: dict[str, str]) -> None:
        self.method = method
        self.path = "/echo"
        self.headers = Headers(headers)


class Protocol:
    """A client: ``chunks`` arrive ``delay`` seconds apart; records what the bridge asked."""

    def __init__(self, chunks: list[bytes], delay: float = 0.0) -> None:
        self.chunks = chunks
        self.delay = delay
        self.asked: list[str] = []
        self.answer: tuple[int, list[tuple[str, str]], bytes] | None = None

    async def __call__(self) -> bytes:
        self.asked.append("whole")
        await asyncio.sleep(self.delay)
        return b"".join(self.chunks)

    def __aiter__(self) -> AsyncIterator[bytes]:
        self.asked.append("chunks")
        return self._each()

    async def _each(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            await asyncio.sleep(self.delay)
            yield chunk

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answer = (status, headers, body)


def echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Answers the body it read, its declared length and the thread it ran on."""
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("content-type", "application/json")])
    seen = {
        "body": body.decode(),
        "length": environ["CONTENT_LENGTH"],
        "thread": threading.get_ident(),
    }
    return [json.dumps(seen).encode()]


def serve(
    scope: Scope, protocol: Protocol, threads: int = 1, seconds: float = 5.0
) -> tuple[int, dict[str, Any], int]:
    """One request through a bridge; the status, the decoded answer and the loop's thread."""
    bridge = WsgiBridge(echo, threads=threads, max_body=64, body_seconds=seconds)

    async def run() -> int:
        await bridge.__rsgi__(scope, protocol)
        return threading.get_ident()

    # A loop of its own in a thread of its own: the suite's other tests may leave one set on
    # the main thread.
    done: list[int] = []
    runner = threading.Thread(target=lambda: done.append(asyncio.run(run())))
    try:
        runner.start()
        runner.join(timeout=10)
    finally:
        bridge.__rsgi_del__(None)
    assert done, "the bridge did not answer"
    loop_thread = done[0]
    assert protocol.answer is not None
    status, _, body = protocol.answer
    return status, json.loads(body), loop_thread


def test_a_request_without_a_body_is_answered_without_waiting_for_one():
    protocol = Protocol([b"never read"])
    status, seen, _ = serve(Scope("GET", {}), protocol)
    assert (status, seen["body"], seen["length"]) == (200, "", "0")
    assert protocol.asked == []


def test_a_declared_body_is_taken_whole():
    protocol = Protocol([b'{"a":', b" 1}"])
    status, seen, _ = serve(Scope("POST", {"content-length": "7"}), protocol)
    assert (status, seen["body"], seen["length"]) == (200, '{"a": 1}', "8")
    assert protocol.asked == ["whole"]


def test_a_chunked_body_is_read_chunk_by_chunk():
    protocol = Protocol([b"ab", b"cd"])
    status, seen, _ = serve(Scope("POST", {"transfer-encoding": "chunked"}), protocol)
    assert (status, seen["body"]) == (200, "abcd")
    assert protocol.asked == ["chunks"]


@pytest.mark.parametrize(
    "headers",
    [{"content-length": "65"}, {"content-length": "-1"}, {"transfer-encoding": "chunked"}],
)
def test_a_body_over_the_limit_is_refused_413(headers):
    protocol = Protocol([b"x" * 40, b"y" * 40])
    status, seen, _ = serve(Scope("POST", headers), protocol)
    assert (status, seen["code"]) == (413, "too_large")


@pytest.mark.parametrize("headers", [{"content-length": "4"}, {"transfer-encoding": "chunked"}])
def test_a_body_that_does_not_arrive_in_time_is_refused_408(headers):
    protocol = Protocol([b"ab", b"cd"], delay=0.2)
    status, seen, _ = serve(Scope("POST", headers), protocol, seconds=0.05)
    assert (status, seen["code"]) == (408, "request_timeout")


def test_with_one_thread_the_app_runs_on_the_loops_thread():
    status, seen, loop_thread = serve(Scope("GET", {}), Protocol([]), threads=1)
    assert status == 200 and seen["thread"] == loop_thread


def test_with_several_threads_the_app_runs_in_the_pool():
    status, seen, loop_thread = serve(Scope("GET", {}), Protocol([]), threads=4)
    assert status == 200 and seen["thread"] != loop_thread
