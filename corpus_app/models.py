from django.db import models
from django.db.models import F, Q
from django.urls import reverse

# The reading view shows a long transcript a page of this many turns at a time (with the
# annotations of those turns): a 5 MB text is thousands of turns, tens of megabytes on one page.
READING_PAGE_TURNS = 200


class SpeakerKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"
    GROUP = "group", "Unnamed group or role"


class DocumentKind(models.TextChoices):
    TRANSCRIPT = "transcript", "Transcript"
    ARTICLE = "article", "Article"


class SourceFormat(models.TextChoices):
    TEXT = "text", "Plain text"
    MARKDOWN = "markdown", "Markdown"
    HTML = "html", "HTML page"
    DOCX = "docx", "Word document (DOCX)"
    PDF = "pdf", "PDF"


class TurnKind(models.TextChoices):
    REMARKS = "remarks", "Remarks"
    QUESTION = "question", "Question"
    ANSWER = "answer", "Answer"
    NARRATION = "narration", "Narration"
    QUOTE = "quote", "Quote"
    EDITORIAL_NOTE = "editorial_note", "Editorial note"


class SpeakerQuerySet(models.QuerySet):
    def alias_map(self):
        """Every name variant a text may use, lower-cased, to its canonical speaker name."""
        mapping = {name.lower(): name for name in self.values_list("name", flat=True)}
        for alias, name in SpeakerAlias.objects.values_list("alias", "speaker__name"):
            mapping[alias.lower()] = name
        return mapping


class SpeakerManager(models.Manager.from_queryset(SpeakerQuerySet)):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Speaker(models.Model):
    name = models.CharField(max_length=200, unique=True, help_text="Canonical name, e.g. “Sergey Lavrov”.")
    kind = models.CharField(max_length=20, choices=SpeakerKind.choices, default=SpeakerKind.PERSON)
    role = models.CharField(max_length=200, blank=True, help_text="e.g. “Minister of Foreign Affairs”.")
    affiliation = models.CharField(max_length=200, blank=True, help_text="e.g. “Russian Federation”.")

    objects = SpeakerManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SpeakerKind.values), name="speaker_kind_valid"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("corpus:speaker-detail", args=[self.pk])

    def natural_key(self):
        return (self.name,)


class SpeakerAliasManager(models.Manager):
    def get_by_natural_key(self, alias):
        return self.get(alias=alias)


class SpeakerAlias(models.Model):
    speaker = models.ForeignKey(Speaker, models.CASCADE, related_name="aliases")
    alias = models.CharField(
        max_length=200,
        unique=True,
        help_text="A label or name as texts write it (“SL”, “Lavrov”, “Sergei Lavrov”). Matched ignoring case.",
    )

    objects = SpeakerAliasManager()

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "speaker aliases"

    def __str__(self):
        return f"{self.alias} → {self.speaker.name}"

    def natural_key(self):
        return (self.alias,)

    natural_key.dependencies = ["corpus_app.speaker"]


class DocumentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)

    def for_list(self):
        # Explicit order: a GROUP BY query drops the Meta ordering, and pagination needs one.
        return self.annotate(turn_count=models.Count("turns")).order_by("-date", "title", "pk")


class DocumentManager(models.Manager.from_queryset(DocumentQuerySet)):
    def get_by_natural_key(self, content_hash):
        return self.get(content_hash=content_hash)


