"""The dashboard's kept counts: a table of changes, and the PostgreSQL triggers that write it.

Counting 250,000 annotations per topic, stance and status on every view after a write took
300 ms and grew with the corpus. Instead, statement triggers on the annotations, their topic
tags, the topics and the claims add the change of each count to ``DashboardTally`` (one row per
count and statement), and the dashboard sums them (``dashboard.counts.KeptCounts``). The
triggers are declared on proxy models of the annotations' models, so that they live, and are
migrated, with the dashboard. On SQLite there are no triggers: the dashboard counts the tables
(``dashboard.counts.TableCounts``). The documents and turns are counted from their tables, once
per change of the corpus (the figures are cached until it changes).

Each trigger's body is the SQL below: a head naming the rows a statement changed (``changed``,
with ``sign`` +1 for rows inserted, -1 for rows deleted, both for an update) and the tail that
turns them into counts. A ``TRUNCATE`` forgets the counts of its table.
"""

import pgtrigger
from django.db import models

from annotations.models import Annotation, Claim, Topic

TALLY_TABLE = "dashboard_tally"

ANNOTATION_COUNTS = """
INSERT INTO dashboard_tally (kind, key, n)
SELECT kind, key, SUM(sign) FROM (
    SELECT 'annotations' AS kind, '' AS key, sign FROM changed
    UNION ALL SELECT 'stance', target_id || ':' || polarity, sign FROM changed WHERE polarity <> ''
    UNION ALL SELECT 'hour', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'), sign FROM changed
) AS change
GROUP BY kind, key HAVING SUM(sign) <> 0;
RETURN NULL;"""

CLAIM_COUNTS = """
INSERT INTO dashboard_tally (kind, key, n)
SELECT 'claims', status, SUM(sign) FROM changed GROUP BY status HAVING SUM(sign) <> 0;
RETURN NULL;"""

# Annotations per top-level topic, each annotation once however many topics of the subtree it has,
# after a head "WITH RECURSIVE inserted AS (…), deleted AS (…),": the tags a statement inserted and deleted.
# For the annotations a statement touched, the roots of their tags now are compared with those
# before it (the tags now, less those inserted, plus those deleted). A topic in a loop of parents
# is not reached from a root and counts nowhere.
TOPIC_COUNTS = """
tree (id, root) AS (
    SELECT id, id FROM annotations_topic WHERE parent_id IS NULL
    UNION ALL SELECT topic.id, tree.root FROM annotations_topic topic JOIN tree ON topic.parent_id = tree.id
),
touched AS (SELECT annotation_id FROM inserted UNION SELECT annotation_id FROM deleted),
tags_now AS (
    SELECT tag.annotation_id, tag.topic_id FROM annotations_annotation_topics tag JOIN touched USING (annotation_id)
),
tags_before AS (
    (SELECT annotation_id, topic_id FROM tags_now EXCEPT SELECT annotation_id, topic_id FROM inserted)
    UNION SELECT annotation_id, topic_id FROM deleted
),
roots AS (
    SELECT DISTINCT annotation_id, root, 1 AS sign FROM tags_now JOIN tree ON tree.id = topic_id
    UNION ALL SELECT DISTINCT annotation_id, root, -1 FROM tags_before JOIN tree ON tree.id = topic_id
)
INSERT INTO dashboard_tally (kind, key, n)
SELECT 'topic', root::text, SUM(sign) FROM roots GROUP BY root HAVING SUM(sign) <> 0;
RETURN NULL;"""

# A topic moved under another parent changes roots: every topic count is made again, with the tags
# locked meanwhile (a rare edit in the admin: about a second at 250,000 annotations).
TOPICS_RECOUNTED = """
IF EXISTS (
    SELECT FROM old_rows JOIN new_rows USING (id) WHERE new_rows.parent_id IS DISTINCT FROM old_rows.parent_id
) THEN
    LOCK TABLE annotations_annotation_topics IN SHARE MODE;
    DELETE FROM dashboard_tally WHERE kind = 'topic';
    WITH RECURSIVE tree (id, root) AS (
        SELECT id, id FROM annotations_topic WHERE parent_id IS NULL
        UNION ALL SELECT topic.id, tree.root FROM annotations_topic topic JOIN tree ON topic.parent_id = tree.id
    )
    INSERT INTO dashboard_tally (kind, key, n)
    SELECT 'topic', root::text, COUNT(DISTINCT annotation_id)
    FROM annotations_annotation_topics JOIN tree ON tree.id = topic_id GROUP BY root;
END IF;
RETURN NULL;"""


def _after_statement(name, operation, func):
    """A trigger run once after each statement of ``operation``, with ``func`` as its body, which sees
    the rows the statement inserted as ``new_rows`` and those it deleted as ``old_rows`` (an update: both)."""
    old = "old_rows" if operation in (pgtrigger.Delete, pgtrigger.Update) else None
    new = "new_rows" if operation in (pgtrigger.Insert, pgtrigger.Update) else None
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=pgtrigger.Referencing(old=old, new=new) if old or new else None,
        func=func,
    )


