"""What the JSON API takes and gives, as pydantic schemas: they validate every request body and
query, and django-ninja writes the OpenAPI description at /api/schema/ from them.

Inputs are strict (``"1"`` is not a number, ``1`` is not ``true``): a client that sends the wrong
type gets a 400 naming the field instead of a guess. A field left out of a PATCH is not changed;
``null`` is accepted only where it means something (``"stance": null`` removes the stance).
"""

from typing import Annotated, Literal

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

from annotations.models import ClaimStatus, Polarity
from annotations.services import MAX_EVIDENCE_LINKS, MAX_NOTE_CHARS, MAX_RATIONALE_CHARS

MAX_ID = 2**63 - 1  # the largest primary key a BigAutoField holds

Id = Annotated[StrictInt, Field(gt=0, le=MAX_ID)]
Offset = Annotated[StrictInt, Field(ge=0, le=MAX_ID)]
Version = Annotated[StrictInt, Field(ge=0, le=MAX_ID, description="The version the change was made from.")]


def _digits(value):
    # A query string's number is ASCII digits only: not "1.0", "+1", " 1" or "١" (which int() takes).
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise PydanticCustomError("digits", "must be a whole number")
    return value


PathId = Annotated[int, Field(gt=0, le=MAX_ID)]  # the URL takes digits only
QueryId = Annotated[int, BeforeValidator(_digits), Field(gt=0, le=MAX_ID)]
QueryVersion = Annotated[int, BeforeValidator(_digits), Field(ge=0, le=MAX_ID)]
PolarityName = Literal[tuple(Polarity.values)]
StatusName = Literal[tuple(ClaimStatus.values)]
OffsetUnit = Literal["codepoint", "utf-16"]


def _without_null_defaults(schema):
    # An optional field whose absence means "unchanged" takes no null: say nothing of a default.
    for prop in schema.get("properties", {}).values():
        if prop.get("default", ...) is None and "anyOf" not in prop:
            del prop["default"]


class Input(Schema):
    model_config = ConfigDict(strict=True, extra="ignore", json_schema_extra=_without_null_defaults)


class StanceIn(Input):
    polarity: PolarityName
    target: Id


class PassageIn(Input):
    turn: Id
    start: Offset
    end: Offset
    quote: StrictStr
    offset_unit: OffsetUnit = "codepoint"


class AnnotationCreateIn(PassageIn):
    offset_unit: OffsetUnit = Field(
        "codepoint", description="How start and end count: code points (Python) or UTF-16 code units (browsers)."
    )
    topics: list[Id] = Field(default_factory=list)
    stance: StanceIn | None = None
    claim: StrictBool = False
    note: StrictStr = Field("", max_length=MAX_NOTE_CHARS)


class AnnotationUpdateIn(Input):
    version: Version
    start: Offset = None
    end: Offset = None
    quote: StrictStr = None
    offset_unit: OffsetUnit = "codepoint"
    topics: list[Id] = None
    stance: StanceIn | None = Field(None, description="null removes the stance; left out, it is not changed.")
    claim: StrictBool = None
    note: StrictStr = Field(None, max_length=MAX_NOTE_CHARS)


class VersionIn(Input):
    version: Version


class VerdictIn(Input):
    status: StatusName
    rationale: StrictStr = Field("", max_length=MAX_RATIONALE_CHARS)
    evidence: list[StrictStr] = Field(default_factory=list, max_length=MAX_EVIDENCE_LINKS)
    version: Version


# --- outputs ------------------------------------------------------------------------------------------------


class Output(Schema):
    model_config = ConfigDict(extra="forbid")


class TopicOut(Output):
    id: int
    name: str
    path: str = Field(description="The topic under its parents: “Sanctions & economy › Payments”.")


class TargetOut(Output):
    id: int
    name: str


class StanceOut(Output):
    polarity: PolarityName
    target: TargetOut


class ClaimOut(Output):
    id: int
    status: StatusName
    status_display: str
    rationale: str
    evidence: list[str]
    reviewer: str | None
    reviewed_at: str | None
    version: int
    group: int | None


class ClaimWithAnnotationOut(ClaimOut):
    annotation: int


class AnnotationOut(Output):
    id: int
    turn: int
    document: int
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str
    topics: list[TopicOut]
    stance: StanceOut | None
    claim: ClaimOut | None
    note: str
    author: str
    created_at: str
    updated_at: str
    version: int
    can_delete: bool


class AnnotationListOut(Output):
    document: int
    turn: int | None = None
    count: int
    annotations: list[AnnotationOut]


class DocumentOut(Output):
    id: int
    title: str
    date: str | None
    is_current: bool
    url: str


class CopyOut(Output):
    claim: int
    annotation: int
    status: StatusName
    document: DocumentOut
    speaker: str | None
    turn: int
    quote: str
    url: str


class CandidateOut(Output):
    document: DocumentOut
    turn: int
    turn_position: int
    speaker: str | None
    sentence: str
    start: int
    end: int
    quote: str
    score: float
    annotation: int | None
    linked: bool


class SimilarOut(Output):
    claim: int
    group: int | None
    linked: list[CopyOut]
    candidates: list[CandidateOut]


class LinkOut(Output):
    claim: ClaimWithAnnotationOut
    linked_claim: ClaimWithAnnotationOut
    annotation: AnnotationOut
    linked: list[CopyOut]


class ErrorOut(Output):
    error: str = Field(description="What is wrong, in words for a person.")
    field: str | None = Field(description="The request field at fault, when there is one.")


class AnnotationConflictOut(ErrorOut):
    current: AnnotationOut | None = Field(description="The annotation as it is stored now (null: deleted).")


class ClaimConflictOut(ErrorOut):
    current: ClaimWithAnnotationOut


class EditionOut(Output):
    id: int
    title: str
    url: str


class ReplacedEditionOut(ErrorOut):
    current_edition: EditionOut = Field(description="The edition to annotate instead.")
