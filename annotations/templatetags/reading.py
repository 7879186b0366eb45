"""Template filters of the reading view."""

import re

from django import template

from annotations import highlight

register = template.Library()

_NOT_A_WORD_CHARACTER = re.compile(r"[\W_]+")


def _name_key(text):
    """A label or name as compared for display: case and punctuation ignored (“PRESIDENT X:” is President X)."""
    return _NOT_A_WORD_CHARACTER.sub(" ", text).strip().casefold()


@register.filter
def written_label(turn):
    """The turn's label as written in the source, when it says more than its speaker's name or its kind."""
    label = _name_key(turn.label)
    if not label:
        return ""
    said = {_name_key(turn.get_kind_display())}
    if turn.speaker_id:
        said.add(_name_key(turn.speaker.name))
    return "" if label in said else turn.label


@register.filter
def highlight_segments(turn):
    """The turn's text cut at its passages (``turn.passages``, from ``annotations.reading``): see
    ``annotations.highlight.segments``."""
    return highlight.segments(turn.text, turn.passages)
