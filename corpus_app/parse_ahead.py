"""The files of an import run, read and parsed ahead by worker processes (one per core), in order.

Each file is parsed with the speakers stored before it, as a one-file import would parse it:
the importer numbers the stored speakers (``SpeakerVersions``) as it creates them; a chunk of
files not yet started is given again with the new ones, and a file parsed with older ones is
parsed again if a speaker created since could name someone in it.
"""

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from corpus_app.importing import SpeakerCache, TranscriptError, file_name, transcript_check, transcript_read
from corpus_app.parsing import ParsedDocument, ParseError, parse_extracted
from corpus_app.parsing.extract import ExtractedText
from corpus_app.parsing.names import lookup_key


@dataclass
class ReadFile:
    """A file as a worker read and parsed it."""

    path: str | Path  # a run's paths are strings: 20,000 files, no Path object each
    name: str  # the file's name, worked out once
    speakers_version: int
    extracted: ExtractedText | None = None
    content_hash: str = ""
    file_data: bytes | None = None  # the file's bytes, unless they are its raw text (most UTF-8 text files)
    parsed: ParsedDocument | None = None
    error: str | None = None  # why it cannot be imported (None when parsed)


def _read_and_parse(path: str | Path, speakers: tuple, speakers_version: int) -> ReadFile:
    try:
        source = transcript_read(path=path)
    except TranscriptError as exc:
        return ReadFile(path=path, name=file_name(path), speakers_version=speakers_version, error=str(exc))
    is_its_text = source.format == "text" and source.raw_bytes == source.text.encode()
    read = ReadFile(
        path=path,
        name=source.name,  # file_name(path), worked out once by transcript_read
        speakers_version=speakers_version,
        extracted=source.extracted,
        content_hash=source.content_hash,
        file_data=None if is_its_text else source.raw_bytes,
    )
    _parse(read, speakers, speakers_version)
    return read


def _parse(read: ReadFile, speakers: tuple, speakers_version: int):
    aliases, speaker_kinds = speakers
    read.speakers_version, read.parsed, read.error = speakers_version, None, None
    try:
        parsed = parse_extracted(read.extracted, source=read.name, aliases=aliases, speaker_kinds=speaker_kinds)
        transcript_check(parsed=parsed)
    except (ParseError, TranscriptError) as exc:
        read.error = str(exc)
    except Exception as exc:  # a parser bug: this file's failure alone
        read.error = f"an unexpected error while parsing it ({type(exc).__name__}: {exc})"
    else:
        read.parsed = parsed


def read_chunk(paths: list[str | Path], speakers: tuple, speakers_version: int) -> list[ReadFile]:
    """Read and parse files (in a worker process)."""
    return [_read_and_parse(path, speakers, speakers_version) for path in paths]


def parse_chunk(reads: list[ReadFile], speakers: tuple, speakers_version: int) -> list[ReadFile]:
    """Parse files read before again, with other speakers (in a worker process)."""
    for read in reads:
        _parse(read, speakers, speakers_version)
    return reads


class SpeakerVersions:
    """The stored speakers, numbered: each file knows the number it was parsed with, and which
    names were created since then."""

    def __init__(self, cache: SpeakerCache):
        self.cache = cache
        self.version = 0
        self._created: dict[int, set[str] | None] = {}  # version → the names it added (None: unknown)

    def get(self) -> tuple:
        return self.cache.get()

    def created(self, names: Iterable[str] | None):
        """Speakers were created (``names``), or the stored ones changed in a way not known (None)."""
        self.cache.invalidate()
        self.version += 1
        self._created[self.version] = set(names) if names is not None else None

    def stale(self, read: ReadFile) -> bool:
        """Whether a speaker created since ``read`` was parsed could change its parse: one of its
        names' words is in the text (the parser finds stored speakers by name, surname or alias)."""
        if read.speakers_version == self.version or read.extracted is None:
            return False
        words = set()
        for version in range(read.speakers_version + 1, self.version + 1):
            names = self._created[version]
            if names is None:
                return True
            for name in names:
                words.update(lookup_key(name).split())
        text = lookup_key(read.extracted.text)
        return any(word in text for word in words)


