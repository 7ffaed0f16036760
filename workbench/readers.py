"""Turn an uploaded or local file into plain text with blank-line paragraphs.

Plain text in any common encoding, Markdown, HTML and .docx are understood.
Every refusal is a `ReadError` whose message a translator can act on: empty,
binary, undecodable, oversized, or in the wrong language.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from workbench.errors import DomainError, ErrorKind

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Largest file accepted, as stored (compressed, for a .docx)."""
DEFAULT_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
"""Largest .docx once unpacked: its parts together."""
MAX_COMPRESSION_RATIO = 100
"""A zip part unpacking more than this many times its stored size is a zip bomb."""
DEFAULT_MAX_PARAGRAPHS = 50_000
"""Most paragraphs in one file (a long novel has about 15,000)."""
DEFAULT_MAX_SENTENCES = 50_000
"""Most sentences in one file (a long novel has about 30,000)."""
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


class ReadError(DomainError):
    """The file cannot be imported; the message says why.

    `remedy` names the setting that would let it through, when there is one
    ("language_check", "max_size"): the command line words it as a flag, the web
    page as its checkbox or setting.
    """

    remedy: str | None = None

    def __init__(self, message: str, *, remedy: str | None = None) -> None:
        super().__init__(message)
        if remedy is not None:
            self.remedy = remedy


class FileTooLarge(ReadError):
    kind = ErrorKind.TOO_LARGE


class TooManyParagraphs(FileTooLarge):
    """Refused while reading, as soon as the count passes the limit."""

    def __init__(self, filename: str, limit: int) -> None:
        super().__init__(
            f"{filename} holds more than {limit:,} paragraphs, the most one import may hold; "
            "split it into several documents"
        )


class WrongLanguage(ReadError):
    """The text is clearly in another language than the one it is imported as."""

    remedy = "language_check"


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
        raise FileTooLarge(_too_large(path.name, size, max_bytes), remedy="max_size")
    return read_bytes(path.read_bytes(), path.name, max_bytes=max_bytes)


def read_bytes(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_paragraphs: int = DEFAULT_MAX_PARAGRAPHS,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
) -> ReadDocument:
    """Detect the format from the file name and the encoding from the bytes.

    A .docx is refused past `max_uncompressed` bytes unpacked, and a .docx, HTML or
    Markdown file past `max_paragraphs` blocks, while it is read (plain text is
    counted when it is segmented)."""
    if len(data) > max_bytes:
        raise FileTooLarge(_too_large(filename, len(data), max_bytes), remedy="max_size")
    if not data.strip():
        raise ReadError(f"{filename} is empty: there is nothing to import")
    fmt = FORMATS_BY_SUFFIX.get(Path(filename).suffix.lower(), TEXT)
    if fmt == DOCX:
        text = docx_text(data, filename, max_paragraphs=max_paragraphs,
                         max_uncompressed=max_uncompressed)
        return ReadDocument(filename, _check_not_blank(filename, text), DOCX, None)
    text, encoding = decode(data, filename)
    if fmt == MARKDOWN:
        text = markdown_text(text, filename, max_paragraphs)
    elif fmt == HTML or (fmt == TEXT and re.match(r"\s*<(!doctype html|html)", text, re.I)):
        fmt, text = HTML, html_text(text, filename, max_paragraphs)
    return ReadDocument(filename, _check_not_blank(filename, text), fmt, encoding)


