"""The listings' paginator: a capped, cached count and cursor pages.

A list view builds one per request (``CappedPaginator.for_request`` in its ``get_paginator``):

- **The count is capped** at ``cap`` rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``) and says
  so (``paginator.capped``: templates write "more than 10,000"); given a ``count_version`` (a
  string that changes whenever the listed data does) the count of a query is cached until then.
- **A page is read in two steps**: the page's ids from the ordering alone (skipped rows are read
  from an index, without the joins), then those rows with their related objects, from
  ``unfiltered`` when given (the filters are not evaluated twice).
- **Cursors**: the "Next" and "Previous" links carry the sort-key values of the last (first) row
  of the page they come from (``?page=N&after=…`` / ``&before=…``), so a deep page costs what
  the first one costs instead of walking an ``OFFSET``. They are used when every sort key is a
  column or annotation of the listing; keys that can be empty (a document's date) are compared
  where the database sorts empties (``NullableKey``); the primary key is added as the last key
  so that the order is total. A cursor is base64-encoded JSON of values shown on the page, opaque
  but not secret; a malformed one is a 404, like a bad page number.
"""

import base64
import binascii
import hashlib
import json

from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import EmptyPage, InvalidPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property

COUNT_CAP = 10_000
COUNT_CACHE_SECONDS = 300


class InvalidCursor(InvalidPage):
    pass


class CappedPage(Page):
    next_cursor = None
    previous_cursor = None

    def has_next(self):
        return self.more

    def has_previous(self):
        return self.number > 1 and getattr(self, "earlier", True)

    def next_page_number(self):
        if not self.more:
            raise EmptyPage("That page contains no results")
        return self.number + 1


def _ordering_terms(queryset):
    """``[(name, descending), …]`` of the queryset's ordering, or ``None`` if a term is not a name."""
    query = queryset.query
    ordering = list(query.order_by) or (list(queryset.model._meta.ordering) if query.default_ordering else [])
    terms = []
    for term in ordering:
        if not isinstance(term, str) or term == "?":
            return None
        terms.append((term.lstrip("-"), term.startswith("-")))
    return terms


def _key_field(queryset, name):
    """``(field, nullable)``: the field whose values a sort key holds (to read a cursor back), and
    whether the key can be null; ``(None, None)`` when the key is not a column of the listing."""
    if name in queryset.query.annotations:
        return queryset.query.annotations[name].output_field, False  # our annotations in orderings are never null
    model = queryset.model
    parts = name.split("__")
    nullable = False
    for index, part in enumerate(parts):
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return None, None
        nullable = nullable or field.null
        if index < len(parts) - 1:
            if not field.is_relation or field.many_to_many or field.one_to_many:
                return None, None
            model = field.related_model
    return field, nullable


