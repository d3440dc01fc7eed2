"""One Lua script over one pipelined Redis connection per event loop, in plain RESP2.

The hottest requests (an API key's read, see ``apikeys.authentication``) cost one script call
each. Through redis-py's asyncio client that call checks a connection out of a pool, wraps it in
retry and timeout machinery and parses the reply generically: a quarter of such a request's CPU
(docs/BENCHMARKS.md). Here the calls of every concurrent request share one connection: each
writes its ``EVALSHA`` and waits for its reply, and Redis answers a connection's commands in the
order they came (RESP pipelining), so the replies are matched first-in first-out. Concurrent
requests then share reads and writes too, instead of each waking the loop for its own.

Only what the script needs is implemented: bulk, simple and error replies (the script returns one
string). A server without the script (restarted, flushed) answers ``NOSCRIPT``; the call then
loads it and asks again. A broken connection fails the calls in flight with redis-py's
``ConnectionError`` (what the rest of the platform already handles) and the next call connects
again.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections import deque
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

_CRLF = b"\r\n"


def encode_command(*parts: bytes) -> bytes:
    """A command as a RESP array of bulk strings."""
    chunks = [b"*%d\r\n" % len(parts)]
    for part in parts:
        chunks.append(b"$%d\r\n%s\r\n" % (len(part), part))
    return b"".join(chunks)


def _bytes(value: str | int | bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()


class _ReplyError(Exception):
    """An error reply, carried to the caller that sent the command."""


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.buffer = bytearray()
        self.lost: Exception | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no asyncio.Transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = RedisConnectionError(f"connection to Redis lost: {exc or 'closed'}")
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(self.lost)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.waiting:
            parsed = _parse(self.buffer)
            if parsed is None:
                return
            reply, used = parsed
            del self.buffer[:used]
            future = self.waiting.popleft()
            if future.done():  # its caller timed out: the reply is dropped, the order kept
                continue
            if isinstance(reply, _ReplyError):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    def send(self, command: bytes) -> asyncio.Future[Any]:
        if self.lost is not None or self.transport is None or self.transport.is_closing():
            raise self.lost or RedisConnectionError("connection to Redis is closed")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        self.transport.write(command)
        return future


def _parse(buffer: bytearray) -> tuple[bytes | int | _ReplyError | None, int] | None:
    """One reply from the front of ``buffer`` and its length; ``None`` until it is complete."""
    end = buffer.find(_CRLF)
    if end < 0:
        return None
    kind, line = buffer[0:1], bytes(buffer[1:end])
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, end + 2
        stop = end + 2 + size
        if len(buffer) < stop + 2:
            return None
        return bytes(buffer[end + 2 : stop]), stop + 2
    if kind == b"+":
        return line, end + 2
    if kind == b":":
        return int(line), end + 2
    if kind == b"-":
        return _ReplyError(line.decode(errors="replace")), end + 2
    raise RedisConnectionError(f"unexpected Redis reply type {kind!r}")


class PipelinedScript:
    """``await script(keys=[...], args=[...])`` for one Lua script; one connection per loop."""

    def __init__(self, source: str, connection: dict[str, Any]) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest().encode()  # noqa: S324 - Redis's id
        self.connection = connection
        self._protocol: _Protocol | None = None
        self._connecting: asyncio.Lock | None = None

    async def __call__(self, *, keys: list[str], args: list[str | int]) -> Any:
        parts = [b"EVALSHA", self.sha, b"%d" % len(keys), *map(_bytes, keys), *map(_bytes, args)]
        try:
            return await self._ask(encode_command(*parts))
        except _ReplyError as error:
            if not str(error).startswith("NOSCRIPT"):
                raise ResponseError(str(error)) from None
        await self._ask(encode_command(b"SCRIPT", b"LOAD", self.source.encode()))
        try:
            return await self._ask(encode_command(*parts))
        except _ReplyError as error:
            raise ResponseError(str(error)) from None

    async def _ask(self, command: bytes) -> Any:
        protocol = self._protocol
        if protocol is None or protocol.lost is not None:
            protocol = await self._connect()
        future = protocol.send(command)
        timeout = self.connection.get("socket_timeout")
        if timeout is None:
            return await future
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.shield(future)
        except TimeoutError:
            raise RedisTimeoutError(f"Redis did not answer within {timeout}s") from None

    async def _connect(self) -> _Protocol:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._protocol is not None and self._protocol.lost is None:
                return self._protocol
            loop = asyncio.get_running_loop()
            settings = self.connection
            try:
                async with asyncio.timeout(settings.get("socket_connect_timeout") or 5):
                    if settings.get("unix_socket_path"):
                        _, protocol = await loop.create_unix_connection(
                            _Protocol, settings["unix_socket_path"]
                        )
                    else:
                        _, protocol = await loop.create_connection(
                            _Protocol, settings.get("host", "localhost"), settings.get("port", 6379)
                        )
            except (OSError, TimeoutError) as error:
                raise RedisConnectionError(f"cannot connect to Redis: {error}") from None
            try:
                async with asyncio.timeout(settings.get("socket_timeout") or 5):
                    await self._hello(protocol)
            except BaseException as error:
                protocol.transport.close()  # type: ignore[union-attr]
                if isinstance(error, TimeoutError):
                    raise RedisTimeoutError("no answer to the connection's set-up") from None
                raise
            self._protocol = protocol
            return protocol

    async def _hello(self, protocol: _Protocol) -> None:
        """AUTH and SELECT, as the rest of the platform's clients do, and a name to find it by."""
        settings = self.connection
        password = settings.get("password")
        if password:
            username = settings.get("username")
            auth = (
                (b"AUTH", _bytes(username), _bytes(password))
                if username
                else (
                    b"AUTH",
                    _bytes(password),
                )
            )
            await _checked(protocol.send(encode_command(*auth)))
        if settings.get("db"):
            await _checked(protocol.send(encode_command(b"SELECT", _bytes(settings["db"]))))
        name = f"chainless-script-{os.getpid()}-{self.sha[:8].decode()}"  # shows in CLIENT LIST
        await _checked(protocol.send(encode_command(b"CLIENT", b"SETNAME", name.encode())))

    def close(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.close()


async def _checked(future: asyncio.Future[Any]) -> Any:
    try:
        return await future
    except _ReplyError as error:
        raise RedisConnectionError(f"Redis refused the connection's set-up: {error}") from None
