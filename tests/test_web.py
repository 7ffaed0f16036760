def test_documents_page_lists_documents_with_progress(client, sample_document):
    page = client.get("/")
    assert page.status_code == 200
    assert b"sample" in page.data
    assert b"0 / 3" in page.data


def test_documents_json_twin(client, sample_document):
    data = client.get("/documents.json").get_json()
    assert data["documents"][0]["name"] == "sample"
    assert data["summary"]["links"] == 3


def test_document_page_shows_pairs_side_by_side_with_scores(client, sample_document):
    page = client.get("/documents/sample")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Le roi est mort." in html and "The king is dead." in html
    assert "0.95" in html


def test_document_json_twin(client, sample_document):
    data = client.get("/documents/sample.json").get_json()
    assert data["document"]["name"] == "sample"
    first = data["pairs"][0]
    assert first["source"][0]["text"] == "Le roi est mort."
    assert first["target"][0]["text"] == "The king is dead."
    assert first["score"] == 0.95


def test_unknown_document_is_404(client):
    assert client.get("/documents/nope").status_code == 404
    assert client.get("/documents/nope.json").status_code == 404


def test_empty_database_explains_what_to_do(client):
    assert b"workbench align" in client.get("/").data
