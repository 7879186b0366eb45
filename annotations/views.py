from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from annotations.filters import AnnotationFilter, ClaimFilter
from annotations.forms import ClaimReviewForm
from annotations.models import Annotation, Claim, Topic, claim_queue_rank
from annotations.services import AnnotationError, VersionConflict, can_review_claims, claim_set_status
from desk.cache import ANNOTATIONS, CORPUS, generations_key
from desk.pagination import CappedPaginator, query_without_page

CONTEXT_CHARS = 160  # how much of the turn around a claim the queue shows


def attach_topics(annotations):
    """Set ``annotation.topic_list`` (name and full path of each topic, by path) on a page of
    annotations: two queries for the page, none per row."""
    paths = Topic.objects.paths()
    tagged = (
        Annotation.topics.through.objects.filter(annotation_id__in=[annotation.pk for annotation in annotations])
        .values_list("annotation_id", "topic_id", "topic__name")
        .order_by()
    )
    topics = {}
    for annotation_id, topic_id, name in tagged:
        topics.setdefault(annotation_id, []).append({"name": name, "path": paths[topic_id]})
    for annotation in annotations:
        annotation.topic_list = sorted(topics.get(annotation.pk, []), key=lambda topic: topic["path"].casefold())
    return annotations


#: How long a page's rendered rows are cached. Keyed by the data's generations (desk.cache), they
#: follow every write of the corpus and the annotations at once; a user renamed shows within this time.
ROWS_CACHE_SECONDS = 300


class DataListView(LoginRequiredMixin, FilterView):
    """A filtered list of annotations or claims: pages by cursor, filtered counts and rendered rows
    cached until the data changes (``data_version``)."""

    @cached_property
    def data_version(self):
        """The generations of the corpus and the annotations: one cache read, moved on by every write."""
        return generations_key(CORPUS, ANNOTATIONS)

    def get_paginator(self, queryset, per_page, **kwargs):
        return CappedPaginator.for_request(
            self.request,
            queryset,
            per_page,
            count_version=self.data_version if self.filterset.narrows() else None,
            unfiltered=self.get_queryset(),
            **kwargs,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows_cache_seconds"] = ROWS_CACHE_SECONDS
        context["query_without_page"] = context["export_query"] = query_without_page(self.request)
        context["export_formats"] = self.export_formats
        return context

    def rows_cache_key(self, rows, *variants):
        """The cache key of a page's rendered rows: the data's version, the rows, and what else they show."""
        return ":".join([self.data_version, ",".join(str(row.pk) for row in rows), *map(str, variants)])


class AnnotationListView(DataListView):
    filterset_class = AnnotationFilter
    paginate_by = 50
    export_formats = [("csv", "CSV"), ("jsonl", "JSON Lines"), ("w3c", "W3C Web Annotation")]
    template_name = "annotations/annotation_list.html"
    queryset = (
        Annotation.objects.select_related("turn__document__replaced_by", "turn__speaker", "author", "target", "claim")
        # The listing shows neither turn texts nor documents' raw texts: 50 rows read megabytes.
        .defer(
            "turn__text",
            "turn__document__raw_text",
            "turn__document__import_warnings",
            "turn__document__replaced_by__raw_text",
            "turn__document__replaced_by__import_warnings",
        )
        .order_by("-created_at", "-pk")
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attach_topics(context["object_list"])
        context["rows_cache_key"] = self.rows_cache_key(context["object_list"])
        return context


def claims_for_review_list():
    """Claims with everything a card of the queue shows: a fixed number of queries for a page."""
    return (
        Claim.objects.for_review_list()
        .defer("annotation__turn__document__raw_text", "annotation__turn__document__import_warnings")
        .prefetch_related(
            "annotation__topics",
            # Linked copies of each claim (its group), for the card: two queries for the page.
            Prefetch(
                "group__claims",
                queryset=Claim.objects.select_related("annotation__turn__document", "annotation__turn__speaker").defer(
                    "annotation__turn__text",
                    "annotation__turn__document__raw_text",
                    "annotation__turn__document__import_warnings",
                ),
            ),
        )
    )


def prepare_claim_cards(claims, *, can_review, forms=None):
    """Set on each claim what its card shows besides its fields: the turn's text around the
    passage, the linked copies, and (for reviewers) its review form, ``forms[claim.pk]`` when
    given (a refused one, with what was typed)."""
    for claim in claims:
        annotation = claim.annotation
        text = annotation.turn.text
        before = text[max(0, annotation.start - CONTEXT_CHARS) : annotation.start]
        after = text[annotation.end : annotation.end + CONTEXT_CHARS]
        claim.context_before = ("…" if annotation.start > CONTEXT_CHARS else "") + before
        claim.context_after = after + ("…" if annotation.end + CONTEXT_CHARS < len(text) else "")
        claim.copies = (
            sorted((c for c in claim.group.claims.all() if c.pk != claim.pk), key=lambda c: c.pk)
            if claim.group_id
            else []
        )
        if can_review:  # built when the card is rendered, not when its cached copy is used
            claim.review_form = (forms or {}).get(claim.pk) or SimpleLazyObject(
                lambda claim=claim: ClaimReviewForm(claim=claim)
            )
    return claims


class ClaimQueueView(DataListView):
    """The review queue: open claims first (unverified, then in review), newest first within each."""

    filterset_class = ClaimFilter
    paginate_by = 25
    export_formats = [("csv", "CSV"), ("jsonl", "JSON Lines"), ("claimreview", "ClaimReview (reviewed only)")]
    template_name = "annotations/claim_list.html"

    def get_queryset(self):
        return (
            claims_for_review_list()
            .annotate(queue_rank=claim_queue_rank())
            .order_by("queue_rank", "-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_review = can_review_claims(self.request.user)
        prepare_claim_cards(context["object_list"], can_review=can_review)
        context["can_review"] = can_review
        context["next_url"] = next_url = self.request.get_full_path()
        context["rows_cache_key"] = self.rows_cache_key(context["object_list"], can_review, next_url)
        return context


@login_required
@require_POST
def claim_review(request, pk):
    """A reviewer's verdict. Saved: back to the queue with a message. Refused: the claim's card
    again, with what was typed and the reasons, to correct and save (HTTP 400)."""
    if not can_review_claims(request.user):
        raise PermissionDenied("Only reviewers rule on claims.")
    claim = get_object_or_404(Claim, pk=pk)
    back = request.POST.get("next") or ""
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = reverse("annotations:claim-list")
    form = ClaimReviewForm(request.POST, claim=claim)
    if form.is_valid():
        try:
            claim = claim_set_status(user=request.user, claim_id=claim.pk, **form.cleaned_data)
        except VersionConflict as conflict:
            current = conflict.current
            messages.error(
                request,
                f"Claim {pk} was changed by {current.reviewer or 'someone'} while you were reviewing it: it is now "
                f"“{current.get_status_display()}”. Your verdict was not saved; check the new state and save again.",
            )
            # What was typed stays; saving again deliberately overrides the new state.
            form = ClaimReviewForm({**request.POST.dict(), "version": current.version}, claim=claim)
            form.is_valid()
        except Claim.DoesNotExist:
            raise Http404(f"Claim {pk} was deleted.") from None
        except AnnotationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Claim {pk} is now “{claim.get_status_display()}”.")
            return redirect(back)
    claim = get_object_or_404(claims_for_review_list(), pk=pk)
    prepare_claim_cards([claim], can_review=True, forms={claim.pk: form})
    context = {"claim": claim, "can_review": True, "next_url": back}
    return render(request, "annotations/claim_review.html", context, status=400)
