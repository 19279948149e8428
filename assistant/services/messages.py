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
    "store_busy": "Another process is writing to the store; try again when it has finished.",
    "store_read_only": "The store was opened read-only; this operation writes.",
    "store_not_found": "There is no store in this data directory yet.",
    "data_dir_invalid": "The data directory is not a directory (a file stands at its path).",
    "data_dir_read_only": "The data directory cannot be written; this command needs to write to it.",
    "manifest_unreadable": "The store's document catalogue (manifest.sqlite) cannot be read.",
    "backup_chroma_server": "A store whose vectors are on a Chroma server cannot be backed up this way; back "
    "up the Chroma server by its own means.",
    "backup_invalid": "This folder is not a backup made by vankien backup, or the backup is damaged.",
    "backup_target_inside_store": "The backup folder cannot be inside the data directory.",
    "backup_target_not_empty": "The backup folder must be empty or not exist yet.",
    "restore_target_not_empty": "The data directory to restore into must be empty or not exist yet.",
    "embedding_model_changed": "The store was built with another embedding model.",
    "embedding_failed": "Computing embeddings failed.",
    "embedding_backend_missing": "sentence-transformers is not installed: install the package with the [st] extra.",
    "embedding_model_not_found": "The sentence-transformers model could not be opened (a model folder or an "
    "already downloaded model is needed).",
    "embedding_model_missing": "An embedding model must be configured (VANKIEN_EMBEDDING__MODEL: a name or a "
    "folder path).",
    "embedding_server_missing": "The embedding server's address must be configured (VANKIEN_EMBEDDING__BASE_URL).",
    "embedding_function_unbound": "The collection's embedding model is not open; access the store through "
    "DocumentStore.",
    "embedding_server_unavailable": "The embedding server is unavailable.",
    "embedding_server_error": "The embedding server returned an error.",
    "invalid_kind": "Unknown kind of figure: use result, estimate, target, growth or share_of_plan.",
    "document_not_found": "There is no such document in the store.",
    "empty_question": "The question is empty.",
    "question_too_long": "The question is too long.",
    "empty_query": "The search query is empty.",
    "query_too_long": "The search query is too long.",
    "plain_http_with_keys": "Not starting: API keys would travel over plain HTTP to an address other machines reach; put a TLS proxy in front and bind to 127.0.0.1, or set VANKIEN_API__PLAIN_HTTP_WITH_KEYS=warn.",
}


def english_message(code: str) -> str:
    return _ENGLISH.get(code, "The request could not be completed.")
