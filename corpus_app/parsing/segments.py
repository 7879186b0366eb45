"""The body cut into blocks, one per stretch of one speaker, and each block's kind.

A paragraph that opens with a label starts a block; the unlabelled paragraphs after it go on
with it. A paragraph that is only a note is a block of its own, and a separator ends a block.
Kinds: questioners ask, principals answer after a question, moderators and openings make
remarks; speakers whose labels say nothing of their part are questioners when their turns end
asking.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus_app.parsing.cleaning import Line
from corpus_app.parsing.document import ParseWarning, TurnKind
from corpus_app.parsing.labels import SpeakerDirectory
from corpus_app.parsing.names import lookup_key, strip_parenthetical
from corpus_app.parsing.speakers import Resolution
from corpus_app.parsing.vocabulary import MODERATOR_WORDS

# Editorial notes: "(RPA: EU growth was about 1% in 2024)", "[Editor's note: …]".
_NOTE_PREFIX = r"(?:[A-Z]{2,6}|(?:Editor|Translator|Publisher)(?:[’']s)?\s+[Nn]ote|Ed\.(?:\s+[Nn]ote)?|N\.B\.|NB)"
INLINE_NOTE = re.compile(rf"[(\[]\s*(?P<label>{_NOTE_PREFIX})\s*:\s*[^()\[\]]*[)\]]")
NOTE_PARAGRAPH = re.compile(r"^(?P<label>(?:Editor|Translator|Publisher)(?:[’']s)?\s+[Nn]ote|Ed\.\s+[Nn]ote)\s*:\s*\S")
# A paragraph that is only a stage direction: "(Speaks in Ukrainian.)", "[Applause]".
STAGE_DIRECTION = re.compile(r"^[(\[][^()\[\]]+[)\]]$")
QUESTIONER_SHARE = 0.5
RELAYED_QUESTION_WORDS = 40  # a moderator's turn this long that ends asking is a question


@dataclass
class Block:
    """Consecutive paragraphs: a labelled turn with its unlabelled follow-ups, an intro, or a note."""

    line: int
    paragraphs: list[Line]  # labels removed
    label: str | None = None
    resolution: Resolution | None = None
    note_label: str | None = None
    is_note: bool = False  # a whole-paragraph editorial note or stage direction
    continues: Block | None = None  # after a note: the block whose speaker goes on
    after_break: bool = False  # after a separator: the speaker goes on with new remarks
    kind: TurnKind | None = None


def _is_note_paragraph(text: str) -> bool:
    """An editorial note or a stage direction standing as a paragraph of its own."""
    return bool(NOTE_PARAGRAPH.match(text) or STAGE_DIRECTION.match(text))


def _note_label(text: str) -> str | None:
    match = NOTE_PARAGRAPH.match(text) or INLINE_NOTE.fullmatch(text)
    return match["label"] if match else None


def _labelled_block(line: int, first: Line, label: str, resolution: Resolution, directory: SpeakerDirectory) -> Block:
    if resolution.question:  # "QUESTION: Thank you. Humeyra Pamuk with Reuters. …"
        resolution = directory.self_introduced_journalist(first.text) or resolution
    return Block(line, [first], label, resolution)


def segment(
    body: list[Line], directory: SpeakerDirectory, warnings: list[ParseWarning], breaks: Sequence[int] = ()
) -> list[Block]:
    breaks = sorted(breaks)
    previous_line = 0
    blocks: list[Block] = []
    current: Block | None = None
    interrupted: Block | None = None  # the block a note paragraph interrupted
    pending: tuple[str, Resolution, int] | None = None  # a label alone on its line, waiting for its text
    for paragraph in body:
        after_break = bisect.bisect_left(breaks, paragraph.number) > bisect.bisect_left(breaks, previous_line)
        previous_line = paragraph.number
        if after_break and current is not None:  # after "* * *" the text goes on as a new turn
            interrupted, current = current, None
        if pending is None and _is_note_paragraph(paragraph.text):  # after a label alone, a note is its text
            blocks.append(Block(paragraph.number, [paragraph], note_label=_note_label(paragraph.text), is_note=True))
            interrupted = current or interrupted
            current = None
            continue
        if labelled := directory.split_label(paragraph.text):
            label, resolution, rest = labelled
            if (frequent := directory.typos.get(strip_parenthetical(label))) is not None:
                message = f"the label “{label}” is read as “{frequent}”, the frequent label it is a letter or two off"
                warnings.append(ParseWarning(paragraph.number, "label_typo", message))
            if not rest:
                pending = (label, resolution, paragraph.number)
                continue
            current = _labelled_block(paragraph.number, Line(paragraph.number, rest), label, resolution, directory)
            blocks.append(current)
        elif pending is not None:
            label, resolution, line = pending
            current = _labelled_block(line, paragraph, label, resolution, directory)
            blocks.append(current)
        elif current is None:
            current = Block(paragraph.number, [paragraph], continues=interrupted, after_break=after_break)
            blocks.append(current)
        else:
            current.paragraphs.append(paragraph)
        pending = None
        interrupted = None
    if pending is not None:
        label, _, line = pending
        warnings.append(ParseWarning(line, "truncated_line", f"the label “{label}” is not followed by any text"))
    _learn_questioners(blocks, directory)
    return _split_unlabelled_answers(blocks, directory)


def _ends_asking(block: Block) -> bool:
    """A question ends asking; a speech with a rhetorical question in it does not."""
    return (
        "?" in block.paragraphs[-1].text[-300:]
    )  # the share of a speaker's turns that ask something, for them to be a questioner


def _learn_questioners(blocks: list[Block], directory: SpeakerDirectory) -> None:
    """Speakers whose labels say nothing of their part ("Reuters:", "Mr. Hague:") but who ask: most
    of their turns hold a question mark, and the title does not name them. Their turns are questions."""
    turns_of: dict[str, list[Block]] = collections.defaultdict(list)
    for block in blocks:
        resolution = block.resolution
        if resolution is None or resolution.question or resolution.answer or _is_moderator(resolution):
            continue
        if resolution.name and resolution.name not in directory.title_persons:
            turns_of[resolution.name].append(block)
    shares = {
        name: sum(_ends_asking(block) for block in speaker_blocks) / len(speaker_blocks)
        for name, speaker_blocks in turns_of.items()
    }
    questioners = {name for name, share in shares.items() if share >= QUESTIONER_SHARE}
    has_questions = any(block.resolution is not None and block.resolution.question for block in blocks)
    if not questioners and not has_questions and len(shares) >= 2:
        # An interview between two voices, neither labelled as asking: the one who asks far more.
        ranked = sorted(shares.items(), key=lambda item: item[1], reverse=True)
        (first, first_share), (_, second_share) = ranked[0], ranked[1]
        if first_share >= 0.25 and first_share >= 2 * second_share:
            questioners = {first}
    for name in questioners:
        for block in turns_of[name]:
            block.resolution = dataclasses.replace(block.resolution, question=True)


def _split_unlabelled_answers(blocks: list[Block], directory: SpeakerDirectory) -> list[Block]:
    """An interview that labels only its questions ("Reporter: …?" then the answer unlabelled): the
    paragraphs after a question's last question mark are the answer of the person the title names."""
    labelled = [block.resolution for block in blocks if block.resolution is not None]
    principal = directory.principal
    if not labelled or principal is None or not all(resolution.question for resolution in labelled):
        return blocks
    answer = Resolution(principal, "title", answer=True)
    result = []
    for block in blocks:
        result.append(block)
        if block.resolution is None or len(block.paragraphs) < 2:
            continue
        asked = max((index for index, p in enumerate(block.paragraphs) if "?" in p.text), default=0)
        if asked + 1 < len(block.paragraphs):
            rest = block.paragraphs[asked + 1 :]
            block.paragraphs = block.paragraphs[: asked + 1]
            result.append(Block(rest[0].number, rest, label=None, resolution=answer))
    return result


