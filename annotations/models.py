import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


# A label left out is Django's, from the member's name ("MIXED" → "Mixed").
class Polarity(models.TextChoices):
    SUPPORTS = "supports"
    OPPOSES = "opposes"
    NEUTRAL = "neutral"
    MIXED = "mixed"


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified"
    IN_REVIEW = "in_review", "In review"
    ACCURATE = "accurate"
    MISLEADING = "misleading"
    FALSE = "false"
    UNVERIFIABLE = "unverifiable"

    @classmethod
    def open_values(cls):
        return [cls.UNVERIFIED, cls.IN_REVIEW]

    @classmethod
    def verdict_values(cls):
        return [cls.ACCURATE, cls.MISLEADING, cls.FALSE, cls.UNVERIFIABLE]


class AnchorStatus(models.TextChoices):
    ANCHORED = "anchored", "Anchored"
    FUZZY = "fuzzy", "Re-anchored approximately"
    ORPHANED = "orphaned", "Orphaned"


class TargetKind(models.TextChoices):
    COUNTRY = "country", "Country"
    ORGANISATION = "organisation", "Organisation or bloc"
    PERSON = "person", "Person"
    OTHER = "other", "Other"


TOPIC_PATH_SEPARATOR = " › "


def topic_lineages(topics):
    """{topic id: [root name, …, topic name]} for topics already loaded (no query); a parent
    missing from ``topics`` ends the line, and a cycle (made by hand in the database) is walked once."""
    by_id = {topic.pk: topic for topic in topics}
    lineages = {}
    for topic in topics:
        names, node, seen = [], topic, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = by_id.get(node.parent_id)
        lineages[topic.pk] = names[::-1]
    return lineages


class TopicManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def paths(self):
        """``{topic id: "Sanctions & economy › Payments"}`` for every topic, whatever its depth.

        The tree is small (tens of topics), so it is read whole in one query and each path is
        walked in memory: a page pays one query, not one per row or per level.
        """
        topics = list(self.order_by().only("pk", "name", "parent_id"))
        return {pk: TOPIC_PATH_SEPARATOR.join(names) for pk, names in topic_lineages(topics).items()}


class Topic(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    description = models.TextField(blank=True)

    objects = TopicManager()

    class Meta:
        ordering = ["parent__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="topic_name_unique_under_parent"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="topic_not_own_parent"),
        ]

    def __str__(self):
        return self.path

    def natural_key(self):
        return (self.slug,)

    @property
    def path(self):
        """“Sanctions & economy › Payments”; walks up the (shallow) tree."""
        names, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return TOPIC_PATH_SEPARATOR.join(reversed(names))

    @classmethod
    def subtree_ids(cls, topic_ids):
        """The ids of the given topics and of every topic below them, in one query."""
        parents = dict(cls.objects.values_list("pk", "parent_id"))
        children = {}
        for pk, parent_id in parents.items():
            children.setdefault(parent_id, []).append(pk)
        found, stack = set(), list(topic_ids)
        while stack:
            pk = stack.pop()
            if pk in found:
                continue
            found.add(pk)
            stack.extend(children.get(pk, []))
        return found


class TargetManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Target(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    kind = models.CharField(max_length=20, choices=TargetKind.choices, default=TargetKind.OTHER)
    description = models.TextField(blank=True)

    objects = TargetManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class AnnotationQuerySet(models.QuerySet):
    def for_reader(self):
        return self.select_related("author", "target", "claim").prefetch_related("topics")

    def for_list(self):
        return self.select_related("turn__document", "turn__speaker", "author", "target", "claim").prefetch_related(
            "topics"
        )


class AnnotationManager(models.Manager.from_queryset(AnnotationQuerySet)):
    def get_by_natural_key(self, uuid):
        return self.get(uuid=uuid)


class Annotation(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="Stable public identifier.")
    # Looked up by annotation_turn_start_idx, which it leads: an index of its own is one more to write.
    turn = models.ForeignKey("corpus_app.Turn", models.PROTECT, related_name="annotations", db_index=False)
    start = models.PositiveIntegerField(help_text="Offset of the first character in the turn's text.")
    end = models.PositiveIntegerField(help_text="Offset just past the last character.")
    quote = models.TextField(help_text="The exact text between start and end.")
    prefix = models.CharField(max_length=64, blank=True, help_text="Text just before the passage.")
    suffix = models.CharField(max_length=64, blank=True, help_text="Text just after the passage.")
    topics = models.ManyToManyField(Topic, blank=True, related_name="annotations")
    polarity = models.CharField(max_length=10, choices=Polarity.choices, blank=True)
    target = models.ForeignKey(Target, models.PROTECT, null=True, blank=True, related_name="annotations")
    note = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="annotations")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, help_text="Raised on every change; guards against lost updates.")
    anchor_status = models.CharField(
        max_length=10,
        choices=AnchorStatus.choices,
        default=AnchorStatus.ANCHORED,
        help_text="How the passage was found again when a new edition of its document was imported; "
        "an orphaned one stays on the old edition's turn.",
    )
    anchor_score = models.FloatField(null=True, blank=True, help_text="Confidence of the last re-anchoring, 0–1.")

    # The history is read by annotation (its id) and date, an entry's topics by the entry; the other
    # columns' indexes (here and in the topics' history) cost every write, one entry per imported
    # annotation, and serve no query.
    history = HistoricalRecords(
        m2m_fields=[topics], no_db_index=["uuid", "turn", "target", "author", "annotation", "topic"]
    )
    objects = AnnotationManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["turn", "start"], name="annotation_turn_start_idx"),
            # The listing's order with its tie-breaker: pages by keyset, and OFFSET walks the index alone.
            models.Index(fields=["-created_at", "-id"], name="annotation_created_id_idx"),
            # With the id in the index, a stance filter joins the topic filter from the index alone.
            models.Index(fields=["polarity", "target", "id"], name="annotation_stance_id_idx"),
            # The dashboard's latest annotations: without it, every annotation read and sorted.
            models.Index(fields=["-updated_at", "-id"], name="annotation_updated_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="annotation_start_before_end"),
            models.CheckConstraint(condition=Q(start__gte=0), name="annotation_start_not_negative"),
            models.CheckConstraint(
                condition=Q(polarity="") | Q(polarity__in=Polarity.values), name="annotation_polarity_valid"
            ),
            # A stance is a polarity toward a target: both or neither.
            models.CheckConstraint(
                condition=(Q(polarity="") & Q(target__isnull=True)) | (~Q(polarity="") & Q(target__isnull=False)),
                name="annotation_stance_complete",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="annotation_version_positive"),
            models.CheckConstraint(
                condition=Q(anchor_status__in=AnchorStatus.values), name="annotation_anchor_status_valid"
            ),
        ]

    def __str__(self):
        # The turn's position, as the reading view's links (#turn-0) count it, not its database id.
        return f"“{self.quote[:60]}” in turn {self.turn.position}"

    def get_absolute_url(self):
        return reverse("annotations:document-detail", args=[self.turn.document_id]) + f"#annotation-{self.pk}"

    def natural_key(self):
        return (str(self.uuid),)

    natural_key.dependencies = ["corpus_app.turn", "annotations.topic", "annotations.target"]

    @property
    def has_stance(self):
        return bool(self.polarity)


