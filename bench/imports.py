"""The importers on the peer workload: items/s and peak memory, on SQLite and PostgreSQL.

    .venv/bin/python bench/imports.py                       # 2,000 and 20,000 items, both databases, both commands
    .venv/bin/python bench/imports.py --sizes 2000 --databases sqlite --commands transcripts

The workload is the one the desk was compared on with Label Studio and doccano
(``../shared/bench/peer_workload.py``: items of ~560 characters, 3 labelled spans each).
``transcripts``: ``import_transcripts DIR`` on the files ``peer_workload.transcript`` writes,
one per item (a title, a date line, one turn by Sergey Lavrov holding the item's text).
``documents``: ``import_documents FILE.jsonl``, each item one line of the desk's JSON Lines: the
same document, and its 3 spans as annotations tagged with their label (12 labels, created as
topics by the first lines). Every size is imported into a new, migrated database (SQLite: a file
in a temporary folder; PostgreSQL: ``desk_bench_ic`` on the server of ``BENCH_DATABASE_URL``,
dropped and re-created), as a whole command, process start included, as the peers' figures were
taken. Peak memory is the child's maximum resident set.

CPU time, beside: the command's own (its parsing workers included) and the whole machine's over the
same wall time (``/proc/stat``: on PostgreSQL the difference is mostly the server's). A command
cannot go faster than the machine's busy time divided by its cores, whatever the importer does.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PEER_WORKLOAD = ROOT.parent / "shared" / "bench" / "peer_workload.py"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/desk_bench_ic"


def workload_items(n):
    sys.path.insert(0, str(PEER_WORKLOAD.parent))
    import peer_workload

    return peer_workload.items(n)


def write_jsonl(path, n):
    """The workload as the desk's JSON Lines: what ``peer_workload.transcript`` writes, plus the spans."""
    with path.open("w", encoding="utf-8") as out:
        for i, item in enumerate(workload_items(n)):
            day = date(2025, 4, 11) - timedelta(days=i % 730)
            line = {
                "title": f"Bench item {i:05d}: statement on trade and diplomacy",
                "date": day.isoformat(),
                "source": f"item_{i:05d}.txt",
                "turns": [
                    {"speaker": "Sergey Lavrov", "label": "Sergey Lavrov", "kind": "remarks", "text": item["text"]}
                ],
                "annotations": [
                    {"turn": 0, "start": start, "end": end, "topics": [label]} for start, end, label in item["spans"]
                ],
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def write_transcripts(folder, n):
    sys.path.insert(0, str(PEER_WORKLOAD.parent))
    import peer_workload

    folder.mkdir()
    for i, item in enumerate(peer_workload.items(n)):
        (folder / f"item_{i:05d}.txt").write_text(peer_workload.transcript(i, item), encoding="utf-8")


def reset_postgres(url):
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if "bench" not in name or name.startswith("test_"):
        raise SystemExit(f"refusing to reset database {name!r}: the bench needs its own (a name with 'bench' in it)")
    with psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(args, url, *, check=True):
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "bench-only-secret-key-0123456789abcdef"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=check, capture_output=True, text=True
    )


def measure(command, database, n, folder, pg_url):
    if command == "documents":
        data = folder / f"workload-{n}.jsonl"
        if not data.exists():
            write_jsonl(data, n)
        args = ["import_documents", str(data)]
    else:
        data = folder / f"transcripts-{n}"
        if not data.exists():
            write_transcripts(data, n)
        args = ["import_transcripts", str(data)]
    if database == "sqlite":
        db_file = folder / f"bench-{n}.sqlite3"
        db_file.unlink(missing_ok=True)
        url = f"sqlite:///{db_file}"
    else:
        reset_postgres(pg_url)
        url = pg_url
    manage(["migrate", "--noinput", "-v", "0"], url)
    machine_started = machine_busy_seconds()
    # A new child each time: its peak RSS is the import's alone (RUSAGE_CHILDREN keeps the maximum
    # of the children waited for: the command, not its worker processes, which are the command's),
    # and its CPU time the command's with the workers' (added in as the command waits for them).
    # The wall time is taken in that child too, around the command alone: its own start is not the command's.
    code = (
        "import resource, subprocess, sys, time; "
        "t = time.perf_counter(); r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "t = time.perf_counter() - t; print(r.stdout[-2000:]); print(r.stderr[-2000:], file=sys.stderr); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print('PEAK_KB', u.ru_maxrss, 'CPU_S', u.ru_utime + u.ru_stime, 'WALL_S', t); sys.exit(r.returncode)"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdef",
        "IMPORT_MAX_FILES": str(max(n, 10_000)),  # the default limit of a run is 10,000 files
    }
    result = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    machine_seconds = machine_busy_seconds() - machine_started
    if result.returncode != 0:
        raise SystemExit(f"{command} failed on {database} at {n}:\n{result.stdout}\n{result.stderr}")
    usage = result.stdout.rsplit("PEAK_KB", 1)[1].split()
    peak_mb, command_cpu, seconds = int(usage[0]) / 1024, float(usage[2]), float(usage[4])
    counts = manage(
        [
            "shell",
            "-c",
            "from annotations.models import Annotation; from corpus_app.models import Document, Turn; "
            "print(Document.objects.count(), Turn.objects.count(), Annotation.objects.count())",
        ],
        url,
    ).stdout.split()
    documents, turns, annotations = (int(count) for count in counts[-3:])
    expected = (n, n, 3 * n if command == "documents" else 0)
    if (documents, turns, annotations) != expected:
        raise SystemExit(f"{command} on {database} at {n}: {documents, turns, annotations} rows, not {expected}")
    return {
        "command": command,
        "database": database,
        "items": n,
        "seconds": seconds,
        "items_per_s": n / seconds,
        "peak_mb": peak_mb,
        "command_cpu_s": command_cpu,
        "machine_cpu_s": machine_seconds,
    }


def machine_busy_seconds() -> float:
    """The CPU time every core of this machine has spent busy since it started (Linux's /proc/stat:
    all but idle and I/O wait)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--commands", default="transcripts,documents")
    parser.add_argument("--runs", type=int, default=1, help="Imports of each size on each database.")
    args = parser.parse_args()
    pg_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    rows = []
    with tempfile.TemporaryDirectory(prefix="desk-bench-imports-") as folder:
        for command in args.commands.split(","):
            for n in [int(size) for size in args.sizes.split(",")]:
                for database in args.databases.split(","):
                    for _ in range(args.runs):
                        row = measure(command, database, n, Path(folder), pg_url)
                        rows.append(row)
                        print(
                            f"import_{command:11} {database:10} {n:>6,} items: {row['seconds']:6.2f} s, "
                            f"{row['items_per_s']:8,.0f} items/s, peak {row['peak_mb']:.0f} MB, CPU: "
                            f"command {row['command_cpu_s']:.2f} s, machine {row['machine_cpu_s']:.2f} s",
                            flush=True,
                        )
    cores = os.cpu_count()
    print(
        "\n| command | items | database | items/s | peak memory | CPU: the command "
        f"| CPU: the machine ({cores} cores) |\n| --- | --- | --- | --- | --- | --- | --- |"
    )
    for row in rows:
        print(
            f"| import_{row['command']} | {row['items']:,} | {row['database']} | {row['items_per_s']:,.0f} | "
            f"{row['peak_mb']:.0f} MB | {row['command_cpu_s']:.2f} s | {row['machine_cpu_s']:.2f} s "
            f"of {cores * row['seconds']:.2f} |"
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