class FileReader:
    """The files of a run, in order, read and parsed ahead by worker processes.

    Used as a context manager: the workers stop at the end. Fewer than ``WORKERS_MIN_FILES`` files
    are read here (starting workers would take longer), and so are all where processes cannot be forked.
    """

    FIRST_CHUNK_FILES = 16
    CHUNK_FILES = 256  # a worker's answer is one message: fewer, larger ones cost both processes less
    REPARSE_FILES = 8  # parsed again together when speakers created since make them stale
    CHUNK_BYTES = 4 << 20
    AHEAD_FILES = 2000  # a batch's worth and more: the workers go on while a batch is written
    AHEAD_BYTES = 4 << 20
    WORKERS_MIN_FILES = 64

    def __init__(self, paths: list[str | Path], speakers: SpeakerVersions, *, workers: int | None = None):
        self.paths = list(paths)
        self.speakers = speakers
        self.workers = workers or _cores()
        self._executor = None

    def __enter__(self):
        # Forked: a spawned worker would run the caller's main script again. The workers only
        # parse; they never touch the database connections they inherit.
        if len(self.paths) >= self.WORKERS_MIN_FILES and sys.platform == "linux":
            try:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("fork")
                )
            except (OSError, ImportError, NotImplementedError, ValueError):
                self._executor = None
        return self

    def __exit__(self, *exc_info):
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __iter__(self) -> Iterator[ReadFile]:
        # The first few files alone: the importer writes them (and the speakers they bring, often
        # those of the whole run) before the others are parsed, with those speakers.
        first, rest = self.paths[: self.FIRST_CHUNK_FILES], self.paths[self.FIRST_CHUNK_FILES :]
        submitted_first = self._submit(read_chunk, first)
        # The rest's sizes (a stat each) now, while no writer thread competes for Python's lock.
        chunks = list(self._chunks(rest))
        yield from self._result(submitted_first)
        # Then enough ahead to keep every worker busy while a batch is written, within a memory budget.
        pending: deque[list] = deque()  # [submitted, bytes]
        files_ahead = bytes_ahead = 0
        for chunk, size in chunks:
            pending.append([self._submit(read_chunk, chunk), size])
            files_ahead, bytes_ahead = files_ahead + len(chunk), bytes_ahead + size
            while pending and (files_ahead > self.AHEAD_FILES or bytes_ahead > self.AHEAD_BYTES):
                self._resubmit_if_stale(pending)
                submitted, size = pending.popleft()
                reads = self._result(submitted)
                files_ahead, bytes_ahead = files_ahead - len(reads), bytes_ahead - size
                yield from reads
        while pending:
            self._resubmit_if_stale(pending)
            yield from self._result(pending.popleft()[0])

    def _resubmit_if_stale(self, pending):
        """Chunks a worker has not started, given again with the speakers stored now if they changed."""
        for entry in pending:
            submitted = entry[0]
            if submitted.version != self.speakers.version and submitted.future is not None:
                if not submitted.future.cancel():
                    continue  # being parsed already: the files are parsed again if they need it
                entry[0] = self._submit(submitted.function, submitted.items)

    def _chunks(self, paths: list[str | Path]) -> Iterator[tuple[list[str | Path], int]]:
        """The files in chunks of ``CHUNK_FILES``, fewer when they are large: (paths, their bytes)."""
        chunk, chunk_bytes = [], 0
        for path in paths:
            try:
                size = os.stat(path).st_size
            except OSError:  # told when it is read
                size = 0
            if chunk and (len(chunk) >= self.CHUNK_FILES or chunk_bytes + size > self.CHUNK_BYTES):
                yield chunk, chunk_bytes
                chunk, chunk_bytes = [], 0
            chunk.append(path)
            chunk_bytes += size
        if chunk:
            yield chunk, chunk_bytes

    def parse_again(self, reads: list[ReadFile]):
        """Parse these files again with the speakers stored now, split among the workers."""
        if not reads:
            return
        size = -(-len(reads) // self.workers)
        submitted = [self._submit(parse_chunk, reads[start : start + size]) for start in range(0, len(reads), size)]
        reparsed = [read for each in submitted for read in self._result(each)]
        for read, again in zip(reads, reparsed, strict=True):  # from a worker, they come back as copies
            read.parsed, read.error, read.speakers_version = again.parsed, again.error, again.speakers_version

    def _submit(self, function, items) -> "_Submitted":
        speakers, version = self.speakers.get(), self.speakers.version
        future = None
        if self._executor is not None:
            try:
                future = self._executor.submit(function, items, speakers, version)
            except Exception:  # a lost worker: the rest is read here
                self._executor = None
        return _Submitted(function, items, speakers, version, future)

    @staticmethod
    def _result(submitted: "_Submitted") -> list[ReadFile]:
        if submitted.future is not None:
            try:
                return submitted.future.result()
            except Exception:  # a lost worker (a parser bug raises here again, in the file's own report)
                pass
        return submitted.function(submitted.items, submitted.speakers, submitted.version)


@dataclass
class _Submitted:
    """Files given to a worker (``future``), or to be read here when there is none."""

    function: Callable
    items: list
    speakers: tuple
    version: int
    future: Future | None


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
