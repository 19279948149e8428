"""Ingestion: load files, repair encodings, normalise, parse header and section tree, chunk by section."""
