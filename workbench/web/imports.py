"""Import in the browser: a French–English pair, or a compilation and its originals.

Every refusal is shown on the upload page (and as JSON with HTTP 400, 404,
409 or 413); a refused import changes nothing in the database.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from workbench import store
from workbench.compilation import document_stem
from workbench.pipeline import (
    CompilationResult,
    ImportOptions,
    ImportRefused,
    ImportResult,
    InputFile,
    compilation_documents,
    compilation_paragraphs,
    import_compilation,
    import_document,
    resplit_compilation,
)
from workbench.readers import DEFAULT_MAX_BYTES
from workbench.web.db import get_db
from workbench.web.review import embedder as app_embedder

bp = Blueprint("imports", __name__)
FORMATS = [".txt (any encoding)", ".md", ".html", ".docx"]


def _embedder():
    """The app's embedder, the one the editor re-aligns with (`workbench serve --model`)."""
    return app_embedder(current_app)


def _max_bytes() -> int:
    return int(current_app.config.get("MAX_IMPORT_BYTES", DEFAULT_MAX_BYTES))


def _limits() -> dict:
    return {"max_bytes": _max_bytes(), "formats": FORMATS}


def _upload(field: str) -> InputFile:
    files = [f for f in request.files.getlist(field) if f and f.filename]
    if not files:
        raise ImportRefused(f"choose a file for “{field}”")
    return _read(files[0])


def _read(storage) -> InputFile:
    data = storage.read(_max_bytes() + 1)
    if len(data) > _max_bytes():
        raise ImportRefused(
            f"{storage.filename} is too large (over {_max_bytes() / 1e6:.1f} MB, the limit of "
            "this workbench; MAX_IMPORT_BYTES sets it)", 413,
        )
    return InputFile(storage.filename, data)


def _options() -> ImportOptions:
    return ImportOptions(
        language_check=request.form.get("no_language_check") != "on",
        max_bytes=_max_bytes(),
    )


def _run_import() -> ImportResult | CompilationResult:
    mode = request.form.get("mode", "pair")
    name = (request.form.get("name") or "").strip()
    if request.content_length and request.content_length > 12 * _max_bytes():
        raise ImportRefused("the upload is too large for this workbench", 413)
    if mode == "compilation":
        compilation = _upload("compilation")
        originals = [_read(f) for f in request.files.getlist("originals") if f and f.filename]
        if not originals:
            raise ImportRefused("choose the French originals of the compilation")
        return import_compilation(
            get_db(), name or document_stem(compilation.filename), compilation, originals,
            _embedder(), options=_options(),
        )
    source, target = _upload("french"), _upload("english")
    return import_document(
        get_db(), name or source.filename.rsplit(".", 1)[0], source, target, _embedder(),
        options=_options(), replace=request.form.get("replace") == "on",
    )


def _result_json(result: ImportResult | CompilationResult) -> dict:
    if isinstance(result, CompilationResult):
        return {
            "compilation": True,
            "documents": [
                {"name": r.name, "links": r.links}
                for r in [*result.parts, *([result.unmatched] if result.unmatched else [])]
            ],
            "split": [
                {"paragraph": i, "part": part, "score": score, "text": text}
                for i, (part, score, text) in enumerate(
                    zip(result.split.parts, result.split.scores, result.paragraphs, strict=True)
                )
            ],
        }
    return {
        "compilation": False,
        "name": result.name,
        "created": result.created,
        "links": result.links,
        "changes": result.changes.as_dict() if result.changes else None,
    }


@bp.get("/import")
def upload():
    return render_template("upload.html", limits=_limits(), result=None, error=None)


@bp.get("/import.json")
def upload_json():
    return jsonify(_limits())


@bp.post("/import")
def upload_post():
    try:
        result = _run_import()
    except ImportRefused as error:
        return render_template("upload.html", limits=_limits(), result=None, error=str(error),
                               form=request.form), error.status
    view = _compilation_view(_compilation_name(result)) \
        if isinstance(result, CompilationResult) else None
    return render_template("upload.html", limits=_limits(), error=None, result=result,
                           compilation=view)


@bp.post("/import.json")
def upload_post_json():
    try:
        result = _run_import()
    except ImportRefused as error:
        return jsonify({"ok": False, "error": str(error)}), error.status
    return jsonify({"ok": True, "result": _result_json(result)})


def _compilation_name(result: CompilationResult) -> str:
    row = store.get_document(get_db(), result.parts[0].name)
    return row["compilation"]


def _compilation_view(name: str) -> dict:
    db = get_db()
    return {
        "name": name,
        "documents": [d["name"] for d in compilation_documents(db, name)],
        "paragraphs": [
            {
                "paragraph": p["paragraph"], "document": p["document"],
                "text": " ".join(s["text"] for s in p["sentences"]),
                "kind": p["sentences"][0]["kind"],
            }
            for p in compilation_paragraphs(db, name)
        ],
    }


@bp.get("/compilations/<name>")
def compilation(name: str):
    view = _compilation_view(name)
    if not view["documents"]:
        return render_template("upload.html", limits=_limits(), result=None, compilation=None,
                               error=f"There is no compilation named {name!r}."), 404
    return render_template("upload.html", limits=_limits(), result=None, error=None,
                           compilation=view)


@bp.get("/compilations/<name>.json")
def compilation_json(name: str):
    view = _compilation_view(name)
    if not view["documents"]:
        return jsonify({"error": f"There is no compilation named {name!r}."}), 404
    return jsonify(view)


def _assignment(view: dict) -> dict[int, str]:
    rest = f"{view['name']}-unmatched"
    assignment = {}
    for paragraph in view["paragraphs"]:
        chosen = request.form.get(f"p{paragraph['paragraph']}")
        if chosen is not None:
            assignment[paragraph["paragraph"]] = chosen or rest
    return assignment


@bp.post("/compilations/<name>")
def resplit(name: str):
    view = _compilation_view(name)
    try:
        changes = resplit_compilation(get_db(), name, _assignment(view), _embedder())
    except ImportRefused as error:
        return render_template("upload.html", limits=_limits(), result=None, compilation=view,
                               error=str(error)), error.status
    return render_template("upload.html", limits=_limits(), result=None, error=None,
                           compilation=_compilation_view(name), resplit=changes)


@bp.post("/compilations/<name>.json")
def resplit_json(name: str):
    view = _compilation_view(name)
    try:
        changes = resplit_compilation(get_db(), name, _assignment(view), _embedder())
    except ImportRefused as error:
        return jsonify({"ok": False, "error": str(error)}), error.status
    return jsonify({"ok": True, "changes": {k: v.as_dict() for k, v in changes.items()},
                    "compilation": _compilation_view(name)})
