import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from annotations.export_claimreview import CLAIMREVIEW_RATINGS
from annotations.models import Annotation, Claim, ClaimStatus
from annotations.services import claim_set_status
from corpus_app.models import Turn
from tests.annotations.w3c_schema import annotation_errors, assertion_count, is_uri
from tests.factories import (
    make_annotation,
    make_document,
    make_press_conference,
    make_speaker,
    make_target,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

ANNOTATIONS = "annotations:annotation-export"
CLAIMS = "annotations:claim-export"

EMOJI_TEXT = "🇷🇺 Russia 🤝 its partners: national currencies now account for 85 percent of payments."
LONG_CLAIM = (
    "Trade between the member states of the Commonwealth of Independent States grew by a third last year, "
    "and almost all of it is now paid for in national currencies."
)
SCRIPT_NOTE = "<script>alert('x')</script> check the 2024 figure & source"


def export(client, name, **params):
    response = client.get(reverse(name), params)
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    return response, body


def csv_rows(body):
    return list(csv.DictReader(io.StringIO(body)))


def jsonl_rows(body):
    assert body.endswith("\n")
    return [json.loads(line) for line in body.splitlines()]


def today():
    return timezone.localdate().isoformat()


@pytest.fixture
def desk(editor, reviewer):
    """A small desk: a topic tree, a stance, claims in every status, a note with markup, an emoji before a passage."""
    region = make_topic("Regional integration")
    cis = make_topic("CIS", parent=region)
    sanctions = make_topic("Sanctions & economy")
    eu = make_target("European Union")
    make_speaker("Ministry of Foreign Affairs", kind="organisation")
    document = make_press_conference(remarks=EMOJI_TEXT, answer=LONG_CLAIM)
    article = make_document(title="News article", kind="article", date=datetime.date(2025, 5, 2))
    turns = {turn.position: turn for turn in document.turns.all()}

    start = EMOJI_TEXT.index("national")
    tagged = make_annotation(
        turn=turns[0], start=start, end=start + len("national currencies"), author=editor, topics=[cis]
    )
    tagged.note = SCRIPT_NOTE
    tagged.save()

    stance = make_annotation(
        turn=turns[1], start=27, end=33, author=editor, topics=[sanctions], polarity="opposes", target=eu
    )
    claims = {}
    for status in ClaimStatus.values:
        turn = turns[3] if status == "false" else turns[2]
        annotation = make_annotation(turn=turn, start=0, end=len(turn.text), author=editor, claim=True)
        claims[status] = annotation.claim
        if status == "accurate":
            annotation.topics.set([sanctions])
        if status != "unverified":
            claim_set_status(
                user=reviewer,
                claim_id=annotation.claim.pk,
                status=status,
                rationale=f"Rationale for {status}." if status != "in_review" else "",
                evidence=["https://example.org/stats", "https://example.org/report"] if status == "accurate" else [],
            )
    return {
        "region": region,
        "cis": cis,
        "sanctions": sanctions,
        "eu": eu,
        "document": document,
        "article": article,
        "tagged": tagged,
        "stance": stance,
        "claims": claims,
    }


# --- access and parameters -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [(ANNOTATIONS, "csv"), (ANNOTATIONS, "w3c"), (CLAIMS, "csv"), (CLAIMS, "claimreview")],
)
def test_anonymous_is_sent_to_login(client, name, fmt):
    response = client.get(reverse(name), {"format": fmt})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["Viewer", "Editor", "Reviewer"])
def test_every_role_may_export(client, role):
    client.force_login(make_user(role))
    for name in (ANNOTATIONS, CLAIMS):
        response, _ = export(client, name, format="jsonl")
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "allowed"),
    [(ANNOTATIONS, "csv, jsonl, w3c"), (CLAIMS, "csv, jsonl, claimreview")],
)
@pytest.mark.parametrize("fmt", [None, "", "xlsx", "w3c-or-not"])
def test_unknown_or_missing_format_is_a_400_listing_the_formats(client, viewer, name, allowed, fmt):
    client.force_login(viewer)
    response = client.get(reverse(name), {} if fmt is None else {"format": fmt})
    assert response.status_code == 400
    assert allowed in response.content.decode()


