"""annotations.anchoring: finding a passage again in a corrected text (pure functions, no database)."""

import pytest

from annotations.anchoring import EXACT, FUZZY, anchor, best_span, context_similarity

TEXT = (
    "We discussed the results of cooperation between our foreign ministries. "
    "National currencies now account for 85 percent of payments in trade with the CIS countries. "
    "We are developing this process with China and, to a lesser degree, India."
)
QUOTE = "National currencies now account for 85 percent of payments"


def context(text, quote, chars=32):
    start = text.index(quote)
    return text[max(0, start - chars) : start], text[start + len(quote) : start + len(quote) + chars]


def place(quote, texts, *, old_text=None, **hints):
    prefix, suffix = context(old_text or texts[0], quote)
    return anchor(quote=quote, prefix=prefix, suffix=suffix, texts=texts, **hints)


def quoted(found, texts):
    return texts[found.turn_index][found.start : found.end]


def test_an_unchanged_text_gives_the_same_offsets_exactly():
    found = place(QUOTE, [TEXT])
    assert (found.turn_index, found.start, found.method) == (0, TEXT.index(QUOTE), EXACT)
    assert found.end - found.start == len(QUOTE) and found.score >= 0.95


def test_the_passage_is_found_in_another_turn_after_text_moved():
    texts = ["Good afternoon.", "Something else entirely.", TEXT]
    found = place(QUOTE, texts, old_text=TEXT, turn_hint=0, offset_hint=73)
    assert found.turn_index == 2 and quoted(found, texts) == QUOTE and found.method == EXACT


def test_the_context_chooses_between_several_exact_occurrences():
    old = "The EU wants sanctions. The idea is simple. Russia rejects sanctions. The idea is old."
    quote = "The idea is"
    prefix, suffix = old[40 : old.index("The idea is old")], " old."
    new = "Preface. " + old
    found = anchor(quote=quote, prefix=prefix, suffix=suffix, texts=[new])
    assert found.start == new.index("The idea is old") and found.method == EXACT


def test_the_hint_breaks_a_tie_between_identical_contexts():
    texts = ["Thank you. Thank you.", "Thank you. Thank you."]
    found = anchor(quote="Thank you.", prefix="", suffix=" Thank you.", texts=texts, turn_hint=1, offset_hint=0)
    assert (found.turn_index, found.start) == (1, 0)


def test_a_reworded_figure_is_found_fuzzily_with_its_new_wording():
    old = TEXT.replace("85 percent", "85%")
    quote = "National currencies now account for 85% of payments in trade with the CIS countries."
    prefix, suffix = context(old, quote)
    found = anchor(quote=quote, prefix=prefix, suffix=suffix, texts=[TEXT])
    assert found.method == FUZZY
    assert (
        quoted(found, [TEXT])
        == "National currencies now account for 85 percent of payments in trade with the CIS countries."
    )


def test_a_word_inserted_inside_the_passage_is_included():
    new = TEXT.replace("account for 85", "account for almost 85")
    found = place(QUOTE, [new], old_text=TEXT)
    assert quoted(found, [new]) == "National currencies now account for almost 85 percent of payments"


def test_a_typo_fixed_inside_the_passage():
    old = TEXT.replace("currencies", "curencies")
    quote = QUOTE.replace("currencies", "curencies")
    found = place(quote, [TEXT], old_text=old)
    assert quoted(found, [TEXT]) == QUOTE and found.method == FUZZY


def test_a_passage_rewritten_in_the_middle_is_found_by_its_intact_context():
    quote = "account for 85 percent of payments"
    prefix, suffix = context(TEXT, quote)
    new = TEXT.replace("account for 85 percent of payments", "make up 85 percent of all payments")
    found = anchor(quote=quote, prefix=prefix, suffix=suffix, texts=[new])
    assert quoted(found, [new]) == "make up 85 percent of all payments"


def test_a_deleted_passage_is_not_placed():
    quote = "We are developing this process with China and, to a lesser degree, India."
    prefix, suffix = context(TEXT, quote)
    new = TEXT.replace(quote, "").strip()
    assert anchor(quote=quote, prefix=prefix, suffix=suffix, texts=[new, "Another turn about trade."]) is None


def test_a_rewritten_sentence_is_not_forced_onto_a_lookalike():
    quote = "We discussed the results of cooperation between our foreign ministries."
    prefix, suffix = context(TEXT, quote)
    new = TEXT.replace(quote, "Our diplomats compared notes on the year behind us.")
    assert anchor(quote=quote, prefix=prefix, suffix=suffix, texts=[new]) is None


def test_a_short_quote_needs_its_context():
    # "India" occurs in the new text, but in a sentence that has nothing to do with the old one.
    found = anchor(quote="India", prefix="with China and, to a lesser degree, ", suffix=".", texts=["India is big."])
    assert found is None


def test_a_short_quote_with_its_context_is_found():
    new = TEXT.replace("a lesser degree", "a smaller degree")
    found = anchor(quote="India", prefix="with China and, to a lesser degree, ", suffix=".", texts=[new])
    assert quoted(found, [new]) == "India"


@pytest.mark.parametrize("quote", ["", None])
def test_nothing_to_look_for(quote):
    assert anchor(quote=quote or "", texts=[TEXT]) is None


def test_no_texts():
    assert anchor(quote=QUOTE, texts=[]) is None


def test_best_span_moves_boundaries_to_where_the_quote_fits():
    text = "xx National currencies now account for almost 85 percent of payments yy"
    start, end, score = best_span(QUOTE, text, 3, 3 + len(QUOTE))
    assert text[start:end] == "National currencies now account for almost 85 percent of payments" and score > 0.85


def test_context_similarity_is_one_without_context():
    assert context_similarity(TEXT, 0, 5, "", "") == 1.0
    prefix, suffix = context(TEXT, QUOTE)
    start = TEXT.index(QUOTE)
    assert context_similarity(TEXT, start, start + len(QUOTE), prefix, suffix) == 1.0


def test_astral_characters_are_code_points():
    text = "Emoji 🙂 then National currencies now account for 85 percent of payments."
    found = place(QUOTE, [text])
    assert quoted(found, [text]) == QUOTE
