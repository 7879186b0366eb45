import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from annotations.filters import AnnotationFilter, ClaimFilter
from annotations.forms import quicken_widgets
from annotations.forms_review import ClaimReviewForm
from annotations.models import AnchorStatus, Annotation, Claim, ClaimStatus, Polarity, Topic, claim_queue_rank
from annotations.services import AnnotationError, VersionConflict, can_review_claims, claim_set_status
from desk.cache import ANNOTATIONS, CORPUS, generations_key
from desk.pagination import CappedPaginator, CursorPaginationMixin, has_active_filters, query_without_page
from desk.text import truncate_chars

CONTEXT_CHARS = 160  # how much of the turn around a claim the queue shows


def _document_url_maker():
    """``Document.get_absolute_url`` for any id from one ``reverse()``: 50 rows, 100 links."""
    pattern = reverse("corpus:document-detail", args=[0])
    head, tail = pattern.rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


def _day(value):
    """What ``{{ value|date:"j M Y" }}`` shows (datetimes in the current time zone), without the
    general date formatter: two of them per row."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value.day} {MONTHS_3[value.month].title()} {value.year}"


def _minute(value):
    """What ``{{ value|date:"j M Y, H:i" }}`` shows, in the current time zone."""
    if value is None:
        return ""
    value = timezone.localtime(value)
    return f"{_day(value)}, {value.hour:02d}:{value.minute:02d}"


def annotation_rows(annotations):
    """What each row of the annotations list shows, computed once in Python: one query for the
    topics of the page (names and paths), none per row. The template only writes the values out;
    resolving a dozen attribute chains and filters per row through the template engine cost more
    than the queries of the page."""
    ids = [annotation.pk for annotation in annotations]
    topics = {}
    tagged = (
        Annotation.topics.through.objects.filter(annotation_id__in=ids)
        .values_list("annotation_id", "topic__name", "topic__parent__name", "topic__parent__parent__name")
        .order_by()
    )
    for annotation_id, name, parent, grandparent in tagged:
        path = " › ".join(part for part in (grandparent, parent, name) if part)
        topics.setdefault(annotation_id, []).append({"name": name, "path": path})
    document_url = _document_url_maker()
    polarity_labels = dict(Polarity.choices)
    status_labels = dict(ClaimStatus.choices)
    rows = []
    for annotation in annotations:
        turn = annotation.turn
        document = turn.document
        replaced_by = document.replaced_by if annotation.anchor_status == AnchorStatus.ORPHANED else None
        try:
            claim = annotation.claim
        except Claim.DoesNotExist:
            claim = None
        rows.append(
            {
                "pk": annotation.pk,
                "url": f"{document_url(document.pk)}#annotation-{annotation.pk}",
                "anchor_status": annotation.anchor_status,
                "anchor_score": annotation.anchor_score,
                "quote": truncate_chars(annotation.quote, 160),
                "prefix": annotation.prefix,
                "suffix": annotation.suffix,
                "note": truncate_chars(annotation.note, 120) if annotation.note else "",
                "replaced_by_url": document_url(replaced_by.pk) if replaced_by else "",
                "replaced_by_title": truncate_chars(replaced_by.title, 60) if replaced_by else "",
                "speaker": turn.speaker.name if turn.speaker_id else "",
                "turn_kind": turn.get_kind_display(),
                "topics": sorted(topics.get(annotation.pk, []), key=lambda topic: topic["path"].casefold()),
                "polarity": annotation.polarity,
                "polarity_label": polarity_labels.get(annotation.polarity, annotation.polarity),
                "target": annotation.target.name if annotation.target_id else "",
                "claim_status": claim.status if claim else "",
                "claim_label": status_labels.get(claim.status, claim.status) if claim else "",
                "document_url": document_url(document.pk),
                "document_title": truncate_chars(document.title, 70),
                "document_date": _day(document.date),
                "author": annotation.author.get_username() if annotation.author_id else "",
                "created": _day(annotation.created_at),
            }
        )
    return rows


def annotation_row_html(row):
    """One ``<tr>`` of the annotations list from an ``annotation_rows`` row: the markup the
    template's loop wrote (``test_annotation_rows_are_what_the_template_rendered`` compares them),
    without the template engine's lookups and escaping per value, fifty rows a page."""
    e = escape
    if row["anchor_status"] == AnchorStatus.ORPHANED:
        lost = (
            f'; lost in the new edition <a href="{e(row["replaced_by_url"])}">{e(row["replaced_by_title"])}</a>'
            if row["replaced_by_url"]
            else ""
        )
        passage = (
            '\n          <span class="status-badge anchor-orphaned" title="Not found again in a new edition of its '
            'document">Orphaned</span>\n'
            f'          <div class="orphan-context">…{e(row["prefix"])}<a href="{e(row["url"])}"><mark>'
            f"{e(row['quote'])}</mark></a>{e(row['suffix'])}…</div>\n"
            f'          <div class="muted small">Still on the edition it was made on{lost}.</div>\n        '
        )
    else:
        fuzzy = ""
        if row["anchor_status"] == AnchorStatus.FUZZY:
            score = f" (score {floatformat(row['anchor_score'], 2)})" if row["anchor_score"] else ""
            fuzzy = (
                '<span class="status-badge anchor-fuzzy" title="Moved to a new edition by approximate matching'
                f'{score}: worth a check">Re-anchored approximately</span>'
            )
        passage = f'\n          <a href="{e(row["url"])}">“{e(row["quote"])}”</a>\n          {fuzzy}\n        '
    note = f'<div class="muted small">{e(row["note"])}</div>' if row["note"] else ""
    topics = "".join(f'<span class="chip" title="{e(t["path"])}">{e(t["name"])}</span>' for t in row["topics"]) or "—"
    stance = (
        f'<span class="stance stance-{e(row["polarity"])}">{e(row["polarity_label"])}</span> {e(row["target"])}'
        if row["polarity"]
        else "—"
    )
    claim = (
        f'<span class="status-badge status-{e(row["claim_status"])}">{e(row["claim_label"])}</span>'
        if row["claim_status"]
        else "—"
    )
    return (
        "\n    <tr>\n"
        f'      <td class="quote-cell">\n        {passage}\n        {note}\n      </td>\n'
        f'      <td>{e(row["speaker"] or "—")}<div class="muted small">{e(row["turn_kind"])}</div></td>\n'
        f"      <td>{topics}</td>\n"
        f"      <td>{stance}</td>\n"
        f"      <td>{claim}</td>\n"
        f'      <td><a href="{e(row["document_url"])}">{e(row["document_title"])}</a>'
        f'<div class="muted small">{e(row["document_date"] or "undated")}</div></td>\n'
        f'      <td>{e(row["author"])}<div class="muted small">{e(row["created"])}</div></td>\n'
        "    </tr>\n  "
    )