def test_annotations_refuse_claim_formats(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse(ANNOTATIONS), {"format": "claimreview"}).status_code == 400


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        (ANNOTATIONS, {"topic": "999999"}, "topic"),
        (ANNOTATIONS, {"date_after": "not-a-date"}, "date_after"),
        (CLAIMS, {"status": "pending"}, "status"),
    ],
)
def test_invalid_filters_are_a_400_with_the_errors(client, viewer, name, params, field):
    client.force_login(viewer)
    response = client.get(reverse(name), {"format": "csv", **params})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert field in response.content.decode()


def test_post_is_not_allowed(client, viewer):
    client.force_login(viewer)
    assert client.post(reverse(ANNOTATIONS) + "?format=csv").status_code == 405


# --- headers and streaming -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "content_type", "filename"),
    [
        (ANNOTATIONS, "csv", "text/csv; charset=utf-8", "annotations-{}.csv"),
        (ANNOTATIONS, "jsonl", "application/x-ndjson", "annotations-{}.jsonl"),
        (ANNOTATIONS, "w3c", "application/ld+json", "annotations-{}.jsonld"),
        (CLAIMS, "csv", "text/csv; charset=utf-8", "claims-{}.csv"),
        (CLAIMS, "jsonl", "application/x-ndjson", "claims-{}.jsonl"),
        (CLAIMS, "claimreview", "application/ld+json", "claims-{}.jsonld"),
    ],
)
def test_content_type_filename_and_streaming(client, viewer, desk, name, fmt, content_type, filename):
    client.force_login(viewer)
    response = client.get(reverse(name), {"format": fmt})
    assert response.status_code == 200
    assert response.streaming is True
    assert response["Content-Type"].split(";")[0] == content_type.split(";")[0]
    assert response["Content-Type"] == content_type or fmt == "w3c"
    assert response["Content-Disposition"] == f'attachment; filename="{filename.format(today())}"'
    chunks = list(response.streaming_content)
    assert len(chunks) >= 2, "written piece by piece (a row at a time), not as one block"


def test_w3c_content_type_names_the_annotation_profile(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse(ANNOTATIONS), {"format": "w3c"})
    assert response["Content-Type"] == 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


# --- annotations: CSV and JSONL ------------------------------------------------------------------------------------


def test_annotations_csv(client, viewer, desk):
    client.force_login(viewer)
    _, body = export(client, ANNOTATIONS, format="csv")
    assert body.splitlines()[0] == (
        "id,uuid,document_id,document_title,date,turn_position,speaker,turn_kind,start,end,quote,topics,polarity,"
        "target,claim_status,note,author,created,updated,url"
    )
    rows = csv_rows(body)
    assert len(rows) == Annotation.objects.count()
    by_id = {int(row["id"]): row for row in rows}
    tagged = by_id[desk["tagged"].pk]
    assert tagged["uuid"] == str(desk["tagged"].uuid)
    assert tagged["document_title"] == "Press conference, Almaty"
    assert tagged["date"] == "2025-04-11"
    assert tagged["speaker"] == "Sergey Lavrov" and tagged["turn_kind"] == "remarks"
    assert tagged["quote"] == "national currencies"
    assert EMOJI_TEXT[int(tagged["start"]) : int(tagged["end"])] == tagged["quote"]
    assert tagged["topics"] == "Regional integration › CIS"
    assert tagged["note"] == SCRIPT_NOTE
    assert tagged["author"] == "editor-a"
    assert tagged["url"] == f"http://testserver/documents/{desk['document'].pk}/#annotation-{desk['tagged'].pk}"
    assert datetime.datetime.fromisoformat(tagged["created"]).tzinfo is not None

    stance = by_id[desk["stance"].pk]
    assert (stance["polarity"], stance["target"], stance["topics"]) == (
        "opposes",
        "European Union",
        "Sanctions & economy",
    )
    assert stance["claim_status"] == ""
    accurate = by_id[desk["claims"]["accurate"].annotation_id]
    assert accurate["claim_status"] == "accurate"


