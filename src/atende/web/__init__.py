"""FastAPI app: webhooks, admin API, monitoring. Thin: the pipeline does the work."""