def _forgotten(name, kinds):
    """A TRUNCATE of the table forgets the counts it held."""
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    return _after_statement(
        name, pgtrigger.Truncate, f"DELETE FROM dashboard_tally WHERE kind IN ({listed}); RETURN NULL;"
    )


class DashboardTally(models.Model):
    """A change to one of the dashboard's counts, written by the database's triggers (PostgreSQL only).

    - ``annotations``: their number; ``stance`` (``key`` "target:polarity"); ``topic`` (``key``
      the top-level topic's id); ``hour`` of creation in UTC (``key`` "YYYY-MM-DDTHH");
    - ``claims`` per status (``key``).

    A count is the sum of its rows, so writers only ever insert, and never wait on each other for
    a shared counter; the dashboard sums the rows and now and then folds them into one per count.
    """

    kind = models.CharField(max_length=12)
    key = models.CharField(max_length=40, blank=True)
    n = models.BigIntegerField()

    class Meta:
        db_table = TALLY_TABLE
        indexes = [models.Index(fields=["kind", "key"], name="dashboard_tally_kind_key_idx")]

    def __str__(self):
        return f"{self.kind} {self.key}: {self.n:+d}"


class CountedAnnotation(Annotation):
    """The annotations, with the triggers that keep their counts."""

    class Meta:
        proxy = True
        triggers = [
            _after_statement(
                "tally_annotations_inserted",
                pgtrigger.Insert,
                "WITH changed AS (SELECT created_at, target_id, polarity, 1 AS sign FROM new_rows)" + ANNOTATION_COUNTS,
            ),
            _after_statement(
                "tally_annotations_deleted",
                pgtrigger.Delete,
                "WITH changed AS (SELECT created_at, target_id, polarity, -1 AS sign FROM old_rows)"
                + ANNOTATION_COUNTS,
            ),
            _after_statement(
                "tally_annotations_updated",
                pgtrigger.Update,
                "WITH changed AS (SELECT created_at, target_id, polarity, 1 AS sign FROM new_rows"
                " UNION ALL SELECT created_at, target_id, polarity, -1 FROM old_rows)" + ANNOTATION_COUNTS,
            ),
            _forgotten("tally_annotations_truncated", ["annotations", "stance", "hour"]),
        ]


class CountedClaim(Claim):
    """The claims, with the triggers that keep their counts per status."""

    class Meta:
        proxy = True
        triggers = [
            _after_statement(
                "tally_claims_inserted",
                pgtrigger.Insert,
                "WITH changed AS (SELECT status, 1 AS sign FROM new_rows)" + CLAIM_COUNTS,
            ),
            _after_statement(
                "tally_claims_deleted",
                pgtrigger.Delete,
                "WITH changed AS (SELECT status, -1 AS sign FROM old_rows)" + CLAIM_COUNTS,
            ),
            _after_statement(
                "tally_claims_updated",
                pgtrigger.Update,
                "WITH changed AS (SELECT status, 1 AS sign FROM new_rows"
                " UNION ALL SELECT status, -1 FROM old_rows)" + CLAIM_COUNTS,
            ),
            _forgotten("tally_claims_truncated", ["claims"]),
        ]


NO_TAGS = "SELECT annotation_id, topic_id FROM annotations_annotation_topics WHERE false"


class CountedTopicTag(Annotation.topics.through):
    """The annotations' topic tags, with the triggers that keep the counts per top-level topic."""

    class Meta:
        proxy = True
        triggers = [
            _after_statement(
                "tally_tags_inserted",
                pgtrigger.Insert,
                "WITH RECURSIVE inserted AS (SELECT annotation_id, topic_id FROM new_rows),"
                f" deleted AS ({NO_TAGS}),{TOPIC_COUNTS}",
            ),
            _after_statement(
                "tally_tags_deleted",
                pgtrigger.Delete,
                f"WITH RECURSIVE inserted AS ({NO_TAGS}),"
                f" deleted AS (SELECT annotation_id, topic_id FROM old_rows),{TOPIC_COUNTS}",
            ),
            _after_statement(
                "tally_tags_updated",
                pgtrigger.Update,
                "WITH RECURSIVE inserted AS (SELECT annotation_id, topic_id FROM new_rows),"
                f" deleted AS (SELECT annotation_id, topic_id FROM old_rows),{TOPIC_COUNTS}",
            ),
            _forgotten("tally_tags_truncated", ["topic"]),
        ]


class CountedTopic(Topic):
    """The topics, with the trigger that counts every topic again when one moves."""

    class Meta:
        proxy = True
        triggers = [
            _after_statement("tally_topics_moved", pgtrigger.Update, TOPICS_RECOUNTED),
        ]
