"""The benchmark: generate a corpus at two sizes on PostgreSQL and time the pages, exports and importer.

    .venv/bin/python bench/run.py                      # 2,000 and 20,000 documents (about 20 minutes)
    .venv/bin/python bench/run.py --sizes 200,2000     # a quick run

It works in a dedicated database (``desk_bench`` on the server of ``BENCH_DATABASE_URL``,
default ``postgres://postgres@127.0.0.1:5432/desk_bench``), which it drops and re-creates for
each size; it refuses the names of the dev and test databases. Each measurement runs in a
child process with ``DATABASE_URL`` pointing there and ``DEBUG`` off, requests go through
Django's test ``Client`` in-process, and the time is the server's: from the request to the
last byte of the (streamed) response. Database time is the sum of the cursor executions seen
by a ``connection.execute_wrapper``; with server-side cursors (the exports), rows fetched
after the first batch are not counted, so an export's DB share is a lower bound.
"""

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/desk_bench"
FORBIDDEN_NAMES = {"desk", "postgres", "template0", "template1"}
EXPORT_ROWS = 100_000
PAGE_BUDGET_S = 60  # per page; past it, at least 5 requests are still timed


# --- orchestration (parent) ------------------------------------------------------------------


def reset_database(url):
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if name in FORBIDDEN_NAMES or name.startswith("test_") or "bench" not in name:
        raise SystemExit(f"refusing to reset database {name!r}: the bench needs its own (a name with 'bench' in it)")
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def checkpoint(url):
    """Write the generated corpus out now. Otherwise the server writes those hundreds of megabytes
    during the first measurements (a checkpoint falls due), on a machine of two cores."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        print("(no CHECKPOINT: the bench's database user may not; the first pages may pay for it)", flush=True)


def child_env(url):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-not-for-deployment-0123456789",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        CONN_MAX_AGE="0",
    )
    return env


def run_child(args, env, *, capture=True):
    result = subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE if capture else None
    )
    if capture:
        return json.loads(result.stdout.strip().splitlines()[-1])
    return None


def bench_size(url, size, options):
    env = child_env(url)
    print(f"\n== {size} documents: resetting {urlparse(url).path.lstrip('/')} ==", flush=True)
    reset_database(url)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    started = time.monotonic()
    subprocess.run(
        [PYTHON, "manage.py", "generate_corpus", f"--documents={size}", f"--seed={options.seed}", "-v", "1"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    generation = time.monotonic() - started
    checkpoint(url)
    print("measuring pages…", flush=True)
    figures = run_child([__file__, "pages", f"--requests={options.requests}"], env)
    rows = figures["rows"]
    export_filter = figures["export_filter"]
    for fmt in ("csv", "jsonl", "w3c"):
        print(f"measuring export {fmt}…", flush=True)
        rows.append(
            run_child(
                [__file__, "export", f"--format={fmt}", f"--filter={export_filter}", f"--requests={options.exports}"],
                env,
            )
        )
    print("measuring the importer…", flush=True)
    rows.append(run_child([__file__, "import", f"--files={options.import_files}", f"--seed={options.seed}"], env))
    print("measuring the importer on new editions…", flush=True)
    # The same file names with other texts: each file replaces the document the run above imported.
    editions = [f"--files={options.import_files}", f"--seed={options.seed + 1}", "--editions"]
    rows.append(run_child([__file__, "import", *editions], env))
    for file_format in FILE_FORMATS:
        print(f"measuring the importer on {file_format} files…", flush=True)
        rows.append(run_child([__file__, "formats", f"--format={file_format}", f"--seed={options.seed + 2}"], env))
    return {"size": size, "generation_s": generation, "counts": figures["counts"], "rows": rows}


def fmt_ms(value):
    return "–" if value is None else (f"{value:.0f}" if value >= 100 else f"{value:.1f}")


def print_table(result):
    counts = result["counts"]
    print(
        f"\n### {result['size']:,} documents: {counts['turns']:,} turns, {counts['annotations']:,} annotations, "
        f"{counts['claims']:,} claims (generated in {result['generation_s']:.0f} s)\n"
    )
    print("| what | n | median ms | p95 ms | first ms | queries | DB share | peak MB | notes |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for row in result["rows"]:
        share = f"{row['db_share'] * 100:.0f}%" if "db_share" in row else "–"
        print(
            f"| {row['name']} | {row.get('n', '–')} | {fmt_ms(row.get('median_ms'))} | {fmt_ms(row.get('p95_ms'))} "
            f"| {fmt_ms(row.get('first_ms'))} | {row.get('queries', '–')} | {share} | {row.get('peak_mb', '–')} "
            f"| {row.get('notes', '')} |"
        )


def print_ratios(small, large):
    print(f"\n### Ratio {large['size']:,} / {small['size']:,} documents\n")
    print("| what | median | p95 | first | queries | peak memory | notes |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    by_name = {row["name"]: row for row in small["rows"]}
    for row in large["rows"]:
        base = by_name.get(row["name"])
        if base is None:
            continue

        def ratio(key, row=row, base=base):
            a, b = row.get(key), base.get(key)
            return f"{a / b:.2f}×" if isinstance(a, int | float) and isinstance(b, int | float) and b else "–"

        notes = ""
        if "files_per_s" in row:
            notes = f"files/s {ratio('files_per_s')}, MB/s {ratio('mb_per_s')}"
        print(
            f"| {row['name']} | {ratio('median_ms')} | {ratio('p95_ms')} | {ratio('first_ms')} | {ratio('queries')} "
            f"| {ratio('peak_mb')} | {notes} |"
        )


def main_orchestrate(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,20000", help="Comma-separated document counts (default 2000,20000).")
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per page (default 30).")
    parser.add_argument("--exports", type=int, default=5, help="Timed requests per export format (default 5).")
    parser.add_argument("--import-files", type=int, default=500, help="Transcript files for the importer (500).")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    options = parser.parse_args(argv)
    sizes = [int(size) for size in options.sizes.split(",") if size.strip()]
    results = []
    started = time.monotonic()
    for size in sizes:
        results.append(bench_size(options.database_url, size, options))
        print_table(results[-1])
    print("\n## Results\n")
    for result in results:
        print_table(result)
    if len(results) > 1:
        print_ratios(results[0], results[-1])
    print(f"\n(bench ran {time.monotonic() - started:.0f} s)")
    if options.json:
        options.json.write_text(json.dumps(results, indent=2))


# --- measurements (children, with Django set up) ---------------------------------------------


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desk.settings")
    import django

    django.setup()
    from django.test.utils import override_settings

    # DEBUG is off; plain static files storage so templates need no collectstatic manifest.
    # No setup_test_environment(): its instrumented template rendering keeps a copy of every
    # template context of every request alive, so the heap grows by ~2,000 objects a request
    # and the garbage collector's full passes (70-150 ms each) land in the timed requests.
    # A served request has none of that.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        SECURE_SSL_REDIRECT=False,
        ALLOWED_HOSTS=["testserver"],  # the test Client's host name
    ).enable()
    gc.freeze()  # as desk/wsgi.py does once the application is loaded


class DatabaseTimer:
    def __init__(self):
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def timed_get(client, url):
    """Server time of one GET, the streamed body consumed; (seconds, DB seconds, queries, bytes, status)."""
    from django.db import connection

    timer = DatabaseTimer()
    with connection.execute_wrapper(timer):
        started = time.perf_counter()
        response = client.get(url)
        size = sum(len(chunk) for chunk in response.streaming_content) if response.streaming else len(response.content)
        elapsed = time.perf_counter() - started
    return elapsed, timer.seconds, timer.queries, size, response.status_code


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def measure(client, name, url, requests, notes="", before=None):
    """``before``, when given, runs ahead of every request, untimed (a write the page must then show)."""
    before = before or (lambda: None)
    # Warm-up, not counted in the median and p95, but shown: the first request of the page in this
    # process, with counts and search results not yet kept (the requests after it find them kept).
    before()
    first, _, _, _, status = timed_get(client, url)
    if status != 200:
        raise SystemExit(f"{name}: {url} answered {status}")
    times, shares, queries = [], [], []
    deadline = time.monotonic() + PAGE_BUDGET_S
    for _ in range(requests):
        if len(times) >= 5 and time.monotonic() > deadline:
            break  # a very slow page: fewer requests (the table shows how many)
        before()
        elapsed, db, count, size, status = timed_get(client, url)
        times.append(elapsed)
        shares.append(db / elapsed if elapsed else 0)
        queries.append(count)
    print(f"  {name}: median {statistics.median(times) * 1000:.1f} ms", file=sys.stderr, flush=True)
    return {
        "name": name,
        "url": url,
        "n": len(times),
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": percentile(times, 0.95) * 1000,
        "first_ms": first * 1000,
        "queries": max(queries),
        "db_share": statistics.median(shares),
        "bytes": size,
        "notes": notes,
    }


def next_link(client, url):
    """The "Next ›" link of a listing page: how a reader reaches the page after it."""
    import html
    import re

    response = client.get(url)
    found = re.search(r'<a href="(\?[^"]*)" rel="next">', response.content.decode())
    if not found:
        raise SystemExit(f"{url} has no next page")
    return url.split("?")[0] + html.unescape(found.group(1))


def by_next_link(client, name, listing, page, n):
    """``measure`` of a listing's page ``page`` as a reader reaches it: by the Next link of the page before."""
    before = f"{listing}{'&' if '?' in listing else '?'}page={page - 1}"
    return measure(client, f"{name}, page {page} by its Next link", next_link(client, before), n)