def claim_queue_rank():
    """The review queue's first sort key: unverified claims (0), then in review (1), then ruled (2).

    The same expression is indexed (``claim_queue_idx``), so the queue's first page and deep pages
    are read in index order rather than by sorting every claim on each view.
    """
    return models.Case(
        models.When(status=ClaimStatus.UNVERIFIED, then=models.Value(0)),
        models.When(status=ClaimStatus.IN_REVIEW, then=models.Value(1)),
        default=models.Value(2),
        output_field=models.IntegerField(),
    )


class ClaimQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=ClaimStatus.open_values())

    def for_review_list(self):
        return self.select_related(
            "annotation__turn__document", "annotation__turn__speaker", "annotation__author", "reviewer"
        )


class ClaimManager(models.Manager.from_queryset(ClaimQuerySet)):
    def get_by_natural_key(self, annotation_uuid):
        return self.get(annotation__uuid=annotation_uuid)


class ClaimGroup(models.Model):
    """Copies of the same claim in several places (editions, later statements): one verdict for all."""

    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Claim group {self.pk}"


class Claim(models.Model):
    annotation = models.OneToOneField(Annotation, models.CASCADE, related_name="claim")
    group = models.ForeignKey(
        ClaimGroup,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims",
        help_text="The same claim elsewhere in the corpus; a verdict applies to every claim of the group.",
    )
    status = models.CharField(max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.UNVERIFIED)
    rationale = models.TextField(blank=True, help_text="Why the reviewer reached the verdict.")
    evidence = models.JSONField(default=list, blank=True, help_text="Links to the sources that back the verdict.")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="reviewed_claims"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()
    objects = ClaimManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("review_claim", "Can set a verdict on a claim")]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="claim_status_created_idx"),
            models.Index(claim_queue_rank(), F("created_at").desc(), F("id").desc(), name="claim_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            # A verdict always records who gave it.
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.open_values()) | Q(reviewer__isnull=False),
                name="claim_verdict_has_reviewer",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="claim_version_positive"),
        ]

    def __str__(self):
        return f"{self.get_status_display()} claim on annotation {self.annotation_id}"

    def natural_key(self):
        return self.annotation.natural_key()

    natural_key.dependencies = ["annotations.annotation"]

    @property
    def is_open(self):
        return self.status in ClaimStatus.open_values()
