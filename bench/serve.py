"""Serving: cold start to ready with a persisted store, and API ask latency next to the in-process figure.

Goals (issue 5): `vankien serve` answers /readyz within 5 s of starting, on a persisted store;
POST /api/ask within 10 ms of QuestionAnswering.ask in-process (median over the same questions).

    .venv/bin/python bench/serve.py [--data-dir data/store] [--questions 20] [--repeat 3] [--starts 3]

The store is copied to a temporary folder first; the original is not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from assistant.answering import AskRequest
from assistant.runtime import open_runtime
from assistant.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int, *, ui: bool) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VANKIEN_API__UI": "true" if ui else "false"}
    command = [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise TimeoutError("server not ready")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cold_starts(data_dir: Path, starts: int, *, ui: bool) -> list[float]:
    seconds = []
    for _ in range(starts):
        port = free_port()
        started = time.perf_counter()
        process = start_server(data_dir, port, ui=ui)
        try:
            wait_ready(f"http://127.0.0.1:{port}", process)
            seconds.append(time.perf_counter() - started)
        finally:
            stop(process)
    return seconds


def ask_latencies(data_dir: Path, questions: list[str], repeat: int) -> dict[str, list[float]]:
    """Each question in-process and through the API, alternately, so that machine load hits both alike.

    Also the API's overhead per request: wall time minus the ``total`` the server itself measured.
    """
    timings: dict[str, list[float]] = {"in_process": [], "api": [], "api_overhead": []}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_server(data_dir, port, ui=False)
    try:
        wait_ready(url, process)
        with open_runtime(Settings(), data_dir) as runtime, httpx.Client(base_url=url, timeout=60) as client:
            runtime.answering.ask(AskRequest(question=questions[0]))  # warm-up
            client.post("/api/ask", json={"question": questions[0]}).raise_for_status()
            for _ in range(repeat):
                for question in questions:
                    started = time.perf_counter()
                    runtime.answering.ask(AskRequest(question=question))
                    timings["in_process"].append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    response = client.post("/api/ask", json={"question": question})
                    wall = (time.perf_counter() - started) * 1000
                    response.raise_for_status()
                    timings["api"].append(wall)
                    timings["api_overhead"].append(wall - response.json()["timings_ms"]["total"])
    finally:
        stop(process)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=Path("data/store"))
    parser.add_argument("--testset", type=Path, default=Path("data/testsets/dev.jsonl"))
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()

    lines = args.testset.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()][: args.questions]
    with tempfile.TemporaryDirectory(prefix="vankien-bench-serve-") as scratch:
        store = Path(scratch) / "store"
        shutil.copytree(args.data_dir, store)
        start_api = cold_starts(store, args.starts, ui=False)
        start_ui = cold_starts(store, args.starts, ui=True)
        asks = ask_latencies(store, questions, args.repeat)

    result = {
        "cold_start_s": {
            "api_only_median": round(statistics.median(start_api), 2),
            "api_only_runs": [round(s, 2) for s in start_api],
            "with_ui_median": round(statistics.median(start_ui), 2),
            "with_ui_runs": [round(s, 2) for s in start_ui],
        },
        "ask_ms": {
            "questions": len(questions),
            "repeat": args.repeat,
            "in_process_median": round(statistics.median(asks["in_process"]), 1),
            "api_median": round(statistics.median(asks["api"]), 1),
            "api_minus_in_process": round(
                statistics.median(asks["api"]) - statistics.median(asks["in_process"]), 1
            ),
            "api_overhead_median": round(statistics.median(asks["api_overhead"]), 1),
            "api_overhead_p90": round(statistics.quantiles(asks["api_overhead"], n=10)[-1], 1),
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
