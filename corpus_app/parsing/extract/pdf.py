"""PDF: the text layer read with pdfplumber, made into paragraphs, page chrome removed.

Measured on the development set's two PDFs (19, 20): pypdf's and pdfplumber's plain text
both hold every gold turn's first and last words (30/30, 31/31), but pypdf leaves trailing
spaces on most lines (242, 295) and double spaces where a label stands in its own column, and
gives no positions. pdfplumber gives each word's position and size, which this module needs:
- paragraphs: a gap between two lines clearly larger than the document's usual line gap
  starts a new paragraph (blank line between paragraphs); a paragraph's lines are joined.
  A document without such gaps keeps its lines as they are, for the parser to unwrap;
- labels set in a column of their own ("Minister    text …"): a wide gap inside a line
  becomes a tab, the way such labels look in plain text;
- running headers and footers: a line at the top or bottom of a page that recurs (digits
  aside) on at least half of the pages, and page-number lines ("3", "Page 3 of 9", "- 3 -"),
  are removed and reported in ``dropped``;
- words hyphenated across a line end are joined ("negoti-" + "ations"), except where the
  next part is capitalised or the hyphen follows a digit (a real compound: "Franco-German").
"""

from __future__ import annotations

import io
import re
import statistics
from dataclasses import dataclass

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect

from corpus_app.parsing.extract import ExtractedText, ExtractError

MAX_PAGES = 1000
MAX_PDF_BYTES = 100 * 1024 * 1024
_CHROME_ZONE = 2  # lines at each end of a page that may be running headers or footers
_PAGE_NUMBER = re.compile(
    r"^[-–—(\[]?\s*(?:page|p\.|seite|página|page no\.?)?\s*(?:\d{1,4}|(?=[ivxl])x{0,3}(?:ix|iv|v?i{0,3}))"
    r"(?:\s*(?:of|/|de|von|sur)\s*\d{1,4})?\s*[-–—)\]]?$",
    re.IGNORECASE,
)
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint|excel)\b|untitled|document\d*$|doc\d*$)|\.(?:docx?|rtf|odt|pdf|txt|pages)\s*$",
    re.IGNORECASE,
)


@dataclass
class _Line:
    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    size: float


def extract(raw: bytes, *, max_pages: int = MAX_PAGES) -> ExtractedText:
    if len(raw) > MAX_PDF_BYTES:
        raise ExtractError(f"this PDF is over {MAX_PDF_BYTES // (1024 * 1024)} MB; export only the transcript's pages")
    try:
        pdf = pdfplumber.open(io.BytesIO(raw))
    except PDFPasswordIncorrect as error:
        raise ExtractError("this PDF is password-protected; save an unprotected copy to import it") from error
    with pdf:
        if len(pdf.pages) > max_pages:
            raise ExtractError(f"this PDF has {len(pdf.pages)} pages, over the limit of {max_pages}")
        pages = [_page_lines(page) for page in pdf.pages]
        metadata = _metadata(pdf.metadata or {})
    if not any(pages):
        raise ExtractError(
            "this file is a PDF without a text layer (a scanned image?): run it through OCR, "
            "or import the transcript's text instead"
        )
    kept, dropped_per_page = _remove_chrome(pages)
    text, dropped = _assemble(kept, dropped_per_page)
    if not text.strip():
        raise ExtractError("this PDF has no text besides page headers, footers and numbers")
    return ExtractedText(format="pdf", text=text, metadata=metadata, dropped=tuple(dropped))


def _page_lines(page) -> list[_Line]:
    words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False, use_text_flow=False)
    words.sort(key=lambda word: (round(word["top"]), word["x0"]))
    rows: list[list[dict]] = []
    for word in words:
        if rows and abs(word["top"] - rows[-1][0]["top"]) <= max(2.0, 0.3 * word["size"]):
            rows[-1].append(word)
        else:
            rows.append([word])
    lines = []
    for row in rows:
        row.sort(key=lambda word: word["x0"])
        size = statistics.median(word["size"] for word in row)
        parts = [row[0]["text"]]
        for before, word in zip(row, row[1:], strict=False):
            parts.append("\t" if word["x0"] - before["x1"] > 2 * size else " ")
            parts.append(word["text"])
        text = "".join(parts).replace("\u00ad", "-") if "".join(parts).endswith("\u00ad") else "".join(parts)
        lines.append(
            _Line(
                text=text.replace("\u00ad", ""),
                top=min(w["top"] for w in row),
                bottom=max(w["bottom"] for w in row),
                x0=row[0]["x0"],
                x1=row[-1]["x1"],
                size=size,
            )
        )
    lines.sort(key=lambda line: line.top)
    return lines


def _chrome_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.casefold().split()))