def bench_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="synth-reviewer-01")


def bench_admin():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def stance_flipper():
    """A write as an editor makes it, through the services: one annotation's stance, turned from
    "supports" to "opposes" and back. Every figure of the dashboard may change with it."""
    from django.contrib.auth import get_user_model

    from annotations import services
    from annotations.models import Annotation, Polarity

    editor = get_user_model().objects.get(username="synth-editor-01")
    annotation = Annotation.objects.filter(polarity=Polarity.SUPPORTS).order_by("pk").first()

    def flip():
        nonlocal annotation
        polarity = Polarity.OPPOSES if annotation.polarity == Polarity.SUPPORTS else Polarity.SUPPORTS
        annotation = services.annotation_update(
            user=editor, annotation_id=annotation.pk, version=annotation.version, polarity=polarity
        )

    return flip


def main_pages(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    options = parser.parse_args(argv)
    setup_django()
    from django.db.models import Count
    from django.test import Client

    from annotations.models import Annotation, Claim, Polarity, Topic
    from corpus_app.models import Document, Turn

    client = Client()
    client.force_login(bench_user())
    long_document = (
        Document.objects.filter(publisher="synthetic")
        .annotate(n=Count("turns"))
        .filter(n__gte=400)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    root = Topic.objects.get(slug="sanctions-economy")
    counts = {
        "documents": Document.objects.count(),
        "turns": Turn.objects.count(),
        "annotations": Annotation.objects.count(),
        "claims": Claim.objects.count(),
    }
    # The export filter: documents said from the date that leaves about EXPORT_ROWS annotations.
    dates = Annotation.objects.order_by("-turn__document__date").values_list("turn__document__date", flat=True)
    cut = dates[EXPORT_ROWS - 1 : EXPORT_ROWS]
    export_filter = f"date_after={cut[0].isoformat()}" if cut else ""

    n = options.requests
    # Deep pages: page 100 of the documents and 500 of the annotations, or the last one when there are fewer.
    document_page = max(1, min(100, counts["documents"] // 50))
    annotation_page = max(2, min(500, counts["annotations"] // 50))
    # "currencies" is in about 78% of the documents.
    common_word_page = max(2, min(100, counts["documents"] * 3 // 4 // 50))
    claim_page = max(2, min(1000, counts["claims"] // 25))
    filtered = f"/annotations/?topic={root.pk}&polarity={Polarity.OPPOSES}"
    filtered_rows = (
        Annotation.objects.filter(polarity=Polarity.OPPOSES, topics__in=Topic.subtree_ids([root.pk])).distinct().count()
    )
    filtered_page = max(2, min(100, filtered_rows // 50))
    rows = [
        measure(client, "documents list", "/documents/", n),
        measure(client, f"documents list, page {document_page}", f"/documents/?page={document_page}", n),
        # A word in most documents (in their turns), and one in none (the synthetic vocabulary lacks it).
        measure(client, "documents list, text “currencies”", "/documents/?q=currencies", n),
        measure(client, "documents list, text “uranium”", "/documents/?q=uranium", n),
        measure(
            client,
            f"documents list, text “currencies”, page {common_word_page}",
            f"/documents/?q=currencies&page={common_word_page}",
            n,
        ),
        by_next_link(client, "documents list, text “currencies”", "/documents/?q=currencies", common_word_page, n),
        measure(client, "annotations list", "/annotations/", n),
        measure(client, "annotations list, topic + stance filters", filtered, n),
        measure(client, f"annotations list, page {annotation_page}", f"/annotations/?page={annotation_page}", n),
        by_next_link(client, "annotations list", "/annotations/", annotation_page, n),
        by_next_link(client, "annotations list, topic + stance filters", filtered, filtered_page, n),
        measure(client, "claims queue", "/claims/", n),
        measure(client, "claims queue, status filter", "/claims/?status=in_review", n),
        by_next_link(client, "claims queue", "/claims/", claim_page, n),
        measure(client, "search “national currencies”", "/search/?q=national+currencies", n),
        measure(client, "search “sanctions -dollar”", "/search/?q=sanctions+-dollar", n),
        measure(client, "dashboard", "/", n),
        measure(
            client,
            "dashboard after an edit",
            "/",
            n,
            notes="each view after an annotation's stance is changed",
            before=stance_flipper(),
        ),
    ]
    if long_document:
        annotations = Annotation.objects.filter(turn__document=long_document).count()
        rows.append(
            measure(
                client,
                "reading view, 400 turns",
                f"/documents/{long_document}/",
                n,
                notes=f"{annotations:,} annotations",
            )
        )
    # The admin's lists and a long document's change page (issue 15: they must stay fast on a big corpus).
    admin = Client()
    admin.force_login(bench_admin())
    admin_pages = [
        ("admin: documents", "/admin/corpus_app/document/"),
        ("admin: turns", "/admin/corpus_app/turn/"),
        ("admin: speakers", "/admin/corpus_app/speaker/"),
        ("admin: annotations", "/admin/annotations/annotation/"),
        ("admin: claims", "/admin/annotations/claim/"),
    ]
    if long_document:
        admin_pages.append(("admin: a long document's page", f"/admin/corpus_app/document/{long_document}/change/"))
    rows.extend(measure(admin, name, url, n) for name, url in admin_pages)
    print(json.dumps({"rows": rows, "counts": counts, "export_filter": export_filter}))


def main_export(argv):
    import resource

    parser = argparse.ArgumentParser()
    parser.add_argument("--format", required=True)
    parser.add_argument("--filter", default="")
    parser.add_argument("--requests", type=int, default=5)
    options = parser.parse_args(argv)
    setup_django()
    from django.test import Client

    client = Client()
    client.force_login(bench_user())
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    url = f"/annotations/export/?format={options.format}" + (f"&{options.filter}" if options.filter else "")
    row = measure(client, f"export {options.format}", url, options.requests)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    response = client.get(url)
    body = b"".join(response.streaming_content)
    lines = body.count(b"\n")
    rows = lines - 1 if options.format == "csv" else (lines if options.format == "jsonl" else body.count(b'"id":'))
    row.update(
        peak_mb=round(peak),
        notes=f"~{rows:,} annotations, {len(body) / 1e6:.0f} MB; +{peak - baseline:.0f} MB over the process at start",
    )
    print(json.dumps(row))


FILE_FORMATS = ("markdown", "html", "docx", "pdf")


def _as_format(text: str, file_format: str, title: str) -> tuple[str, bytes]:
    """A transcript written as a file of another format: (suffix, bytes). Its first paragraph is the
    headline, each other one a paragraph (a labelled one keeps its label at its start)."""
    import html
    import io

    paragraphs = [line for line in text.splitlines()[1:] if line.strip()]
    if file_format == "markdown":
        body = "\n\n".join(
            f"**{label}:**{rest}"
            if (label := paragraph.partition(":")[0]) and len(label) < 40 and ":" in paragraph
            else paragraph
            for paragraph in paragraphs
            for rest in [paragraph.partition(":")[2]]
        )
        return ".md", f'---\ntitle: "{title}"\ndate: "2025-04-11"\n---\n\n{body}\n'.encode()
    if file_format == "html":
        items = "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in paragraphs)
        page = (
            f"<!DOCTYPE html><html><head><title>{html.escape(title)} | Ministry</title>"
            f'<meta property="article:published_time" content="2025-04-11"></head><body>'
            f"<nav><a href='/'>Home</a> | <a href='/news'>News</a></nav><article><h1>{html.escape(title)}</h1>"
            f"{items}</article><footer>© Ministry</footer></body></html>"
        )
        return ".html", page.encode()
    if file_format == "docx":
        import docx

        document = docx.Document()
        document.core_properties.title = title
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
        buffer = io.BytesIO()
        document.save(buffer)
        return ".docx", buffer.getvalue()
    from fpdf import FPDF  # a development dependency, as the benchmark is

    pdf = FPDF()
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    return ".pdf", bytes(pdf.output())


def _bold_label(paragraph: str) -> str:
    """ "Sergey Lavrov: We …" as Markdown writes it: "**Sergey Lavrov:** We …"."""
    label, colon, rest = paragraph.partition(":")
    return f"**{label}:**{rest}" if colon and len(label) < 40 else paragraph


def main_formats(argv):
    """The importer on files of one format (transcripts of the same kind as ``import``'s)."""
    import random
    import resource

    parser = argparse.ArgumentParser()
    parser.add_argument("--format", choices=FILE_FORMATS, required=True)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    setup_django()
    from django.core.management import call_command

    from corpus_app import synthetic

    rng = random.Random(options.seed + 2000)
    vocabulary = synthetic.load_vocabulary()
    speakers = ["Murat Nurtleu", "Jeyhun Bayramov", "Ararat Mirzoyan", "Sirojiddin Muhriddin"]
    with tempfile.TemporaryDirectory(prefix=f"bench-{options.format}-") as folder:
        total = 0
        for index in range(options.files):
            planned = synthetic.plan_document(rng, vocabulary, speakers, turns=max(3, int(rng.gauss(43, 15))))
            text = synthetic.render_transcript(planned)
            title = f"{text.partition(chr(10))[0]} {options.format} {options.seed} {index}"
            suffix, data = _as_format(text, options.format, title)
            total += len(data)
            (Path(folder) / f"bench-{options.format}-{options.seed}-{index:05d}{suffix}").write_bytes(data)
        started = time.perf_counter()
        call_command("import_transcripts", folder, verbosity=0)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _print_import_row(
        f"import_transcripts, {options.files} {options.format} files", options.files, total, elapsed, peak
    )


def _print_import_row(name, files, total_bytes, elapsed, peak_mb, *, more=""):
    """One row of the importer's figures, as JSON for the parent."""
    row = {
        "name": name,
        "n": 1,
        "median_ms": elapsed * 1000,
        "files_per_s": files / elapsed,
        "mb_per_s": total_bytes / 1e6 / elapsed,
        "peak_mb": round(peak_mb),
        "notes": f"{total_bytes / 1e6:.1f} MB: {files / elapsed:.0f} files/s, "
        f"{total_bytes / 1e6 / elapsed:.2f} MB/s{more}",
    }
    print(json.dumps(row))


def main_import(argv):
    import random
    import resource

    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--editions", action="store_true", help="The files are new editions of stored ones.")
    options = parser.parse_args(argv)
    setup_django()
    from django.core.management import call_command

    from corpus_app import synthetic
    from corpus_app.models import Document

    rng = random.Random(options.seed + 1000)
    vocabulary = synthetic.load_vocabulary()
    speakers = ["Murat Nurtleu", "Jeyhun Bayramov", "Ararat Mirzoyan", "Sirojiddin Muhriddin"]
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        total = 0
        for index in range(options.files):
            turns = 400 if rng.random() < synthetic.LONG_DOCUMENT_SHARE else max(3, int(rng.gauss(43, 15)))
            planned = synthetic.plan_document(rng, vocabulary, speakers, turns=turns)
            text = synthetic.render_transcript(planned) + f"\nbench import {options.seed} {index}\n"
            data = text.encode()
            total += len(data)
            (Path(folder) / f"bench-{index:05d}.txt").write_bytes(data)
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        replaced_before = Document.objects.filter(is_current=False).count()
        started = time.perf_counter()
        call_command("import_transcripts", folder, verbosity=0)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        replaced = Document.objects.filter(is_current=False).count() - replaced_before
    if replaced != (options.files if options.editions else 0):
        raise SystemExit(
            f"the import replaced {replaced} documents, expected {options.files if options.editions else 0}"
        )
    name = f"import_transcripts, {options.files} {'new editions' if options.editions else 'files'}"
    _print_import_row(name, options.files, total, elapsed, peak, more=f"; +{peak - baseline:.0f} MB")


if __name__ == "__main__":
    commands = {"pages": main_pages, "export": main_export, "import": main_import, "formats": main_formats}
    if len(sys.argv) > 1 and sys.argv[1] in commands:
        commands[sys.argv[1]](sys.argv[2:])
    else:
        main_orchestrate(sys.argv[1:])
