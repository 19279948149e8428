"""The Gradio user interface, mounted on the FastAPI app."""
