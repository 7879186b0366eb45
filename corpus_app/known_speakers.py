"""The known speakers of ``known_speakers.toml``, the source of fixtures/speakers.json (``make fixtures``)."""

import tomllib
from pathlib import Path

from corpus_app.models import Speaker, SpeakerAlias

KNOWN_SPEAKERS = tomllib.loads(Path(__file__).with_name("known_speakers.toml").read_text(encoding="utf-8"))["speakers"]


def seed_known_speakers():
    """Create the known speakers and aliases that are missing; leave editors' changes alone."""
    for entry in KNOWN_SPEAKERS:
        details = {"kind": entry["kind"], "role": entry.get("role", ""), "affiliation": entry.get("affiliation", "")}
        speaker, _ = Speaker.objects.get_or_create(name=entry["name"], defaults=details)
        for alias in entry["aliases"]:
            if alias.lower() != speaker.name.lower():
                SpeakerAlias.objects.get_or_create(alias=alias, defaults={"speaker": speaker})
