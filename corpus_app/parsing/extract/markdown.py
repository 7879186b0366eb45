"""Markdown: read as text (front matter included), then the markup readers never see removed.

One output line per input line, so line numbers stay those of the file. Removed: blockquote
markers, heading marks, emphasis delimiters (not the ``_`` inside ``snake_case``), links
(their text kept), images, backslash escapes (the character kept), hard breaks (trailing
spaces or backslash), Liquid/Jinja tags, HTML comments and simple HTML tags; HTML entities
become their characters. Code spans and fenced code keep their content as written.

Hand-written rather than markdown-it-py: its inline tokens carry no source positions, and a
rendered document would lose the line-for-line mapping the parser's warnings rely on.

Every rule takes time in proportion to the line (or text) it reads, whatever the line holds: a
pattern that searched on from every "[" or "*" of a line for a closing mark that never came took
16 s on a 60,000-character line of them, and four times as long for twice the line. Link and image
texts hold no "[" (as CommonMark reads ``[a [b](url)``: the link is ``[b](url)``), image targets
no "("; spans that close with a mark (comments, template tags) are found with ``str.find``, which
gives up on an opening mark once no closing one follows; emphasis is looked for only up to the
line's last closing delimiter.
"""

from __future__ import annotations

import html
import re

from corpus_app.parsing.extract import ExtractedText
from corpus_app.parsing.extract.text import read_text

