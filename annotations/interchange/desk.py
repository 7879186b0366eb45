"""The desk's own JSON Lines: one document per line, with its turns and annotations.

This is what ``/documents/export/?format=desk`` writes (``annotations.interchange.export``) and
what a newsroom writes by hand or from a script::

    {"title": "Press conference", "date": "2025-04-11", "place": "Almaty", "kind": "transcript",
     "publisher": "MFA", "source": "https://example.org/1",
     "turns": [{"speaker": "Sergey Lavrov", "kind": "remarks", "label": "SL", "text": "Good afternoon…"}],
     "annotations": [{"turn": 0, "start": 5, "end": 14, "quote": "afternoon",
                      "topics": ["Regional integration › CIS"],
                      "stance": {"polarity": "supports", "target": "CIS"},
                      "claim": {"status": "false", "rationale": "…", "evidence": ["https://…"]}}]}

An annotation gives ``turn`` + ``start``/``end``, or a ``quote`` (found in the turn, or in the
whole document without ``turn``). A line of the annotations list's JSONL export
(``/annotations/export/?format=jsonl``, with ``document_id``, ``turn_position`` and ``url``)
becomes an annotation on that document, which must be in the desk already.
"""

from annotations.interchange.records import (
    MAX_INT,
    SPEAKER_KINDS,
    AnnotationRecord,
    ClaimRecord,
    DocumentRecord,
    RecordError,
    SpeakerRecord,
    TurnRecord,
    claim_status,
    int_field,
    parse_date,
    parse_datetime,
    stance_fields,
    text_field,
)
from corpus_app.models import DocumentKind, SpeakerKind, TurnKind


def looks_like(item) -> bool:
    # A row of the documents list's own export (its "turns" a count) too, to be told what it lacks.
    return isinstance(item, dict) and (
        isinstance(item.get("turns"), list | int) or ("turn_position" in item and "document_id" in item)
    )


def read_item(item, line: int):
    if not isinstance(item, dict):
        raise RecordError("a line must be a JSON object")
    if "turn_position" in item and not isinstance(item.get("turns"), list):
        return annotation_export_row(item, line)
    if isinstance(item.get("turns"), int):
        raise RecordError(
            "this is a row of the documents list export, which has no text: export with ?format=desk to import"
        )
    return document(item, line)


def document(item: dict, line: int) -> DocumentRecord:
    turns = item.get("turns")
    if not isinstance(turns, list):
        raise RecordError("“turns” must be a list of turns")
    warnings = item.get("warnings", item.get("import_warnings")) or []
    if isinstance(warnings, list) and not all(isinstance(warning, dict) for warning in warnings):
        raise RecordError("each of “warnings” must be an object")
    if not isinstance(warnings, list):
        raise RecordError("“warnings” must be a list")
    record = DocumentRecord(
        title=text_field(item, "title"),
        kind=text_field(item, "kind", DocumentKind.TRANSCRIPT) or DocumentKind.TRANSCRIPT,
        date=parse_date(item.get("date")),
        place=text_field(item, "place"),
        publisher=text_field(item, "publisher"),
        author=text_field(item, "author"),
        source=text_field(item, "source") or text_field(item, "source_name"),
        source_url=text_field(item, "source_url"),
        raw_text=text_field(item, "raw_text"),
        content_hash=text_field(item, "content_hash"),
        warnings=warnings,
        turns=[_turn(turn, n) for n, turn in enumerate(turns)],
        speakers=[_speaker(speaker) for speaker in _list(item, "speakers")],
        line=line,
    )
    annotations = item.get("annotations") or []
    if not isinstance(annotations, list):
        raise RecordError("“annotations” must be a list")
    record.annotations = [annotation(entry, n, line) for n, entry in enumerate(annotations)]
    return record.finish()


def _list(item, key):
    value = item.get(key) or []
    if not isinstance(value, list):
        raise RecordError(f"“{key}” must be a list")
    return value


def _turn(item, n) -> TurnRecord:
    if isinstance(item, str):
        return TurnRecord(text=item)
    if not isinstance(item, dict):
        raise RecordError(f"turn {n} must be an object with a “text”")
    speaker = item.get("speaker") or ""
    if isinstance(speaker, dict):
        speaker = speaker.get("name") or ""
    kind = text_field(item, "kind") or (TurnKind.REMARKS if speaker else TurnKind.NARRATION)
    return TurnRecord(
        text=text_field(item, "text"),
        speaker=speaker,
        kind=kind,
        label=text_field(item, "label"),
        source_line=int_field(item.get("source_line"), f"turn {n} source_line"),
        noise=_yes_or_no(item.get("noise", False), f"turn {n} noise"),
    )


def _yes_or_no(value, name) -> bool:
    if not isinstance(value, bool):
        raise RecordError(f"“{name}” must be true or false")
    return value


