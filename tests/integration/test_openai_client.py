"""The official ``openai`` client against a real uvicorn server on a free port: chat (plain and streamed), models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.api.app import create_app
from ingestion.pipeline import document_id
from tests.api_support import FIGURE_QUESTION, READER_KEY, api_settings
from tests.servers import serving

REPORT_ID = document_id("bao-cao-hoa-binh.txt")

pytest_plugins = ["tests.api_support"]  # the store fixtures

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def base_url(built_store: Path) -> Iterator[str]:
    with serving(create_app(api_settings(built_store, keys=True))) as url:
        yield url


def test_chat_completion_with_the_openai_client(base_url: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{base_url}/v1", api_key=READER_KEY, max_retries=0)
    assert [m.id for m in client.models.list()] == ["vankien"]
    completion = client.chat.completions.create(
        model="vankien", messages=[{"role": "user", "content": FIGURE_QUESTION}]
    )
    content = completion.choices[0].message.content or ""
    assert "1.250 tỷ đồng" in content and "[^1]:" in content
    citations = (completion.model_extra or {})["vankien_citations"]
    assert citations[0]["doc_number"] == "12/BC-UBND"


def test_streamed_chat_completion_with_the_openai_client(base_url: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=f"{base_url}/v1", api_key=READER_KEY, max_retries=0)
    stream = client.chat.completions.create(
        model="vankien", messages=[{"role": "user", "content": FIGURE_QUESTION}], stream=True
    )
    chunks = list(stream)
    content = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "1.250 tỷ đồng" in content and "[^1]:" in content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["vankien_citations"][0]["doc_id"] == REPORT_ID
    assert len(chunks) > 5  # streamed, not one block


def test_wrong_key_is_an_authentication_error(base_url: str) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as raised:
        client.chat.completions.create(model="vankien", messages=[{"role": "user", "content": "x"}])
    assert raised.value.body["code"] == "invalid_api_key"  # type: ignore[index]
