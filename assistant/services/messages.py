"""English messages for the error codes of ingestion, the store and the embeddings (theirs are Vietnamese)."""

from __future__ import annotations

_ENGLISH: dict[str, str] = {
    "unsupported_format": "Unsupported file format: only .txt, .md, .docx and .pdf files can be ingested.",
    "unsupported_content": "The content is not a .txt/.md, .docx or .pdf document (checked from the bytes, not the name).",
    "corrupt_file": "The file is damaged or not what its format says.",
    "unknown_encoding": "The text encoding could not be determined (save the file as UTF-8 and retry).",
    "scanned_pdf": "The PDF has no text layer (a scan); it cannot be read.",
    "empty_document": "The document has no text to ingest.",
    "doc_id_conflict": "No unique document id could be made for this file.",
    "encrypted_pdf": "The PDF needs a password to open; remove the password and ingest it again.",
    "too_large_uncompressed": "The .docx expands too much when unpacked (over the uncompressed size limit, "
    "or far more than documents do).",
    "too_many_archive_members": "The .docx holds more parts than the limit allows.",
    "too_many_pages": "The PDF has more pages than the limit allows; split it into several files.",
    "too_long_text": "The document's text is longer than the limit allows; split it into several files.",
    "too_many_chunks": "The document would make more chunks than the limit allows; split it into several files.",
    "job_cancelled": "The job was cancelled as asked; the store is as it was.",
    "job_interrupted": "The job was interrupted because the server stopped or restarted; the store is as it "
    "was. Run it again.",
    "file_not_found": "File not found.",
    "unreadable_file": "The file could not be read.",
    "ingest_failed": "Ingesting the document failed.",
    "chroma_unavailable": "The vector database (Chroma) is unavailable.",
    "chroma_collection_taken": "The Chroma collection belongs to another store.",
    "vector_write_failed": "Writing vectors failed; the store is unchanged.",
    "manifest_write_failed": "Writing the document catalogue failed; the store is unchanged.",
    "search_failed": "The search failed.",
    "embedding_model_changed": "The store was built with another embedding model.",
    "embedding_failed": "Computing embeddings failed.",
    "embedding_server_unavailable": "The embedding server is unavailable.",
    "embedding_server_error": "The embedding server returned an error.",
    "empty_question": "The question is empty.",
    "question_too_long": "The question is too long.",
    "empty_query": "The search query is empty.",
    "query_too_long": "The search query is too long.",
    "plain_http_with_keys": "Not starting: API keys would travel over plain HTTP to an address other machines reach; put a TLS proxy in front and bind to 127.0.0.1, or set VANKIEN_API__PLAIN_HTTP_WITH_KEYS=warn.",
}


def english_message(code: str) -> str:
    return _ENGLISH.get(code, "The request could not be completed.")
