"""A real stepstone server inside the test process: its own thread and event loop, a fresh database
(a SQLite file, or the in-memory store when no file is named), a virtual clock, real HTTP on a free
loopback port. Tests talk to it with boto3 like to AWS.

    with TestServer(tmp_path / "stepstone.db") as server:
        sfn = server.client()
        ...
        server.call(server.service.advance(86400))   # a coroutine, run on the server's loop
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from stepstone.app import Server, build, running
from stepstone.config import Config
from stepstone.service import Service

__all__ = ["TestServer", "free_port"]

T = TypeVar("T")
#: How long a server may take to start, and a call on its loop to answer (seconds).
START_TIMEOUT = 30.0
CALL_TIMEOUT = 120.0


def free_port() -> int:
    """A loopback port nobody listens on (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class TestServer:
    """`stepstone serve --clock virtual` in a background thread, for one test (or one module).

    `db` None is the in-memory store: the fastest (no thread hop per store call), gone with the server.
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(
        self,
        db: Path | None = None,
        *,
        mock_config: Path | None = None,
        functions: Sequence[Path] = (),
        clock: str = "virtual",
    ) -> None:
        self.config = Config(
            host="127.0.0.1", port=free_port(), db=db, data_dir=None if db is None else db.parent,
            clock=clock, mock_config=mock_config, functions=tuple(functions),
        )  # fmt: skip
        self.endpoint = f"http://127.0.0.1:{self.config.port}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._stop: asyncio.Event | None = None
        self._server: Server | None = None

    @property
    def service(self) -> Service:
        assert self._server is not None, "the server is not running"
        return self._server.service

    def start(self) -> TestServer:
        self._thread = threading.Thread(target=self._run, name="stepstone-test-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise RuntimeError(f"the stepstone test server did not start within {START_TIMEOUT:.0f} s")
        if self._failed is not None:
            raise self._failed
        return self

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(START_TIMEOUT)

    def __enter__(self) -> TestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        """Run a coroutine on the server's loop (the service, the store) and return its result."""
        assert self._loop is not None, "the server is not running"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def client(self, **kwargs: Any) -> Any:
        """A boto3 Step Functions client pointed at this server (keyword arguments override)."""
        import boto3
        from botocore.config import Config as BotoConfig

        settings: dict[str, Any] = {
            "region_name": self.config.region, "endpoint_url": self.endpoint,
            "aws_access_key_id": "test", "aws_secret_access_key": "test",
            # StartSyncExecution would go to sync-127.0.0.1 otherwise (AWS's host prefix)
            "config": BotoConfig(inject_host_prefix=False),
        }  # fmt: skip
        return boto3.client("stepfunctions", **{**settings, **kwargs})

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to start(); the thread ends either way
            self._failed = exc
            self._ready.set()
        finally:
            loop.close()

    async def _main(self) -> None:
        import uvicorn

        self._stop = asyncio.Event()
        self._server = build(self.config)
        async with running(self._server):
            uv = uvicorn.Server(
                uvicorn.Config(
                    self._server.api,
                    host="127.0.0.1",
                    port=self.config.port,
                    log_level="warning",
                    lifespan="off",
                )
            )
            serving = asyncio.create_task(uv.serve())
            while not uv.started and not serving.done():
                await asyncio.sleep(0.005)
            if serving.done():
                serving.result()  # raises why it could not listen
            self._ready.set()
            await self._stop.wait()
            uv.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await serving
