"""Builds fixtures/topics.json, targets.json and demo_annotations.json from annotations/seed.toml.

Runs inside ``build_fixtures`` after the corpus was imported, in a throwaway transaction:
the demo annotations are made through the same services editors use, then dumped.
"""

import datetime
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from annotations import seed
from annotations.models import Annotation, Claim, ClaimStatus, Target, Topic
from annotations.services import annotation_create, claim_set_status
from corpus_app.fixture_builder import dump_fixture
from corpus_app.models import Turn
from desk.text import truncate_chars

FIXTURE_TIME = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
UUID_NAMESPACE = uuid.UUID("6f1c2d7e-4b8a-4f0e-9a51-0d3c8e2b7a10")


class SeedError(Exception):
    pass


def seed_topics_and_targets():
    """Create the seed's topics and targets that are missing; one already there stays as editors left it."""
    by_slug = {}
    for topic in seed.TOPICS:  # parents are listed before children
        slug, parent = topic["slug"], by_slug.get(topic.get("parent"))
        defaults = {"name": topic["name"], "parent": parent, "description": topic["description"]}
        by_slug[slug], _ = Topic.objects.get_or_create(slug=slug, defaults=defaults)
    for target in seed.TARGETS:
        Target.objects.get_or_create(slug=target["slug"], defaults={"name": target["name"], "kind": target["kind"]})


def _demo_user(username, role):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.set([Group.objects.get(name=role)])
    return user


def _find_passage(source, quote):
    for turn in Turn.objects.filter(document__source_name=source).order_by("position"):
        start = turn.text.find(quote)
        if start >= 0:
            return turn, start
    raise SeedError(f"{source}: the demo quote “{truncate_chars(quote, 60)}” is in no turn")


def seed_demo_annotations():
    editor = _demo_user(seed.DEMO_EDITOR, "Editor")
    reviewer = _demo_user(seed.DEMO_REVIEWER, "Reviewer")
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    targets = {target.slug: target for target in Target.objects.all()}
    for number, entry in enumerate(seed.DEMO_ANNOTATIONS):
        turn, start = _find_passage(entry["source"], entry["quote"])
        polarity, target_slug = entry.get("stance") or ("", None)
        claim = entry.get("claim")
        annotation = annotation_create(
            user=editor,
            turn=turn,
            start=start,
            end=start + len(entry["quote"]),
            quote=entry["quote"],
            topics=[topics[slug] for slug in entry["topics"]],
            polarity=polarity,
            target=targets[target_slug] if target_slug else None,
            claim=bool(claim),
            note=entry.get("note", ""),
        )
        # Stable identifiers and times, so rebuilding gives the same fixture.
        created = FIXTURE_TIME + datetime.timedelta(minutes=10 * number)
        Annotation.objects.filter(pk=annotation.pk).update(
            uuid=uuid.uuid5(UUID_NAMESPACE, f"{entry['source']}:{entry['quote']}"),
            created_at=created,
            updated_at=created,
        )
        if claim and claim["status"] != ClaimStatus.UNVERIFIED:
            claim_set_status(
                user=reviewer,
                claim_id=annotation.claim.pk,
                status=claim["status"],
                rationale=claim["rationale"],
                evidence=claim["evidence"],
            )
        if claim:
            reviewed = created + datetime.timedelta(days=1)
            Claim.objects.filter(annotation=annotation).update(
                created_at=created,
                updated_at=reviewed if claim["status"] != ClaimStatus.UNVERIFIED else created,
                reviewed_at=reviewed if claim["status"] in ClaimStatus.verdict_values() else None,
            )
    get_user_model().objects.filter(pk__in=[editor.pk, reviewer.pk]).update(
        password="!", date_joined=FIXTURE_TIME, last_login=None
    )
    return editor, reviewer


def build_annotation_fixtures() -> dict[str, str]:
    seed_topics_and_targets()
    editor, reviewer = seed_demo_annotations()
    depth_order = sorted(Topic.objects.select_related("parent"), key=lambda topic: (topic.path.count("›"), topic.slug))
    users = get_user_model().objects.filter(pk__in=[editor.pk, reviewer.pk]).order_by("username")
    return {
        "topics.json": dump_fixture(depth_order),
        "targets.json": dump_fixture(Target.objects.order_by("slug")),
        "demo_annotations.json": dump_fixture(
            [
                *users,
                *Annotation.objects.select_related("turn__document", "target").order_by("created_at"),
                *Claim.objects.select_related("annotation", "reviewer").order_by("created_at"),
            ]
        ),
    }
