from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from corpus_app.forms import SearchForm
from corpus_app.search.results import (
    SearchPaginator,
    attach_excerpts,
    engine_for,
    kept_ranked_turn_ids,
    page_turns,
    search_turns,
)
from desk.pagination import query_without_page
from desk.text import nfc

PAGE_SIZE = 25


@login_required
def search_view(request):
    form = SearchForm(request.GET or None)
    form.is_valid()  # invalid filters are reported next to their field and ignored
    data = getattr(form, "cleaned_data", {})
    # NFC, as the turns are stored: a decomposed accent (e + U+0301) finds “é”.
    query_text = nfc(data.get("q") or "").strip()
    filters = {name: data.get(name) for name in ("speaker", "kind", "date_from", "date_until")}
    turns = search_turns(query_text, **filters)
    context = {
        "form": form,
        "query": query_text,
        "searched": turns is not None,
        "search_engine": engine_for(),
        "filtered": any(filters.values()),
        "page_obj": None,
        "paginator": None,
        "is_paginated": False,
        "results": [],
    }
    if turns is not None:
        paginator = SearchPaginator(
            turns,
            PAGE_SIZE,
            rows=lambda ids: page_turns(ids, query_text),
            ranked_ids=lambda limit: kept_ranked_turn_ids(query_text, limit, **filters),
        )
        page_obj = paginator.get_page(request.GET.get("page"))
        context.update(
            paginator=paginator,
            page_obj=page_obj,
            is_paginated=page_obj.has_other_pages(),
            results=attach_excerpts(list(page_obj.object_list), query_text),
            query_without_page=query_without_page(request),
        )
    return render(request, "corpus_app/search.html", context)
