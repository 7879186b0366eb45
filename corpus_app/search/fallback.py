"""The search on databases without full-text search (SQLite in development): each word or phrase
of the query must occur as a case-insensitive substring (no stemming), excluded ones must not;
results are ranked by how often the terms occur. Excerpts are made in Python (``query.highlight``).
"""

from django.db.models import Q, Value
from django.db.models.functions import Length, Lower, Replace


def _occurrences(term):
    """SQL: how many times ``term`` occurs in the turn text, ignoring case."""
    lowered = Lower("text")
    removed = Length(lowered) - Length(Replace(lowered, Value(term.lower()), Value("")))
    return removed / Value(len(term))


def rank(parsed):
    rank = Value(0)
    for term in dict.fromkeys(term.lower() for term in parsed.required_terms):
        rank = rank + _occurrences(term)
    return rank


def matching(queryset, parsed):
    condition = Q()
    for required, excluded in parsed.groups:
        group = Q()
        for term in required:
            group &= Q(text__icontains=term)
        for term in excluded:
            group &= ~Q(text__icontains=term)
        condition |= group
    return queryset.filter(condition).annotate(rank=rank(parsed))
