"""Label Studio's JSON export: a list of tasks, each with its text and annotations.

::

    [{"id": 1, "data": {"text": "…"},
      "annotations": [{"completed_by": 1, "was_cancelled": false, "result": [
          {"type": "labels", "from_name": "label", "to_name": "text",
           "value": {"start": 0, "end": 5, "text": "Kyiv", "labels": ["Security"]}},
          {"type": "choices", "from_name": "topic", "to_name": "text", "value": {"choices": ["Trade"]}}]}]}]

- ``labels`` regions become annotations of their passage, each label a topic (``--map``, else by
  name, created if missing);
- ``choices`` classify the whole task: they become one annotation spanning the whole text, each
  choice a topic; a choice written like a stance, ``supports: European Union`` (a polarity,
  a colon, a target: what the desk's W3C export writes), or the choice of a control named
  ``stance`` whose value is a polarity with the target in ``data.stance_target``, gives that
  annotation a stance instead;
- ``textarea`` answers become that annotation's note;
- cancelled annotations are left out, and so are ``predictions`` (a model's, not an editor's).

The task's text is ``data.text`` (else the first text in ``data``); ``data.title``,
``data.date``, ``data.place`` and ``data.source`` fill the document's fields when present.
"""

from annotations.exceptions import AnnotationError
from annotations.interchange.records import (
    AnnotationRecord,
    RecordError,
    int_field,
    one_turn_document,
    parse_datetime,
    stance_fields,
)
from annotations.models import Polarity
from annotations.offsets import utf16_to_codepoint


def looks_like(item) -> bool:
    return isinstance(item, dict) and isinstance(item.get("data"), dict)


def read_item(task, line: int):
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        raise RecordError("a task must be an object with “data”")
    data = task["data"]
    text = data.get("text")
    if not isinstance(text, str):
        text = next((value for value in data.values() if isinstance(value, str) and value.strip()), None)
    if not text:
        raise RecordError("the task has no text in its “data”")
    url = data.get("url")
    document = one_turn_document(text=text, line=line, metadata=data, source=url if isinstance(url, str) else "")
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        raise RecordError("“annotations” must be a list")
    for n, annotation in enumerate(annotations):
        if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
            continue
        document.annotations += _results(annotation, n, text, data)
    return document.finish()


def _author(annotation):
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return who.get("email") or who.get("username") or ""
    return ""


def _results(annotation, n, text, data):
    results = annotation.get("result") or []
    if not isinstance(results, list):
        raise RecordError(f"annotation {n}: “result” must be a list")
    times = {
        "author": _author(annotation),
        "created": parse_datetime(annotation.get("created_at"), f"annotation {n} created_at"),
        "updated": parse_datetime(annotation.get("updated_at"), f"annotation {n} updated_at"),
    }
    wide = any(ord(character) > 0xFFFF for character in text)
    passages, whole = [], AnnotationRecord(turn=0, start=0, end=len(text), **times)
    for m, result in enumerate(results):
        if not isinstance(result, dict) or not isinstance(result.get("value"), dict):
            raise RecordError(f"annotation {n}, result {m}: a result must be an object with a “value”")
        kind, value, where = result.get("type"), result["value"], f"annotation {n}, result {m}"
        if kind == "labels":
            start, end = int_field(value.get("start"), f"{where} start"), int_field(value.get("end"), f"{where} end")
            labels = value.get("labels")
            if start is None or end is None or not isinstance(labels, list) or not labels:
                raise RecordError(f"{where}: a labels result needs start, end and labels")
            if wide:  # Label Studio counts in UTF-16 units, as JavaScript does; the desk in characters
                start, end = _codepoint(text, start, where), _codepoint(text, end, where)
            passages.append(
                AnnotationRecord(turn=0, start=start, end=end, quote=_quote(value), topics=list(labels), **times)
            )
        elif kind == "choices":
            _choices(whole, value.get("choices"), result.get("from_name"), data, where)
        elif kind == "textarea" and isinstance(value.get("text"), list):
            whole.note = "\n".join(line for line in value["text"] if isinstance(line, str))
    if whole.topics or whole.polarity:
        passages.append(whole)
    return passages


def _codepoint(text, offset, where):
    try:
        return utf16_to_codepoint(text, offset)
    except AnnotationError as exc:
        raise RecordError(f"{where}: {exc}") from None


def _quote(value):
    # Label Studio keeps the passage's text in "text"; trust the offsets if the two disagree
    # only by surrounding spaces, which its editor adds to a selection.
    quote = value.get("text")
    return quote if isinstance(quote, str) and quote == quote.strip() else ""


def _choices(whole, choices, control, data, where):
    if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices):
        raise RecordError(f"{where}: “choices” must be a list of names")
    for choice in choices:
        polarity, _, target = choice.partition(":")
        if target and polarity.strip().lower() in Polarity.values:
            whole.polarity, whole.target = stance_fields(polarity, target, where)
        elif control == "stance" and choice.strip().lower() in Polarity.values:
            target = data.get("stance_target")
            if not isinstance(target, str) or not target:
                raise RecordError(f"{where}: a stance choice needs its target in data.stance_target")
            whole.polarity, whole.target = stance_fields(choice, target, where)
        else:
            whole.topics.append(choice)