def test_annotations_jsonl_keeps_lists_as_lists(client, viewer, desk):
    desk["tagged"].topics.add(desk["sanctions"])
    client.force_login(viewer)
    _, body = export(client, ANNOTATIONS, format="jsonl")
    rows = {row["id"]: row for row in jsonl_rows(body)}
    tagged = rows[desk["tagged"].pk]
    assert tagged["topics"] == ["Regional integration › CIS", "Sanctions & economy"]
    assert tagged["note"] == SCRIPT_NOTE
    assert tagged["start"] == EMOJI_TEXT.index("national") and isinstance(tagged["start"], int)
    assert tagged["polarity"] is None and tagged["claim_status"] is None
    assert "<script>" not in body, "markup is escaped in the JSON text (and decodes back unchanged)"


def test_topic_filter_includes_subtopics(client, viewer, desk):
    client.force_login(viewer)
    _, body = export(client, ANNOTATIONS, format="csv", topic=desk["region"].pk)
    ids = [int(row["id"]) for row in csv_rows(body)]
    assert ids == [desk["tagged"].pk]
    assert desk["stance"].pk not in ids


def test_annotation_filters_apply_to_every_format(client, viewer, desk):
    client.force_login(viewer)
    _, body = export(client, ANNOTATIONS, format="jsonl", polarity="opposes", target=desk["eu"].pk)
    assert [row["id"] for row in jsonl_rows(body)] == [desk["stance"].pk]
    _, body = export(client, ANNOTATIONS, format="w3c", claim_status="false")
    collection = json.loads(body)
    assert collection["total"] == 1
    assert [item["id"] for item in collection["first"]["items"]] == [
        f"urn:uuid:{desk['claims']['false'].annotation.uuid}"
    ]


