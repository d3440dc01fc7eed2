"""The pipelined script client the rate limiter's event-loop path uses (``core.redis_wire``),
against the real Redis, on asyncio's loop and on uvloop (what ``chainless serve`` runs)."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import uvloop
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chainless.platform.core.redis_wire import PipelinedScript, encode_command

ECHO = "return ARGV[1] .. '|' .. KEYS[1]"

Runner = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Runner:
    return asyncio.run if request.param == "asyncio" else uvloop.run  # type: ignore[no-any-return]


@pytest.fixture
def server(redis_client: Redis | None) -> dict[str, Any]:
    if redis_client is None:
        pytest.skip("needs Redis")
    kwargs = redis_client.connection_pool.connection_kwargs
    return {
        "host": kwargs["host"],
        "port": kwargs["port"],
        "db": kwargs.get("db", 0),
        "socket_timeout": 2,
    }


def test_commands_are_encoded_as_resp_arrays() -> None:
    assert encode_command(b"GET", b"k") == b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"


def test_concurrent_calls_get_their_own_replies(run: Runner, server: dict[str, Any]) -> None:
    script = PipelinedScript(ECHO, server)

    async def burst() -> list[Any]:
        return await asyncio.gather(*(script(keys=[f"k{i}"], args=[i]) for i in range(200)))

    assert run(burst()) == [f"{i}|k{i}".encode() for i in range(200)]


def test_a_script_the_server_does_not_hold_is_loaded(run: Runner, server: dict[str, Any]) -> None:
    """A new script (as after a restart or a flush) answers NOSCRIPT first; it is then loaded.

    Never SCRIPT FLUSH here: the server is shared with the other tests running at the same time.
    """
    marker = uuid.uuid4().hex
    script = PipelinedScript(f"{ECHO} .. '|{marker}'", server)

    assert run(script(keys=["a"], args=["b"])) == f"b|a|{marker}".encode()


def test_a_script_error_is_a_response_error_and_the_connection_goes_on(
    run: Runner, server: dict[str, Any], redis_client: Redis
) -> None:
    failing = PipelinedScript("return redis.call('INCR', KEYS[1])", server)
    redis_client.set("chainless:test:not-a-number", "x")

    async def error_then_echo() -> Any:
        with pytest.raises(ResponseError, match="not an integer"):
            await failing(keys=["chainless:test:not-a-number"], args=[])
        return await failing(keys=["chainless:test:counter"], args=[])

    assert isinstance(run(error_then_echo()), int)


def test_a_dropped_connection_is_opened_again(
    run: Runner, server: dict[str, Any], redis_client: Redis
) -> None:
    script = PipelinedScript(f"-- {uuid.uuid4()}\n{ECHO}", server)  # its own connection name

    async def across_a_kill() -> Any:
        assert await script(keys=["a"], args=["1"]) == b"1|a"
        name = f"chainless-script-{os.getpid()}-{script.sha[:8].decode()}"
        ours = [c["id"] for c in redis_client.client_list() if c["name"] == name]
        assert len(ours) == 1
        redis_client.client_kill_filter(_id=ours[0])
        await asyncio.sleep(0.2)  # the loop sees the connection close
        return await script(keys=["a"], args=["2"])

    assert run(across_a_kill()) == b"2|a"


def test_a_silent_server_times_out(run: Runner) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    script = PipelinedScript(
        ECHO, {"host": "127.0.0.1", "port": listener.getsockname()[1], "socket_timeout": 0.3}
    )
    try:
        with pytest.raises(RedisTimeoutError):
            run(script(keys=["a"], args=["b"]))
    finally:
        listener.close()


def test_no_server_is_a_connection_error(run: Runner) -> None:
    unused = socket.socket()
    unused.bind(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()
    script = PipelinedScript(ECHO, {"host": "127.0.0.1", "port": port, "socket_timeout": 1})

    with pytest.raises(RedisConnectionError):
        run(script(keys=["a"], args=["b"]))
