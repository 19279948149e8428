"""Property-based fuzzing of the whole API from its own OpenAPI spec (schemathesis): no request, valid or
not, gets a 5xx.

The app is the real one (``create_app``), served by uvicorn on a free port over a real store holding the
test documents, with an admin key so that the admin operations (uploads, deletes, evaluations) run too;
schemathesis also sends requests without the key or with a wrong one. Every operation of the spec is
fuzzed: the examples phase (the spec's own examples), the coverage phase (boundary and schema-violating
values, wrong methods and content types) and the fuzzing phase (random values, valid and invalid), with
a bounded number of random examples per operation so the whole run stays within a few minutes on two
cores.

Nothing in the spec is excluded. (The Gradio UI is not mounted: its endpoints are not in the spec.)
Two things keep every case meaningful:

- Path parameters are drawn half the time from the store's real document and section ids (random ids
  only ever reach the 404 branch), and the DELETE operations run last, in their own test, so that the
  documents every other operation reads are still there when it runs.
- The test-set folder holds one small test set under the name the spec's example uses (``dev.jsonl``),
  so that the evaluation endpoint runs a real, short evaluation rather than the repository's full set.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from assistant.api.app import create_app
from tests.api_support import ADMIN_KEY, FIGURE_QUESTION, api_settings, bearer
from tests.servers import serving

pytest_plugins = ["tests.api_support"]  # the store fixtures

pytestmark = pytest.mark.integration

# Random examples per operation in the fuzzing phase (the examples and coverage phases add their own,
# bounded by the spec). About 1,500 requests in all: under a minute on two cores.
FUZZ_EXAMPLES = 40

SMALL_TESTSET = [
    {
        "id": "fuzz-1",
        "question": FIGURE_QUESTION,
        "answer": "1.250 tỷ đồng",
        "must_include": ["1.250 tỷ đồng"],
        "sources": [
            {
                "document": "bao-cao-hoa-binh.txt",
                "section": "1. Kinh tế",
                "quote": "Giá trị sản xuất công nghiệp năm 2023 đạt 1.250 tỷ đồng, tăng 8,5% so với năm 2022.",
            }
        ],
        "type": "numeric",
        "answerable": True,
    }
]


@dataclass
class StoreIds:
    """The ids of the served store, read once it is up (strategies draw from them lazily)."""

    documents: list[str] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)


KNOWN = StoreIds()


def published_spec() -> dict[str, Any]:
    """The OpenAPI spec of the app as configured for the run (building the app opens nothing)."""
    return create_app(api_settings(Path("unopened"), keys=True)).openapi()


# Collected per operation (one test each), so the spec is read when the module is collected; the
# server fixture checks that the running server publishes this same spec.
schema = schemathesis.openapi.from_dict(published_spec())
schema.config.update(headers=bearer(ADMIN_KEY), request_timeout=60)
# No example database: nothing is written into the work tree, and every run explores afresh.
schema.config.generation.update(max_examples=FUZZ_EXAMPLES, database="none")


@schema.hook
def before_generate_path_parameters(context: Any, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Random path parameters, or the store's real ids (with a random section id, or a real one)."""
    path = context.operation.path
    if "{doc_id}" not in path:
        return strategy
    real_document = st.deferred(lambda: st.sampled_from(KNOWN.documents))
    if "{section_id}" not in path:
        return st.one_of(strategy, real_document.map(lambda doc_id: {"doc_id": doc_id}))
    real_section = st.deferred(lambda: st.sampled_from(KNOWN.sections))
    return st.one_of(
        strategy,
        st.tuples(strategy, real_document).map(lambda pair: {**pair[0], "doc_id": pair[1]}),
        real_section.map(lambda ids: {"doc_id": ids[0], "section_id": ids[1]}),
    )


def _section_ids(nodes: list[dict[str, Any]]) -> Iterator[str]:
    for node in nodes:
        yield node["id"]
        yield from _section_ids(node["children"])


@pytest.fixture(scope="module")
def served_api(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a private copy of the test store, over HTTP; its base URL."""
    root = tmp_path_factory.mktemp("fuzz")
    store = root / "store"
    shutil.copytree(built_store, store)
    testsets = root / "testsets"
    testsets.mkdir()
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in SMALL_TESTSET)
    (testsets / "dev.jsonl").write_text(lines, encoding="utf-8")
    with serving(create_app(api_settings(store, keys=True, testsets_dir=testsets))) as url:
        assert httpx.get(f"{url}/openapi.json").json() == published_spec()
        admin = bearer(ADMIN_KEY)
        documents = httpx.get(f"{url}/api/documents", headers=admin).json()
        KNOWN.documents = [d["id"] for d in documents]
        for doc_id in KNOWN.documents:
            detail = httpx.get(f"{url}/api/documents/{doc_id}", headers=admin).json()
            KNOWN.sections += [(doc_id, s) for s in _section_ids(detail["sections_tree"])]
        assert KNOWN.documents and KNOWN.sections
        yield url


FUZZ_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    # Answers and uploads take their time on two cores; slow generation of large bodies is expected.
    suppress_health_check=list(HealthCheck),
)


@schema.exclude(method="DELETE").parametrize()
@FUZZ_SETTINGS
def test_no_request_gets_a_server_error(served_api: str, case: schemathesis.Case) -> None:
    case.call_and_validate(base_url=served_api, checks=[not_a_server_error])


# Last in the module (pytest keeps the order): deleting the store's documents must not starve the rest.
@schema.include(method="DELETE").parametrize()
@FUZZ_SETTINGS
def test_no_delete_gets_a_server_error(served_api: str, case: schemathesis.Case) -> None:
    case.call_and_validate(base_url=served_api, checks=[not_a_server_error])
