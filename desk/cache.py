"""Values computed from the data, kept in the configured cache until that data changes.

Each kind of data has a *generation*: a number kept in the cache. Results are stored under keys
that include the generations of the data they were computed from (:func:`cached`,
:func:`generations_key`), and whatever writes that data calls :func:`bump` for its kind, which
moves the generation on **when the transaction commits**: a rolled-back write changes nothing,
and a result computed from the old data by another request meanwhile is stored under the old
generation, which nobody asks for any more. Old entries expire on their own.

The kinds (``CORPUS``: documents, turns, speakers; ``ANNOTATIONS``: annotations, claims, topics,
targets) are bumped by their apps' model signals (saves and deletes through the ORM, the admin,
fixtures) and by the writers that go around them (the importer's ``COPY``, bulk inserts).
"""

import time

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction

CORPUS = "corpus"
ANNOTATIONS = "annotations"
KINDS = (CORPUS, ANNOTATIONS)

#: How long a cached result is kept at most: a bound on anything that writes around the bumps
#: (a raw ``QuerySet.update()``).
DEFAULT_TIMEOUT = 300


def _generation_key(kind):
    return f"generation:{kind}"


def generations(*kinds):
    """The current generation of each kind, in order: one read of the cache.

    A kind without one (a new or emptied cache) gets one from the clock, so that it never
    repeats a generation under which results were stored before the cache forgot it."""
    keys = [_generation_key(kind) for kind in kinds]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
    return tuple(found[key] for key in keys)


def generations_key(*kinds):
    """A string that changes when data of any of ``kinds`` changes: for a cache key."""
    return ":".join(f"{kind}={generation}" for kind, generation in zip(kinds, generations(*kinds), strict=True))


def _increment(kind):
    key = _generation_key(kind)
    try:
        cache.incr(key)
    except ValueError:  # not in the cache: any new generation will do
        cache.add(key, time.time_ns(), timeout=None)


class _Bump:
    """The commit callback moving one kind on; one per kind and transaction (see :func:`bump`)."""

    def __init__(self, kind):
        self.kind = kind

    def __call__(self):
        _increment(self.kind)


def bump(*kinds, using=DEFAULT_DB_ALIAS):
    """Move the generation of each kind on when the current transaction commits (at once outside one).

    Registered once per kind and transaction, however many rows a transaction writes; a callback
    registered in a savepoint that was rolled back is gone, and the next write registers it again."""
    connection = transaction.get_connection(using)
    pending = {getattr(callback, "kind", None) for _, callback, _ in connection.run_on_commit}
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of data {kind!r}: one of {', '.join(KINDS)}")
        if kind not in pending:
            transaction.on_commit(_Bump(kind), using=using)


def cached(key, compute, *, kinds, timeout=DEFAULT_TIMEOUT):
    """``compute()``, kept under ``key`` until data of any of ``kinds`` changes."""
    full_key = f"{key}:{generations_key(*kinds)}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout)
    return value
