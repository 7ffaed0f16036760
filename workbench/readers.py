"""Turn an uploaded or local file into plain text with blank-line paragraphs.

Plain text in any common encoding, Markdown, HTML and .docx are understood.
Every refusal is a `ReadError` whose message a translator can act on: empty,
binary, undecodable, oversized, or in the wrong language.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
TEXT, MARKDOWN, HTML, DOCX = "text", "markdown", "html", "docx"
FORMATS_BY_SUFFIX = {
    ".txt": TEXT, ".text": TEXT, "": TEXT,
    ".md": MARKDOWN, ".markdown": MARKDOWN,
    ".html": HTML, ".htm": HTML, ".xhtml": HTML,
    ".docx": DOCX,
}
BINARY_SIGNATURES = {
    b"%PDF": "a PDF file",
    b"PK\x03\x04": "a ZIP archive (or an office file with the wrong extension)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old Word (.doc) or other OLE file",
    b"{\\rtf": "an RTF file",
}
BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)
WESTERN_TEXT = re.compile(r"[\w\s.,;:!?'\"()\[\]{}«»“”‘’—–…€%&*/+=<>@#°§-]", re.UNICODE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
LANGUAGE_NAMES = {"fr": "French", "en": "English", "de": "German"}
LANGUAGE_CHECK_MIN_WORDS = 12
LANGUAGE_CHECK_CONFIDENCE = 0.95


class ReadError(ValueError):
    """The file cannot be imported; the message says why and what to do."""

    status = 400


class FileTooLarge(ReadError):
    status = 413


class WrongLanguage(ReadError):
    """The text is clearly in another language than the one it is imported as."""


@dataclass(frozen=True)
class ReadDocument:
    """A file's text, paragraphs separated by blank lines, and how it was read."""

    name: str
    text: str
    format: str
    encoding: str | None


