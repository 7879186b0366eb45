"""``import_documents`` on the peer workload: items/s and peak memory, on SQLite and PostgreSQL.

    .venv/bin/python bench/interchange.py                       # 2,000 and 20,000 items, both databases
    .venv/bin/python bench/interchange.py --sizes 2000 --databases sqlite

The workload is the one the desk was compared on with Label Studio and doccano
(``../shared/bench/peer_workload.py``: items of ~560 characters, 3 labelled spans each). Each
item becomes one line of the desk's JSON Lines: a document with the transcript file's title and
date, one turn by Sergey Lavrov holding the item's text, and its 3 spans as annotations tagged
with their label (12 labels, created as topics by the first lines). Every size is imported into
a new, migrated database (SQLite: a file in a temporary folder; PostgreSQL: ``desk_bench_ic`` on
the server of ``BENCH_DATABASE_URL``, dropped and re-created), as a whole command, process start
included, as the peers' figures were taken. Peak memory is the child's maximum resident set.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
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


def measure(database, n, folder, pg_url):
    data = folder / f"workload-{n}.jsonl"
    if not data.exists():
        write_jsonl(data, n)
    if database == "sqlite":
        db_file = folder / f"bench-{n}.sqlite3"
        db_file.unlink(missing_ok=True)
        url = f"sqlite:///{db_file}"
    else:
        reset_postgres(pg_url)
        url = pg_url
    manage(["migrate", "--noinput", "-v", "0"], url)
    started = time.perf_counter()
    # A new child each time: its peak RSS is the import's alone (RUSAGE_CHILDREN keeps the maximum).
    code = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(r.stdout[-2000:]); print(r.stderr[-2000:], file=sys.stderr); "
        "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
    )
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "bench-only-secret-key-0123456789abcdef"}
    result = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "manage.py", "import_documents", str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"import failed on {database} at {n}:\n{result.stdout}\n{result.stderr}")
    peak_mb = int(result.stdout.rsplit("PEAK_KB", 1)[1].split()[0]) / 1024
    counts = manage(
        [
            "shell",
            "-c",
            "from annotations.models import Annotation; from corpus_app.models import Document; "
            "print(Document.objects.count(), Annotation.objects.count())",
        ],
        url,
    ).stdout.split()
    documents, annotations = int(counts[-2]), int(counts[-1])
    if (documents, annotations) != (n, 3 * n):
        raise SystemExit(f"{database} at {n}: {documents} documents and {annotations} annotations, not {n} and {3 * n}")
    return {"database": database, "items": n, "seconds": seconds, "items_per_s": n / seconds, "peak_mb": peak_mb}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=1, help="Imports of each size on each database.")
    args = parser.parse_args()
    pg_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    rows = []
    with tempfile.TemporaryDirectory(prefix="desk-bench-ic-") as folder:
        for n in [int(size) for size in args.sizes.split(",")]:
            for database in args.databases.split(","):
                for _ in range(args.runs):
                    row = measure(database, n, Path(folder), pg_url)
                    rows.append(row)
                    print(
                        f"{database:10} {n:>6,} items: {row['seconds']:6.2f} s, {row['items_per_s']:8,.0f} items/s "
                        f"({3 * row['items_per_s']:,.0f} spans/s), peak {row['peak_mb']:.0f} MB",
                        flush=True,
                    )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
