"""Pagination that stays fast on a million rows.

Two costs grow with the table under Django's ``Paginator``: ``COUNT(*)`` over every matching
row on each page view, and ``OFFSET`` on a query that joins every related table for each
skipped row. :class:`CappedPaginator` counts at most ``cap`` rows (``SELECT COUNT(*) FROM
(… LIMIT cap + 1)``) and says so (``paginator.capped``: templates write "more than 10,000"),
and fetches a page in two steps: the ids of the page from the ordering alone (the skipped
rows are read from an index, with none of the joins), then the rows with their related
objects for those ids only. Page links stay plain ``?page=N`` with the filters in the URL;
past the counted pages, a page exists as long as it has rows.
"""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPage(Page):
    def has_next(self):
        return self.more

    def next_page_number(self):
        if not self.more:
            raise EmptyPage("That page contains no results")
        return self.number + 1


class CappedPaginator(Paginator):
    cap = COUNT_CAP

    @cached_property
    def _counted(self):
        if hasattr(self.object_list, "query"):
            # No ORDER BY in the count: any cap + 1 matching rows will do, and sorting them costs.
            return self.object_list.order_by()[: self.cap + 1].count()
        return len(self.object_list)

    @cached_property
    def count(self):
        return min(self._counted, self.cap)

    @property
    def capped(self):
        return self._counted > self.cap

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            rows = list(queryset[bottom : bottom + self.per_page + 1])
        else:
            ids = list(queryset.values_list("pk", flat=True)[bottom : bottom + self.per_page + 1])
            page_ids = ids[: self.per_page]
            by_id = {row.pk: row for row in queryset.filter(pk__in=page_ids).order_by()} if page_ids else {}
            rows = [by_id[pk] for pk in page_ids if pk in by_id] + ids[self.per_page :]
        if not rows[: self.per_page] and number > 1:
            raise EmptyPage("That page contains no results")
        page = CappedPage(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        return page