def test_csv_formula_injection_is_defused(client, viewer, editor):
    document = make_document(turns=[("Sergey Lavrov", "remarks", '=HYPERLINK("http://evil.example") said nobody')])
    turn = document.turns.get()
    annotation = make_annotation(turn=turn, start=0, end=10, author=editor)
    annotation.note = "@SUM(1+1)*cmd|' /C calc'!A0"
    annotation.save()
    client.force_login(viewer)
    _, body = export(client, ANNOTATIONS, format="csv")
    row = csv_rows(body)[0]
    assert row["quote"] == "'=HYPERLINK"
    assert row["note"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    # JSON Lines carry the data unchanged.
    _, body = export(client, ANNOTATIONS, format="jsonl")
    assert jsonl_rows(body)[0]["quote"] == "=HYPERLINK"


# --- annotations: W3C Web Annotation -------------------------------------------------------------------------------


def w3c_export(client, **params):
    response, body = export(client, ANNOTATIONS, format="w3c", **params)
    assert response.status_code == 200
    return body, json.loads(body)


def test_w3c_collection_shape(client, viewer, desk):
    client.force_login(viewer)
    _, collection = w3c_export(client)
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection"
    assert is_uri(collection["id"]) and collection["id"].startswith("http://testserver/annotations/export/?")
    assert collection["label"]
    page = collection["first"]
    assert page["type"] == "AnnotationPage" and is_uri(page["id"]) and page["partOf"] == collection["id"]
    assert collection["total"] == len(page["items"]) == Annotation.objects.count()


def test_w3c_every_exported_annotation_passes_the_must_schemas(client, viewer, desk):
    client.force_login(viewer)
    _, collection = w3c_export(client)
    items = collection["first"]["items"]
    assert len(items) == Annotation.objects.count() > 5
    assert assertion_count() == 55
    turns = {turn_url(turn): turn for turn in Turn.objects.select_related("document")}
    for item in items:
        assert annotation_errors(item) == [], item["id"]
        quote, position = item["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        assert 0 <= position["start"] <= position["end"]
        text = turns[item["target"]["source"]].text
        assert quote["exact"] == text[position["start"] : position["end"]]
        assert text[: position["start"]].endswith(quote.get("prefix", ""))
        assert text[position["end"] :].startswith(quote.get("suffix", ""))


def turn_url(turn):
    return f"http://testserver/documents/{turn.document_id}/#turn-{turn.position}"


def test_w3c_annotation_content(client, viewer, desk):
    client.force_login(viewer)
    body, collection = w3c_export(client)
    items = {item["id"]: item for item in collection["first"]["items"]}

    tagged = items[f"urn:uuid:{desk['tagged'].uuid}"]
    assert tagged["@context"] == "http://www.w3.org/ns/anno.jsonld" and tagged["type"] == "Annotation"
    assert tagged["creator"] == {"type": "Person", "nickname": "editor-a"}
    assert tagged["motivation"] == ["tagging", "commenting"]
    assert tagged["body"] == [
        {
            "type": "TextualBody",
            "purpose": "tagging",
            "value": "Regional integration › CIS",
            "format": "text/plain",
            "language": "en",
        },
        {
            "type": "TextualBody",
            "purpose": "commenting",
            "value": SCRIPT_NOTE,
            "format": "text/plain",
            "language": "en",
        },
    ]
    # The emoji before the passage: offsets count code points, as the model's TextPositionSelector does.
    start = EMOJI_TEXT.index("national")
    assert tagged["target"] == {
        "source": turn_url(desk["tagged"].turn),
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": "national currencies",
                "prefix": EMOJI_TEXT[:start][-32:],
                "suffix": EMOJI_TEXT[start + 19 :][:32],
            },
            {"type": "TextPositionSelector", "start": start, "end": start + 19},
        ],
    }
    for key in ("created", "modified"):
        moment = datetime.datetime.fromisoformat(tagged[key])
        assert moment.tzinfo is not None
    assert "<script>" not in body

    stance = items[f"urn:uuid:{desk['stance'].uuid}"]
    assert stance["motivation"] == ["tagging", "classifying"]
    assert [(b["purpose"], b["value"]) for b in stance["body"]] == [
        ("tagging", "Sanctions & economy"),
        ("classifying", "opposes: European Union"),
    ]

    only_claim = items[f"urn:uuid:{desk['claims']['unverified'].annotation.uuid}"]
    assert only_claim["motivation"] == "assessing"
    assert [(b["purpose"], b["value"]) for b in only_claim["body"]] == [("assessing", "Claim: unverified")]
    in_review = items[f"urn:uuid:{desk['claims']['in_review'].annotation.uuid}"]
    assert in_review["body"][0]["value"] == "Claim: in review"

    only_topic = make_annotation(author=desk["tagged"].author, topics=[desk["cis"]])
    _, collection = w3c_export(client)
    item = next(i for i in collection["first"]["items"] if i["id"] == f"urn:uuid:{only_topic.uuid}")
    assert item["motivation"] == "tagging"


def test_w3c_iris_are_absolute_and_ascii(client, viewer, desk):
    client.force_login(viewer)
    body, collection = w3c_export(client, q="currencies")
    assert is_uri(collection["id"])
    for item in collection["first"]["items"]:
        assert is_uri(item["id"]) and is_uri(item["target"]["source"])
        assert item["target"]["source"].isascii()
    # A non-ASCII filter value lands percent-encoded in the collection id.
    _, collection = w3c_export(client, q="Мир")
    assert collection["id"].isascii() and is_uri(collection["id"]) and collection["total"] == 0


