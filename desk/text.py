"""Text helpers: truncating for pages that show many rows, checking text that comes from outside."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.text import Truncator

_MAY_COMBINE = re.compile("[^\x00-\u02ff]")  # no character below U+0300 combines


def truncate_chars(text, limit):
    """What the ``truncatechars`` template filter gives, without its loop per character.

    The text is cut with a slice; only a text with combining characters (which do not count)
    goes through Django's own ``Truncator``. Non-ASCII text is NFC-normalised first, as it does.
    """
    text = str(text)
    if limit <= 0:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        if any(map(unicodedata.combining, _MAY_COMBINE.findall(text))):
            return Truncator(text).chars(limit)  # combining characters do not count: Django's own loop
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def excerpt(text, limit):
    """``text`` on one line (its runs of white space made one space), truncated to ``limit`` characters."""
    return truncate_chars(" ".join(text.split()), limit)


# --- text from outside: checked once where it comes in -------------------------------------

# Lone surrogates cannot be encoded (UTF-8 refuses them: saving or rendering one fails), and control
# characters other than tab and line breaks have no place in what editors write: NUL is refused by
# PostgreSQL and invisible everywhere else.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, LF and CR allowed


def text_problem(value, *, multiline=False):
    """Why ``value`` cannot be taken as text (a short phrase), or None when it can."""
    found = _LONE_SURROGATE.search(value)
    if found:
        return f"contains a lone surrogate (U+{ord(found.group()):04X}), which is not a character"
    found = (_CONTROL_MULTI_LINE if multiline else _CONTROL_SINGLE_LINE).search(value)
    if found:
        kind = "NUL character" if found.group() == "\x00" else "control character"
        return f"contains a {kind} (U+{ord(found.group()):04X})"
    return None


def replace_lone_surrogates(value):
    """``value`` with each lone surrogate replaced by U+FFFD, the replacement character."""
    return _LONE_SURROGATE.sub("\ufffd", value)


def nfc(value):
    """``value`` in Unicode normal form C, so that ``e`` + U+0301 and ``é`` compare equal."""
    return value if value.isascii() else unicodedata.normalize("NFC", value)


@deconstructible
class TextValidator:
    """Refuses lone surrogates and control characters (tab and line breaks too, unless ``multiline``)."""

    code = "invalid_text"

    def __init__(self, *, multiline=False):
        self.multiline = multiline

    def __call__(self, value):
        problem = text_problem(str(value), multiline=self.multiline)
        if problem:
            raise ValidationError(f"This text {problem}; remove it and try again.", code=self.code)

    def __eq__(self, other):
        return isinstance(other, TextValidator) and other.multiline == self.multiline
