"""Text helpers for pages that show many rows."""

import re
import unicodedata

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
