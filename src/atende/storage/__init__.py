"""Persistence: SQLAlchemy models, repositories scoped by organization, Alembic migrations."""
