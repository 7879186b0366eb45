"""The same statement elsewhere in the corpus, despite small wording changes. Pure Python, no Django.

“85%” and “85 percent”, “€10 billion” and “10 billion euros” are the same claim. Turns are
split into sentences, cheaply screened (a candidate must share the quote's numbers and
enough of its rarer words), then scored with rapidfuzz on a normalised form of both texts
(numbers, percent and currency words spelled one way).
"""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from annotations.anchoring import best_span, similarity

MIN_SCORE = 80.0  # 0–100, rapidfuzz's scale
MIN_QUOTE_CHARS = 12
MIN_SHARED_WEIGHT = 0.35  # share of the quote's word weight (rarer words weigh more) a sentence must contain
SPAN_SIMILARITY = 0.7  # the matching part of a sentence is offered when it is this close; else the sentence

_STOPWORDS_TEXT = """
a about after all also an and any are as at be been being but by can could did do does for from had has have
he her his i if in into is it its me more most my no not now of on or our out over she should so some such
than that the their them then there these they this those to too up us very was we were what when which while
who will with would you your
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_SENTENCE_END = re.compile(r"[.!?…]+[”\"’')\]]*(?=\s+|$)")
_CURRENCIES = {"€": "euros", "$": "dollars", "£": "pounds", "¥": "yuan", "₽": "roubles"}
_CURRENCY_WORDS = {
    "euro": "euros",
    "eur": "euros",
    "dollar": "dollars",
    "usd": "dollars",
    "pound": "pounds",
    "rouble": "roubles",
    "ruble": "roubles",
    "rubles": "roubles",
}
_SCALE = r"(?:\s*(?:thousand|million|billion|trillion|bn|mln))?"
_CURRENCY_BEFORE = re.compile(r"([€$£¥₽])\s?(\d[\d,]*(?:\.\d+)?" + _SCALE + ")")
_PERCENT = re.compile(r"(\d)\s*(?:%|per\s?cent\b)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Candidate:
    key: object  # whatever the caller uses to find the text again (a turn id)
    start: int
    end: int
    sentence: Sentence
    score: float


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their offsets in ``text``; line breaks also end a sentence."""
    sentences = []
    for line in re.finditer(r"[^\n]+", text):
        position = line.start()
        chunk_end = line.end()
        for match in _SENTENCE_END.finditer(text, position, chunk_end):
            _append(sentences, text, position, match.end())
            position = match.end()
        _append(sentences, text, position, chunk_end)
    return sentences


def _append(sentences, text, start, end):
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        sentences.append(Sentence(start, end, text[start:end]))


def normalise(text: str) -> str:
    """Lower case, one spelling for numbers, percentages and currencies, no punctuation."""
    text = text.replace("\u00a0", " ")
    text = _THOUSANDS.sub("", text)
    text = _CURRENCY_BEFORE.sub(lambda m: f"{m.group(2)} {_CURRENCIES[m.group(1)]}", text)
    text = _PERCENT.sub(r"\1 percent", text)
    text = text.lower()
    words = [_CURRENCY_WORDS.get(word, word) for word in _WORD.findall(text)]
    return " ".join(words)


def content_words(normalised: str) -> set[str]:
    return {word for word in normalised.split() if word not in STOPWORDS and (len(word) > 2 or word.isdigit())}


def numbers(normalised: str) -> set[str]:
    return {word for word in normalised.split() if word[0].isdigit()}


def key_terms(text: str, limit: int = 4) -> list[str]:
    """Words to pre-select turns with (a database ``icontains``): the numbers, then the longest words."""
    words = content_words(normalise(text))
    digits = sorted((w for w in words if w[0].isdigit()), key=len, reverse=True)
    others = sorted((w for w in words if not w[0].isdigit()), key=lambda w: (-len(w), w))
    return (digits + others)[:limit]


def find_similar(quote: str, texts: Iterable[tuple[object, str]], *, limit: int = 10) -> list[Candidate]:
    """Sentences among ``texts`` ((key, text) pairs) that state what ``quote`` states, best first."""
    norm_quote = normalise(quote)
    if len(norm_quote) < MIN_QUOTE_CHARS:
        return []
    quote_words = content_words(norm_quote)
    quote_numbers = numbers(norm_quote)
    sentences = [
        (key, text, sentence, normalise(sentence.text)) for key, text in texts for sentence in split_sentences(text)
    ]
    if not sentences or not quote_words:
        return []
    # Rarer words weigh more (inverse sentence frequency over the sentences offered).
    frequency = {}
    for *_, norm in sentences:
        for word in content_words(norm) & quote_words:
            frequency[word] = frequency.get(word, 0) + 1
    weight = {word: math.log((1 + len(sentences)) / (1 + frequency.get(word, 0))) + 1 for word in quote_words}
    total_weight = sum(weight.values())

    found = []
    for key, text, sentence, norm in sentences:
        words = content_words(norm)
        if not quote_numbers <= words:  # a figure that differs is a different claim
            continue
        if sum(weight[w] for w in quote_words & words) / total_weight < MIN_SHARED_WEIGHT:
            continue
        score = fuzz.partial_ratio(norm_quote, norm) if len(norm_quote) < len(norm) else fuzz.ratio(norm_quote, norm)
        if score < MIN_SCORE:
            continue
        start, end = _matching_part(quote, text, sentence)
        found.append(Candidate(key, start, end, sentence, round(score, 1)))
    found.sort(key=lambda c: (-c.score, str(c.key), c.start))
    return found[:limit]


def _matching_part(quote, text, sentence):
    """The part of the sentence that matches the quote, when the quote is only part of it."""
    if len(quote) >= len(sentence.text) * 0.9:
        return sentence.start, sentence.end
    alignment = fuzz.partial_ratio_alignment(quote, sentence.text)
    if alignment is None:
        return sentence.start, sentence.end
    s, e, _ = best_span(quote, sentence.text, alignment.dest_start, alignment.dest_end)
    if similarity(quote, sentence.text[s:e]) < SPAN_SIMILARITY:
        return sentence.start, sentence.end
    return sentence.start + s, sentence.start + e
