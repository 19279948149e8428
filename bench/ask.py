"""Warm ask latency over the samples, extractive answerer, with the time of each stage.

Goals (issue 4): p50 ≤ 60 ms and p95 ≤ 200 ms per question, through ``QuestionAnswering.ask`` (the path
the API, the CLI and the evaluator use). The stages are the response's ``timings_ms``; within retrieve,
the calls to ``embed_query`` and to the Chroma query are timed in the same asks, leaving the lexical
scoring and fusion as the rest.

    .venv/bin/python bench/ask.py [--store data/store] [--samples data/samples]
                                  [--testset data/testsets/dev.jsonl] [--repeat 3] [--json out.json]

The store is reused when it holds exactly the samples (copied to a temporary folder first, so the bench
never writes to it); otherwise the samples are ingested into a temporary folder (about 90 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering import AskRequest
from assistant.runtime import Runtime, open_runtime
from assistant.settings import Settings
from evals.testset import load_testset
from ingestion.pipeline import content_hash, discover

STAGES = ("analyse", "retrieve", "answer", "verify", "total")
GOAL_P50_MS = 60.0
GOAL_P95_MS = 200.0
# Thread settings of the numeric libraries change latency; the bench records them, it does not set them.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE")


def _store_holds_samples(store_dir: Path, samples: Path) -> bool:
    """True when ``store_dir`` holds exactly the sample files, each at its current content hash."""
    if not (store_dir / "manifest.sqlite").exists():
        return False
    from vectorstore.embeddings import build_embeddings
    from vectorstore.store import DocumentStore

    settings = Settings()
    wanted = {source.path.name: content_hash(source.path.read_bytes()) for source in discover([samples])}
    with DocumentStore.open(store_dir, build_embeddings(settings.embedding), settings.chroma) as store:
        stored = {record.file_name: record.content_hash for record in store.list_documents()}
    return stored == wanted


@contextmanager
def _runtime_over_samples(store_dir: Path, samples: Path) -> Iterator[tuple[Runtime, str]]:
    """A runtime over a private store of the samples, and how it was made ("copied" or "ingested")."""
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="vankien-bench-ask-") as tmp:
        data_dir = Path(tmp) / "store"
        if _store_holds_samples(store_dir, samples):
            shutil.copytree(store_dir, data_dir)
            origin = "copied"
        else:
            data_dir.mkdir()
            origin = "ingested"
        with open_runtime(settings, data_dir) as runtime:
            if origin == "ingested":
                outcomes = runtime.pipeline.ingest_all([samples])
                failed = [o for o in outcomes if o.status == "failed"]
                if failed:
                    raise SystemExit(f"ingest failed: {failed}")
            yield runtime, origin


def _percentiles(values: list[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=float)
    return {
        "p50": round(float(np.percentile(array, 50)), 2),
        "p95": round(float(np.percentile(array, 95)), 2),
        "max": round(float(array.max()), 2),
        "n": len(values),
    }


class _CallTimer:
    """Times every call of one method of one object (an instance attribute shadows the class's method)."""

    def __init__(self, owner: object, method: str) -> None:
        self.spent_ms = 0.0
        inner: Callable[..., Any] = getattr(owner, method)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.spent_ms += (time.perf_counter() - started) * 1000

        setattr(owner, method, timed)

    def take(self) -> float:
        spent, self.spent_ms = self.spent_ms, 0.0
        return spent


def run(store_dir: Path, samples: Path, testset: Path, repeat: int) -> dict[str, Any]:
    questions = [item.question for item in load_testset(testset).items]
    if not questions:
        raise SystemExit(f"no questions in {testset}")
    load_before = os.getloadavg()[0]
    with _runtime_over_samples(store_dir, samples) as (runtime, origin):
        answering = runtime.answering
        # Inside retrieve: embedding the query, and the Chroma query with that vector (a comparison
        # question retrieves once per side; the times add up).
        embed_timer = _CallTimer(runtime.embeddings, "embed_query")
        chroma_timer = _CallTimer(runtime.store, "dense_search_vector")

        # Warm-up: load the model, the lexical index, Chroma's HNSW segment, and every code path once.
        for question in questions:
            answering.ask(AskRequest(question=question))
        embed_timer.take()
        chroma_timer.take()

        stage_ms: dict[str, list[float]] = {stage: [] for stage in STAGES}
        embed_ms: list[float] = []
        chroma_ms: list[float] = []
        retrieve_rest_ms: list[float] = []
        abstained = 0
        for _ in range(repeat):
            for question in questions:
                response = answering.ask(AskRequest(question=question))
                abstained += response.abstained
                for stage in STAGES:
                    if stage in response.timings_ms:
                        stage_ms[stage].append(response.timings_ms[stage])
                embed_ms.append(embed_timer.take())
                chroma_ms.append(chroma_timer.take())
                retrieve_rest_ms.append(response.timings_ms["retrieve"] - embed_ms[-1] - chroma_ms[-1])

        total = _percentiles(stage_ms["total"])
        return {
            "questions": len(questions),
            "repeat": repeat,
            "asks": len(stage_ms["total"]),
            "abstained_share": round(abstained / len(stage_ms["total"]), 3),
            "store": origin,
            "chunks": len(runtime.store.chunks()),
            "embedding": runtime.settings.embedding.backend,
            "stages_ms": {stage: _percentiles(values) for stage, values in stage_ms.items() if values},
            "retrieve_parts_ms": {
                "embed_query": _percentiles(embed_ms),
                "chroma_query": _percentiles(chroma_ms),
                "lexical_fusion_and_rest": _percentiles(retrieve_rest_ms),
            },
            "goals": {
                "p50_ms": GOAL_P50_MS,
                "p95_ms": GOAL_P95_MS,
                "met": total["p50"] <= GOAL_P50_MS and total["p95"] <= GOAL_P95_MS,
            },
            "machine": {
                "cpus": os.cpu_count(),
                # Other work on the machine inflates every figure; the bench reports it rather than hiding it.
                "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                "python": platform.python_version(),
                "threads_env": {name: os.environ.get(name) for name in THREAD_VARIABLES},
            },
        }


def _table(result: dict[str, Any]) -> str:
    rows = [("stage", "p50 ms", "p95 ms", "max ms", "n")]
    for name, stats in result["stages_ms"].items():
        rows.append((name, str(stats["p50"]), str(stats["p95"]), str(stats["max"]), str(stats["n"])))
    for name, stats in result["retrieve_parts_ms"].items():
        rows.append(
            ("  retrieve: " + name, str(stats["p50"]), str(stats["p95"]), str(stats["max"]), str(stats["n"]))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, default=Path("data/store"))
    parser.add_argument("--samples", type=Path, default=Path("data/samples"))
    parser.add_argument("--testset", type=Path, default=Path("data/testsets/dev.jsonl"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()

    result = run(args.store, args.samples, args.testset, args.repeat)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(_table(result), file=sys.stderr)
    goals = result["goals"]
    total = result["stages_ms"]["total"]
    verdict = "met" if goals["met"] else "MISSED"
    print(
        f"total p50 {total['p50']} ms (goal ≤ {GOAL_P50_MS:g}), p95 {total['p95']} ms "
        f"(goal ≤ {GOAL_P95_MS:g}): {verdict}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
