"""Entities and rules of an appointment business. Pure Python: no I/O, no atende imports."""
