"""Documents and annotations in from files: the desk's own JSON Lines and other tools' exports.

One module per format reads a file into records (``records``); ``writer`` writes them in
batches. ``read(path, fmt)`` picks the format (or detects it) and yields ``(line, record)``
pairs, a ``RecordError`` in place of a record for a line that cannot be read.
"""

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import ijson

from annotations.interchange import desk, doccano, label_studio, w3c
from annotations.interchange.records import WRONG_TYPE, RecordError, read_items, wrong_type
from corpus_app.importing import NOT_A_FILE, file_errors_as

FORMATS = {"desk": desk, "doccano": doccano, "label-studio": label_studio, "w3c": w3c}
# No format nests deeper than eight levels (a Label Studio result's labels, a W3C selector's
# refinement). Past this depth a streamed item is refused before it is built: the streaming
# parser's memory grows with the square of the depth (10,000 levels took 250 MB, 100,000 all of
# a machine's). Python's own parser gives up past about 1,000 levels (``RecursionError``).
MAX_DEPTH = 64
TOO_DEEP = "nested too deeply to read: arrays or objects more than {} levels inside each other"
PAST_PYTHONS_PARSER = TOO_DEEP.format("a thousand")


class FileError(Exception):
    """A file that cannot be read at all (missing, not UTF-8, not JSON, an unknown format)."""


class NestedTooDeep(ijson.JSONError):
    """A streamed item nests more than ``MAX_DEPTH`` levels deep."""


def read(path: Path, fmt: str | None = None) -> tuple[str, str, Iterator]:
    """(the format, "line" or "item": what the numbers count, the file's (number, record or RecordError) pairs)."""
    path = Path(path)
    try:
        with file_errors_as(FileError):
            mode = path.stat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # a pipe opened to be read waits for a writer
                raise FileError(NOT_A_FILE)
            # A JSON array (Label Studio's export, a list of annotations) is read an item at a time:
            # 20,000 tasks loaded whole took 300 MB.
            stream = _starts_with(path, b"[")
            handle = path.open(encoding="utf-8-sig")
            first = None if stream else _first_value(handle)
    except UnicodeDecodeError:
        raise FileError("the file is not valid UTF-8") from None
    whole = None
    if stream:
        sample = _first_item(path)
    else:
        if first is None:
            handle.close()
            raise FileError("the file is empty")
        one_value = first is _NOT_A_LINE or (isinstance(first, dict) and w3c.is_container(first))
        whole = _whole_json(path) if one_value else None
        sample = whole if whole is not None else first
    if fmt is None:
        fmt = detect(sample)
    if fmt not in FORMATS:
        handle.close()
        raise FileError(f"unknown format “{fmt}”; use one of {', '.join(FORMATS)}")
    module = FORMATS[fmt]
    if stream:
        handle.close()
        return fmt, "item", _streamed(module, path)
    if whole is not None:
        handle.close()
        return fmt, "item", _read_json(module, whole)
    handle.seek(0)  # the first line was read to tell the format
    return fmt, "line", _read_lines(handle, module)


_NOT_A_LINE = object()


def _first_value(handle):
    """The first line's JSON value, ``_NOT_A_LINE`` when the first line is not a whole value (a JSON file), or None.
    A line nested too deeply to read is passed over (it is reported with the others as its line's failure)."""
    too_deep = False
    for line in handle:
        if line.strip():
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return _NOT_A_LINE
            except RecursionError:
                too_deep = True
    if too_deep:
        raise FileError("the file is " + PAST_PYTHONS_PARSER)
    return None


def _starts_with(path, prefix: bytes) -> bool:
    with path.open("rb") as handle:
        return handle.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip().startswith(prefix)


def _open_binary(path):
    handle = path.open("rb")
    if handle.read(3) != b"\xef\xbb\xbf":  # a byte order mark is not part of the JSON
        handle.seek(0)
    return handle


def _array_items(path):
    with _open_binary(path) as handle:
        # Read 4 KB at a time: the parser goes through what it reads before the depth is looked at.
        events = ijson.parse(handle, buf_size=4096, use_float=True)
        yield from ijson.items(_within_depth(events), "item")


def _within_depth(events):
    """The streaming parser's events, stopped (``NestedTooDeep``) where they go past ``MAX_DEPTH``."""
    depth = 0
    for event in events:
        kind = event[1]
        if kind in _OPENING:
            depth += 1
            if depth > MAX_DEPTH:
                raise NestedTooDeep(TOO_DEEP.format(MAX_DEPTH))
        elif kind in _CLOSING:
            depth -= 1
        yield event


_OPENING, _CLOSING = {"start_map", "start_array"}, {"end_map", "end_array"}


def _first_item(path):
    try:
        item = next(_array_items(path), None)
    except NestedTooDeep as exc:
        raise FileError(f"the first item is {exc}") from None
    except ijson.JSONError as exc:
        raise FileError(f"not valid JSON: {exc}") from None
    if item is None:
        raise FileError("the file holds an empty list")
    return item


def _streamed(module, path):
    """The pairs of a JSON array read an item at a time. Should the streaming parser stop (the JSON
    breaks off, or holds what its C library cannot take, such as an integer past 2**63), the
    file is read whole instead, and the items not yet handed over follow; a file that is not JSON
    from there on is reported at the break."""
    number, handed = 0, set()
    try:
        for number, record in _read_json(module, _array_items(path)):
            handed.add((number, isinstance(record, RecordError)))
            yield number, record
        return
    except NestedTooDeep as exc:  # not read again whole: Python's parser would give up on it too
        yield (
            number + 1,
            RecordError(f"{exc}; the items before it were read, the file was not read past it"),
        )
        return
    except ijson.JSONError as exc:
        reason = " ".join(str(exc).split())[:80]  # the parser's message spans lines
    try:
        whole = _whole_json(path)
    except FileError:
        yield (
            number + 1,
            RecordError(
                f"the JSON breaks off after item {number} ({reason}); the items up to it were read, "
                "import the file again once it is whole (they will be skipped as identical)"
            ),
        )
        return
    for again, record in _read_json(module, whole):
        if (again, isinstance(record, RecordError)) not in handed:
            yield again, record


def _read_json(module, value):
    """A JSON value's (number, record) pairs: by the format's own reader (W3C's containers), else item by item."""
    read_json = getattr(module, "read_json", None)
    return read_json(value) if read_json else read_items(value, module.read_item)


def _whole_json(path):
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return json.load(handle)
    except json.JSONDecodeError as exc:
        raise FileError(f"neither JSON Lines nor JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise FileError("the file is " + PAST_PYTHONS_PARSER) from None


def _read_lines(handle, module):
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, RecordError(f"not valid JSON ({exc.msg}, column {exc.colno})")
                continue
            except RecursionError:
                yield number, RecordError(PAST_PYTHONS_PARSER)
                continue
            try:
                yield number, module.read_item(item, number)
            except RecordError as exc:
                yield number, exc
            except WRONG_TYPE as exc:
                yield number, wrong_type(exc)


def detect(sample) -> str:
    """The format of a file from its first line, or from the whole of a JSON file."""
    items = sample if isinstance(sample, list) else [sample]
    first = next((item for item in items if isinstance(item, dict)), None)
    if first is None:
        raise FileError("no JSON object in the file to tell its format by")
    if w3c.looks_like(first):
        return "w3c"
    if label_studio.looks_like(first):
        return "label-studio"
    if desk.looks_like(first):
        return "desk"
    if doccano.looks_like(first):
        return "doccano"
    raise FileError("cannot tell the format of this file; name it with --format (" + ", ".join(FORMATS) + ")")
