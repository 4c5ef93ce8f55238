"""The provider wire formats: the fields atende reads, declared as pydantic models.

One module per provider (``meta``, ``twilio``, ``evolution``) and the shared pieces in
``common``. Extra fields are ignored (providers add them without notice); a field of
the wrong type makes its *item* invalid, which the adapter reports as a rejection
instead of raising. Every text passes through ``atende.domain.text.storable`` here, so
what reaches the database is the same on SQLite and PostgreSQL.
"""
