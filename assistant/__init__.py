"""The assistant: settings, question answering, verification, CLI and API."""