def test_w3c_validation_can_fail(client, viewer, desk):
    client.force_login(viewer)
    _, collection = w3c_export(client)
    item = collection["first"]["items"][0]
    assert annotation_errors(item) == []

    without_target = {key: value for key, value in item.items() if key != "target"}
    errors = annotation_errors(without_target)
    assert errors and any("target" in error for error in errors)

    # The format checker is live: a relative IRI is refused.
    relative = {**item, "target": {**item["target"], "source": "/documents/1/#turn-0"}}
    assert annotation_errors(relative)

    unknown_motivation = {**item, "motivation": "liking"}
    assert annotation_errors(unknown_motivation)
    unknown_purpose = {**item, "body": [{**item["body"][0], "purpose": "liking"}]}
    assert any("purposeRecognizedIfPresent" in error for error in annotation_errors(unknown_purpose))


def test_w3c_empty_collection(client, viewer):
    client.force_login(viewer)
    _, collection = w3c_export(client)
    assert collection["total"] == 0 and collection["first"]["items"] == []


# --- claims --------------------------------------------------------------------------------------------------------


def test_claims_csv_and_jsonl(client, viewer, desk):
    client.force_login(viewer)
    _, body = export(client, CLAIMS, format="csv")
    assert (
        body.splitlines()[0]
        == "id,status,quote,speaker,document,date,topics,rationale,evidence,reviewer,reviewed_at,url"
    )
    rows = csv_rows(body)
    assert sorted(row["status"] for row in rows) == sorted(ClaimStatus.values)
    accurate = next(row for row in rows if row["status"] == "accurate")
    claim = desk["claims"]["accurate"]
    assert accurate["id"] == str(claim.pk)
    assert accurate["quote"] == LONG_CLAIM
    assert accurate["speaker"] == "Sergey Lavrov"
    assert accurate["document"] == "Press conference, Almaty" and accurate["date"] == "2025-04-11"
    assert accurate["topics"] == "Sanctions & economy"
    assert accurate["rationale"] == "Rationale for accurate."
    assert accurate["evidence"] == "https://example.org/stats https://example.org/report"
    assert accurate["reviewer"] == "reviewer-a" and accurate["reviewed_at"]
    assert accurate["url"].endswith(f"#annotation-{claim.annotation_id}")
    unverified = next(row for row in rows if row["status"] == "unverified")
    assert unverified["reviewer"] == "" and unverified["reviewed_at"] == ""

    _, body = export(client, CLAIMS, format="jsonl")
    lines = {row["status"]: row for row in jsonl_rows(body)}
    assert lines["accurate"]["evidence"] == ["https://example.org/stats", "https://example.org/report"]
    assert lines["accurate"]["topics"] == ["Sanctions & economy"]
    assert lines["unverified"]["evidence"] == [] and lines["unverified"]["reviewer"] is None


def test_claim_filters_apply(client, viewer, desk):
    client.force_login(viewer)
    _, body = export(client, CLAIMS, format="jsonl", status="misleading")
    assert [row["id"] for row in jsonl_rows(body)] == [desk["claims"]["misleading"].pk]
    _, body = export(client, CLAIMS, format="claimreview", topic=desk["sanctions"].pk)
    assert [review["reviewRating"]["alternateName"] for review in json.loads(body)] == ["Accurate"]


