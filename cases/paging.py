"""Pages of the case list that cost the same at a million cases as at a thousand.

Two things grow with the number of matches when a list is paged the plain way: the exact total (COUNT(*) reads
every match) and, for a search in relevance order, the sort (every match is ranked before the first 25 are
known). Here:

- The total is exact up to EXACT_UP_TO matches (counted with a LIMIT, so never more rows than that); above it,
  PostgreSQL's estimate is shown as an estimate ("约 12,000 件"), as large sites do, and the page links do not
  offer a last page they cannot know. Where the planner already expects ten times more, nothing is counted.
  SQLite (the embedded demo) always counts.
- A search in relevance order is read level by level (cases.search.levels: the query as typed in the title,
  then in the description, then by how many words are in the title), each level newest first: the first page
  of a common word reads the 25 newest of its best level through the received-date index instead of ranking
  tens of thousands of rows. The order is exactly the ranked query's — same levels, same dates, same ties —
  only how it is read changes; small result sets are still ranked in one query.
"""

import json
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet

from cases import search, selectors, vocabularies

EXACT_UP_TO = 2000  # an exact total costs reading this many rows at most
TRUST_ESTIMATE_ABOVE = 20_000  # a planner estimate this far above EXACT_UP_TO is not counted at all
RANK_IN_ONE_QUERY_UP_TO = 2000  # fewer matches than this: rank them all at once, it is cheaper than levels


class CasePage(Page):
    @property
    def estimated(self) -> bool:
        return self.paginator.estimated

    def has_next(self) -> bool:
        # With an estimated total, a page that is not full is the last one whatever the estimate says.
        if self.paginator.estimated and len(self.object_list) < self.paginator.per_page:
            return False
        return super().has_next()


class CasePaginator(Paginator):
    """A paginator for case querysets: bounded counting, and relevance-ordered search read level by level."""

    def __init__(self, object_list: QuerySet, per_page: int, *, search_text: str = "", request=None):
        super().__init__(object_list, per_page)
        self.estimated = False
        self.request = request
        self.prefetch = list(object_list._prefetch_related_lookups)
        ordering = [str(field) for field in object_list.query.order_by]
        ranked = bool(search_text.strip()) and ordering[:1] == ["-search_rank"]
        self.levels = search.levels(search_text) if ranked else []
        self.by_date = ordering[1:]  # the order within one level

    @cached_property
    def count(self) -> int:
        plain = self.object_list.order_by().values("pk")
        if connections[plain.db].vendor != "postgresql":
            return plain.count()
        # Planning costs a fraction of a millisecond; even a bounded count of a common word's 100,000 matches
        # at a million cases first builds their whole bitmap (35 ms).
        planned = _planner_rows(plain)
        if planned > TRUST_ESTIMATE_ABOVE:
            self.estimated = True
            return planned
        counted = plain[: EXACT_UP_TO + 1].count()
        if counted <= EXACT_UP_TO:
            return counted
        self.estimated = True
        return max(EXACT_UP_TO + 1, planned)

    def page(self, number) -> CasePage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.levels and self.count > RANK_IN_ONE_QUERY_UP_TO:
            ids = self._by_levels(bottom, self.per_page)
        else:
            ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = self._rows(ids)
        # The small vocabularies (team, channel…) a row shows come from the dropdowns' cache, not five queries.
        attached = [name for name in self.prefetch if name in selectors.LIST_PREFETCH]
        vocabularies.attach(self.request, rows, attached)
        return CasePage(rows, number, self)

    def _rows(self, ids: list[int]) -> list:
        """The rows of `ids`, in that order, with what a row shows. Finding the page's ids first and joining only
        their 25 rows afterwards keeps PostgreSQL from joining every match before it sorts them."""
        related = self.object_list.query.select_related
        # The list's related rows (category, places, assignee) from the dropdowns' cache where it serves them,
        # else joined; without the list's filters either way: the ids already passed them.
        found = self.object_list.model.objects.filter(pk__in=ids)
        found = vocabularies.join_unless_served(self.request, found, related)
        others = [name for name in self.prefetch if name not in selectors.LIST_PREFETCH]
        found = found.prefetch_related(*others).in_bulk()
        rows = [found[pk] for pk in ids if pk in found]
        vocabularies.attach_related(self.request, rows, related)
        return rows

    def _by_levels(self, offset: int, size: int) -> list:
        """The ids of `size` rows from `offset` in relevance order: the levels best first, stopping once full."""
        rows: list = []
        for level in self.levels:
            matches = self.object_list.filter(level).order_by(*self.by_date)
            if offset:
                before = matches.order_by().values("pk")[:offset].count()
                if before < offset:  # the whole level lies before the page
                    offset -= before
                    continue
            rows += matches.values_list("pk", flat=True)[offset : offset + size - len(rows)]
            offset = 0
            if len(rows) == size:
                break
        return rows


def _planner_rows(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows `queryset` returns (from its statistics, without reading them)."""
    plan = queryset.explain(format="json")
    if not plan:  # a queryset that cannot match anything (.none()) is not sent to the database at all
        return 0
    return int(json.loads(plan)[0]["Plan"]["Plan Rows"])
