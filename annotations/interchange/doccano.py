"""doccano's JSON Lines export: one text per line with its labels.

- sequence labelling: ``{"text": "…", "label": [[start, end, "ORG"], …]}`` (``labels`` in older
  versions);
- with relations: ``{"text": "…", "entities": [{"start_offset": 0, "end_offset": 5, "label": "ORG"}, …]}``;
- text classification: ``{"text": "…", "label": ["Sanctions", …]}``: labels of the whole text,
  which become one annotation spanning it.

Each label becomes a topic (mapped with ``--map``, else by name, created if missing). The text
is one narration turn; a ``title`` (on the line or in its ``meta``) names the document, else its
first words. doccano's ``JSON`` export (a list of the same objects) is read too.
"""

from annotations.interchange.records import (
    AnnotationRecord,
    RecordError,
    int_field,
    one_turn_document,
    text_field,
)


def looks_like(item) -> bool:
    return isinstance(item, dict) and isinstance(item.get("text"), str)


def read_item(item, line: int):
    if not isinstance(item, dict):
        raise RecordError("a line must be a JSON object with a “text”")
    text = item.get("text")
    if not isinstance(text, str) or not text:
        raise RecordError("the line has no “text”")
    meta = item.get("meta") if isinstance(item.get("meta"), dict) else {}
    fields = {**meta, **{k: v for k, v in item.items() if k in ("title", "date", "place", "publisher", "source")}}
    document = one_turn_document(text=text, line=line, metadata=fields)
    document.annotations = spans(item) + whole_text_labels(item, len(text))
    return document.finish()


def spans(item) -> list[AnnotationRecord]:
    found = []
    labels = item.get("label", item.get("labels"))
    if isinstance(labels, list):
        for n, entry in enumerate(labels):
            if isinstance(entry, list | tuple):
                if len(entry) != 3 or not isinstance(entry[2], str):
                    raise RecordError(f"label {n} must be [start, end, label]")
                found.append(_span(entry[0], entry[1], entry[2], f"label {n}"))
    entities = item.get("entities")
    if entities is not None:
        if not isinstance(entities, list):
            raise RecordError("“entities” must be a list")
        for n, entity in enumerate(entities):
            if not isinstance(entity, dict):
                raise RecordError(f"entity {n} must be an object")
            found.append(
                _span(entity.get("start_offset"), entity.get("end_offset"), text_field(entity, "label"), f"entity {n}")
            )
    return found


def _span(start, end, label, where) -> AnnotationRecord:
    start, end = int_field(start, f"{where} start"), int_field(end, f"{where} end")
    if start is None or end is None:
        raise RecordError(f"{where} has no start or end")
    if not label:
        raise RecordError(f"{where} has no label")
    return AnnotationRecord(turn=0, start=start, end=end, topics=[label])


def whole_text_labels(item, length) -> list[AnnotationRecord]:
    """Text classification: a list of label names (``label`` or ``cats``) for the whole text."""
    labels = item.get("label", item.get("labels"))
    names = [label for label in labels if isinstance(label, str)] if isinstance(labels, list) else []
    if isinstance(item.get("cats"), list):
        names += [label for label in item["cats"] if isinstance(label, str)]
    if not names:
        return []
    return [AnnotationRecord(turn=0, start=0, end=length, topics=list(dict.fromkeys(names)))]