def assert_claimreview(review):
    """The ClaimReview properties of ../shared/vendor/claimreview.md, with their types."""
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    # Google, required.
    assert isinstance(review["claimReviewed"], str) and review["claimReviewed"]
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert isinstance(rating["alternateName"], str) and rating["alternateName"]
    if "ratingValue" in rating:
        for key in ("ratingValue", "bestRating", "worstRating"):
            assert isinstance(rating[key], int)
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    assert isinstance(rating["ratingExplanation"], str) and rating["ratingExplanation"]
    assert is_uri(review["url"]) and "#annotation-" in review["url"]
    # Google, recommended.
    author = review["author"]
    assert author["@type"] == "Organization" and isinstance(author["name"], str) and is_uri(author["url"])
    datetime.date.fromisoformat(review["datePublished"])
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"]["@type"] in {"Person", "Organization"} and isinstance(item["author"]["name"], str)
    datetime.date.fromisoformat(item["datePublished"])
    appearance = item["appearance"]
    assert appearance["@type"] == "CreativeWork" and is_uri(appearance["url"])
    assert isinstance(appearance["headline"], str)
    if "citation" in review:
        assert isinstance(review["citation"], list) and all(is_uri(link) for link in review["citation"])


def test_claimreview_one_per_reviewed_claim(client, viewer, desk, settings):
    settings.DESK_ORGANISATION_NAME = "Desk of Facts"
    client.force_login(viewer)
    _, body = export(client, CLAIMS, format="claimreview")
    reviews = json.loads(body)
    assert isinstance(reviews, list)
    for review in reviews:
        assert_claimreview(review)
    verdicts = {review["url"]: review for review in reviews}
    expected = {
        desk["claims"][status].annotation_id: status for status in ("accurate", "misleading", "false", "unverifiable")
    }
    assert len(reviews) == len(expected) == 4
    for annotation_id, status in expected.items():
        url = f"http://testserver/documents/{desk['document'].pk}/#annotation-{annotation_id}"
        review = verdicts[url]
        word, value = CLAIMREVIEW_RATINGS[status]
        assert review["reviewRating"]["alternateName"] == word
        assert review["reviewRating"].get("ratingValue") == value
        assert review["reviewRating"]["ratingExplanation"] == f"Rationale for {status}."
        assert review["author"] == {"@type": "Organization", "name": "Desk of Facts", "url": "http://testserver/"}
        assert review["datePublished"] == today()
    for status in ("unverified", "in_review"):
        url = f"http://testserver/documents/{desk['document'].pk}/#annotation-{desk['claims'][status].annotation_id}"
        assert url not in verdicts


def test_claimreview_details(client, viewer, desk):
    client.force_login(viewer)
    _, body = export(client, CLAIMS, format="claimreview")
    by_word = {review["reviewRating"]["alternateName"]: review for review in json.loads(body)}
    assert set(by_word) == {"Accurate", "Misleading", "False", "Unverifiable"}

    accurate = by_word["Accurate"]
    assert accurate["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Accurate",
        "ratingValue": 4,
        "bestRating": 4,
        "worstRating": 1,
        "ratingExplanation": "Rationale for accurate.",
    }
    assert accurate["claimReviewed"] == LONG_CLAIM  # the whole claim, however long
    assert accurate["citation"] == ["https://example.org/stats", "https://example.org/report"]
    assert accurate["author"]["name"] == "Annotation desk"
    assert accurate["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Sergey Lavrov"},
        "datePublished": "2025-04-11",
        "appearance": {
            "@type": "CreativeWork",
            "url": turn_url(desk["claims"]["accurate"].annotation.turn),
            "headline": "Press conference, Almaty",
        },
    }
    # Spoken by an organisation; a short quote stays whole.
    false = by_word["False"]
    assert false["itemReviewed"]["author"] == {"@type": "Organization", "name": "Ministry of Foreign Affairs"}
    assert false["claimReviewed"] == "The sanctions have failed, as everyone can see now."
    assert false["reviewRating"]["ratingValue"] == 1 and "citation" not in false
    assert by_word["Misleading"]["reviewRating"]["ratingValue"] == 2
    # Unverifiable: no place on the scale, so only the verdict in words.
    unverifiable = by_word["Unverifiable"]["reviewRating"]
    assert "ratingValue" not in unverifiable and unverifiable["alternateName"] == "Unverifiable"


