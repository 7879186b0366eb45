"""Offsets from browsers and other tools, which count UTF-16 code units, as Python string indexes.

A character outside the Basic Multilingual Plane (an emoji, a rare CJK ideograph) is two
UTF-16 units but one Python character, so every offset after one differs between the two.
"""

from annotations.exceptions import AnnotationError


def utf16_to_codepoint(text: str, offset: int) -> int:
    """The Python index in ``text`` of the UTF-16 ``offset``; AnnotationError if there is none."""
    if offset < 0:
        raise AnnotationError("Offsets cannot be negative.", field="start")
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            if units > offset:
                raise AnnotationError("The offset falls inside a character.", field="start")
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    if units == offset:
        return len(text)
    if offset < units:  # inside the last character, when that one is astral
        raise AnnotationError("The offset falls inside a character.", field="start")
    raise AnnotationError("The offset is past the end of the turn's text.", field="end")


def offset_in(text: str, offset: int | None, unit: str, *, field: str) -> int | None:
    """A request's ``offset`` (None stays None) as a Python index, from UTF-16 units when ``unit`` is "utf-16";
    a refusal names ``field``."""
    if offset is None or unit != "utf-16":
        return offset
    try:
        return utf16_to_codepoint(text, offset)
    except AnnotationError as error:
        raise AnnotationError(error.message, field=field) from None
