"""Checks shared by the tests of migrations that only do something on PostgreSQL."""

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection


def assert_run_no_sql_here(*module_names):
    """Run each migration's operations forwards and back on this (non-PostgreSQL) database with a
    schema editor that fails on any statement: they must not even try to run SQL."""

    def refuse(sql, params=()):
        raise AssertionError(f"the migration ran SQL on {connection.vendor}: {sql}")

    editor = SimpleNamespace(connection=connection, execute=refuse)
    for name in module_names:
        for operation in importlib.import_module(name).Migration.operations:
            operation.code(apps, editor)
            operation.reverse_code(apps, editor)