def _remove_chrome(pages: list[list[_Line]]) -> tuple[list[list[_Line]], list[tuple[list[str], list[str]]]]:
    """Each page's body lines, and the (header, footer) lines taken off each page."""
    counts: dict[tuple[str, str], int] = {}
    for lines in pages:
        for zone, candidates in (("top", lines[:_CHROME_ZONE]), ("bottom", lines[-_CHROME_ZONE:])):
            for key in {_chrome_key(line.text) for line in candidates}:
                counts[(zone, key)] = counts.get((zone, key), 0) + 1
    threshold = max(2, (len(pages) + 1) // 2)
    kept, dropped = [], []
    for lines in pages:
        header: list[str] = []
        footer: list[str] = []
        body = list(lines)
        while body and len(header) < _CHROME_ZONE and _is_chrome(body[0], "top", counts, threshold):
            header.append(body.pop(0).text)
        while body and len(footer) < _CHROME_ZONE and _is_chrome(body[-1], "bottom", counts, threshold):
            footer.insert(0, body.pop().text)
        kept.append(body)
        dropped.append((header, footer))
    return kept, dropped


def _is_chrome(line: _Line, zone: str, counts: dict, threshold: int) -> bool:
    text = line.text.strip()
    return bool(_PAGE_NUMBER.match(text)) or counts.get((zone, _chrome_key(text)), 0) >= threshold


def _assemble(pages: list[list[_Line]], dropped_per_page) -> tuple[str, list[tuple[int, str]]]:
    all_lines = [line for lines in pages for line in lines]
    gaps = [
        after.top - before.bottom
        for lines in pages
        for before, after in zip(lines, lines[1:], strict=False)
        if after.top > before.bottom - 1
    ]
    usual_gap = statistics.median(gaps) if gaps else 0.0
    right_edge = max((line.x1 for line in all_lines), default=0.0)

    def starts_paragraph(before: _Line | None, line: _Line, *, new_page: bool) -> bool:
        if before is None:
            return True
        if new_page:  # a paragraph runs on to the next page when the page's last line is full
            return before.x1 < 0.85 * right_edge or before.text.rstrip().endswith((".", "?", "!", ":"))
        return line.top - before.bottom > usual_gap + 0.5 * min(line.size, before.size)

    # Each paragraph is a list of lines; chrome is noted against the paragraph open at the time.
    paragraphs: list[list[str]] = []
    notes: list[tuple[int, str]] = []  # (paragraph index, dropped line)
    previous: _Line | None = None
    for lines, (header, footer) in zip(pages, dropped_per_page, strict=True):
        notes.extend((len(paragraphs) if not lines else max(len(paragraphs) - 1, 0), text) for text in header)
        for index, line in enumerate(lines):
            if starts_paragraph(previous, line, new_page=index == 0):
                paragraphs.append([])
            paragraphs[-1].append(line.text.strip())
            previous = line
        notes.extend((max(len(paragraphs) - 1, 0), text) for text in footer)

    # Lines stay lines (the parser joins wrapped lines, and sees a label at the start of one),
    # with hyphenated words rejoined and a blank line between paragraphs.
    words = _Dehyphenator([line for paragraph in paragraphs for line in paragraph])
    out: list[str] = []
    starts: list[int] = []
    for paragraph in paragraphs:
        if out:
            out.append("")
        starts.append(len(out) + 1)
        out.extend(words.rejoin_words(paragraph))
    dropped = [(starts[index] if index < len(starts) else len(out) + 1, text) for index, text in notes]
    return "\n".join(out) + "\n", dropped


_HYPHENATED = re.compile(r"(?<=[^\W\d_])-$")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


class _Dehyphenator:
    """Joins a word hyphenated across a line end, using the document's own spelling when it can.

    "negoti-" + "ations" is one word; "monsoon-" + "related" is one too unless the document
    writes "monsoon-related" elsewhere, in which case the hyphen is the word's own.
    """

    def __init__(self, lines: list[str]):
        words = {word.casefold() for line in lines for word in _WORD.findall(line)}
        self.hyphenated = {word for word in words if "-" in word}

    def continues_word(self, line: str, following: str) -> bool:
        if not (_HYPHENATED.search(line) and following and following[0].islower()):
            return False
        head = _WORD.findall(line[:-1])
        tail = _WORD.findall(following)
        if head and tail:
            return f"{head[-1]}-{tail[0].split('-')[0]}".casefold() not in self.hyphenated
        return True

    def join(self, lines: list[str]) -> str:
        text = lines[0]
        for line in lines[1:]:
            if self.continues_word(text, line):
                text = text[:-1] + line
            elif text.endswith("-") and not text.endswith(" -"):
                text += line  # a compound ("Franco-" + "German", "2020-" + "21") keeps its hyphen
            else:
                text += " " + line
        return text

    def rejoin_words(self, lines: list[str]) -> list[str]:
        """Lines kept as lines, each hyphenated word moved whole onto the line where it starts."""
        out = list(lines)
        for index in range(len(out) - 1):
            if self.continues_word(out[index], out[index + 1]):
                rest, _, remainder = out[index + 1].partition(" ")
                out[index] = out[index][:-1] + rest
                out[index + 1] = remainder
        return [line for line in out if line]


def _metadata(info: dict) -> dict[str, str]:
    metadata: dict[str, str] = {}
    title = " ".join(str(info.get("Title") or "").split())
    if len(title.split()) >= 2 and not _PLACEHOLDER_TITLE.search(title):
        metadata["title"] = title
    author = " ".join(str(info.get("Author") or "").split())
    # A person's or body's name has a space in it; "MLAWTWG", "jsmith" are account names.
    if " " in author and any(character.isalpha() for character in author):
        metadata["author"] = author
    created = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", str(info.get("CreationDate") or ""))
    if created:
        year, month, day = created.groups()
        if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            metadata["created"] = f"{year}-{month}-{day}"
    return metadata
