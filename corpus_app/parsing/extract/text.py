"""Plain text: decoding, line endings and front matter; lines otherwise kept one for one.

The parser joins wrapped lines and drops noise itself, so this module only makes the text
readable as ``str`` and takes the metadata block off the top (its lines become empty lines,
so the body keeps the line numbers it has in the file).
"""

from __future__ import annotations

import codecs
import datetime
import re
import tomllib

import charset_normalizer
import yaml

from corpus_app.parsing.extract import ExtractedText, ExtractError

BINARY_MESSAGE = (
    "this is a binary file, not a transcript in a format the importer reads (text, Markdown, HTML, DOCX, PDF)"
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control characters that never occur in a text document (tab, line feed, form feed and
# carriage return do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_FRONT_MATTER_MAX_LINES = 200


def extract(raw: bytes) -> ExtractedText:
    text, metadata = read_text(raw)
    return ExtractedText(format="text", text=text, metadata=metadata)


def read_text(raw: bytes) -> tuple[str, dict[str, str]]:
    """Decoded text with LF line endings and front matter blanked, and the front matter's metadata."""
    # Soft hyphens are invisible hyphenation hints, never text a reader sees.
    text = normalise_newlines(decode(raw))
    return split_front_matter(text)


def decode(raw: bytes) -> str:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return _checked(raw[len(bom) :].decode(encoding))
            except UnicodeDecodeError as error:
                raise ExtractError(
                    f"the file starts with a {encoding.upper()} byte-order mark but is not valid {encoding.upper()} "
                    f"(byte {error.start + len(bom)}); save it again as UTF-8"
                ) from error
    try:
        return _checked(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        utf8_error = error
    utf16 = _bomless_utf16(raw)
    if utf16 is not None:
        return _checked(utf16)
    if b"\x00" in raw:
        raise ExtractError(BINARY_MESSAGE)
    if _UTF8_MULTIBYTE.search(raw):
        # Valid UTF-8 sequences beside invalid bytes: a damaged UTF-8 file, not a legacy one;
        # guessing another encoding would turn its accented letters and quotes into mojibake.
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise ExtractError(
            f"this file is not valid UTF-8 (byte {utf8_error.start}, line {line}: "
            f"{raw[utf8_error.start : utf8_error.start + 4]!r}); save it as UTF-8"
        )
    return _checked(_legacy(raw))


SINGLE_BYTE_CODE_PAGES = [
    "cp1252",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1257",
    "latin_1",
    "iso8859_2",
    "iso8859_5",
    "iso8859_7",
    "koi8_r",
    "mac_roman",
]


def _legacy(raw: bytes) -> str:
    """A single-byte legacy encoding (cp1252, Latin-1, …) chosen by charset-normalizer."""
    # Single-byte code pages only: a short Cyrillic or Greek file must not be read as Chinese.
    matches = list(charset_normalizer.from_bytes(raw, cp_isolation=SINGLE_BYTE_CODE_PAGES))
    # No coherent language in any reading (a few bytes of Cyrillic fit every code page): refuse
    # rather than guess, since a wrong code page turns every letter into another.
    if not matches or matches[0].chaos > 0.2 or matches[0].coherence <= 0:
        raise ExtractError(
            "this file is not valid UTF-8 and its encoding cannot be told with confidence; save it as UTF-8"
        )
    best = matches[0]
    # Several code pages often read a file equally well; Windows-1252 is by far the most
    # common for transcripts in Western languages, so it wins a tie.
    for match in matches:
        tied = match.chaos <= best.chaos + 0.01 and match.coherence >= best.coherence - 0.02
        if tied and "cp1252" in match.could_be_from_charset:
            return raw.decode("cp1252", errors="replace") if match.encoding != "cp1252" else str(match)
    return str(best)


def _bomless_utf16(raw: bytes) -> str | None:
    """UTF-16 without a byte-order mark: mostly-ASCII text has a zero in every other byte."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    even_zeros = raw[0::2].count(0) / (len(raw) / 2)
    odd_zeros = raw[1::2].count(0) / (len(raw) / 2)
    for zeros, other, encoding in ((odd_zeros, even_zeros, "utf-16-le"), (even_zeros, odd_zeros, "utf-16-be")):
        if zeros > 0.3 and other < 0.05:
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _checked(text: str) -> str:
    if text.replace("\n", "").isprintable():
        return text  # no control character (all are unprintable): most texts, told quicker than by the pattern
    controls = _CONTROL.findall(text)
    if "\x00" in controls or len(controls) > max(2, len(text) // 1000):
        raise ExtractError(BINARY_MESSAGE)
    return text


def normalise_newlines(text: str) -> str:
    # Unicode line and paragraph separators end lines too; NEL and VT do in some editors' exports.
    # Most files have LF only, nothing to replace: a look for each character is quicker than a pattern's.
    if not any(end in text for end in _OTHER_LINE_ENDS):
        return text
    return re.sub(r"\r\n?|[\u2028\u2029\x85]", "\n", text)


_OTHER_LINE_ENDS = ("\r", "\u2028", "\u2029", "\x85")


# Front matter ----------------------------------------------------------------------------

# libyaml's safe loader when PyYAML was built with it; the pure-Python one is 20 times slower.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FENCES = {"---": ("---", "..."), "+++": ("+++",)}


def split_front_matter(text: str) -> tuple[str, dict[str, str]]:
    """Metadata from a YAML (``---``) or TOML (``+++``) block at the very top; its lines blanked."""
    lines = text.split("\n")
    opening = lines[0].strip() if lines else ""
    if opening not in _FENCES:
        return text, {}
    for index in range(1, min(len(lines), _FRONT_MATTER_MAX_LINES)):
        if lines[index].strip() in _FENCES[opening]:
            block = "\n".join(lines[1:index])
            data = _load_front_matter(block, toml=opening == "+++")
            if data is None:
                return text, {}
            body = [""] * (index + 1) + lines[index + 1 :]
            return "\n".join(body), front_matter_metadata(data)
    return text, {}


def _load_front_matter(block: str, *, toml: bool) -> dict | None:
    try:
        data = (
            tomllib.loads(block) if toml else yaml.load(block, Loader=_YAML_LOADER)
        )  # a safe loader: no Python objects
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and data else None


_KEYS = {
    "title": ("title", "headline"),
    "date": ("date", "published_time", "published", "publish_date", "pubdate", "date_published"),
    "url": ("source_url", "url", "canonical_url", "link", "permalink"),
    "author": ("author", "authors", "creators", "creator", "speaker"),
    "site_name": ("site_name", "site", "publisher"),
    "place": ("place", "location", "dateline"),
    "description": ("description", "summary", "abstract"),
}


def front_matter_metadata(data: dict) -> dict[str, str]:
    lowered = {str(key).strip().lower(): value for key, value in data.items()}
    metadata: dict[str, str] = {}
    for name, keys in _KEYS.items():
        for key in keys:
            value = _as_text(lowered.get(key), person=name == "author")
            if value:
                metadata[name] = iso_date(value) if name == "date" else value
                break
    source = _as_text(lowered.get("source"))
    if source:
        if re.match(r"https?://", source):
            metadata.setdefault("url", source)
        else:
            metadata.setdefault("site_name", source)
    return metadata


def _as_text(value, *, person: bool = False) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        parts = [_as_text(item, person=person) for item in value]
        return ", ".join(part for part in parts if part)
    if isinstance(value, dict):
        if person:
            given = _as_text(value.get("firstName") or value.get("given"))
            family = _as_text(value.get("lastName") or value.get("family"))
            name = _as_text(value.get("name"))
            return " ".join(part for part in (given, family) if part) or name
        return _as_text(value.get("name") or value.get("title"))
    text = " ".join(str(value).split())
    if person and text.count(",") == 1:
        family, given = (part.strip() for part in text.split(","))
        if given and family and " " not in family:  # "Surname, Given" → "Given Surname"
            text = f"{given} {family}"
    return text


def iso_date(value: str) -> str:
    """YYYY-MM-DD when the value is an ISO date or timestamp; otherwise as written."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T\s])", value)
    if match:
        try:
            return datetime.date(*map(int, match.groups())).isoformat()
        except ValueError:
            pass
    return value