def test_claimreview_without_reviewed_claims_is_an_empty_array(client, viewer):
    make_annotation(claim=True)
    client.force_login(viewer)
    _, body = export(client, CLAIMS, format="claimreview")
    assert json.loads(body) == []


def test_rating_table_stays_on_the_scale():
    for word, value in CLAIMREVIEW_RATINGS.values():
        assert word
        assert value is None or 1 <= value <= 4
    assert set(CLAIMREVIEW_RATINGS) == set(ClaimStatus.verdict_values())


@pytest.mark.parametrize(
    ("passage", "claim_reviewed"),
    [
        # A few words of a sentence: the whole sentence, which says what is claimed.
        ("85 percent", "National currencies now account for 85 percent of payments."),
        # A passage over two sentences is longer than either: the passage.
        (
            "85 percent of payments. Trade grew",
            "85 percent of payments. Trade grew",
        ),
    ],
)
def test_claimreview_gives_the_sentence_of_the_claim(client, viewer, reviewer, passage, claim_reviewed):
    text = "We met in Almaty. National currencies now account for 85 percent of payments. Trade grew by a third."
    turn = make_document(turns=[("Sergey Lavrov", "remarks", text)]).turns.get()
    start = text.index(passage)
    annotation = make_annotation(turn=turn, start=start, end=start + len(passage), claim=True)
    claim_set_status(user=reviewer, claim_id=annotation.claim.pk, status="accurate", rationale="Checked.")
    client.force_login(viewer)
    _, body = export(client, CLAIMS, format="claimreview")
    [review] = json.loads(body)
    assert review["claimReviewed"] == claim_reviewed


# --- queries do not grow with the rows -----------------------------------------------------------------------------


def count_queries(client, name, fmt):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name), {"format": fmt})
        content = b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries), content


def add_annotations(count, *, turn, author, reviewer, topics, target):
    for index in range(count):
        annotation = make_annotation(
            turn=turn, start=index % 10, end=20, author=author, topics=topics, polarity="supports", target=target
        )
        annotation.note = f"Note {index}"
        annotation.save()
        claim = Claim.objects.create(annotation=annotation)
        claim_set_status(
            user=reviewer,
            claim_id=claim.pk,
            status=ClaimStatus.verdict_values()[index % 4],
            rationale="Checked.",
            evidence=["https://example.org/x"],
        )


EVERY_FORMAT = [
    (ANNOTATIONS, "csv"),
    (ANNOTATIONS, "jsonl"),
    (ANNOTATIONS, "w3c"),
    (CLAIMS, "csv"),
    (CLAIMS, "jsonl"),
    (CLAIMS, "claimreview"),
]


@pytest.mark.parametrize(("name", "fmt"), EVERY_FORMAT)
def test_annotation_and_claim_exports_use_the_same_queries_for_5_and_60_rows(client, viewer, reviewer, name, fmt):
    parent = make_topic("Parent")
    topics = [make_topic("Child", parent=parent), make_topic("Other")]
    target = make_target("NATO")
    turn = make_document().turns.get(position=0)
    author = make_user("Editor")
    client.force_login(viewer)

    add_annotations(5, turn=turn, author=author, reviewer=reviewer, topics=topics, target=target)
    few, few_content = count_queries(client, name, fmt)
    add_annotations(55, turn=turn, author=make_user("Editor"), reviewer=reviewer, topics=topics, target=target)
    many, many_content = count_queries(client, name, fmt)

    assert len(many_content) > 10 * len(few_content) / 2
    assert few == many, f"{fmt}: {few} queries for 5 rows, {many} for 60"


def test_missing_w3c_schemas_fail_instead_of_skipping(monkeypatch, tmp_path):
    from tests.annotations import w3c_schema

    monkeypatch.setattr(w3c_schema, "VENDOR", tmp_path / "no-such-folder")
    with pytest.raises(pytest.fail.Exception, match="W3C Web Annotation schemas are missing"):
        w3c_schema._validators.__wrapped__()
