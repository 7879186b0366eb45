"""The transcript parser alone: CPU time per file on the peer workload, MB/s on large transcripts.

    .venv/bin/python bench/parser.py                 # 2,000 peer files, the dev corpus, samples, generated
    .venv/bin/python bench/parser.py --peer 500 --rounds 3

Each file is read and extracted first (``extract_text``), then ``parse_extracted`` is timed with
``time.process_time`` as the importer's workers call it (the peer files with the speaker they
name already stored). Every group is parsed ``--rounds`` times: the median round and the best. The
machine is shared and noisy: compare two checkouts by running this script in each, alternately.
Large files: the dev corpus's raw files (../shared/corpus/dev/raw), the five samples
(../shared/corpus) and transcripts of 40 and 400 turns from ``corpus_app.synthetic``. Last,
Markdown files of one long line of markup that never closes ("[", "*a ", "{{"…), read and parsed:
their time grows with the line's length, not its square.
"""

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))


def peer_files(count: int) -> list[tuple[str, bytes]]:
    sys.path.insert(0, str(SHARED / "bench"))
    import peer_workload

    items = peer_workload.items(count)
    return [(f"item_{i:05d}.txt", peer_workload.transcript(i, item).encode()) for i, item in enumerate(items)]


def generated_files() -> list[tuple[str, bytes]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desk.settings")
    import django

    django.setup()
    from corpus_app import synthetic

    rng, vocabulary = random.Random(1), synthetic.load_vocabulary()
    speakers = ["Murat Nurtleu", "Jeyhun Bayramov", "Ararat Mirzoyan"]
    return [
        (f"generated-{turns}-{index}.txt", synthetic.render_transcript(planned).encode())
        for index, turns in enumerate([40, 40, 400, 400])
        for planned in [synthetic.plan_document(rng, vocabulary, speakers, turns=turns)]
    ]


def timed_rounds(extracted, rounds: int, aliases: dict, kinds: dict) -> list[float]:
    """The CPU seconds of each round of parsing every (name, ExtractedText) once."""
    from corpus_app.parsing import ParseError, parse_extracted

    times = []
    for _ in range(rounds):
        started = time.process_time()
        for name, text in extracted:
            with contextlib.suppress(ParseError):
                parse_extracted(text, source=name, aliases=aliases, speaker_kinds=kinds)
        times.append(time.process_time() - started)
    return times


UNCLOSED_MARKUP = ["[", "![", "[a", "*a ", "_a ", "**a ", "{{", "{%", "<!--"]
UNCLOSED_LINE_CHARACTERS = 60_000


def unclosed_markup(rounds: int):
    """The CPU seconds of reading and parsing a Markdown file of one long line of each unclosed markup."""
    from corpus_app.parsing import ParseError, parse_extracted
    from corpus_app.parsing.extract import extract_text

    for unit in UNCLOSED_MARKUP:
        line = (unit * (UNCLOSED_LINE_CHARACTERS // len(unit) + 1))[:UNCLOSED_LINE_CHARACTERS]
        raw = f"Briefing\n\n{line}\n\nMR. SMITH: Hello.\n\nQ: Why?\n".encode()
        times = []
        for _ in range(rounds):
            started = time.process_time()
            with contextlib.suppress(ParseError):
                parse_extracted(extract_text(raw, filename="line.md"), source="line.md", aliases={}, speaker_kinds={})
            times.append(time.process_time() - started)
        yield unit, statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer", type=int, default=2000, help="peer workload files")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    from corpus_app.parsing.extract import extract_text

    large = [(path.name, path.read_bytes()) for path in sorted((SHARED / "corpus" / "dev" / "raw").iterdir())]
    large += [(path.name, path.read_bytes()) for path in sorted((SHARED / "corpus").glob("*.txt"))]
    groups = {
        "peer workload": (peer_files(options.peer), {"sergey lavrov": "Sergey Lavrov"}, {"Sergey Lavrov": "person"}),
        "dev corpus and samples": (large, {}, {}),
        "generated, 40 and 400 turns": (generated_files(), {}, {}),
    }
    for group, (files, aliases, kinds) in groups.items():
        extracted = [(name, extract_text(raw, filename=name)) for name, raw in files]
        megabytes = sum(len(text.text.encode()) for _, text in extracted) / 1e6
        times = timed_rounds(extracted, options.rounds, aliases, kinds)
        median, best = statistics.median(times), min(times)
        print(
            f"{group}: {len(files)} files, {megabytes:.2f} MB: {median * 1000 / len(files):.3f} ms/file, "
            f"{megabytes / median:.2f} MB/s (median of {options.rounds} rounds; best "
            f"{best * 1000 / len(files):.3f} ms/file, {megabytes / best:.2f} MB/s)"
        )
    for unit, seconds in unclosed_markup(options.rounds):
        print(f"a {UNCLOSED_LINE_CHARACTERS:,}-character Markdown line of {unit!r}: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
