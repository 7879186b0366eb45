"""The topics, targets and demo annotations of ``seed.toml``, the source of fixtures/topics.json,
targets.json and demo_annotations.json (``make fixtures``, ``annotations.fixture_builder``)."""

import tomllib
from pathlib import Path

_SEED = tomllib.loads(Path(__file__).with_name("seed.toml").read_text(encoding="utf-8"))
TOPICS = _SEED["topics"]  # {slug, name, parent (absent for a root), description}, parents first
TARGETS = _SEED["targets"]  # {slug, name, kind}
DEMO_ANNOTATIONS = _SEED["demo_annotations"]

# Demo accounts that author the demo annotations; `setup_demo` gives them passwords.
DEMO_EDITOR = "editor"
DEMO_REVIEWER = "reviewer"
