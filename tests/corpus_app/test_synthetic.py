"""The synthetic corpus's documents (``corpus_app.synthetic``); ``generate_corpus`` is tested with the annotations."""

import random

from corpus_app import synthetic
from corpus_app.parsing import parse_transcript


def test_rendered_transcript_parses_back_into_its_turns():
    vocabulary = synthetic.load_vocabulary()
    planned = synthetic.plan_document(random.Random(3), vocabulary, ["Murat Nurtleu"], turns=12)
    parsed = parse_transcript(synthetic.render_transcript(planned), source="x.txt", aliases={}, speaker_kinds={})
    assert len(parsed.turns) >= 6
    assert parsed.date == planned.date
