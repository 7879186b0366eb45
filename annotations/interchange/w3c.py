"""W3C Web Annotation JSON-LD (https://www.w3.org/TR/annotation-model/).

A file holds one annotation, a list of them, an ``AnnotationPage`` (``items``) or an
``AnnotationCollection`` (its ``first`` page, and the pages ``next`` names when they are in
the file); JSON Lines of annotations are read too. The desk's own W3C export reads back as it was.

The target: its ``source`` and a ``TextQuoteSelector`` (exact, prefix, suffix) and/or a
``TextPositionSelector`` (start, end, in characters). The source is
- a document of this desk: its URL (``…/documents/12/#turn-3``, as the desk exports), or the
  source or file name it was imported from; or
- a text in the file: ``"source": {"id": "https://…", "value": "the text", "title": "…"}``
  (``text`` for ``value`` and ``label`` for ``title`` too): the annotations on the same text
  become one document of one turn.

The bodies (``TextualBody``, or a plain string) by purpose: ``tagging`` → a topic,
``classifying`` “polarity: target” → the stance, ``assessing`` “Claim: status” → a claim,
``commenting`` (or no purpose) → the note. ``id`` ``urn:uuid:…`` keeps the annotation's id;
``creator.nickname`` (or ``name``) is the author when such a user exists here; ``created`` and
``modified`` are kept.
"""

from annotations.interchange.placing import place
from annotations.interchange.records import (
    WRONG_TYPE,
    AnnotationRecord,
    ClaimRecord,
    DocumentRecord,
    RecordError,
    claim_status,
    int_field,
    one_turn_document,
    parse_datetime,
    stance_fields,
    wrong_type,
)

ANNOTATION_TYPES = {"Annotation", "oa:Annotation"}
CONTAINER_TYPES = {"AnnotationCollection", "AnnotationPage"}


def _types(item):
    value = item.get("type", item.get("@type"))
    return {kind for kind in (value if isinstance(value, list) else [value]) if isinstance(kind, str)}


def is_container(item) -> bool:
    return bool(_types(item) & CONTAINER_TYPES)


def looks_like(item) -> bool:
    return isinstance(item, dict) and bool(_types(item) & (ANNOTATION_TYPES | CONTAINER_TYPES))


def read_json(value):
    embedded = {}  # the documents of texts in the file: {source id: DocumentRecord}
    for number, item in enumerate(_annotations(value), start=1):
        try:
            record = _read(item, number, embedded)
        except RecordError as exc:
            yield number, exc
            continue
        except WRONG_TYPE as exc:
            yield number, wrong_type(exc)
            continue
        if record is not None:
            yield number, record
    for document in embedded.values():
        try:
            yield document.line, document.finish()
        except RecordError as exc:
            yield document.line, exc
        except WRONG_TYPE as exc:
            yield document.line, wrong_type(exc)


def read_item(item, line: int):
    """One annotation of a JSON Lines file; it cannot carry its text (a document needs all its annotations)."""
    if isinstance(item, dict) and _types(item) & CONTAINER_TYPES:
        raise RecordError("a collection on one line of a JSON Lines file: import it as a .json file")
    record = _read(item, line, None)
    return record


def _annotations(value):
    if not isinstance(value, dict | str) and hasattr(value, "__iter__"):  # a list, or items streamed from one
        for item in value:
            yield from _annotations(item)
        return
    if not isinstance(value, dict):
        yield value
        return
    types = _types(value)
    if "AnnotationCollection" in types:
        page = value.get("first")
        while isinstance(page, dict):
            yield from _annotations(page)
            page = page.get("next") if isinstance(page.get("next"), dict) else None
    elif "AnnotationPage" in types:
        yield from value.get("items") or []
    else:
        yield value


