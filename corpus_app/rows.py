"""Many rows into one table, with the ids chosen first: ``COPY`` on PostgreSQL, ``executemany`` on SQLite.

``bulk_create`` builds a model instance per row and compiles every value through its field:
for the hundreds of thousands of rows of a large import (documents, turns, annotations, their
topics, claims and the history of both; the documents and turns of a folder of transcripts)
that was three quarters of the time. Here a batch's
rows are plain tuples in the order of ``columns``; only the values a database cannot take as
they are (JSON, and on SQLite times, dates and UUIDs) go through their field. The ids are
taken from the table's sequence first (PostgreSQL) or after the largest id (SQLite, which has
one writer at a time, in this transaction), so that the rows that refer to them can be
written in the same way.

Whatever writes these tables must not bypass what the models promise: the constraints are the
database's (checked on insert, as for ``bulk_create``), and the values the models would add
(defaults, ``auto_now``) are given by the caller.
"""

import threading
from contextlib import contextmanager

from django.db import connections, models

from desk.cache import ANNOTATIONS, CORPUS, bump

CHECKPOINT_EVERY = 0.1  # seconds between two copies of the write-ahead log, during a run
_CONVERTED = (models.JSONField,)
# Dates as they are: the driver's adapter (Django's, ISO 8601) writes what DateField would.
_CONVERTED_ON_SQLITE = (models.JSONField, models.DateTimeField, models.UUIDField)


def allocate_ids(model, count: int, using="default") -> list[int]:
    if count == 0:
        return []
    connection = connections[using]
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT max({quote(pk)}) FROM {quote(table)}")
        largest = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":  # AUTOINCREMENT: never reuse an id of a deleted row
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            largest = max(largest, row[0] if row else 0)
        return list(range(largest + 1, largest + 1 + count))


def insert(model, columns: list[str], rows: list[tuple], using="default"):
    """Insert ``rows`` (tuples of Python values, in ``columns`` order, attnames) into ``model``'s table."""
    if not rows:
        return
    bump(CORPUS if model._meta.app_label == "corpus_app" else ANNOTATIONS, using=using)  # no signals here
    connection = connections[using]
    fields = [model._meta.get_field(_field_name(model, column)) for column in columns]
    kinds = _CONVERTED if connection.vendor == "postgresql" else _CONVERTED_ON_SQLITE
    converters = [
        (index, _converter(field, connection))
        for index, field in enumerate(fields)
        if isinstance(field, kinds) and not field.is_relation
    ]
    if converters:
        rows = [_converted(row, converters) for row in rows]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The driver's own COPY: its errors become Django's (IntegrityError, DataError) as the ORM's do.
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)


def _field_name(model, column):
    for field in model._meta.concrete_fields:
        if field.attname == column:
            return field.name
    raise ValueError(f"{model.__name__} has no column {column}")


def _converted(row, converters):
    row = list(row)
    for index, convert in converters:
        if row[index] is not None:
            row[index] = convert(row[index])
    return row


def _converter(field, connection):
    """The field's own conversion, remembered per value for times (a batch shares a few: its “now”)
    and for an empty JSON list (most documents' import warnings)."""
    if isinstance(field, models.DateTimeField):
        known = {}

        def convert(value):
            if value not in known:
                known[value] = field.get_db_prep_save(value, connection)
            return known[value]

        return convert
    if isinstance(field, models.UUIDField) and connection.vendor == "sqlite":
        return lambda value: value.hex  # what UUIDField stores where there is no uuid type
    if isinstance(field, models.JSONField):
        empty = field.get_db_prep_save([], connection)
        return lambda value: empty if value == [] else field.get_db_prep_save(value, connection)
    return lambda value: field.get_db_prep_save(value, connection)


@contextmanager
def checkpoints_beside(using="default"):
    """For a run of many batches on a SQLite file: the write-ahead log copied into the database
    (a checkpoint) by a thread of its own, while the run goes on with the next batch.

    SQLite checkpoints at the commit that takes the log past 1,000 pages (``wal_autocheckpoint``),
    in the committing thread's time: with batches of thousands of rows, at nearly every commit,
    a sixth of ``import_documents``' time (bench/RESULTS.md). A PASSIVE checkpoint from another
    connection copies what is committed without holding up the writer, and the driver leaves
    Python's lock while it runs. Elsewhere (PostgreSQL, a database in memory) nothing changes.
    (``import_transcripts`` keeps both cores busy parsing: moved aside, the work gained nothing.)
    """
    connection = connections[using]
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        pages = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    done = threading.Event()
    checkpointer = threading.Thread(target=_checkpoint_until, args=(done, using), name="checkpoints")
    checkpointer.start()
    try:
        yield
    finally:
        done.set()
        checkpointer.join()
        with connection.cursor() as cursor:  # the connection may serve a web process afterwards
            cursor.execute(f"PRAGMA wal_autocheckpoint = {pages}")


def _checkpoint_until(done: threading.Event, using):
    try:
        while not done.wait(CHECKPOINT_EVERY):
            with connections[using].cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        connections[using].close()  # this thread's own connection
