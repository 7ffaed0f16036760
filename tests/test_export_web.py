"""Download routes and buttons."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from lxml import etree

from tests.conftest import sentences
from workbench import store


@pytest.fixture
def two_documents(db, sample_document):
    """'sample' (three auto pairs, 0.95, 0.6, 0.3) and 'other', whose one pair is confirmed."""
    document_id = store.create_document(db, "other", sentences("Bonjour."), sentences("Hello."))
    s = store.sentences(db, document_id, store.SOURCE)[0]["id"]
    t = store.sentences(db, document_id, store.TARGET)[0]["id"]
    store.replace_links(db, document_id, [
        {"source_ids": [s], "target_ids": [t], "score": 0.8, "status": "confirmed"},
    ])


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1:]


def test_document_download_is_an_attachment_with_a_sensible_name(client, sample_document):
    response = client.get("/documents/sample/export.tmx")
    assert response.status_code == 200
    assert response.mimetype == "application/x-tmx+xml"
    assert response.headers["Content-Disposition"] == "attachment; filename=sample.tmx"
    assert response.headers["X-Pair-Count"] == "3"
    root = etree.fromstring(response.data)
    assert [tu.get("tuid") for tu in root.iter("tu")] == ["sample:1", "sample:2", "sample:3"]


@pytest.mark.parametrize(
    ("format_name", "file_name", "mimetype"),
    [
        ("xliff", "corpus.xlf", "application/xliff+xml"),
        ("tsv", "corpus.tsv", "text/tab-separated-values"),
        ("csv", "corpus.csv", "text/csv"),
        ("moses", "corpus.moses.zip", "application/zip"),
    ],
)
def test_corpus_downloads(client, two_documents, format_name, file_name, mimetype):
    response = client.get(f"/export.{format_name}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"] == f"attachment; filename={file_name}"
    assert response.headers["X-Pair-Count"] == "4"


def test_moses_download_holds_two_line_aligned_files(client, two_documents):
    archive = zipfile.ZipFile(io.BytesIO(client.get("/export.moses").data))
    assert sorted(archive.namelist()) == ["corpus.en", "corpus.fr"]
    french = archive.read("corpus.fr").decode("utf-8").splitlines()
    english = archive.read("corpus.en").decode("utf-8").splitlines()
    assert len(french) == len(english) == 4
    assert french[0] == "Bonjour." and english[0] == "Hello."


def test_confirmed_only_and_min_score_as_query_options(client, two_documents):
    confirmed = client.get("/export.csv?confirmed_only=1")
    assert [r[:2] for r in csv_rows(confirmed.data)] == [["Bonjour.", "Hello."]]
    good = client.get("/export.csv?min_score=0.6")
    assert [r[2] for r in csv_rows(good.data)] == ["0.8000", "0.9500", "0.6000"]
    empty_field = client.get("/documents/sample/export.csv?min_score=&confirmed_only=")
    assert len(csv_rows(empty_field.data)) == 3


def test_language_codes_as_query_options(client, sample_document):
    root = etree.fromstring(client.get("/export.xliff?source_lang=fr-CA&target_lang=en-US").data)
    assert (root.get("srcLang"), root.get("trgLang")) == ("fr-CA", "en-US")


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/documents/nope/export.tmx", 404, "No document named"),
        ("/documents/sample/export.tmx?confirmed_only=1", 404, "No pair to export"),
        ("/export.tmx?min_score=high", 400, "min_score must be a number"),
        ("/export.tmx?source_lang=fr_FR", 400, "underscore"),
        ("/export.tmx?target_lang=fr-FR", 400, "does not match"),
    ],
)
def test_bad_requests_say_what_is_wrong(client, sample_document, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_unknown_format_is_404(client, sample_document):
    assert client.get("/export.docx").status_code == 404
    assert client.get("/documents/sample/export.docx").status_code == 404


def test_formats_json(client):
    data = client.get("/export.json").get_json()
    names = [f["name"] for f in data["formats"]]
    assert names == ["tmx", "xliff", "tsv", "csv", "moses"]
    tmx = data["formats"][0]
    assert tmx["corpus_url"] == "/export.tmx"
    assert tmx["document_url"] == "/documents/NAME/export.tmx"
    assert data["default_languages"]["fr"] == "fr-FR"


def test_document_page_offers_that_documents_downloads(client, sample_document):
    html = client.get("/documents/sample").get_data(as_text=True)
    assert 'formaction="/documents/sample/export.tmx"' in html
    assert 'formaction="/documents/sample/export.moses"' in html
    assert 'name="confirmed_only"' in html and 'name="min_score"' in html


def test_documents_page_offers_corpus_downloads(client, sample_document):
    html = client.get("/").get_data(as_text=True)
    for format_name in ("tmx", "xliff", "tsv", "csv", "moses"):
        assert f'formaction="/export.{format_name}"' in html


def test_no_export_buttons_without_documents(client):
    assert "formaction" not in client.get("/").get_data(as_text=True)