def _cursor_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class NullableKey:
    """A sort key's field whose values may be null (a document's date): where the nulls stand in
    the order is the database's (``nulls_order_largest``), so cursors follow it."""

    primary_key = False

    def __init__(self, field):
        self.field = field

    def to_python(self, value):
        return None if value is None else self.field.to_python(value)


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    def __init__(
        self,
        object_list,
        per_page,
        *,
        after=None,
        before=None,
        count_version=None,
        unfiltered=None,
        first_rows=None,
        **kwargs,
    ):
        keys = self._keyset_keys(object_list)
        if keys is not None and not any(field.primary_key for _, _, field in keys):
            pk_descending = keys[-1][1] if keys else True
            keys.append(("pk", pk_descending, object_list.model._meta.pk))
            object_list = object_list.order_by(*(("-" if desc else "") + name for name, desc, _ in keys))
        super().__init__(object_list, per_page, **kwargs)
        self.keys = keys
        self.count_version = count_version  # a string that changes with the data: counts are cached
        # The listing's queryset before its filters: a page's rows are fetched from it by id, so
        # the filters (EXISTS subqueries, joins) are not evaluated a second time for them.
        self.unfiltered = unfiltered
        # Another form of the listing's query, cheaper for its first rows (``.queryset``, ``.rows``):
        # the ids of a page within them are read from it (the documents list's common words).
        self.first_rows = first_rows
        self.after = after or None
        self.before = None if self.after else (before or None)

    @classmethod
    def for_request(cls, request, object_list, per_page, **kwargs):
        """The paginator of a list view's request: its cursor from ``after`` / ``before``."""
        return cls(object_list, per_page, after=request.GET.get("after"), before=request.GET.get("before"), **kwargs)

    @staticmethod
    def _keyset_keys(object_list):
        if not hasattr(object_list, "query"):
            return None
        terms = _ordering_terms(object_list)
        if not terms:
            return None
        keys = []
        for name, descending in terms:
            field, nullable = _key_field(object_list, name)
            if field is None:
                return None
            if nullable:
                field = NullableKey(field)
            keys.append((name, descending, field))
        return keys

    @property
    def keyset(self):
        """Whether pages of this listing carry cursors."""
        return self.keys is not None

    @cached_property
    def _counted(self):
        if not hasattr(self.object_list, "query"):
            return len(self.object_list)
        # No ORDER BY in the count: any cap + 1 matching rows will do, and sorting them costs.
        counting = self.object_list.order_by()[: self.cap + 1]
        if self.count_version is None:
            return counting.count()
        # A filtered count can read tens of thousands of index entries; paging through the same
        # filters asks for it again and again. It is kept until the data changes (the version).
        digest = hashlib.sha256(f"{self.count_version}\n{counting.query}".encode()).hexdigest()
        key = f"capped-count:{digest}"
        counted = cache.get(key)
        if counted is None:
            counted = counting.count()
            cache.set(key, counted, COUNT_CACHE_SECONDS)
        return counted

    @cached_property
    def count(self):
        return min(self._counted, self.cap)

    @property
    def capped(self):
        return self._counted > self.cap

    def validate_number(self, number):
        if not self.capped and not (self.keyset and (self.after or self.before)):
            return super().validate_number(number)
        # Past the counted rows, or reached by a cursor (rows may have come or gone since the
        # link was made): a page exists as long as it has rows.
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    # --- cursors ----------------------------------------------------------------------------

    def encode_cursor(self, values):
        # Dates and times in full ISO form: DjangoJSONEncoder would cut microseconds, and a
        # cursor must compare equal to the row it was taken from.
        data = json.dumps(list(values), default=_cursor_value, separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    def decode_cursor(self, token):
        try:
            padded = token + "=" * (-len(token) % 4)
            values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
            if not isinstance(values, list) or len(values) != len(self.keys):
                raise ValueError("wrong number of values")
            decoded = [field.to_python(value) for value, (_, _, field) in zip(values, self.keys, strict=True)]
            if any(
                value is None and not isinstance(field, NullableKey)
                for value, (_, _, field) in zip(decoded, self.keys, strict=True)
            ):
                raise ValueError("an empty value for a key that has one")
            return decoded
        except (ValueError, TypeError, ValidationError, binascii.Error, UnicodeError, RecursionError) as error:
            # RecursionError: a token that decodes to arrays nested past what Python's parser follows
            raise InvalidCursor(f"That page link is not valid (cursor: {error})") from None

    def _beyond(self, values, *, backwards):
        """Rows after the cursor's row in the ordering (before it when ``backwards``)."""
        nulls_largest = connections[self.object_list.db].features.nulls_order_largest
        condition = Q()
        equal = {}
        bound = None  # a range on the first key alone, where no empty value may follow
        for index, ((name, descending, field), value) in enumerate(zip(self.keys, values, strict=True)):
            greater_later = descending == backwards  # later rows hold greater values of this key
            nulls_later = isinstance(field, NullableKey) and greater_later == nulls_largest
            if value is None:
                # Past an empty value come the non-empty ones, when the empties come first.
                later = None if nulls_later else Q(**{f"{name}__isnull": False})
            else:
                later = Q(**{f"{name}__{'gt' if greater_later else 'lt'}": value})
                if nulls_later:
                    later |= Q(**{f"{name}__isnull": True})
                elif index == 0:
                    bound = Q(**{f"{name}__{'gte' if greater_later else 'lte'}": value})
            if later is not None:
                condition |= Q(**equal) & later
            equal.update({f"{name}__isnull": True} if value is None else {name: value})
        # The same rows, plus the range on the first key: the index scan starts at the cursor.
        return condition if bound is None else bound & condition

    # --- pages ------------------------------------------------------------------------------

    def page(self, number):
        number = self.validate_number(number)
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            bottom = (number - 1) * self.per_page
            rows = list(queryset[bottom : bottom + self.per_page + 1])
            return self._page(rows[: self.per_page], number, more=len(rows) > self.per_page)

        backwards = False
        keyed = queryset
        cursor = self.decode_cursor(self.after or self.before) if self.keyset and (self.after or self.before) else None
        bottom = 0 if cursor is not None else (number - 1) * self.per_page
        if self.first_rows is not None and bottom + self.per_page + 1 <= self.first_rows.rows:
            # The cheaper form, read from the start or from a cursor: a page from either costs the same.
            keyed = self.first_rows.queryset.order_by(*queryset.query.order_by)
        if cursor is not None:
            backwards = bool(self.before)
            keyed = keyed.filter(self._beyond(cursor, backwards=backwards))
            if backwards:
                keyed = keyed.reverse()
        names = [name for name, _, _ in self.keys] if self.keyset else ["pk"]
        at = next(i for i, (name, _, field) in enumerate(self.keys) if field.primary_key) if self.keyset else 0
        # Step one: the page's ids (and sort keys, for the cursors) from the ordering alone.
        window = list(keyed.values_list(*names)[bottom : bottom + self.per_page + 1])
        beyond = len(window) > self.per_page
        window = window[: self.per_page]
        if backwards:
            window.reverse()
        page_ids = [row[at] for row in window]
        # Step two: those rows with their related objects.
        source = self.unfiltered if self.unfiltered is not None else queryset
        by_id = {row.pk: row for row in source.filter(pk__in=page_ids).order_by()} if page_ids else {}
        rows = [by_id[pk] for pk in page_ids if pk in by_id]
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        # Going back from a cursor, "more" is known on the side we came from: the cursor's row.
        page = self._page(rows, number, more=True if backwards else beyond)
        if backwards:
            page.earlier = beyond
        if self.keyset and window:
            page.next_cursor = self.encode_cursor(window[-1])
            page.previous_cursor = self.encode_cursor(window[0])
        return page

    def _page(self, rows, number, *, more):
        page = CappedPage(rows, number, self)
        page.more = more
        return page


def query_without_page(request):
    """The request's query string without the page number and cursors: what page links add to."""
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    return query.urlencode()