def _speaker(item) -> SpeakerRecord:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
        raise RecordError("each of “speakers” must be an object with a “name”")
    kind = text_field(item, "kind", SpeakerKind.PERSON) or SpeakerKind.PERSON
    if kind not in SPEAKER_KINDS:
        raise RecordError(f"unknown speaker kind “{kind}”; use one of {', '.join(SPEAKER_KINDS)}")
    aliases = item.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(alias, str) for alias in aliases):
        raise RecordError("a speaker's “aliases” must be a list of names")
    return SpeakerRecord(
        name=item["name"],
        kind=kind,
        role=text_field(item, "role"),
        affiliation=text_field(item, "affiliation"),
        aliases=aliases,
    )


# What a bare span gives (the bench's workload, doccano's); any other key is read by ``_details``.
_SPAN_KEYS = frozenset({"turn", "start", "end", "topics"})


def annotation(item, n, line) -> AnnotationRecord:
    if not isinstance(item, dict):
        raise RecordError(f"annotation {n} must be an object")
    topics = item.get("topics") or []
    if isinstance(topics, str):
        topics = [topics]
    if not isinstance(topics, list) or not all(isinstance(topic, str) for topic in topics):
        raise RecordError(f"annotation {n}: “topics” must be a list of topic paths or names")
    turn = item.get("turn", item.get("turn_position"))
    start, end = item.get("start"), item.get("end")
    if not (_offset(turn) and _offset(start) and _offset(end)):  # named only when one fails
        where = f"annotation {n}"
        turn = int_field(turn, f"{where} turn")
        start = int_field(start, f"{where} start")
        end = int_field(end, f"{where} end")
    record = AnnotationRecord(turn=turn, start=start, end=end, topics=topics, line=line)
    if not _SPAN_KEYS.issuperset(item):
        _details(record, item, f"annotation {n}")
    return record


def _offset(value) -> bool:
    """Whether ``int_field`` takes ``value`` as it is: none, or a whole number a column holds."""
    return value is None or (type(value) is int and 0 <= value <= MAX_INT)


def _details(record: AnnotationRecord, item: dict, where: str):
    """An annotation's fields beyond its span and topics: context, stance, note, claim, id, author, times."""
    stance = item.get("stance")
    if isinstance(stance, dict):
        record.target_kind = stance.get("target_kind") or ""
    else:
        stance = item
    record.polarity, record.target = stance_fields(stance.get("polarity"), stance.get("target"), f"{where}'s stance")
    for name in ("quote", "prefix", "suffix", "note", "author", "anchor_status"):
        setattr(record, name, text_field(item, name))
    record.claim = _claim(item, where)
    record.uuid = str(item.get("uuid") or (item["id"] if isinstance(item.get("id"), str) else ""))
    record.created = parse_datetime(item.get("created"), f"{where} created")
    record.updated = parse_datetime(item.get("updated"), f"{where} updated")
    record.version = int_field(item.get("version"), f"{where} version") or 1
    record.anchor_score = item.get("anchor_score")
    if record.uuid.startswith("urn:uuid:"):
        record.uuid = record.uuid[len("urn:uuid:") :]


def _claim(item, where) -> ClaimRecord | None:
    claim = item.get("claim")
    if claim is None and item.get("claim_status"):
        claim = item["claim_status"]
    if claim in (None, False):
        return None
    if claim is True:
        return ClaimRecord()
    if isinstance(claim, str):
        return ClaimRecord(status=claim_status(claim))
    if not isinstance(claim, dict):
        raise RecordError(f"{where}: “claim” must be true, a status, or an object with a status")
    evidence = claim.get("evidence") or []
    if isinstance(evidence, str):
        evidence = evidence.split()
    if not isinstance(evidence, list) or not all(isinstance(link, str) for link in evidence):
        raise RecordError(f"{where}: the claim's “evidence” must be a list of links")
    return ClaimRecord(
        status=claim_status(claim.get("status")),
        rationale=text_field(claim, "rationale"),
        evidence=evidence,
        reviewer=text_field(claim, "reviewer"),
        reviewed_at=parse_datetime(claim.get("reviewed_at"), f"{where} claim reviewed_at"),
        created=parse_datetime(claim.get("created"), f"{where} claim created"),
        updated=parse_datetime(claim.get("updated"), f"{where} claim updated"),
        version=int_field(claim.get("version"), f"{where} claim version") or 1,
    )


def annotation_export_row(item: dict, line: int) -> AnnotationRecord:
    """A row of the annotations list's JSONL export: an annotation on a document already here."""
    record = annotation(item, 0, line)
    document = item.get("url") or item.get("document_id")
    if document in (None, ""):
        raise RecordError("the annotation names no document (“document_id” or “url”)")
    record.document = str(document).split("#", 1)[0]
    if isinstance(item.get("document_id"), int):
        record.document = str(item["document_id"])
    return record
