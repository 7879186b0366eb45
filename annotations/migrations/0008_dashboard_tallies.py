"""The dashboard's counts, kept by the database as the annotations change (PostgreSQL).

The dashboard was cached until the next write, and the first view after any annotation was
written counted again every annotation per topic, stance and status: 300 ms at 250,000
annotations, and more as the corpus grows. Statement triggers now add the change of each count
to ``annotations_dashboardtally`` (one row per count and statement; ``DashboardTally`` says what
the rows are), and the dashboard sums them.

- **Annotations** (insert, update, delete): their number, their stances, their hour of creation.
  An update adds rows only for the counts it changed (old rows count -1, new ones +1, and what
  nets to zero is left out).
- **Topic tags**: annotations per top-level topic, each annotation once however many topics of
  the subtree it has. For the annotations a statement touched, the roots of their tags after
  the statement are compared with the roots before (the tags now, less those inserted, plus
  those deleted). A topic in a loop of parents has no root and counts nowhere, as on the
  dashboard before.
- **Topics**: moving one under another parent changes roots, so every topic count is made again,
  with the tags locked meanwhile (a rare edit in the admin: about a second at 250,000
  annotations).
- **Claims**: claims per status.
- **Documents and turns**: their numbers (inserted and deleted rows; the importer's ``COPY`` of a
  file's turns adds one row). Counting a million turns took 40 ms and more as the corpus grows.
- **TRUNCATE** of any of them forgets the counts it held.

The table is filled from the data already there. On SQLite nothing is created: the dashboard
counts from the tables there (a small corpus, one writer). Reversing drops the triggers and
their functions (the table goes with the model).
"""

from functools import partial

from django.db import migrations, models

TALLY = "annotations_dashboardtally"
ANNOTATIONS = "annotations_annotation"
TAGS = "annotations_annotation_topics"
TOPICS = "annotations_topic"
CLAIMS = "annotations_claim"
DOCUMENTS = "corpus_app_document"
TURNS = "corpus_app_turn"

# Each topic with its top-level topic; topics in a loop of parents are not reached from a root.
TREE = f"""tree (id, root) AS (
    SELECT id, id FROM {TOPICS} WHERE parent_id IS NULL
    UNION ALL SELECT topic.id, tree.root FROM {TOPICS} topic JOIN tree ON topic.parent_id = tree.id
)"""


def annotation_changes(rows, sign):
    return f"""SELECT 'annotations' AS kind, '' AS key, {sign} AS n FROM {rows}
        UNION ALL SELECT 'stance', target_id || ':' || polarity, {sign} FROM {rows} WHERE polarity <> ''
        UNION ALL SELECT 'hour', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'), {sign} FROM {rows}"""


def row_count(kind, rows, sign):
    return f"SELECT '{kind}' AS kind, '' AS key, {sign} AS n FROM {rows}"


def claim_changes(rows, sign):
    return f"SELECT 'claims' AS kind, status AS key, {sign} AS n FROM {rows}"


def insert_net(changes):
    return f"""INSERT INTO {TALLY} (kind, key, n)
        SELECT kind, key, SUM(n) FROM ({changes}) AS change GROUP BY kind, key HAVING SUM(n) <> 0;"""


def topic_changes(touched, tags_before):
    return f"""WITH RECURSIVE {TREE},
    touched AS ({touched}),
    tags_now AS (SELECT tag.annotation_id, tag.topic_id FROM {TAGS} tag JOIN touched USING (annotation_id)),
    tags_before AS ({tags_before}),
    roots AS (
        SELECT DISTINCT annotation_id, root, 1 AS n FROM tags_now JOIN tree ON tree.id = topic_id
        UNION ALL
        SELECT DISTINCT annotation_id, root, -1 FROM tags_before JOIN tree ON tree.id = topic_id
    )
    INSERT INTO {TALLY} (kind, key, n)
    SELECT 'topic', root::text, SUM(n) FROM roots GROUP BY root HAVING SUM(n) <> 0;"""


def by_operation(insert, delete, update):
    return f"""BEGIN
    IF TG_OP = 'INSERT' THEN
        {insert}
    ELSIF TG_OP = 'DELETE' THEN
        {delete}
    ELSE
        {update or "NULL;"}
    END IF;
    RETURN NULL;
END"""


def kept_by_operation(changes, *, updates=True):
    """A trigger function for counts that ``changes(rows, sign)`` gives: rows inserted add, rows
    deleted take away, and an update does both (unless ``updates`` is false: it changes no count)."""
    return by_operation(
        insert_net(changes("new_rows", 1)),
        insert_net(changes("old_rows", -1)),
        insert_net(changes("new_rows", 1) + " UNION ALL " + changes("old_rows", -1)) if updates else "",
    )