class Document(models.Model):
    title = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=DocumentKind.choices, default=DocumentKind.TRANSCRIPT)
    date = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=200, blank=True, help_text="Publisher or source of the text.")
    author = models.CharField(max_length=200, blank=True, help_text="Byline, for articles.")
    source_name = models.CharField(max_length=255, blank=True, help_text="File name the text was imported from.")
    raw_text = models.TextField(
        help_text="The text the turns were read from: the file itself for plain text and Markdown, "
        "the text extracted from it for HTML, DOCX and PDF."
    )
    content_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the imported bytes.")
    import_warnings = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    replaces = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        help_text="The earlier edition of the same text that this one replaces.",
    )
    is_current = models.BooleanField(
        default=True, help_text="False once a newer edition replaced this one; lists show current editions."
    )

    objects = DocumentManager()

    class Meta:
        ordering = ["-date", "title", "pk"]
        indexes = [
            models.Index(fields=["-date", "title"], name="document_date_title_idx"),
            models.Index(fields=["kind", "-date"], name="document_kind_date_idx"),
            models.Index(fields=["place"], name="document_place_idx"),
            # The importer looks for an earlier edition by file name for every file it reads.
            models.Index(fields=["source_name"], name="document_source_name_idx"),
            # ... and by title and date (then place), for one file or a batch at a time.
            models.Index(fields=["title", "date"], name="document_title_date_idx"),
            # The dashboard's latest imports, and the list sorted by import.
            models.Index(fields=["-imported_at", "-id"], name="document_imported_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"),
            models.CheckConstraint(condition=~Q(replaces=F("pk")), name="document_not_own_edition"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("corpus:document-detail", args=[self.pk])

    def natural_key(self):
        return (self.content_hash,)

    def current_edition(self):
        """The newest edition of this text (itself when current), following the replacements."""
        document, seen = self, {self.pk}
        while not document.is_current:
            newer = Document.objects.filter(replaces=document).first()
            if newer is None or newer.pk in seen:
                break
            seen.add(newer.pk)
            document = newer
        return document

    def earlier_editions(self):
        """The editions this one replaced, newest first."""
        editions, document, seen = [], self, {self.pk}
        while document.replaces_id and document.replaces_id not in seen:
            document = Document.objects.get(pk=document.replaces_id)
            seen.add(document.pk)
            editions.append(document)
        return editions


class DocumentFile(models.Model):
    """The file a document was imported from, byte for byte, and the format it was read as; in
    a table of its own, so that no listing of documents ever reads it.

    A document imported from a UTF-8 text file that is exactly its raw text has no row: its raw
    text is the file (most files imported are such, and are not stored twice).
    """

    document = models.OneToOneField(Document, on_delete=models.CASCADE, primary_key=True, related_name="file")
    format = models.CharField(max_length=20, choices=SourceFormat.choices, default=SourceFormat.TEXT)
    data = models.BinaryField(help_text="The file's bytes exactly as imported.")

    def __str__(self):
        return f"{self.document.source_name or 'file'} ({self.format})"


class TurnQuerySet(models.QuerySet):
    def for_reading(self):
        return self.select_related("speaker").order_by("position")


class TurnManager(models.Manager.from_queryset(TurnQuerySet)):
    def get_by_natural_key(self, content_hash, position):
        return self.get(document__content_hash=content_hash, position=position)


class Turn(models.Model):
    # No index of their own on the two keys: (document, position) and (speaker, document) below
    # serve every lookup by either, and each index more is written for every imported turn.
    document = models.ForeignKey(Document, models.CASCADE, related_name="turns", db_index=False)
    position = models.PositiveIntegerField(help_text="Order within the document, from 0.")
    speaker = models.ForeignKey(Speaker, models.PROTECT, null=True, blank=True, related_name="turns", db_index=False)
    label = models.CharField(max_length=200, blank=True, help_text="The label as written (“Q”, “SL”), if any.")
    kind = models.CharField(max_length=20, choices=TurnKind.choices)
    text = models.TextField()
    source_line = models.PositiveIntegerField(null=True, blank=True, help_text="First line in the raw text.")

    objects = TurnManager()

    class Meta:
        ordering = ["document", "position"]
        indexes = [
            models.Index(fields=["speaker", "document"], name="turn_speaker_document_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="turn_position_unique_in_document"),
            models.CheckConstraint(condition=Q(kind__in=TurnKind.values), name="turn_kind_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="turn_text_not_empty"),
        ]

    def __str__(self):
        who = self.speaker.name if self.speaker_id else self.get_kind_display()
        return f"{who} #{self.position} in document {self.document_id}"

    def get_absolute_url(self):
        # A turn past the first page: the reading view opens the page that holds it.
        query = f"?turn={self.position}" if self.position >= READING_PAGE_TURNS else ""
        return f"{reverse('corpus:document-detail', args=[self.document_id])}{query}#turn-{self.position}"

    def natural_key(self):
        return (*self.document.natural_key(), self.position)

    natural_key.dependencies = ["corpus_app.document", "corpus_app.speaker"]
