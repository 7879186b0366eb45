"""The corpus: documents, their turns and speakers, import batches, and the PostgreSQL search
columns and triggers that keep them searchable. Over 400 lines because each model declares its
triggers and indexes beside its fields (django-pgtrigger), so that each is read in one place."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.urls import reverse
from simple_history.models import HistoricalRecords

# The reading view shows a long transcript a page of this many turns at a time (with the
# annotations of those turns): a 5 MB text is thousands of turns, tens of megabytes on one page.
READING_PAGE_TURNS = 200

#: The full-text search configuration of the turns' search vectors (PostgreSQL).
SEARCH_CONFIG = "english"
#: Turn ids per slice of the search index: a search reads the newest slices first (corpus_app.search).
TURN_ID_SLICE = 100_000


class PostgresGinIndex(GinIndex):
    """A GIN index on PostgreSQL; nothing on other databases (SQLite), where the column stays empty
    and the searches that use it take another way."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return ""
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(self, model, schema_editor, **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return ""
        return super().remove_sql(model, schema_editor, **kwargs)


class SpeakerKind(models.TextChoices):
    PERSON = "person"
    ORGANISATION = "organisation"
    GROUP = "group", "Unnamed group or role"


class DocumentKind(models.TextChoices):
    TRANSCRIPT = "transcript"
    ARTICLE = "article"


class SourceFormat(models.TextChoices):
    TEXT = "text", "Plain text"
    MARKDOWN = "markdown"
    HTML = "html", "HTML page"
    DOCX = "docx", "Word document (DOCX)"
    PDF = "pdf", "PDF"


class TurnKind(models.TextChoices):
    REMARKS = "remarks"
    QUESTION = "question"
    ANSWER = "answer"
    NARRATION = "narration"
    QUOTE = "quote"
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

    # Edits and merges (``annotations.turn_edits``), with who and when; the transcript importer
    # records the speakers it creates too (one row each), never the turns it copies in.
    history = HistoricalRecords()
    objects = SpeakerManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SpeakerKind.values), name="speaker_kind_valid"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("annotations:speaker-detail", args=[self.pk])

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
    # A default in the database too: import_documents writes documents naming only its own columns.
    source_url = models.URLField(
        "source link",
        max_length=2000,
        blank=True,
        default="",
        db_default="",
        help_text="Where the text was published, when its file says.",
    )
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
            # The text filter's title half (title__icontains: UPPER(title) LIKE UPPER('%…%')), from
            # the titles' trigrams (pg_trgm), as corpus_app.filters asks it.
            PostgresGinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="document_title_trgm_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"),
            models.CheckConstraint(condition=~Q(replaces=F("pk")), name="document_not_own_edition"),
        ]
        # A document's words (DocumentLexemes) go with it; not by a foreign key, which would make
        # Django's TRUNCATE of the documents (flush, tests) refuse.
        triggers = [
            pgtrigger.Trigger(
                name="lexemes_forget_deleted",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Delete,
                referencing=pgtrigger.Referencing(old="old_rows"),
                func=(
                    "DELETE FROM corpus_app_document_lexemes WHERE document_id IN (SELECT id FROM old_rows);"
                    " RETURN NULL;"
                ),
            ),
            pgtrigger.Trigger(
                name="lexemes_forget_truncated",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Truncate,
                # Not TRUNCATE: a TRUNCATE of both tables at once (flush) holds the table "in use".
                func="DELETE FROM corpus_app_document_lexemes; RETURN NULL;",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("annotations:document-detail", args=[self.pk])

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


#: The union of tsvectors without their positions, an aggregate (PostgreSQL, migration 0020): by
#: tsvector's own ``||``, a third of the time of unnesting every lexeme into an array and back.
LEXEMES_UNION = "corpus_app_lexemes_union"


def _lexemes_of_turns(turns: str, condition: str = "") -> str:
    """The words of ``turns`` (a table of turns), one row (document_id, lexemes) per document."""
    where = f"search_vector IS NOT NULL AND {condition}" if condition else "search_vector IS NOT NULL"
    return f"SELECT document_id, {LEXEMES_UNION}(strip(search_vector)) FROM {turns} WHERE {where} GROUP BY document_id"


class SearchVectorInserted(pgtrigger.UpdateSearchVector):
    """A new row's search vector by PostgreSQL's own trigger function, ``tsvector_update_trigger``
    (C): for one text column, the same vector as ``to_tsvector`` of it, without a PL/pgSQL call
    per turn (and pgtrigger's check for ignored triggers, a subtransaction, in each). On insert
    only, and only when no vector is given; edits keep the PL/pgSQL trigger, which also
    recomputes a vector set to NULL."""

    def __init__(self, *, condition, **kwargs):
        super().__init__(**kwargs)
        self.operation, self.condition = pgtrigger.Insert, condition


class TurnQuerySet(models.QuerySet):
    def readable(self):
        """The turns readers see: without those an editor marked as page noise (kept, restorable)."""
        return self.filter(is_noise=False)

    def for_reading(self):
        return self.readable().select_related("speaker").order_by("position")


class TurnManager(models.Manager.from_queryset(TurnQuerySet)):
    def get_queryset(self):
        # The search vector is read by searches only, through the column itself (corpus_app.search).
        return super().get_queryset().defer("search_vector")

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
    # Defaults in the database too: the importers write turns with COPY, naming only their columns.
    version = models.PositiveIntegerField(
        default=1, db_default=1, help_text="Raised on every edit; guards against lost updates."
    )
    is_noise = models.BooleanField(
        "page noise",
        default=False,
        db_default=False,
        help_text="Page furniture the importer took for speech: hidden from reading, listings, exports, search "
        "and counts; kept in the raw text, and restorable.",
    )
    # The text's words for full-text search (PostgreSQL): to_tsvector('english'::regconfig, text), by
    # the triggers below unless the importer gives it (it has the same server compute it ahead, on
    # another connection). Left out of every turn read (TurnManager); empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False, serialize=False)

    # Editors' edits (split, merge, speaker, kind, noise), with who and when; imports write no history.
    history = HistoricalRecords(excluded_fields=["search_vector"])
    objects = TurnManager()

    class Meta:
        ordering = ["document", "position"]
        indexes = [
            models.Index(fields=["speaker", "document"], name="turn_speaker_document_idx"),
            # The few noise turns, for counts that leave them out (empty for most documents).
            models.Index(fields=["document"], condition=Q(is_noise=True), name="turn_noise_idx"),
            # Led by the slice of ids (btree_gin): a search asks one slice at a time, newest first,
            # until it has its candidates, so it reads the matches of those slices only.
            PostgresGinIndex(F("id") / TURN_ID_SLICE, "search_vector", name="turn_slice_search_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="turn_position_unique_in_document"),
            models.CheckConstraint(condition=Q(kind__in=TurnKind.values), name="turn_kind_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="turn_text_not_empty"),
        ]
        triggers = [
            SearchVectorInserted(
                name="search_vector_inserted",
                vector_field="search_vector",
                document_fields=["text"],
                config_name=f"pg_catalog.{SEARCH_CONFIG}",
                condition=pgtrigger.Q(new__search_vector__isnull=True),
            ),
            pgtrigger.Trigger(
                name="search_vector_updated",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf("text", "search_vector"),
                condition=pgtrigger.Condition("NEW.text IS DISTINCT FROM OLD.text OR NEW.search_vector IS NULL"),
                func=f"NEW.search_vector := to_tsvector('{SEARCH_CONFIG}'::regconfig, NEW.text); RETURN NEW;",
            ),
            # Inserted turns add their words to their documents' rows.
            pgtrigger.Trigger(
                name="lexemes_added",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_rows"),
                func=f"""
INSERT INTO corpus_app_document_lexemes AS stored (document_id, lexemes)
{_lexemes_of_turns("new_rows")}
ON CONFLICT (document_id) DO UPDATE SET lexemes = stored.lexemes || EXCLUDED.lexemes;  -- a union: no positions
RETURN NULL;""",
            ),
            # A turn edited or deleted: its document's words are computed again from its turns.
            *[
                pgtrigger.Trigger(
                    name=f"lexemes_refreshed_{event}",
                    level=pgtrigger.Statement,
                    when=pgtrigger.After,
                    operation=operation,
                    referencing=referencing,
                    declare=[("documents", "bigint[]")],
                    func=f"""
documents := ARRAY(SELECT DISTINCT document_id FROM {rows});
DELETE FROM corpus_app_document_lexemes WHERE document_id = ANY(documents);
INSERT INTO corpus_app_document_lexemes (document_id, lexemes)
{_lexemes_of_turns("corpus_app_turn", "document_id = ANY(documents)")};
RETURN NULL;""",
                )
                for event, operation, referencing, rows in [
                    ("update", pgtrigger.Update, pgtrigger.Referencing(new="new_rows"), "new_rows"),
                    ("delete", pgtrigger.Delete, pgtrigger.Referencing(old="old_rows"), "old_rows"),
                ]
            ],
        ]

    def __str__(self):
        who = self.speaker.name if self.speaker_id else self.get_kind_display()
        return f"{who} #{self.position} in document {self.document_id}"

    def get_absolute_url(self):
        # A turn past the first page: the reading view opens the page that holds it.
        query = f"?turn={self.position}" if self.position >= READING_PAGE_TURNS else ""
        return f"{reverse('annotations:document-detail', args=[self.document_id])}{query}#turn-{self.position}"

    def natural_key(self):
        return (*self.document.natural_key(), self.position)

    natural_key.dependencies = ["corpus_app.document", "corpus_app.speaker"]


class ImportBatchStatus(models.TextChoices):
    STAGED = "staged", "Awaiting preview"
    QUEUED = "queued"
    RUNNING = "running", "Importing"
    DONE = "done"
    FAILED = "failed", "Stopped by an error"


class ImportBatchQuerySet(models.QuerySet):
    def expired(self):
        """Batches never saved from their preview, past their expiry: their files' bytes are dropped."""
        from django.utils import timezone

        return self.filter(status=ImportBatchStatus.STAGED, expires_at__lt=timezone.now())

    def for_import_page(self):
        """The latest batches, newest first, as the import page lists them."""
        return self.exclude(status=ImportBatchStatus.STAGED).select_related("created_by").order_by("-created_at")


class ImportBatch(models.Model):
    """Files uploaded together (or named to ``import_transcripts --background``): kept here between
    the preview and the save, and the progress of their import in the background."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(help_text="An unsaved preview is dropped after this.")
    status = models.CharField(max_length=20, choices=ImportBatchStatus.choices, default=ImportBatchStatus.STAGED)
    background = models.BooleanField(default=False, help_text="Imported by the task worker rather than the page.")
    publisher = models.CharField(max_length=200, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0, help_text="Files whose outcome is known.")
    task_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True, help_text="Why the batch stopped, if it did.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="importbatch_status_expiry_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportBatchStatus.values), name="importbatch_status_valid"),
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="importbatch_done_within_total"),
        ]

    def __str__(self):
        return f"Import batch {self.pk} ({self.done}/{self.total})"

    def get_absolute_url(self):
        return reverse("corpus:import-batch", args=[self.pk])

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total

    @property
    def finished(self) -> bool:
        return self.status in (ImportBatchStatus.DONE, ImportBatchStatus.FAILED)


class ImportOutcome(models.TextChoices):
    PENDING = "pending", "Waiting"
    IMPORTED = "imported"
    NEW_EDITION = "new_edition", "Imported as a new edition"
    SKIPPED = "skipped", "Identical file already imported"
    FAILED = "failed", "Not imported"
    LEFT_OUT = "left_out", "Left out in the preview"


class ImportFile(models.Model):
    """One file of a batch: its bytes until it is imported, the editor's preview edits, its outcome."""

    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="files")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=500, help_text="As uploaded: the path inside the .zip, or the file name.")
    data = models.BinaryField(blank=True, help_text="The file's bytes; emptied once it is imported.")
    size = models.PositiveBigIntegerField(default=0)
    edits = models.JSONField(default=dict, blank=True, help_text="Title, date, place, kind and turns as edited.")
    outcome = models.CharField(max_length=20, choices=ImportOutcome.choices, default=ImportOutcome.PENDING)
    message = models.TextField(blank=True, help_text="Why it was not imported, or what the import did.")
    document = models.ForeignKey(Document, models.SET_NULL, null=True, blank=True, related_name="+")
    replaced = models.ForeignKey(Document, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="importfile_position_unique_in_batch"),
            models.CheckConstraint(condition=Q(outcome__in=ImportOutcome.values), name="importfile_outcome_valid"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_outcome_display()})"

    @property
    def file_name(self) -> str:
        """The name the importer records (and recognises editions by): the last part of the path."""
        return self.name.rsplit("/", 1)[-1]


class DocumentLexemes(models.Model):
    """Every word of a document's turns (the lexemes of their search vectors, without positions), in
    one GIN-indexed row per document (PostgreSQL), kept by the turns' triggers.

    The documents list's text filter asks it which documents hold a word: asked of a million turns,
    a common word took a second a page; asked of twenty thousand documents, through the index, a
    few milliseconds (``corpus_app.filters``). Empty on SQLite, where the filter reads the turns.
    """

    document = models.OneToOneField(
        Document, models.DO_NOTHING, primary_key=True, db_constraint=False, related_name="+"
    )  # deleted with it by its trigger: a foreign key would make TRUNCATE of the documents refuse
    lexemes = SearchVectorField()

    class Meta:
        db_table = "corpus_app_document_lexemes"
        verbose_name_plural = "document lexemes"
        indexes = [PostgresGinIndex(fields=["lexemes"], name="document_lexemes_idx")]

    def __str__(self):
        return f"words of document {self.document_id}"
