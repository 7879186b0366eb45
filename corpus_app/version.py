"""The corpus version: a number that moves on with every write of documents or turns.

Kept by the database (``corpus_app`` migration 0010): a sequence that a trigger moves on with
every statement writing documents or turns on PostgreSQL, a one-row counter moved on by row
triggers on SQLite. Whatever writes them (the importer's COPY, the ORM, the admin, a fixture),
results computed from the corpus can be kept under it until it moves.
"""

from django.db import connection

#: The sequence (PostgreSQL) or one-row table (SQLite) holding the version, in ``last_value``.
CORPUS_VERSION = "corpus_app_corpus_version"


def corpus_version_sql(conn=None):
    """A scalar subquery reading the version: one lookup, to put in a larger query."""
    return f"(SELECT last_value FROM {(conn or connection).ops.quote_name(CORPUS_VERSION)})"


def corpus_version(conn=None):
    conn = conn or connection
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT {corpus_version_sql(conn)}")
        return cursor.fetchone()[0]