FUNCTIONS = {
    "annotations_tally_annotations": kept_by_operation(annotation_changes),
    "annotations_tally_claims": kept_by_operation(claim_changes),
    # Documents and turns are only added and deleted as far as their numbers go.
    "annotations_tally_documents": kept_by_operation(partial(row_count, "documents"), updates=False),
    "annotations_tally_turns": kept_by_operation(partial(row_count, "turns"), updates=False),
    "annotations_tally_tags": by_operation(
        topic_changes(
            "SELECT DISTINCT annotation_id FROM new_rows",
            "SELECT annotation_id, topic_id FROM tags_now EXCEPT SELECT annotation_id, topic_id FROM new_rows",
        ),
        topic_changes(
            "SELECT DISTINCT annotation_id FROM old_rows",
            "SELECT annotation_id, topic_id FROM tags_now UNION SELECT annotation_id, topic_id FROM old_rows",
        ),
        topic_changes(
            "SELECT annotation_id FROM new_rows UNION SELECT annotation_id FROM old_rows",
            "(SELECT annotation_id, topic_id FROM tags_now EXCEPT SELECT annotation_id, topic_id FROM new_rows) "
            "UNION SELECT annotation_id, topic_id FROM old_rows",
        ),
    ),
    "annotations_tally_topics_moved": """BEGIN
    IF EXISTS (
        SELECT 1 FROM old_rows JOIN new_rows ON new_rows.id = old_rows.id
        WHERE new_rows.parent_id IS DISTINCT FROM old_rows.parent_id
    ) THEN
        PERFORM annotations_tally_count_topics();
    END IF;
    RETURN NULL;
END""",
    # TRUNCATE: its arguments are the kinds of count the table held.
    "annotations_tally_forget": f"""BEGIN
    DELETE FROM {TALLY} WHERE kind = ANY (TG_ARGV);
    RETURN NULL;
END""",
}

# Counted again from the tables: the topics after a move, everything when the table is filled.
COUNT_TOPICS = f"""BEGIN
    -- Writers of tags wait until the counts are made again (and this waits for those under way).
    LOCK TABLE {TAGS} IN SHARE MODE;
    DELETE FROM {TALLY} WHERE kind = 'topic';
    WITH RECURSIVE {TREE}
    INSERT INTO {TALLY} (kind, key, n)
    SELECT 'topic', root::text, COUNT(DISTINCT annotation_id) FROM {TAGS} JOIN tree ON tree.id = topic_id
    GROUP BY root;
END"""

COUNT_ALL = f"""BEGIN
    LOCK TABLE {ANNOTATIONS}, {CLAIMS}, {DOCUMENTS}, {TURNS} IN SHARE MODE;
    DELETE FROM {TALLY} WHERE kind <> 'topic';
    {insert_net(annotation_changes(ANNOTATIONS, 1))}
    {insert_net(claim_changes(CLAIMS, 1))}
    {insert_net(row_count("documents", DOCUMENTS, 1))}
    {insert_net(row_count("turns", TURNS, 1))}
    PERFORM annotations_tally_count_topics();
END"""

TRANSITION_TABLES = {
    "INSERT": "NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def triggers(prefix, table, function, kinds, events=("INSERT", "DELETE", "UPDATE")):
    """(name, table, event, transition tables, function, arguments) of a table's triggers: one per
    event (a trigger with transition tables has one event), and one for TRUNCATE that forgets the
    ``kinds`` of count the table held."""
    found = [(f"{prefix}_tally_{event.lower()}", table, event, TRANSITION_TABLES[event], function, "") for event in events]
    if kinds:
        forgotten = ", ".join(f"'{kind}'" for kind in kinds)
        found.append((f"{prefix}_tally_truncate", table, "TRUNCATE", "", "annotations_tally_forget", forgotten))
    return found


TRIGGERS = [
    *triggers("annotations", ANNOTATIONS, "annotations_tally_annotations", ["annotations", "stance", "hour"]),
    *triggers("tags", TAGS, "annotations_tally_tags", ["topic"]),
    *triggers("topics", TOPICS, "annotations_tally_topics_moved", [], events=["UPDATE"]),
    *triggers("claims", CLAIMS, "annotations_tally_claims", ["claims"]),
    *triggers("documents", DOCUMENTS, "annotations_tally_documents", ["documents"], events=["INSERT", "DELETE"]),
    *triggers("turns", TURNS, "annotations_tally_turns", ["turns"], events=["INSERT", "DELETE"]),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, body in [
        ("annotations_tally_count_topics", COUNT_TOPICS),
        ("annotations_tally_count_all", COUNT_ALL),
    ]:
        schema_editor.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS void LANGUAGE plpgsql AS $${body}$$")
    for name, body in FUNCTIONS.items():
        schema_editor.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
    for name, table, event, transition, function, arguments in TRIGGERS:
        referencing = f"REFERENCING {transition} " if transition else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}({arguments})"
        )
    schema_editor.execute("SELECT annotations_tally_count_all()")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, *_ in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for name in [*FUNCTIONS, "annotations_tally_count_all", "annotations_tally_count_topics"]:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0007_latest_annotations_index"),
        ("corpus_app", "0012_turn_search_by_id_slices"),
    ]

    operations = [
        migrations.CreateModel(
            name="DashboardTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=12)),
                ("key", models.CharField(blank=True, max_length=40)),
                ("n", models.BigIntegerField()),
            ],
            options={
                "indexes": [models.Index(fields=["kind", "key"], name="dashboard_tally_kind_key_idx")],
            },
        ),
        migrations.RunPython(create, drop),
    ]
