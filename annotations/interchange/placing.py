"""Where an annotation's passage is in a document's turns. Pure Python, no Django.

A passage is given by a turn and offsets (checked against the quote when there is one), by a
turn and a quote (found in it, the prefix and suffix choosing among repeats), or with no turn:
offsets then count in the turns' texts joined by a blank line, and a quote is looked for in
every turn.
"""

from dataclasses import dataclass

from annotations.interchange.records import AnnotationRecord, RecordError

CONTEXT_CHARS = 32  # as annotations.services.CONTEXT_CHARS
TURN_JOINER = "\n\n"


@dataclass
class Passage:
    turn: int
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str


def place(record: AnnotationRecord, texts: list[str], where: str = "annotation") -> Passage:
    turn, start, end = record.turn, record.start, record.end
    if turn is not None and turn >= len(texts):
        raise RecordError(f"{where} is on turn {turn}, but the document has {len(texts)} turn(s)")
    if (start is None) != (end is None):
        raise RecordError(f"{where} has a start without an end, or an end without a start")
    if start is not None:
        if turn is None:
            turn, start, end = _in_joined_text(texts, start, end, where)
        text = texts[turn]
        if start >= end:
            raise RecordError(f"{where} is empty: start {start} is not before end {end}")
        if end > len(text):
            raise RecordError(f"{where} ends at {end}, past the end of its turn's text ({len(text)} characters)")
        if record.quote and text[start:end] != record.quote:
            raise RecordError(
                f"{where}: the quote “{record.quote[:60]}” is not the text at {start}–{end} (“{text[start:end][:60]}”)"
            )
    elif record.quote:
        turn, start = _find(texts, record, turn, where)
        end = start + len(record.quote)
    else:
        raise RecordError(f"{where} has neither offsets nor a quote")
    text = texts[turn]
    prefix = record.prefix or text[max(0, start - CONTEXT_CHARS) : start]
    suffix = record.suffix or text[end : end + CONTEXT_CHARS]
    return Passage(turn=turn, start=start, end=end, quote=text[start:end], prefix=prefix[-64:], suffix=suffix[:64])


def _in_joined_text(texts, start, end, where):
    offset = 0
    for index, text in enumerate(texts):
        if start < offset + len(text):
            if end > offset + len(text):
                raise RecordError(f"{where} ({start}–{end}) runs over the end of a turn")
            return index, start - offset, end - offset
        offset += len(text) + len(TURN_JOINER)
    raise RecordError(f"{where} starts at {start}, past the end of the text ({offset - len(TURN_JOINER)} characters)")


def _find(texts, record, turn, where):
    quote = record.quote
    candidates = []
    for index in [turn] if turn is not None else range(len(texts)):
        text = texts[index]
        found = text.find(quote)
        while found >= 0:
            candidates.append((index, found))
            found = text.find(quote, found + 1)
    if not candidates:
        raise RecordError(f"{where}: the quote “{quote[:60]}” is not in the {'turn' if turn is not None else 'text'}")

    def fits(candidate):
        index, found = candidate
        text = texts[index]
        before = text[:found].endswith(record.prefix[-CONTEXT_CHARS:]) if record.prefix else False
        after = text[found + len(quote) :].startswith(record.suffix[:CONTEXT_CHARS]) if record.suffix else False
        return -(before + after)

    return min(candidates, key=fits)