# HTML elements whose tags are dropped (their text kept); an unknown "<Name>" stays as text.
_HTML_ELEMENTS = (
    "a|abbr|address|article|aside|b|bdi|bdo|big|blockquote|br|caption|center|cite|code|col|colgroup|dd|del|details|"
    "dfn|div|dl|dt|em|figcaption|figure|font|footer|h[1-6]|header|hr|i|img|ins|kbd|li|mark|nav|ol|p|picture|pre|q|"
    "s|samp|section|small|source|span|strike|strong|sub|summary|sup|table|tbody|td|tfoot|th|thead|time|tr|tt|u|ul|"
    "var|video|audio|wbr|iframe|figure|main"
)
_HTML_TAG = re.compile(rf"</?(?:{_HTML_ELEMENTS})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_MARKUP_CHARACTERS = re.compile(r"[*_\[\]!<>&#`~\\=]")
_COMMENT = (("<!--", "-->"),)
_TEMPLATE_TAGS = (("{%", "%}"), ("{{", "}}"), ("{#", "#}"))
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_ESCAPE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_BLOCKQUOTE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+")
_HEADING = re.compile(r"^([ \t]{0,3})#{1,6}(?:[ \t]+|$)")
_HEADING_CLOSE = re.compile(r"[ \t]+#+[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^[ \t]{0,3}=+[ \t]*$")
_LINK_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*\S+(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?[ \t]*$")
_IMAGE = re.compile(r"!\[[^\[\]]*\](?:\([^()]*\)|\[[^\[\]]*\])")
_INLINE_LINK = re.compile(
    r"\[([^\[\]]*)\]\((?:<[^>]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_REFERENCE_LINK = re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+)>")
# Emphasis delimiters that are markup: the opening one is followed by a non-space and not
# preceded by a letter or digit, the closing one the reverse ("snake_case", "2*3*4" stay).
# Each with its closing delimiter alone: no match ends past the last one on a line.
_EMPHASIS = [
    (
        re.compile(rf"(?<![^\W_])(?<![{c}\\])({d})(?=[^\s{c}])(.+?)(?<=[^\s{c}\\])\1(?![^\W_])(?!{c})"),
        re.compile(rf"(?<=[^\s{c}\\]){d}(?![^\W_])(?!{c})"),
    )
    for c, d in (
        (r"\*", r"\*\*\*"),
        ("_", "___"),
        (r"\*", r"\*\*"),
        ("_", "__"),
        (r"\*", r"\*"),
        ("_", "_"),
        ("~", "~~"),
    )
]


def extract(raw: bytes) -> ExtractedText:
    text, metadata = read_text(raw)
    return ExtractedText(format="markdown", text=strip_markdown(text), metadata=metadata)


def strip_markdown(text: str) -> str:
    # Comments and template tags may span lines: keep their line breaks only.
    text = _spans_off(text, _COMMENT)
    text = _spans_off(text, _TEMPLATE_TAGS)
    lines = text.split("\n")
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
                out.append("")
            else:
                out.append(line.rstrip())
            continue
        if opening:
            fence = opening.group(1)
            out.append("")
            continue
        previous = out[-1] if out else ""
        out.append(_strip_line(line, after_text=bool(previous.strip())))
    return "\n".join(out)


def _spans_off(text: str, marks: tuple[tuple[str, str], ...]) -> str:
    """Each span from an opening mark to the first closing one after it (the earliest opening
    first, as a pattern of alternatives would find them) replaced by its line breaks only."""
    following = {mark: text.find(mark[0]) for mark in marks}  # each kind's next opening mark
    kept, start = [], 0
    while found := [(at, mark) for mark, at in following.items() if at >= 0]:
        at, (opening, closing) = min(found)
        end = text.find(closing, at + len(opening))
        if end < 0:  # no closing mark after this one, so none after a later one either
            del following[(opening, closing)]
            continue
        end += len(closing)
        kept += [text[start:at], "\n" * text.count("\n", at, end)]
        start = end
        for mark, position in following.items():
            if position < start:
                following[mark] = text.find(mark[0], start)
    kept.append(text[start:])
    return "".join(kept)


def _strip_line(line: str, *, after_text: bool) -> str:
    if not _MARKUP_CHARACTERS.search(line):  # most lines of a transcript: nothing to remove
        return line.rstrip()
    if after_text and _SETEXT_UNDERLINE.match(line):
        return ""
    if _LINK_DEFINITION.match(line):
        return ""
    line = _BLOCKQUOTE.sub("", line)
    if _HEADING.match(line):
        line = _HEADING_CLOSE.sub("", _HEADING.sub(r"\1", line))
    protected = _Protected(line)
    line = protected.text
    line = _IMAGE.sub("", line)
    line = _INLINE_LINK.sub(r"\1", line)
    line = _REFERENCE_LINK.sub(r"\1", line)
    line = _AUTOLINK.sub(r"\1", line)
    line = _HTML_TAG.sub("", line)
    line = _emphasis_off(line)
    line = html.unescape(line)
    line = protected.restore(line)
    line = line.rstrip()
    if line.endswith("\\") and not line.endswith("\\\\"):  # a backslash hard break
        line = line[:-1].rstrip()
    return line.rstrip()


def _emphasis_off(line: str) -> str:
    for pattern, closing in _EMPHASIS:
        previous = None
        while previous != line:  # nested emphasis ("**a *b* c**") comes off layer by layer
            end = None
            for end_match in closing.finditer(line):
                end = end_match.end()
            if end is None:
                break
            previous, line = line, pattern.sub(r"\2", line[:end]) + line[end:]
    return line


class _Protected:
    """Code spans and backslash escapes set aside so no other rule touches their characters."""

    def __init__(self, line: str):
        self._open, self._close = next(
            (chr(a), chr(a + 1)) for a in range(0xE000, 0xF8FF, 2) if chr(a) not in line and chr(a + 1) not in line
        )
        self._kept: list[str] = []
        line = _CODE_SPAN.sub(lambda m: self._keep(m.group(2).strip() or m.group(2)), line)
        self.text = _ESCAPE.sub(lambda m: self._keep(m.group(1)), line)

    def _keep(self, text: str) -> str:
        self._kept.append(text)
        return f"{self._open}{len(self._kept) - 1}{self._close}"

    def restore(self, line: str) -> str:
        pattern = re.compile(f"{self._open}(\\d+){self._close}")
        return pattern.sub(lambda m: self._kept[int(m.group(1))], line)
