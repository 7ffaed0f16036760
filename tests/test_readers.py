"""Every file format and encoding becomes plain text with blank-line paragraphs."""

import io

import pytest

from workbench.readers import (
    FileTooLarge,
    ReadError,
    WrongLanguage,
    check_language,
    read_bytes,
)
from workbench.segment import ITEM, NOTE, segment

FRENCH = (
    "Le vieux port de Marseille s'éveille avant l'aube. Les pêcheurs déchargent leurs "
    "caisses pendant que les mouettes tournent au-dessus des quais. Un peu plus tard, "
    "les touristes arrivent et les cafés sortent leurs terrasses."
)
ENGLISH = (
    "The old harbour of Marseille wakes up before dawn. Fishermen unload their crates "
    "while the gulls circle above the quays. A little later the tourists arrive and the "
    "cafés set out their terraces."
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
def test_plain_text_in_common_encodings(encoding):
    text = "Élève déjà là, « à Noël » ; l'œuvre coûte 5 €." if encoding != "latin-1" \
        else "Élève déjà là, « à Noël » ; le garçon était ému."
    document = read_bytes(text.encode(encoding), "notes.txt")
    assert document.text == text
    assert document.format == "text"


def test_windows_line_endings_are_normalised():
    assert read_bytes(b"Un.\r\n\r\nDeux.\r\n", "a.txt").text == "Un.\n\nDeux.\n"


def test_markdown_loses_its_markup_and_keeps_paragraphs_and_lists():
    markdown = "# Le port\n\nUn *matin* de **mai**.\n\n- les barques\n- les filets\n"
    document = read_bytes(markdown.encode(), "port.md")
    assert document.format == "markdown"
    assert document.text == "Le port\n\nUn matin de mai.\n\n- les barques\n- les filets"
    assert [s.kind for s in segment(document.text, "fr")] == ["heading", "text", ITEM, ITEM]


def test_html_keeps_paragraphs_drops_scripts_and_menus_and_keeps_glued_markers():
    html = """<!doctype html><html><head><title>t</title><style>p{}</style></head><body>
      <nav><a href="/">Accueil</a></nav>
      <h1>Le port</h1>
      <p>Les pêcheurs arrivent<br>avant l'aube.”<sup>6</sup> Puis les touristes.</p>
      <script>var x = 1;</script>
      <ol><li>Voir la carte. <a href="#r1">↩︎</a></li><li>Ibid. <a>↩︎</a></li></ol>
    </body></html>"""
    document = read_bytes(html.encode(), "page.html")
    assert document.format == "html"
    assert document.text == (
        "Le port\n\nLes pêcheurs arrivent avant l'aube.”6 Puis les touristes.\n\n"
        "1. Voir la carte. ↩︎\n2. Ibid. ↩︎"
    )
    sentences = segment(document.text, "fr")
    assert sentences[1].notes == ("6",)
    assert [s.kind for s in sentences[-2:]] == [NOTE, NOTE]


def test_html_without_extension_is_recognised():
    document = read_bytes(b"<!DOCTYPE html><html><body><p>Un.</p><p>Deux.</p></body></html>",
                          "export")
    assert document.text == "Un.\n\nDeux."


def test_docx_paragraphs_and_lists():
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("Le port", level=1)
    document.add_paragraph("Les pêcheurs arrivent avant l'aube.")
    document.add_paragraph("les barques", style="List Bullet")
    document.add_paragraph("les filets", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    result = read_bytes(buffer.getvalue(), "port.docx")
    assert result.format == "docx"
    assert result.text == (
        "Le port\n\nLes pêcheurs arrivent avant l'aube.\n\n- les barques\n- les filets"
    )


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "vide.txt", "is empty"),
        (b"  \n\n\t ", "blanc.txt", "is empty"),
        (b"%PDF-1.7\n%\xe2\xe3", "rapport.txt", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image.txt", "PNG"),
        (b"abc\x00\x01\x02def" * 10, "data.bin", "binary"),
        (bytes(range(128, 256)) * 20, "bizarre.txt", "cannot be decoded"),
        (b"not a zip at all", "lettre.docx", "not a valid .docx"),
        (b"<html><body><script>x()</script></body></html>", "vide.html", "no text"),
    ],
)
def test_bad_files_get_a_clear_message(data, filename, message):
    with pytest.raises(ReadError, match=message):
        read_bytes(data, filename)


def test_oversized_file_names_the_limit():
    with pytest.raises(FileTooLarge, match="too large .* limit is 0.0 MB"):
        read_bytes(b"x" * 2000, "gros.txt", max_bytes=1000)


def test_language_check_refuses_english_given_as_french_and_the_reverse():
    check_language(FRENCH, "fr", "en", "port.txt")
    check_language(ENGLISH, "en", "fr", "port.txt")
    with pytest.raises(WrongLanguage, match="given as French but reads as English"):
        check_language(ENGLISH, "fr", "en", "port.txt")
    with pytest.raises(WrongLanguage, match="given as English but reads as French"):
        check_language(FRENCH, "en", "fr", "port.txt")


