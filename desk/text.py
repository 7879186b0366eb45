"""Text helpers for pages that show many rows."""

import unicodedata

from django.utils.text import Truncator


def truncate_chars(text, limit):
    """What the ``truncatechars`` template filter gives, without its loop per character.

    Plain ASCII (most of the corpus) is cut with a slice; anything else goes through Django's
    own ``Truncator``, which normalises the text and does not count combining characters.
    """
    text = str(text)
    if limit <= 0:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        if any(map(unicodedata.combining, text)):
            return Truncator(text).chars(limit)  # combining characters do not count: Django's own loop
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
