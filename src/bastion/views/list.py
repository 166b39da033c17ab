"""``ListView``: a page of rows, never an unbounded list.

Every list is paginated: a page holds ``paginate_by`` rows, and neither the view nor the
client (``?per_page=``) can ask for more than ``max_paginate_by``, so one request cannot make
the database return, or the template render, a whole table. A page number that is not a
positive integer, or is past the last page, is a 404.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bastion.exceptions import ImproperlyConfigured
from bastion.http.exceptions import NotFound
from bastion.templating.response import TemplateResponse
from bastion.views.generic import GenericView, ModelMixin

if TYPE_CHECKING:
    from bastion.db.models.queryset import QuerySet
    from bastion.http.request import Request
    from bastion.http.response import Response

__all__ = ["ListView", "Page", "paginate"]

# More digits than any page count; refusing longer strings early keeps int() cheap.
_MAX_DIGITS = 9


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its rows and where it stands among the others."""

    object_list: Sequence[Any]
    """The rows of this page."""
    number: int
    """This page's number, from 1."""
    per_page: int
    """The page size."""
    count: int
    """How many rows all the pages hold together."""

    @property
    def num_pages(self) -> int:
        """How many pages there are; an empty list still has one (empty) page."""
        return max(1, -(-self.count // self.per_page))

    @property
    def has_next(self) -> bool:
        """Whether a page follows this one."""
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def next_page_number(self) -> int | None:
        """The next page's number, or None on the last page."""
        return self.number + 1 if self.has_next else None

    @property
    def previous_page_number(self) -> int | None:
        """The previous page's number, or None on the first page."""
        return self.number - 1 if self.has_previous else None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def parse_positive_int(value: str | None) -> int | None:
    """``value`` as an integer ≥ 1, or None when it is absent or anything else."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > _MAX_DIGITS:
        return None
    number = int(value)
    return number if number >= 1 else None


def paginate(queryset: QuerySet[Any], number: int, per_page: int) -> Page:
    """Page ``number`` of ``queryset``, ``per_page`` rows a page (two queries: count, slice).

    Raises:
        NotFound: the page is past the last one (page 1 always exists).
    """
    count = queryset.count()
    page = Page((), number, per_page, count)
    if number > page.num_pages:
        raise NotFound("There is no such page.")
    start = (number - 1) * per_page
    return Page(list(queryset[start : start + per_page]), number, per_page, count)


class ListView(ModelMixin, GenericView):
    """Render a page of ``get_queryset(request)`` with ``<app_label>/<model_name>_list.html``.

    The context holds ``object_list`` (this page's rows), ``page`` (a :class:`Page`), the
    rows again under ``context_object_name`` (default ``<model_name>_list``) and the path
    parameters.

    Attributes:
        ordering: field names for ``order_by()``; without it (and without a model ordering)
            rows are ordered by primary key, so pages do not overlap or skip rows.
        paginate_by: rows per page; default (and capped at) ``max_paginate_by``.
        max_paginate_by: the most rows a page can hold, whatever asks for more.
        page_param: the query parameter holding the page number.
        per_page_param: a query parameter the client may use to choose the page size
            (clamped to 1..``max_paginate_by``); None (the default) ignores it.
    """

    template_name_suffix = "_list.html"
    ordering: Sequence[str] | None = None
    paginate_by: int | None = None
    max_paginate_by: int = 100
    page_param: str = "page"
    per_page_param: str | None = None
    context_object_name: str | None = None

    def get_ordered_queryset(self, request: Request) -> QuerySet[Any]:
        """:meth:`get_queryset`, with ``ordering`` applied, or the primary key as last resort."""
        queryset = self.get_queryset(request)
        if self.ordering:
            return queryset.order_by(*self.ordering)
        order = queryset.query.order_by
        if order or (order is None and queryset.model._meta.ordering):
            return queryset
        return queryset.order_by("pk")

    def get_paginate_by(self, request: Request) -> int:
        """The page size for this request, always within 1..``max_paginate_by``.

        Raises:
            ImproperlyConfigured: ``max_paginate_by`` is not a positive integer.
        """
        cap = self.max_paginate_by
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ImproperlyConfigured(
                f"{type(self).__name__}.max_paginate_by must be a positive integer."
            )
        size = self.paginate_by or cap
        if self.per_page_param is not None:
            size = parse_positive_int(request.query.get(self.per_page_param)) or size
        return max(1, min(size, cap))

    def get_page_number(self, request: Request) -> int:
        """The requested page number (1 when absent).

        Raises:
            NotFound: the parameter is present but not a positive integer.
        """
        raw = request.query.get(self.page_param)
        if raw is None:
            return 1
        number = parse_positive_int(raw)
        if number is None:
            raise NotFound("There is no such page.")
        return number

    def get(self, request: Request, **params: Any) -> Response:
        """Render the requested page."""
        queryset = self.get_ordered_queryset(request)
        page = paginate(queryset, self.get_page_number(request), self.get_paginate_by(request))
        name = self.context_object_name or f"{queryset.model._meta.model_name}_list"
        rows = page.object_list
        context = self.get_context(
            request, **{**params, name: rows, "object_list": rows, "page": page}
        )
        return TemplateResponse(request, self.get_template_names(), context)
