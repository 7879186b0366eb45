from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from annotations.filters import AnnotationFilter, ClaimFilter
from annotations.forms import quicken_selects
from annotations.forms_review import ClaimReviewForm
from annotations.models import Annotation, Claim, ClaimStatus, Topic
from annotations.services import AnnotationError, VersionConflict, can_review_claims, claim_set_status
from desk.pagination import CappedPaginator

CONTEXT_CHARS = 160  # how much of the turn around a claim the queue shows


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def topics_with_paths():
    """Topics with the parents their path names, so a listing shows paths without a query per row."""
    return Prefetch("topics", queryset=Topic.objects.select_related("parent__parent"))


class AnnotationListView(LoginRequiredMixin, FilterView):
    filterset_class = AnnotationFilter
    paginate_by = 50
    paginator_class = CappedPaginator
    template_name = "annotations/annotation_list.html"

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        quicken_selects(filterset.form)  # the filter form's selects without a template per option
        return filterset

    def get_queryset(self):
        return (
            Annotation.objects.select_related(
                "turn__document__replaced_by", "turn__speaker", "author", "target", "claim"
            )
            .prefetch_related(topics_with_paths())
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
        context["query_without_page"] = _query_without_page(self.request)
        context["export_query"] = context["query_without_page"]
        context["export_formats"] = [("csv", "CSV"), ("jsonl", "JSON Lines"), ("w3c", "W3C Web Annotation")]
        return context


def review_fields(claim, status_choices, review_url):
    """What ``ClaimReviewForm(claim=claim, auto_id="claim-<pk>-%s")`` would render, without the form.

    ``test_claim_queue`` checks that the queue's fields equal the form's own rendering.
    """
    options = "".join(
        f'<option value="{escape(value)}"{" selected" if value == claim.status else ""}>{escape(label)}</option>'
        for value, label in status_choices
    )
    return {
        "url": review_url.replace("/0/", f"/{claim.pk}/"),
        "id": f"claim-{claim.pk}",
        "status_options": mark_safe(options),  # escaped above
        "evidence": "\n".join(claim.evidence or []),
    }


class ClaimQueueView(LoginRequiredMixin, FilterView):
    """The review queue: open claims first (unverified, then in review), newest first within each."""

    filterset_class = ClaimFilter
    paginate_by = 25
    paginator_class = CappedPaginator
    template_name = "annotations/claim_list.html"

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        quicken_selects(filterset.form)  # the filter form's selects without a template per option
        return filterset

    def get_queryset(self):
        return (
            Claim.objects.for_review_list()
            .defer("annotation__turn__document__raw_text", "annotation__turn__document__import_warnings")
            .prefetch_related(
                Prefetch("annotation__topics", queryset=Topic.objects.select_related("parent__parent")),
                # Linked copies of each claim (its group), for the row: two queries for the page.
                Prefetch(
                    "group__claims",
                    queryset=Claim.objects.select_related(
                        "annotation__turn__document", "annotation__turn__speaker"
                    ).defer(
                        "annotation__turn__text",
                        "annotation__turn__document__raw_text",
                        "annotation__turn__document__import_warnings",
                    ),
                ),
            )
            .annotate(
                queue_rank=Case(
                    When(status=ClaimStatus.UNVERIFIED, then=Value(0)),
                    When(status=ClaimStatus.IN_REVIEW, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("queue_rank", "-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_review = can_review_claims(self.request.user)
        # The review form's fields are written out in the template from these, computed once
        # for the page: a ClaimReviewForm per row cost more than the rest of the page.
        status_choices = [(value, str(label)) for value, label in ClaimStatus.choices]
        review_url = reverse("annotations:claim-review", args=[0])
        rows = []
        for claim in context["object_list"]:
            annotation = claim.annotation
            text = annotation.turn.text
            before = text[max(0, annotation.start - CONTEXT_CHARS) : annotation.start]
            after = text[annotation.end : annotation.end + CONTEXT_CHARS]
            rows.append(
                {
                    "claim": claim,
                    "annotation": annotation,
                    "before": ("…" if annotation.start > CONTEXT_CHARS else "") + before,
                    "after": after + ("…" if annotation.end + CONTEXT_CHARS < len(text) else ""),
                    "review": review_fields(claim, status_choices, review_url) if can_review else None,
                    "copies": (
                        sorted((c for c in claim.group.claims.all() if c.pk != claim.pk), key=lambda c: c.pk)
                        if claim.group_id
                        else []
                    ),
                }
            )
        query = _query_without_page(self.request)
        context.update(
            rows=rows,
            can_review=can_review,
            next_url=self.request.get_full_path(),
            rationale_help=ClaimReviewForm.base_fields["rationale"].help_text,
            evidence_help=ClaimReviewForm.base_fields["evidence"].help_text,
            query_without_page=query,
            export_query=query,
            export_formats=[("csv", "CSV"), ("jsonl", "JSON Lines"), ("claimreview", "ClaimReview (reviewed only)")],
        )
        return context


@login_required
@require_POST
def claim_review(request, pk):
    if not can_review_claims(request.user):
        raise PermissionDenied("Only reviewers rule on claims.")
    claim = get_object_or_404(Claim, pk=pk)
    form = ClaimReviewForm(request.POST, claim=claim)
    back = request.POST.get("next") or reverse("annotations:claim-list")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("annotations:claim-list")
    if not form.is_valid():
        messages.error(request, f"Claim {pk} was not saved: {form.error_summary()}")
        return redirect(back)
    try:
        claim = claim_set_status(
            user=request.user,
            claim_id=claim.pk,
            status=form.cleaned_data["status"],
            rationale=form.cleaned_data["rationale"],
            evidence=form.cleaned_data["evidence"],
            version=form.cleaned_data["version"],
        )
    except VersionConflict as conflict:
        current = conflict.current
        messages.error(
            request,
            f"Claim {pk} was changed by {current.reviewer or 'someone'} while you were reviewing it: it is now "
            f"“{current.get_status_display()}”. Your verdict was not saved; check the new state and try again.",
        )
        return redirect(back)
    except AnnotationError as error:
        messages.error(request, f"Claim {pk} was not saved: {error.message}")
        return redirect(back)
    messages.success(request, f"Claim {pk} is now “{claim.get_status_display()}”.")
    return redirect(back)
