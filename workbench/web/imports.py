"""Import in the browser: a French–English pair, or a compilation and its originals.

The request only reads the uploaded files and records a job; the import itself (read,
segment, embed, align, save) runs on the app's pool of import workers (`web.jobs`),
and the page follows its progress. `POST /import.json` answers 202 with the job's URL
(or, with `?wait=1`, the finished import). Every refusal is shown on the upload page
(and as JSON with HTTP 400, 404, 409, 413 or 503); a refused import changes nothing in
the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from workbench import import_jobs
from workbench.compilation import document_stem
from workbench.compilation_import import (
    CompilationResult,
    compilation_documents,
    compilation_paragraphs,
    import_compilation,
    resplit_compilation,
)
from workbench.corpus import ImportRefused, InputFile
from workbench.embed import Embedder, each_model
from workbench.errors import ErrorKind
from workbench.importing import ImportOptions, ImportResult, import_document
from workbench.readers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PARAGRAPHS,
    DEFAULT_MAX_SENTENCES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
)
from workbench.web import auth
from workbench.web.db import get_db, open_app_db
from workbench.web.errors import status_of
from workbench.web.jobs import (
    DEFAULT_QUEUE_LIMIT,
    DEFAULT_WORKERS,
    EXTENSION_KEY,
    ImportsBusy,
    ImportWorkers,
    JobProgress,
    owner_id,
    owner_is_gone,
)
from workbench.web.services import services
from workbench.web.twins import Answer, twin

bp = Blueprint("imports", __name__)
FORMATS = [".txt (any encoding)", ".md", ".html", ".docx"]
FIELD_LABELS = {
    "french": "the French original", "english": "the English translation",
    "compilation": "the English compilation",
}
PAGE_REMEDIES = {
    "language_check": "Tick “Skip the language check” to import it anyway.",
    "replace": "Choose another name, or tick “Update it if it is already imported”: "
               "unchanged sentences keep their links and reviews.",
    "max_size": "The limit is MAX_IMPORT_BYTES in the workbench's configuration.",
}
BODY_MARGIN = 1024 * 1024
"""Room for the form fields beside the files in MAX_CONTENT_LENGTH's default."""


def init_app(app: Flask) -> None:
    """Register the blueprint, bound request bodies, make the app's import workers, and
    mark the jobs a stopped server left unfinished as interrupted."""
    app.register_blueprint(bp)
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        # Werkzeug refuses a larger body from its Content-Length, before reading it.
        app.config["MAX_CONTENT_LENGTH"] = 6 * _max_bytes(app) + BODY_MARGIN
    workers = ImportWorkers(
        int(app.config.get("IMPORT_WORKERS", DEFAULT_WORKERS)),
        int(app.config.get("IMPORT_QUEUE_LIMIT", DEFAULT_QUEUE_LIMIT)),
        inline=bool(app.config.get("IMPORT_JOBS_INLINE", False)),
    )
    app.extensions[EXTENSION_KEY] = workers
    db = open_app_db(app)
    try:
        gone = [job["id"] for job in import_jobs.unfinished_jobs(db)
                if owner_is_gone(job["owner"])]
        if gone:
            import_jobs.mark_interrupted(db, gone)
    finally:
        db.close()


def _embedder():
    """The app's embedder, the one the editor re-aligns with (`workbench serve --model`)."""
    return services().embedder()


def _max_bytes(app: Flask | None = None) -> int:
    return int((app or current_app).config.get("MAX_IMPORT_BYTES", DEFAULT_MAX_BYTES))


def _limits() -> dict:
    config = current_app.config
    return {
        "max_bytes": _max_bytes(),
        "max_request_bytes": config.get("MAX_CONTENT_LENGTH"),
        "max_uncompressed_bytes": int(config.get("MAX_IMPORT_UNCOMPRESSED_BYTES",
                                                 DEFAULT_MAX_UNCOMPRESSED_BYTES)),
        "max_paragraphs": int(config.get("MAX_IMPORT_PARAGRAPHS", DEFAULT_MAX_PARAGRAPHS)),
        "max_sentences": int(config.get("MAX_IMPORT_SENTENCES", DEFAULT_MAX_SENTENCES)),
        "workers": int(config.get("IMPORT_WORKERS", DEFAULT_WORKERS)),
        "formats": FORMATS,
    }


