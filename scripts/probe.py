"""The hostile-input probe of issue 15, re-runnable: ``make probe``.

    .venv/bin/python scripts/probe.py            # every class, a table at the end
    .venv/bin/python scripts/probe.py --keep     # keep the temporary folder (database, server log)

It makes a temporary folder with its own SQLite database, migrates it, loads the fixtures,
creates an editor, a reviewer and a reviewed claim, starts gunicorn on 127.0.0.1 (a free port),
logs in, and sends each class of bad or hostile input of the issue: requests to the app
(http.client, to 127.0.0.1 only) or files to ``import_transcripts``. Every loop is bounded.

For each class it prints: how many requests (or import runs) it sent; how many were **refused
cleanly** (a 4xx with a reason, an import that names the file and writes nothing of it) or,
for what must work (a big document's pages, a search, an export), answered correctly within
bounds; how many gave a **500** (or a crash of the importer); whether **data changed** that
should not have (read from the database before and after); and **other** outcomes (accepted
where it should have been refused, a page too large or too slow, a wrong message). It reports
what it sees: a class still open shows as 500s, changes or others. Exit status 1 if any.
"""

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"  # the probe talks to this address only
PASSWORD = "probe-password-4821"
FIXTURES = ["speakers", "corpus", "topics", "targets", "demo_annotations"]
PAGE_LIMIT_BYTES = 1024 * 1024
PAGE_LIMIT_SECONDS = 10
MB = 1024 * 1024


# --- the app, in a child process --------------------------------------------------------------


