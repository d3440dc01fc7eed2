"""A small closed-loop HTTP/1.1 load generator, run as its own process.

Each of ``--concurrency`` connections sends its next request as soon as the previous answer is
read (keep-alive), for ``--duration`` seconds after a warm-up. Prints one JSON object: requests,
rps (all answers) and ok_rps (2xx answers), latency percentiles (ms), status counts. Raw asyncio
streams keep the client's own cost low enough that the server, not the generator, is what is
measured.

Requests either repeat one body (``--body``) or take their bodies from ``--bodies FILE``, one per
line, each used once: for single-use credentials (refresh tokens, authorization codes, signed
sign-in messages). A run with a body file ends early when the file is used up (the report says
``exhausted`` and measures over the shorter window). ``--requeue 429`` puts a body answered with
that status back at the end of the queue: a rate-limited request never reached the endpoint, so
its credential is still unused. ``--forwarded-for N`` spreads the requests over N client addresses
with ``X-Forwarded-For``, which a server behind a trusted proxy (uvicorn trusts 127.0.0.1) counts
as N clients, one per address, for its per-IP rate limits.

``fetch_all`` is the same client for seeding: it sends prepared requests and returns the answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


def build_request(method: str, url: str, headers: list[str], body: bytes) -> bytes:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: keep-alive"]
    lines += headers
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def forwarded_for(index: int) -> str:
    """A synthetic client address in 10.0.0.0/8 (index modulo 2**24)."""
    index %= 1 << 24
    return f"X-Forwarded-For: 10.{index >> 16}.{(index >> 8) & 255}.{index & 255}"


@dataclass
class Answer:
    status: int
    head: bytes
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower().encode()
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == wanted:
                return value.strip().decode("latin-1")
        return None


async def read_response(reader: asyncio.StreamReader) -> Answer:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value.strip())
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    body = b""
    if chunked:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunks.append((await reader.readexactly(size + 2))[:-2])
            if size == 0:
                break
        body = b"".join(chunks)
    elif length:
        body = await reader.readexactly(length)
    return Answer(status, head, body)


class Payloads:
    """What the connections send next: a cycle of fixed requests, or a queue of single-use ones."""

    def __init__(self, payloads: list[bytes], *, single_use: bool) -> None:
        self.single_use = single_use
        self.total = len(payloads)
        self._cycle = payloads
        self._queue = deque(payloads)
        self._next = 0
        self.taken = 0
        self.returned = 0

    def take(self) -> bytes | None:
        if self.single_use:
            if not self._queue:
                return None
            self.taken += 1
            return self._queue.popleft()
        payload = self._cycle[self._next % len(self._cycle)]
        self._next += 1
        self.taken += 1
        return payload

    def give_back(self, payload: bytes) -> None:
        if self.single_use:
            self.returned += 1
            self._queue.append(payload)

    @property
    def exhausted(self) -> bool:
        return self.single_use and not self._queue


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    last_done: float = 0.0
    answered: int = 0  # warm-up included


async def worker(
    url: str,
    payloads: Payloads,
    requeue: frozenset[int],
    until: float,
    warm_until: float,
    tally: Tally,
) -> None:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    try:
        while True:
            started = time.perf_counter()
            if started >= until:
                return
            payload = payloads.take()
            if payload is None:
                return
            try:
                writer.write(payload)
                answer = await read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                tally.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
                continue
            done = time.perf_counter()
            tally.answered += 1
            if answer.status in requeue:
                payloads.give_back(payload)
            if started >= warm_until:
                tally.latencies.append(done - started)
                tally.statuses[answer.status] = tally.statuses.get(answer.status, 0) + 1
                tally.last_done = done
    finally:
        writer.close()


def _payloads(args: argparse.Namespace) -> Payloads:
    headers = list(args.header or [])
    if args.bodies:
        with open(args.bodies, encoding="utf-8") as source:
            bodies = [line.rstrip("\n").encode() for line in source if line.strip()]
    else:
        bodies = [args.body.encode()] if args.body else [b""]
    if any(bodies):
        headers.append(f"Content-Type: {args.content_type}")
    variants = max(1, args.forwarded_for)
    if args.bodies:  # one request per body, the client addresses taken in turn
        built = [
            build_request(
                args.method,
                args.url,
                headers + ([forwarded_for(i)] if args.forwarded_for else []),
                body,
            )
            for i, body in enumerate(bodies)
        ]
        return Payloads(built, single_use=True)
    built = [
        build_request(
            args.method,
            args.url,
            headers + ([forwarded_for(i)] if args.forwarded_for else []),
            bodies[0],
        )
        for i in range(variants)
    ]
    return Payloads(built, single_use=False)


async def run(args: argparse.Namespace) -> dict[str, object]:
    payloads = _payloads(args)
    requeue = frozenset(int(s) for s in args.requeue or [])
    tally = Tally()
    start = time.perf_counter()
    warm_until = start + args.warmup
    until = warm_until + args.duration
    await asyncio.gather(
        *(
            worker(args.url, payloads, requeue, until, warm_until, tally)
            for _ in range(args.concurrency)
        )
    )
    latencies = sorted(tally.latencies)
    count = len(latencies)
    window = args.duration
    if payloads.exhausted and tally.last_done:
        window = max(0.001, min(args.duration, tally.last_done - warm_until))
    ok = sum(n for status, n in tally.statuses.items() if 200 <= status < 300)

    def pct(p: float) -> float:
        return round(latencies[min(count - 1, int(p * count))] * 1000, 2) if count else 0.0

    report: dict[str, object] = {
        "requests": count,
        "rps": round(count / window, 1),
        "ok_rps": round(ok / window, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if count else 0.0,
        "window_s": round(window, 2),
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "connection_errors": tally.errors,
        "answered_with_warmup": tally.answered,
    }
    if payloads.single_use:
        report["bodies"] = {
            "total": payloads.total,
            "sent": payloads.taken,
            "requeued": payloads.returned,
            "used": payloads.taken - payloads.returned,
            "exhausted": payloads.exhausted,
        }
    return report


async def fetch_all(url: str, requests: Iterable[bytes], concurrency: int = 32) -> list[Answer]:
    """Send prepared requests (``build_request``) over keep-alive connections; answers in order.

    A request whose connection broke gets ``Answer(0, ...)`` (it is not sent again: it may have
    been acted on), and its connection is opened anew."""
    todo = list(enumerate(requests))
    answers: list[Answer] = [Answer(0, b"", b"not sent")] * len(todo)
    queue = deque(todo)
    parts = urlsplit(url)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        try:
            while queue:
                index, payload = queue.popleft()
                try:
                    writer.write(payload)
                    answers[index] = await read_response(reader)
                except (ConnectionError, asyncio.IncompleteReadError) as error:
                    answers[index] = Answer(0, b"", repr(error).encode())
                    writer.close()
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(min(concurrency, len(todo)) or 1)))
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--header", action="append")
    parser.add_argument("--body", default="")
    parser.add_argument("--bodies", help="a file of bodies, one per line, each sent once")
    parser.add_argument("--content-type", default="application/json")
    parser.add_argument("--requeue", action="append", help="a status whose body is sent again")
    parser.add_argument("--forwarded-for", type=int, default=0, metavar="N")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
