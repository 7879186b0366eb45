"""A corrected edition of transcript 001: twenty explicit edits, and what each passage should become.

An edit is written in its context: ``"held two meetings, [[on=>one]] in a restricted"`` replaces
“on” by “one” where that context occurs (exactly once) in the text. ``[[=>text]]`` inserts,
``[[text=>]]`` deletes. ``MOVE`` moves a paragraph before another one.
"""

import re
from dataclasses import dataclass
from pathlib import Path

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"
FILE_000 = TRANSCRIPTS / "000_fdb94d2577f2daed.txt"
FILE_001 = TRANSCRIPTS / "001_296888d256c771b2.txt"

EDITS_001 = [
    # typos fixed
    "Today, we held two meetings, [[on=>one]] in a restricted format",
    "making it a [[fully-operational=>fully operational]] project",
    "The Americans were [[receptive of=>receptive to]] it",
    # spelling and words changed, some inside or next to annotated passages
    "I would like to [[emphasise=>emphasize]] the special contribution",
    "while also encouraging an openly Nazi regime in [[Kiev=>Kyiv]].",
    "which has [[opted for ignoring=>chosen to ignore]] the root causes",
    "attempts to draw Ukraine into NATO were [[misguided=>a mistake]].",
    "We have been laying out our approach in [[sufficient=>considerable]] detail.",
    "Yes, we [[certainly=>indeed]] talked about this group of issues",
    "National currencies now account for [[85=>almost 85]] percent of payments",
    "trade within the CIS increased by [[nearly=>almost]] 4.5 percent last year",
    "even when it’s just about two individuals [[reuniting=>being reunited]] with their families",
    "no one has [[=>yet ]]seen the 10 billion euros promised",
    "and other multilateral [[platforms=>fora]].",
    # sentences added and removed
    "ensure continuity in our operations.[[=> We will keep in close touch with Dushanbe.]]",
    "80th anniversary of Victory in the Great Patriotic War[[=> of 1941-1945]].",
    "[[He hates them all. =>]]Putting this man in charge",
    "these sprouts of integration processes[[ (in some cases fully grown entities)=>]] should establish",
    "Kallas failed to mention that[[, first of all,=>]] Estonia and other members",
    "It was undermined and destroyed by the [[Biden Administration=>previous US Administration]].",
]
# A paragraph moved: the closing thought of answer 8 now comes before the China example.
MOVE = ("I believe we should not get complacent", "For example, the People’s Republic of China")

_EDIT = re.compile(r"\[\[(.*?)=>(.*?)\]\]", re.S)


@dataclass(frozen=True)
class Edit:
    before: str  # context before the changed text
    old: str
    new: str
    after: str

    @classmethod
    def parse(cls, spec):
        match = _EDIT.search(spec)
        return cls(spec[: match.start()], match.group(1), match.group(2), spec[match.end() :])

    @property
    def context(self):
        return self.before + self.old + self.after


def apply_edits(text, edits=EDITS_001, *, strict=True):
    """The edited text and, for positions of the old text, where they are now: (start map, end map)."""
    regions = []  # (old start, old end, replacement)
    for spec in edits:
        edit = Edit.parse(spec)
        count = text.count(edit.context)
        if strict:
            assert count == 1, f"edit context found {count} times: {edit.context!r}"
        if count != 1:
            continue
        start = text.index(edit.context) + len(edit.before)
        regions.append((start, start + len(edit.old), edit.new))
    regions.sort()
    pieces, position, shift = [], 0, 0
    boundaries = []  # (old start, old end, new start, new end)
    for old_start, old_end, new in regions:
        pieces.append(text[position:old_start])
        new_start = old_start + shift
        boundaries.append((old_start, old_end, new_start, new_start + len(new)))
        pieces.append(new)
        shift += len(new) - (old_end - old_start)
        position = old_end
    pieces.append(text[position:])

    def map_start(p):
        offset = 0
        for old_start, old_end, new_start, new_end in boundaries:
            if p < old_start or (p == old_start and old_start == old_end):
                break
            if p < old_end:
                return new_start  # a passage starting inside a replaced text starts with its replacement
            offset = new_end - old_end
        return p + offset

    def map_end(p):
        offset = 0
        for old_start, old_end, _, new_end in boundaries:
            if p <= old_start:
                break
            if p < old_end:
                return new_end  # a passage ending inside a replaced text ends with its replacement
            offset = new_end - old_end
        return p + offset

    return "".join(pieces), map_start, map_end


def move_paragraph(text, paragraph_start, before_start):
    lines = text.split("\n")
    moving = next(i for i, line in enumerate(lines) if line.startswith(paragraph_start))
    line = lines.pop(moving)
    target = next(i for i, candidate in enumerate(lines) if candidate.startswith(before_start))
    lines.insert(target, line)
    return "\n".join(lines)


def corrected_001():
    """The text of the corrected edition of 001."""
    text, _, _ = apply_edits(FILE_001.read_text(encoding="utf-8"))
    return move_paragraph(text, *MOVE)


def intended_quote(turn_text, start, end):
    """What the passage [start, end) of an old turn should read in the corrected edition ("" if deleted)."""
    new_text, map_start, map_end = apply_edits(turn_text, strict=False)
    new_start, new_end = map_start(start), map_end(end)
    return new_text[new_start:new_end] if new_end > new_start else ""
