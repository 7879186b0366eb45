"""The canonical speakers of the sample corpus and the name variants texts use for them.

This list is the source of ``fixtures/speakers.json`` (``make fixtures``); editors add
further speakers and aliases in the admin.
"""

from corpus_app.models import Speaker, SpeakerAlias, SpeakerKind

KNOWN_SPEAKERS = [
    {
        "name": "Sergey Lavrov",
        "kind": SpeakerKind.PERSON,
        "role": "Minister of Foreign Affairs",
        "affiliation": "Russian Federation",
        "aliases": ["Lavrov", "Sergei Lavrov", "Sergey Viktorovich Lavrov", "Foreign Minister Sergey Lavrov"],
    },
    {
        "name": "Sergey Lebedev",
        "kind": SpeakerKind.PERSON,
        "role": "Secretary-General",
        "affiliation": "Commonwealth of Independent States",
        "aliases": ["Lebedev", "Sergei Lebedev"],
    },
    {
        "name": "Maria Zakharova",
        "kind": SpeakerKind.PERSON,
        "role": "Spokeswoman",
        "affiliation": "Russian Foreign Ministry",
        "aliases": ["Zakharova", "Maria Zakharova"],
    },
    {
        "name": "Murat Nurtleu",
        "kind": SpeakerKind.PERSON,
        "role": "Deputy Prime Minister and Minister of Foreign Affairs",
        "affiliation": "Republic of Kazakhstan",
        "aliases": ["Nurtleu"],
    },
    {
        "name": "Russian Foreign Ministry",
        "kind": SpeakerKind.ORGANISATION,
        "role": "",
        "affiliation": "Russian Federation",
        "aliases": ["Ministry of Foreign Affairs of Russia", "Russian Ministry of Foreign Affairs", "Russian MFA"],
    },
    {
        "name": "Journalist",
        "kind": SpeakerKind.GROUP,
        "role": "journalist",
        "affiliation": "",
        "aliases": ["Question", "Q", "Media question"],
    },
    {
        "name": "Moderator",
        "kind": SpeakerKind.GROUP,
        "role": "moderator",
        "affiliation": "",
        "aliases": [],
    },
]


def seed_known_speakers():
    """Create the known speakers and aliases that are missing; leave editors' changes alone."""
    for entry in KNOWN_SPEAKERS:
        speaker, _ = Speaker.objects.get_or_create(
            name=entry["name"],
            defaults={"kind": entry["kind"], "role": entry["role"], "affiliation": entry["affiliation"]},
        )
        for alias in entry["aliases"]:
            if alias.lower() != speaker.name.lower():
                SpeakerAlias.objects.get_or_create(alias=alias, defaults={"speaker": speaker})
