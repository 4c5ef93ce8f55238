"""The flow of a message: ingest → buffer → brain → outbound. See docs/architecture.md."""