def _is_moderator(resolution: Resolution) -> bool:
    return lookup_key(resolution.name or "") in MODERATOR_WORDS or resolution.role in MODERATOR_WORDS


def assign_kinds(blocks: list[Block]) -> None:
    """Question labels ask; a named speaker answers right after a question (or after another answer,
    when a second official answers too) and otherwise makes remarks. Moderators make remarks and
    are skipped when looking back, so "QUESTION → MODERATOR → OFFICIAL" is still an answer."""
    previous: TurnKind | None = None
    for block in blocks:
        if block.is_note or block.resolution is None:
            if block.continues is not None and block.continues.resolution is not None:
                block.label, block.resolution = block.continues.label, block.continues.resolution
                block.kind = TurnKind.REMARKS if block.after_break else block.continues.kind
            continue
        resolution = block.resolution
        if resolution.question:
            block.kind = TurnKind.QUESTION
        elif resolution.answer:
            block.kind = TurnKind.ANSWER
        elif _is_moderator(resolution):
            # A moderator who asks at length puts a question (their own, or one sent in); a short
            # "Would you like to respond?" hands the floor on.
            asks = _ends_asking(block) and sum(len(p.text.split()) for p in block.paragraphs) >= RELAYED_QUESTION_WORDS
            block.kind = TurnKind.QUESTION if asks else TurnKind.REMARKS
            if asks:
                previous = block.kind
            continue  # not a "previous" turn for the answer rule
        elif previous in {TurnKind.QUESTION, TurnKind.ANSWER}:
            block.kind = TurnKind.ANSWER
        else:
            block.kind = TurnKind.REMARKS
        previous = block.kind
