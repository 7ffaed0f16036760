"""Downloads of the aligned pairs: one document or the whole corpus, in every export format.

`/documents/NAME/export.FORMAT` and `/export.FORMAT`, with the options as query
parameters: `confirmed_only=1`, `min_score=0.5`, `source_lang=fr-CA`,
`target_lang=en-US`. `/export.json` lists the formats and these URLs.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, jsonify, request, send_file, url_for

from workbench.export import DEFAULT_REGIONS, FORMATS, ExportError
from workbench.export_source import Export, ExportRequest, build_export
from workbench.web.db import get_db
from workbench.web.errors import status_of

bp = Blueprint("exports", __name__)

FORMAT_PATH = f"<any({', '.join(FORMATS)}):format_name>"
ZIP_MEDIA_TYPE = "application/zip"


@bp.app_context_processor
def export_formats() -> dict:
    """The formats, for `_export_buttons.html` on any page."""
    return {"export_formats": list(FORMATS.values())}


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in {"1", "true", "yes", "on"}


def _min_score() -> float | None:
    raw = request.args.get("min_score", "").strip()
    if not raw:
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        abort(400, description=f"min_score must be a number such as 0.5, not {raw!r}.")


def _export_request(format_name: str, document: str | None) -> ExportRequest:
    return ExportRequest(
        format=format_name,
        document=document,
        confirmed_only=_flag("confirmed_only"),
        min_score=_min_score(),
        source_lang=request.args.get("source_lang") or None,
        target_lang=request.args.get("target_lang") or None,
    )


def _download(export_request: ExportRequest) -> Response:
    try:
        export = build_export(get_db(), export_request)
    except ExportError as error:  # an unknown document, nothing to export, a bad option
        abort(status_of(error), description=f"{str(error)[:1].upper()}{str(error)[1:]}.")
    return _send(export, export_request.format)


def _send(export: Export, format_name: str) -> Response:
    files = export.rendered.files
    if len(files) == 1:
        suffix, body = files[0]
        name, media_type = f"{export.name}{suffix}", FORMATS[format_name].media_type
    else:
        body, name, media_type = _zip(export), f"{export.name}.{format_name}.zip", ZIP_MEDIA_TYPE
    response = send_file(
        io.BytesIO(body), mimetype=media_type, as_attachment=True, download_name=name
    )
    # send_file appends "; charset=utf-8" to text/* types that already name it
    response.headers["Content-Type"] = media_type
    response.headers["X-Pair-Count"] = str(export.rendered.pair_count)
    return response


def _zip(export: Export) -> bytes:
    """Two line-aligned files travel together in one archive."""
    buffer = io.BytesIO()
    stamp = datetime.now(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for suffix, content in export.rendered.files:
            entry = zipfile.ZipInfo(f"{export.name}{suffix}", stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, content)
    return buffer.getvalue()


@bp.get(f"/documents/<name>/export.{FORMAT_PATH}")
def document_export(name: str, format_name: str):
    return _download(_export_request(format_name, name))


@bp.get(f"/export.{FORMAT_PATH}")
def corpus_export(format_name: str):
    return _download(_export_request(format_name, None))


@bp.get("/export.json")
def formats_json():
    return jsonify(
        {
            "formats": [
                {
                    "name": f.name,
                    "label": f.label,
                    "one_sided_pairs": f.one_sided,
                    "corpus_url": url_for(".corpus_export", format_name=f.name),
                    "document_url": url_for(
                        ".document_export", name="NAME", format_name=f.name
                    ),
                    "download": "a .zip of two files" if f.name == "moses" else f.extension,
                }
                for f in FORMATS.values()
            ],
            "options": {
                "confirmed_only": "1 keeps reviewed pairs only (confirmed or edited by hand)",
                "min_score": "leave out automatic pairs scoring below this (0 to 1); "
                             "reviewed pairs always stay",
                "source_lang": "code written for the source side",
                "target_lang": "code written for the target side",
            },
            "default_languages": DEFAULT_REGIONS,
        }
    )
