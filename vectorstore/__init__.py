"""Vector store: embedding backends, the Chroma store with its document manifest, lexical index, retrieval."""