def read_path(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadDocument:
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(_too_large(path.name, size, max_bytes))
    return read_bytes(path.read_bytes(), path.name, max_bytes=max_bytes)


def read_bytes(data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadDocument:
    """Detect the format from the file name and the encoding from the bytes."""
    if len(data) > max_bytes:
        raise FileTooLarge(_too_large(filename, len(data), max_bytes))
    if not data.strip():
        raise ReadError(f"{filename} is empty: there is nothing to import")
    fmt = FORMATS_BY_SUFFIX.get(Path(filename).suffix.lower(), TEXT)
    if fmt == DOCX:
        return ReadDocument(filename, _check_not_blank(filename, docx_text(data, filename)),
                            DOCX, None)
    text, encoding = decode(data, filename)
    if fmt == MARKDOWN:
        text = markdown_text(text)
    elif fmt == HTML or (fmt == TEXT and re.match(r"\s*<(!doctype html|html)", text, re.I)):
        fmt, text = HTML, html_text(text)
    return ReadDocument(filename, _check_not_blank(filename, text), fmt, encoding)


def _too_large(filename: str, size: int, max_bytes: int) -> str:
    return (
        f"{filename} is too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB). "
        "Split it, or raise the limit (--max-size, or MAX_IMPORT_BYTES for the web app)."
    )


def _check_not_blank(filename: str, text: str) -> str:
    if not text.strip():
        raise ReadError(f"{filename} holds no text to import")
    return text


# --- encodings ----------------------------------------------------------------


def decode(data: bytes, filename: str = "the file") -> tuple[str, str]:
    """Bytes to text: a byte-order mark, else UTF-8, else Windows-1252, else detection."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return _normalise_newlines(data.decode(encoding)), encoding
            except UnicodeDecodeError as error:
                raise ReadError(f"{filename} starts like {encoding} but is not ({error.reason})")\
                    from error
    for signature, what in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise ReadError(
                f"{filename} is {what}, not text. Save it as plain text, Markdown, HTML or .docx."
            )
    if b"\x00" in data[:4096]:
        raise ReadError(f"{filename} is a binary file, not text (it contains NUL bytes)")
    try:
        return _normalise_newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        if _looks_western(text):
            return _normalise_newlines(text), "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or CONTROL.search(str(best)) and _control_share(str(best)) > 0.01:
        raise ReadError(
            f"{filename} cannot be decoded: it is neither UTF-8 nor any encoding that could be "
            "recognised. Save it again as UTF-8."
        )
    return _normalise_newlines(str(best)), best.encoding


def _looks_western(text: str) -> bool:
    letters = len(WESTERN_TEXT.findall(text))
    return letters >= 0.98 * len(text) and not CONTROL.search(text)


def _control_share(text: str) -> float:
    return len(CONTROL.findall(text)) / max(len(text), 1)


def _normalise_newlines(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if CONTROL.search(text) and _control_share(text) > 0.01:
        raise ReadError("the file is binary, not text (it is full of control characters)")
    return text.lstrip("\ufeff")


# --- formats ----------------------------------------------------------------------

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "main", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "center",
}
SKIPPED_TAGS = {"nav", "script", "style", "noscript", "template", "head", "svg", "button", "select"}


def html_text(html: str) -> str:
    """Visible text of an HTML page, one paragraph per block element, lists as list lines."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    root = soup.body or soup
    return "\n\n".join(_html_blocks(root))


def _html_blocks(node) -> list[str]:
    from bs4 import Comment, NavigableString, Tag

    blocks: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        text = " ".join("".join(inline).split())
        if text:
            blocks.append(text)
        inline.clear()

    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            inline.append(str(child))
        elif not isinstance(child, Tag) or child.name in SKIPPED_TAGS:
            continue
        elif child.name == "br":
            inline.append(" ")
        elif child.name in ("ul", "ol"):
            flush()
            items = [
                " ".join(item.get_text("").split())
                for item in child.find_all("li", recursive=False)
            ]
            items = [item for item in items if item]
            if items:
                numbered = child.name == "ol"
                start = int(child.get("start", 1)) if str(child.get("start", 1)).isdigit() else 1
                blocks.append("\n".join(
                    f"{start + n}. {item}" if numbered else f"- {item}"
                    for n, item in enumerate(items)
                ))
        elif child.name in BLOCK_TAGS or child.find(BLOCK_TAGS | {"ul", "ol"}):
            flush()
            blocks.extend(_html_blocks(child))
        else:
            inline.append(child.get_text(""))
    flush()
    return blocks


def markdown_text(markdown: str) -> str:
    """Markdown through markdown-it-py to HTML, then as HTML: markup goes, paragraphs stay."""
    from markdown_it import MarkdownIt

    return html_text(MarkdownIt("commonmark").render(markdown))


def docx_text(data: bytes, filename: str = "the file") -> str:
    """Paragraphs of a Word document; list paragraphs become list lines."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as error:
        raise ReadError(f"{filename} is not a valid .docx file ({error})") from error
    except Exception as error:  # zipfile.BadZipFile and XML errors from a corrupt file
        raise ReadError(f"{filename} is not a valid .docx file ({error})") from error
    blocks: list[str] = []
    list_lines: list[str] = []
    for paragraph in document.paragraphs:
        text = " ".join(paragraph.text.split())
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if text and style.lower().startswith("list"):
            list_lines.append(f"- {text}")
            continue
        if list_lines:
            blocks.append("\n".join(list_lines))
            list_lines = []
        if text:
            blocks.append(text)
    if list_lines:
        blocks.append("\n".join(list_lines))
    return "\n\n".join(blocks)


# --- language -------------------------------------------------------------------


@lru_cache(maxsize=4)
def _language_identifier(languages: tuple[str, ...]):
    """py3langid ships its model inside the package (4.5 MB): nothing is downloaded."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def detect_language(text: str, candidates: tuple[str, ...]) -> tuple[str, float]:
    """The most likely of `candidates` for `text`, with its probability."""
    language, probability = _language_identifier(tuple(sorted(candidates))).classify(text[:20000])
    return language, float(probability)


def check_language(text: str, expected: str, other: str, filename: str) -> None:
    """Refuse a text that is clearly in `other` rather than `expected`; short texts pass."""
    if expected == other or len(re.findall(r"\w+", text)) < LANGUAGE_CHECK_MIN_WORDS:
        return
    language, probability = detect_language(text, (expected, other))
    if language == other and probability >= LANGUAGE_CHECK_CONFIDENCE:
        raise WrongLanguage(
            f"{filename} was given as {LANGUAGE_NAMES.get(expected, expected)} but reads as "
            f"{LANGUAGE_NAMES.get(other, other)} ({probability:.0%} sure). Check that the files "
            "are not swapped, or skip this check (--no-language-check)."
        )
