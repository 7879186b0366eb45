"""The database's own share of an import: the rows an import wrote, stored again with no program in between.

    .venv/bin/python bench/import_floor.py                  # 20,000 items, both commands, both databases
    .venv/bin/python bench/import_floor.py --sizes 2000 --databases postgresql --commands documents

Each command is run once as ``bench/imports.py`` runs it (the peer workload, a new migrated
database, the whole command timed). Then every row it wrote to the tables an import fills is
stored again in another new, migrated database, in batches of 1,000 documents (each with its turns,
annotations, their topics and history), a transaction each, as the importers write them:

- PostgreSQL: the rows as the imported database gives them (``COPY … TO STDOUT``, read before the
  clock starts) sent back with ``COPY … FROM STDIN`` on two connections at once, as the importers'
  two writers do; the turns' search vectors are left out, so the triggers compute them again.
- SQLite: one connection (one writer at a time), ``INSERT … SELECT`` from the imported file,
  attached; the write-ahead log is copied into the file after the clock stops (the importer
  copies it beside the run).

Nothing runs in Python per row, so the time is what the database needs for these rows, its
indexes, triggers and constraints, whatever the importer in front of it does: with the command's
start (printed too), a bound on the items/s any importer can reach on this machine and schema.
"""

import argparse
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import imports

BATCH_DOCUMENTS = 1000
SEEDED = ["auth_user", "corpus_app_speaker", "annotations_topic", "annotations_target"]  # before the clock
# Each table an import fills, with the rows of a batch's documents (``{lo}``–``{hi}``) in the source
# (``{source}``: the attached file's schema on SQLite), in the order they must be written.
_TURNS = "SELECT id FROM {source}corpus_app_turn WHERE document_id BETWEEN {lo} AND {hi}"
_ANNOTATIONS = f"SELECT id FROM {{source}}annotations_annotation WHERE turn_id IN ({_TURNS})"
BATCH_TABLES = [
    ("corpus_app_document", "id BETWEEN {lo} AND {hi}"),
    ("corpus_app_documentfile", "document_id BETWEEN {lo} AND {hi}"),
    ("corpus_app_turn", "document_id BETWEEN {lo} AND {hi}"),
    ("annotations_annotation", f"turn_id IN ({_TURNS})"),
    ("annotations_annotation_topics", f"annotation_id IN ({_ANNOTATIONS})"),
    ("annotations_historicalannotation", f"id IN ({_ANNOTATIONS})"),
    ("annotations_historicalannotation_topics", f"annotation_id IN ({_ANNOTATIONS})"),
]
COMPUTED = {"search_vector"}  # left to the triggers that compute it on insert


def batches(document_ids: list[int]) -> list[tuple[int, int]]:
    ids = sorted(document_ids)
    return [
        (chunk[0], chunk[-1]) for chunk in (ids[i : i + BATCH_DOCUMENTS] for i in range(0, len(ids), BATCH_DOCUMENTS))
    ]


def floor_postgresql(source_url: str, target_url: str) -> float:
    import psycopg

    with psycopg.connect(source_url) as source:
        columns = {
            table: ", ".join(
                f'"{name}"'
                for (name,) in source.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "ORDER BY ordinal_position",
                    [table],
                )
                if name not in COMPUTED
            )
            for table in [table for table, _ in BATCH_TABLES] + SEEDED
        }

        def rows(table, where):
            with source.cursor().copy(
                f"COPY (SELECT {columns[table]} FROM {table} WHERE {where} ORDER BY 1) TO STDOUT"
            ) as copy:
                return b"".join(bytes(block) for block in copy)

        seed = [(table, rows(table, "true")) for table in SEEDED]
        ids = [row[0] for row in source.execute("SELECT id FROM corpus_app_document")]
        work = [
            [(table, rows(table, where.format(source="", lo=lo, hi=hi))) for table, where in BATCH_TABLES]
            for lo, hi in batches(ids)
        ]

    def write(share):
        with psycopg.connect(target_url, autocommit=True) as target:
            for batch in share:
                with target.transaction():
                    target.execute("SET LOCAL synchronous_commit TO OFF")  # as the importers write
                    for table, data in batch:
                        if data:
                            with target.cursor().copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy:
                                copy.write(data)

    write([seed])
    writers = [threading.Thread(target=write, args=(work[start::2],)) for start in range(2)]
    started = time.perf_counter()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    return time.perf_counter() - started


