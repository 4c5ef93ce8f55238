"""The flow of a message: ingest → buffer → brain → outbound. See DESIGN.md."""