def page_message(error: ImportRefused, filenames: list[str] | tuple[str, ...] = ()) -> str:
    """A refusal worded for the upload page: a capital (unless it opens with a file's
    name), and the checkbox or setting that would let it through, not a command flag."""
    message = str(error).strip()
    if not any(name and message.startswith(name) for name in filenames):
        message = message[:1].upper() + message[1:]
    if not message.endswith((".", "!", "?")):
        message += "."
    remedy = PAGE_REMEDIES.get(getattr(error, "remedy", None) or "")
    return f"{message} {remedy}" if remedy else message


# --- reading the request ------------------------------------------------------------


@dataclass(frozen=True)
class ImportRequest:
    """What the translator asked for, with the uploaded files in memory."""

    mode: str
    name: str
    files: tuple[InputFile, ...]  # pair: French, English; compilation: English, originals
    replace: bool
    options: ImportOptions

    @property
    def filenames(self) -> list[str]:
        return [upload.filename for upload in self.files]

    def params(self) -> dict:
        """What the form held, to fill it again after a refusal (files cannot be)."""
        return {
            "mode": self.mode, "name": self.name, "files": self.filenames,
            "replace": "on" if self.replace else "",
            "no_language_check": "" if self.options.language_check else "on",
        }


def _upload(field: str) -> InputFile:
    files = [f for f in request.files.getlist(field) if f and f.filename]
    if not files:
        raise ImportRefused(f"choose {FIELD_LABELS.get(field, field)} (field “{field}”)")
    return _read(files[0])


def _read(storage) -> InputFile:
    data = storage.read(_max_bytes() + 1)
    if len(data) > _max_bytes():
        raise ImportRefused(
            f"{storage.filename} is too large (over {_max_bytes() / 1e6:.1f} MB, the limit of "
            "this workbench)", kind=ErrorKind.TOO_LARGE, remedy="max_size",
        )
    return InputFile(storage.filename, data)


def _options() -> ImportOptions:
    config = current_app.config
    return ImportOptions(
        language_check=request.form.get("no_language_check") != "on",
        max_bytes=_max_bytes(),
        max_uncompressed=int(config.get("MAX_IMPORT_UNCOMPRESSED_BYTES",
                                        DEFAULT_MAX_UNCOMPRESSED_BYTES)),
        max_paragraphs=int(config.get("MAX_IMPORT_PARAGRAPHS", DEFAULT_MAX_PARAGRAPHS)),
        max_sentences=int(config.get("MAX_IMPORT_SENTENCES", DEFAULT_MAX_SENTENCES)),
    )


def _import_request() -> ImportRequest:
    mode = request.form.get("mode", "pair")
    name = (request.form.get("name") or "").strip()
    if mode not in ("pair", "compilation"):
        raise ImportRefused(f"unknown import mode {mode!r}: pair or compilation")
    if mode == "compilation":
        compilation = _upload("compilation")
        originals = [_read(f) for f in request.files.getlist("originals") if f and f.filename]
        if not originals:
            raise ImportRefused("choose the French originals of the compilation")
        return ImportRequest(mode, name or document_stem(compilation.filename),
                             (compilation, *originals), False, _options())
    source, target = _upload("french"), _upload("english")
    return ImportRequest(mode, name or source.filename.rsplit(".", 1)[0], (source, target),
                         request.form.get("replace") == "on", _options())


# --- running an import ----------------------------------------------------------------


def execute(db, embedder: Embedder, job: ImportRequest) -> dict:
    """Run the import itself (the synchronous path); return its result as JSON data."""
    if job.mode == "compilation":
        result = import_compilation(db, job.name, job.files[0], list(job.files[1:]), embedder,
                                    options=job.options)
    else:
        result = import_document(db, job.name, job.files[0], job.files[1], embedder,
                                 options=job.options, replace=job.replace)
    return _result_json(result, job.name)


