"""Every prompt and user-facing answer template, in Vietnamese."""
