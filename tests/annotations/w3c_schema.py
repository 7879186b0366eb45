"""Validate annotations against the W3C Web Annotation MUST schemas vendored in tests/annotations/vendor
(a copy of the team's shared/vendor/w3c-annotation-model, kept in the repository so that a clone
anywhere can run the suite).

How (from the vendor README): the 54 web-platform-tests assertion schemas listed in
``annotations/annotationMusts.test`` (draft-04) plus our ``annotation-musts.schema.json`` (draft-07),
``$ref``s resolved through a registry of the 7 definition files under their ``id``, and formats
("uri", "iri", "date-time") checked by ``jsonschema.FormatChecker`` backed by rfc3987 and
rfc3339-validator. The motivation/purpose word lists are WPT "optional" checks, applied here too.
"""

import functools
import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT4

VENDOR = Path(__file__).resolve().parent / "vendor" / "w3c-annotation-model"
NEEDED_FORMATS = {"uri", "iri", "date-time"}


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@functools.cache
def _validators():
    if not VENDOR.is_dir():
        pytest.fail(
            f"The W3C Web Annotation schemas are missing: expected the folder {VENDOR} "
            "(tests/annotations/vendor/w3c-annotation-model). The W3C export cannot be checked without them."
        )
    format_checker = jsonschema.FormatChecker()
    missing = NEEDED_FORMATS - set(format_checker.checkers)
    if missing:
        pytest.fail(
            f"jsonschema cannot check the formats {sorted(missing)}: install rfc3987 and rfc3339-validator, "
            "or these formats would be skipped silently."
        )
    definitions = [_load(path) for path in sorted((VENDOR / "definitions").glob("*.json"))]
    assert len(definitions) == 7, f"expected 7 definition files in {VENDOR / 'definitions'}"
    registry = Registry().with_resources((d["id"], DRAFT4.create_resource(d)) for d in definitions)

    manifest = _load(VENDOR / "annotations" / "annotationMusts.test")
    assertion_paths = manifest["assertions"]
    assert len(assertion_paths) == 54, f"expected 54 assertions in annotationMusts.test, found {len(assertion_paths)}"
    validators = []
    for relative in assertion_paths:
        schema = _load(VENDOR / relative)
        assert schema.get("assertionType") == "must" and schema.get("expectedResult") == "valid", relative
        jsonschema.Draft4Validator.check_schema(schema)
        validators.append(
            (relative, jsonschema.Draft4Validator(schema, registry=registry, format_checker=format_checker))
        )

    musts = _load(VENDOR / "annotation-musts.schema.json")
    jsonschema.Draft7Validator.check_schema(musts)
    validators.append(
        ("annotation-musts.schema.json", jsonschema.Draft7Validator(musts, format_checker=format_checker))
    )

    motivation = jsonschema.Draft4Validator(
        {"$ref": "annotations.json#/definitions/motivationRecognizedIfPresent"},
        registry=registry,
        format_checker=format_checker,
    )
    purpose = jsonschema.Draft4Validator(
        {"$ref": "otherProperties.json#/definitions/purposeRecognizedIfPresent"},
        registry=registry,
        format_checker=format_checker,
    )
    return validators, motivation, purpose


def assertion_count():
    """How many schemas every annotation is checked against (54 WPT MUSTs + ours)."""
    return len(_validators()[0])


def annotation_errors(annotation):
    """Every schema violation of one annotation, as "schema: message" strings; [] when it is valid."""
    validators, motivation, purpose = _validators()
    errors = []
    for name, validator in validators:
        errors.extend(f"{name}: {error.message}" for error in validator.iter_errors(annotation))
    errors.extend(f"motivationRecognizedIfPresent: {e.message}" for e in motivation.iter_errors(annotation))
    bodies = annotation.get("body", [])
    for body in bodies if isinstance(bodies, list) else [bodies]:
        if isinstance(body, dict):
            errors.extend(f"purposeRecognizedIfPresent: {e.message}" for e in purpose.iter_errors(body))
    return errors


def is_uri(value):
    """The same rfc3987 URI check the schemas use for "format": "uri"."""
    return jsonschema.FormatChecker().conforms(value, "uri")