def test_language_check_lets_very_short_texts_through():
    check_language("The end.", "fr", "en", "fin.txt")


# --- issue 12 item 4: denial of service by upload ------------------------------------------


def _docx_with_body(body: str) -> bytes:
    """A valid .docx (made by python-docx) whose document part holds `body`."""
    import zipfile

    docx = pytest.importorskip("docx")
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "word/document.xml":
                head, _, _ = data.decode().partition("<w:body>")
                data = f"{head}<w:body>{body}</w:body></w:document>".encode()
            archive.writestr(member.filename, data)
    return out.getvalue()


def test_a_docx_flooded_with_paragraphs_is_refused_at_once():
    import time

    from workbench.readers import TooManyParagraphs

    # Varied enough not to look like a zip bomb: only the paragraph count gives it away.
    data = _docx_with_body("".join(f"<w:p><w:r><w:t>{n:x}</w:t></w:r></w:p>"
                                   for n in range(300_000)))
    assert len(data) < 1_000_000  # small on disk: the 10 MB limit does not see it
    started = time.process_time()
    with pytest.raises(TooManyParagraphs, match="more than 50,000 paragraphs"):
        read_bytes(data, "flood.docx")
    assert time.process_time() - started < 5


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked():
    data = _docx_with_body("<w:p/>" + " " * 30_000_000)
    assert len(data) < 200_000
    with pytest.raises(FileTooLarge, match="zip bomb"):
        read_bytes(data, "bomb.docx")


def test_a_docx_too_large_once_unpacked_is_refused():
    import random

    words = random.Random(1).randbytes(600_000).hex()
    data = _docx_with_body(f"<w:p><w:r><w:t>{words}</w:t></w:r></w:p>")
    with pytest.raises(FileTooLarge, match="unpacks to"):
        read_bytes(data, "long.docx", max_uncompressed=1_000_000)


def test_docx_table_cells_and_numbered_paragraphs_are_read():
    body = (
        '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>'
        "<w:r><w:t>les décrets Lacoste ;</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Une cellule.</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p><w:r><w:t>La</w:t></w:r><w:r><w:tab/><w:t>fin.</w:t></w:r></w:p>"
    )
    assert read_bytes(_docx_with_body(body), "t.docx").text == (
        "- les décrets Lacoste ;\n\nUne cellule.\n\nLa fin."
    )


def test_deeply_nested_html_is_refused_clearly_not_a_crash():
    html = "<html><body>" + "<div>" * 20_000 + "profond" + "</div>" * 20_000 + "</body></html>"
    with pytest.raises(ReadError, match="levels deep"):
        read_bytes(html.encode(), "deep.html")


def test_html_nested_within_reason_keeps_all_its_text():
    html = "<html><body>" + "<div>" * 200 + "<p>profond</p>" + "</div>" * 200 + \
        "<p>après</p></body></html>"
    assert read_bytes(html.encode(), "nested.html").text == "profond\n\naprès"


def test_html_with_too_many_paragraphs_is_refused_while_read():
    from workbench.readers import TooManyParagraphs

    html = "<html><body>" + "<p>Un.</p>" * 2_000 + "</body></html>"
    with pytest.raises(TooManyParagraphs, match="more than 1,000 paragraphs"):
        read_bytes(html.encode(), "many.html", max_paragraphs=1_000)


# --- issue 13: a third language passed the check -------------------------------------------

GERMAN = (
    "Der alte Hafen von Marseille erwacht vor der Morgendämmerung. Die Fischer laden ihre "
    "Kisten aus, während die Möwen über den Kais kreisen. Etwas später kommen die Touristen "
    "und die Cafés stellen ihre Terrassen auf."
)
SPANISH = (
    "El viejo puerto de Marsella se despierta antes del amanecer. Los pescadores descargan "
    "sus cajas mientras las gaviotas vuelan sobre los muelles. Un poco más tarde llegan los "
    "turistas y los cafés sacan sus terrazas."
)


@pytest.mark.parametrize(("text", "name"), [(GERMAN, "German"), (SPANISH, "Spanish")])
@pytest.mark.parametrize(("expected", "other", "label"),
                         [("en", "fr", "English"), ("fr", "en", "French")])
def test_language_check_refuses_a_third_language(text, name, expected, other, label):
    with pytest.raises(WrongLanguage, match=f"given as {label} but reads as {name}"):
        check_language(text, expected, other, "port.txt")


def test_language_check_keeps_a_text_full_of_foreign_names():
    text = ("Karl Marx et Friedrich Engels écrivent le Manifest der Kommunistischen Partei à "
            "Londres ; Wilhelm Liebknecht et August Bebel le lisent à Leipzig.")
    check_language(text, "fr", "en", "noms.txt")


def test_the_language_check_message_names_no_command_line_flag():
    with pytest.raises(WrongLanguage) as caught:
        check_language(ENGLISH, "fr", "en", "port.txt")
    assert "--" not in str(caught.value)
    assert caught.value.remedy == "language_check"