def floor_sqlite(source_file: Path, target_file: Path) -> float:
    target = sqlite3.connect(target_file, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")  # the desk's settings (desk/settings.py)
    target.execute("PRAGMA synchronous=NORMAL")
    # The write-ahead log copied into the file after the clock: the importer does it beside the
    # run, in a thread of its own (corpus_app.rows.checkpoints_beside).
    target.execute("PRAGMA wal_autocheckpoint=0")
    target.execute("ATTACH DATABASE ? AS source", [str(source_file)])

    def columns(table):
        return ", ".join(
            f'"{row[1]}"' for row in target.execute(f"PRAGMA main.table_info({table})") if row[1] not in COMPUTED
        )

    for table in SEEDED:
        target.execute(f"INSERT INTO main.{table} SELECT * FROM source.{table}")
    ids = [row[0] for row in target.execute("SELECT id FROM source.corpus_app_document")]
    statements = [
        [
            f"INSERT INTO main.{table} ({columns(table)}) SELECT {columns(table)} FROM source.{table} "
            f"WHERE {where.format(source='source.', lo=lo, hi=hi)} ORDER BY 1"
            for table, where in BATCH_TABLES
        ]
        for lo, hi in batches(ids)
    ]
    started = time.perf_counter()
    for batch in statements:
        target.execute("BEGIN IMMEDIATE")
        for statement in batch:
            target.execute(statement)
        target.execute("COMMIT")
    seconds = time.perf_counter() - started
    target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target.close()
    return seconds


def start_seconds(url: str) -> float:
    """The command's start and end without work: ``import_transcripts`` of an empty folder, best of three."""
    with tempfile.TemporaryDirectory() as empty:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            imports.manage(["import_transcripts", empty, "-v", "0"], url)
            times.append(time.perf_counter() - started)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--commands", default="transcripts,documents")
    args = parser.parse_args()
    pg_url = os.environ.get("BENCH_DATABASE_URL", imports.DEFAULT_URL)
    parts = urlparse(pg_url)
    floor_url = urlunparse(parts._replace(path=parts.path + "_floor"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="desk-bench-floor-") as folder:
        folder = Path(folder)
        for command in args.commands.split(","):
            for n in [int(size) for size in args.sizes.split(",")]:
                for database in args.databases.split(","):
                    measured = imports.measure(command, database, n, folder, pg_url)
                    if database == "sqlite":
                        target = folder / f"floor-{n}.sqlite3"
                        target.unlink(missing_ok=True)
                        imports.manage(["migrate", "--noinput", "-v", "0"], f"sqlite:///{target}")
                        seconds = floor_sqlite(folder / f"bench-{n}.sqlite3", target)
                        start = start_seconds(f"sqlite:///{target}")
                    else:
                        imports.reset_postgres(floor_url)
                        imports.manage(["migrate", "--noinput", "-v", "0"], floor_url)
                        seconds = floor_postgresql(pg_url, floor_url)
                        start = start_seconds(floor_url)
                    row = {**measured, "floor_seconds": seconds, "start_seconds": start}
                    rows.append(row)
                    print(
                        f"import_{command:11} {database:10} {n:>6,} items: command {row['seconds']:5.2f} s, "
                        f"the database alone {seconds:5.2f} s, start {start:4.2f} s",
                        flush=True,
                    )
    print(
        "\n| command | items | database | command | the database alone | start | at most (items/s) |\n"
        "| --- | --- | --- | --- | --- | --- | --- |"
    )
    for row in rows:
        bound = row["items"] / (row["floor_seconds"] + row["start_seconds"])
        print(
            f"| import_{row['command']} | {row['items']:,} | {row['database']} | {row['seconds']:.2f} s "
            f"({row['items_per_s']:,.0f} items/s) | {row['floor_seconds']:.2f} s | {row['start_seconds']:.2f} s | "
            f"{bound:,.0f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