def _run_job(app: Flask, job_id: str, job: ImportRequest) -> None:
    """A job on a worker thread: its own connections, progress written as it goes; every
    outcome, even an unexpected error, ends in the job's row."""
    jobs_db = open_app_db(app)
    work_db = open_app_db(app)
    try:
        import_jobs.start_job(jobs_db, job_id)
        progress = JobProgress(
            lambda stage, fraction: import_jobs.report_progress(jobs_db, job_id, stage, fraction)
        )
        with app.app_context():
            model = each_model(services(app).embedder(), progress.wrap)
        import_jobs.finish_job(jobs_db, job_id, execute(work_db, model, job))
    except ImportRefused as error:
        import_jobs.fail_job(jobs_db, job_id, page_message(error, job.filenames),
                             status_of(error), error.remedy)
    except Exception:  # recorded for the translator; the details go to the server log
        app.logger.exception("import job %s failed", job_id)
        import_jobs.fail_job(
            jobs_db, job_id, "An unexpected error stopped the import (the server log has the "
            "details); nothing was saved.", 500,
        )
    finally:
        work_db.close()
        jobs_db.close()


def _started_by() -> str | None:
    """Who starts the import: the account on a team server, else the page's name (sent in
    the form's `user` field: a header cannot carry a name outside Latin-1)."""
    return auth.acting_user(request.form.get("user") or request.headers.get("X-Workbench-User"))


def _start_job():
    """Read the request, record the job and hand it to the workers: (job id, future)."""
    job = _import_request()
    db = get_db()
    job_id = import_jobs.create_job(db, job.mode, job.name, job.params(), owner_id(),
                                    started_by=_started_by())
    app = current_app._get_current_object()
    try:
        future = app.extensions[EXTENSION_KEY].submit(lambda: _run_job(app, job_id, job))
    except ImportsBusy as error:
        message = ("the workbench is busy with other imports; try again in a few minutes "
                   f"({error})")
        refused = ImportRefused(message, kind=ErrorKind.BUSY)
        import_jobs.fail_job(db, job_id, page_message(refused), status_of(refused))
        raise refused from error
    return job_id, future