class FilteredCountMixin:
    """Filtered counts kept until an annotation, claim or document changes (``desk.cache``); an
    unfiltered count is cheap enough not to keep."""

    def count_version(self):
        filterset = getattr(self, "filterset", None)
        return generations_key(ANNOTATIONS, CORPUS) if filterset is not None and has_active_filters(filterset) else None


class AnnotationListView(LoginRequiredMixin, FilteredCountMixin, CursorPaginationMixin, FilterView):
    filterset_class = AnnotationFilter
    paginate_by = 50
    paginator_class = CappedPaginator
    template_name = "annotations/annotation_list.html"

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        quicken_widgets(filterset.form)  # the filter form's selects without a template per option
        return filterset

    def get_queryset(self):
        return (
            Annotation.objects.select_related(
                "turn__document__replaced_by", "turn__speaker", "author", "target", "claim"
            )
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
        context["rows"] = annotation_rows(context["object_list"])
        context["rows_html"] = mark_safe("".join(map(annotation_row_html, context["rows"])))  # escaped per value
        context["query_without_page"] = query_without_page(self.request)
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


REPLACED_EDITION = ' <span class="muted">(replaced edition)</span>'


def claim_card_html(row, *, csrf_token, next_url, rationale_help, evidence_help):
    """One card of the claim queue from a row of ``ClaimQueueView``: the markup the template's loop
    wrote (``test_claim_cards_are_what_the_template_rendered`` compares them), without the template
    engine's lookups and escaping per value."""
    e = escape
    claim = row["claim"]
    topics = "".join(
        (" · " if index == 0 else "") + f'<span class="chip">{e(topic)}</span>'
        for index, topic in enumerate(row["topics"])
    )
    note = f"<br>Note: {e(row['note'])}" if row["note"] else ""
    copies = ""
    if row["copies"]:
        count = len(row["copies"])
        items = "".join(
            "\n"
            + f'              <li><a href="{e(copy["url"])}">{e(copy["title"])}</a>'
            + (REPLACED_EDITION if copy["replaced"] else "")
            + f': “{e(copy["quote"])}” <span class="muted">{e(copy["speaker"])}</span></li>\n            '
            for copy in row["copies"]
        )
        copies = (
            '\n        <div class="claim-copies">\n'
            '          <strong>Same claim elsewhere</strong> <span class="muted">(linked: a verdict here applies to '
            f"{count} cop{'y' if count == 1 else 'ies'} too)</span>\n"
            f"          <ul>\n            {items}\n          </ul>\n        </div>\n      "
        )
    verdict = ""
    if row["verdict"]:
        v = row["verdict"]
        rationale = f"<p>{e(v['rationale'])}</p>" if v["rationale"] else ""
        evidence = (
            "<ul>"
            + "".join(f'<li><a href="{e(link)}" rel="noopener noreferrer">{e(link)}</a></li>' for link in v["evidence"])
            + "</ul>"
            if v["evidence"]
            else ""
        )
        verdict = (
            '\n        <div class="verdict">\n'
            f"          <p><strong>{e(row['status_label'])}</strong> — {e(v['reviewer'])}, {e(v['at'])}</p>\n"
            f"          {rationale}\n          {evidence}\n        </div>\n      "
        )
    review = ""
    if row["review"]:
        r = row["review"]
        rid = e(r["id"])
        review = (
            "\n        \n"
            f'        <form method="post" action="{e(r["url"])}" class="review-form">\n'
            f'          <input type="hidden" name="csrfmiddlewaretoken" value="{e(csrf_token)}">\n'
            f'          <input type="hidden" name="next" value="{e(next_url)}">\n'
            f'          <input type="hidden" name="version" value="{claim.version}" id="{rid}-version">\n'
            '          <div class="review-fields">\n'
            f'            <div><label for="{rid}-status">Status</label><select name="status" id="{rid}-status">'
            f"{r['status_options']}</select></div>\n"
            f'            <div class="grow"><label for="{rid}-rationale">Rationale</label><textarea name="rationale" '
            f'cols="40" rows="3" aria-describedby="{rid}-rationale_helptext" id="{rid}-rationale">\n'
            f'{e(claim.rationale)}</textarea><span class="helptext" id="{rid}-rationale_helptext">{e(rationale_help)}'
            "</span></div>\n"
            f'            <div class="grow"><label for="{rid}-evidence">Evidence</label><textarea name="evidence" '
            f'cols="40" rows="2" aria-describedby="{rid}-evidence_helptext" id="{rid}-evidence">\n'
            f'{e(r["evidence"])}</textarea><span class="helptext" id="{rid}-evidence_helptext">{e(evidence_help)}'
            "</span></div>\n"
            "          </div>\n"
            '          <button type="submit" class="primary">Save verdict</button>\n'
            "        </form>\n      "
        )
    status = e(row["status"])
    return (
        "\n    \n"
        f'    <li class="claim-card status-{status}" id="claim-{claim.pk}">\n'
        '      <header class="claim-head">\n'
        f'        <span class="status-badge status-{status}">{e(row["status_label"])}</span>\n'
        f'        <span class="speaker">{e(row["speaker"])}</span>\n'
        f'        <a href="{e(row["url"])}">{e(row["document_title"])}</a>\n'
        f'        <span class="muted">{e(row["document_date"])}</span>\n'
        "      </header>\n"
        f'      <blockquote class="claim-context">{e(row["before"])}<mark class="claim-quote">{e(row["quote"])}</mark>'
        f"{e(row['after'])}</blockquote>\n"
        '      <p class="claim-meta muted">\n'
        f"        Flagged by {e(row['author'])} on {e(row['flagged_at'])}\n"
        f"        {topics}\n"
        f"        {note}\n"
        "      </p>\n"
        f"      {copies}\n"
        f"      {verdict}\n"
        f"      {review}\n"
        "    </li>\n    \n  "
    )


class ClaimQueueView(LoginRequiredMixin, FilteredCountMixin, CursorPaginationMixin, FilterView):
    """The review queue: open claims first (unverified, then in review), newest first within each."""

    filterset_class = ClaimFilter
    paginate_by = 25
    paginator_class = CappedPaginator
    template_name = "annotations/claim_list.html"

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        quicken_widgets(filterset.form)  # the filter form's selects without a template per option
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
            .annotate(queue_rank=claim_queue_rank())
            .order_by("queue_rank", "-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_review = can_review_claims(self.request.user)
        # The review form's fields are written out in the template from these, computed once
        # for the page: a ClaimReviewForm per row cost more than the rest of the page.
        status_choices = [(value, str(label)) for value, label in ClaimStatus.choices]
        review_url = reverse("annotations:claim-review", args=[0])
        status_labels = dict(status_choices)
        open_statuses = set(ClaimStatus.open_values())
        document_url = _document_url_maker()
        rows = []
        # What each card shows, computed here once: attribute chains and date filters through the
        # template engine cost more per card than its queries.
        for claim in context["object_list"]:
            annotation = claim.annotation
            turn = annotation.turn
            document = turn.document
            text = turn.text
            before = text[max(0, annotation.start - CONTEXT_CHARS) : annotation.start]
            after = text[annotation.end : annotation.end + CONTEXT_CHARS]
            copies = (
                sorted((c for c in claim.group.claims.all() if c.pk != claim.pk), key=lambda c: c.pk)
                if claim.group_id
                else []
            )
            ruled = claim.reviewer_id is not None and claim.status not in open_statuses
            rows.append(
                {
                    "claim": claim,
                    "annotation": annotation,
                    "status": claim.status,
                    "status_label": status_labels.get(claim.status, claim.status),
                    "speaker": turn.speaker.name if turn.speaker_id else "Unattributed",
                    "url": f"{document_url(document.pk)}#annotation-{annotation.pk}",
                    "document_title": document.title,
                    "document_date": _day(document.date) or "undated",
                    "before": ("…" if annotation.start > CONTEXT_CHARS else "") + before,
                    "quote": annotation.quote,
                    "after": after + ("…" if annotation.end + CONTEXT_CHARS < len(text) else ""),
                    "author": annotation.author.get_username() if annotation.author_id else "",
                    "flagged_at": _minute(claim.created_at),
                    "topics": [topic.name for topic in annotation.topics.all()],
                    "note": annotation.note,
                    "verdict": (
                        {
                            "reviewer": claim.reviewer.get_username(),
                            "at": _minute(claim.reviewed_at),
                            "rationale": claim.rationale,
                            "evidence": claim.evidence or [],
                        }
                        if ruled
                        else None
                    ),
                    "review": review_fields(claim, status_choices, review_url) if can_review else None,
                    "copies": [
                        {
                            "url": f"{document_url(copy.annotation.turn.document_id)}#annotation-{copy.annotation_id}",
                            "title": truncate_chars(copy.annotation.turn.document.title, 70),
                            "replaced": not copy.annotation.turn.document.is_current,
                            "quote": truncate_chars(copy.annotation.quote, 120),
                            "speaker": copy.annotation.turn.speaker.name if copy.annotation.turn.speaker_id else "",
                        }
                        for copy in copies
                    ],
                }
            )
        query = query_without_page(self.request)
        rationale_help = ClaimReviewForm.base_fields["rationale"].help_text
        evidence_help = ClaimReviewForm.base_fields["evidence"].help_text
        next_url = self.request.get_full_path()
        csrf_token = get_token(self.request) if can_review else ""
        cards = "".join(
            claim_card_html(
                row,
                csrf_token=csrf_token,
                next_url=next_url,
                rationale_help=rationale_help,
                evidence_help=evidence_help,
            )
            for row in rows
        )
        context.update(
            rows=rows,
            cards_html=mark_safe(cards),  # every value escaped in claim_card_html
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
