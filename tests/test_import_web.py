"""The upload page and its JSON twin: imports, refusals, compilations and their correction."""

import io

import pytest

from tests.test_import import ENGLISH, FRENCH, snapshot
from workbench import store
from workbench.web.jobs import ImportWorkers


@pytest.fixture
def web(app, fake_embedder):
    """The upload page with imports run inline (the synchronous path): a POST returns once
    its job has ended."""
    app.config["EMBEDDER"] = fake_embedder
    app.extensions["import_workers"] = ImportWorkers(inline=True)
    return app.test_client()


def upload(client, url="/import", wait=True, **files):
    """Post the form; the page follows the redirect to the job's page, and the JSON twin
    waits for the job to end (`?wait=1`) unless `wait` is false."""
    if url == "/import.json" and wait:
        url += "?wait=1"
    data = {"mode": "pair"}
    for field, value in files.items():
        if isinstance(value, tuple):
            data[field] = (io.BytesIO(value[1]), value[0])
        elif isinstance(value, list):
            data[field] = [(io.BytesIO(content), name) for name, content in value]
        else:
            data[field] = value
    return client.post(url, data=data, content_type="multipart/form-data",
                       follow_redirects=not url.startswith("/import.json"))


def test_the_page_offers_both_forms_and_the_limits(web):
    page = web.get("/import").get_data(as_text=True)
    assert 'name="french"' in page and 'name="english"' in page
    assert 'name="compilation"' in page and 'name="originals"' in page
    assert web.get("/import.json").get_json()["max_bytes"] == 10 * 1024 * 1024
    assert 'href="/import"' in web.get("/").get_data(as_text=True)


def test_a_pair_is_imported_and_aligned(web, db_path):
    response = upload(web, french=("port.txt", FRENCH.encode()),
                      english=("port-en.txt", ENGLISH.encode()), name="port")
    assert response.status_code == 200
    assert "imported and aligned" in response.get_data(as_text=True)
    db = store.open_db(db_path)
    assert store.get_document(db, "port") is not None


@pytest.mark.parametrize(
    ("french", "status", "message"),
    [
        (("vide.txt", b""), 400, "is empty"),
        (("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00"), 400, "PNG image"),
        (("bizarre.txt", bytes(range(128, 256)) * 20), 400, "cannot be decoded"),
        (("swapped.txt", ENGLISH.encode()), 400, "reads as English"),
        (("big.txt", b"Une phrase. " * 400), 413, "too large"),
    ],
)
def test_bad_input_shows_an_error_and_changes_nothing(web, app, db_path, french, status,
                                                      message):
    app.config["MAX_IMPORT_BYTES"] = 3000
    before = snapshot(db_path)
    response = upload(web, french=french, english=("en.txt", ENGLISH.encode()), name="x")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert 'class="message error"' in page and message in page
    assert snapshot(db_path) == before
    twin = upload(web, url="/import.json", french=french,
                  english=("en.txt", ENGLISH.encode()), name="x")
    assert twin.status_code == status
    assert message in twin.get_json()["error"]
    assert snapshot(db_path) == before


def test_a_duplicate_is_refused_with_409(web, db_path):
    files = {"french": ("port.txt", FRENCH.encode()), "english": ("en.txt", ENGLISH.encode())}
    assert upload(web, name="port", **files).status_code == 200
    before = snapshot(db_path)
    response = upload(web, url="/import.json", name="port", **files)
    assert response.status_code == 409
    assert "already imported" in response.get_json()["error"]
    assert snapshot(db_path) == before


def test_a_missing_file_is_a_clear_error(web):
    response = upload(web, url="/import.json", french=("port.txt", FRENCH.encode()))
    assert response.status_code == 400
    assert "english" in response.get_json()["error"]


def test_an_updated_pair_shows_what_changed(web):
    text = b"alpha beta gamma. delta epsilon zeta.\n"
    files = {"french": ("a.txt", text), "english": ("b.txt", text)}
    assert upload(web, name="a", no_language_check="on", **files).status_code == 200
    changed = b"alpha beta gamma. kappa lambda mu.\n"
    response = upload(web, name="a", no_language_check="on", replace="on",
                      french=("a.txt", changed), english=("b.txt", changed))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<del>delta epsilon zeta.</del>" in page and "<ins>kappa lambda mu.</ins>" in page
    assert "1 link(s) kept" in page


def test_a_compilation_is_split_and_can_be_corrected(web, db_path):
    compilation = (
        b"Welcome to the page\n\nalpha beta gamma. delta epsilon.\n\n"
        b"zeta eta theta. iota kappa.\n\nShare on social media\n"
    )
    response = upload(
        web, url="/import.json", mode="compilation", name="page", no_language_check="on",
        compilation=("page.txt", compilation),
        originals=[("one.txt", b"alpha beta gamma. delta epsilon.\n"),
                   ("two.txt", b"zeta eta theta. iota kappa.\n")],
    )
    assert response.status_code == 200, response.get_json()
    result = response.get_json()["result"]
    assert [d["name"] for d in result["documents"]] == ["page-one", "page-two", "page-unmatched"]
    assert [p["part"] for p in result["split"]] == [None, 0, 1, None]

    page = web.get("/compilations/page").get_data(as_text=True)
    assert 'name="p0"' in page and "page-unmatched" in page
    moved = web.post("/compilations/page.json", data={"p3": "page-two"})
    assert moved.status_code == 200
    paragraphs = moved.get_json()["compilation"]["paragraphs"]
    assert [p["document"] for p in paragraphs] == [
        "page-unmatched", "page-one", "page-two", "page-two",
    ]
    assert web.get("/compilations/nothing.json").status_code == 404