def _result_json(result: ImportResult | CompilationResult, name: str) -> dict:
    if isinstance(result, CompilationResult):
        return {
            "compilation": True,
            "name": name,
            "summary": result.summary(),
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


def _job_json(job: dict) -> dict:
    result = job["result"]
    document_url = None
    if result is not None:
        document_url = url_for("imports.compilation", name=result["name"]) \
            if result.get("compilation") else url_for("documents.document", name=result["name"])
    return {
        "id": job["id"], "kind": job["kind"], "name": job["name"], "state": job["state"],
        "stage": job["stage"], "progress": job["progress"],
        "url": url_for("imports.job_json", job_id=job["id"]),
        "page": url_for("imports.job_page", job_id=job["id"]),
        "files": job["params"].get("files", []),
        "error": job["error"], "status": job["status"], "remedy": job["remedy"],
        "result": result, "document_url": document_url,
        "created": job["created"], "started": job["started"], "finished": job["finished"],
        "started_by": job.get("started_by"),
    }


def _request_filenames() -> list[str]:
    return [f.filename for field in request.files for f in request.files.getlist(field)
            if f and f.filename]


def _wants_wait() -> bool:
    return (request.args.get("wait") or request.form.get("wait") or "").lower() in (
        "1", "true", "yes", "on")


def _upload_context(**context) -> dict:
    """What upload.html renders: the limits, and the form, job, result or error shown."""
    return {"limits": _limits(), "result": None, "error": None, "form": None, **context}


def _upload_page(status: int = 200, **context):
    return render_template("upload.html", **_upload_context(**context)), status


# --- routes ---------------------------------------------------------------------------


@bp.errorhandler(RequestEntityTooLarge)
def body_too_large(error: RequestEntityTooLarge):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    message = (f"The upload is larger than {limit / 1e6:.0f} MB, the most this workbench "
               "accepts in one request; nothing was read or imported.")
    if request.path.endswith(".json"):
        return jsonify({"ok": False, "error": message, "remedy": None}), 413
    return _upload_page(413, error=message)


@twin(bp, "/import", endpoint="upload")
def upload() -> Answer:
    """What an import takes: the formats and limits (the page adds the latest imports)."""
    return Answer(data=_limits, template="upload.html", context=lambda: _upload_context(
        jobs=[_job_json(job) for job in import_jobs.recent_jobs(get_db(), 5)]))


@bp.post("/import")
def upload_post():
    try:
        job_id, _ = _start_job()
    except ImportRefused as error:
        return _upload_page(status_of(error), error=page_message(error, _request_filenames()),
                            form=request.form)
    return redirect(url_for("imports.job_page", job_id=job_id), 303)


@bp.post("/import.json")
def upload_post_json():
    try:
        job_id, future = _start_job()
    except ImportRefused as error:
        return jsonify({"ok": False, "error": page_message(error, _request_filenames()),
                        "remedy": error.remedy}), status_of(error)
    if not _wants_wait():
        job = import_jobs.get_job(get_db(), job_id)
        response = jsonify({"ok": True, "job": _job_json(job)})
        response.status_code = 202
        response.headers["Location"] = url_for("imports.job_json", job_id=job_id)
        return response
    future.result()  # _run_job records every outcome in the job's row
    job = import_jobs.get_job(get_db(), job_id)
    if job["state"] == import_jobs.DONE:
        return jsonify({"ok": True, "result": job["result"], "job": _job_json(job)})
    return jsonify({"ok": False, "error": job["error"], "remedy": job["remedy"],
                    "job": _job_json(job)}), job["status"] or 500


@bp.get("/import/jobs.json")
def jobs_json():
    return jsonify({"jobs": [_job_json(job) for job in import_jobs.recent_jobs(get_db())]})


@twin(bp, "/import/jobs/<job_id>", endpoint="job_page", json_endpoint="job_json")
def job_page(job_id: str) -> Answer:
    """An import's progress, then its outcome (the twin answers 200 for a failed one)."""
    job = import_jobs.get_job(get_db(), job_id)
    if job is None:
        message = f"There is no import job {job_id!r}."
        return Answer(data={"ok": False, "error": message}, template="upload.html",
                      context=lambda: _upload_context(error=message), status=404)
    view = _job_json(job)
    if job["state"] in import_jobs.UNFINISHED:
        return Answer(data=view, template="upload.html",
                      context=lambda: _upload_context(job=view))
    if job["state"] != import_jobs.DONE:
        return Answer(data=view, template="upload.html", status=job["status"] or 500,
                      json_status=200, context=lambda: _upload_context(
                          job=view, error=job["error"], form=job["params"]))
    result = job["result"]
    return Answer(data=view, template="upload.html", context=lambda: _upload_context(
        job=view, result=result,
        compilation=_compilation_view(result["name"]) if result.get("compilation") else None))


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


@twin(bp, "/compilations/<name>", endpoint="compilation")
def compilation(name: str) -> Answer:
    """A compilation: its documents, and which one each of its paragraphs went to."""
    view = _compilation_view(name)
    if not view["documents"]:
        message = f"There is no compilation named {name!r}."
        return Answer(data={"error": message}, template="upload.html", status=404,
                      context=lambda: _upload_context(compilation=None, error=message))
    return Answer(data=view, template="upload.html",
                  context=lambda: _upload_context(compilation=view))


def _assignment(view: dict) -> dict[int, str]:
    rest = f"{view['name']}-unmatched"
    assignment = {}
    for paragraph in view["paragraphs"]:
        chosen = request.form.get(f"p{paragraph['paragraph']}")
        if chosen is not None:
            assignment[paragraph["paragraph"]] = chosen or rest
    return assignment


@twin(bp, "/compilations/<name>", endpoint="resplit", methods=["POST"])
def resplit(name: str) -> Answer:
    """Move paragraphs of a compilation to other documents, and re-align those."""
    view = _compilation_view(name)
    try:
        changes = resplit_compilation(get_db(), name, _assignment(view), _embedder())
    except ImportRefused as error:
        message = str(error)
        return Answer(data={"ok": False, "error": message}, template="upload.html",
                      status=status_of(error),
                      context=lambda: _upload_context(compilation=view, error=message))
    after = _compilation_view(name)
    return Answer(data=lambda: {"ok": True, "changes": {k: v.as_dict()
                                                        for k, v in changes.items()},
                                "compilation": after},
                  template="upload.html",
                  context=lambda: _upload_context(compilation=after, resplit=changes))
