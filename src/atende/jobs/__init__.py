"""The job queue (huey on SQLite or Redis), task definitions and the background ticker."""