def setup_data():
    """(Run inside the app's environment.) The accounts and rows the probe needs, printed as JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desk.settings")
    import django

    django.setup()
    from io import StringIO

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from annotations import services
    from annotations.models import Target, Topic
    from corpus_app.models import Document

    users = {}
    for username, role in [("probe-editor", "Editor"), ("probe-reviewer", "Reviewer"), ("probe-target", "Editor")]:
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        user.groups.add(Group.objects.get(name=role))
        users[role if username != "probe-target" else "target"] = user
    document = Document.objects.current().order_by("pk").first()
    turn = document.turns.order_by("position").first()
    topic = Topic.objects.order_by("pk").first()
    reviewed = services.annotation_create(
        user=users["Editor"], turn=turn, start=0, end=12, quote=turn.text[:12], topics=[topic], claim=True
    )
    claim = services.claim_set_status(
        user=users["Reviewer"],
        claim_id=reviewed.claim.pk,
        status="accurate",
        rationale="Checked against the record.",
        evidence=["https://example.org/record"],
    )
    # A replaced edition: the same text with a line more, imported as its new edition.
    old = Document.objects.current().order_by("pk")[1]
    old_turn = old.turns.order_by("position").first()
    folder = Path(tempfile.mkdtemp(prefix="probe-setup-"))
    edition = folder / "new-edition.txt"
    edition.write_text(old.raw_text + "\n\nAddendum: one more line.\n", encoding="utf-8")
    call_command("import_transcripts", "--replaces", str(old.pk), str(edition), stdout=StringIO())
    # A text with a composed accent, for the decomposed search.
    accents = folder / "accents.txt"
    accents.write_text(
        "Press briefing, Paris, March 3, 2024\n\nQuestion: Where?\n\nSergey Lavrov: At the café of the Élysée.\n",
        encoding="utf-8",
    )
    call_command("import_transcripts", str(accents), stdout=StringIO())
    print(
        json.dumps(
            {
                "turn": {"id": turn.pk, "text": turn.text},
                "topic": topic.pk,
                "target": Target.objects.order_by("pk").first().pk,
                "reviewed": {"id": reviewed.pk, "version": reviewed.version + 0, "claim": claim.pk},
                "claim_version": claim.version,
                "old_turn": {"id": old_turn.pk, "text": old_turn.text},
                "document": document.pk,
            }
        )
    )


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class App:
    """The app in its own temporary folder: database, environment, gunicorn."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.database = folder / "probe.sqlite3"
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.database}",
            "DEBUG": "true",
            "ALLOWED_HOSTS": HOST,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "CONN_MAX_AGE": "0",
            "LOG_LEVEL": "ERROR",
        }
        self.server = None

    def manage(self, *args, check=True):
        return subprocess.run(
            [PYTHON, "manage.py", *map(str, args)], cwd=ROOT, env=self.env, check=check, capture_output=True, text=True
        )

    def prepare(self):
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("loaddata", *FIXTURES, "-v", "0")
        result = subprocess.run(
            [PYTHON, __file__, "setup"], cwd=ROOT, env=self.env, check=True, capture_output=True, text=True
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start(self):
        log = open(self.folder / "server.log", "w")  # noqa: SIM115 (open while the server runs)
        gunicorn = Path(PYTHON).with_name("gunicorn")
        self.server = subprocess.Popen(
            [str(gunicorn), "desk.wsgi", "-b", f"{HOST}:{self.port}", "-w", "1", "--threads", "4", "-t", "120"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Client(self.port).get("/accounts/login/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"the app did not start: see {self.folder / 'server.log'}")

    def stop(self):
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)

    def digest(self, *tables):
        """A fingerprint of the rows of ``tables`` (what an attack must not change)."""
        connection = sqlite3.connect(self.database)
        try:
            digest = hashlib.sha256()
            for table in tables:
                for row in connection.execute(f"SELECT * FROM {table} ORDER BY 1"):  # noqa: S608 (our names)
                    digest.update(repr(row).encode("utf-8", "surrogatepass"))
            return digest.hexdigest()
        finally:
            connection.close()

    def scalar(self, sql, *params):
        connection = sqlite3.connect(self.database)
        try:
            return connection.execute(sql, params).fetchone()[0]
        finally:
            connection.close()


ANNOTATION_TABLES = ("annotations_annotation", "annotations_annotation_topics", "annotations_claim")
CORPUS_TABLES = ("corpus_app_document", "corpus_app_speaker")


class Client:
    """One person's browser: cookies (session, CSRF) and one connection to 127.0.0.1."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, *, content_type=None, csrf=True, timeout=60):
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if csrf and "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        if content_type:
            headers["Content-Type"] = content_type
        if isinstance(body, str):
            body = body.encode("utf-8")
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            started = time.monotonic()
            # Refused before the whole body was sent (too large): its answer may be there all the same.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            seconds = time.monotonic() - started
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, data, response.headers, seconds

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def json(self, method, path, raw_body, **kwargs):
        return self.request(method, path, raw_body, content_type="application/json", **kwargs)

    def login(self, username, password=PASSWORD):
        page = self.get("/accounts/login/")[1].decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        status = self.request("POST", "/accounts/login/", form, content_type="application/x-www-form-urlencoded")[0]
        if status == 302:
            self.get("/api/annotations/?turn=1")  # the CSRF cookie for the API
        return status


# --- the classes --------------------------------------------------------------------------------


class Tally:
    def __init__(self, name):
        self.name = name
        self.requests = self.clean = self.errors = self.changed = self.other = 0
        self.notes = []

    def count(self, outcome, note=None):
        self.requests += 1
        if outcome == "clean":
            self.clean += 1
        elif outcome == "500":
            self.errors += 1
        else:
            self.other += 1
        if note and outcome != "clean" and len(self.notes) < 3:
            self.notes.append(note)

    def refused(self, status, data, note):
        """A hostile request: clean when refused with a 4xx that says why."""
        if status >= 500:
            self.count("500", f"{note}: {status}")
        elif 400 <= status < 500 and data:
            self.count("clean")
        else:
            self.count("other", f"{note}: answered {status}")


def surrogate_body(field_json):
    """A JSON body with a lone surrogate escaped, as a careless client sends it."""
    return field_json.replace("LONE", "\\ud800")


def probe_surrogates(app, data, editor, reviewer, tally):
    turn = data["turn"]
    create = {"turn": turn["id"], "start": 0, "end": 5, "quote": turn["text"][:5], "topics": [data["topic"]]}
    bodies = [
        ("POST", "/api/annotations/", editor, {**create, "note": "LONE"}),
        ("PATCH", f"/api/annotations/{data['reviewed']['id']}/", editor, {"version": 0, "note": "LONE"}),
        (
            "POST",
            f"/api/claims/{data['reviewed']['claim']}/verdict/",
            reviewer,
            {"status": "false", "rationale": "LONE", "version": 0},
        ),
        (
            "POST",
            f"/api/claims/{data['reviewed']['claim']}/verdict/",
            reviewer,
            {"status": "false", "rationale": "Checked.", "evidence": ["https://example.org/LONE"], "version": 0},
        ),
    ]
    before = app.digest(*ANNOTATION_TABLES)
    for method, path, client, body in bodies:
        if "version" in body:  # the version now stored: a refusal must be for the text, not a conflict
            table = "annotations_claim" if "claims" in path else "annotations_annotation"
            body["version"] = app.scalar(
                f"SELECT version FROM {table} WHERE id = ?", int(re.search(r"\d+", path).group())
            )
        status, payload, *_ = client.json(method, path, surrogate_body(json.dumps(body)))
        tally.refused(status, payload, f"{method} {path}")
    if app.digest(*ANNOTATION_TABLES) != before:
        tally.changed += 1
    # Whatever was stored must not break the pages everyone reads.
    for path in ["/claims/", "/claims/export/?format=jsonl", "/claims/export/?format=csv", "/annotations/"]:
        try:
            status, *_ = reviewer.get(path, timeout=20)
        except (OSError, http.client.HTTPException) as error:  # broken off mid-stream
            tally.count("500", f"GET {path}: no whole answer ({error})")
            continue
        tally.count("clean" if status == 200 else "500" if status >= 500 else "other", f"GET {path}: {status}")


def probe_deep_json(app, data, editor, reviewer, tally):
    for depth in (1_000, 100_000):
        body = "[" * depth + "]" * depth
        for client, path in [
            (editor, "/api/annotations/"),
            (reviewer, f"/api/claims/{data['reviewed']['claim']}/verdict/"),
        ]:
            status, payload, *_ = client.json("POST", path, body)
            tally.refused(status, payload, f"depth {depth} to {path}")
        body = '{"note": ' * depth + "1" + "}" * depth
        status, payload, *_ = editor.json("PATCH", f"/api/annotations/{data['reviewed']['id']}/", body)
        tally.refused(status, payload, f"nested objects, depth {depth}")


def transcript_of(size, seed):
    """A transcript of about ``size`` bytes the parser reads as turns."""
    lines = ["Press conference, Geneva, May 5, 2024", ""]
    paragraph = f"Sergey Lavrov: We said it before and we say it again, {seed}, the talks go on. " * 12
    count = max(1, size // (len(paragraph) + 2))
    lines.extend([paragraph, ""] * count)
    return "\n".join(lines)


def probe_big_inputs(app, data, editor, reviewer, tally):
    folder = app.folder / "big"
    folder.mkdir()
    for size in (11 * MB, 20 * MB):
        path = folder / f"big-{size // MB}mb.txt"
        path.write_text(transcript_of(size, size), encoding="utf-8")
        before = app.digest(*CORPUS_TABLES)
        result = app.manage("import_transcripts", path, check=False)
        named = path.name in result.stderr and "IMPORT_MAX_FILE_BYTES" in result.stderr
        crashed = "Traceback" in result.stderr
        if app.digest(*CORPUS_TABLES) != before:
            tally.changed += 1
        tally.count(
            "500" if crashed else "clean" if result.returncode != 0 and named else "other",
            f"import of {path.name}: exit {result.returncode}",
        )
        path.unlink()
    # The same through requests: a 20 MB JSON body.
    turn = data["turn"]
    big = json.dumps({"turn": turn["id"], "start": 0, "end": 5, "quote": turn["text"][:5], "note": "x" * (20 * MB)})
    status, payload, *_ = editor.json("POST", "/api/annotations/", big)
    tally.refused(status, payload, "20 MB JSON body")
    # A big document that is allowed (9 MB): its pages answer, small and soon.
    path = folder / "allowed-9mb.txt"
    path.write_text(transcript_of(9 * MB, 9), encoding="utf-8")
    result = app.manage("import_transcripts", path, check=False)
    document = app.scalar("SELECT id FROM corpus_app_document WHERE source_name = ?", path.name)
    tally.count("clean" if document else "other", f"import of the 9 MB file: exit {result.returncode}")
    admin = Client(app.port)
    if document and admin.login("probe-admin") == 302:
        for page in [
            "/admin/corpus_app/turn/",
            "/admin/corpus_app/document/",
            f"/admin/corpus_app/document/{document}/change/",
            f"/documents/{document}/",
        ]:
            status, body, _, seconds = admin.get(page, timeout=PAGE_LIMIT_SECONDS * 6)
            bounded = status == 200 and len(body) < PAGE_LIMIT_BYTES and seconds < PAGE_LIMIT_SECONDS
            tally.count(
                "clean" if bounded else "500" if status >= 500 else "other",
                f"GET {page}: {status}, {len(body):,} bytes, {seconds:.1f} s",
            )


def probe_reviewed_passage(app, data, editor, reviewer, tally):
    reviewed = data["reviewed"]
    version = app.scalar("SELECT version FROM annotations_annotation WHERE id = ?", reviewed["id"])
    text = data["turn"]["text"]
    status, payload, *_ = editor.json(
        "PATCH",
        f"/api/annotations/{reviewed['id']}/",
        json.dumps({"version": version, "start": 2, "end": 20, "quote": text[2:20]}),
    )
    claim_status = app.scalar("SELECT status FROM annotations_claim WHERE id = ?", reviewed["claim"])
    if status >= 500:
        tally.count("500", f"PATCH: {status}")
    elif status < 400 and claim_status not in ("unverified", "in_review"):
        tally.changed += 1  # the verdict now speaks of another passage
        tally.count("other", f"PATCH answered {status}, the claim still says {claim_status}")
    else:
        tally.count("clean")  # refused, or the claim went back to review


def probe_verdict_without_version(app, data, editor, reviewer, tally):
    before = app.digest("annotations_claim")
    for verdict in ("misleading", "false"):
        status, payload, *_ = reviewer.json(
            "POST",
            f"/api/claims/{data['reviewed']['claim']}/verdict/",
            json.dumps({"status": verdict, "rationale": "r"}),
        )
        tally.refused(status, payload, f"verdict {verdict} without a version")
    if app.digest("annotations_claim") != before:
        tally.changed += 1


def probe_bad_file_among_good(app, data, editor, reviewer, tally):
    folder = app.folder / "mixed"
    folder.mkdir()
    (folder / "a_good.txt").write_text(transcript_of(3000, "a"), encoding="utf-8")
    long_name = " ".join(["Extraordinary"] * 10 + ["Plenipotentiary"] * 10)
    (folder / "b_bad.txt").write_text(
        f"Press briefing, Moscow, March 3, 2024\n\nQuestions are prefixed Q. {long_name} is marked XY.\n\n"
        "XY: We do not comment.\n\nQ: Will the talks go on?\n\nXY: Yes.\n",
        encoding="utf-8",
    )
    (folder / "c_good.txt").write_text(transcript_of(3000, "c"), encoding="utf-8")
    result = app.manage("import_transcripts", folder, check=False)
    good = app.scalar("SELECT count(*) FROM corpus_app_document WHERE source_name IN ('a_good.txt', 'c_good.txt')")
    bad = app.scalar("SELECT count(*) FROM corpus_app_document WHERE source_name = 'b_bad.txt'")
    long_speakers = app.scalar("SELECT count(*) FROM corpus_app_speaker WHERE length(name) > 200")
    if bad or long_speakers:
        tally.changed += 1
    if "Traceback" in result.stderr:
        tally.count("500", "the importer crashed")
    elif result.returncode != 0 and good == 2 and "b_bad.txt" in result.stderr and "failed" in result.stdout:
        tally.count("clean")
    else:
        tally.count("other", f"exit {result.returncode}, {good} good file(s) imported")


def probe_brute_force(app, data, editor, reviewer, tally):
    attacker = Client(app.port)
    for _ in range(30):
        status = attacker.login("probe-target", "wrong-password")
        tally.count("clean" if status in (200, 403, 429) else "500" if status >= 500 else "other", f"wrong: {status}")
    status = attacker.login("probe-target")
    tally.count("clean" if status != 302 else "other", "the right password after 30 wrong ones logged in at once")


def probe_replaced_edition(app, data, editor, reviewer, tally):
    old = data["old_turn"]
    before = app.digest(*ANNOTATION_TABLES)
    body = {"turn": old["id"], "start": 0, "end": 5, "quote": old["text"][:5], "topics": [data["topic"]]}
    status, payload, *_ = editor.json("POST", "/api/annotations/", json.dumps(body))
    if app.digest(*ANNOTATION_TABLES) != before:
        tally.changed += 1
    tally.count(
        "clean" if status == 409 else "500" if status >= 500 else "other", f"annotation on a replaced edition: {status}"
    )


def probe_csrf(app, data, editor, reviewer, tally):
    turn = data["turn"]
    body = json.dumps({"turn": turn["id"], "start": 0, "end": 5, "quote": turn["text"][:5], "topics": [data["topic"]]})
    status, payload, headers, _ = editor.json("POST", "/api/annotations/", body, csrf=False)
    is_json = headers.get("Content-Type", "").startswith("application/json")
    tally.count(
        "clean" if status == 403 and is_json else "other", f"CSRF failure: {status} {headers.get('Content-Type')}"
    )


def probe_utf16(app, data, editor, reviewer, tally):
    path = app.folder / "utf16.txt"
    path.write_bytes(transcript_of(2000, "utf16").replace("Geneva", "Genève").encode("utf-16"))
    result = app.manage("import_transcripts", path, check=False)
    imported = app.scalar("SELECT count(*) FROM corpus_app_document WHERE source_name = 'utf16.txt'")
    if "Traceback" in result.stderr:
        tally.count("500", "the importer crashed")
    elif imported or ("binary" not in result.stderr and "UTF-16" in result.stderr):
        tally.count("clean")
    else:
        tally.count("other", f"UTF-16 file: {result.stderr.strip().splitlines()[0][-90:]}")


def probe_decomposed_search(app, data, editor, reviewer, tally):
    for query in ["cafe\u0301", "E\u0301lyse\u0301e"]:
        status, body, *_ = editor.get(f"/search/?q={quote(query)}")
        found = "Sergey Lavrov" in body.decode("utf-8", "replace") and "search-hit" in body.decode("utf-8", "replace")
        tally.count("clean" if status == 200 and found else "500" if status >= 500 else "other", f"search {query!r}")


def probe_unknown_topics(app, data, editor, reviewer, tally):
    turn = data["turn"]
    ids = list(range(10_000_000, 10_100_000))
    body = json.dumps({"turn": turn["id"], "start": 0, "end": 5, "quote": turn["text"][:5], "topics": ids})
    status, payload, *_ = editor.json("POST", "/api/annotations/", body)
    if status >= 500:
        tally.count("500", f"100,000 unknown topic ids: {status}")
    elif 400 <= status < 500 and len(payload) < 10_000:
        tally.count("clean")
    else:
        tally.count("other", f"100,000 unknown topic ids: {status}, {len(payload):,} bytes back")


def probe_csv_cells(app, data, editor, reviewer, tally):
    turn = data["turn"]
    note = " =cmd|' /C calc'!A0"
    body = json.dumps(
        {"turn": turn["id"], "start": 1, "end": 9, "quote": turn["text"][1:9], "topics": [data["topic"]], "note": note}
    )
    status, *_ = editor.json("POST", "/api/annotations/", body)
    tally.count("clean" if status == 201 else "500" if status >= 500 else "other", f"create: {status}")
    status, csv_body, *_ = editor.get("/annotations/export/?format=csv")
    text = csv_body.decode("utf-8", "replace")
    neutral = "=cmd" in text and not re.search(r'(^|,)"?\s*=cmd', text, re.MULTILINE)
    tally.count("clean" if status == 200 and neutral else "500" if status >= 500 else "other", "the cell is a formula")


def probe_nul(app, data, editor, reviewer, tally):
    turn = data["turn"]
    before = app.digest(*ANNOTATION_TABLES)
    body = json.dumps(
        {
            "turn": turn["id"],
            "start": 0,
            "end": 5,
            "quote": turn["text"][:5],
            "topics": [data["topic"]],
            "note": "a\u0000b",
        }
    )
    status, payload, *_ = editor.json("POST", "/api/annotations/", body)
    tally.refused(status, payload, "NUL in a note")
    version = app.scalar("SELECT version FROM annotations_annotation WHERE id = ?", data["reviewed"]["id"])
    status, payload, *_ = editor.json(
        "PATCH", f"/api/annotations/{data['reviewed']['id']}/", json.dumps({"version": version, "note": "x\u0000"})
    )
    tally.refused(status, payload, "NUL in a changed note")
    if app.digest(*ANNOTATION_TABLES) != before:
        tally.changed += 1


def probe_csp(app, data, editor, reviewer, tally):
    for path in ["/", f"/documents/{data['document']}/", "/claims/", "/search/", "/accounts/login/", "/admin/login/"]:
        status, _, headers, _ = editor.get(path)
        policy = headers.get("Content-Security-Policy", "")
        script_src = re.search(r"script-src ([^;]*)", policy)
        strict = "default-src 'self'" in policy and (script_src is None or "unsafe-inline" not in script_src.group(1))
        tally.count("clean" if status in (200, 302) and strict else "other", f"{path}: policy {policy[:60]!r}")


CLASSES = [
    ("1 lone surrogates", probe_surrogates),
    ("2 deeply nested JSON", probe_deep_json),
    ("3 big files and pages", probe_big_inputs),
    ("4 reviewed claim's passage", probe_reviewed_passage),
    ("5 verdict without version", probe_verdict_without_version),
    ("6 bad import file among good", probe_bad_file_among_good),
    ("7 30 wrong passwords", probe_brute_force),
    ("8 replaced edition", probe_replaced_edition),
    ("8 CSRF failure on the API", probe_csrf),
    ("8 UTF-16 file", probe_utf16),
    ("8 decomposed accent search", probe_decomposed_search),
    ("8 100,000 unknown topic ids", probe_unknown_topics),
    ("8 CSV cell ' =cmd'", probe_csv_cells),
    ("8 NUL in a note", probe_nul),
    ("8 Content-Security-Policy", probe_csp),
]


def run(keep):
    folder = Path(tempfile.mkdtemp(prefix="desk-probe-"))
    app = App(folder)
    print(f"Probe: app in {folder}, on http://{HOST}:{app.port}/", flush=True)
    data = app.prepare()
    app.manage("shell", "-c", _CREATE_ADMIN)
    app.start()
    tallies = []
    try:
        editor, reviewer = Client(app.port), Client(app.port)
        if editor.login("probe-editor") != 302 or reviewer.login("probe-reviewer") != 302:
            raise SystemExit("the probe's accounts cannot log in")
        for name, probe in CLASSES:
            tally = Tally(name)
            started = time.monotonic()
            try:
                probe(app, data, editor, reviewer, tally)
            except (OSError, http.client.HTTPException) as error:  # a request that never got an answer
                tally.count("500", f"no answer: {error}")
            print(f"  {name}: {tally.requests} request(s), {time.monotonic() - started:.1f} s", flush=True)
            tallies.append(tally)
    finally:
        app.stop()
    print_table(tallies)
    if keep:
        print(f"Kept {folder} (database probe.sqlite3, server.log).")
    else:
        subprocess.run(["rm", "-rf", str(folder)], check=False)
    return 1 if any(t.errors or t.changed or t.other for t in tallies) else 0


_CREATE_ADMIN = (
    "from django.contrib.auth import get_user_model; "
    f"get_user_model().objects.create_superuser('probe-admin', 'admin@example.org', '{PASSWORD}')"
)


def print_table(tallies):
    header = ("class", "requests", "refused cleanly", "500s", "data changed", "other")
    rows = [(t.name, t.requests, t.clean, t.errors, t.changed, t.other) for t in tallies]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    print()
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))
    totals = ("total", *(sum(row[i] for row in rows) for i in range(1, len(header))))
    print(line.format(*totals))
    notes = [(t.name, note) for t in tallies for note in t.notes]
    if notes:
        print("\nWhat was not clean (first few per class):")
        for name, note in notes:
            print(f"  {name}: {note}")


def main(argv):
    if argv[:1] == ["setup"]:
        setup_data()
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder (database, server log).")
    options = parser.parse_args(argv)
    return run(options.keep)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
