"""One router per resource; each is a thin layer over the services on the runtime."""
