"""Thin services the API (and the UI) share: background jobs, uploads, evaluation runs."""