def _too_large(filename: str, size: int, max_bytes: int) -> str:
    return (
        f"{filename} is too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB); "
        "split it, or raise the limit"
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


MAX_HTML_DEPTH = 256
"""libxml2's own limit: deeper elements would be dropped silently, so such a page is refused."""
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def html_text(html: str, filename: str = "the file",
              max_paragraphs: int | None = None) -> str:
    """Visible text of an HTML page, one paragraph per block element, lists as list lines.

    The page is walked without recursion (lxml's `iterwalk`), so deep nesting costs no
    stack; nesting beyond libxml2's limit is refused rather than silently cut.
    """
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser()
    try:
        root = lxml.html.document_fromstring(XML_DECLARATION.sub("", html) or " ", parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise ReadError(f"{filename} cannot be read as HTML ({error})") from error
    if any(entry.type_name == "ERR_RESOURCE_LIMIT" for entry in parser.error_log):
        raise ReadError(
            f"{filename} nests its HTML elements more than {MAX_HTML_DEPTH} levels deep; "
            "a real page never does. Save it as plain text, Markdown or .docx."
        )
    body = root.find("body")
    return "\n\n".join(_HtmlBlocks(filename, max_paragraphs).walk(root if body is None else body))


class _HtmlBlocks:
    """Collects the blocks of an HTML tree from start/end events: no recursion."""

    def __init__(self, filename: str, max_paragraphs: int | None) -> None:
        self.filename = filename
        self.max_paragraphs = max_paragraphs
        self.blocks: list[str] = []
        self.inline: list[str] = []
        self.items: list[str] | None = None  # the items of the list being read
        self.list_stack: list[tuple[bool, int, list[str]]] = []  # (numbered, start, items)
        self.in_item = 0  # depth of <li> elements being read: their content is inline

    def add_block(self, text: str) -> None:
        self.blocks.append(text)
        if self.max_paragraphs is not None and len(self.blocks) > self.max_paragraphs:
            raise TooManyParagraphs(self.filename, self.max_paragraphs)

    def flush(self) -> None:
        text = " ".join("".join(self.inline).split())
        if text:
            self.add_block(text)
        self.inline.clear()

    def walk(self, root) -> list[str]:
        from lxml import etree

        skipping = 0
        for event, element in etree.iterwalk(root, events=("start", "end")):
            tag = element.tag if isinstance(element.tag, str) else None  # None: a comment
            if event == "start":
                if skipping or tag is None or tag in SKIPPED_TAGS:
                    skipping += tag is not None and (skipping > 0 or tag in SKIPPED_TAGS)
                    continue
                self.start(tag, element)
            else:
                if skipping:
                    skipping -= tag is not None
                    if not skipping:
                        self.inline.append(element.tail or "")
                    continue
                if tag is not None:
                    self.end(tag, element)
                self.inline.append(element.tail or "")
        self.flush()
        return self.blocks

    def start(self, tag: str, element) -> None:
        if self.in_item:
            self.in_item += tag == "li"
            self.inline.append(" " if tag == "br" else (element.text or ""))
            return
        if tag in ("ul", "ol"):
            self.flush()
            start = str(element.get("start", 1))
            self.list_stack.append((tag == "ol", int(start) if start.isdigit() else 1, []))
        elif tag == "li" and self.list_stack:
            self.flush()
            self.in_item = 1
        elif tag in BLOCK_TAGS:
            self.flush()
        elif tag == "br":
            self.inline.append(" ")
        self.inline.append(element.text or "")

    def end(self, tag: str, element) -> None:
        if self.in_item:
            self.in_item -= tag == "li"
            if not self.in_item:
                item = " ".join("".join(self.inline).split())
                self.inline.clear()
                if item:
                    self.list_stack[-1][2].append(item)
            return
        if tag in ("ul", "ol") and self.list_stack:
            numbered, first, items = self.list_stack.pop()
            self.inline.clear()
            if items:
                self.add_block("\n".join(
                    f"{first + n}. {item}" if numbered else f"- {item}"
                    for n, item in enumerate(items)
                ))
        elif tag in BLOCK_TAGS:
            self.flush()


def markdown_text(markdown: str, filename: str = "the file",
                  max_paragraphs: int | None = None) -> str:
    """Markdown through markdown-it-py to HTML, then as HTML: markup goes, paragraphs stay."""
    from markdown_it import MarkdownIt

    return html_text(MarkdownIt("commonmark").render(markdown), filename, max_paragraphs)


WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RELATIONSHIPS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_DOCUMENT = "/officeDocument"
STYLES = "/styles"


def check_zip(archive: zipfile.ZipFile, filename: str, max_uncompressed: int) -> None:
    """Refuse a zip bomb from its directory, before anything is decompressed: the declared
    sizes bound what reading produces (zipfile stops at them and checks the CRC)."""
    total = 0
    for member in archive.infolist():
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1_000_000 and ratio > MAX_COMPRESSION_RATIO:
            raise FileTooLarge(
                f"{filename} looks like a zip bomb: its part {member.filename} unpacks "
                f"{ratio:.0f} times larger than it is stored (a real document stays under "
                f"{MAX_COMPRESSION_RATIO}), so it was not opened",
            )
    if total > max_uncompressed:
        raise FileTooLarge(
            f"{filename} unpacks to {total / 1e6:.1f} MB, more than the "
            f"{max_uncompressed / 1e6:.0f} MB a document may hold once uncompressed",
            remedy="max_size",
        )


def _docx_part(archive: zipfile.ZipFile, source: str, relation: str) -> str | None:
    """The part that `source` (a part name, "" for the package) points to with `relation`."""
    folder, _, name = source.rpartition("/")
    rels = f"{folder + '/' if folder else ''}_rels/{name}.rels"
    if rels not in archive.namelist():
        return None
    from lxml import etree

    root = etree.fromstring(archive.read(rels), _safe_xml_parser())
    for relationship in root.iter(f"{RELATIONSHIPS_NS}Relationship"):
        if relationship.get("Type", "").endswith(relation):
            target = relationship.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            parts = [p for p in f"{folder}/{target}".split("/") if p and p != "."]
            resolved: list[str] = []
            for part in parts:
                resolved = resolved[:-1] if part == ".." else [*resolved, part]
            return "/".join(resolved)
    return None


def _safe_xml_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _docx_style_names(archive: zipfile.ZipFile, document_part: str) -> dict[str, str]:
    part = _docx_part(archive, document_part, STYLES)
    if part is None or part not in archive.namelist():
        return {}
    from lxml import etree

    root = etree.fromstring(archive.read(part), _safe_xml_parser())
    names = {}
    for style in root.iter(f"{WORD_NS}style"):
        name = style.find(f"{WORD_NS}name")
        if name is not None:
            names[style.get(f"{WORD_NS}styleId", "")] = name.get(f"{WORD_NS}val", "")
    return names


def docx_text(data: bytes, filename: str = "the file", *,
              max_paragraphs: int | None = None,
              max_uncompressed: int | None = None) -> str:
    """Paragraphs of a Word document (body and tables); list paragraphs become list lines.

    The zip is checked before it is opened (`check_zip`), and the document part is
    streamed: memory stays small and a flood of paragraphs is refused as soon as it
    passes the limit, not after minutes of parsing.
    """
    from lxml import etree

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ReadError(f"{filename} is not a valid .docx file ({error})") from error
    check_zip(archive, filename, max_uncompressed or DEFAULT_MAX_UNCOMPRESSED_BYTES)
    part = _docx_part(archive, "", OFFICE_DOCUMENT)
    if part is None or part not in archive.namelist():
        raise ReadError(f"{filename} is not a valid .docx file (it has no document part)")
    blocks: list[str] = []
    list_lines: list[str] = []
    seen = 0
    limit = max_paragraphs if max_paragraphs is not None else DEFAULT_MAX_PARAGRAPHS
    try:
        styles = _docx_style_names(archive, part)
        with archive.open(part) as stream:
            for _, paragraph in etree.iterparse(
                stream, events=("end",), tag=f"{WORD_NS}p",
                resolve_entities=False, no_network=True, huge_tree=False,
            ):
                parent = paragraph.getparent()
                if parent is None or parent.tag not in (f"{WORD_NS}body", f"{WORD_NS}tc"):
                    continue  # a paragraph inside a text box: read with its outer paragraph
                seen += 1
                if seen > 4 * limit:
                    raise TooManyParagraphs(filename, limit)
                text, is_item = _docx_paragraph(paragraph, styles)
                if parent.tag == f"{WORD_NS}body":
                    paragraph.clear()
                    while paragraph.getprevious() is not None:
                        del parent[0]
                if text and is_item:
                    list_lines.append(f"- {text}")
                    continue
                if list_lines:
                    blocks.append("\n".join(list_lines))
                    list_lines = []
                if text:
                    blocks.append(text)
                if len(blocks) > limit:
                    raise TooManyParagraphs(filename, limit)
    except ReadError:
        raise
    except (etree.XMLSyntaxError, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ReadError(f"{filename} is not a valid .docx file ({error})") from error
    if list_lines:
        blocks.append("\n".join(list_lines))
    return "\n\n".join(blocks)


def _docx_paragraph(paragraph, styles: dict[str, str]) -> tuple[str, bool]:
    """A paragraph's text (runs, hyperlinks, tabs and breaks as spaces), and whether it is
    a list item (a List style, or Word numbering on a paragraph that is not a heading)."""
    pieces = []
    for node in paragraph.iter(f"{WORD_NS}t", f"{WORD_NS}tab", f"{WORD_NS}br", f"{WORD_NS}cr"):
        pieces.append(node.text or "" if node.tag == f"{WORD_NS}t" else " ")
    text = " ".join("".join(pieces).split())
    properties = paragraph.find(f"{WORD_NS}pPr")
    style = ""
    numbered = False
    if properties is not None:
        style_element = properties.find(f"{WORD_NS}pStyle")
        if style_element is not None:
            style_id = style_element.get(f"{WORD_NS}val", "")
            style = styles.get(style_id, style_id).lower()
        numbered = properties.find(f"{WORD_NS}numPr") is not None
    is_item = style.startswith("list") or (numbered and not style.startswith(("heading", "title")))
    return text, is_item


# --- language -------------------------------------------------------------------

LANGUAGE_NAMES.update({
    "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch", "ca": "Catalan",
    "la": "Latin", "ru": "Russian", "pl": "Polish", "sv": "Swedish", "da": "Danish",
    "no": "Norwegian", "fi": "Finnish", "cs": "Czech", "ro": "Romanian", "hu": "Hungarian",
    "el": "Greek", "tr": "Turkish", "ar": "Arabic", "zh": "Chinese", "ja": "Japanese",
    "uk": "Ukrainian", "eo": "Esperanto", "br": "Breton", "oc": "Occitan", "eu": "Basque",
})


@lru_cache(maxsize=4)
def _language_identifier(languages: tuple[str, ...]):
    """py3langid ships its model inside the package (4.5 MB): nothing is downloaded.
    An empty `languages` keeps every language of the model (97)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    if languages:
        identifier.set_languages(list(languages))
    return identifier


def detect_language(text: str, candidates: tuple[str, ...] = ()) -> tuple[str, float]:
    """The most likely of `candidates` (default: any language) for `text`, with its
    probability."""
    language, probability = _language_identifier(tuple(sorted(candidates))).classify(text[:20000])
    return language, float(probability)


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, f"language “{code}”")


def check_language(text: str, expected: str, other: str, filename: str) -> None:
    """Refuse a text that clearly reads as another language than `expected`, whichever it
    is (German given as English, English given as French); short texts pass.

    The text must be identified as that other language among all the model knows, and
    again head to head against `expected`, both times with 95% confidence: a French text
    full of English names is not refused. `other` is the pair's other language, named in
    the message when the files look swapped."""
    if len(re.findall(r"\w+", text)) < LANGUAGE_CHECK_MIN_WORDS:
        return
    language, probability = detect_language(text)
    if language == expected or probability < LANGUAGE_CHECK_CONFIDENCE:
        return
    language, probability = detect_language(text, (expected, language))
    if language == expected or probability < LANGUAGE_CHECK_CONFIDENCE:
        return
    swapped = " Check that the files are not swapped." if language == other else ""
    raise WrongLanguage(
        f"{filename} was given as {language_name(expected)} but reads as "
        f"{language_name(language)} ({probability:.0%} sure).{swapped}"
    )