def _read(item, line, embedded):
    if not isinstance(item, dict) or not _types(item) & ANNOTATION_TYPES:
        raise RecordError("not a Web Annotation (an object of type Annotation)")
    target = item.get("target")
    if isinstance(target, list):
        target = target[0] if target else None
    if not isinstance(target, dict):
        raise RecordError("the annotation's target must name a source and selectors")
    record = _tags(item, line)
    _select(record, target.get("selector"))
    source = target.get("source")
    if isinstance(source, dict) and isinstance(source.get("value", source.get("text")), str):
        if embedded is None:
            raise RecordError("a text in the target can only be read from a .json file")
        document = _embedded_document(source, line, embedded)
        record.turn = 0
        # Checked here, against the text it came with: a bad one fails alone, not its document.
        record.check_texts("the annotation")
        place(record, [turn.text for turn in document.turns], "the annotation")
        document.annotations.append(record)
        return None
    if isinstance(source, dict):
        source = source.get("id")
    if not isinstance(source, str) or not source:
        raise RecordError("the annotation's target has no source")
    reference, _, fragment = source.partition("#")
    record.document = reference
    if fragment.startswith("turn-") and fragment[5:].isdigit():
        record.turn = int(fragment[5:])
    return record


def _embedded_document(source, line, embedded) -> DocumentRecord:
    key = source.get("id") or source.get("value", source.get("text"))
    if key not in embedded:
        metadata = {"title": source.get("title", source.get("label")), "source": source.get("id")}
        embedded[key] = one_turn_document(text=source.get("value", source.get("text")), line=line, metadata=metadata)
    return embedded[key]


def _select(record, selectors):
    if isinstance(selectors, dict):
        selectors = [selectors]
    if not isinstance(selectors, list) or not selectors:
        raise RecordError("the target has no selector (TextQuoteSelector or TextPositionSelector)")
    for selector in selectors:
        kind = selector.get("type") if isinstance(selector, dict) else None
        if kind == "TextQuoteSelector":
            if not isinstance(selector.get("exact"), str) or not selector["exact"]:
                raise RecordError("a TextQuoteSelector needs its “exact” text")
            record.quote = selector["exact"]
            record.prefix = selector.get("prefix") or ""
            record.suffix = selector.get("suffix") or ""
        elif kind == "TextPositionSelector":
            record.start = int_field(selector.get("start"), "TextPositionSelector start")
            record.end = int_field(selector.get("end"), "TextPositionSelector end")
    if not record.quote and record.start is None:
        raise RecordError("the target has neither a TextQuoteSelector nor a TextPositionSelector")


def _tags(item, line) -> AnnotationRecord:
    identifier = item.get("id") if isinstance(item.get("id"), str) else ""
    creator = item.get("creator")
    if isinstance(creator, list):
        creator = creator[0] if creator else None
    author = ""
    if isinstance(creator, dict):
        author = creator.get("nickname") or creator.get("name") or ""
    elif isinstance(creator, str):
        author = creator
    record = AnnotationRecord(
        uuid=identifier[len("urn:uuid:") :] if identifier.startswith("urn:uuid:") else "",
        author=author if isinstance(author, str) else "",
        created=parse_datetime(item.get("created"), "created"),
        updated=parse_datetime(item.get("modified"), "modified"),
        line=line,
    )
    motivation = item.get("motivation")
    bodies = item.get("body", item.get("bodyValue"))
    if bodies is None:
        bodies = []
    for body in bodies if isinstance(bodies, list) else [bodies]:
        _body(record, body, motivation)
    return record


def _body(record, body, motivation):
    if isinstance(body, str):
        purpose, value = (motivation if isinstance(motivation, str) else "commenting"), body
    elif isinstance(body, dict):
        purpose = body.get("purpose") or (motivation if isinstance(motivation, str) else "commenting")
        value = body.get("value")
    else:
        raise RecordError("a body must be a TextualBody or a string")
    if not isinstance(value, str):
        return  # a body that is a link to a resource: nothing the desk can tag with
    if purpose == "tagging":
        record.topics.append(value)
    elif purpose == "classifying":
        polarity, _, target = value.partition(":")
        record.polarity, record.target = stance_fields(polarity, target, "classifying body")
    elif purpose == "assessing":
        status = value.split(":", 1)[1] if value.lower().startswith("claim:") else value
        record.claim = ClaimRecord(status=claim_status(status))
    else:
        record.note = f"{record.note}\n\n{value}" if record.note else value
