"""The Gradio user interface, mounted on the FastAPI app.

The top layer: of the assistant it imports only ``assistant.services.*`` (what it does) and
``assistant.settings`` (the settings the app hands it); never the API, the runtime's internals, nor the
lower layers directly (tests/unit/test_import_graph.py checks this).
"""
