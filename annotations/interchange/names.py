"""Names in a file to rows in the desk: speakers, topics, targets and users, read once per run.

Each resolver keeps what it read and what it created; ``forget()`` after a rolled-back batch
drops the rows that batch created (they are gone with it), so the next batch reads again.
"""

import csv
import json
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from annotations.interchange.records import RecordError, SpeakerRecord
from annotations.models import Target, TargetKind, Topic
from corpus_app.models import Speaker, SpeakerAlias, SpeakerKind

# "Sanctions & economy › Payments", as the desk writes a topic's path; "A > B" and "A / B" too.
PATH_SEPARATOR = re.compile(r"\s+[›>/]\s+")
IMPORT_USERNAME = "import"


def split_path(label: str) -> list[str]:
    return [part.strip() for part in PATH_SEPARATOR.split(label.strip()) if part.strip()]


def read_label_map(path: Path) -> dict[str, str]:
    """``--map FILE``: a JSON object {label: topic path}, or a CSV of label,topic path rows."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RecordError(f"the map {path} cannot be read ({exc.strerror or exc})") from None
    if Path(path).suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            mapping = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecordError(f"the map {path} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        except RecursionError:  # past ~1,000 levels Python's parser gives up
            raise RecordError(f"the map {path} is nested too deeply to read") from None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise RecordError(f"the map {path} must be a JSON object of label → topic path")
        return mapping
    mapping = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            raise RecordError(f"the map {path}, line {number}: expected two columns, label and topic path")
        if number == 1 and [cell.strip().lower() for cell in row] == ["label", "topic"]:
            continue  # a header
        mapping[row[0].strip()] = row[1].strip()
    return mapping


class Names:
    def __init__(self, *, label_map=None, default_author=None):
        self.label_map = {key.lower(): value for key, value in (label_map or {}).items()}
        self._default_author = default_author
        self.forget()

    def forget(self):
        self._speakers = None  # {lower-case name or alias: speaker id}
        self._topics = None  # {(parent id, lower-case name): id}
        self._topic_names = None  # {lower-case name: [ids, roots first]}
        self._targets = None  # {lower-case name or slug: id}
        self._label_topics = {}  # {label as written: topic id}
        self._users = {}

    def prepare(self, ready):
        """Resolve (creating what is missing) every name the checked records use, so that writing
        them only reads what is known here: the parallel writers share these rows."""
        documents = [item.record for item in ready if item.document_id is None]
        descriptions = {speaker.name: speaker for record in documents for speaker in record.speakers}
        self.speaker_ids({turn.speaker for record in documents for turn in record.turns if turn.speaker}, descriptions)
        for item in ready:
            for entry, _ in item.passages:
                for label in entry.topics:
                    self.topic_id(label)
                if entry.polarity:
                    self.target_id(entry.target, entry.target_kind)
                self.user_id(entry.author)
                if entry.claim is not None and entry.claim.reviewer:
                    self.user_id(entry.claim.reviewer)

    # --- speakers ----------------------------------------------------------------------------------------------------

    def speaker_ids(self, names, descriptions: dict[str, SpeakerRecord]) -> dict[str, int]:
        """{name as written: speaker id} for ``names``, creating the speakers not in the desk."""
        if self._speakers is None:
            self._speakers = {name.lower(): pk for name, pk in Speaker.objects.values_list("name", "pk")}
            for alias, pk in SpeakerAlias.objects.values_list("alias", "speaker_id"):
                self._speakers.setdefault(alias.lower(), pk)
        missing = {name for name in names if name.lower() not in self._speakers}
        if missing:
            new = {}
            for name in sorted(missing):
                if name.lower() in new:
                    continue
                description = descriptions.get(name) or SpeakerRecord(name=name)
                new[name.lower()] = Speaker(
                    name=name,
                    kind=description.kind if description.kind in SpeakerKind.values else SpeakerKind.PERSON,
                    role=description.role[:200],
                    affiliation=description.affiliation[:200],
                )
            Speaker.objects.bulk_create(new.values())
            aliases = []
            for key, speaker in new.items():
                self._speakers[key] = speaker.pk
                description = descriptions.get(speaker.name)
                for alias in description.aliases if description else ():
                    if alias.lower() not in self._speakers:
                        self._speakers[alias.lower()] = speaker.pk
                        aliases.append(SpeakerAlias(speaker_id=speaker.pk, alias=alias[:200]))
            SpeakerAlias.objects.bulk_create(aliases, ignore_conflicts=True)
        return {name: self._speakers[name.lower()] for name in names}

    # --- topics ------------------------------------------------------------------------------------------------------

    def _load_topics(self):
        rows = list(Topic.objects.order_by().values_list("pk", "name", "parent_id"))
        self._topics = {(parent_id, name.lower()): pk for pk, name, parent_id in rows}
        self._topic_names = {}
        for pk, name, _parent in sorted(rows, key=lambda row: row[2] is not None):
            self._topic_names.setdefault(name.lower(), []).append(pk)
        self._slugs = set(Topic.objects.values_list("slug", flat=True))

    def topic_id(self, label: str) -> int:
        """A label's topic: through the map, then as a path from the top, then as a name; created if missing."""
        if label not in self._label_topics:
            self._label_topics[label] = self._find_topic(label)
        return self._label_topics[label]

    def _find_topic(self, label: str) -> int:
        if self._topics is None:
            self._load_topics()
        label = self.label_map.get(label.strip().lower(), label)
        parts = split_path(label)
        if not parts:
            raise RecordError("an empty topic")
        if len(parts) == 1 and parts[0].lower() in self._topic_names:
            return self._topic_names[parts[0].lower()][0]
        parent = None
        for depth, name in enumerate(parts):
            key = (parent, name.lower())
            if key not in self._topics:
                self._topics[key] = self._create_topic(name[:120], parent, " ".join(parts[: depth + 1]))
                self._topic_names.setdefault(name.lower(), []).append(self._topics[key])
            parent = self._topics[key]
        return parent

    def _create_topic(self, name, parent_id, path):
        base = slugify(path)[:130] or "topic"
        slug, n = base, 1
        while slug in self._slugs:
            n += 1
            slug = f"{base}-{n}"
        self._slugs.add(slug)
        return Topic.objects.create(name=name, slug=slug, parent_id=parent_id).pk

    # --- targets -----------------------------------------------------------------------------------------------------

    def target_id(self, name: str, kind: str = "") -> int:
        if self._targets is None:
            self._targets = {}
            for pk, target_name, slug in Target.objects.values_list("pk", "name", "slug"):
                self._targets[target_name.lower()] = self._targets[slug.lower()] = pk
        key = name.strip().lower()
        if key not in self._targets:
            base = slugify(name)[:130] or "target"
            slug, n = base, 1
            while slug.lower() in self._targets:
                n += 1
                slug = f"{base}-{n}"
            target = Target.objects.create(
                name=name.strip()[:120], slug=slug, kind=kind if kind in TargetKind.values else TargetKind.OTHER
            )
            self._targets[key] = self._targets[slug.lower()] = target.pk
        return self._targets[key]

    # --- users -------------------------------------------------------------------------------------------------------

    def user_id(self, username: str = "") -> int:
        """The user with this username, else the importing user."""
        if username and username not in self._users:
            user_model = get_user_model()
            self._users[username] = (
                user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).values_list("pk", flat=True).first()
            )
        return self._users.get(username) or self.default_author().pk

    def default_author(self):
        if self._default_author is None:
            self._default_author = import_user()
        return self._default_author


def import_user():
    """The account imported annotations are credited to when a file names none known here:
    “import”, created on first use, with no password (nobody signs in as it)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(**{user_model.USERNAME_FIELD: IMPORT_USERNAME})
    if created:
        user.set_unusable_password()
        user.save()
    return user
