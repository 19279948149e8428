"""The HTTP service: a FastAPI app over the answering chain, the retriever, the store and the evaluator."""
