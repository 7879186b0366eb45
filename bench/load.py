"""Load test: 20 editors creating, editing and deleting annotations through the JSON API at once.

    .venv/bin/python bench/load.py                 # 20 editors, 60 seconds
    .venv/bin/python bench/load.py --editors 5 --seconds 10

It resets its own PostgreSQL database (``desk_load_bench`` on the server of
``BENCH_DATABASE_URL``), generates a small corpus, creates one account per editor, starts
gunicorn on 127.0.0.1 and runs one thread per editor, each with its own logged-in session
(``http.client`` only, loopback only). Each editor creates annotations, edits random ones
(its own and the others': a PATCH carries the version it read; a 409 means someone saved
in between, so it re-reads the current version from the 409's body and tries again) and
deletes some of its own. The run is bounded by time and by a request count.

At the end it prints requests per second, latencies, the 409s (expected conflicts) and the
errors (5xx, unexpected statuses, failed connections), then checks every acknowledged write
against the database: each acknowledged create exists unless its deletion was acknowledged,
and each surviving annotation holds the note and version of its last acknowledged write
(the highest acknowledged version): no lost update.
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import child_env, reset_database  # noqa: E402

PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/desk_load_bench"
HOST = "127.0.0.1"
PASSWORD = "load-test-password-7431"


def setup_accounts(editors):
    """(child, Django set up) the editors' accounts, and the turns and topics they annotate."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desk.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from annotations.models import Topic
    from corpus_app.models import Turn

    group = Group.objects.get(name="Editor")
    hashed = make_password(PASSWORD)
    for number in range(1, editors + 1):
        user, _ = get_user_model().objects.get_or_create(username=f"load-editor-{number:02d}")
        user.password = hashed
        user.save()
        user.groups.add(group)
    turns = list(Turn.objects.order_by("pk").values("pk", "text")[:300])
    topics = list(Topic.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    print(json.dumps({"turns": turns, "topics": topics}))


class Session:
    """One editor's browser: its own cookies (session, CSRF), one keep-alive connection."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(self, method, path, body=None):
        headers = {"Host": f"{HOST}:{self.port}", "Referer": f"http://{HOST}:{self.port}/"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        if isinstance(body, dict) and method != "POST-FORM":
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        elif method == "POST-FORM":
            method = "POST"
            body = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, data

    def login(self, username):
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        status, _ = self.request(
            "POST-FORM", "/accounts/login/", {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login failed for {username}: {status}")
        self.request("GET", "/api/annotations/?turn=1")  # sets the CSRF cookie for the API


class Ledger:
    """What the server acknowledged, per annotation: the writes the database must show."""

    def __init__(self):
        self.lock = threading.Lock()
        self.state = {}  # id -> {"version", "note", "deleted", "uncertain"}
        self.stats = {"requests": 0, "conflicts": 0, "errors": 0, "by_op": {}}
        self.error_samples = []

    def record(self, op, seconds, status, expected):
        with self.lock:
            self.stats["requests"] += 1
            self.stats["by_op"].setdefault(op, []).append(seconds)
            if status == 409:
                self.stats["conflicts"] += 1
            elif status not in expected:
                self.stats["errors"] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{op}: {status}")

    def acked(self, pk, version, note, deleted=False):
        with self.lock:
            entry = self.state.setdefault(pk, {"version": 0, "note": None, "deleted": False, "uncertain": False})
            if deleted:
                entry["deleted"] = True
            elif version > entry["version"]:
                entry["version"], entry["note"] = version, note

    def uncertain(self, pk):
        with self.lock:
            if pk in self.state:
                self.state[pk]["uncertain"] = True

    def pick(self, rng, *, deletable_by=None):
        with self.lock:
            alive = [pk for pk, e in self.state.items() if not e["deleted"] and not e["uncertain"]]
            if deletable_by is not None:
                alive = [pk for pk in alive if self.state[pk].get("author") == deletable_by]
            return rng.choice(alive) if alive else None

    def set_author(self, pk, author):
        with self.lock:
            self.state[pk]["author"] = author


def editor_loop(number, port, data, ledger, stop_at, budget):
    rng = random.Random(number)
    username = f"load-editor-{number:02d}"
    session = Session(port)
    session.login(username)
    topics, turns = data["topics"], data["turns"]

    def call(op, method, path, body=None, expected=(200,)):
        started = time.perf_counter()
        try:
            status, payload = session.request(method, path, body)
        except (OSError, http.client.HTTPException):
            ledger.record(op, time.perf_counter() - started, "connection error", expected)
            return None, None
        ledger.record(op, time.perf_counter() - started, status, expected)
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, None

    while time.monotonic() < stop_at and budget.acquire(blocking=False):
        roll = rng.random()
        if roll < 0.35 or ledger.pick(rng) is None:
            turn = rng.choice(turns)
            text = turn["text"]
            start = rng.randrange(0, max(1, len(text) - 40))
            end = min(len(text), start + rng.randrange(10, 40))
            note = f"{username} created {rng.random():.6f}"
            body = {
                "turn": turn["pk"],
                "start": start,
                "end": end,
                "quote": text[start:end],
                "topics": [rng.choice(topics)],
                "note": note,
            }
            status, payload = call("create", "POST", "/api/annotations/", body, expected=(201,))
            if status == 201:
                ledger.acked(payload["id"], payload["version"], payload["note"])
                ledger.set_author(payload["id"], username)
        elif roll < 0.85:
            pk = ledger.pick(rng)
            status, payload = call("read", "GET", f"/api/annotations/{pk}/", expected=(200, 404))
            if status != 200:
                continue
            version = payload["version"]
            for _attempt in range(3):
                note = f"{username} edit {rng.random():.6f}"
                status, payload = call(
                    "edit", "PATCH", f"/api/annotations/{pk}/", {"version": version, "note": note}, expected=(200, 404)
                )
                if status == 200:
                    ledger.acked(pk, payload["version"], payload["note"])
                    break
                if status == 409 and payload and payload.get("current"):
                    version = payload["current"]["version"]  # someone saved in between: re-read, retry
                    continue
                if status is None:
                    ledger.uncertain(pk)
                break
        else:
            pk = ledger.pick(rng, deletable_by=username)
            if pk is None:
                continue
            status, payload = call("read", "GET", f"/api/annotations/{pk}/", expected=(200, 404))
            if status != 200:
                continue
            status, payload = call(
                "delete", "DELETE", f"/api/annotations/{pk}/?version={payload['version']}", expected=(204, 404)
            )
            if status == 204:
                ledger.acked(pk, 0, None, deleted=True)
            elif status is None:
                ledger.uncertain(pk)


def check(url, ledger):
    import psycopg

    ids = list(ledger.state)
    with psycopg.connect(url) as conn:
        rows = {
            pk: (version, note)
            for pk, version, note in conn.execute(
                "SELECT id, version, note FROM annotations_annotation WHERE id = ANY(%s)", [ids]
            )
        }
    problems, checked, uncertain = [], 0, 0
    for pk, entry in ledger.state.items():
        if entry["uncertain"]:
            uncertain += 1
            continue
        checked += 1
        if entry["deleted"]:
            if pk in rows:
                problems.append(f"annotation {pk}: deletion acknowledged, still in the database")
        elif pk not in rows:
            problems.append(f"annotation {pk}: acknowledged (version {entry['version']}), missing from the database")
        elif rows[pk] != (entry["version"], entry["note"]):
            problems.append(f"annotation {pk}: last acknowledged {entry['version']}, database holds {rows[pk][0]}")
    return checked, uncertain, problems


def dashboard_counts():
    """(child, Django set up) whether the dashboard's kept counts equal a count of the tables, after
    the editors' concurrent writes; prints "same" or what differs."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desk.settings")
    import django

    django.setup()
    from django.db import connection

    from dashboard.counts import KeptCounts, TableCounts, _root_topics

    roots, _ = _root_topics()

    def figures(source):
        return {
            "annotations": source.annotations(),
            "documents": source.documents(),
            "turns": source.turns(),
            "claims": {status: n for status, n in source.claims().items() if n},
            "topics": {root: n for root, n in source.per_root_topic(roots).items() if n},
            "stances": sorted((target, polarity, n) for target, polarity, n in source.stances() if n),
        }

    kept, counted = figures(KeptCounts(connection)), figures(TableCounts())
    differ = [name for name in kept if kept[name] != counted[name]]
    print(
        "same" if not differ else "differ: " + ", ".join(f"{name} {kept[name]} != {counted[name]}" for name in differ)
    )


def wait_for(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=100_000, help="Stop after this many operations.")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args(argv)
    base = options.database_url or os.environ.get("BENCH_DATABASE_URL")
    url = urlunparse(urlparse(base)._replace(path="/desk_load_bench")) if base else DEFAULT_URL
    env = child_env(url)
    env.update(DEBUG="true", ALLOWED_HOSTS="127.0.0.1", CONN_MAX_AGE="60")

    reset_database(url)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PYTHON, "manage.py", "generate_corpus", f"--documents={options.documents}", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    out = subprocess.run(
        [PYTHON, __file__, "setup", str(options.editors)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])

    gunicorn = Path(PYTHON).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "desk.wsgi",
            "-b",
            f"{HOST}:{options.port}",
            "-w",
            str(options.workers),
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(options.port)
        ledger = Ledger()
        budget = threading.Semaphore(options.max_requests)
        started = time.monotonic()
        stop_at = started + options.seconds
        threads = [
            threading.Thread(target=editor_loop, args=(n, options.port, data, ledger, stop_at, budget))
            for n in range(1, options.editors + 1)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    stats = ledger.stats
    print(f"\n{options.editors} editors, {elapsed:.0f} s, gunicorn {options.workers} workers on {HOST}:{options.port}")
    print(f"requests: {stats['requests']} ({stats['requests'] / elapsed:.0f}/s)")
    print("| operation | requests | median ms | p95 ms |")
    print("| --- | ---: | ---: | ---: |")
    for op, times in sorted(stats["by_op"].items()):
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"| {op} | {len(times)} | {statistics.median(times) * 1000:.0f} | {p95 * 1000:.0f} |")
    print(f"409 conflicts (expected, re-read and retried): {stats['conflicts']}")
    print(f"errors (5xx, unexpected statuses, connection failures): {stats['errors']} {ledger.error_samples}")
    checked, uncertain, problems = check(url, ledger)
    deleted = sum(1 for e in ledger.state.values() if e["deleted"])
    print(
        f"consistency: {checked} acknowledged annotations checked ({deleted} deleted), {uncertain} with an "
        f"unanswered request skipped: {'OK, no lost update' if not problems else f'{len(problems)} PROBLEMS'}"
    )
    for problem in problems[:20]:
        print("  " + problem)
    dashboard = subprocess.run(
        [PYTHON, __file__, "dashboard-counts"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    print(f"dashboard's kept counts against a count of the tables: {dashboard}")
    return 1 if problems or stats["errors"] or dashboard != "same" else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "setup":
        setup_accounts(int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "dashboard-counts":
        dashboard_counts()
    else:
        sys.exit(main(sys.argv[1:]))
